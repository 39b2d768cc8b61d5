"""`.list(field=None)` and the 2.x `.to_list()` on QuerySets, managers and related managers (LaminDB 1.5.3);
on the session instance, everything written is deleted."""

from __future__ import annotations

import uuid

import pandas as pd
import pytest
from django.core.exceptions import FieldError


@pytest.fixture
def labels(ln):
    from django.db import transaction

    prefix = f"listing-{uuid.uuid4().hex[:8]}"
    with transaction.atomic():
        records = [ln.ULabel(name=f"{prefix}-{letter}").save() for letter in "cab"]
        yield prefix, records
        transaction.set_rollback(True)


def test_list_of_records_and_of_values(ln, labels):
    prefix, (c, a, b) = labels
    queryset = ln.ULabel.filter(name__startswith=prefix)
    records = queryset.order_by("name").list()
    assert type(records) is list and records == [a, b, c]
    assert queryset.order_by("name").list("name") == [a.name, b.name, c.name]
    assert queryset.order_by("-name").list("uid") == [c.uid, b.uid, a.uid]
    assert queryset.order_by("name").list(ln.ULabel.name) == [a.name, b.name, c.name]  # a field attribute
    assert sorted(queryset.list("id")) == sorted(r.id for r in (a, b, c))
    assert queryset.order_by("name").to_list() == [a, b, c]  # 2.x name
    assert queryset.order_by("name").to_list("name") == [a.name, b.name, c.name]
    assert queryset.filter(name="absent").list() == [] and queryset.filter(name="absent").list("name") == []
    assert queryset.order_by("name").list("created_by__handle") == ["testuser1"] * 3  # across a relation


def test_list_on_the_manager_and_with_visibility(ln, labels):
    prefix, (c, a, b) = labels
    assert {a.name, b.name, c.name} <= set(ln.ULabel.objects.list("name"))
    b._branch_code = -1  # trashed: the default manager's QuerySets leave it out
    b.save()
    assert sorted(ln.ULabel.filter(name__startswith=prefix).list("name")) == [a.name, c.name]
    assert sorted(ln.ULabel.all_objects.filter(name__startswith=prefix).list("name")) == [
        a.name,
        b.name,
        c.name,
    ]


def test_unknown_field_raises(ln, labels):
    prefix, _ = labels
    with pytest.raises(FieldError):
        ln.ULabel.filter(name__startswith=prefix).list("no_such_field")
    with pytest.raises(TypeError, match="field name or a field attribute"):
        ln.ULabel.filter(name__startswith=prefix).list(42)


def test_related_managers(ln):
    # outside a rolled-back transaction: the artifact's file is written to storage, and deleted at the end
    prefix = f"listing-{uuid.uuid4().hex[:8]}"
    a, c = (ln.ULabel(name=f"{prefix}-{letter}").save() for letter in "ac")
    artifact = ln.Artifact.from_df(pd.DataFrame({"x": [1, 2]}), key=f"{prefix}/listing.parquet").save()
    transform = ln.Transform(key=f"{prefix}.py", type="script").save()
    try:
        artifact.ulabels.add(a, c)
        # many-to-many: the related manager has list() and to_list(), filtered to the artifact's labels
        assert sorted(artifact.ulabels.list("name")) == [a.name, c.name]
        assert sorted(artifact.ulabels.to_list("name")) == [a.name, c.name]
        assert sorted(artifact.ulabels.list(), key=lambda r: r.name) == [a, c]
        assert artifact.ulabels.filter(name=a.name).list("uid") == [a.uid]
        # the reverse side, and a reverse foreign key
        assert a.artifacts.list("key") == [artifact.key]
        runs = [ln.Run(transform=transform).save() for _ in range(2)]
        assert transform.runs.order_by("id").list() == runs
        assert transform.runs.order_by("id").list("uid") == [r.uid for r in runs]
        assert ln.Transform.filter(key=f"{prefix}.py").latest_version().list("uid") == [transform.uid]
    finally:
        artifact.delete(permanent=True, storage=True)
        transform.delete()
        ln.ULabel.filter(name__startswith=prefix).delete()
