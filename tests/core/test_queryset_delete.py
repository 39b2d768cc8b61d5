"""`QuerySet.delete()` behaves as one `record.delete()` per record, as in LaminDB 1.5: artifacts and
collections go to the trash, `permanent=True` removes records with their files and refuses what other
records still use; registries without a trash delete for good after the same protection checks.

On local storage and on S3 (moto), on the run's database.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

pytestmark = pytest.mark.usefixtures("delete_new_artifacts")


def saved(ln, folder: Path, prefix: str, n: int) -> list:
    artifacts = []
    for i in range(n):
        path = folder / f"{i}.csv"
        path.write_text(f"x\n{uuid.uuid4()}\n")
        artifacts.append(ln.Artifact(path, key=f"{prefix}/{i}.csv").save())
    return artifacts


def exists(path) -> bool:
    return path.exists()  # a pathlib.Path or a UPath on S3


def test_queryset_delete_moves_artifacts_to_the_trash(ln, artifact_storage, tmp_path):
    prefix = f"qs-trash-{uuid.uuid4().hex[:8]}"
    artifacts = saved(ln, tmp_path, prefix, 3)
    paths = [a.path for a in artifacts]

    assert ln.Artifact.filter(key__startswith=prefix).delete() is None
    assert not ln.Artifact.filter(key__startswith=prefix).exists()
    trashed = ln.Artifact.all_objects.filter(key__startswith=prefix).order_by("id")
    assert list(trashed.values_list("_branch_code", flat=True)) == [-1, -1, -1]
    assert all(exists(p) for p in paths)

    trashed.first().restore()
    assert list(ln.Artifact.filter(key__startswith=prefix).values_list("uid", flat=True)) == [
        artifacts[0].uid
    ]

    ln.Artifact.all_objects.filter(key__startswith=prefix).delete(permanent=True)
    assert not ln.Artifact.all_objects.filter(key__startswith=prefix).exists()
    assert not any(exists(p) for p in paths)


def test_permanent_delete_refuses_what_a_collection_uses(ln, artifact_storage, tmp_path):
    from lamin_core.errors import LaminError

    prefix = f"qs-used-{uuid.uuid4().hex[:8]}"
    used, free = saved(ln, tmp_path, prefix, 2)
    collection = ln.Collection([used], key=f"{prefix}-collection").save()

    # the newer artifact first: it goes, then the used one is refused and stays with its file
    with pytest.raises(LaminError) as error:
        ln.Artifact.filter(key__startswith=prefix).order_by("-id").delete(permanent=True)
    assert str(error.value) == (
        f"cannot delete {used!r}: it is still referenced by Collection(id={collection.id}); "
        "delete those first (1 of 2 Artifact records were deleted before)"
    )
    assert list(ln.Artifact.filter(key__startswith=prefix).values_list("id", flat=True)) == [used.id]
    assert exists(used.path) and not exists(free.path)

    assert ln.Collection.filter(key=f"{prefix}-collection").delete() is None
    assert ln.Collection.all_objects.get(id=collection.id)._branch_code == -1
    ln.Collection.all_objects.filter(key=f"{prefix}-collection").delete(permanent=True)
    ln.Artifact.filter(key__startswith=prefix).delete(permanent=True)
    assert not ln.Artifact.all_objects.filter(key__startswith=prefix).exists() and not exists(used.path)


def test_registries_without_a_trash_delete_after_protection_checks(ln, tmp_path):
    from lamin_core.errors import LaminError

    prefix = f"qs-label-{uuid.uuid4().hex[:8]}"
    used = ln.ULabel(name=f"{prefix} used").save()
    unused = ln.ULabel(name=f"{prefix} unused").save()
    (artifact,) = saved(ln, tmp_path, prefix, 1)
    artifact.ulabels.add(used)

    with pytest.raises(ValueError, match="ULabel has no trash"):
        ln.ULabel.filter(name__startswith=prefix).delete(permanent=False)
    with pytest.raises(
        LaminError, match=rf"cannot delete these ULabel records: .* by Artifact\(id={artifact.id}\);"
    ):
        ln.ULabel.filter(name__startswith=prefix).delete()
    assert ln.ULabel.filter(name__startswith=prefix).count() == 2  # nothing went
    with pytest.raises(LaminError, match=r"cannot delete ULabel\(uid="):
        used.delete()

    count, _ = ln.ULabel.filter(name=f"{prefix} unused").delete(permanent=True)
    assert count == 1 and not ln.ULabel.all_objects.filter(id=unused.id).exists()
    artifact.ulabels.remove(used)
    ln.ULabel.filter(name__startswith=prefix).delete()
    assert not ln.ULabel.all_objects.filter(name__startswith=prefix).exists()


def test_transform_querysets_delete_record_by_record_and_get_finds_the_latest(ln):
    key = f"qs-transform-{uuid.uuid4().hex[:8]}.py"
    first = ln.Transform(key=key, type="script").save()
    second = ln.Transform(revises=first).save()
    assert ln.Transform.get(key=key) == second  # two versions match: the latest, as LaminDB
    ln.Transform.filter(key=key, id=second.id).delete()
    assert ln.Transform.get(key=key) == first and ln.Transform.get(key=key).is_latest  # promoted
    ln.Transform.filter(key=key).delete()
    assert not ln.Transform.all_objects.filter(key=key).exists()
