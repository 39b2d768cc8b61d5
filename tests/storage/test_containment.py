"""Names from storage and the database become local paths only inside their root (docs/SECURITY.md).

The reported hole: an S3 folder artifact with objects named `ds/../../../../x` or `ds//<absolute path>`
made `cache()` write outside the cache folder. Such a folder is refused whole, before anything is
written; keys stored in the database and symbolic links get the same check.
"""

from __future__ import annotations

import uuid

import pytest

from lamin_core.errors import UnsafePathError
from lamin_core.storage.containment import contained, unsafe_reason

pytestmark = pytest.mark.usefixtures("delete_new_artifacts")


@pytest.fixture
def s3_client(s3_endpoint):
    """A plain S3 client: it writes object names exactly as given (`..` and `//` included)."""
    import boto3

    return boto3.client("s3", endpoint_url=s3_endpoint)


def test_s3_folder_with_escaping_object_names_is_refused_and_nothing_is_written(
    ln, instance, s3_root, s3_client, tmp_path
):
    ln.settings.storage = s3_root
    try:
        bucket, base = s3_root.split("://", 1)[1].split("/", 1)
        prefix = f"{base}/ds-{uuid.uuid4().hex[:8]}"
        s3_client.put_object(Bucket=bucket, Key=f"{prefix}/a.txt", Body=b"fine")
        artifact = ln.Artifact(f"s3://{bucket}/{prefix}").save()
        absolute_target = tmp_path / f"abs-{uuid.uuid4().hex[:8]}.txt"
        hostile = {
            "../../../../escaped-" + uuid.uuid4().hex[:8]: "'../../../../escaped-",
            "/" + str(absolute_target).lstrip("/"): f"'/{str(absolute_target).lstrip('/')}': it is absolute",
        }
        from lamin_core.setup.settings import cache_dir

        local = cache_dir() / bucket / prefix
        for name, shown in hostile.items():
            s3_client.put_object(Bucket=bucket, Key=f"{prefix}/{name}", Body=b"hostile")
            with pytest.raises(UnsafePathError) as error:
                artifact.cache()
            assert f"refusing the object name (in s3://{bucket}/{prefix}) {shown}" in str(error.value)
            with pytest.raises(UnsafePathError):
                artifact.load()
            assert not local.exists()  # not even the harmless a.txt
            assert not (local / name.lstrip("/")).resolve().exists() and not absolute_target.exists()
            s3_client.delete_object(Bucket=bucket, Key=f"{prefix}/{name}")
        assert (artifact.cache() / "a.txt").read_bytes() == b"fine"
    finally:
        ln.settings.storage = instance.storage


def test_a_stored_key_that_leaves_the_root_is_refused(ln, tmp_path):
    path = tmp_path / "k.csv"
    path.write_text(f"a\n{uuid.uuid4()}\n")
    artifact = ln.Artifact(path, key=f"keys-{uuid.uuid4().hex[:8]}/k.csv").save()
    good_key = artifact.key
    rows = ln.Artifact.all_objects.filter(pk=artifact.pk)
    try:
        for key in ("../../outside.csv", "/etc/passwd", "a//b.csv"):
            rows.update(key=key, _key_is_virtual=False)
            stored = ln.Artifact.all_objects.get(pk=artifact.pk)
            with pytest.raises(UnsafePathError, match=f"refusing the storage key of artifact {artifact.uid}"):
                stored.path  # noqa: B018 (the property raises)
            with pytest.raises(UnsafePathError):
                stored.load()
    finally:
        rows.update(key=good_key, _key_is_virtual=True)
    assert ln.Artifact.get(pk=artifact.pk).load().shape == (1, 1)


def test_contained_paths(tmp_path):
    root = tmp_path / "root"
    (root / "sub").mkdir(parents=True)
    (tmp_path / "outside").mkdir()
    (root / "link").symlink_to(tmp_path / "outside")
    assert contained(root, "sub/file.txt", "a name") == root / "sub" / "file.txt"
    for name, reason in {
        "../x": "it has a '..' segment",
        "sub/../../x": "it has a '..' segment",
        "/etc/passwd": "it is absolute",
        "sub//x": "it has an empty segment",
        "./x": "it has a '.' segment",
        "": "it is empty",
        "a\x00b": "it contains a NUL character",
    }.items():
        assert unsafe_reason(name) == reason
        with pytest.raises(UnsafePathError, match="could point outside its root"):
            contained(root, name, "a name")
    with pytest.raises(UnsafePathError, match=r"resolves outside .* \(a symbolic link\)"):
        contained(root, "link/x", "a name")
