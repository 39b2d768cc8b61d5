"""Saving a record another process deleted since it was loaded (issue 18, item 11).

Process A is this pytest process; process B is a fresh Python interpreter on the same instance (the run's
database: SQLite or PostgreSQL) that deletes records A holds: `delete(permanent=True)` for artifacts and
collections, `delete()` for the others. A then saves. Django's save (and so LaminDB 1.5.3's) would insert
the row again with its old id and uid, or raise a bare `DatabaseError: Save with update_fields did not
affect any rows`; here it is `RecordDeletedError` (a `DoesNotExist`), nothing is written to the database
or to storage, and the in-memory record keeps its values, so it can be created again.
"""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path

import pytest
from conftest import python

pytestmark = pytest.mark.usefixtures("delete_new_artifacts")

REGISTRIES = ["Artifact", "Collection", "ULabel", "Feature", "Transform", "Run"]


def in_other_process(code: str) -> str:
    """Run `code` in another Python process connected to the session's instance; its stdout."""
    result = python("import lamin_core as ln\n" + code, home=Path(os.environ["LAMIN_HOME"]))
    assert result.returncode == 0, result.stderr
    return result.stdout


def delete_elsewhere(*records) -> None:
    """Delete `records` for good in another process, as its user would: artifacts and collections with
    `permanent=True` (an artifact's file with it), the others with `delete()`."""
    lines = []
    for record in records:
        name = type(record).__name__
        permanent = "permanent=True" if name in ("Artifact", "Collection") else ""
        lines.append(f"ln.{name}.get(uid={record.uid!r}).delete({permanent})")
    in_other_process("\n".join(lines) + "\nprint('deleted')")


def stored_names(root: str) -> set[str]:
    """Everything in the storage root's `.lamindb/` folder (staged and hidden files too), without the
    SQLite database's files; local or S3."""
    if root.startswith("s3://"):
        import s3fs

        from lamin_core.storage.filesystem import s3_options

        fs = s3fs.S3FileSystem(**s3_options())
        fs.invalidate_cache()
        base = root.removeprefix("s3://") + "/.lamindb"
        return {key[len(base) + 1 :] for key in fs.find(base)} if fs.exists(base) else set()
    return {p.name for p in (Path(root) / ".lamindb").iterdir() if not p.name.startswith("lamin.db")}


def unique_file(folder: Path, name: str) -> Path:
    path = folder / name
    path.write_text(f"unique content {uuid.uuid4()}\n")
    return path


def saved_and_loaded(ln, registry: str, tmp_path: Path, tag: str):
    """A new record of `registry`, saved, then loaded from the database as process A holds it."""
    if registry == "Artifact":
        record = ln.Artifact(unique_file(tmp_path, f"{tag}.txt"), key=f"concurrent/{tag}.txt").save()
    elif registry == "Collection":
        artifact = ln.Artifact(unique_file(tmp_path, f"{tag}.txt"), key=f"concurrent/{tag}.txt").save()
        record = ln.Collection([artifact], key=f"concurrent/{tag}").save()
    elif registry == "ULabel":
        record = ln.ULabel(name=f"concurrent {tag}").save()
    elif registry == "Feature":
        record = ln.Feature(name=f"concurrent_{tag}", dtype="str").save()
    elif registry == "Transform":
        record = ln.Transform(key=f"concurrent-{tag}.py", type="script").save()
    else:
        transform = ln.Transform(key=f"concurrent-{tag}-of-run.py", type="script").save()
        record = ln.Run(transform=transform).save()
    return getattr(ln, registry).get(uid=record.uid)


def changed_field(registry: str) -> str:
    return "reference" if registry == "Run" else "description"


