"""The `summaries` method: column histograms and top values over a state, checked against Python counts of
the same records, each bin and value against the count of the filter condition it stands for; the request
budget; bad input answered with clear errors."""

from __future__ import annotations

import datetime as dt
import itertools
from collections import Counter

import pytest

PREFIX = "sum/"
MINE = {"field": "key", "lookup": "startswith", "value": PREFIX}
SIZES = [0, 1, 7, 9, 10, 99, 100, 101, 512, 999, 1000, 4096, 10_000, 65_536, 99_999, None]


@pytest.fixture(scope="module")
def rpc():
    from lamin_widgets.protocol import methods as rpc_methods

    return rpc_methods


@pytest.fixture(scope="module")
def data(ln, seeded):
    """The seed's artifacts plus artifacts of many sizes and dates (two without a size), a label on two."""
    from django.db.models import Model

    storage = ln.Storage.filter().order_by("id").first()
    start = dt.datetime(2024, 3, 1, 12, 0, tzinfo=dt.UTC)
    for i, size in enumerate([*SIZES, None]):
        artifact = ln.Artifact.__new__(ln.Artifact)
        Model.__init__(
            artifact,
            key=f"{PREFIX}many/{i}.csv",
            suffix=[".csv", ".tsv", ".csv", ""][i % 4],
            size=size,
            hash=f"{PREFIX}many{i}",
            storage=storage,
        )
        artifact.save()
        # dates over ~ 2 years, on whole seconds too (a bin edge falls on some)
        ln.Artifact.objects.filter(pk=artifact.pk).update(created_at=start + dt.timedelta(days=41 * i))
    label = ln.ULabel(name=f"{PREFIX}tagged").save()
    first, second = ln.Artifact.filter(key__startswith=PREFIX).order_by("id")[:2]
    for artifact in (first, second):
        artifact.ulabels.add(label)
    # the first one twice more, through two features: 4 link rows of this label, 2 records
    for name in ("perturbation", "experiment"):
        feature = ln.Feature.get(name=name)
        ln.Artifact.ulabels.through.objects.create(artifact=first, ulabel=label, feature=feature)
    return seeded


def call(rpc, params: dict, budget=None) -> dict:
    response, _ = rpc.handle(
        {"id": 1, "kind": "lamin-rpc", "method": "summaries", "params": params}, None, budget
    )
    return response


def summaries(rpc, columns, filters=None, **params) -> dict:
    spec = {"op": "and", "not": False, "items": [MINE, *(filters or [])]}
    response = call(rpc, {"registry": "Artifact", "filters": spec, "columns": columns, **params})
    assert response["ok"], response
    return response["result"]


def mine(ln, *conditions, **kwargs):
    return ln.Artifact.filter(key__startswith=PREFIX, **kwargs).filter(*conditions)


def test_a_size_histogram_counts_each_record_in_its_bin(ln, data, rpc):
    result = summaries(rpc, ["size"])
    (size,) = result["columns"]
    records = list(mine(ln).values_list("size", flat=True))
    assert result["count"] == len(records)
    assert size["kind"] == "number" and size["nulls"] == records.count(None)
    values = [v for v in records if v is not None]
    assert (size["min"], size["max"], size["count"]) == (min(values), max(values), len(values))
    bins = size["bins"]
    assert 2 <= len(bins) <= 20 and bins[0]["start"] <= min(values) and bins[-1]["end"] > max(values)
    for before, after in itertools.pairwise(bins):
        assert before["end"] == after["start"]  # contiguous, equal width
    for b in bins:
        assert b["count"] == sum(b["start"] <= v < b["end"] for v in values)
        # the bin is what its brush condition selects
        assert b["count"] == mine(ln, size__gte=b["start"], size__lt=b["end"]).count()
    width = bins[0]["end"] - bins[0]["start"]
    assert str(width).strip("0") in ("1", "2", "5")  # a round width


def test_bins_and_top_take_their_sizes(ln, data, rpc):
    (size,) = summaries(rpc, ["size"], bins=5)["columns"]
    assert len(size["bins"]) <= 5 and sum(b["count"] for b in size["bins"]) == size["count"]
    (suffix,) = summaries(rpc, ["suffix"], top=1)["columns"]
    assert len(suffix["top"]) == 1


