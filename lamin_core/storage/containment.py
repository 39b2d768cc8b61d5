"""Local paths made from stored or remote names stay inside their root (the cache, a storage folder).

Object names in a bucket, keys and suffixes in the database and instance names in marker files come from
other people and other machines. Before such a name becomes a path, every segment must be a plain name
(no `..`, `.`, empty segment, leading `/` or NUL), and a path that will be written must resolve inside
its root even through symbolic links (docs/SECURITY.md).
"""

from __future__ import annotations

from pathlib import Path

from ..errors import UnsafePathError


def unsafe_reason(name: str) -> str | None:
    """Why a relative name could leave its root (None: it cannot)."""
    if not name:
        return "it is empty"
    if "\x00" in name:
        return "it contains a NUL character"
    if name.startswith("/"):
        return "it is absolute"
    bad = sorted({segment for segment in name.split("/") if segment in ("", ".", "..")})
    if bad:
        return "it has " + " and ".join("an empty" if s == "" else f"a '{s}'" for s in bad) + " segment"
    return None


def check_relative(name: str, what: str) -> str:
    """Return `name` if it is a safe relative name, else raise UnsafePathError naming `what` it is."""
    reason = unsafe_reason(name)
    if reason is not None:
        raise UnsafePathError(f"refusing {what} {name!r}: {reason}, so it could point outside its root")
    return name


def contained(root: Path, name: str, what: str) -> Path:
    """`root / name` for a name from storage or the database, checked to stay inside `root`.

    Besides the segment check, the path is resolved (symbolic links followed) and must lie in `root`.
    """
    path = root.joinpath(*check_relative(name, what).split("/"))
    if not path.resolve().is_relative_to(root.resolve()):
        raise UnsafePathError(f"refusing {what} {name!r}: it resolves outside {root} (a symbolic link)")
    return path
