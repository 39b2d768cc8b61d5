"""Version families of transforms: what `Transform(key=..., revises=..., version=..., uid=...)` builds.

A family shares the 12-character uid stem; the 4-character suffix counts versions ("0000", "0001", ...) and
one visible member is `is_latest`. As in LaminDB 1.5.3:

- ``Transform(revises=t)``: the next version of `t`'s family (next free suffix); key, description (and, unlike
  1.5.3, type) default to the latest version's; `version` is the one passed, else None. `t` need not be the
  latest version: the new one follows the latest (logged). Saving it moves `is_latest` to it.
- ``Transform(key=k)``: when the latest transform with key `k` has no saved source code, that transform
  (reused, not a second one); with saved source code, a new version of its family.
- ``Transform(uid=u)``: the transform with that uid if it exists, else a new record with that uid (a new
  version when its stem's family exists).

A `version` already used in the family is refused with a ValueError rather than saved twice (1.5.3 compares
only with the version it revises, and returns the latest record for a key even when another version was
asked for: we create the asked-for version instead).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from .._logger import logger
from ..artifacts.versions import (
    latest_with_key,
    lock,
    next_uid,
    suffix_value,
    unset_latest,
    version_q,
)

STEM_LEN = 12


def check_version(version: Any) -> None:
    """`version` is None or a non-empty string (LaminDB 1.5.3's message)."""
    if version is not None and (not isinstance(version, str) or not version.strip()):
        raise ValueError("`version` parameter must be `None` or `str`, e.g., '0.1', '1', '2', etc.")


def bump_version(version: str) -> str | None:
    """The next minor version ("1" -> "1.1", "2.3" -> "2.4"), None when `version` is not numeric."""
    parts = version.split(".")
    try:
        major, minor = int(parts[0]), int(parts[1]) if len(parts) > 1 else 0
    except (ValueError, IndexError):
        return None
    if len(parts) > 2:
        return None
    return f"{major}.{minor + 1}"


def family(model: type, stem: str) -> list:
    """Every member of a family (trashed ones too), matched with exact case on both databases."""
    return list(model.all_objects.filter(version_q(stem)))


def version_owner(model: type, stem: str, version: str, exclude_uid: str | None = None) -> Any:
    """The member of the family `stem` (other than `exclude_uid`) whose version is `version`, else None."""
    for member in family(model, stem):
        if member.version == version and member.uid != exclude_uid:
            return member
    return None


def taken_message(version: str, owner: Any, setting: str) -> str:
    """The error for a version already used in the family; `setting` names where to set another one."""
    suggestion = bump_version(version)
    hint = f", e.g., {setting} = '{suggestion}'" if suggestion else ""
    return (
        f"version '{version}' is already taken by Transform('{owner.uid}'); please set another version{hint}"
    )


def latest_of(model: type, stem: str) -> Any:
    """The visible latest member of a family (the highest suffix if `is_latest` is missing), else None."""
    visible = [t for t in family(model, stem) if t._branch_code == 1]
    flagged = [t for t in visible if t.is_latest]
    return max(flagged or visible, key=lambda t: suffix_value(t.uid), default=None)


def prepare(model: type, kwargs: dict) -> tuple[Any, Any]:
    """(existing record to reuse or None, record the new one revises or None); completes `kwargs`."""
    revises = kwargs.pop("revises", None)
    version = kwargs.get("version")
    check_version(version)
    if revises is not None:
        if not isinstance(revises, model):
            raise TypeError(f"`revises` has to be of type `{model.__name__}`, got {type(revises).__name__}")
        if revises.pk is None:
            raise ValueError(f"revises must be a saved {model.__name__}: save it first")
    uid, key = kwargs.get("uid"), kwargs.get("key")
    if revises is None and uid is not None:
        if not isinstance(uid, str) or len(uid) != STEM_LEN + 4:
            raise ValueError(f"uid must be a 16-character transform uid, got {uid!r}")
        existing = model.all_objects.filter(uid=uid).first()
        if existing is not None:
            if key is not None and key != existing.key:
                logger.warning("ignoring inconsistent key")
            return existing, None
        revises = latest_of(model, uid[:STEM_LEN])  # a new member of an existing family moves is_latest
        if revises is None:
            return None, None
    elif revises is None and key is not None:
        candidate = latest_with_key(model, key)
        if candidate is None:
            return None, None
        if candidate.source_code is None and (version is None or candidate.version in (None, version)):
            logger.info("no source code was yet saved, returning existing transform with same key")
            return candidate, None
        revises = candidate
    elif revises is None:
        return None, None
    stem = revises.uid[:STEM_LEN]
    latest = latest_of(model, stem)
    if latest is None or latest.pk == revises.pk:
        latest = revises  # the caller's object: its is_latest turns False on save, as in 1.5.3
    else:
        logger.warning(f"didn't pass the latest version in `revises`, retrieved it: {latest}")
    if version is not None:
        if version == latest.version:
            raise ValueError(f"Please increment the previous version: '{latest.version}'")
        owner = version_owner(model, stem, version, exclude_uid=uid)
        if owner is not None:
            raise ValueError(taken_message(version, owner, "version"))
    if uid is None:
        kwargs["uid"] = next_uid(model, stem)[0]
    if key is not None and key != latest.key:
        logger.info(f"renaming transform {latest.key} to {key}")
    for field in ("key", "description", "type"):
        if kwargs.get(field) is None:
            kwargs[field] = getattr(latest, field)
    return None, latest


def reuse_updates(existing: Any, kwargs: dict) -> dict:
    """Fields a reused transform takes from the constructor: a new description, a version if it had none."""
    updates = {}
    description, version = kwargs.get("description"), kwargs.get("version")
    if description is not None and description != existing.description:
        logger.warning(f"updated description from {existing.description} to {description}")
        updates["description"] = description
    if version is not None and existing.version is None:
        owner = version_owner(type(existing), existing.uid[:STEM_LEN], version, exclude_uid=existing.uid)
        if owner is not None:
            raise ValueError(taken_message(version, owner, "version"))
        updates["version"] = version
    return updates


def save_new_version(record: Any, revises: Any, save) -> None:
    """Insert `record` as the latest version of `revises`'s family, atomically; `save()` does the insert.

    Writers of one family are serialised (`lock`): a uid or version taken meanwhile is seen here. A uid
    assigned automatically moves to the next free suffix; a taken version is a ValueError.
    """
    model = type(record)
    stem = record.uid[:STEM_LEN]
    with transaction.atomic():
        lock(model, stem)
        if model.all_objects.filter(uid=record.uid).exists():
            if record._pending is None or not record._pending.uid_assigned:
                raise ValueError(f"a Transform with uid {record.uid!r} exists already")
            record.uid = next_uid(model, stem)[0]
        if record.version is not None:
            owner = version_owner(model, stem, record.version, exclude_uid=record.uid)
            if owner is not None:
                raise ValueError(taken_message(record.version, owner, "version"))
        unset_latest(model, stem)
        record.is_latest = True
        save()
    revises.is_latest = False
