"""Filesystems of storage roots through fsspec: local folders and S3 or S3-compatible buckets (MinIO, ...).

A root is a local folder (`/data/project`) or an object-store prefix (`s3://bucket/prefix`). Credentials,
region, endpoint and retries come from the standard AWS environment (`AWS_ACCESS_KEY_ID`,
`AWS_SECRET_ACCESS_KEY`, `AWS_DEFAULT_REGION`, `AWS_ENDPOINT_URL` or `AWS_ENDPOINT_URL_S3`,
`AWS_MAX_ATTEMPTS`, default 3 here) or the AWS config files, as for any S3 client. The endpoint is also
passed to s3fs explicitly, so that it is part of fsspec's instance cache key: a process that changes
`AWS_ENDPOINT_URL` gets a filesystem for the new endpoint.

Errors of remote filesystems that mean "cannot reach the storage" (no connection, timeouts, missing
credentials, access denied) become one `StorageError` that names the storage root (`remote_errors`).
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..errors import LaminError, StorageError

SUPPORTED_PROTOCOLS = ("s3",)
_BUCKET_RE = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")


def is_remote(root: str | os.PathLike | Any) -> bool:
    """True for object-store URLs (`s3://...`) and remote path objects; False for local paths."""
    if isinstance(root, os.PathLike):
        return False
    return "://" in str(root)


def storage_type(root: str) -> str:
    """The `Storage.type` of a root: `local` or the URL scheme (`s3`)."""
    return root.split("://", 1)[0] if is_remote(root) else "local"


def normalize_root(root: str) -> str:
    """`s3://bucket/prefix` without a trailing slash; raises for unsupported schemes or bad bucket names."""
    scheme, _, rest = root.partition("://")
    if scheme not in SUPPORTED_PROTOCOLS:
        raise ValueError(
            f"storage {root!r}: only local folders and {', '.join(p + '://' for p in SUPPORTED_PROTOCOLS)} "
            "object storage are supported"
        )
    rest = rest.strip("/")
    bucket = rest.split("/", 1)[0]
    if not _BUCKET_RE.match(bucket):
        raise ValueError(f"storage {root!r}: {bucket!r} is not a valid bucket name")
    if any(segment in ("", ".", "..") for segment in rest.split("/")):
        raise ValueError(f"storage {root!r}: the prefix has an empty, '.' or '..' segment")
    return f"{scheme}://{rest}"


def s3_options() -> dict[str, Any]:
    """Options of s3fs.S3FileSystem: the endpoint from the environment, short retries, no listing cache."""
    config: dict[str, Any] = {"connect_timeout": 5, "read_timeout": 60}
    if not os.environ.get("AWS_MAX_ATTEMPTS"):
        # an unreachable endpoint fails within seconds instead of retrying for a minute
        config["retries"] = {"max_attempts": 3, "mode": "standard"}
    options: dict[str, Any] = {
        # other processes write to the same bucket: never answer from a stale listing
        "use_listings_cache": False,
        "config_kwargs": config,
    }
    endpoint = os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL")
    if endpoint:
        options["client_kwargs"] = {"endpoint_url": endpoint}
    return options


def _import_s3fs():
    try:
        import s3fs  # optional: the s3 extra
    except ImportError as e:
        raise StorageError(
            "S3 storage needs the optional dependencies s3fs and universal_pathlib: "
            "pip install 'lamin-widgets[s3]'"
        ) from e
    return s3fs


def storage_filesystem(root: str):
    """The fsspec filesystem of a storage root (local folder or `s3://bucket/prefix`)."""
    if not is_remote(root):
        import fsspec  # heavy: `import lamin_core` loads this module

        return fsspec.filesystem("file")
    scheme = str(root).split("://", 1)[0]
    if scheme not in SUPPORTED_PROTOCOLS:
        raise StorageError(f"storage {root}: the protocol {scheme}:// is not supported")
    return _import_s3fs().S3FileSystem(**s3_options())


def fs_path(url: str) -> str:
    """The path of a URL inside its filesystem: `s3://bucket/key` -> `bucket/key`."""
    return url.split("://", 1)[1].rstrip("/") if is_remote(url) else url


def storage_path(root: str, key: str | None = None) -> Any:
    """A path object for `key` in a storage root: `pathlib.Path` locally, `upath.UPath` on S3."""
    if not is_remote(root):
        return Path(root) / key if key else Path(root)
    _import_s3fs()
    from upath import UPath  # optional: the s3 extra

    return UPath(f"{root.rstrip('/')}/{key}" if key else root, **s3_options())


def _reason(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def _is_unreachable(error: BaseException) -> str | None:
    """What kind of storage failure `error` is ("cannot reach", "access denied to") or None."""
    if isinstance(error, PermissionError):
        return "access denied to"
    if isinstance(error, ConnectionError | TimeoutError):
        return "cannot reach"
    module = type(error).__module__.partition(".")[0]
    if module in ("botocore", "aiobotocore", "aiohttp"):
        name = type(error).__name__
        if "Credential" in name:
            return "no credentials for"
        return "cannot reach"
    return None


@contextlib.contextmanager
def remote_errors(root: str, action: str = "") -> Iterator[None]:
    """Turn connection, timeout, credential and permission errors into one StorageError naming `root`."""
    try:
        yield
    except LaminError:
        raise
    except Exception as e:
        kind = _is_unreachable(e)
        if kind is None:
            raise
        what = f" ({action})" if action else ""
        raise StorageError(f"{kind} storage {root}{what}: {_reason(e)}") from e


def check_storage(root: str) -> None:
    """Raise a StorageError unless a remote root's bucket exists and can be listed (local roots: nothing)."""
    if not is_remote(root):
        return
    fs = storage_filesystem(root)
    bucket = fs_path(root).split("/", 1)[0]
    with remote_errors(root):
        try:
            fs.info(bucket)
        except FileNotFoundError as e:
            raise StorageError(f"storage {root}: the bucket {bucket!r} does not exist") from e
