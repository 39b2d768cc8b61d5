"""The core registries in this process: get, filter, df, printing, visibility, migrations, connections."""

from __future__ import annotations

import threading
import uuid

import pytest
from conftest import TEST_DB


@pytest.fixture(scope="module")
def labels(ln):
    names = ["DMSO", "IFNG", "Experiment 1", "Experiment 2"]
    return [ln.ULabel(name=name).save() or ln.ULabel.get(name=name) for name in names]


def test_default_records_exist(ln, instance):
    assert ln.Space.get(1).name == "All"
    user = ln.User.get(1)
    assert (user.handle, user.name) == ("testuser1", "Test User1")
    storage = ln.Storage.get(1)
    assert storage.root == instance.storage
    assert storage.type == "local"
    assert storage.instance_uid == instance.uid


def test_record_prints_like_the_guide(ln, labels):
    label = ln.ULabel.get(name="Experiment 1")
    text = repr(label)
    assert text.startswith(
        f"ULabel(uid='{label.uid}', name='Experiment 1', is_type=False, space_id=1, created_by_id=1"
    )
    assert text.endswith(f"created_at={label.created_at:%Y-%m-%d %H:%M:%S} UTC)")
    assert str(label) == text
    assert len(label.uid) == 8


def test_uid_lengths(ln, labels):
    assert len(ln.Storage.get(1).uid) == 12
    feature = ln.Feature(name="temperature", dtype="float")
    feature.save()
    assert len(feature.uid) == 12
    transform = ln.Transform(key="registries.ipynb", type="notebook")
    transform.save()
    assert len(transform.uid) == 16 and transform.uid.endswith("0000")
    run = ln.Run(transform=transform)
    run.save()
    assert len(run.uid) == 20


def test_get_by_id_uid_prefix_and_fields(ln, labels):
    label = labels[2]
    assert ln.ULabel.get(label.id) == label
    assert ln.ULabel.get(label.uid) == label
    assert ln.ULabel.get(label.uid[:5]) == label
    assert ln.ULabel.get(name="Experiment 1") == label


def test_get_nonexistent_names_the_registry(ln, labels):
    with pytest.raises(ln.ULabel.DoesNotExist, match="no ULabel record with uid 'nonexistent'"):
        ln.ULabel.get("nonexistent")
    with pytest.raises(ln.ULabel.DoesNotExist, match="no ULabel record with a uid starting with 'abc'"):
        ln.ULabel.get("abc")
    with pytest.raises(ln.ULabel.DoesNotExist, match="no ULabel record matches name='nonexistent'"):
        ln.ULabel.get(name="nonexistent")
    with pytest.raises(ln.Artifact.DoesNotExist, match="Artifact"):
        ln.Artifact.get(10**6)


def test_get_rejects_wrong_argument_types(ln):
    with pytest.raises(TypeError, match=r"expects an int id or a str uid, got float"):
        ln.ULabel.get(1.5)
    with pytest.raises(TypeError, match="either an id/uid or field=value"):
        ln.ULabel.get("abc", name="x")


def test_filter_and_df(ln, labels):
    frame = ln.ULabel.filter(name__startswith="Experiment").df()
    assert list(frame["name"]) == ["Experiment 1", "Experiment 2"]
    assert frame.index.name == "id"
    assert list(frame.index) == sorted(frame.index)


def test_registry_df_is_latest_updated_first(ln, labels):
    first = ln.ULabel.get(name="DMSO")
    first.description = "touched"
    first.save()
    frame = ln.ULabel.df()
    assert frame.iloc[0]["name"] == "DMSO"
    assert len(ln.ULabel.df(limit=2)) == 2


def test_trash_is_hidden_from_reads_and_kept_for_internal_use(ln, labels):
    label = ln.ULabel(name="to be trashed")
    label.save()
    label._branch_code = -1
    label.save()
    assert not ln.ULabel.filter(name="to be trashed").exists()
    assert "to be trashed" not in set(ln.ULabel.df()["name"])
    with pytest.raises(ln.ULabel.DoesNotExist):
        ln.ULabel.get(name="to be trashed")
    # by id or uid every branch is found, as in LaminDB 1.5 (so `get(uid).restore()` works)
    assert ln.ULabel.get(label.uid)._branch_code == -1 and ln.ULabel.get(label.id) == label
    assert ln.ULabel.all_objects.get(name="to be trashed")._branch_code == -1


