"""Check Python values against a feature's dtype and bring them into their stored (JSON) form.

Stored forms: str, int, float, bool as themselves (ints are accepted for `float` and stored as floats); dates
as `YYYY-MM-DD`, datetimes as ISO 8601 strings; dicts and lists as JSON, identified by `hash_dict` (md5 of the
JSON with sorted keys, 22 characters) so that equal values share one FeatureValue row.
"""

from __future__ import annotations

import datetime as dt
import math
import numbers
from typing import Any

from django.db import IntegrityError, transaction

from ..dtypes import ParsedDtype, parse_dtype
from ..errors import ValidationError
from ..hashing import json_hash

_INVALID = object()


def describe_value(value: Any, limit: int = 80) -> str:
    """`'abc' (str)` for error messages, cut to `limit` characters."""
    text = repr(value)
    if len(text) > limit:
        text = text[: limit - 3] + "..."
    return f"{text} ({type(value).__name__})"


def _is_bool(value: Any) -> bool:
    return isinstance(value, bool) or type(value).__name__ == "bool_"


def _simple(base: str, value: Any) -> Any:
    """The stored form of `value` for a non-categorical base dtype, or _INVALID."""
    if base == "str":
        return value if isinstance(value, str) else _INVALID
    if base == "bool":
        return bool(value) if _is_bool(value) else _INVALID
    if _is_bool(value):
        return _INVALID  # bools are ints in Python, never numbers here
    if base == "int":
        return int(value) if isinstance(value, numbers.Integral) else _INVALID
    if base in ("float", "num"):
        if isinstance(value, numbers.Integral):
            return int(value) if base == "num" else float(value)
        if isinstance(value, numbers.Real):
            number = float(value)
            return number if math.isfinite(number) else _INVALID
        return _INVALID
    if base == "date":
        if isinstance(value, dt.datetime):
            return _INVALID
        if isinstance(value, dt.date):
            return value.isoformat()
        if isinstance(value, str) and len(value) == 10:
            try:
                return dt.date.fromisoformat(value).isoformat()
            except ValueError:
                return _INVALID
        return _INVALID
    if base == "datetime":
        if isinstance(value, dt.datetime):
            return value.isoformat()
        if isinstance(value, str) and len(value) > 10:
            try:
                return dt.datetime.fromisoformat(value).isoformat()
            except ValueError:
                return _INVALID
        return _INVALID
    if base == "dict":
        return value if isinstance(value, dict) else _INVALID
    return _INVALID


def normalize(parsed: ParsedDtype, value: Any) -> tuple[Any, str | None] | None:
    """(stored value, hash) of `value` for a non-categorical dtype; None if it does not fit.

    `hash` is set for dicts and lists (their identity), None for simple values.
    """
    if parsed.is_list:
        if not isinstance(value, list | tuple):
            return None
        items = [_simple(parsed.base, item) for item in value]
        if any(item is _INVALID for item in items):
            return None
        hash_ = json_hash(items)
        return None if hash_ is None else (items, hash_)
    stored = _simple(parsed.base, value)
    if stored is _INVALID:
        return None
    if parsed.base == "dict":
        hash_ = json_hash(stored)
        return None if hash_ is None else (stored, hash_)
    return stored, None


def value_key(feature_id: int, value: Any, hash_: str | None) -> tuple:
    """Identity of a FeatureValue: by hash for dicts and lists, by value otherwise (30 == 30.0)."""
    if hash_ is not None:
        return (feature_id, "h", hash_)
    if isinstance(value, bool):
        return (feature_id, "b", value)
    if isinstance(value, int | float):
        return (feature_id, "n", float(value))
    return (feature_id, "s", value)


def from_stored(base: str, value: Any) -> Any:
    """The Python value of a stored value: dates and datetimes as objects, the rest as stored."""
    if isinstance(value, str):
        try:
            if base == "date":
                return dt.date.fromisoformat(value)
            if base == "datetime":
                return dt.datetime.fromisoformat(value)
        except ValueError:
            return value
    return value


def expected(parsed: ParsedDtype) -> str:
    """What a dtype accepts, in words, for error messages."""
    words = {
        "str": "a string",
        "int": "an integer",
        "float": "a number (int or float)",
        "num": "a number (int or float)",
        "bool": "a bool",
        "date": "a datetime.date or a 'YYYY-MM-DD' string",
        "datetime": "a datetime.datetime or an ISO 8601 string",
        "dict": "a dict of JSON values",
        "cat": "a label name, a record, or a list of them",
    }
    text = words.get(parsed.base, parsed.base)
    return f"a list whose elements are each {text}" if parsed.is_list else text


def get_or_create_value(model: type, owner_field: str, owner: Any, value: Any) -> tuple[Any, bool]:
    """The shared value row (FeatureValue, ParamValue) of `owner` (a Feature, a Param) for `value`, checked
    against the owner's dtype and created if new: `(record, created)`. A concurrent insert of the same value
    is found, not duplicated (the unique constraints on value and hash)."""
    parsed = parse_dtype(owner.dtype)
    if parsed.is_cat:
        raise ValidationError(
            f"{owner_field} '{owner.name}' is categorical ({owner.dtype}); "
            f"its values are labels, not {model.__name__}s"
        )
    result = normalize(parsed, value)
    if result is None:
        raise ValidationError(
            f"{owner_field} '{owner.name}' got {describe_value(value)}, expected {expected(parsed)} "
            f"(dtype '{owner.dtype}')"
        )
    stored, hash_ = result
    lookup = {owner_field: owner, "hash": hash_} if hash_ else {owner_field: owner, "value": stored}
    if not hash_:
        lookup["hash__isnull"] = True
    existing = model.all_objects.filter(**lookup).order_by("id").first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            return model(**{owner_field: owner, "value": stored, "hash": hash_}).save(), True
    except IntegrityError:
        return model.all_objects.filter(**lookup).order_by("id").first(), False
