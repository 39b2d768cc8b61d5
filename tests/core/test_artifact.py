"""Artifacts from files, folders and DataFrames: what is computed, what is stored, and bad input."""

from __future__ import annotations

import base64
import hashlib
import uuid
from pathlib import Path

import pytest

pytestmark = pytest.mark.usefixtures("delete_new_artifacts")


@pytest.fixture
def cwd(tmp_path, monkeypatch):
    """The example datasets write into the working directory."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def md5_b64(path: Path) -> str:
    return base64.urlsafe_b64encode(hashlib.md5(path.read_bytes()).digest()).decode().rstrip("=")


def unique_file(folder: Path, name: str = "data.txt") -> Path:
    """A file whose content no other test saves."""
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"unique content {uuid.uuid4()}\n")
    return path


def managed_entries(instance) -> set[str]:
    """Names in the storage root's `.lamindb/` folder, without the SQLite database files."""
    return {
        p.name for p in (Path(instance.storage) / ".lamindb").iterdir() if not p.name.startswith("lamin.db")
    }


def test_guide_artifacts(ln, instance, cwd):
    jpg = ln.Artifact(ln.core.datasets.file_jpg_paradisi05(), key="images/my_image.jpg").save()
    fastq = ln.Artifact(ln.core.datasets.file_fastq(), key="raw/my_fastq.fastq.gz").save()
    iris = ln.Artifact.from_df(ln.core.datasets.df_iris(), key="iris.parquet").save()
    storage = ln.Storage.get(root=instance.storage)

    assert (jpg.key, jpg.suffix, jpg.kind, jpg.otype) == ("images/my_image.jpg", ".jpg", None, None)
    assert (fastq.key, fastq.suffix, fastq.size) == ("raw/my_fastq.fastq.gz", ".fastq.gz", 20)
    assert fastq.hash == "hi7ZmAzz8sfMd3vIQr-57Q"
    assert (iris.key, iris.suffix, iris.kind, iris.otype) == (
        "iris.parquet",
        ".parquet",
        "dataset",
        "DataFrame",
    )
    assert iris.n_observations == 150
    for artifact in (jpg, fastq, iris):
        stored = Path(instance.storage) / ".lamindb" / f"{artifact.uid}{artifact.suffix}"
        assert artifact.path == stored and stored.is_file()
        assert len(artifact.hash) == 22 and artifact.hash == md5_b64(stored)
        assert artifact.size == stored.stat().st_size
        assert (artifact._hash_type, artifact._key_is_virtual, artifact._overwrite_versions) == (
            "md5",
            True,
            False,
        )
        assert artifact.storage_id == storage.id
        assert len(artifact.uid) == 20 and artifact.is_latest
        assert artifact.n_files is None
    assert jpg.size == (cwd / "paradisi05_laminopathic_nuclei.jpg").stat().st_size
    df = ln.Artifact.df()
    assert {"images/my_image.jpg", "raw/my_fastq.fastq.gz", "iris.parquet"} <= set(df["key"])
    assert ln.Artifact.get(key="iris.parquet").n_observations == 150


@pytest.mark.parametrize(
    ("name", "suffix"),
    [
        ("input.fastq.gz", ".fastq.gz"),
        ("archive.tar.gz", ".tar.gz"),
        ("my.file.name.csv", ".csv"),
        ("table.csv.gz", ".csv.gz"),
        ("notes.random.gz", ".gz"),
        ("image.ome.tiff", ".ome.tiff"),
        ("photo.JPG", ".JPG"),
        ("reads.001", ""),
        ("Makefile", ""),
        (".hidden", ""),
    ],
)
def test_file_suffixes(name, suffix):
    from lamin_core.storage import extract_suffix

    assert extract_suffix(name) == suffix


@pytest.mark.parametrize(
    ("name", "suffix"),
    [("sample.zarr", ".zarr"), ("image.ome.zarr", ".ome.zarr"), ("run.2024-05-01", ""), ("plain", "")],
)
def test_folder_suffixes(name, suffix):
    from lamin_core.storage import extract_suffix

    assert extract_suffix(name, is_dir=True) == suffix


