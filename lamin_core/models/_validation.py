"""What every registry constructor checks before a record exists (LaminDB 1.5.3's `validate_fields` rules).

`Registry(**fields)` is the user's path: keyword arguments only, known fields only, required fields present,
values of the field's type, choices from the field's literal set. Django's own path, a row loaded from the
database, passes every concrete field value positionally and is never checked (it is the hot path).
"""

from __future__ import annotations

import datetime as dt
import difflib
import numbers
from functools import cache
from typing import Any

from django.db import models
from django.db.models.expressions import Combinable

from .._logger import logger
from ..errors import FieldValidationError, ValidationError


class PositionalArgumentError(FieldValidationError, ValueError):
    """Positional arguments where a registry takes keywords (a TypeError and, as in 1.5.3, a ValueError)."""


# registries whose uid has one exact length (1.5.3's list); the others keep their own rules
_EXACT_UID_REGISTRIES = frozenset(
    {"Artifact", "Collection", "Transform", "Run", "ULabel", "Feature", "Param"}
)


@cache
def _init_names(model: type[models.Model]) -> frozenset[str]:
    """Keyword arguments a registry's constructor accepts: field names, their `_id` names, properties."""
    names = {f.name for f in model._meta.concrete_fields} | {f.attname for f in model._meta.concrete_fields}
    names |= {n for n in dir(model) if isinstance(getattr(model, n, None), property)}
    return frozenset(names)


def valid_field_names(model: type[models.Model]) -> list[str]:
    names = sorted(n for n in _init_names(model) if not n.startswith("_") and not n.endswith("_id"))
    return [n for n in names if n not in ("id", "pk")]


def check_init_kwargs(model: type[models.Model], kwargs: dict) -> None:
    """Raise a FieldValidationError naming unknown keyword arguments, the valid fields, the closest match."""
    names = _init_names(model)
    unknown = [k for k in kwargs if k not in names]
    if not unknown:
        return
    valid = valid_field_names(model)
    hints = [m for k in unknown for m in difflib.get_close_matches(k, valid, n=1)]
    hint = f"; did you mean {', '.join(map(repr, hints))}?" if hints else ""
    raise FieldValidationError(
        f"{model.__name__} has no field {', '.join(map(repr, unknown))}{hint} "
        f"valid fields: {', '.join(valid)}"
    )


def positional_error(model: type[models.Model]) -> PositionalArgumentError:
    name_field = getattr(model, "_name_field", "name")
    return PositionalArgumentError(
        f"Use keyword arguments instead of positional arguments, e.g.: {model.__name__}({name_field}='...')"
    )


def _is_str(value: Any) -> bool:
    return isinstance(value, str)


def _is_bool(value: Any) -> bool:
    kind = type(value)
    return kind is bool or (kind.__module__ == "numpy" and kind.__name__ in ("bool", "bool_"))


def _is_int(value: Any) -> bool:
    return isinstance(value, numbers.Integral) and not _is_bool(value)


