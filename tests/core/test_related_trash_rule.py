"""Trash and archive hide records of the queried registry, never related ones (LaminDB 1.5.3's rule): a
relation filter matches trashed and archived related records, and `df(include=...)` lists them, to-one
and to-many alike. The widgets, REST and the generated code follow the same rule
(tests/widgets/test_page_cost.py).
"""

from __future__ import annotations

import pytest
from django.db import transaction

VISIBLE, ARCHIVED, TRASHED = "trashrule/visible.csv", "trashrule/archived.csv", "trashrule/trashed.csv"


@pytest.fixture(scope="module")
def data(ln):
    """Artifacts and labels of each branch, linked to each other; rolled back after the module."""
    from django.db.models import Model

    from lamin_core.models import ArtifactULabel

    with transaction.atomic():
        storage = ln.Storage.get(1)
        artifacts = {}
        for i, (key, branch) in enumerate([(VISIBLE, 1), (ARCHIVED, 0), (TRASHED, -1)]):
            artifact = ln.Artifact.__new__(ln.Artifact)
            Model.__init__(
                artifact, key=key, suffix=".csv", size=1, hash=f"trashrule{i:013d}", storage=storage
            )
            artifact.save()
            ln.Artifact.all_objects.filter(id=artifact.id).update(_branch_code=branch)
            artifacts[key] = artifact
        feature = ln.Feature(name="trashrule_feature", dtype="cat[ULabel]").save()
        kind = ln.ULabel(name="TrashruleType", is_type=True).save()
        labels = {
            name: ln.ULabel(name=name, **extra).save()
            for name, extra in [
                ("trashrule-on-all", {}),
                ("trashrule-trashed", {}),
                ("trashrule-typed", {"type": kind}),
            ]
        }
        for artifact in artifacts.values():
            ArtifactULabel(artifact=artifact, ulabel=labels["trashrule-on-all"]).save()
        ArtifactULabel(
            artifact=artifacts[VISIBLE], ulabel=labels["trashrule-trashed"], feature=feature
        ).save()
        for label in (labels["trashrule-trashed"], kind):
            ln.ULabel.all_objects.filter(id=label.id).update(_branch_code=-1)
        yield {"artifacts": artifacts, "labels": labels}
        transaction.set_rollback(True)


def names(queryset) -> list[str]:
    return sorted(queryset.values_list("name", flat=True))


def test_relation_filters_match_trashed_and_archived_related_records(ln, data):
    assert names(ln.ULabel.filter(artifacts__key=TRASHED)) == ["trashrule-on-all"]
    assert names(ln.ULabel.filter(artifacts__key=ARCHIVED)) == ["trashrule-on-all"]
    assert list(ln.Artifact.filter(ulabels__name="trashrule-trashed").values_list("key", flat=True)) == [
        VISIBLE
    ]
    assert names(ln.ULabel.filter(type__name="TrashruleType")) == ["trashrule-typed"]  # a trashed type
    # the same through ln.Q, and excluded the same way
    assert names(ln.ULabel.filter(ln.Q(artifacts__key=TRASHED) | ln.Q(name="none"))) == ["trashrule-on-all"]
    assert "trashrule-on-all" not in names(ln.ULabel.filter().exclude(artifacts__key=TRASHED))


def test_the_queried_registrys_own_trash_stays_hidden(ln, data):
    # linked to the visible artifact, but itself trashed: not a row, whatever the relation filter
    assert names(ln.ULabel.filter(artifacts__key=VISIBLE)) == ["trashrule-on-all"]
    assert list(ln.Artifact.filter(key__startswith="trashrule/").values_list("key", flat=True)) == [VISIBLE]


def test_include_lists_related_records_of_every_branch(ln, data):
    frame = ln.ULabel.filter(name__startswith="trashrule-").df(include=["artifacts__key", "type__name"])
    rows = frame.set_index("name")
    assert sorted(rows.index) == ["trashrule-on-all", "trashrule-typed"]
    assert rows.loc["trashrule-on-all", "artifacts__key"] == {VISIBLE, ARCHIVED, TRASHED}
    assert rows.loc["trashrule-typed", "artifacts__key"] == {None}
    assert rows.loc["trashrule-typed", "type__name"] == "TrashruleType"  # to-one: a trashed record too
    artifacts = ln.Artifact.filter(key__startswith="trashrule/").df(include=["ulabels__name"])
    assert list(artifacts["ulabels__name"]) == [{"trashrule-on-all", "trashrule-trashed"}]


def test_feature_filters_and_frames_follow_the_same_rule(ln, data):
    # a categorical feature's label reached through the link table: trashed, still matched and shown
    found = ln.Artifact.filter(trashrule_feature="trashrule-trashed")
    assert list(found.values_list("key", flat=True)) == [VISIBLE]
    frame = ln.Artifact.filter(key__startswith="trashrule/").df(features=["trashrule_feature"])
    assert list(frame["trashrule_feature"]) == ["trashrule-trashed"]


def test_an_explicit_branch_condition_on_the_relation_leaves_them_out(ln, data):
    assert names(ln.ULabel.filter(artifacts__key=TRASHED, artifacts___branch_code=1)) == []
    visible_links = ln.ULabel.filter(artifacts__key__startswith="trashrule/", artifacts___branch_code=1)
    assert names(visible_links) == ["trashrule-on-all"]


def test_related_managers_hide_trashed_records(ln, data):
    # `label.artifacts` is the registry's default manager, which hides archive and trash (unlike 1.5.3)
    label = data["labels"]["trashrule-on-all"]
    assert list(label.artifacts.values_list("key", flat=True)) == [VISIBLE]
    assert label.artifacts.all().count() == 1