@pytest.mark.parametrize("update_fields", [False, True], ids=["save", "update_fields"])
@pytest.mark.parametrize("registry", REGISTRIES)
def test_saving_a_record_deleted_by_another_process_is_refused(
    ln, instance, tmp_path, registry, update_fields
):
    tag = uuid.uuid4().hex[:10]
    record = saved_and_loaded(ln, registry, tmp_path, tag)
    model, pk, uid = type(record), record.pk, record.uid
    delete_elsewhere(record)
    before = stored_names(instance.storage)

    field = changed_field(registry)
    setattr(record, field, f"changed after the delete {tag}")
    kwargs = {"update_fields": [field]} if update_fields else {}
    with pytest.raises(ln.errors.RecordDeletedError) as error:
        record.save(**kwargs)

    message = str(error.value)
    assert message.startswith(f"{registry} '{uid}' was deleted since it was loaded (by another process?)")
    assert "nothing was saved" in message and "create a new" in message
    assert isinstance(error.value, ln.errors.DoesNotExist)  # `except ln.errors.DoesNotExist` catches it
    assert error.value.__cause__ is None and error.value.__suppress_context__  # no bare DatabaseError
    # not inserted again (Django's save would have, with the old id and uid), no file written
    assert not model.all_objects.filter(pk=pk).exists()
    assert not model.all_objects.filter(uid=uid).exists()
    assert stored_names(instance.storage) == before
    # the in-memory record keeps what A had, and saving it again says the same
    assert (record.pk, record.uid, getattr(record, field)) == (pk, uid, f"changed after the delete {tag}")
    with pytest.raises(ln.errors.RecordDeletedError):
        record.save()
    assert not model.all_objects.filter(uid=uid).exists()


def test_created_again_after_the_refusal(ln, instance, tmp_path):
    """What the message says to do works: a new record, with a new uid (an artifact with its data)."""
    tag = uuid.uuid4().hex[:10]
    label = saved_and_loaded(ln, "ULabel", tmp_path, tag)
    artifact = saved_and_loaded(ln, "Artifact", tmp_path, tag)
    data = artifact.path.read_bytes()
    delete_elsewhere(label, artifact)
    assert not artifact.path.exists()  # process B deleted its file too
    artifact.description = label.description = "kept"
    for record in (label, artifact):
        with pytest.raises(ln.errors.RecordDeletedError):
            record.save()

    new_label = ln.ULabel(name=label.name, description=label.description).save()
    assert new_label.pk != label.pk and new_label.uid != label.uid
    source = tmp_path / "again.txt"
    source.write_bytes(data)
    new_artifact = ln.Artifact(source, key=artifact.key, description=artifact.description).save()
    assert new_artifact.pk != artifact.pk and new_artifact.uid != artifact.uid
    assert new_artifact.path.read_bytes() == data and new_artifact.description == "kept"


def test_trashing_a_record_deleted_by_another_process_is_refused(ln, instance, tmp_path):
    """`delete()` (to the trash) writes `_branch_code` with `update_fields`: refused like any save."""
    tag = uuid.uuid4().hex[:10]
    artifact = saved_and_loaded(ln, "Artifact", tmp_path, tag)
    collection = saved_and_loaded(ln, "Collection", tmp_path, tag + "c")
    delete_elsewhere(artifact, collection)
    before = stored_names(instance.storage)
    for record in (artifact, collection):
        with pytest.raises(ln.errors.RecordDeletedError, match="was deleted since it was loaded"):
            record.delete()
        assert not type(record).all_objects.filter(uid=record.uid).exists()
    assert stored_names(instance.storage) == before


def test_artifact_returned_for_its_content_then_deleted_is_refused(ln, instance, tmp_path):
    """`Artifact(path)` of saved content is that artifact; deleted before `save()`, it is not saved back
    (with nothing changed, `save()` writes nothing: it still checks that the row exists)."""
    path = unique_file(tmp_path, "same.txt")
    first = ln.Artifact(path, key="concurrent/same.txt").save()
    again = ln.Artifact(path, key="concurrent/same.txt")
    assert again.pk == first.pk and not again._state.adding
    delete_elsewhere(first)
    before = stored_names(instance.storage)
    with pytest.raises(ln.errors.RecordDeletedError, match=f"Artifact '{first.uid}' was deleted"):
        again.save()
    assert stored_names(instance.storage) == before
    assert not ln.Artifact.all_objects.filter(uid=first.uid).exists()