def test_an_explicit_branch_filter_replaces_the_default(ln, labels):
    from django.db.models import Q

    names = {"branch visible": 1, "branch archived": 0, "branch trashed": -1}
    for name, branch in names.items():
        ln.ULabel(name=name).save()
        ln.ULabel.all_objects.filter(name=name).update(_branch_code=branch)
    ours = {"name__startswith": "branch "}

    def names_of(queryset) -> list[str]:
        return sorted(queryset.values_list("name", flat=True))

    assert names_of(ln.ULabel.filter(**ours)) == ["branch visible"]
    assert names_of(ln.ULabel.filter(_branch_code=-1, **ours)) == ["branch trashed"]
    assert names_of(ln.ULabel.filter(_branch_code=0, **ours)) == ["branch archived"]
    assert names_of(ln.ULabel.filter(_branch_code=None, **ours)) == sorted(names)
    assert names_of(ln.ULabel.filter(_branch_code__lte=0, **ours)) == ["branch archived", "branch trashed"]
    assert names_of(ln.ULabel.filter(**ours).filter(_branch_code=-1)) == ["branch trashed"]
    assert names_of(ln.ULabel.filter(Q(_branch_code=-1) | Q(_branch_code=0), **ours)) == [
        "branch archived",
        "branch trashed",
    ]
    assert ln.ULabel.filter(**ours).filter(_branch_code=-1).count() == 1
    assert names_of(ln.ULabel.filter(**ours).exclude(_branch_code=1)) == ["branch archived", "branch trashed"]


def test_trashed_artifact_found_by_uid_and_visibility(ln, tmp_path):
    path = tmp_path / "branch.txt"
    path.write_text(f"branch {uuid.uuid4()}\n")
    artifact = ln.Artifact(path, key=f"branch-{uuid.uuid4().hex[:8]}.txt").save()
    try:
        artifact.delete()
        assert not ln.Artifact.filter(key=artifact.key).exists()
        assert ln.Artifact.filter(key=artifact.key, visibility=-1).one().uid == artifact.uid  # 1.x name
        assert ln.Artifact.filter(_branch_code=-1, key=artifact.key).count() == 1
        assert ln.Artifact.filter(visibility=None, key=artifact.key).count() == 1
        ln.Artifact.get(artifact.uid).restore()
        assert ln.Artifact.get(artifact.uid[:16]) == artifact  # the family stem: its latest version
        assert ln.Artifact.filter(key=artifact.key).one()._branch_code == 1
    finally:
        ln.Artifact.all_objects.get(pk=artifact.pk).delete(permanent=True)


def test_link_tables_and_feature_sets_accessor(ln, labels):
    from lamin_core.models import ArtifactULabel

    storage = ln.Storage.get(1)
    artifact = ln.Artifact(key="x.csv", suffix=".csv", storage=storage, size=3, hash="abcdefghijklmnopqrstuv")
    artifact.save()
    feature = ln.Feature(name="perturbation", dtype="cat[ULabel]")
    feature.save()
    ArtifactULabel(artifact=artifact, ulabel=labels[0], feature=feature).save()
    artifact.ulabels.add(labels[2])
    assert set(artifact.ulabels.values_list("name", flat=True)) == {"DMSO", "Experiment 1"}
    assert ArtifactULabel.objects.get(artifact=artifact, ulabel=labels[0]).feature == feature
    assert ArtifactULabel.objects.get(artifact=artifact, ulabel=labels[2]).feature is None
    schema = ln.Schema(n=1, itype="Feature")
    schema.save()
    artifact.feature_sets.add(schema)
    assert list(artifact.schemas.all()) == [schema]
    assert list(ln.Artifact.filter(ulabels__name="DMSO")) == [artifact]
    assert list(ln.Artifact.filter(feature_sets__itype="Feature")) == [artifact]


def test_migrations_are_committed():
    from django.core.management import call_command

    call_command("makemigrations", "lamin_core", "--check", "--dry-run", verbosity=0)


def test_sqlite_runs_in_wal_mode_with_busy_timeout(ln):
    from django.db import connection

    if TEST_DB:
        assert connection.vendor == "postgresql"
        return
    with connection.cursor() as cursor:
        assert cursor.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert cursor.execute("PRAGMA busy_timeout").fetchone()[0] == 30000


def test_one_connection_per_thread(ln, labels):
    from django.db import connection

    seen = {}

    def work():
        seen["count"] = ln.ULabel.filter(name__startswith="Experiment").count()
        seen["connection"] = id(connection.connection)
        connection.close()

    ln.ULabel.filter().count()
    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    assert seen["count"] == 2
    assert seen["connection"] != id(connection.connection)


def test_contains_startswith_endswith_are_case_sensitive(ln):
    from django.db import transaction

    with transaction.atomic():
        ln.Transform(key="registries.ipynb", description="Query & search registries", type="notebook").save()
        transforms = ln.Transform.filter(key="registries.ipynb")
        assert transforms.filter(description__contains="search").exists()
        assert not transforms.filter(description__contains="Search").exists()
        assert transforms.filter(description__icontains="Search").exists()
        assert transforms.filter(description__startswith="Query").exists()
        assert not transforms.filter(description__startswith="query").exists()
        assert transforms.filter(description__istartswith="query").exists()
        assert transforms.filter(description__endswith="registries").exists()
        assert not transforms.filter(description__endswith="Registries").exists()
        transaction.set_rollback(True)


def test_ulabel_with_existing_name_is_that_record(ln, capsys):
    from django.db import transaction

    with transaction.atomic():
        first = ln.ULabel(name="only once").save()
        again = ln.ULabel(name="only once")
        assert again == first and not again._state.adding
        assert "returning existing ULabel record with same name: 'only once'" in capsys.readouterr().err
        assert again.save() == first
        assert ln.ULabel.filter(name="only once").count() == 1
        transaction.set_rollback(True)
