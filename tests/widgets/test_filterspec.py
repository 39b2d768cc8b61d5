"""The filter spec: JSON tree -> Q -> Python code; running the code selects what the Q selects."""

from __future__ import annotations

import pytest
from django.db import transaction
from harness.seed import HOSTILE_LABEL

PREFIX = "fs/"


@pytest.fixture(scope="module")
def fs():
    from lamin_widgets.protocol import filterspec

    return filterspec


def spec(*items, op="and", negated=False):
    return {"op": op, "not": negated, "items": list(items)}


def cond(field, lookup, value):
    return {"field": field, "lookup": lookup, "value": value}


def ids(queryset):
    return sorted(queryset.values_list("id", flat=True))


def run_code(code: str):
    import lamin_core
    import lamin_core.bionty as bt

    return eval(code, {"ln": lamin_core, "bt": bt})


MINE = cond("key", "startswith", PREFIX)
SPECS = {
    "and": spec(MINE, cond("suffix", "exact", ".h5ad"), cond("perturbation", "exact", "DMSO")),
    "or": spec(MINE, spec(cond("suffix", "exact", ".jpg"), cond("size", "lt", 100), op="or")),
    "not group": spec(MINE, spec(cond("suffix", "in", [".jpg", ".parquet"]), op="or", negated=True)),
    "ne": spec(MINE, cond("suffix", "ne", ".h5ad")),
    "isnull": spec(MINE, cond("description", "isnull", True)),
    "contains": spec(MINE, cond("key", "contains", "dataset")),
    "relation": spec(MINE, cond("ulabels__name", "exact", "IFNG")),
    "relation user": spec(MINE, cond("created_by__handle", "exact", "testuser1")),
    "feature gt": spec(MINE, cond("temperature", "gt", 22)),
    "feature label in": spec(MINE, cond("experiment", "in", ["Experiment 1", "nope"])),
    "feature label ne": spec(MINE, cond("perturbation", "ne", "DMSO")),
    "dict key": spec(MINE, cond("study_metadata__detail1", "exact", "456")),
    "dict key in": spec(MINE, cond("study_metadata__detail1", "in", ["456", "nope"])),
    "datetime": spec(MINE, cond("created_at", "gte", "2000-01-01")),
    "empty": spec(MINE),
}
EXPECTED_KEYS = {
    "and": ["examples/dataset1.h5ad", "examples/dataset2.h5ad"],
    "or": ["images/my_image.jpg", "raw/my_fastq.fastq.gz"],
    "not group": ["examples/dataset1.h5ad", "examples/dataset2.h5ad", "raw/my_fastq.fastq.gz"],
    "ne": ["images/my_image.jpg", "iris.parquet", "raw/my_fastq.fastq.gz"],
    "relation": ["examples/dataset1.h5ad", "examples/dataset2.h5ad"],
    "feature gt": ["examples/dataset2.h5ad"],
    "feature label in": ["examples/dataset1.h5ad"],
    "feature label ne": ["images/my_image.jpg", "iris.parquet", "raw/my_fastq.fastq.gz"],
    "dict key": ["examples/dataset2.h5ad"],
    "dict key in": ["examples/dataset2.h5ad"],
    "contains": ["examples/dataset1.h5ad", "examples/dataset2.h5ad"],
}


@pytest.mark.parametrize("name", list(SPECS))
def test_q_and_code_select_the_same_records(ln, seeded, fs, name):
    by_q = ln.Artifact.filter(fs.to_q(ln.Artifact, SPECS[name]))
    by_code = run_code(fs.to_code(ln.Artifact, SPECS[name]))
    assert ids(by_q) == ids(by_code)
    if name in EXPECTED_KEYS:
        keys = sorted(k.removeprefix(PREFIX) for k in by_q.values_list("key", flat=True))
        assert keys == EXPECTED_KEYS[name]


