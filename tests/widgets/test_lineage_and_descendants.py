"""Issue 22, items 3 and 4 through the method table: the `lineage` graph of a record page, and the
"include descendants" filter (`descendant_of`) on ontology relations and ontology-typed features, on real
Cell Ontology terms saved with their ancestors.

Everything this module writes happens in one transaction that is rolled back at its end.
"""

from __future__ import annotations

import uuid

import pyarrow as pa
import pytest
from django.db import transaction

LEAVES = ("CD8-positive, alpha-beta T cell", "CD4-positive, alpha-beta T cell", "B cell")


@pytest.fixture(scope="module")
def rpc():
    from lamin_widgets.protocol import methods

    return methods


@pytest.fixture(scope="module")
def world(ln, tmp_path_factory):
    """Artifacts annotated with CL terms (by relation and by a `cat[bionty.CellType]` feature), one per
    leaf, one with `T cell` itself and one without; a transform whose run read two of them (and a
    collection) and wrote an artifact that is part of two collections."""
    import lamin_core.bionty as bt

    folder = tmp_path_factory.mktemp("lineage")
    tag = uuid.uuid4().hex[:8]

    def artifact(name: str, **kwargs):
        path = folder / f"{name}.txt"
        path.write_text(f"{name} {uuid.uuid4()}\n")
        return ln.Artifact(path, key=f"lineage/{tag}/{name}.txt", **kwargs).save()

    with transaction.atomic():
        terms = {name: bt.CellType.from_source(name=name).save() for name in LEAVES}
        terms["T cell"] = bt.CellType.get(name="T cell")
        feature = ln.Feature(name=f"cell_type_{tag}", dtype="cat[bionty.CellType]").save()
        annotated = {}
        for name in [*LEAVES, "T cell"]:
            record = artifact(name.replace(" ", "_").replace(",", ""))
            record.cell_types.add(terms[name])
            record.labels.add(terms[name], feature=feature)
            annotated[name] = record
        annotated["none"] = artifact("none")
        transform = ln.Transform(key=f"lineage/{tag}/analysis.py", type="script").save()
        run = ln.Run(transform).save()
        inputs = [annotated["B cell"], annotated["T cell"]]
        source = ln.Collection(inputs, key=f"lineage/{tag}/inputs").save()
        run.input_artifacts.add(*inputs)
        run.input_collections.add(source)
        output = artifact("output", run=run)
        collections = [
            ln.Collection(members, key=f"lineage/{tag}/out{i}", run=run).save()
            for i, members in enumerate([[output], [output, annotated["none"]]])
        ]
        yield {
            "bt": bt,
            "tag": tag,
            "feature": feature.name,
            "annotated": annotated,
            "run": run,
            "transform": transform,
            "inputs": inputs,
            "source": source,
            "output": output,
            "collections": collections,
        }
        transaction.set_rollback(True)


def ok(rpc, method: str, **params):
    response, buffers = rpc.handle({"id": 1, "kind": "lamin-rpc", "method": method, "params": params})
    assert response["ok"], response
    return response["result"], buffers


def error(rpc, method: str, **params) -> dict:
    response, _ = rpc.handle({"id": 1, "kind": "lamin-rpc", "method": method, "params": params})
    assert not response["ok"], response
    return response["error"]


def ref(record) -> tuple[str, int]:
    from lamin_core.dtypes import registry_name

    return registry_name(type(record)), record.pk


def refs(column: dict) -> list[tuple[str, int]]:
    return [(n["registry"], n["id"]) for n in column["nodes"]]


# -- lineage ----------------------------------------------------------------------------------------------


def test_lineage_of_an_artifact(rpc, world):
    """Transform -> run -> this artifact -> its collections, with the run's inputs; each node a link."""
    output, run, transform = world["output"], world["run"], world["transform"]
    result, _ = ok(rpc, "lineage", registry="Artifact", id=output.pk)
    assert (result["record"]["registry"], result["record"]["id"]) == ref(output)
    assert result["record"]["label"] == output.key
    assert (result["run"]["registry"], result["run"]["id"]) == ref(run)
    assert result["run"]["label"] == run.started_at.strftime("%Y-%m-%d %H:%M")  # in UTC
    assert (result["transform"]["registry"], result["transform"]["id"]) == ref(transform)
    assert result["transform"]["label"] == transform.key
    inputs = [*run.input_artifacts.order_by("id"), *run.input_collections.order_by("id")]
    assert set(world["inputs"]) | {world["source"]} <= set(inputs)
    assert refs(result["inputs"]) == [ref(r) for r in inputs] and result["inputs"]["more"] == 0
    assert refs(result["outputs"]) == [ref(c) for c in world["collections"]]
    assert result["outputs"]["relation"] == "collections"
    # every node opens a record page
    for n in [result["record"], result["run"], result["transform"], *result["inputs"]["nodes"]]:
        page, _ = ok(rpc, "record", registry=n["registry"], id=n["id"])
        assert page["id"] == n["id"] and page["uid"] == n["uid"]


