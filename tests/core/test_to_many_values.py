"""To-many columns gathered by one grouped query per path (`query.include.to_many_values`): the same values
as walking every joined row in Python, exact for text with separators, quotes and brackets, for integers,
datetimes, booleans and NULLs; `df(include=...)` computes a path asked for twice once."""

from __future__ import annotations

import pytest
from django.db import transaction

HOSTILE = [
    "a, b",
    'x","y',
    "[1, 2]",
    "back\\slash",
    "new\nline",
    "tab\there",
    "ünïcödé ✓ \U0001d518",  # beyond the BMP
    "'); drop table x; --",
    "null",
    "",
    " padded ",
]

PATHS = [
    "ulabels__name",
    "ulabels__id",
    "ulabels",
    "ulabels__description",
    "ulabels__created_at",
    "ulabels__is_type",
    "ulabels__created_at__year",
    "ulabels__type__name",
    "ulabels__created_by__handle",
    "ulabels__artifacts__key",
]


@pytest.fixture(scope="module")
def data(ln):
    """Three artifacts: one with every hostile label, one with two of them, one with none; rolled back."""
    from django.db.models import Model

    from lamin_core.models import ArtifactULabel

    with transaction.atomic():
        storage = ln.Storage.get(1)
        artifacts = []
        for i in range(3):
            artifact = ln.Artifact.__new__(ln.Artifact)
            key = f"tomany/{i}.csv"
            Model.__init__(artifact, key=key, suffix=".csv", size=i, hash=f"tomany{i:016d}", storage=storage)
            artifact.save()
            artifacts.append(artifact)
        labels = [
            ln.ULabel(name=f"tomany {name}", description=None if i % 2 else f"d{i % 3}").save()
            for i, name in enumerate(HOSTILE)
        ]
        for label in labels:
            ArtifactULabel(artifact=artifacts[0], ulabel=label).save()
        for label in labels[:2]:
            ArtifactULabel(artifact=artifacts[1], ulabel=label).save()
        yield artifacts
        transaction.set_rollback(True)


def of(ln, ids):
    return ln.Artifact._base_manager.filter(id__in=ids)


def walked(model, ids, path) -> tuple[dict, int]:
    """Every joined row, gathered in Python (how to-many columns were computed before)."""
    groups, rows = {}, 0
    for pk, value in model._base_manager.filter(id__in=ids).values_list("id", path):
        groups.setdefault(pk, set()).add(value)
        rows += 1
    return groups, rows


@pytest.mark.parametrize("path", PATHS)
def test_grouped_values_equal_the_joined_rows_walked(ln, data, path):
    from lamin_core.query.include import to_many_values

    ids = [a.id for a in data]
    expected, rows = walked(ln.Artifact, ids, path)
    values, read = to_many_values(of(ln, ids), path)
    assert {pk: set(v) for pk, v in values.items()} == expected
    assert all(len(v) == len(set(v)) for v in values.values())  # each distinct value once
    assert read == rows
    frame = ln.Artifact.filter(key__startswith="tomany/").df(include=[path])
    assert {pk: frame.loc[pk, path] for pk in ids} == {pk: expected.get(pk, {None}) for pk in ids}


def test_values_keep_their_types(ln, data):
    from lamin_core.query.include import to_many_values

    first = data[0].id

    def values(path, ids=(first,)):
        return to_many_values(of(ln, list(ids)), path)[0]

    assert set(values("ulabels__name")[first]) == {f"tomany {name}" for name in HOSTILE}
    created = values("ulabels__created_at")[first]
    assert {type(v).__name__ for v in created} == {"datetime"} and all(v.tzinfo for v in created)
    assert values("ulabels__is_type")[first] == [False]
    assert {type(v) for v in values("ulabels__id")[first]} == {int}
    assert set(values("ulabels__description")[first]) == {None, "d0", "d1", "d2"}
    assert values("ulabels__name", [data[2].id]) == {data[2].id: [None]}
    assert to_many_values(of(ln, []), "ulabels__name") == ({}, 0)
    assert to_many_values(of(ln, [-1]), "ulabels__name") == ({}, 0)


def test_max_rows_stops_reading(ln, data):
    from lamin_core.query.include import to_many_values

    ids = [a.id for a in data]
    _, rows = walked(ln.Artifact, ids, "ulabels__name")  # 11 + 2 + 1 (the unlabelled artifact)
    assert to_many_values(of(ln, ids), "ulabels__name", max_rows=rows)[1] == rows
    assert to_many_values(of(ln, ids), "ulabels__name", max_rows=5)[1] == 6
    assert to_many_values(of(ln, ids), "ulabels__created_at", max_rows=5)[1] == 6  # grouped pairs too


def test_include_computes_a_repeated_path_once(ln, data):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    queryset = ln.Artifact.filter(key__startswith="tomany/")
    with CaptureQueriesContext(connection) as once:
        single = queryset.df(include=["ulabels__name"])
    with CaptureQueriesContext(connection) as twice:
        repeated = queryset.df(include=["ulabels__name", "ulabels__name"])
    assert len(twice) == len(once)
    assert list(repeated.columns) == ["uid", "key", "ulabels__name", "ulabels__name"]  # as asked, as before
    assert list(repeated.iloc[:, 2]) == list(single["ulabels__name"])