def test_nothing_is_written_before_save(ln, instance, cwd):
    path = unique_file(cwd, "pending.txt")
    before, count = managed_entries(instance), ln.Artifact.all_objects.count()
    artifact = ln.Artifact(path, key="pending/pending.txt", description="pending")
    assert artifact.pk is None and artifact._state.adding
    assert artifact.path == path
    assert (artifact.suffix, artifact.size, artifact.hash) == (".txt", path.stat().st_size, md5_b64(path))
    assert managed_entries(instance) == before and ln.Artifact.all_objects.count() == count
    artifact.save()
    assert artifact.pk is not None
    assert artifact.path.read_bytes() == path.read_bytes()
    assert ln.Artifact.get(artifact.uid).description == "pending"


def test_folder_artifact(ln, instance, cwd):
    from lamin_core.hashing import hash_dir

    folder = cwd / "my_folder"
    unique_file(folder, "a.txt")
    unique_file(folder, "sub/b.csv")
    unique_file(folder, "sub/deeper/c.bin")
    artifact = ln.Artifact(folder, key="folders/my_folder").save()
    assert (artifact.suffix, artifact.n_files, artifact._hash_type) == ("", 3, "md5-d")
    assert artifact._overwrite_versions is True and artifact._key_is_virtual is True
    assert artifact.hash == hash_dir(folder)[0]
    assert artifact.size == sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
    stored = Path(instance.storage) / ".lamindb" / artifact.uid
    assert artifact.path == stored
    assert sorted(p.relative_to(stored).as_posix() for p in stored.rglob("*") if p.is_file()) == [
        "a.txt",
        "sub/b.csv",
        "sub/deeper/c.bin",
    ]
    assert artifact.load() == stored
    assert artifact.cache() == stored


def test_empty_folder_is_refused(ln, cwd):
    (cwd / "empty").mkdir()
    with pytest.raises(ValueError, match="empty directory"):
        ln.Artifact(cwd / "empty")


def test_same_content_returns_existing_artifact(ln, instance, cwd, capsys):
    path = unique_file(cwd, "dup.txt")
    first = ln.Artifact(path, key="dedupe/dup.txt").save()
    capsys.readouterr()
    before = managed_entries(instance)
    second = ln.Artifact(path, key="dedupe/dup.txt").save()
    err = capsys.readouterr().err
    assert second.pk == first.pk and second.uid == first.uid and not second._state.adding
    assert f"→ returning existing artifact with same hash: Artifact(uid='{first.uid}'" in err
    assert managed_entries(instance) == before
    # a different key does not change the existing record, and says so (LaminDB 1.5.3's line)
    third = ln.Artifact(path, key="dedupe/other.txt").save()
    assert third.pk == first.pk and ln.Artifact.get(first.pk).key == "dedupe/dup.txt"
    assert "key dedupe/dup.txt on existing artifact differs from passed key dedupe/other.txt" in (
        capsys.readouterr().err
    )


@pytest.mark.usefixtures("artifact_storage")  # local and S3
def test_same_content_saved_in_between_is_returned(ln, cwd, capsys):
    path = unique_file(cwd, "twice.txt")
    first, second = ln.Artifact(path, key="dedupe/twice.txt"), ln.Artifact(path, key="dedupe/twice.txt")
    first.save()
    capsys.readouterr()
    assert second.save().pk == first.pk
    assert "returning existing artifact with same hash" in capsys.readouterr().err
    # found when created (it is that artifact), permanently deleted before saving: refused, not
    # inserted again pointing to a deleted file; created again, it is saved anew
    third = ln.Artifact(path, key="dedupe/twice.txt")
    assert third.pk == first.pk and not third._state.adding
    first.delete(permanent=True)
    with pytest.raises(ln.errors.DoesNotExist, match="was deleted since it was loaded"):
        third.save()
    assert not ln.Artifact.all_objects.filter(pk=first.pk).exists()
    fourth = ln.Artifact(path, key="dedupe/twice.txt").save()
    assert fourth.pk != second.pk and fourth.path.read_bytes() == path.read_bytes()