def test_code_reads_like_the_guide(ln, seeded, fs):
    two = spec(cond("suffix", "exact", ".h5ad"), cond("perturbation", "exact", "DMSO"))
    assert fs.to_code(ln.Artifact, two) == "ln.Artifact.filter(suffix='.h5ad', perturbation='DMSO')"
    assert fs.to_code(ln.Artifact, SPECS["or"]) == (
        "ln.Artifact.filter(ln.Q(suffix='.jpg') | ln.Q(size__lt=100), key__startswith='fs/')"
    )
    assert (
        fs.to_code(ln.Artifact, spec(cond("suffix", "ne", ".h5ad")))
        == "ln.Artifact.filter(~ln.Q(suffix='.h5ad'))"
    )
    assert fs.to_code(ln.Artifact, spec(op="or")) == "ln.Artifact.filter()"
    assert (
        fs.to_code(ln.ULabel, spec(cond("name", "in", ["a", "b"]))) == "ln.ULabel.filter(name__in=['a', 'b'])"
    )


def test_values_are_written_with_repr_and_stay_inert(ln, seeded, fs, monkeypatch):
    import os

    monkeypatch.setattr(os, "system", lambda *_: pytest.fail("a value was executed"))
    hostile = spec(cond("name", "exact", HOSTILE_LABEL))
    code = fs.to_code(ln.ULabel, hostile)
    assert code == f"ln.ULabel.filter(name={HOSTILE_LABEL!r})"
    assert list(run_code(code).values_list("name", flat=True)) == [HOSTILE_LABEL]
    assert ids(ln.ULabel.filter(fs.to_q(ln.ULabel, hostile))) == ids(run_code(code))
    quotes = spec(cond("key", "exact", "a\"b'c\\d\n"))
    assert run_code(fs.to_code(ln.Artifact, quotes)).count() == 0


def test_feature_names_that_are_not_identifiers(ln, seeded, fs):
    with transaction.atomic():
        ln.Feature(name="sepal length (cm)", dtype=float).save()
        code = fs.to_code(ln.Artifact, spec(cond("sepal length (cm)", "gt", 1)))
        assert code == "ln.Artifact.filter(ln.Q(**{'sepal length (cm)__gt': 1}))"
        assert run_code(code).count() == 0
        transaction.set_rollback(True)


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (
            spec(cond("siz", "exact", 1)),
            "Artifact has no field, relation or feature 'siz'. Did you mean 'size'?",
        ),
        (
            spec(cond("size", "contains", 1)),
            "lookup 'contains' does not fit 'size' (number); valid: exact, ne",
        ),
        (spec(cond("size", "exact", "1; DROP TABLE lamin_core_artifact")), "'size' takes a number, got str"),
        (spec(cond("size", "exact", True)), "'size' takes a number, got bool"),
        (spec(cond("size", "lt", 1.5)), "'size' holds whole numbers, got 1.5"),
        (spec(cond("size", "in", [20, 20.5])), "'size' holds whole numbers, got 20.5"),
        (spec(cond("suffix", "exact", 3)), "'suffix' takes text, got int"),
        (spec(cond("suffix", "in", ".h5ad")), "'in' on 'suffix' takes a list of values"),
        (spec(cond("created_at", "gt", "yesterday")), "takes an ISO date or datetime"),
        (spec(cond("_branch_code", "exact", -1)), "has no field, relation or feature '_branch_code'"),
        (
            spec(cond("ulabels", "exact", "x")),
            "'ulabels' is a relation: name one of its fields; e.g. 'ulabels__name'",
        ),
        (spec(cond("ulabels__nme", "exact", "x")), "ULabel has no field or relation 'nme'"),
        (spec(cond("suffix__exact", "exact", "x")), "'suffix__exact': 'suffix' is not a relation"),
        (spec(cond("size); DROP TABLE x; --", "exact", 1)), "has no field, relation or feature"),
        (spec(cond("study_metadata", "exact", "x")), "feature 'study_metadata' holds dicts"),
        (spec(cond("temperature__x", "exact", 1)), "feature 'temperature' (dtype 'float') has no keys"),
        (spec(cond("study_metadata__detail1__regex", "exact", "(a+)+$")), "'regex' is a lookup name"),
        (spec(cond("study_metadata__iregex", "exact", "x")), "'iregex' is a lookup name"),
        (spec(cond("study_metadata__has_key", "exact", "x")), "'has_key' is a lookup name"),
        (spec(cond("study_metadata__detail1__in", "exact", "x")), "'in' is a lookup name"),
        (spec(cond("perturbation", "isnull", True)), "lookup 'isnull' does not fit 'perturbation'"),
        ({"op": "xor", "items": []}, "a group's op is 'and' or 'or'"),
        ({"op": "and", "items": [], "sql": "x"}, "unknown group keys ['sql']"),
        ({"op": "and", "items": [{"field": "size", "lookup": "exact"}]}, "has no value"),
        ({"op": "and", "items": "x"}, "a group's items must be a list"),
        ([1], "a group must be an object"),
    ],
)
def test_bad_specs_say_what_is_wrong(ln, seeded, fs, bad, message):
    with pytest.raises(fs.FilterSpecError) as error:
        fs.to_q(ln.Artifact, bad)
    assert message in str(error.value)


