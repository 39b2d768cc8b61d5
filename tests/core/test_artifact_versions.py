"""Artifact versions: `revises=`, new content under an existing key, `is_latest`, `versions`."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

# each test runs on local storage and on S3 (moto's server; `artifact_storage` in tests/conftest.py)
pytestmark = pytest.mark.usefixtures("delete_new_artifacts", "artifact_storage")


def new_file(folder: Path, name: str = "data.txt") -> Path:
    path = folder / f"{uuid.uuid4().hex}-{name}"
    path.write_text(f"version content {uuid.uuid4()}\n")
    return path


def fresh(ln, artifact):
    return ln.Artifact.all_objects.get(pk=artifact.pk)


def test_revises_keeps_the_stem_and_moves_is_latest(ln, tmp_path):
    key = f"versions/{uuid.uuid4().hex}/report.txt"
    v1 = ln.Artifact(new_file(tmp_path), key=key, description="first").save()
    assert v1.uid.endswith("0000") and v1.is_latest
    v2 = ln.Artifact(new_file(tmp_path), revises=v1, version="2").save()
    assert v2.uid[:16] == v1.uid[:16] and v2.uid[16:] == "0001"
    assert (v2.key, v2.description, v2.version) == (key, "first", "2")
    assert v2.is_latest and not v1.is_latest and not fresh(ln, v1).is_latest
    assert list(v1.versions) == [v1, v2] == list(v2.versions)
    assert v1.stem_uid == v2.stem_uid == v1.uid[:16]
    assert list(ln.Artifact.filter(key=key, is_latest=True)) == [v2]


def test_new_content_under_an_existing_key_is_a_new_version(ln, tmp_path, capsys):
    key = f"versions/{uuid.uuid4().hex}.txt"
    v1 = ln.Artifact(new_file(tmp_path), key=key).save()
    capsys.readouterr()
    v2 = ln.Artifact(new_file(tmp_path), key=key).save()
    assert f"creating new artifact version for key='{key}'" in capsys.readouterr().err
    assert v2.uid == v1.uid[:16] + "0001"
    assert not fresh(ln, v1).is_latest and v2.is_latest


def test_revising_an_old_version_follows_the_latest(ln, tmp_path, capsys):
    v1 = ln.Artifact(new_file(tmp_path), key="versions/old.txt", revises=None).save()
    v2 = ln.Artifact(new_file(tmp_path), revises=v1).save()
    capsys.readouterr()
    v3 = ln.Artifact(new_file(tmp_path), revises=fresh(ln, v1)).save()
    assert "is not the latest version" in capsys.readouterr().err
    assert v3.uid[16:] == "0002"
    assert [v.is_latest for v in v1.versions] == [False, False, True]
    assert fresh(ln, v2).is_latest is False


def test_versions_count_past_nine_in_base62(ln, tmp_path):
    latest = ln.Artifact(new_file(tmp_path), key=f"versions/{uuid.uuid4().hex}.txt").save()
    for _ in range(11):
        latest = ln.Artifact(new_file(tmp_path), revises=latest).save()
    uids = [v.uid[16:] for v in latest.versions]
    assert uids == [
        "0000",
        "0001",
        "0002",
        "0003",
        "0004",
        "0005",
        "0006",
        "0007",
        "0008",
        "0009",
        "000A",
        "000B",
    ]
    assert [v.is_latest for v in latest.versions].count(True) == 1


def test_trashing_the_latest_makes_the_previous_latest(ln, tmp_path):
    v1 = ln.Artifact(new_file(tmp_path), key="versions/trash.txt").save()
    v2 = ln.Artifact(new_file(tmp_path), revises=v1).save()
    v2.delete()
    assert fresh(ln, v1).is_latest and not fresh(ln, v2).is_latest
    assert list(v1.versions) == [fresh(ln, v1)]
    v2.restore()
    assert v2.is_latest and fresh(ln, v2).is_latest and not fresh(ln, v1).is_latest
    v2.delete(permanent=True)
    assert fresh(ln, v1).is_latest
    # the uid of a permanently deleted version is free again
    v3 = ln.Artifact(new_file(tmp_path), revises=fresh(ln, v1)).save()
    assert v3.uid[16:] == "0001" and v3.is_latest


def test_same_content_as_a_version_returns_it(ln, tmp_path):
    path = new_file(tmp_path)
    v1 = ln.Artifact(path, key="versions/same.txt").save()
    again = ln.Artifact(path, revises=v1).save()
    assert again.pk == v1.pk and fresh(ln, v1).is_latest


def test_revises_must_be_a_saved_artifact(ln, tmp_path):
    unsaved = ln.Artifact(new_file(tmp_path))
    with pytest.raises(ValueError, match="revises must be a saved Artifact"):
        ln.Artifact(new_file(tmp_path), revises=unsaved)
    with pytest.raises(TypeError, match="revises must be a Artifact, got ULabel"):
        ln.Artifact(new_file(tmp_path), revises=ln.ULabel(name="x"))


def test_folder_versions(ln, tmp_path):
    folder = tmp_path / "folder"
    folder.mkdir()
    (folder / "a.txt").write_text(str(uuid.uuid4()))
    v1 = ln.Artifact(folder, key=f"versions/{uuid.uuid4().hex}").save()
    (folder / "b.txt").write_text(str(uuid.uuid4()))
    v2 = ln.Artifact(folder, revises=v1).save()
    assert (v1.n_files, v2.n_files) == (1, 2)
    assert v1.path != v2.path and v1.path.is_dir() and v2.path.is_dir()
    assert sorted(p.name for p in v2.path.iterdir()) == ["a.txt", "b.txt"]


def test_a_version_saved_in_between_is_revised(ln, tmp_path):
    """Artifacts made for one key before any is saved (as by concurrent processes) form one chain."""
    key = f"versions/{uuid.uuid4().hex}.txt"
    first, second = ln.Artifact(new_file(tmp_path), key=key), ln.Artifact(new_file(tmp_path), key=key)
    assert first.uid[:16] != second.uid[:16]  # the key was new for both
    first.save()
    second.save()
    assert second.uid == first.uid[:16] + "0001"
    assert second.path.name == f"{second.uid}.txt" and second.path.exists()
    assert not fresh(ln, first).is_latest and fresh(ln, second).is_latest
    # both chose version 0002 when made; the one saved second follows the other
    third, fourth = ln.Artifact(new_file(tmp_path), key=key), ln.Artifact(new_file(tmp_path), key=key)
    assert third.uid == fourth.uid == first.uid[:16] + "0002"
    fourth.save()
    third.save()
    assert third.uid == first.uid[:16] + "0003" and third.path.name == f"{third.uid}.txt"
    assert third.path.exists() and fourth.path.exists()
    assert [v.is_latest for v in first.versions] == [False, False, False, True]
    # the same content saved in between is returned, and stays the latest version
    path = new_file(tmp_path)
    fifth, again = ln.Artifact(path, key=key), ln.Artifact(path, key=key)
    fifth.save()
    assert again.save().pk == fifth.pk and fresh(ln, fifth).is_latest
    assert [v.is_latest for v in first.versions] == [False, False, False, False, True]


def test_a_collection_version_saved_in_between_is_revised(ln, tmp_path):
    key = f"versions/{uuid.uuid4().hex}"
    a, b = (ln.Artifact(new_file(tmp_path)).save() for _ in range(2))
    first, second = ln.Collection([a], key=key), ln.Collection([b], key=key)
    first.save()
    second.save()
    assert second.uid == first.uid[:16] + "0001"
    assert not ln.Collection.all_objects.get(pk=first.pk).is_latest and second.is_latest
