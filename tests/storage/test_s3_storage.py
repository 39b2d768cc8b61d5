"""Artifacts on S3-compatible object storage (moto's server on 127.0.0.1, started by `s3_endpoint`).

The session's instance switches its default storage to `s3://<bucket>/data` (`ln.settings.storage`) for
each test here: uploads, hashes (also of multipart objects registered in place), the local cache,
versions, trash, permanent deletion, faults injected halfway through an upload, and unreachable storage.
"""

from __future__ import annotations

import base64
import hashlib
import os
import time
import uuid
from pathlib import Path

import pytest

pytestmark = pytest.mark.usefixtures("delete_new_artifacts", "on_s3")
MiB = 1024 * 1024


@pytest.fixture
def on_s3(ln, instance, s3_root):
    ln.settings.storage = s3_root
    try:
        yield
    finally:
        ln.settings.storage = instance.storage


@pytest.fixture
def fs(s3_root):
    from lamin_core.storage import storage_filesystem

    return storage_filesystem(s3_root)


def b64(digest: bytes) -> str:
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def md5_b64(data: bytes) -> str:
    return b64(hashlib.md5(data).digest())


def unique_file(folder: Path, name: str = "data.txt", size: int = 0) -> Path:
    """A file whose content no other test saves."""
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"unique content {uuid.uuid4()}\n" + "x" * size)
    return path


def managed_keys(fs, s3_root: str) -> set[str]:
    """Every object under `<root>/.lamindb/` (temporary keys included)."""
    base = s3_root.split("://", 1)[1] + "/.lamindb"
    return set(fs.find(base)) if fs.exists(base) else set()


def object_path(s3_root: str, artifact) -> str:
    return f"{s3_root}/.lamindb/{artifact.uid}{artifact.suffix}"


def closed_port_url() -> str:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"  # nothing listens once the socket is closed


def test_settings_storage_switches_the_default_root(ln, instance, s3_root):
    assert ln.settings.storage.root == s3_root and ln.settings.storage.type == "s3"
    record = ln.Storage.get(root=s3_root)
    assert (record.type, record.instance_uid) == ("s3", instance.uid)
    assert ln.settings.storage.id == record.id


def test_save_file_uploads_it_with_the_local_hash(ln, tmp_path, fs, s3_root):
    path = unique_file(tmp_path)
    before = managed_keys(fs, s3_root)
    artifact = ln.Artifact(path, key="s3/data.txt", description="on s3")
    assert managed_keys(fs, s3_root) == before  # nothing is written before save
    artifact.save()
    stored = object_path(s3_root, artifact)
    assert str(artifact.path) == stored and artifact.path.exists()
    assert artifact.path.read_bytes() == path.read_bytes()
    assert (artifact.hash, artifact._hash_type) == (md5_b64(path.read_bytes()), "md5")
    assert artifact.size == path.stat().st_size
    assert artifact.storage_id == ln.Storage.get(root=s3_root).id and artifact._key_is_virtual
    # the local md5 equals the one S3 computed (the ETag of a single-part upload)
    from lamin_core.hashing import hash_from_etag

    assert hash_from_etag(fs.info(stored.split("://", 1)[1])["ETag"]) == (artifact.hash, "md5")
    assert managed_keys(fs, s3_root) == before | {stored.split("://", 1)[1]}  # no temporary key left
    assert ln.Artifact.get(key="s3/data.txt").path == artifact.path


