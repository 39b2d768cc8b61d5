"""`from_values`, `validate`, `inspect`, `standardize` on ULabel and other registries with a name field, and
on QuerySets, with LaminDB 1.5.3's return types and log lines (ontology registries: tests/bionty).

Everything this module writes happens in one transaction that is rolled back at its end.
"""

from __future__ import annotations

import numpy as np
import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

NAMES = ["benchmark", "prediction", "test-label", "Experiment X"]


@pytest.fixture(scope="module")
def labels(ln):
    """Labels: four plain ones, a type with two labels (one named like a plain label), a trashed one."""
    with transaction.atomic():
        plain = {name: ln.ULabel(name=name).save() for name in NAMES}
        kind = ln.ULabel(name="Kind", is_type=True).save()
        typed = [ln.ULabel(name=n, type=kind).save() for n in ("benchmark", "typed-only")]
        trashed = ln.ULabel(name="gone").save()
        trashed._branch_code = -1
        trashed.save()
        yield {"plain": plain, "kind": kind, "typed": typed, "trashed": trashed}
        transaction.set_rollback(True)


def lines(capsys) -> list[str]:
    return [line for line in capsys.readouterr().err.splitlines() if line.strip()]


# from_values -------------------------------------------------------------------------------------------


def test_from_values_existing_in_input_order(ln, labels, capsys):
    capsys.readouterr()
    records = ln.ULabel.from_values(["prediction", "Experiment X", "benchmark"])
    # "benchmark" names two labels (no type and type Kind): both come back, as in LaminDB
    assert [r.name for r in records] == ["prediction", "Experiment X", "benchmark", "benchmark"]
    assert {r.id for r in records} == {
        labels["plain"]["prediction"].id,
        labels["plain"]["Experiment X"].id,
        labels["plain"]["benchmark"].id,
        labels["typed"][0].id,
    }
    assert all(not r._state.adding for r in records)
    assert lines(capsys) == []  # all values found: LaminDB logs nothing
    assert isinstance(records, list) and records.list("name")[0] == "prediction"
    assert records.df()["name"].tolist() == records.list("name")


def test_from_values_logs_and_leaves_out_unknown_values(ln, labels, capsys):
    capsys.readouterr()
    records = ln.ULabel.from_values(["benchmark", "nope-1", None, "", "nope-2", "nope-1", "Benchmark"])
    assert [r.name for r in records] == ["benchmark", "benchmark"]
    assert lines(capsys) == [
        "✓ loaded 1 ULabel record matching name: 'benchmark'",
        "→ did not create ULabel records for 3 non-validated names: 'nope-1', 'nope-2', 'Benchmark'",
    ]
    assert ln.ULabel.filter(name__startswith="nope-").count() == 0
    assert ln.ULabel.from_values(["nope-1"], mute=True) == []
    assert lines(capsys) == []
    records = ln.ULabel.from_values(["x-only"])
    assert records == [] and lines(capsys) == [
        "→ did not create ULabel record for 1 non-validated name: 'x-only'"
    ]


def test_from_values_field_forms(ln, labels):
    uid = labels["plain"]["prediction"].uid
    assert ln.ULabel.from_values([uid], field="uid") == [labels["plain"]["prediction"]]
    assert ln.ULabel.from_values([uid], field=ln.ULabel.uid) == [labels["plain"]["prediction"]]
    assert ln.ULabel.from_values("prediction", field=ln.ULabel.name) == [labels["plain"]["prediction"]]
    with pytest.raises(TypeError):
        ln.ULabel.from_values(["prediction"], field=ln.ULabel)
    with pytest.raises(ValueError, match=r"User\.handle is not a field of ULabel"):
        ln.ULabel.from_values(["prediction"], field=ln.User.handle)
    with pytest.raises(ValueError, match="ULabel has no field 'nmae'"):
        ln.ULabel.from_values(["prediction"], field="nmae")


def test_from_values_hides_the_trash(ln, labels):
    assert ln.ULabel.from_values(["gone"], mute=True) == []


def test_from_values_create(ln, labels, capsys):
    capsys.readouterr()
    records = ln.ULabel.from_values(["prediction", "new-a", "new-b", "new-a", None, "gone"], create=True)
    assert [r.name for r in records] == ["prediction", "new-a", "new-b", "gone"]
    assert [r._state.adding for r in records] == [False, True, True, True]
    assert records[0] == labels["plain"]["prediction"]
    assert records[3].id != labels["trashed"].id
    assert lines(capsys) == ["✓ loaded 1 ULabel record matching name: 'prediction'"]
    with transaction.atomic():
        saved = records.save()
        assert saved is records
        assert ln.ULabel.filter(name__in=["new-a", "new-b"]).count() == 2
        # saved now: a second call finds them instead of making new ones
        again = ln.ULabel.from_values(["new-a", "new-b"], create=True)
        assert [r.id for r in again] == [records[1].id, records[2].id]
        transaction.set_rollback(True)


