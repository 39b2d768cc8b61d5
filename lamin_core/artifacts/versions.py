"""Version families: records whose uids share a stem (16 characters for artifacts and collections).

The 4-character suffix counts versions in base62 ("0000", "0001", ..., "000A"); exactly one visible
record of a family has `is_latest=True`: the one with the highest suffix.

Saving a new version reads the family and inserts after it, so concurrent savers of one key or family
are serialised (`lock`): on SQLite every write transaction already is (BEGIN IMMEDIATE), on PostgreSQL a
transaction-scoped advisory lock on the key, then on the family, does it.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from django.db import connection
from django.db.models import Q

from ..uids import BASE62_ALPHABET, UID_STEM_LEN, next_version_suffix

if TYPE_CHECKING:
    from django.db import models

VISIBLE = 1


def stem_of(record: models.Model) -> str:
    """The uid stem that all versions of `record` share."""
    return record.uid[: UID_STEM_LEN[type(record).__name__]]


def version_q(stem: str) -> Q:
    """Condition for the uids of a family; exact on both databases."""
    if connection.vendor == "sqlite":
        # SQLite's LIKE ignores case; a range over the binary-ordered uid index is exact and fast
        return Q(uid__gte=stem, uid__lt=stem + "\x7f")
    return Q(uid__startswith=stem)


def suffix_value(uid: str) -> int:
    """The version number a uid's last four characters encode."""
    value = 0
    for char in uid[-4:]:
        value = value * 62 + BASE62_ALPHABET.index(char)
    return value


def next_uid(model: type[models.Model], stem: str) -> tuple[str, str | None]:
    """(uid of the next version, uid of the current latest visible version) of a family."""
    rows = list(model.all_objects.filter(version_q(stem)).values_list("uid", "is_latest", "_branch_code"))
    if not rows:
        raise ValueError(f"no {model.__name__} with uid stem {stem!r}")
    top = max((uid for uid, _, _ in rows), key=suffix_value)
    latest = next((uid for uid, is_latest, branch in rows if is_latest and branch == VISIBLE), None)
    return stem + next_version_suffix(top[-4:]), latest


def check_new_version(model: type[models.Model], revises: models.Model, version: str | None) -> None:
    """Refuse a version that `revises` (the family's latest) or another member of its family has.

    As LaminDB 1.5.3: "Please increment the previous version" when it equals the revised one's; a version
    any other member holds is refused too (1.5.3 checks only the revised one and can save a second "1").
    """
    if version is None:
        return
    if version == revises.version:  # a plain ValueError, as 1.5.3 raises it
        raise ValueError(f"Please increment the previous version: '{revises.version}'")
    stem = stem_of(revises)
    owner = model.all_objects.filter(version_q(stem), version=version).values_list("uid", flat=True).first()
    if owner is not None:
        raise ValueError(
            f"version '{version}' is already taken by {model.__name__}('{owner}'); please set another version"
        )


def check_version_value(version: object) -> str | None:
    """`version` if it is None or a non-empty string (LaminDB 1.5.3's ValueError and message)."""
    if version is not None and (not isinstance(version, str) or not version.strip()):
        raise ValueError("`version` parameter must be `None` or `str`, e.g., '0.1', '1', '2', etc.")
    return version


_KEY_SENTINEL = "\x00lamin_core key\x00"
_key_queries: dict[tuple, tuple[str, list, int]] = {}


def _rows_with_key(model: type[models.Model], key: str, names: list[str]) -> list[tuple]:
    """(pk, is_latest, _branch_code, created_at, *names) of every record with `key`, raw from the cursor.

    Every save asks (twice: when the artifact is made and again under the write lock), and compiling the
    ORM query cost more than running it: it is compiled once per model and scope, then only executed.
    """
    cache_key = (model, tuple(names), connection.alias, connection.vendor)
    if cache_key not in _key_queries:
        columns = ("pk", "is_latest", "_branch_code", "created_at", *names)
        query = model._base_manager.filter(key=_KEY_SENTINEL).values_list(*columns).query
        sql, params = query.get_compiler(connection.alias).as_sql()
        _key_queries[cache_key] = (sql, list(params), list(params).index(_KEY_SENTINEL))
    sql, params, at = _key_queries[cache_key]
    params = [*params[:at], key, *params[at + 1 :]]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def latest_with_key(model: type[models.Model], key: str, **scope) -> models.Model | None:
    """The newest visible `is_latest` record with this key (and `scope`'s field values), else None.

    Selected by key alone (its index): with more conditions in SQL, SQLite (no statistics) may walk the
    low-cardinality `is_latest` index instead; the few versions of a key are filtered here.
    """
    # a few columns first (most keys are new), then the one record; Django's plain manager, as no
    # feature name can be in this filter
    names = list(scope)
    wanted = [scope[n] for n in names]
    rows = [
        (created_at, pk)
        for pk, is_latest, branch, created_at, *values in _rows_with_key(model, key, names)
        if is_latest and branch == VISIBLE and values == wanted
    ]
    # the newest, picked here: an ORDER BY costs more to compile than the few rows cost to compare
    return model.all_objects.get(pk=max(rows)[1]) if rows else None


def lock(model: type[models.Model], name: str) -> None:
    """Serialise the writers of `name` (a key, a family) until the current transaction ends.

    PostgreSQL: a transaction-scoped advisory lock on a 64-bit hash of the name. SQLite: nothing to do,
    a write transaction holds the database's write lock from its BEGIN IMMEDIATE on.
    """
    if connection.vendor != "postgresql":
        return
    if not connection.in_atomic_block:
        raise RuntimeError("lock() outside a transaction would be released at once")
    text = f"lamin_core.{model._meta.model_name}:{name}"
    digest = hashlib.blake2b(text.encode(), digest_size=8).digest()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [int.from_bytes(digest, "big", signed=True)])


def unset_latest(model: type[models.Model], stem: str) -> None:
    """Mark every version of a family as not latest (before inserting a new version)."""
    model.all_objects.filter(version_q(stem), is_latest=True).update(is_latest=False)


def sync_latest(model: type[models.Model], stem: str) -> int | None:
    """Give `is_latest` to the visible version with the highest suffix; return its id (None: none visible)."""
    rows = list(
        model.all_objects.filter(version_q(stem)).values_list("id", "uid", "is_latest", "_branch_code")
    )
    visible = [row for row in rows if row[3] == VISIBLE]
    if not visible:
        return None
    target = max(visible, key=lambda row: suffix_value(row[1]))[0]
    demote = [row[0] for row in rows if row[2] and row[0] != target]
    if demote:
        model.all_objects.filter(id__in=demote).update(is_latest=False)
    if not next(row[2] for row in rows if row[0] == target):
        model.all_objects.filter(id=target).update(is_latest=True)
    return target


def versions(record: models.Model):
    """QuerySet of the visible versions of `record`'s family, oldest first."""
    return type(record).objects.filter(version_q(stem_of(record))).order_by("uid")