@pytest.mark.usefixtures("artifact_storage")  # local and S3
def test_loading_marks_the_artifact_as_input_of_the_current_run(ln, cwd, monkeypatch):
    from lamin_core.tracking.context import context

    artifact = ln.Artifact(unique_file(cwd), key="runs/input.txt").save()
    transform = ln.Transform(key="consumer.py", type="script").save()
    run = ln.Run(transform=transform).save()
    monkeypatch.setattr(context, "run", run)
    artifact.load()
    assert list(artifact.input_of_runs.all()) == [run]
    output = ln.Artifact(unique_file(cwd), key="runs/output.txt").save()
    assert output.run_id == run.pk
    output.cache()
    assert not output.input_of_runs.exists()


def test_inputs_make_the_producing_transform_a_predecessor(ln, cwd, monkeypatch):
    from lamin_core.tracking.context import context

    producer = ln.Transform(key="producer.py", type="script").save()
    produced = ln.Run(transform=producer).save()
    monkeypatch.setattr(context, "run", produced)
    artifact = ln.Artifact(unique_file(cwd), key="runs/produced.txt").save()
    collection = ln.Collection([artifact], key="runs/produced-collection").save()
    assert (artifact.run_id, collection.run_id) == (produced.id, produced.id)

    consumer = ln.Transform(key="consumer-of-produced.py", type="script").save()
    consuming = ln.Run(transform=consumer).save()
    monkeypatch.setattr(context, "run", consuming)
    collection.cache()
    assert list(collection.input_of_runs.all()) == [consuming]
    assert list(consuming.input_collections.all()) == [collection]
    assert list(consuming.input_artifacts.all()) == [artifact]
    assert list(consumer.predecessors.all()) == [producer]
    assert list(producer.successors.all()) == [consumer]
    collection.delete(permanent=True)


@pytest.mark.usefixtures("artifact_storage")  # local and S3
def test_same_content_in_trash_is_restored(ln, cwd, capsys):
    path = unique_file(cwd, "trashed.txt")
    artifact = ln.Artifact(path, key="trash/trashed.txt").save()
    artifact.delete()
    assert not ln.Artifact.filter(id=artifact.pk).exists()
    capsys.readouterr()
    again = ln.Artifact(path, key="trash/trashed.txt")  # restored when created, as LaminDB 1.5.3
    assert again.pk == artifact.pk and again._branch_code == 1
    assert ln.Artifact.get(artifact.uid)._branch_code == 1
    assert "→ restored artifact with same hash from trash: Artifact(uid=" in capsys.readouterr().err
    again.save()
    assert ln.Artifact.get(artifact.uid)._branch_code == 1


def test_delete_moves_to_trash_and_restore_brings_back(ln, cwd, capsys):
    artifact = ln.Artifact(unique_file(cwd), key="trash/soft.txt").save()
    stored = artifact.path
    artifact.delete()
    assert "moved artifact to trash" in capsys.readouterr().err
    assert artifact._branch_code == -1
    assert ln.Artifact.all_objects.get(pk=artifact.pk)._branch_code == -1
    assert not ln.Artifact.filter(key="trash/soft.txt").exists()
    assert stored.exists()
    artifact.restore()
    assert ln.Artifact.get(key="trash/soft.txt") == artifact and artifact._branch_code == 1


def test_permanent_delete_removes_record_and_file(ln, instance, cwd):
    artifact = ln.Artifact(unique_file(cwd), key="delete/hard.txt").save()
    stored, pk = artifact.path, artifact.pk
    artifact.delete(permanent=True)
    assert not stored.exists()
    assert not ln.Artifact.all_objects.filter(pk=pk).exists()
    # also for one in the trash, and for a folder
    folder = cwd / "folder_to_delete"
    unique_file(folder, "x.txt")
    trashed = ln.Artifact(folder, key="delete/folder").save()
    stored, pk = trashed.path, trashed.pk
    trashed.delete()
    assert stored.is_dir()
    trashed.delete(permanent=True)
    assert not stored.exists() and not ln.Artifact.all_objects.filter(pk=pk).exists()
    assert not [name for name in managed_entries(instance) if name.endswith((".tmp", ".deleting"))]


