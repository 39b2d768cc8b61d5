"""Collections: a hash over their artifacts, links in order, same-content dedupe, versions, trash."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

# each test runs on local storage and on S3 (moto's server; `artifact_storage` in tests/conftest.py)
pytestmark = pytest.mark.usefixtures("delete_new_artifacts", "artifact_storage")


@pytest.fixture
def kind(artifact_storage) -> str:
    """ "local" or "s3": keys differ per storage, so that versions of one run do not meet the other's."""
    return "s3" if artifact_storage.startswith("s3://") else "local"


def saved_file(ln, folder: Path, key: str | None = None):
    path = folder / f"{uuid.uuid4().hex}.txt"
    path.write_text(f"collection member {uuid.uuid4()}\n")
    return ln.Artifact(path, key=key).save()


def test_collection_of_dataframes(ln, kind):
    from lamin_core.hashing import hash_set

    df = ln.core.datasets.df_iris_in_meter()
    df["tag"] = str(uuid.uuid4())
    study1 = ln.Artifact.from_df(df.iloc[:75], key="collection/study1.parquet").save()
    study2 = ln.Artifact.from_df(df.iloc[75:], key="collection/study2.parquet").save()
    collection = ln.Collection([study1, study2], key=f"collection/iris-{kind}", description="both studies")
    assert collection.pk is None and collection.hash == hash_set([study1.hash, study2.hash])
    collection.save()
    assert len(collection.uid) == 20 and collection.uid.endswith("0000") and collection.is_latest
    assert set(collection.artifacts.all()) == {study1, study2}
    assert list(collection.ordered_artifacts) == [study1, study2]
    assert list(study1.collections.all()) == [collection]
    if str(study1.path).startswith("s3://"):  # local copies in the cache folder
        from lamin_core.setup.settings import lamin_home

        assert collection.cache() == [lamin_home() / "cache" / a.path.path for a in (study1, study2)]
    else:
        assert collection.cache() == [study1.path, study2.path]
    loaded = collection.load()
    assert loaded.shape == df.shape and list(loaded.index) == list(df.index)
    assert ln.Collection.get(key=f"collection/iris-{kind}") == collection


def test_same_artifacts_return_the_existing_collection(ln, tmp_path, capsys):
    a, b = saved_file(ln, tmp_path), saved_file(ln, tmp_path)
    first = ln.Collection([a, b], key="collection/dedupe").save()
    capsys.readouterr()
    second = ln.Collection([b, a], key="collection/dedupe").save()  # order does not change the hash
    assert second.pk == first.pk and second.uid == first.uid
    assert "! returning existing collection with same hash: Collection(uid=" in capsys.readouterr().err
    assert ln.Collection.all_objects.filter(hash=first.hash).count() == 1


def test_single_artifact_and_queryset(ln, tmp_path):
    a = saved_file(ln, tmp_path, key=f"collection/{uuid.uuid4().hex}.txt")
    single = ln.Collection(a, key="collection/single").save()
    assert list(single.artifacts.all()) == [a]
    from_queryset = ln.Collection(ln.Artifact.filter(key=a.key), key="collection/single-qs").save()
    assert from_queryset.pk == single.pk  # same content


def test_collection_versions(ln, tmp_path, capsys, kind):
    a, b, c = (saved_file(ln, tmp_path) for _ in range(3))
    v1 = ln.Collection([a, b], key=f"collection/versioned-{kind}").save()
    v2 = ln.Collection([a, b, c], revises=v1, version="2").save()
    assert v2.uid == v1.uid[:16] + "0001" and v2.key == f"collection/versioned-{kind}" and v2.version == "2"
    assert not ln.Collection.all_objects.get(pk=v1.pk).is_latest and v2.is_latest
    capsys.readouterr()
    v3 = ln.Collection([c], key=f"collection/versioned-{kind}").save()
    assert f"creating new collection version for key='collection/versioned-{kind}'" in capsys.readouterr().err
    assert v3.uid[16:] == "0002"
    assert [v.uid[16:] for v in v3.versions] == ["0000", "0001", "0002"]
    assert [v.is_latest for v in v3.versions] == [False, False, True]


def test_trash_restore_and_permanent_delete(ln, tmp_path):
    a, b = saved_file(ln, tmp_path), saved_file(ln, tmp_path)
    collection = ln.Collection([a, b], key="collection/trash").save()
    collection.delete()
    assert not ln.Collection.filter(key="collection/trash").exists()
    again = ln.Collection([a, b], key="collection/trash").save()  # restored from the trash
    assert again.pk == collection.pk and again._branch_code == 1
    # an artifact in a collection cannot be deleted for good; nothing changes
    from lamin_core.errors import LaminError

    with pytest.raises(LaminError, match=r"still referenced by Collection\(id="):
        a.delete(permanent=True)
    assert a.path.exists() and ln.Artifact.all_objects.filter(pk=a.pk).exists()
    pk = again.pk
    again.delete(permanent=True)
    assert not ln.Collection.all_objects.filter(pk=pk).exists()
    assert ln.Artifact.filter(pk__in=[a.pk, b.pk]).count() == 2
    a.delete(permanent=True)
    assert not a.path.exists()


@pytest.mark.parametrize(
    ("make_args", "error", "message"),
    [
        (lambda ln, arts: ([], {"key": "x"}), ValueError, "at least one artifact"),
        (lambda ln, arts: (arts, {}), TypeError, "needs a key"),
        (lambda ln, arts: (arts, {"key": 3}), TypeError, "key must be a str"),
        (lambda ln, arts: ([*arts, "file.txt"], {"key": "x"}), TypeError, "artifacts only, got str"),
        (lambda ln, arts: ([arts[0], arts[0]], {"key": "x"}), ValueError, "distinct content"),
        (lambda ln, arts: ("file.txt", {"key": "x"}), TypeError, "got str"),
        (lambda ln, arts: (arts, {"key": "x", "colour": 1}), TypeError, "unexpected argument"),
    ],
)
def test_bad_input(ln, tmp_path, make_args, error, message):
    arts = [saved_file(ln, tmp_path), saved_file(ln, tmp_path)]
    count = ln.Collection.all_objects.count()
    artifacts, kwargs = make_args(ln, arts)
    with pytest.raises(error, match=message):
        ln.Collection(artifacts, **kwargs)
    assert ln.Collection.all_objects.count() == count


def test_unsaved_artifacts_are_refused(ln, tmp_path):
    path = tmp_path / "unsaved.txt"
    path.write_text(str(uuid.uuid4()))
    with pytest.raises(ValueError, match="save the artifacts before"):
        ln.Collection([ln.Artifact(path)], key="x")


def test_collection_of_anndata(ln):
    anndata = pytest.importorskip("anndata")
    import numpy as np
    import pandas as pd

    parts = []
    for n in (3, 4):
        obs = pd.DataFrame(
            {"cell": [str(uuid.uuid4()) for _ in range(n)]}, index=[f"c{n}_{i}" for i in range(n)]
        )
        adata = anndata.AnnData(X=np.ones((n, 2), dtype="float32"), obs=obs)
        parts.append(ln.Artifact.from_anndata(adata, key=f"collection/adata{n}.h5ad").save())
    loaded = ln.Collection(parts, key="collection/adata").save().load()
    assert loaded.n_obs == 7 and set(loaded.obs["artifact_uid"]) == {a.uid for a in parts}