def test_lineage_of_a_run_and_a_collection(rpc, world):
    run = world["run"]
    result, _ = ok(rpc, "lineage", registry="Run", id=run.pk)
    assert result["run"] is None and (result["record"]["registry"], result["record"]["id"]) == ref(run)
    assert result["transform"]["id"] == world["transform"].pk
    assert refs(result["outputs"]) == [ref(world["output"])] + [ref(c) for c in world["collections"]]
    assert result["outputs"]["relation"] == "outputs"
    collection = world["collections"][0]
    result, _ = ok(rpc, "lineage", registry="Collection", id=collection.pk)
    n_inputs = run.input_artifacts.count() + run.input_collections.count()
    assert result["run"]["id"] == run.pk and len(result["inputs"]["nodes"]) == n_inputs >= 3
    assert result["outputs"]["nodes"] == []


def test_lineage_without_a_run_and_bounded_columns(rpc, world, monkeypatch):
    from lamin_widgets.protocol import lineage

    plain = world["annotated"]["none"]
    result, _ = ok(rpc, "lineage", registry="Artifact", id=plain.pk)
    # saved outside a run of its own: the run of the test session's (none) or of ln.track()
    assert result["run"] == (None if plain.run is None else lineage.node(plain.run))
    monkeypatch.setattr(lineage, "MAX_NODES", 2)
    result, _ = ok(rpc, "lineage", registry="Artifact", id=world["output"].pk)
    inputs = list(world["run"].input_artifacts.order_by("id"))
    n_inputs = len(inputs) + world["run"].input_collections.count()
    assert refs(result["inputs"]) == [ref(a) for a in inputs[:2]] and result["inputs"]["more"] == n_inputs - 2
    result, _ = ok(rpc, "lineage", registry="Run", id=world["run"].pk)
    assert len(result["outputs"]["nodes"]) == 2 and result["outputs"]["more"] == 1


def test_lineage_refusals(rpc, world):
    assert error(rpc, "lineage", registry="ULabel", id=1) == {
        "type": "bad_request",
        "message": "lineage: applies to Artifact, Collection, Run, not ULabel",
    }
    assert error(rpc, "lineage", registry="Artifact", id=10**9)["type"] == "not_found"
    assert error(rpc, "lineage", registry="Artifact")["type"] == "bad_request"
    assert error(rpc, "lineage", registry="Artifact", id="1")["type"] == "bad_request"


# -- descendant_of in the filter spec ---------------------------------------------------------------------


def spec(tag: str, field: str, value, lookup: str = "descendant_of") -> dict:
    mine = {"field": "key", "lookup": "startswith", "value": f"lineage/{tag}/"}
    return {"op": "and", "not": False, "items": [mine, {"field": field, "lookup": lookup, "value": value}]}


def page_ids(rpc, registry: str, filters: dict) -> list[int]:
    _, buffers = ok(rpc, "page", registry=registry, filters=filters, limit=1000)
    return pa.ipc.open_stream(buffers[0]).read_all().column("id").to_pylist()


def run_code(code: str):
    import lamin_core
    import lamin_core.bionty as bt

    return eval(code, {"ln": lamin_core, "bt": bt})


def test_schema_offers_descendant_of_on_ontology_relations_and_features(rpc, world):
    result, _ = ok(rpc, "schema", registry="Artifact")
    relations = {r["name"]: {f["path"]: f for f in r["fields"]} for r in result["relations"]}
    assert "descendant_of" in relations["cell_types"]["cell_types__name"]["lookups"]
    assert "descendant_of" not in relations["cell_types"]["cell_types__ontology_id"]["lookups"]
    assert "descendant_of" not in relations["storage"]["storage__root"]["lookups"]
    assert "descendant_of" not in relations["created_by"]["created_by__handle"]["lookups"]
    features = {f["path"]: f for f in result["features"]}
    assert "descendant_of" in features[world["feature"]]["lookups"]
    assert "descendant_of" not in features.get("temperature", {"lookups": []})["lookups"]
    assert result["lookup_labels"]["descendant_of"] == "is or below"