def test_dataframe_and_anndata(ln, tmp_path, fs, s3_root):
    import pandas as pd

    df = pd.DataFrame({"a": range(10), "tag": str(uuid.uuid4())})
    artifact = ln.Artifact.from_df(df, key="s3/df.parquet").save()
    assert (artifact.suffix, artifact.otype, artifact.n_observations) == (".parquet", "DataFrame", 10)
    assert str(artifact.path).startswith("s3://")
    pd.testing.assert_frame_equal(artifact.load(), df)
    anndata = pytest.importorskip("anndata")
    import numpy as np

    obs = pd.DataFrame({"cell": [str(uuid.uuid4()) for _ in range(4)]}, index=[f"c{i}" for i in range(4)])
    adata = anndata.AnnData(X=np.ones((4, 2), dtype="float32"), obs=obs)
    saved = ln.Artifact.from_anndata(adata, key="s3/small.h5ad").save()
    loaded = saved.load()
    assert loaded.shape == (4, 2) and list(loaded.obs["cell"]) == list(obs["cell"])
    # an .h5ad object already in the bucket, registered in place
    local = tmp_path / "three.h5ad"
    adata[:3].copy().write_h5ad(local)
    url = f"{s3_root}/raw/{uuid.uuid4().hex}.h5ad"
    fs.put_file(str(local), url.split("://", 1)[1])
    registered = ln.Artifact.from_anndata(url, key=url[len(s3_root) + 1 :]).save()
    assert (registered.otype, registered.n_observations, registered._key_is_virtual) == ("AnnData", 3, False)
    assert registered.load().n_obs == 3


def test_folder_artifact(ln, tmp_path, fs, s3_root):
    from lamin_core.hashing import hash_dir

    folder = tmp_path / "folder"
    for name in ("a.txt", "sub/b.csv", "sub/deeper/c.bin"):
        unique_file(folder, name)
    artifact = ln.Artifact(folder, key="s3/folder").save()
    assert (artifact.n_files, artifact._hash_type, artifact.hash) == (3, "md5-d", hash_dir(folder)[0])
    base = object_path(s3_root, artifact).split("://", 1)[1]
    assert sorted(key[len(base) + 1 :] for key in fs.find(base)) == ["a.txt", "sub/b.csv", "sub/deeper/c.bin"]
    assert artifact.path.is_dir()
    cached = artifact.cache()
    assert isinstance(cached, Path) and cached.is_dir()
    assert (cached / "sub" / "b.csv").read_bytes() == (folder / "sub" / "b.csv").read_bytes()
    assert artifact.load() == cached
    assert not [key for key in managed_keys(fs, s3_root) if key.endswith(".tmp") or ".tmp/" in key]


def test_same_content_returns_the_existing_artifact(ln, tmp_path, fs, s3_root, capsys):
    path = unique_file(tmp_path)
    first = ln.Artifact(path, key="s3/dup.txt").save()
    before = managed_keys(fs, s3_root)
    capsys.readouterr()
    second = ln.Artifact(path, key="s3/dup.txt").save()
    assert second.pk == first.pk
    assert "returning existing artifact with same hash" in capsys.readouterr().err
    assert managed_keys(fs, s3_root) == before


def test_register_an_existing_object_in_place(ln, fs, s3_root):
    data = f"a,b\n1,{uuid.uuid4()}\n".encode()
    url = f"{s3_root}/raw/{uuid.uuid4().hex}.csv"
    fs.pipe_file(url.split("://", 1)[1], data)
    before = managed_keys(fs, s3_root)
    artifact = ln.Artifact(url, description="registered").save()
    assert (artifact.key, artifact._key_is_virtual, artifact.suffix) == (
        url[len(s3_root) + 1 :],
        False,
        ".csv",
    )
    assert (artifact.size, artifact.hash, artifact._hash_type) == (len(data), md5_b64(data), "md5")
    assert artifact.storage_id == ln.Storage.get(root=s3_root).id
    assert str(artifact.path) == url and managed_keys(fs, s3_root) == before  # nothing copied
    assert list(artifact.load()["a"]) == [1]
    # the same content saved from a local file is the same artifact
    again = ln.Artifact(url).save()
    assert again.pk == artifact.pk
    artifact.delete(permanent=True)
    assert fs.exists(url.split("://", 1)[1])  # registered in place: kept unless storage=True


