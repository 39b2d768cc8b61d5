"""A version number is used once per family, for artifacts and collections as for transforms (LaminDB 1.5.3:
"Please increment the previous version"); a version must be None or a non-empty string."""

from __future__ import annotations

import uuid

import pytest

pytestmark = pytest.mark.usefixtures("delete_new_artifacts")


def new_file(folder, name="v.csv"):
    path = folder / name
    path.write_text(f"v\n{uuid.uuid4()}\n")
    return path


@pytest.mark.usefixtures("artifact_storage")  # local and S3
def test_artifact_versions_are_not_reused(ln, tmp_path):
    key = f"versions/{uuid.uuid4().hex[:8]}.csv"
    path = new_file(tmp_path)
    first = ln.Artifact(path, key=key, version="1").save()
    for content in (new_file(tmp_path), path):  # also for the same content, checked first as in 1.5.3
        with pytest.raises(ValueError, match=r"^Please increment the previous version: '1'$"):
            ln.Artifact(content, revises=first, version="1")
    second = ln.Artifact(new_file(tmp_path), revises=first, version="2").save()
    # an older member's version is refused too (1.5.3 compares only with the revised one)
    with pytest.raises(ValueError, match=rf"version '1' is already taken by Artifact\('{first.uid}'\)"):
        ln.Artifact(new_file(tmp_path), revises=second, version="1")
    # a new version found by key is checked as well, at save time under the family's lock
    with pytest.raises(ValueError, match=r"Please increment the previous version: '2'"):
        ln.Artifact(new_file(tmp_path), key=key, version="2").save()
    assert list(ln.Artifact.filter(key=key, is_latest=True).values_list("version", flat=True)) == ["2"]
    assert sorted(ln.Artifact.all_objects.filter(key=key).values_list("version", flat=True)) == ["1", "2"]
    for bad in (0, 1.0, ""):
        with pytest.raises(ValueError, match="`version` parameter must be `None` or `str`"):
            ln.Artifact(new_file(tmp_path), key=key, version=bad)


def test_collection_versions_are_not_reused(ln, tmp_path):
    a = ln.Artifact(new_file(tmp_path, "a.csv"), key=f"versions/{uuid.uuid4().hex[:8]}-a.csv").save()
    b = ln.Artifact(new_file(tmp_path, "b.csv"), key=f"versions/{uuid.uuid4().hex[:8]}-b.csv").save()
    key = f"versions-collection-{uuid.uuid4().hex[:8]}"
    first = ln.Collection([a], key=key, version="1").save()
    try:
        with pytest.raises(ValueError, match=r"^Please increment the previous version: '1'$"):
            ln.Collection([a, b], revises=first, version="1")
        second = ln.Collection([a, b], revises=first, version="2").save()
        assert (second.version, second.is_latest, second.stem_uid) == ("2", True, first.stem_uid)
        with pytest.raises(ValueError, match="`version` parameter must be `None` or `str`"):
            ln.Collection([a], key=key, version=0)
    finally:
        ln.Collection.all_objects.filter(key=key).delete(permanent=True)


def test_collections_record_run_inputs_and_same_content_is_the_saved_one(ln, tmp_path):
    a = ln.Artifact(new_file(tmp_path, "a.csv"), key=f"inputs/{uuid.uuid4().hex[:8]}-a.csv").save()
    b = ln.Artifact(new_file(tmp_path, "b.csv"), key=f"inputs/{uuid.uuid4().hex[:8]}-b.csv").save()
    transform = ln.Transform(key=f"collect-{uuid.uuid4().hex[:8]}.py", type="script").save()
    run = ln.Run(transform=transform).save()
    key = f"inputs-collection-{uuid.uuid4().hex[:8]}"
    collection = ln.Collection([a, b], key=key, run=run).save()
    try:
        assert set(run.input_artifacts.all()) == {a, b}  # as LaminDB 1.5.3's _track_run_input
        again = ln.Collection([a, b], key=key)  # the same artifacts: the saved collection, before save()
        assert not again._state.adding and again.id == collection.id and again.uid == collection.uid
        updated_at = ln.Collection.get(collection.id).updated_at
        assert again.save() is again and ln.Collection.get(collection.id).updated_at == updated_at
    finally:
        ln.Collection.all_objects.filter(key=key).delete(permanent=True)


def test_artifact_querysets_load_like_a_collection(ln, tmp_path):
    import pandas as pd

    prefix = f"qs-load/{uuid.uuid4().hex[:8]}"
    for i in range(2):
        ln.Artifact.from_df(pd.DataFrame({"a": [i, i + 1]}), key=f"{prefix}/{i}.parquet").save()
    frame = ln.Artifact.filter(key__startswith=prefix).order_by("key").load()
    assert frame["a"].tolist() == [0, 1, 1, 2]
    with pytest.raises(ValueError, match="there are no artifacts to load"):
        ln.Artifact.filter(key__startswith="qs-load/none").load()
    with pytest.raises(AttributeError, match="ULabel records hold no data"):
        ln.ULabel.filter(name="x").load()