def test_a_date_histogram_has_round_utc_edges_that_filters_agree_with(ln, data, rpc):
    (created,) = summaries(rpc, ["created_at"])["columns"]
    moments = list(mine(ln).values_list("created_at", flat=True))
    assert created["kind"] == "datetime" and created["count"] == len(moments) and created["nulls"] == 0
    assert created["width_seconds"] in (86400 * 30, 86400 * 91, 86400 * 14, 86400 * 7, 86400 * 365)
    for b in created["bins"]:
        start, end = dt.datetime.fromisoformat(b["start"]), dt.datetime.fromisoformat(b["end"])
        assert start.tzinfo is not None and start.timestamp() % 86400 == 0
        assert b["count"] == sum(start <= m < end for m in moments)
        assert b["count"] == mine(ln, created_at__gte=start, created_at__lt=end).count()
    assert sum(b["count"] for b in created["bins"]) == len(moments)


def test_top_values_of_a_text_column_with_the_rest_as_other(ln, data, rpc):
    (suffix,) = summaries(rpc, ["suffix"], top=2)["columns"]
    counts = Counter(mine(ln).values_list("suffix", flat=True))
    expected = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:2]
    assert suffix["kind"] == "category" and not suffix["to_many"]
    assert [(t["value"], t["count"]) for t in suffix["top"]] == expected
    assert suffix["other"] == sum(counts.values()) - sum(n for _, n in expected)
    for t in suffix["top"]:  # a click on the bar: suffix == value
        assert t["count"] == mine(ln, suffix=t["value"]).count()


def test_a_text_column_says_how_many_distinct_values_it_has(ln, data, rpc):
    suffix, key = summaries(rpc, ["suffix", "key"])["columns"]
    assert (suffix["distinct"], suffix["more_distinct"]) == (
        len(set(mine(ln).values_list("suffix", flat=True))),
        False,
    )
    keys = list(mine(ln).values_list("key", flat=True))
    assert (key["distinct"], key["more_distinct"]) == (len(set(keys)), False)
    # every key once: each of the top values counts one record
    assert [t["count"] for t in key["top"]] == [1] * 10 and key["other"] == len(keys) - 10


@pytest.mark.parametrize("fewer", [1, 0])
def test_more_distinct_values_than_counted_give_no_top_values(ln, data, rpc, monkeypatch, fewer):
    """A column of more distinct values than MAX_DISTINCT (1,000; here as many as the suffixes, or one
    fewer) is answered as "more than MAX_DISTINCT distinct", without top values; one of as many as
    MAX_DISTINCT still has its top values."""
    from lamin_widgets.protocol import summaries as summaries_module

    counts = Counter(mine(ln).values_list("suffix", flat=True))
    limit = len(counts) - fewer
    monkeypatch.setattr(summaries_module, "MAX_DISTINCT", limit)
    suffix, key, latest = summaries(rpc, ["suffix", "key", "is_latest"])["columns"]
    n = mine(ln).count()
    assert key == {
        "column": "key",
        "kind": "category",
        "to_many": False,
        "count": n,
        "nulls": 0,
        "top": [],
        "other": n,
        "distinct": limit,
        "more_distinct": True,
        "exact": True,
        "ms": key["ms"],
    }
    if fewer:
        assert (suffix["top"], suffix["other"], suffix["distinct"], suffix["more_distinct"]) == (
            [],
            n,
            limit,
            True,
        )
    else:
        expected = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:10]
        assert [(t["value"], t["count"]) for t in suffix["top"]] == expected
        assert (suffix["distinct"], suffix["more_distinct"], suffix["other"]) == (limit, False, 0)
    assert latest["top"] == [{"value": True, "count": n}] and not latest["more_distinct"]


def test_a_to_many_column_counts_a_record_once_per_label(ln, data, rpc):
    (labels,) = summaries(rpc, ["ulabels__name"], top=50)["columns"]
    names: Counter = Counter()
    without = 0
    for artifact in mine(ln):
        linked = set(artifact.ulabels.values_list("name", flat=True))
        names.update(linked)
        without += not linked
    assert labels["to_many"] and labels["other"] is None
    assert {t["value"]: t["count"] for t in labels["top"]} == dict(names)
    assert labels["nulls"] == without and labels["count"] == mine(ln).count() - without
    assert max(names.values()) >= 2  # DMSO and IFNG label two artifacts, through two link rows each
    for t in labels["top"]:  # the generated filter counts the same records
        assert t["count"] == mine(ln, ulabels__name=t["value"]).distinct().count()


