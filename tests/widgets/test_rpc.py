"""The RPC method table, driven without a kernel: pages, counts, search, lookup, view, codegen, record,
and bad requests answered with error messages (never raised), the database unchanged."""

from __future__ import annotations

import pyarrow as pa
import pytest
from harness.seed import HOSTILE_LABEL

PREFIX = "rpc/"
MINE = {"field": "key", "lookup": "startswith", "value": PREFIX}


@pytest.fixture(scope="module")
def rpc():
    from lamin_widgets.protocol import methods as rpc_methods

    return rpc_methods


def call(rpc, method, params=None, request_id=7):
    request = {"id": request_id, "kind": "lamin-rpc", "method": method}
    if params is not None:
        request["params"] = params
    return rpc.handle(request)


def ok(rpc, method, params=None):
    response, buffers = call(rpc, method, params)
    assert response["ok"], response
    assert response["id"] == 7
    return response["result"], buffers


def table(buffer: bytes) -> pa.Table:
    return pa.ipc.open_stream(buffer).read_all()


def mine(*items, op="and"):
    return {"op": "and", "not": False, "items": [MINE, *items]} if op == "and" else None


def test_list_registries_with_counts(ln, seeded, rpc):
    result, _ = ok(rpc, "list_registries")
    by_name = {r["name"]: r for r in result["registries"]}
    assert by_name["Artifact"]["count"] == ln.Artifact.filter().count()
    assert (
        by_name["ULabel"]["count"] == ln.ULabel.filter().count()
        and by_name["ULabel"]["label_field"] == "name"
    )
    assert by_name["bionty.CellType"]["module"] == "bionty"
    assert "User" not in by_name and "Space" not in by_name


def test_schema(ln, seeded, rpc):
    result, _ = ok(rpc, "schema", {"registry": "Artifact"})
    assert result["columns"] == list(ln.Artifact.df().columns)
    assert result["code_name"] == "ln.Artifact" and result["label_field"] == "key"
    assert {f["path"] for f in result["features"]} >= {"perturbation", "temperature", "study_metadata"}
    assert result["lookup_labels"]["isnull"] == "is empty"


def test_pages_equal_the_queryset_sliced(ln, seeded, rpc):
    queryset = ln.Artifact.filter(key__startswith=PREFIX).order_by("-size", "id")
    for offset in (0, 2, 4):
        result, buffers = ok(
            rpc,
            "page",
            {"registry": "Artifact", "filters": mine(), "order": ["-size"], "offset": offset, "limit": 2},
        )
        page = table(buffers[0])
        expected = queryset[offset : offset + 2]
        assert page.column("id").to_pylist() == [a.id for a in expected]
        assert page.column_names == ["id", *ln.Artifact.df().columns]
        assert page.column("size").to_pylist() == [a.size for a in expected]
        assert page.column("created_at").to_pylist() == [a.created_at for a in expected]
        assert page.schema.field("created_at").type == pa.timestamp("us", tz="UTC")
        assert page.schema.field("is_latest").type == pa.bool_()
        assert result["offset"] == offset and result["limit"] == 2


def test_page_columns_relations_and_features(ln, seeded, rpc):
    _, buffers = ok(
        rpc,
        "page",
        {
            "registry": "Artifact",
            "filters": mine({"field": "suffix", "lookup": "exact", "value": ".h5ad"}),
            "columns": ["key", "created_by__handle", "ulabels__name"],
            "features": ["perturbation", "temperature", "study_metadata"],
        },
    )
    page = table(buffers[0]).to_pylist()
    assert [r["key"] for r in page] == [PREFIX + "examples/dataset1.h5ad", PREFIX + "examples/dataset2.h5ad"]
    assert page[0]["created_by__handle"] == "testuser1"
    assert page[0]["ulabels__name"] == ["DMSO", "Experiment 1", "IFNG"]
    assert page[0]["perturbation"] == "DMSO, IFNG" and page[0]["temperature"] == "21.6"
    assert page[1]["study_metadata"] == '{"detail1": "456", "detail2": 2}'