def test_collection_returned_for_its_artifacts_then_deleted_is_refused(ln, tmp_path):
    tag = uuid.uuid4().hex[:10]
    artifact = saved_and_loaded(ln, "Artifact", tmp_path, tag)
    first = ln.Collection([artifact], key=f"concurrent/{tag}").save()
    again = ln.Collection([artifact], key=f"concurrent/{tag}")
    assert again.pk == first.pk and not again._state.adding
    delete_elsewhere(first)
    with pytest.raises(ln.errors.RecordDeletedError, match=f"Collection '{first.uid}' was deleted"):
        again.save()
    assert not ln.Collection.all_objects.filter(uid=first.uid).exists()


def test_new_collection_of_an_artifact_deleted_by_another_process(ln, tmp_path):
    """Not a bare `IntegrityError: FOREIGN KEY constraint failed`: the error names the artifacts."""
    tag = uuid.uuid4().hex[:10]
    kept = saved_and_loaded(ln, "Artifact", tmp_path, tag)
    gone = saved_and_loaded(ln, "Artifact", tmp_path, tag + "g")
    collection = ln.Collection([kept, gone], key=f"concurrent/{tag}")
    delete_elsewhere(gone)
    with pytest.raises(ln.errors.RecordDeletedError, match=rf"artifacts with ids \[{gone.pk}\] were deleted"):
        collection.save()
    assert collection._state.adding and collection.pk is None
    assert not ln.Collection.all_objects.filter(key=f"concurrent/{tag}").exists()
    assert ln.Collection([kept], key=f"concurrent/{tag}").save().artifacts.get() == kept


@pytest.mark.usefixtures("artifact_storage")  # local and S3
def test_ln_save_with_a_deleted_record_leaves_no_files_and_gives_back_unsaved_records(
    ln, artifact_storage, tmp_path
):
    """`ln.save([...])` is all or nothing: the artifacts it stored before reaching the deleted record are
    removed from storage again, and come back unsaved with their data (a DataFrame's temporary file too),
    so that saving them again works."""
    import pandas as pd

    tag = uuid.uuid4().hex[:10]
    label = saved_and_loaded(ln, "ULabel", tmp_path, tag)
    delete_elsewhere(label)
    label.description = "changed"
    from_file = ln.Artifact(unique_file(tmp_path, f"{tag}.txt"), key=f"concurrent/{tag}.txt")
    frame = pd.DataFrame({"tag": [tag]})
    from_frame = ln.Artifact.from_df(frame, key=f"concurrent/{tag}.parquet")
    temporary = from_frame._pending.local_path
    new_label = ln.ULabel(name=f"concurrent new {tag}")
    before = stored_names(artifact_storage)

    with pytest.raises(ln.errors.RecordDeletedError, match=f"ULabel '{label.uid}' was deleted"):
        ln.save([from_file, from_frame, new_label, label])

    assert stored_names(artifact_storage) == before  # without the fix: two files, no records
    assert not ln.Artifact.all_objects.filter(key__startswith=f"concurrent/{tag}").exists()
    assert not ln.ULabel.all_objects.filter(name__contains=tag).exists()
    for record in (from_file, from_frame, new_label):
        assert record._state.adding and record.pk is None
    assert temporary.exists()

    ln.save([from_file, from_frame, new_label])
    assert from_file.path.exists() and from_frame.load()["tag"].tolist() == [tag]
    assert not temporary.exists()  # removed once its artifact is saved
    assert sorted(stored_names(artifact_storage) - before) == sorted(
        [from_file.path.name, from_frame.path.name]
    )
    assert ln.ULabel.get(name=f"concurrent new {tag}").pk == new_label.pk


def test_other_process_sees_the_refused_save_changed_nothing(ln, tmp_path):
    """The database as another process sees it after the refusal: the record is gone, nothing else."""
    tag = uuid.uuid4().hex[:10]
    records = [saved_and_loaded(ln, registry, tmp_path, f"{tag}{i}") for i, registry in enumerate(REGISTRIES)]
    delete_elsewhere(*records)
    for record in records:
        setattr(record, changed_field(type(record).__name__), "changed")
        with pytest.raises(ln.errors.RecordDeletedError):
            record.save()
    code = (
        "import json\nprint(json.dumps(["
        + ", ".join(f"ln.{type(r).__name__}.all_objects.filter(uid={r.uid!r}).count()" for r in records)
        + "]))"
    )
    assert json.loads(in_other_process(code)) == [0] * len(records)