@pytest.mark.parametrize("by", ["relation", "feature"])
def test_descendants_filter_rows_count_and_code_agree(ln, rpc, world, by):
    """T cell with descendants matches T cell and both alpha-beta subtypes; Insert-and-run gives the rows."""
    tag, annotated = world["tag"], world["annotated"]
    field = "cell_types__name" if by == "relation" else world["feature"]
    filters = spec(tag, field, "T cell")
    want = sorted(annotated[n].pk for n in ("T cell", *LEAVES[:2]))
    assert page_ids(rpc, "Artifact", filters) == want
    assert ok(rpc, "count", registry="Artifact", filters=filters)[0] == {"count": 3}
    code = ok(rpc, "codegen", registry="Artifact", filters=filters)[0]["code"]
    key = "cell_types__descendant_of" if by == "relation" else f"{world['feature']}__descendant_of"
    distinct = ".distinct()" if by == "relation" else ""
    assert code == f"ln.Artifact.filter(key__startswith='lineage/{tag}/', {key}='T cell'){distinct}"
    assert sorted(run_code(code).values_list("id", flat=True)) == want
    # a page of a to-many state comes by its ids (methods._rows_by_id), in the state's order
    _, buffers = ok(rpc, "page", registry="Artifact", filters=filters, order=["-key"], offset=1, limit=2)
    rows = pa.ipc.open_stream(buffers[0]).read_all()
    ordered = run_code(code).order_by("-key", "id")
    assert rows.column("id").to_pylist() == list(ordered.values_list("id", flat=True)[1:3])
    assert rows.column("key").to_pylist() == list(ordered.values_list("key", flat=True)[1:3])
    # without descendants: T cell itself only
    exact = spec(tag, field, "T cell", lookup="exact")
    assert page_ids(rpc, "Artifact", exact) == [annotated["T cell"].pk]
    # several terms, by name or ontology id
    both = spec(tag, field, ["B cell", "CL:0000625"])  # CD8-positive, alpha-beta T cell
    assert page_ids(rpc, "Artifact", both) == sorted(annotated[n].pk for n in ("B cell", LEAVES[0]))
    # not (T cell with descendants): the rest, the artifact without cell types too
    negated = spec(tag, field, "T cell")
    negated["items"][1] = {"op": "and", "not": True, "items": [negated["items"][1]]}
    mine = ln.Artifact.filter(key__startswith=f"lineage/{tag}/").values_list("id", flat=True)
    rest = sorted(set(mine) - set(want))
    assert page_ids(rpc, "Artifact", negated) == rest
    # lymphocyte is above T cell and B cell
    assert len(page_ids(rpc, "Artifact", spec(tag, field, "lymphocyte"))) == 4


def test_widget_rows_equal_the_inserted_code(ln, world, lw):
    fb = lw.FilterBuilder("Artifact")
    fb.filters = spec(world["tag"], "cell_types__name", "T cell")
    assert "cell_types__descendant_of='T cell'" in fb.code
    ids = sorted(fb.queryset.values_list("id", flat=True))
    assert ids == sorted(run_code(fb.code).values_list("id", flat=True))
    browser = lw.RegistryBrowser("Artifact", filters=fb.filters)
    _, buffers = browser.rpc("page", registry="Artifact", filters=fb.filters, limit=100)
    rows = pa.ipc.open_stream(buffers[0]).read_all().column("id").to_pylist()
    assert rows == sorted(run_code(browser.code).values_list("id", flat=True)) and len(rows) == 3


@pytest.fixture(scope="module")
def lw(instance):
    import lamin_widgets

    return lamin_widgets


def test_descendants_filter_refusals(rpc, world):
    tag = world["tag"]
    unknown = error(rpc, "count", registry="Artifact", filters=spec(tag, "cell_types__name", "T cel"))
    assert unknown == {
        "type": "bad_request",
        "message": "no bionty.CellType record has the name or ontology id 'T cel'",
    }
    wrong = error(rpc, "count", registry="Artifact", filters=spec(tag, "suffix", ".txt"))
    assert wrong["type"] == "bad_request"
    assert "lookup 'descendant_of' does not fit 'suffix'" in wrong["message"]
    empty = error(rpc, "count", registry="Artifact", filters=spec(tag, "cell_types__name", []))
    assert empty["type"] == "bad_request" and "at least one value" in empty["message"]
    number = error(rpc, "count", registry="Artifact", filters=spec(tag, "cell_types__name", 3))
    assert number["type"] == "bad_request" and "takes text" in number["message"]


def test_a_large_closure_stays_a_subquery(rpc, world, monkeypatch):
    """Past MAX_CLOSURE ids the widgets join the recursive subquery itself: the same rows."""
    from lamin_widgets.protocol import filterspec

    filters = spec(world["tag"], "cell_types__name", "lymphocyte")
    listed = page_ids(rpc, "Artifact", filters)
    monkeypatch.setattr(filterspec, "MAX_CLOSURE", 1)
    assert page_ids(rpc, "Artifact", filters) == listed and len(listed) == 4
    assert ok(rpc, "count", registry="Artifact", filters=filters)[0] == {"count": 4}