def test_default_page_is_in_ascending_id_like_filter_df(ln, seeded, rpc):
    _, buffers = ok(rpc, "page", {"registry": "Artifact", "filters": mine(), "limit": 100})
    assert table(buffers[0]).column("id").to_pylist() == list(
        ln.Artifact.filter(key__startswith=PREFIX).df().index
    )


def test_count_and_codegen_equal_the_queryset(ln, seeded, rpc):
    filters = mine(
        {"field": "suffix", "lookup": "exact", "value": ".h5ad"}, {"field": "perturbation", "value": "DMSO"}
    )
    result, _ = ok(rpc, "count", {"registry": "Artifact", "filters": filters})
    assert (
        result["count"]
        == ln.Artifact.filter(key__startswith=PREFIX, suffix=".h5ad", perturbation="DMSO").count()
        == 2
    )
    result, _ = ok(rpc, "codegen", {"registry": "Artifact", "filters": filters, "order": ["-size"]})
    assert result["code"] == (
        "ln.Artifact.filter(key__startswith='rpc/', suffix='.h5ad', perturbation='DMSO').order_by('-size')"
    )
    import lamin_core

    ran = eval(result["code"], {"ln": lamin_core})
    assert list(ran.values_list("id", flat=True)) == [
        a.id for a in ln.Artifact.filter(key__startswith=PREFIX, suffix=".h5ad").order_by("-size")
    ]


def test_search_equals_registry_search(ln, seeded, rpc):
    result, _ = ok(rpc, "search", {"registry": "Artifact", "string": "iris", "filters": mine()})
    expected = ln.Artifact.filter(key__startswith=PREFIX).search("iris", limit=10)
    assert [r["id"] for r in result["results"]] == list(expected.values_list("id", flat=True))
    assert result["results"][0]["label"] == PREFIX + "iris.parquet"
    assert ok(rpc, "search", {"registry": "ULabel", "string": "  "})[0]["results"] == []
    _page, buffers = ok(rpc, "page", {"registry": "Artifact", "filters": mine(), "search": "dataset"})
    assert sorted(table(buffers[0]).column("key").to_pylist()) == [
        PREFIX + "examples/dataset1.h5ad",
        PREFIX + "examples/dataset2.h5ad",
    ]


def test_lookup_prefix_first_then_contains(ln, seeded, rpc):
    result, _ = ok(rpc, "lookup", {"registry": "ULabel", "prefix": "exp"})
    assert result["field"] == "name"
    assert [r["value"] for r in result["results"]][:2] == ["Experiment 1", "Experiment 2"]
    result, _ = ok(rpc, "lookup", {"registry": "ULabel", "prefix": "ment 2"})
    assert [r["value"] for r in result["results"]] == ["Experiment 2"]
    result, _ = ok(rpc, "lookup", {"registry": "ULabel", "prefix": "", "limit": 2})
    assert len(result["results"]) == 2


def test_view_lists_non_empty_registries_with_latest_rows(ln, seeded, rpc):
    result, buffers = ok(rpc, "view", {"limit": 3})
    core = result["modules"][0]
    assert core["module"] == "core"
    by_name = {r["name"]: r for r in core["registries"]}
    assert by_name["Artifact"]["count"] == ln.Artifact.filter().count()
    rows = table(buffers[by_name["Artifact"]["buffer"]])
    assert rows.column("id").to_pylist() == list(ln.Artifact.df(limit=3).index)
    assert "User" not in by_name
    # the relations name the id columns the front end hides; the creator comes by handle too
    relations = {r["name"]: r["to_many"] for r in by_name["Artifact"]["relations"]}
    assert relations["storage"] is False and relations["created_by"] is False and relations["ulabels"] is True
    assert rows.column_names[-1] == "created_by__handle"
    assert set(rows.column("created_by__handle").to_pylist()) == {"testuser1"}