def test_unknown_field_lists_the_valid_ones(ln, seeded, fs):
    with pytest.raises(fs.FilterSpecError) as error:
        fs.parse(ln.ULabel, spec(cond("nam", "exact", "x")))
    text = str(error.value)
    assert (
        "Did you mean 'name'?" in text and "Valid:" in text and "description" in text and "artifacts" in text
    )


def test_limits_on_size_and_depth(ln, seeded, fs):
    deep = spec()
    node = deep
    for _ in range(fs.MAX_DEPTH + 1):
        child = spec()
        node["items"].append(child)
        node = child
    with pytest.raises(fs.FilterSpecError, match="nested at most"):
        fs.parse(ln.Artifact, deep)
    many = spec(*[cond("size", "exact", i) for i in range(fs.MAX_CONDITIONS + 1)])
    with pytest.raises(fs.FilterSpecError, match="at most 100 conditions"):
        fs.parse(ln.Artifact, many)
    with pytest.raises(fs.FilterSpecError, match="at most 1000 values"):
        fs.parse(ln.Artifact, spec(cond("size", "in", list(range(1001)))))


def test_order(ln, fs):
    assert fs.check_order(ln.Artifact, ["-size", "created_by__handle"]) == ["-size", "created_by__handle"]
    with pytest.raises(fs.FilterSpecError, match="several or structured values"):
        fs.check_order(ln.Artifact, ["ulabels__name"])
    with pytest.raises(fs.FilterSpecError, match="has no field"):
        fs.check_order(ln.Artifact, ["-sizes"])
    with pytest.raises(fs.FilterSpecError, match="at most 5"):
        fs.check_order(ln.Artifact, ["size", "size", "size", "size", "size", "size"])


def test_field_choices_offer_fields_relations_and_features(ln, seeded, fs):
    choices = fs.field_choices(ln.Artifact)
    fields = {f["path"]: f for f in choices["fields"]}
    assert fields["suffix"]["lookups"] == [
        "exact",
        "ne",
        "contains",
        "icontains",
        "startswith",
        "in",
        "isnull",
    ]
    assert fields["size"]["kind"] == "number" and "_branch_code" not in fields
    relations = {r["name"]: r for r in choices["relations"]}
    assert relations["ulabels"]["target"] == "ULabel" and relations["ulabels"]["to_many"]
    assert {f["path"] for f in relations["ulabels"]["fields"]} >= {"ulabels__name", "ulabels__uid"}
    assert relations["created_by"]["target"] == "User" and not relations["created_by"]["to_many"]
    features = {f["path"]: f for f in choices["features"]}
    assert features["perturbation"]["kind"] == "label" and features["perturbation"]["target"] == "ULabel"
    assert features["temperature"]["lookups"] == ["exact", "ne", "gt", "gte", "lt", "lte", "in"]
    assert features["study_metadata"]["kind"] == "dict"
    assert fs.field_choices(ln.ULabel)["features"] == []  # only registries with features


def test_non_ascii_feature_names_are_written_as_strings(ln, seeded, fs):
    """A feature named "key" in fullwidth letters, as a bare keyword, would be read as the field `key`."""
    name = "\uff4b\uff45\uff59"  # fullwidth k, e, y
    with transaction.atomic():
        ln.Feature(name=name, dtype=str).save()
        condition = spec(cond(name, "exact", "x"))
        code = fs.to_code(ln.Artifact, condition)
        assert code == "ln.Artifact.filter(ln.Q(**{" + repr(name) + ": 'x'}))"
        assert ids(run_code(code)) == ids(ln.Artifact.filter(fs.to_q(ln.Artifact, condition)))
        assert not run_code(code).exists()  # no artifact has the feature; `key='x'` would be another query
        transaction.set_rollback(True)
