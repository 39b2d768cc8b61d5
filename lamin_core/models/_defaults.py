"""Module-level default callables for model fields (migrations serialise them by import path)."""

from .. import hooks
from ..uids import FIRST_VERSION_SUFFIX, base62


def uid8() -> str:
    """A random 8-character uid (ULabel, User)."""
    return base62(8)


def uid12() -> str:
    """A random 12-character uid (Feature, Storage)."""
    return base62(12)


def uid16() -> str:
    """A random 16-character uid (Schema)."""
    return base62(16)


def uid20() -> str:
    """A random 20-character uid (Run)."""
    return base62(20)


def versioned_uid16() -> str:
    """A 16-character stem plus the first version suffix (Artifact, Collection)."""
    return base62(16) + FIRST_VERSION_SUFFIX


def versioned_uid12() -> str:
    """A 12-character stem plus the first version suffix (Transform)."""
    return base62(12) + FIRST_VERSION_SUFFIX


def current_user_id() -> int:
    """The id of the current user's record in the connected instance (`models.instance`, created on first
    use)."""
    return hooks.current_user_id()


def current_run_id() -> int | None:
    """The id of the run started by `ln.track()` in this process, if any."""
    run = hooks.run_context().run
    return None if run is None else run.id
