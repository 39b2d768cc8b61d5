"""Suffixes of files and folders, checks of user-given keys, and the uid-based keys files are stored under."""

from __future__ import annotations

import re
from pathlib import PurePosixPath

from ..errors import InvalidArgument

# the folder inside a storage root that holds the files lamin_core manages
MANAGED_DIR = ".lamindb"
MAX_KEY_LENGTH = 1024
MAX_SUFFIX_LENGTH = 30
# multi-part suffixes kept whole, for files and folders alike
MULTI_SUFFIXES = (
    ".anndata.zarr",
    ".spatialdata.zarr",
    ".ome.zarr",
    ".ome.tiff",
    ".ome.tif",
    ".tar.gz",
    ".tar.bz2",
    ".tar.xz",
    ".tar.zst",
)
COMPRESSION_SUFFIXES = frozenset({".gz", ".bz2", ".xz", ".zst", ".zip"})
# formats whose compressed files keep both parts (`.fastq.gz`, `.csv.gz`); unknown ones keep only `.gz`
COMPRESSIBLE_SUFFIXES = frozenset(
    [
        ".fastq",
        ".fq",
        ".fasta",
        ".fa",
        ".fna",
        ".faa",
        ".sam",
        ".vcf",
        ".bcf",
        ".bed",
        ".bedgraph",
        ".gtf",
        ".gff",
        ".gff3",
        ".wig",
        ".mtx",
        ".csv",
        ".tsv",
        ".txt",
        ".json",
        ".jsonl",
        ".ndjson",
        ".xml",
        ".html",
        ".h5ad",
        ".h5",
        ".hdf5",
        ".parquet",
        ".tar",
        ".pdb",
        ".cif",
        ".sdf",
        ".mgf",
        ".mzml",
        ".fcs",
        ".tif",
        ".tiff",
        ".nii",
        ".npy",
    ]
)
# folders get a suffix only when it names a folder format (`sample.zarr`), not for `run.2024-05-01`
FOLDER_SUFFIXES = frozenset({".zarr", ".n5", ".tiledbsoma", ".lance", ".parquet", ".delta", ".vitessce"})
_PART = re.compile(r"^\.[A-Za-z0-9_+-]+$")


def _suffix_parts(name: str) -> list[str]:
    """The trailing well-formed suffixes of a name (`a.b c.csv` -> ['.csv'])."""
    parts = PurePosixPath(name).suffixes
    tail: list[str] = []
    for part in reversed(parts):
        if not _PART.match(part):
            break
        tail.insert(0, part)
    return tail


def extract_suffix(name: str, is_dir: bool = False) -> str:
    """The suffix of a file or folder name: `.fastq.gz`, `.tar.gz`, `.ome.zarr`; `.csv` for `my.file.csv`."""
    parts = _suffix_parts(name)
    if not parts:
        return ""
    joined = "".join(parts)
    for multi in MULTI_SUFFIXES:
        if joined.lower().endswith(multi):
            return joined[-len(multi) :]
    last = parts[-1]
    if is_dir:
        return last if last.lower() in FOLDER_SUFFIXES else ""
    if last[1:].isdigit():  # `reads.001` is a numbered part, not a format
        return ""
    if last.lower() in COMPRESSION_SUFFIXES and len(parts) > 1 and parts[-2].lower() in COMPRESSIBLE_SUFFIXES:
        last = parts[-2] + last
    return last if len(last) <= MAX_SUFFIX_LENGTH else ""


def check_key(key: object, what: str = "key") -> str | None:
    """Return a valid relative key or raise: no absolute keys, no `.`/`..`/empty segments, not `.lamindb/`."""
    if key is None:
        return None
    if not isinstance(key, str):
        raise TypeError(f"{what} must be a str, got {type(key).__name__} {key!r}")
    if not key.strip():
        raise ValueError(f"{what} must not be empty")
    if "\x00" in key:
        raise ValueError(f"{what} {key!r} contains a NUL character")
    if len(key) > MAX_KEY_LENGTH:
        raise ValueError(f"{what} is {len(key)} characters long; at most {MAX_KEY_LENGTH} are allowed")
    if key.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:[\\/]", key):
        raise ValueError(
            f"{what} {key!r} is absolute; keys are relative to the storage root, e.g. 'images/my_image.jpg'"
        )
    segments = re.split(r"[\\/]", key)
    if ".." in segments:
        raise ValueError(
            f"{what} {key!r} contains a '..' segment; keys may not point outside the storage root"
        )
    if "." in segments or "" in segments:
        raise ValueError(f"{what} {key!r} has an empty or '.' segment; write it like 'folder/file.csv'")
    if segments[0] == MANAGED_DIR:
        raise ValueError(f"{what} {key!r} starts with the reserved folder {MANAGED_DIR!r}")
    return key


def check_key_suffix(key: str | None, suffix: str, is_dir: bool, what: str | None = None) -> None:
    """Raise InvalidArgument unless the key ends in exactly the data's suffix (LaminDB 1.5.3's rule).

    `x.csv` for a `.parquet` file, `mykey` (no suffix) for a `.csv` file and `x.csv` for a file without
    a suffix are all refused; the key's suffix is read with the same rules as the file's (`extract_suffix`).
    """
    if key is None:
        return
    key_suffix = extract_suffix(key.rsplit("/", 1)[-1], is_dir=is_dir)
    if key_suffix == suffix:
        return
    what = what or ("folder" if is_dir else "file")
    fix = f"use a key ending in '{suffix}'" if suffix else f"the {what} has no suffix, so neither may the key"
    raise InvalidArgument(
        f"The suffix '{key_suffix}' of the provided key is inconsistent, it should be '{suffix}', "
        f"the {what}'s suffix (key {key!r}: {fix})"
    )


def auto_storage_key(uid: str, suffix: str) -> str:
    """Where a managed artifact's file lives in its storage root: `.lamindb/<uid><suffix>`."""
    return f"{MANAGED_DIR}/{uid}{suffix}"