@pytest.mark.usefixtures("artifact_storage")  # local and S3
def test_permanent_delete_can_keep_the_file(ln, cwd):
    artifact = ln.Artifact(unique_file(cwd), key="delete/keep.txt").save()
    stored = artifact.path
    artifact.delete(permanent=True, storage=False)
    assert stored.exists()
    stored.unlink()


@pytest.mark.usefixtures("artifact_storage")  # local and S3
def test_load_and_cache(ln, cwd):
    import pandas as pd

    iris = ln.core.datasets.df_iris()
    first20 = iris.iloc[:20].assign(tag=str(uuid.uuid4()))  # unique: the test runs on two storages
    artifact = ln.Artifact.from_dataframe(
        first20, key="load/first20.parquet", description="first rows"
    ).save()
    on_s3 = str(artifact.path).startswith("s3://")
    if on_s3:  # a local copy in the cache folder
        from lamin_core.setup.settings import lamin_home

        assert artifact.cache() == lamin_home() / "cache" / artifact.path.path
    else:
        assert artifact.cache() == artifact.path
    pd.testing.assert_frame_equal(artifact.load(), first20)
    csv = cwd / "small.csv"
    csv.write_text(f"a,b\n1,{uuid.uuid4()}\n")
    loaded = ln.Artifact(csv, key="load/small.csv").save().load()
    assert list(loaded.columns) == ["a", "b"] and len(loaded) == 1
    tsv = cwd / "small.tsv"
    tsv.write_text(f"a\tb\n1\t{uuid.uuid4()}\n")
    assert list(ln.Artifact(tsv, key="load/small.tsv").save().load().columns) == ["a", "b"]
    other = ln.Artifact(unique_file(cwd, "notes.md"), key="load/notes.md").save()
    assert other.load() == other.cache() and other.load() == (other.cache() if on_s3 else other.path)


def test_from_df_rejects_other_objects(ln):
    with pytest.raises(TypeError, match="pandas DataFrame"):
        ln.Artifact.from_df([1, 2, 3], key="x.parquet")


def test_from_df_key_suffix_must_match(ln):
    df = ln.core.datasets.df_iris()
    with pytest.raises(ValueError, match=r"suffix '\.csv' of the provided key is inconsistent, it should"):
        ln.Artifact.from_df(df, key="iris.csv")


def test_from_df_with_schema(ln, cwd):
    validation = pytest.importorskip("lamin_core.features.validation")
    if not hasattr(validation, "validate_dataframe"):
        pytest.skip("features.validation.validate_dataframe not available")
    from lamin_core.errors import ValidationError

    tag = uuid.uuid4().hex[:8]
    length, note = f"sepal_length_{tag}", f"note_{tag}"
    df = ln.core.datasets.df_iris_in_meter()[["sepal_length"]].rename(columns={"sepal_length": length})
    df[note] = [str(uuid.uuid4()) for _ in range(len(df))]
    features = [ln.Feature(name=length, dtype="float").save(), ln.Feature(name=note, dtype="str").save()]
    schema = ln.Schema(features=features).save()
    artifact = ln.Artifact.from_df(df, key="schema/iris.parquet", schema=schema)
    assert artifact.schema == schema
    artifact.save()
    assert ln.Artifact.get(artifact.uid).schema_id == schema.id
    count = ln.Artifact.all_objects.count()
    bad = df.assign(**{length: "not a number"})
    with pytest.raises(ValidationError):
        ln.Artifact.from_df(bad, key="schema/bad.parquet", schema=schema)
    assert ln.Artifact.all_objects.count() == count
    artifact.delete(permanent=True)
    ln.Schema.all_objects.filter(pk=schema.pk).delete()
    ln.Feature.all_objects.filter(pk__in=[f.pk for f in features]).delete()