def _is_float(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not _is_bool(value)


def _is_datetime(value: Any) -> bool:
    return isinstance(value, dt.datetime)


def _is_date(value: Any) -> bool:
    return isinstance(value, dt.date)


_CHECKS: tuple[tuple[type, Any, str], ...] = (
    (models.BooleanField, _is_bool, "True or False"),
    (models.CharField, _is_str, "a str"),
    (models.TextField, _is_str, "a str"),
    (models.DateTimeField, _is_datetime, "a datetime"),
    (models.DateField, _is_date, "a date"),
    (models.AutoField, _is_int, "an int"),
    (models.SmallAutoField, _is_int, "an int"),
    (models.BigAutoField, _is_int, "an int"),
    (models.IntegerField, _is_int, "an int"),  # also Small-, Big-, PositiveIntegerField
    (models.FloatField, _is_float, "a number"),
)


@cache
def _field_specs(model: type[models.Model]) -> dict[str, tuple]:
    """keyword -> (field, check, what it expects, is the fk's id); for names and attnames."""
    specs: dict[str, tuple] = {}
    for field in model._meta.concrete_fields:
        if field.is_relation:
            specs[field.name] = (field, None, f"a {field.related_model.__name__}", False)
            specs[field.attname] = (field, _is_int, "an int (a record id)", True)
            continue
        check, expected = None, ""
        for field_type, candidate, what in _CHECKS:
            if isinstance(field, field_type):
                check, expected = candidate, what
                break
        specs[field.name] = (field, check, expected, False)
    return specs


@cache
def _required(model: type[models.Model]) -> tuple[tuple[str, str], ...]:
    """(name, attname) of the fields a new record needs: not nullable and without a default (1.5.3's rule)."""
    return tuple(
        (f.name, f.attname)
        for f in model._meta.concrete_fields
        if not f.null and not f.has_default() and not f.primary_key and f.db_default is models.NOT_PROVIDED
    )


def _describe(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def check_type_name(model: type[models.Model], name: Any) -> None:
    """A type (`is_type=True`) is named in PascalCase and, preferably, in the singular (1.5.3)."""
    if not isinstance(name, str) or not name:
        return
    if "[" in name:  # types such as 'script[test_script.py]'
        return
    last = name.split(".")[-1]
    if not last[:1].isupper():
        raise ValidationError(
            f"'{last}' should start with a capital letter given you're defining a type, "
            f"e.g. {model.__name__}(name='{last[:1].upper()}{last[1:]}', is_type=True)"
        )
    if name.endswith("s"):
        logger.warning(
            f"name '{name}' for type ends with 's', in case you're naming with plural, consider the "
            "singular for a type name"
        )


def check_required(record: models.Model) -> None:
    """Before a new record is inserted: its required fields are set (a record built empty, then filled)."""
    model = type(record)
    name_field = getattr(model, "_name_field", "name")
    missing = []
    for name, attname in _required(model):
        value = getattr(record, attname, None)
        if value is None or (name == name_field and isinstance(value, str) and not value.strip()):
            missing.append(name)
    if missing:
        raise FieldValidationError(
            f"{model.__name__}: {', '.join(missing)} {'is' if len(missing) == 1 else 'are'} required, "
            f"e.g. {model.__name__}({missing[0]}='...')"
        )


def validate_init(model: type[models.Model], kwargs: dict) -> None:
    """Check the keyword arguments of a new record; raise naming every problem at once.

    Raises FieldValidationError (a TypeError) for unknown fields, missing required fields, values of the
    wrong type and values outside a field's choices; ValidationError (a ValueError) for values of the right
    type that do not fit (too long, a uid of the wrong length, a type name not in PascalCase).
    """
    check_init_kwargs(model, kwargs)
    specs = _field_specs(model)
    problems: list[str] = []
    too_long: list[str] = []
    name_field = getattr(model, "_name_field", "name")
    for name, attname in _required(model):
        value = kwargs[name] if name in kwargs else kwargs.get(attname)
        if value is None or (name == name_field and isinstance(value, str) and not value.strip()):
            example = f"{model.__name__}({name}='...')"
            problems.append(
                f"{name} is required, e.g. {example}" if value is None else f"{name} must not be empty"
            )
    for key, value in kwargs.items():
        spec = specs.get(key)
        if spec is None or isinstance(value, Combinable):
            continue
        field, check, expected, is_fk_id = spec
        if value is None:
            if not field.null and not (field.has_default() or field.db_default is not models.NOT_PROVIDED):
                continue  # reported as missing above
            if not field.null and not field.primary_key:
                problems.append(f"{key} must not be None: it takes {expected}")
            continue
        if field.is_relation and not is_fk_id:
            if not isinstance(value, field.related_model):
                problems.append(
                    f"{key} must be {expected} record, got {type(value).__name__} {_describe(value)}"
                )
            continue
        if check is not None and not check(value):
            problems.append(f"{key} must be {expected}, got {type(value).__name__} {_describe(value)}")
            continue
        if field.choices and not is_fk_id:
            allowed = [choice for choice, _ in field.flatchoices]
            if value not in allowed:
                problems.append(
                    f"{key}: '{value}' is not a valid value; valid values are: {', '.join(allowed)}"
                )
                continue
        max_length = getattr(field, "max_length", None)
        if max_length is not None and isinstance(value, str) and len(value) > max_length:
            too_long.append(f"{key} has {len(value)} characters, at most {max_length} fit")
    if problems:
        raise FieldValidationError(f"{model.__name__}(): " + "; ".join(problems))
    uid = kwargs.get("uid")
    if isinstance(uid, str) and model.__name__ in _EXACT_UID_REGISTRIES:
        length = model._meta.get_field("uid").max_length
        if len(uid) != length:
            raise ValidationError(f"`uid` must be exactly {length} characters long, got {len(uid)}.")
    if too_long:
        raise ValidationError(f"{model.__name__}(): " + "; ".join(too_long))
    if kwargs.get("is_type") is True and "name" in kwargs:
        check_type_name(model, kwargs["name"])