def test_record_details(ln, seeded, rpc):
    artifact = seeded["examples/dataset1.h5ad"]
    result, _ = ok(rpc, "record", {"registry": "Artifact", "id": artifact.id})
    assert result["fields"]["key"] == PREFIX + "examples/dataset1.h5ad"
    assert result["related"]["ulabels"] == ["DMSO", "IFNG", "Experiment 1"] or sorted(
        result["related"]["ulabels"]
    ) == [
        "DMSO",
        "Experiment 1",
        "IFNG",
    ]
    assert result["features"]["temperature"] == "21.6"
    assert result["related"]["created_by"] == ["Test User1"]


def test_hostile_label_is_data(ln, seeded, rpc):
    filters = {
        "op": "and",
        "not": False,
        "items": [{"field": "name", "lookup": "exact", "value": HOSTILE_LABEL}],
    }
    result, _ = ok(rpc, "count", {"registry": "ULabel", "filters": filters})
    assert result["count"] == 1
    result, _ = ok(rpc, "codegen", {"registry": "ULabel", "filters": filters})
    assert result["code"] == f"ln.ULabel.filter(name={HOSTILE_LABEL!r})"
    result, _ = ok(rpc, "lookup", {"registry": "ULabel", "prefix": "');"})
    assert [r["value"] for r in result["results"]] == [HOSTILE_LABEL]


def test_filters_across_to_many_relations_count_and_page_each_record_once(ln, seeded, rpc):
    """dataset1 and dataset2 each carry DMSO and IFNG: four join rows, two records; with search too."""
    filters = mine({"field": "ulabels__name", "lookup": "in", "value": ["DMSO", "IFNG"]})
    for search in ("", "dataset"):
        params = {"registry": "Artifact", "filters": filters, "search": search}
        assert ok(rpc, "count", params)[0]["count"] == 2
        _, buffers = ok(rpc, "page", params)
        keys = table(buffers[0]).column("key").to_pylist()
        assert sorted(keys) == [PREFIX + "examples/dataset1.h5ad", PREFIX + "examples/dataset2.h5ad"]
        code = ok(rpc, "codegen", params)[0]["code"]
        import lamin_core

        ran = eval(code, {"ln": lamin_core})
        assert ".distinct()" in code and sorted(ran.values_list("key", flat=True)) == sorted(keys)


def test_codegen_names_the_imports_its_code_needs(ln, seeded, rpc):
    result, _ = ok(rpc, "codegen", {"registry": "Artifact", "filters": mine()})
    assert result["imports"] == ["import lamin_core as ln"]
    filters = {"op": "and", "not": False, "items": [{"field": "name", "lookup": "startswith", "value": "T"}]}
    result, _ = ok(rpc, "codegen", {"registry": "bionty.CellType", "filters": filters})
    assert result["imports"] == ["import lamin_core as ln", "import lamin_core.bionty as bt"]
    namespace: dict = {}
    exec("\n".join([*result["imports"], f"found = {result['code']}"]), namespace)  # a fresh namespace
    assert list(namespace["found"].values_list("id", flat=True)) == list(
        namespace["bt"].CellType.filter(name__startswith="T").values_list("id", flat=True)
    )