def test_register_a_multipart_object(ln, fs, s3_root, s3_bucket):
    """A >5 MB object uploaded in three parts: ETag "<md5 of the parts' md5s>-3" -> hash type md5-3."""
    part = 5 * MiB
    data = os.urandom(2 * part + MiB)
    key = f"{s3_bucket}/big/{uuid.uuid4().hex}.bin"
    with fs.open(key, "wb", block_size=part) as f:
        for start in range(0, len(data), MiB):
            f.write(data[start : start + MiB])
    parts = [data[start : start + part] for start in range(0, len(data), part)]
    expected = hashlib.md5(b"".join(hashlib.md5(p).digest() for p in parts)).digest()
    assert len(parts) == 3
    assert fs.info(key)["ETag"].strip('"') == f"{expected.hex()}-3"  # S3's multipart scheme, computed here
    storages = ln.Storage.all_objects.count()
    artifact = ln.Artifact(f"s3://{key}")
    # outside every storage root: the bucket becomes a Storage record when the artifact is saved
    assert ln.Storage.all_objects.count() == storages and artifact.storage_id is None
    artifact.save()
    assert (artifact.hash, artifact._hash_type, artifact.size) == (b64(expected), "md5-3", len(data))
    assert len(artifact.hash) == 22
    storage = ln.Storage.get(root=f"s3://{s3_bucket}")
    assert (artifact.storage_id, storage.type, storage.instance_uid) == (storage.id, "s3", None)
    assert artifact.key == key.split("/", 1)[1] and str(artifact.path) == f"s3://{key}"
    assert artifact.cache().read_bytes() == data
    artifact.delete(permanent=True)
    storage.delete()


def test_register_a_prefix_as_folder(ln, fs, s3_root):
    from lamin_core.hashing import hash_from_hashes

    prefix = f"{s3_root}/prefix-{uuid.uuid4().hex}"
    contents = {"a.txt": str(uuid.uuid4()).encode(), "sub/b.txt": str(uuid.uuid4()).encode()}
    for name, data in contents.items():
        fs.pipe_file(f"{prefix.split('://', 1)[1]}/{name}", data)
    artifact = ln.Artifact(prefix).save()
    # as LaminDB's get_stat_dir_cloud: md5-d over the objects' hex ETags
    expected = hash_from_hashes(hashlib.md5(data).hexdigest() for data in contents.values())
    assert (artifact.n_files, artifact._hash_type, artifact.hash) == (2, "md5-d", expected)
    assert artifact.size == sum(len(d) for d in contents.values()) and artifact._overwrite_versions


def test_cache_is_reused_and_refreshed_when_the_object_changes(ln, tmp_path, fs, monkeypatch):
    import lamin_core.storage.files as files
    from lamin_core.setup.settings import lamin_home

    csv = tmp_path / "table.csv"
    csv.write_text(f"a,b\n1,{uuid.uuid4()}\n")
    artifact = ln.Artifact(csv, key="s3/table.csv").save()
    downloads = []
    download = files.download_file
    monkeypatch.setattr(
        files, "download_file", lambda src, dst: (downloads.append(src.path), download(src, dst))
    )
    cached = artifact.cache()
    assert cached == lamin_home() / "cache" / artifact.path.path and cached.read_bytes() == csv.read_bytes()
    assert len(downloads) == 1
    assert artifact.cache() == cached and len(artifact.load()) == 1
    assert len(downloads) == 1  # unchanged object: the cached copy is used
    # changed in the bucket (another size): downloaded again
    fs.pipe_file(artifact.path.path, b"a,b\n1,2\n3,4\n")
    assert len(artifact.load()) == 2 and len(downloads) == 2
    # same size, new content, a later modification time: downloaded again
    time.sleep(1.1)
    fs.pipe_file(artifact.path.path, b"a,b\n5,6\n7,8\n")
    assert list(artifact.load()["a"]) == [5, 7] and len(downloads) == 3
    assert not [p for p in cached.parent.iterdir() if p.name.endswith(".download")]


