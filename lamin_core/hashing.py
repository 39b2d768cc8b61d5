"""Content hashes compatible with LaminDB (lamindb_setup.core.hashing): md5, sha1-fl and md5-d.

- ``md5``: files up to ``CHUNK_SIZE`` bytes; md5 of the content.
- ``sha1-fl`` (first/last): larger files; ``sha1(sha1(first chunk) + sha1(last chunk))`` where each
  chunk is ``CHUNK_SIZE`` bytes, so only ``2 * CHUNK_SIZE`` bytes are read however big the file.
- ``md5-d``: folders; each file gets its own hash as above, then
  ``md5(b"".join(md5(h.encode()).digest() for h in sorted(file_hashes)))``. Like LaminDB it depends on
  the files' contents only, not on their names.

Every digest is written as URL-safe base64 without padding, cut to ``HASH_LENGTH`` (22) characters.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

HASH_LENGTH = 22
# LaminDB's threshold between md5 and sha1-fl; changing it changes the hashes of big files
CHUNK_SIZE = 50 * 1024 * 1024
_READ_SIZE = 1024 * 1024


def b64url(digest: bytes) -> str:
    """Digest as URL-safe base64 without padding, cut to 22 characters."""
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")[:HASH_LENGTH]


def hash_bytes(data: bytes) -> str:
    """md5 of ``data`` as 22-char base64url."""
    return b64url(hashlib.md5(data).digest())


def hash_string(s: str) -> str:
    """md5 of the UTF-8 encoded string as 22-char base64url."""
    return hash_bytes(s.encode("utf-8"))


def hash_dict(d: dict[str, Any]) -> str:
    """Hash of a JSON-able dict with sorted keys (FeatureValue.hash of dict values)."""
    return hash_string(json.dumps(d, sort_keys=True))


def json_hash(value: Any) -> str | None:
    """hash_dict of a dict or list (None if it cannot be written as strict JSON)."""
    try:
        return hash_string(json.dumps(value, sort_keys=True, allow_nan=False))
    except (TypeError, ValueError):
        return None


def hash_set(values: Iterable[str]) -> str:
    """Order-independent hash of strings, joined with ":" after sorting (Schema hashes)."""
    return hash_string(":".join(sorted(values)))


def _update(hasher: Any, fp: Any, n_bytes: int) -> None:
    """Feed up to ``n_bytes`` from ``fp`` into ``hasher`` in bounded reads."""
    while n_bytes > 0:
        block = fp.read(min(_READ_SIZE, n_bytes))
        if not block:
            break
        hasher.update(block)
        n_bytes -= len(block)


def hash_file(path: str | os.PathLike[str]) -> tuple[str, str]:
    """(hash, hash_type) of a file: "md5" up to ``CHUNK_SIZE`` bytes, "sha1-fl" above it."""
    chunk_size = CHUNK_SIZE
    with open(path, "rb") as fp:
        size = os.fstat(fp.fileno()).st_size
        if size <= chunk_size:
            md5 = hashlib.md5()
            _update(md5, fp, size)
            return b64url(md5.digest()), "md5"
        first, last = hashlib.sha1(), hashlib.sha1()
        _update(first, fp, chunk_size)
        fp.seek(size - chunk_size)
        _update(last, fp, chunk_size)
    return b64url(hashlib.sha1(first.digest() + last.digest()).digest()), "sha1-fl"


def hash_from_hashes(hashes: Iterable[str]) -> str:
    """md5-d combination of per-file hashes, independent of their order."""
    digests = b"".join(hashlib.md5(h.encode("utf-8")).digest() for h in sorted(hashes))
    return b64url(hashlib.md5(digests).digest())


def hash_dir(path: str | os.PathLike[str]) -> tuple[str, str, int]:
    """(hash, "md5-d", n_files) of all files below ``path``, recursively."""
    hashes = [hash_file(p)[0] for p in Path(path).rglob("*") if p.is_file()]
    if not hashes:
        raise ValueError(f"cannot hash empty directory {path}")
    return hash_from_hashes(hashes), "md5-d", len(hashes)


def b16_to_b64(hex_digest: str) -> str:
    """A hex digest (e.g. an S3 ETag) as 22-char base64url, like LaminDB's `b16_to_b64`."""
    return b64url(base64.b16decode(hex_digest.strip('"'), casefold=True))


def hash_from_etag(etag: str) -> tuple[str, str]:
    """(hash, hash_type) of an S3 object from its ETag, as LaminDB's `get_stat_file_cloud`.

    A plain ETag is the md5 of the content: hash type "md5", the same hash as hashing the file locally.
    A multipart upload's ETag `"<hex>-<n>"` is the md5 of the n parts' concatenated md5 digests: its hex
    part becomes the hash, with hash type `md5-<n>`.
    """
    etag = etag.strip('"')
    if "-" not in etag:
        return b16_to_b64(etag), "md5"
    hex_part, n_parts = etag.split("-", 1)
    return b16_to_b64(hex_part), f"md5-{n_parts}"


def hash_from_etags(etags: Iterable[str]) -> tuple[str, str]:
    """(hash, "md5-d") of a folder of S3 objects from their ETags, as LaminDB's `get_stat_dir_cloud`."""
    return hash_from_hashes(etag.strip('"=') for etag in etags), "md5-d"