BAD = [
    ({"id": 1, "kind": "other", "method": "page"}, "not a lamin-rpc request"),
    ({"id": 1, "kind": "lamin-rpc", "method": "page", "params": []}, "params must be an object"),
    ({"id": 1, "kind": "lamin-rpc", "method": "page", "params": {}}, "parameter 'registry' is required"),
    (
        {"id": 1, "kind": "lamin-rpc", "method": "page", "params": {"registry": "Nope"}},
        "unknown registry 'Nope'",
    ),
    (
        {"id": 1, "kind": "lamin-rpc", "method": "page", "params": {"registry": 5}},
        "'registry' must be str, got int",
    ),
    (
        {"id": 1, "kind": "lamin-rpc", "method": "page", "params": {"registry": "Artifact", "limit": "10"}},
        "'limit' must be int, got str",
    ),
    (
        {"id": 1, "kind": "lamin-rpc", "method": "page", "params": {"registry": "Artifact", "limit": True}},
        "'limit' must be int, got bool",
    ),
    (
        {"id": 1, "kind": "lamin-rpc", "method": "page", "params": {"registry": "Artifact", "limit": 10**9}},
        "limit must be between 1 and 1000",
    ),
    (
        {"id": 1, "kind": "lamin-rpc", "method": "page", "params": {"registry": "Artifact", "offset": -1}},
        "offset must be between 0",
    ),
    (
        {"id": 1, "kind": "lamin-rpc", "method": "page", "params": {"registry": "Artifact", "sql": "1"}},
        "unknown parameter(s) ['sql']",
    ),
    (
        {
            "id": 1,
            "kind": "lamin-rpc",
            "method": "page",
            "params": {"registry": "Artifact", "order": ["size; --"]},
        },
        "Artifact has no field",
    ),
    (
        {
            "id": 1,
            "kind": "lamin-rpc",
            "method": "page",
            "params": {"registry": "Artifact", "columns": ["__class__"]},
        },
        "Artifact has no field",
    ),
    (
        {
            "id": 1,
            "kind": "lamin-rpc",
            "method": "page",
            "params": {"registry": "Artifact", "features": ["nope"]},
        },
        "unknown feature(s) ['nope']",
    ),
    (
        {
            "id": 1,
            "kind": "lamin-rpc",
            "method": "count",
            "params": {
                "registry": "Artifact",
                "filters": {"items": [{"field": "key); DELETE FROM x", "value": "1"}]},
            },
        },
        "has no field, relation or feature",
    ),
    (
        {
            "id": 1,
            "kind": "lamin-rpc",
            "method": "search",
            "params": {"registry": "Artifact", "string": "x" * 500},
        },
        "at most 200 characters",
    ),
    (
        {
            "id": 1,
            "kind": "lamin-rpc",
            "method": "lookup",
            "params": {"registry": "Artifact", "field": "size"},
        },
        "not a text",
    ),
    (
        {"id": 1, "kind": "lamin-rpc", "method": "view", "params": {"modules": ["os"]}},
        "unknown module(s) ['os']",
    ),
]


@pytest.mark.parametrize(("request_", "message"), BAD)
def test_bad_requests_are_answered_with_errors(ln, seeded, rpc, request_, message):
    counts = (ln.Artifact.all_objects.count(), ln.ULabel.all_objects.count(), ln.Feature.all_objects.count())
    response, buffers = rpc.handle(request_)
    assert response["ok"] is False and buffers == []
    assert response["id"] == 1
    assert response["error"]["type"] == "bad_request"
    assert message in response["error"]["message"]
    assert (
        ln.Artifact.all_objects.count(),
        ln.ULabel.all_objects.count(),
        ln.Feature.all_objects.count(),
    ) == counts


def test_a_missing_record_or_method_is_not_found(ln, seeded, rpc):
    response, _ = call(rpc, "record", {"registry": "Artifact", "id": 10**12})
    assert response["error"] == {
        "type": "not_found",
        "message": "record: no visible Artifact record with id 1000000000000",
    }
    response, _ = call(rpc, "drop_tables", {})
    assert (
        response["error"]["type"] == "not_found"
        and "unknown method 'drop_tables'" in response["error"]["message"]
    )


@pytest.mark.parametrize(
    "request_", [None, "x", 5, [], {"kind": "lamin-rpc"}, {"id": {"a": 1}, "kind": "lamin-rpc"}]
)
def test_malformed_requests_never_raise(rpc, request_):
    response, _buffers = rpc.handle(request_)
    assert response["ok"] is False and response["id"] is None


def test_database_errors_come_back_as_messages(ln, seeded, rpc, monkeypatch):
    from lamin_widgets.protocol import methods as rpc_methods

    def broken(ctx, params):
        raise RuntimeError("database is locked")

    monkeypatch.setitem(rpc_methods.METHODS, "count", rpc_methods.Method("count", {}, broken))
    response, _ = call(rpc, "count", {})
    assert response == {
        "id": 7,
        "ok": False,
        "error": {"type": "internal_error", "message": "RuntimeError: database is locked"},
    }