def test_from_values_25_existing(ln, labels):
    names = [f"bulk-label-{i}" for i in range(25)]
    with transaction.atomic():
        ln.save([ln.ULabel(name=n) for n in names])
        found = ln.ULabel.from_values(names, field="name")
        assert [r.name for r in found] == names
        transaction.set_rollback(True)


def test_from_values_other_registries(ln, labels):
    user = ln.User.get(handle="testuser1")
    assert ln.User.from_values(["testuser1", "nobody"], mute=True) == [user]  # User's name field: handle
    with transaction.atomic():
        feature = ln.Feature(name="curation_feature", dtype=int).save()
        assert ln.Feature.from_values(["curation_feature", "nope"], mute=True) == [feature]
        # new records are made with the field alone: a Feature needs a dtype too, as in LaminDB
        with pytest.raises(ln.errors.ValidationError, match="needs a dtype"):
            ln.Feature.from_values(["curation_feature_2"], create=True, mute=True)
        transform = ln.Transform.from_values(["curation/script.py"], create=True, mute=True).one()
        assert transform._state.adding and transform.key == "curation/script.py"
        transaction.set_rollback(True)


# validate ----------------------------------------------------------------------------------------------


def test_validate_returns_a_bool_array(ln, labels, capsys):
    capsys.readouterr()
    result = ln.ULabel.validate(["benchmark", "Benchmark", "nope", "benchmark", None, "gone"])
    assert isinstance(result, np.ndarray) and result.dtype == bool
    # exact and case-sensitive; trashed labels are not validated; None never is
    assert result.tolist() == [True, False, False, True, False, False]
    assert lines(capsys) == [
        "! received 4 unique terms, 2 empty/duplicated terms are ignored",
        "✓ 1 unique term (25.00%) is validated for name",
        "! 3 unique terms (75.00%) are not validated for name: 'Benchmark', 'nope', 'gone'",
    ]
    assert ln.ULabel.validate(["benchmark", "prediction"]).tolist() == [True, True]
    assert lines(capsys) == ["✓ 2 unique terms (100.00%) are validated for name"]


def test_validate_single_string_and_fields(ln, labels, capsys):
    single = ln.ULabel.validate("benchmark", mute=True)
    assert isinstance(single, np.bool_) and bool(single) and single.sum() == 1
    assert not ln.ULabel.validate("nope", mute=True)
    uid = labels["plain"]["benchmark"].uid
    assert ln.ULabel.validate([uid, "xxxxxxxx"], field=ln.ULabel.uid, mute=True).tolist() == [True, False]
    user = ln.User.get(handle="testuser1")
    assert ln.User.validate([user.id, 987654], field=ln.User.id, mute=True).sum() == 1
    assert ln.User.validate(["testuser1"], mute=True).tolist() == [True]
    with pytest.raises(TypeError, match="Type mismatch"):
        ln.ULabel.validate([1, 2], mute=True)
    with pytest.raises(TypeError, match="Type mismatch"):
        ln.User.validate(["a"], field="id", mute=True)
    assert ln.ULabel.validate([], mute=True).tolist() == []
    capsys.readouterr()
    ln.ULabel.validate([])
    assert lines(capsys) == ["! input has zero length"]


def test_validate_series_and_lists_of_lists(ln, labels):
    import pandas as pd

    series = pd.Series(["benchmark", "nope"], dtype="category")
    assert ln.ULabel.validate(series, mute=True).tolist() == [True, False]
    assert ln.ULabel.validate([["benchmark", "x"], ["prediction"]], mute=True).tolist() == [True, False, True]


def test_validate_on_querysets(ln, labels, capsys):
    kind = labels["kind"]
    in_kind = ln.ULabel.filter(type=kind)
    result = in_kind.validate(["benchmark", "typed-only", "prediction"], mute=True)
    assert result.tolist() == [True, True, False]
    assert ln.ULabel.filter(type__isnull=True).validate(["typed-only"], mute=True).tolist() == [False]
    capsys.readouterr()
    empty = ln.ULabel.filter(name="no such label").validate(["x", "y"])
    assert empty.tolist() == [False, False]
    assert lines(capsys) == ["! Your ULabel registry is empty, consider populating it first!"]