@pytest.mark.usefixtures("artifact_storage")  # local and S3
def test_from_anndata(ln, cwd):
    anndata = pytest.importorskip("anndata")
    import numpy as np
    import pandas as pd

    obs = pd.DataFrame({"cell": [str(uuid.uuid4()) for _ in range(7)]}, index=[f"c{i}" for i in range(7)])
    adata = anndata.AnnData(X=np.arange(21, dtype="float32").reshape(7, 3), obs=obs)
    artifact = ln.Artifact.from_anndata(adata, key="adata/small.h5ad").save()
    assert (artifact.suffix, artifact.otype, artifact.kind, artifact.n_observations) == (
        ".h5ad",
        "AnnData",
        "dataset",
        7,
    )
    loaded = artifact.load()
    assert loaded.shape == (7, 3) and list(loaded.obs["cell"]) == list(obs["cell"])
    # from a path to an .h5ad file
    path = cwd / "small.h5ad"
    adata[:5].copy().write_h5ad(path)
    from_path = ln.Artifact.from_anndata(path, key="adata/five.h5ad")
    assert (from_path.otype, from_path.kind, from_path.n_observations) == ("AnnData", "dataset", 5)
    from_path.save()
    assert from_path.load().n_obs == 5


def test_in_storage_files_are_registered_in_place(ln, instance):
    path = unique_file(Path(instance.storage) / "in_place", "file.txt")
    before = managed_entries(instance)
    artifact = ln.Artifact(path).save()
    assert (artifact.key, artifact._key_is_virtual) == ("in_place/file.txt", False)
    assert artifact.path == path and managed_entries(instance) == before
    with pytest.raises(ValueError, match="is already in registered storage"):
        ln.Artifact(unique_file(path.parent, "other.txt"), key="elsewhere/other.txt")
    artifact.delete(permanent=True)
    assert path.exists()  # files registered in place are kept unless storage=True


# bad input: one clear error, nothing written


def assert_nothing_written(ln, instance, before_entries, before_count):
    assert managed_entries(instance) == before_entries
    assert ln.Artifact.all_objects.count() == before_count


def test_missing_path(ln, instance, cwd):
    before = managed_entries(instance), ln.Artifact.all_objects.count()
    with pytest.raises(FileNotFoundError, match=r"no such file or folder: does/not/exist\.csv"):
        ln.Artifact("does/not/exist.csv", key="x.csv")
    assert_nothing_written(ln, instance, *before)


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("../outside.txt", "'..' segment"),
        ("data/../../outside.txt", "'..' segment"),
        ("/etc/passwd.txt", "is absolute"),
        ("C:\\data\\file.txt", "is absolute"),
        ("a//b.txt", "empty or '.' segment"),
        ("./b.txt", "empty or '.' segment"),
        (".lamindb/x.txt", "reserved folder"),
        ("", "must not be empty"),
    ],
)
def test_bad_keys(ln, instance, cwd, key, message):
    path = unique_file(cwd)
    before = managed_entries(instance), ln.Artifact.all_objects.count()
    with pytest.raises(ValueError, match=message):
        ln.Artifact(path, key=key)
    assert_nothing_written(ln, instance, *before)


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"key": 3}, TypeError, "key must be a str, got int"),
        ({"key": Path("a.txt")}, TypeError, "key must be a str, got PosixPath"),
        ({"description": ["x"]}, TypeError, "description must be a str, got list"),
        ({"kind": "table"}, ValueError, "kind must be one of"),
        ({"revises": "abc"}, TypeError, "revises must be a Artifact"),
        ({"colour": "red"}, TypeError, "unexpected argument"),
        ({"key": "a.csv"}, ValueError, r"suffix '\.csv' of the provided key is inconsistent, it should"),
    ],
)
def test_bad_arguments(ln, instance, cwd, kwargs, error, message):
    path = unique_file(cwd)
    before = managed_entries(instance), ln.Artifact.all_objects.count()
    with pytest.raises(error, match=message):
        ln.Artifact(path, **kwargs)
    assert_nothing_written(ln, instance, *before)


def test_bad_data_type(ln):
    with pytest.raises(TypeError, match="cannot make an artifact from a int"):
        ln.Artifact(42)