def test_versions(ln, tmp_path, fs, s3_root):
    v1 = ln.Artifact(unique_file(tmp_path, "v1.txt"), key="s3/versioned.txt").save()
    v2 = ln.Artifact(unique_file(tmp_path, "v2.txt"), revises=v1).save()
    assert v2.uid == v1.uid[:16] + "0001" and v2.is_latest
    assert not ln.Artifact.all_objects.get(pk=v1.pk).is_latest
    assert v1.path.exists() and v2.path.exists() and str(v1.path) != str(v2.path)
    assert list(v2.versions) == [v1, v2]
    v3 = ln.Artifact(unique_file(tmp_path, "v3.txt"), key="s3/versioned.txt").save()
    assert v3.uid[16:] == "0002"


def test_trash_restore_and_permanent_delete(ln, tmp_path, fs, s3_root):
    artifact = ln.Artifact(unique_file(tmp_path), key="s3/trash.txt").save()
    stored = artifact.path.path
    artifact.delete()
    assert artifact._branch_code == -1 and fs.exists(stored)
    assert not ln.Artifact.filter(key="s3/trash.txt").exists()
    artifact.restore()
    assert ln.Artifact.get(key="s3/trash.txt") == artifact
    pk = artifact.pk
    artifact.delete(permanent=True)
    assert not fs.exists(stored) and not ln.Artifact.all_objects.filter(pk=pk).exists()
    folder = tmp_path / "folder"
    unique_file(folder, "x.txt")
    unique_file(folder, "y/z.txt")
    trashed = ln.Artifact(folder, key="s3/trash-folder").save()
    base = trashed.path.path
    assert len(fs.find(base)) == 2
    trashed.delete()
    trashed.delete(permanent=True)
    assert fs.find(base) == []


def test_permanent_delete_can_keep_the_object(ln, tmp_path, fs):
    artifact = ln.Artifact(unique_file(tmp_path), key="s3/keep.txt").save()
    stored = artifact.path.path
    artifact.delete(permanent=True, storage=False)
    assert fs.exists(stored)
    fs.rm(stored)