@pytest.mark.parametrize("top", [1, 2, 3])
def test_the_top_labels_by_records_not_by_links(ln, data, rpc, top):
    """The tagged label has the most link rows (4) but 2 records, as many as DMSO and IFNG."""
    (labels,) = summaries(rpc, ["ulabels__name"], top=top)["columns"]
    names: Counter = Counter()
    for artifact in mine(ln):
        names.update(set(artifact.ulabels.values_list("name", flat=True)))
    expected = sorted(names.items(), key=lambda kv: (-kv[1], kv[0]))[:top]
    assert [(t["value"], t["count"]) for t in labels["top"]] == expected
    assert names[f"{PREFIX}tagged"] == 2


def test_a_to_many_filter_counts_each_record_once_in_a_histogram(ln, data, rpc):
    spec = [{"field": "ulabels__name", "lookup": "in", "value": ["DMSO", "IFNG", f"{PREFIX}tagged"]}]
    result = summaries(rpc, ["size", "suffix"], filters=spec)
    records = mine(ln, ulabels__name__in=["DMSO", "IFNG", f"{PREFIX}tagged"]).distinct()
    size, suffix = result["columns"]
    assert result["count"] == records.count() == 4
    assert sum(b["count"] for b in size["bins"]) + size["nulls"] == 4
    assert {t["value"]: t["count"] for t in suffix["top"]} == dict(Counter(r.suffix for r in records))


def test_a_search_summarizes_its_matches(ln, data, rpc):
    spec = {"op": "and", "not": False, "items": [MINE]}
    response = call(
        rpc, {"registry": "Artifact", "filters": spec, "search": "dataset", "columns": ["suffix"]}
    )
    assert response["ok"], response
    matches = ln.Artifact.filter(key__startswith=PREFIX).search("dataset", limit=1000)
    (suffix,) = response["result"]["columns"]
    assert response["result"]["count"] == matches.count()
    assert {t["value"]: t["count"] for t in suffix["top"]} == dict(Counter(m.suffix for m in matches))


def test_unique_columns_and_booleans(ln, data, rpc):
    uid, latest, handle = summaries(rpc, ["uid", "is_latest", "created_by__handle"])["columns"]
    n = mine(ln).count()
    assert uid["kind"] == "unique" and uid["count"] == n and "top" not in uid
    assert latest["kind"] == "category" and latest["top"] == [{"value": True, "count": n}]
    assert handle["top"][0]["count"] == mine(ln, created_by__handle=handle["top"][0]["value"]).count()


def test_empty_selection(ln, data, rpc):
    result = summaries(
        rpc, ["size", "created_at", "suffix"], filters=[{"field": "size", "lookup": "lt", "value": -1}]
    )
    size, created, suffix = result["columns"]
    assert result["count"] == 0 and size["bins"] == [] and size["min"] is None
    assert created["bins"] == [] and suffix["top"] == [] and suffix["other"] == 0


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"columns": ["nope"]}, "has no field, relation or feature 'nope'"),
        ({"columns": ["perturbation"]}, "is a feature"),
        ({"columns": ["ulabels"]}, "is a relation"),
        ({"columns": []}, "columns takes 1 to 12"),
        ({"columns": ["size"] * 13}, "columns takes 1 to 12"),
        ({"columns": [3]}, "a field must be a non-empty string"),
        ({"columns": "size"}, "must be list"),
        ({"columns": ["size"], "bins": 1}, "bins must be between 2 and 50"),
        ({"columns": ["size"], "top": 10_000}, "top must be between 1 and 50"),
        ({}, "'columns' is required"),
    ],
)
def test_bad_requests_say_what_is_wrong(ln, data, rpc, params, message):
    response = call(rpc, {"registry": "Artifact", **params})
    assert not response["ok"] and response["error"]["type"] == "bad_request", response
    assert message in response["error"]["message"]


def test_json_columns_are_refused(ln, data, rpc):
    response = call(rpc, {"registry": "Feature", "columns": ["array_shape"]})
    assert not response["ok"] and response["error"]["type"] == "bad_request"
    assert "holds JSON" in response["error"]["message"]


def test_summaries_run_under_the_request_budget(ln, data, rpc):
    from lamin_widgets.protocol import Budget

    cancelled = Budget(10)
    cancelled.cancel()
    response = call(rpc, {"registry": "Artifact", "columns": ["size"]}, cancelled)
    assert response["error"]["type"] == "cancelled"
    spent = Budget(1e-9)  # spent before the first query starts
    response = call(rpc, {"registry": "Artifact", "columns": ["size", "suffix"]}, spent)
    assert response["error"]["type"] == "timeout" and "request time limit" in response["error"]["message"]