def half_then_fail(src, dst):
    data = Path(src).read_bytes()
    Path(dst).write_bytes(data[: max(1, len(data) // 2)])
    raise OSError("disk full (injected)")


def test_copy_failing_halfway_leaves_nothing(ln, instance, cwd, monkeypatch):
    import lamin_core.storage.files as files

    path = unique_file(cwd, "big.txt")
    path.write_text("x" * 100_000 + str(uuid.uuid4()))
    artifact = ln.Artifact(path, key="fail/big.txt")
    before = managed_entries(instance), ln.Artifact.all_objects.count()
    monkeypatch.setattr(files, "copy_file", half_then_fail)
    with pytest.raises(OSError, match="injected"):
        artifact.save()
    assert_nothing_written(ln, instance, *before)
    assert not ln.Artifact.all_objects.filter(hash=artifact.hash).exists()
    assert artifact.pk is None
    # the same artifact saves once the fault is gone
    monkeypatch.undo()
    artifact.save()
    assert artifact.path.read_bytes() == path.read_bytes()


def test_folder_copy_failing_halfway_leaves_nothing(ln, instance, cwd, monkeypatch):
    import lamin_core.storage.files as files

    folder = cwd / "failing_folder"
    for i in range(4):
        unique_file(folder, f"f{i}.txt")
    calls = []

    def fail_on_third(src, dst):
        calls.append(src)
        if len(calls) == 3:
            half_then_fail(src, dst)
        files.shutil.copyfile(src, dst)

    before = managed_entries(instance), ln.Artifact.all_objects.count()
    monkeypatch.setattr(files, "copy_file", fail_on_third)
    with pytest.raises(OSError, match="injected"):
        ln.Artifact(folder, key="fail/folder").save()
    assert len(calls) == 3
    assert_nothing_written(ln, instance, *before)


def test_failure_after_insert_rolls_back(ln, instance, cwd, monkeypatch):
    import lamin_core.artifacts.save as save_module

    def fail(tmp, dst):
        raise OSError("rename failed (injected)")

    artifact = ln.Artifact(unique_file(cwd), key="fail/rename.txt")
    before = managed_entries(instance), ln.Artifact.all_objects.count()
    monkeypatch.setattr(save_module, "publish", fail)
    with pytest.raises(OSError, match="injected"):
        artifact.save()
    assert_nothing_written(ln, instance, *before)
    assert artifact.pk is None and artifact._state.adding


def test_loaded_rows_and_field_constructor_still_work(ln, cwd):
    saved = ln.Artifact(unique_file(cwd), key="rows/x.txt").save()
    loaded = ln.Artifact.get(saved.pk)
    assert loaded == saved and loaded.path == saved.path and not loaded._state.adding
    assert [a.pk for a in ln.Artifact.filter(key="rows/x.txt")] == [saved.pk]
    bare = ln.Artifact(key="rows/bare.csv", suffix=".csv", storage_id=saved.storage_id)
    assert bare.pk is None and bare.hash is None


def test_view_lineage_is_a_text_tree_and_ends_on_cycles(ln, cwd, monkeypatch):
    from lamin_core.tracking.context import context

    producer = ln.Transform(key="lineage-producer.py", type="script").save()
    first = ln.Run(transform=producer).save()
    monkeypatch.setattr(context, "run", first)
    raw = ln.Artifact(unique_file(cwd), key="lineage/raw.txt").save()
    consumer = ln.Transform(key="lineage-consumer.py", type="script").save()
    second = ln.Run(transform=consumer).save()
    monkeypatch.setattr(context, "run", second)
    raw.load()
    result = ln.Artifact(unique_file(cwd), key="lineage/result.txt").save()
    second.input_artifacts.add(result)  # circular: the run also used its own output (LaminDB's test case)
    text = result.view_lineage(return_str=True)
    assert text.splitlines() == [
        f"Artifact 'lineage/result.txt' ({result.uid})",
        f"└── made by Run {second.uid} of Transform 'lineage-consumer.py' ({consumer.uid})",
        f"    ├── input Artifact 'lineage/raw.txt' ({raw.uid})",
        f"    │   └── made by Run {first.uid} of Transform 'lineage-producer.py' ({producer.uid})",
        f"    └── input Artifact 'lineage/result.txt' ({result.uid})  (shown above)",
    ]
    assert consumer.view_lineage(return_str=True).splitlines() == [
        f"Transform 'lineage-consumer.py' ({consumer.uid})",
        f"└── after Transform 'lineage-producer.py' ({producer.uid})",
    ]