def half_then_fail(src, dst):
    data = Path(src).read_bytes()
    dst.fs.pipe_file(dst.path, data[: max(1, len(data) // 2)])
    raise OSError("connection reset (injected)")


def test_upload_failing_halfway_leaves_nothing(ln, tmp_path, fs, s3_root, monkeypatch):
    import lamin_core.storage.files as files

    path = unique_file(tmp_path, "big.txt", size=100_000)
    artifact = ln.Artifact(path, key="s3/fail.txt")
    before, count = managed_keys(fs, s3_root), ln.Artifact.all_objects.count()
    monkeypatch.setattr(files, "upload_file", half_then_fail)
    with pytest.raises(OSError, match="injected"):
        artifact.save()
    assert managed_keys(fs, s3_root) == before and ln.Artifact.all_objects.count() == count
    assert artifact.pk is None
    monkeypatch.undo()
    artifact.save()
    assert artifact.path.read_bytes() == path.read_bytes()


def test_folder_upload_failing_on_the_third_file_leaves_nothing(ln, tmp_path, fs, s3_root, monkeypatch):
    import lamin_core.storage.files as files

    folder = tmp_path / "failing"
    for i in range(4):
        unique_file(folder, f"f{i}.txt")
    calls = []
    upload = files.upload_file

    def fail_on_third(src, dst):
        calls.append(src)
        if len(calls) == 3:
            half_then_fail(src, dst)
        upload(src, dst)

    before, count = managed_keys(fs, s3_root), ln.Artifact.all_objects.count()
    monkeypatch.setattr(files, "upload_file", fail_on_third)
    with pytest.raises(OSError, match="injected"):
        ln.Artifact(folder, key="s3/failing").save()
    assert len(calls) == 3
    assert managed_keys(fs, s3_root) == before and ln.Artifact.all_objects.count() == count


def test_failed_insert_removes_the_uploaded_object(ln, tmp_path, fs, s3_root, monkeypatch):
    from lamin_core.models.base import Record

    artifact = ln.Artifact(unique_file(tmp_path), key="s3/insert-fails.txt")
    before, count = managed_keys(fs, s3_root), ln.Artifact.all_objects.count()
    uploaded = []
    import lamin_core.storage.files as files

    upload = files.upload_file
    monkeypatch.setattr(files, "upload_file", lambda src, dst: (uploaded.append(dst.path), upload(src, dst)))

    def fail(self, *args, **kwargs):
        raise RuntimeError("insert failed (injected)")

    monkeypatch.setattr(Record, "save", fail)
    with pytest.raises(RuntimeError, match="injected"):
        artifact.save()
    monkeypatch.undo()
    assert len(uploaded) == 1 and not fs.exists(uploaded[0])  # it was uploaded, then removed
    assert managed_keys(fs, s3_root) == before and ln.Artifact.all_objects.count() == count
    assert artifact.pk is None and artifact._state.adding


def test_failed_server_side_copy_rolls_back(ln, tmp_path, fs, s3_root, monkeypatch):
    import lamin_core.storage.files as files

    folder = tmp_path / "copy-fails"
    for i in range(3):
        unique_file(folder, f"f{i}.txt")
    copies = []
    copy = files.copy_object

    def fail_on_second(fs, src, dst):
        copies.append(dst)
        if len(copies) == 2:
            raise OSError("copy failed (injected)")
        copy(fs, src, dst)

    before, count = managed_keys(fs, s3_root), ln.Artifact.all_objects.count()
    monkeypatch.setattr(files, "copy_object", fail_on_second)
    with pytest.raises(OSError, match="injected"):
        ln.Artifact(folder, key="s3/copy-fails").save()
    assert len(copies) == 2
    assert managed_keys(fs, s3_root) == before and ln.Artifact.all_objects.count() == count


def test_unreachable_storage_is_one_clear_error_and_writes_nothing(ln, tmp_path, s3_root, monkeypatch):
    from lamin_core.errors import StorageError

    saved = ln.Artifact(unique_file(tmp_path), key="s3/reachable.txt").save()
    artifact = ln.Artifact(unique_file(tmp_path), key="s3/unreachable.txt")
    count = ln.Artifact.all_objects.count()
    monkeypatch.setenv("AWS_ENDPOINT_URL", closed_port_url())
    started = time.monotonic()
    with pytest.raises(StorageError, match=f"cannot reach storage {s3_root} \\(saving an artifact\\)"):
        artifact.save()
    assert time.monotonic() - started < 30  # three attempts with backoff, by default
    assert ln.Artifact.all_objects.count() == count and artifact.pk is None
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")  # the standard AWS setting; faster failures below
    with pytest.raises(StorageError, match=f"cannot reach storage {s3_root} \\(caching an artifact\\)"):
        saved.load()
    with pytest.raises(StorageError, match=f"cannot reach storage {s3_root} \\(deleting an artifact\\)"):
        saved.delete(permanent=True)
    assert ln.Artifact.all_objects.filter(pk=saved.pk).exists()
    with pytest.raises(StorageError, match="cannot reach storage s3://other-bucket/x"):
        ln.settings.storage = "s3://other-bucket/x"
    assert ln.settings.storage.root == s3_root
    monkeypatch.undo()
    artifact.save()
    assert artifact.path.exists()


def test_missing_bucket_and_bad_roots_are_refused(ln, s3_root):
    from lamin_core.errors import StorageError

    count = ln.Storage.all_objects.count()
    with pytest.raises(StorageError, match="the bucket 'no-such-bucket-here' does not exist"):
        ln.settings.storage = "s3://no-such-bucket-here/data"
    with pytest.raises(ValueError, match="only local folders and s3:// object storage are supported"):
        ln.settings.storage = "gs://bucket/data"
    with pytest.raises(ValueError, match="not a valid bucket name"):
        ln.settings.storage = "s3://Bad_Bucket/data"
    assert ln.Storage.all_objects.count() == count and ln.settings.storage.root == s3_root


def test_missing_object_and_managed_folder_are_refused(ln, s3_root):
    with pytest.raises(FileNotFoundError, match="no such file or folder: s3://"):
        ln.Artifact(f"{s3_root}/does/not/exist.csv")
    with pytest.raises(ValueError, match=r"managed folder '\.lamindb'"):
        ln.Artifact(f"{s3_root}/.lamindb/instance.json")