def test_record_page_of_an_artifact(ln, seeded, rpc):
    """Title, facts, features with label links, labels, created_by, storage path; every field aside."""
    artifact = seeded["examples/dataset1.h5ad"]
    result, _ = ok(rpc, "record", {"registry": "Artifact", "id": artifact.id})
    assert result["title"] == PREFIX + "examples/dataset1.h5ad"
    facts = {f["name"]: f for f in result["facts"]}
    assert facts["size"]["value"] == 31672 and facts["suffix"]["value"] == ".h5ad"
    assert facts["created_by"]["value"] == "testuser1"
    assert facts["created_by"]["link"] == {"registry": "User", "id": artifact.created_by_id}
    assert result["path"] and result["path"].endswith(".h5ad")
    features = {f["name"]: f for f in result["feature_values"]}
    assert features["temperature"]["values"] == [{"label": "21.6"}]
    assert features["temperature"]["dtype"] == ln.Feature.get(name="temperature").dtype == "float"
    dmso = ln.ULabel.get(name="DMSO")
    assert {"registry": "ULabel", "id": dmso.id, "label": "DMSO"} in features["perturbation"]["values"]
    relations = {r["name"]: r for r in result["relations"]}
    assert relations["ulabels"]["is_label"] and relations["ulabels"]["registry"] == "ULabel"
    assert {item["label"] for item in relations["ulabels"]["items"]} == {"DMSO", "IFNG", "Experiment 1"}
    assert relations["storage"]["items"][0]["registry"] == "Storage"
    assert "_hash_type" in result["all_fields"] and "id" in result["all_fields"]
    assert not any(f["name"].startswith("_") for f in result["facts"])


def test_record_page_relations_are_bounded(ln, seeded, rpc, monkeypatch):
    """At most MAX_RELATED records per relation, and how many more there are."""
    monkeypatch.setattr(rpc, "MAX_RELATED", 1)
    dmso = ln.ULabel.get(name="DMSO")
    result, _ = ok(rpc, "record", {"registry": "ULabel", "id": dmso.id})
    artifacts = {r["name"]: r for r in result["relations"]}["artifacts"]
    assert len(artifacts["items"]) == 1
    assert artifacts["more"] == dmso.artifacts.count() - 1 >= 1
    assert result["title"] == "DMSO"


def test_record_page_of_an_ontology_term_has_its_ontology_id(ln, seeded, rpc):
    bt = pytest.importorskip("lamin_core.bionty")
    from django.db import transaction

    # rolled back: a T cell without its parents would change what other modules' ontology queries find
    with transaction.atomic():
        term = bt.CellType.filter(ontology_id="CL:0000084").first()
        if term is None:  # another module's test may have saved it
            term = bt.CellType(name="T cell", ontology_id="CL:0000084").save()
        result, _ = ok(rpc, "record", {"registry": "bionty.CellType", "id": term.id})
        transaction.set_rollback(True)
    assert result["title"] == term.name
    assert result["all_fields"]["ontology_id"] == "CL:0000084"
    assert result["registry"] == "bionty.CellType"


def test_count_of_a_search_says_how_many_match_beyond_the_limit(ln, seeded, rpc, monkeypatch):
    """The page set is capped at the search limit; `matches` counts every match ("first 1 of 2")."""

    from lamin_widgets.protocol import state as query_state

    monkeypatch.setattr(query_state, "SEARCH_LIMIT", 1)
    params = {"registry": "Artifact", "filters": mine(), "search": "dataset"}
    result, _ = ok(rpc, "count", params)  # counted up to twice the limit: "first 1 of ≥ 2"
    assert result == {"count": 1, "limit": 1, "matches": 2, "matches_exact": False}
    _, buffers = ok(rpc, "page", params)
    assert table(buffers[0]).num_rows == 1
    result, _ = ok(rpc, "count", {**params, "exact_matches": True})  # "first 1 of 2"
    assert result == {"count": 1, "limit": 1, "matches": 2, "matches_exact": True}
    # without a search there is no limit: the distinct records
    assert ok(rpc, "count", {"registry": "Artifact", "filters": mine()})[0] == {"count": 5}