def test_validate_many_values_in_few_queries(ln, labels):
    values = [f"missing-{i}" for i in range(12_000)] + ["benchmark"]
    with CaptureQueriesContext(connection) as queries:
        result = ln.ULabel.validate(values, mute=True)
    assert result.sum() == 1 and result[-1]
    assert len(queries) <= 4  # chunks of 5000 values


# inspect -----------------------------------------------------------------------------------------------


def test_inspect_result(ln, labels, capsys):
    capsys.readouterr()
    result = ln.ULabel.inspect(["benchmark", "nope", "Benchmark", "benchmark", "", "prediction"])
    assert result.validated == ["benchmark", "prediction"]
    assert result.non_validated == ["nope", "Benchmark"]
    assert result["validated"] == result.validated and result["non_validated"] == result.non_validated
    assert result.synonyms_mapper == {}  # no synonyms field: case variants are not mapped, as in LaminDB
    assert result.frac_validated == 50.0 and result.n_unique == 4 and result.n_empty == 2
    assert result.df["__validated__"].tolist() == [True, False, False, True, False, True]
    assert lines(capsys) == [
        "! received 4 unique terms, 2 empty/duplicated terms are ignored",
        "✓ 2 unique terms (50.00%) are validated for name",
        "! 2 unique terms (50.00%) are not validated for name: 'nope', 'Benchmark'",
        "→ couldn't validate 2 terms: 'nope', 'Benchmark'",
        "→ if you are sure, create new records via ULabel() and save to your registry",
    ]
    with pytest.raises(KeyError):
        result["other"]


def test_inspect_on_querysets_and_other_fields(ln, labels):
    kind = labels["kind"]
    result = ln.ULabel.filter(type=kind).inspect(["typed-only", "prediction"], mute=True)
    assert (result.validated, result.non_validated) == (["typed-only"], ["prediction"])
    uid = labels["plain"]["benchmark"].uid
    result = ln.ULabel.inspect([uid, "nope"], field="uid", mute=True)
    assert (result.validated, result.non_validated) == ([uid], ["nope"])
    result = ln.User.inspect("testuser1", mute=True)
    assert result.validated == ["testuser1"] and result.frac_validated == 100


# standardize -------------------------------------------------------------------------------------------


def test_standardize_without_synonyms_field(ln, labels, capsys):
    values = ["benchmark", "Benchmark", "nope"]
    capsys.readouterr()
    # ULabel has no synonyms: only exact matches, values are returned as given (LaminDB 1.5.3)
    assert ln.ULabel.standardize(values) == values
    assert lines(capsys) == ["→ standardized 1/3 terms"]
    assert ln.ULabel.standardize(values, return_mapper=True, mute=True) == {}
    assert ln.ULabel.standardize("Benchmark", mute=True) == "Benchmark"
    # return_field converts the exact matches (LaminDB 1.5.3 silently returns the input here)
    plain = labels["plain"]
    uids = ln.ULabel.filter(type__isnull=True).standardize(
        ["prediction", "nope", "test-label"], return_field="uid", mute=True
    )
    assert uids == [plain["prediction"].uid, "nope", plain["test-label"].uid]
    mapper = ln.ULabel.filter(type__isnull=True).standardize(
        ["prediction", "nope"], return_field=ln.ULabel.uid, return_mapper=True, mute=True
    )
    assert mapper == {"prediction": plain["prediction"].uid}


def test_standardize_keep_for_duplicate_names(ln, labels, capsys):
    first, second = labels["plain"]["benchmark"], labels["typed"][0]
    assert first.id < second.id
    capsys.readouterr()
    assert ln.ULabel.standardize(["benchmark", "prediction"], return_field="uid") == [
        first.uid,
        labels["plain"]["prediction"].uid,
    ]
    assert lines(capsys) == [
        "! 1 value matches several ULabel records, took the first by id (keep=False returns all): "
        "'benchmark'",
        "→ standardized 2/2 terms",
    ]
    assert ln.ULabel.standardize(["benchmark"], return_field="uid", mute=True) == [first.uid]
    assert ln.ULabel.standardize(["benchmark"], return_field="uid", keep="last", mute=True) == [second.uid]
    both = ln.ULabel.standardize(["benchmark"], return_field="uid", keep=False, mute=True)
    assert both == [[first.uid, second.uid]]


def test_default_fields(ln):
    from lamin_core.query.curation import resolve_field

    assert resolve_field(ln.ULabel) == "name" and resolve_field(ln.User) == "handle"
    assert resolve_field(ln.Transform) == "key" and resolve_field(ln.Storage) == "root"