def _expected(ln, records) -> dict:
    """What the summaries of size, created_at, suffix and ulabels__name say, computed in Python."""
    records = list(records)
    labels = Counter(name for r in records for name in set(r.ulabels.values_list("name", flat=True)))
    return {
        "total": len(records),
        "sizes": [r.size for r in records],
        "created": [r.created_at for r in records],
        "suffixes": Counter(r.suffix for r in records),
        "labels": labels,
        "unlabelled": sum(not r.ulabels.exists() for r in records),
    }


def _check(result: dict, expected: dict) -> None:
    size, created, suffix, labels = result["columns"]
    assert result["count"] == expected["total"]
    sizes = [s for s in expected["sizes"] if s is not None]
    assert size["count"] == len(sizes) and size["nulls"] == expected["total"] - len(sizes)
    assert (size["min"], size["max"]) == (min(sizes), max(sizes))
    assert [b["count"] for b in size["bins"]] == [
        sum(b["start"] <= s < b["end"] for s in sizes) for b in size["bins"]
    ]
    edges = [
        (dt.datetime.fromisoformat(b["start"]), dt.datetime.fromisoformat(b["end"])) for b in created["bins"]
    ]
    assert [b["count"] for b in created["bins"]] == [
        sum(a <= m < z for m in expected["created"]) for a, z in edges
    ]
    assert sum(b["count"] for b in created["bins"]) == expected["total"]
    top = sorted(expected["suffixes"].items(), key=lambda kv: (-kv[1], kv[0]))[:10]
    assert [(t["value"], t["count"]) for t in suffix["top"]] == top
    shown = {t["value"]: t["count"] for t in labels["top"]}
    assert all(expected["labels"][name] == n for name, n in shown.items())
    assert (
        sorted(shown.values(), reverse=True)
        == sorted(expected["labels"].values(), reverse=True)[: len(shown)]
    )
    assert labels["nulls"] == expected["unlabelled"]


COLUMNS = ["size", "created_at", "suffix", "ulabels__name"]


def test_all_records_and_with_one_in_the_trash(ln, data, rpc):
    """Every record of the registry: counts on the columns' indexes and the link table alone; with a record
    in the trash, the visible ones only (the other way)."""
    from lamin_widgets.protocol import summaries as summaries_module
    from lamin_widgets.protocol.state import QueryState

    everything = summaries_module._scope(QueryState(ln.Artifact)).everything
    assert everything == (ln.Artifact.objects.count() == ln.Artifact._base_manager.count())
    response = call(rpc, {"registry": "Artifact", "columns": COLUMNS})
    assert response["ok"], response
    _check(response["result"], _expected(ln, ln.Artifact.filter()))

    trashed = mine(ln).order_by("id").first()
    ln.Artifact._base_manager.filter(pk=trashed.pk).update(_branch_code=-1)
    try:
        assert not summaries_module._scope(QueryState(ln.Artifact)).everything
        response = call(rpc, {"registry": "Artifact", "columns": COLUMNS})
        assert response["ok"], response
        assert trashed.pk not in ln.Artifact.filter().values_list("pk", flat=True)
        _check(response["result"], _expected(ln, ln.Artifact.filter()))
    finally:
        ln.Artifact._base_manager.filter(pk=trashed.pk).update(_branch_code=1)


# -- estimates of to-many counts first, then the exact counts --------------------------------------------


def _hash(pk: int) -> int:
    """The sample's hash of an id, as the database computes it (summaries._sample)."""
    from lamin_widgets.protocol import summaries as summaries_module

    return (pk % 2**32) * summaries_module._MULTIPLIER % 2**32


def _labels(records) -> Counter:
    """Records per label name, each record once per label (brute force: one query per record)."""
    return Counter(name for r in records for name in set(r.ulabels.values_list("name", flat=True)))


def _estimate(rpc, ln, monkeypatch, sample: int, filters=None, everything=False) -> tuple[dict, list]:
    """The first answer for ulabels__name with selections above 0 records estimated from `sample`, and the
    selected records."""
    from lamin_widgets.protocol import summaries as summaries_module

    monkeypatch.setattr(summaries_module, "EXACT_RECORDS", 0)
    monkeypatch.setattr(summaries_module, "SAMPLE", sample)
    if everything:
        response = call(rpc, {"registry": "Artifact", "columns": ["ulabels__name"], "top": 50})
        assert response["ok"], response
        result, records = response["result"], list(ln.Artifact.filter())
    else:
        result = summaries(rpc, ["ulabels__name"], filters=filters, top=50)
        records = list(mine(ln).filter(**{f["field"]: f["value"] for f in filters or []}))
    assert result["count"] == len(records)
    return result["columns"][0], records


