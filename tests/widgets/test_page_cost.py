"""Pages with to-many columns (issue 18, items 3 and 6), through the RPC method table the widgets and REST
share: a column asked for twice is computed once, the joined rows a page reads are capped (a 400 naming
the limit), and related records of every branch show and match as in the core API, so the generated code
returns the rows the page showed."""

from __future__ import annotations

import pyarrow as pa
import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

VISIBLE, ARCHIVED, TRASHED = "pagecost/visible.csv", "pagecost/archived.csv", "pagecost/trashed.csv"
LABELS = ["pagecost a, b", 'pagecost x","y', "pagecost [1]", "pagecost trashed"]


@pytest.fixture(scope="module")
def data(ln):
    """Three artifacts (visible, archived, trashed), each on the first three labels; the visible one also
    on a trashed label. Rolled back after the module."""
    from django.db.models import Model

    from lamin_core.models import ArtifactULabel

    with transaction.atomic():
        storage = ln.Storage.get(1)
        labels = [ln.ULabel(name=name).save() for name in LABELS]
        artifacts = []
        for i, (key, branch) in enumerate([(VISIBLE, 1), (ARCHIVED, 0), (TRASHED, -1)]):
            artifact = ln.Artifact.__new__(ln.Artifact)
            Model.__init__(
                artifact, key=key, suffix=".csv", size=i, hash=f"pagecost{i:014d}", storage=storage
            )
            artifact.save()
            for label in labels[:3]:
                ArtifactULabel(artifact=artifact, ulabel=label).save()
            ln.Artifact.all_objects.filter(id=artifact.id).update(_branch_code=branch)
            artifacts.append(artifact)
        ArtifactULabel(artifact=artifacts[0], ulabel=labels[3]).save()
        ln.ULabel.all_objects.filter(id=labels[3].id).update(_branch_code=-1)
        yield {"labels": labels, "artifacts": artifacts}
        transaction.set_rollback(True)


@pytest.fixture(scope="module")
def rpc():
    from lamin_widgets.protocol import methods as rpc_methods

    return rpc_methods


def page(rpc, registry, filters, columns, limit=100):
    request = {
        "id": 1,
        "kind": "lamin-rpc",
        "method": "page",
        "params": {"registry": registry, "filters": filters, "columns": columns, "limit": limit},
    }
    response, buffers = rpc.handle(request)
    return response, (pa.ipc.open_stream(buffers[0]).read_all() if buffers else None)


def spec(field, lookup, value):
    return {"op": "and", "not": False, "items": [{"field": field, "lookup": lookup, "value": value}]}


MY_LABELS = spec("name", "startswith", "pagecost ")
MY_ARTIFACTS = spec("key", "startswith", "pagecost/")


def test_a_repeated_column_is_computed_and_shown_once(ln, data, rpc):
    with CaptureQueriesContext(connection) as once:
        response, single = page(rpc, "ULabel", MY_LABELS, ["name", "artifacts__key"])
    assert response["ok"], response
    with CaptureQueriesContext(connection) as five:
        response, repeated = page(rpc, "ULabel", MY_LABELS, ["name", *["artifacts__key"] * 5, "name"])
    assert response["ok"], response
    assert len(five) == len(once)
    assert repeated.column_names == ["id", "name", "artifacts__key"]
    assert repeated.to_pylist() == single.to_pylist()


def test_page_lists_are_exact_and_sorted(ln, data, rpc):
    response, table = page(rpc, "Artifact", MY_ARTIFACTS, ["key", "ulabels__name", "ulabels__id"])
    assert response["ok"], response
    rows = {row["key"]: row for row in table.to_pylist()}
    assert list(rows) == [VISIBLE]
    assert rows[VISIBLE]["ulabels__name"] == sorted(LABELS)  # separators and quotes survive; trashed too
    assert rows[VISIBLE]["ulabels__id"] == sorted(str(label.id) for label in data["labels"])


def test_the_cap_on_joined_rows_is_a_400_naming_it(ln, data, rpc, monkeypatch):
    from lamin_widgets.protocol import arrow

    # the three labels on three artifacts each: 9 joined rows for `artifacts__key`, 9 more for `__uid`
    columns = ["name", "artifacts__key", "artifacts__uid"]
    monkeypatch.setattr(arrow, "MAX_PAGE_RELATED_ROWS", 18)
    response, _ = page(rpc, "ULabel", MY_LABELS, columns)
    assert response["ok"], response
    monkeypatch.setattr(arrow, "MAX_PAGE_RELATED_ROWS", 17)
    response, table = page(rpc, "ULabel", MY_LABELS, columns)
    assert not response["ok"] and table is None
    assert response["error"]["type"] == "bad_request"
    message = response["error"]["message"]
    assert "more than 17 related rows (the limit per page)" in message and "'artifacts__uid'" in message
    assert "fewer rows (limit)" in message
    response, _ = page(rpc, "ULabel", MY_LABELS, ["name", *["artifacts__key"] * 3])  # 9 rows: once
    assert response["ok"], response


def test_check_page_cost_refuses_a_shape_over_the_cap(ln, monkeypatch):
    from lamin_widgets.protocol import BadRequest, arrow

    monkeypatch.setattr(arrow, "MAX_PAGE_RELATED_ROWS", 30)
    arrow.check_page_cost(ln.ULabel, ["name", "artifacts__key", "artifacts__key"], 20)  # counted once
    arrow.check_page_cost(ln.ULabel, None, 1000)  # no to-many column
    with pytest.raises(BadRequest, match=r"20 rows with 2 to-many columns read at least 40 related rows"):
        arrow.check_page_cost(ln.ULabel, ["artifacts__key", "artifacts__ulabels__name"], 20)


def test_relation_filter_and_columns_show_every_branch_like_the_core_and_the_code(ln, data, rpc):
    filters = spec("artifacts__key", "exact", TRASHED)
    response, table = page(rpc, "ULabel", filters, ["name", "artifacts__key"])
    assert response["ok"], response
    shown = table.to_pylist()
    assert sorted(row["name"] for row in shown) == sorted(LABELS[:3])
    assert {tuple(row["artifacts__key"]) for row in shown} == {(ARCHIVED, TRASHED, VISIBLE)}
    code = rpc.handle(
        {
            "id": 2,
            "kind": "lamin-rpc",
            "method": "codegen",
            "params": {"registry": "ULabel", "filters": filters},
        }
    )[0]
    assert code["result"]["code"].startswith(f"ln.ULabel.filter(artifacts__key={TRASHED!r})")
    queryset = eval(code["result"]["code"], {"ln": ln})  # what Insert and run runs
    frame = queryset.df(include=["artifacts__key"])
    assert list(frame.index) == [row["id"] for row in shown]
    assert [sorted(keys) for keys in frame["artifacts__key"]] == [row["artifacts__key"] for row in shown]


def test_the_queried_registrys_trash_stays_hidden_on_pages(ln, data, rpc):
    response, table = page(rpc, "ULabel", spec("artifacts__key", "exact", VISIBLE), ["name"])
    assert response["ok"], response
    assert "pagecost trashed" not in table.column("name").to_pylist()
    response, table = page(rpc, "Artifact", MY_ARTIFACTS, ["key"])
    assert table.column("key").to_pylist() == [VISIBLE]