@pytest.mark.parametrize("everything", [False, True])
def test_a_sample_of_every_record_counts_exactly_but_says_it_is_an_estimate(
    ln, data, rpc, monkeypatch, everything
):
    """A sample as large as the selection: every record in it, so the estimate is the exact count (a
    record linked to a label through two features once), still marked an estimate."""
    labels, records = _estimate(rpc, ln, monkeypatch, 10**9, everything=everything)
    assert labels["exact"] is False and labels["sampled"] == len(records)
    names = _labels(records)
    assert {t["value"]: t["count"] for t in labels["top"]} == dict(names)
    assert names[f"{PREFIX}tagged"] == 2  # 4 link rows
    without = sum(not r.ulabels.exists() for r in records)
    assert (labels["count"], labels["nulls"]) == (len(records) - without, without)


def _check_estimate(labels: dict, records: list, sampled: list) -> None:
    """An estimate from `sampled`: the sample's counts times total / sample size, rounded; an empty sample
    (the ids of this run missed it) gives the exact counts instead."""
    if not sampled:
        assert labels["exact"] is True
        assert {t["value"]: t["count"] for t in labels["top"]} == dict(_labels(records))
        return
    assert labels["exact"] is False and labels["sampled"] == len(sampled)
    scale = len(records) / len(sampled)
    expected = sorted(_labels(sampled).items(), key=lambda kv: (-kv[1], kv[0]))
    assert [(t["value"], t["count"]) for t in labels["top"]] == [(v, round(n * scale)) for v, n in expected]
    assert labels["count"] == round(sum(r.ulabels.exists() for r in sampled) * scale)
    assert labels["nulls"] == len(records) - labels["count"]


@pytest.mark.parametrize("sample", [2, 5])
def test_an_estimate_scales_the_counts_of_a_sample_spread_by_a_hash_of_the_ids(
    ln, data, rpc, monkeypatch, sample
):
    """The sampled records are those whose id hashes below sample / total of the hash's range; each count
    is the sample's times total / sample size, rounded."""
    spec = [{"field": "suffix", "lookup": "exact", "value": ".csv"}]
    labels, records = _estimate(rpc, ln, monkeypatch, sample, filters=spec)
    threshold = 2**32 * sample // len(records)
    _check_estimate(labels, records, [r for r in records if _hash(r.pk) < threshold])


def test_an_estimate_of_all_records_draws_ids_at_random(ln, data, rpc, monkeypatch):
    """Every record of the registry: ids drawn at random (seeded by the total) between the least and the
    greatest, SAMPLE * span / total of them, those of a record make the sample."""
    import random

    from lamin_widgets.protocol import summaries as summaries_module
    from lamin_widgets.protocol.state import QueryState

    labels, records = _estimate(rpc, ln, monkeypatch, 4, everything=True)
    ids = sorted(r.pk for r in records)
    if summaries_module._scope(QueryState(ln.Artifact)).everything:
        draws = -(-4 * (ids[-1] - ids[0] + 1) // len(ids))
        drawn = set(random.Random(len(ids)).sample(range(ids[0], ids[-1] + 1), draws))
        sampled = [r for r in records if r.pk in drawn]
    else:  # records in the trash, left by another module: a selection, sampled by the hash
        sampled = [r for r in records if _hash(r.pk) < 2**32 * 4 // len(records)]
    _check_estimate(labels, records, sampled)


def test_the_hash_spreads_a_sample_over_ids_of_one_period():
    """Every fifth id (a suffix assigned in turn): a sample of a tenth of them holds about a tenth, not all
    or none, as `id % 10` would."""
    ids = range(3, 500_000, 5)
    threshold = 2**32 // 10
    share = sum(_hash(pk) < threshold for pk in ids) / len(ids)
    assert 0.095 < share < 0.105


def test_exact_counts_when_asked_for_every_selection(ln, data, rpc, monkeypatch):
    """`exact: true` counts every record, whatever the selection's size; a record in the trash counts in
    neither the estimate nor the exact counts."""
    from lamin_widgets.protocol import summaries as summaries_module

    monkeypatch.setattr(summaries_module, "EXACT_RECORDS", 0)
    monkeypatch.setattr(summaries_module, "SAMPLE", 10**9)
    trashed = mine(ln).filter(ulabels__name=f"{PREFIX}tagged").order_by("id").first()
    ln.Artifact._base_manager.filter(pk=trashed.pk).update(_branch_code=-1)
    try:
        for params in ({}, {"filters": {"op": "and", "not": False, "items": [MINE]}}):
            records = list(ln.Artifact.filter(**({"key__startswith": PREFIX} if params else {})))
            assert trashed.pk not in {r.pk for r in records}
            names = _labels(records)
            request = {"registry": "Artifact", "columns": ["ulabels__name"], "top": 50, **params}
            estimated = call(rpc, request)["result"]["columns"][0]
            exact = call(rpc, {**request, "exact": True})["result"]["columns"][0]
            assert estimated["exact"] is False and exact["exact"] is True and "sampled" not in exact
            for labels in (estimated, exact):
                assert {t["value"]: t["count"] for t in labels["top"]} == dict(names)
                assert labels["nulls"] == sum(not r.ulabels.exists() for r in records)
            assert names[f"{PREFIX}tagged"] == 1  # the other record with it
    finally:
        ln.Artifact._base_manager.filter(pk=trashed.pk).update(_branch_code=1)


def test_small_selections_are_exact_at_once(ln, data, rpc):
    (labels, size) = summaries(rpc, ["ulabels__name", "size"])["columns"]
    assert labels["exact"] is True and "sampled" not in labels and size["exact"] is True


def test_exact_must_be_a_boolean(ln, data, rpc):
    response = call(rpc, {"registry": "Artifact", "columns": ["ulabels__name"], "exact": "yes"})
    assert response["error"]["type"] == "bad_request"
    assert "parameter 'exact' must be bool" in response["error"]["message"]


def test_an_estimate_runs_under_the_request_budget(ln, data, rpc, monkeypatch):
    from lamin_widgets.protocol import Budget
    from lamin_widgets.protocol import summaries as summaries_module

    monkeypatch.setattr(summaries_module, "EXACT_RECORDS", 0)
    spent = Budget(1e-9)
    response = call(rpc, {"registry": "Artifact", "columns": ["ulabels__name"]}, spent)
    assert response["error"]["type"] == "timeout"


# -- histograms on an index that orders the selection by the column ------------------------------------


@pytest.mark.parametrize(
    ("conditions", "column", "seeks"),
    [
        (
            {"suffix": ".csv"},
            "created_at",
            True,
        ),  # artifact_suffix_page_idx: suffix, _branch_code, created_at
        ({"suffix": ".csv"}, "size", False),  # its fourth column: created_at comes between
        ({"suffix__startswith": ".cs"}, "created_at", False),  # not an equality
        ({}, "created_at", True),  # every record: created_at's own index
    ],
)
def test_a_histogram_seeks_an_index_only_after_the_selections_equalities(
    ln, data, rpc, conditions, column, seeks
):
    """Equalities on an index's leading fields, then the column: extremes by two probes and bins as range
    counts; the same counts as the grouped pass, each what its conditions select."""
    from lamin_widgets.protocol import summaries as summaries_module
    from lamin_widgets.protocol.state import QueryState

    items = [
        {"field": key.partition("__")[0], "lookup": key.partition("__")[2] or "exact", "value": value}
        for key, value in conditions.items()
    ]
    state = QueryState(ln.Artifact, filters={"op": "and", "not": False, "items": items}).check()
    scope = summaries_module._scope(state)
    plan = summaries_module._plan(ln.Artifact, column)
    assert summaries_module._by_index(scope, plan) is seeks
    response = call(rpc, {"registry": "Artifact", "filters": state.filters, "columns": [column]})
    assert response["ok"], response
    (summary,) = response["result"]["columns"]
    values = [v for v in ln.Artifact.filter(**conditions).values_list(column, flat=True) if v is not None]
    assert summary["count"] == len(values) and (summary["min"] is not None) == bool(values)
    for b in summary["bins"]:
        low, high = (
            (dt.datetime.fromisoformat(b["start"]), dt.datetime.fromisoformat(b["end"]))
            if column == "created_at"
            else (b["start"], b["end"])
        )
        assert b["count"] == sum(low <= v < high for v in values)
        bounds = {f"{column}__gte": low, f"{column}__lt": high}
        assert b["count"] == ln.Artifact.filter(**conditions, **bounds).count()
