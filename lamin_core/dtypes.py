"""Feature dtypes: parse and validate dtype strings, serialize Python objects to them.

A dtype is one of ``str int float num bool date datetime dict``, a categorical ``cat`` / ``cat[...]``, or
a list of either, ``list[...]``. A categorical names the registries its values come from, separated by
``|``; each may carry a sub-type (``ULabel[Perturbation]`` = labels whose ``type`` is the ULabel
"Perturbation"), filters (``bionty.CellType[source__uid='abc']``) and a field
(``bionty.CellType.ontology_id``; default: the registry's name field). Core registries are written bare
(``ULabel``), others with their module (``bionty.CellType``); module registries are accepted by syntax
here and resolved when values are validated.
"""

from __future__ import annotations

import datetime as dt
import re
import types
import typing
from dataclasses import dataclass
from functools import lru_cache

from django.db import models
from django.db.models.query_utils import DeferredAttribute

from .errors import ValidationError

SIMPLE_DTYPES = ("str", "int", "float", "num", "bool", "date", "datetime", "dict")
DTYPE_HELP = (
    "valid dtypes: 'str', 'int', 'float', 'num', 'bool', 'date', 'datetime', 'dict', 'cat', 'cat[ULabel]', "
    "'cat[ULabel[<type name>]]', 'cat[bionty.<Registry>]', 'cat[<Registry>|<Registry>]', 'list[<dtype>]'; "
    "or the Python objects str, int, float, bool, dict, datetime.date, datetime.datetime, ln.ULabel, "
    "list[int]"
)
# core registries that categorical features can point to (labels linked to artifacts with a feature)
CORE_CAT_REGISTRIES = ("ULabel",)

_TARGET_RE = re.compile(
    r"^(?P<registry>[A-Za-z_]\w*(?:\.[A-Z]\w*)?)"  # ULabel, bionty.CellType
    r"(?:\[(?P<sub>[^\[\]]+)\])?"  # [Perturbation] or [source__uid='abc']
    r"(?:\.(?P<field>[a-z_]\w*))?$"  # .ontology_id
)
_FILTER_RE = re.compile(r"^\s*(?P<key>[A-Za-z_][\w]*)\s*=\s*(?P<quote>['\"])(?P<value>.*)(?P=quote)\s*$")


@dataclass(frozen=True)
class CatTarget:
    """One registry a categorical feature's values come from."""

    registry: str  # "ULabel", "bionty.CellType"
    subtype: str | None = None  # name of the type record the values must belong to
    field: str | None = None  # None: the registry's name field
    filters: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class ParsedDtype:
    """A dtype string split into its parts."""

    dtype: str
    base: str  # one of SIMPLE_DTYPES or "cat"
    is_list: bool = False
    targets: tuple[CatTarget, ...] = ()

    @property
    def is_cat(self) -> bool:
        return self.base == "cat"

    @property
    def cat_targets(self) -> tuple[CatTarget, ...]:
        """The registries a categorical's values live in: a bare "cat" holds ULabels (and becomes
        cat[ULabel] on first use, like LaminDB)."""
        return self.targets or (CatTarget("ULabel"),)


def _invalid(dtype: object, why: str = "") -> ValidationError:
    reason = f" ({why})" if why else ""
    return ValidationError(f"dtype {dtype!r} is invalid{reason}; {DTYPE_HELP}")


def _split_top_level(text: str, sep: str = "|") -> list[str]:
    """Split at `sep` outside brackets and quotes."""
    parts, depth, quote, start = [], 0, None, 0
    for i, char in enumerate(text):
        if quote:
            if char == quote:
                quote = None
        elif char in "'\"":
            quote = char
        elif char == "[":
            depth += 1
        elif char == "]":
            depth -= 1
        elif char == sep and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return parts


def _parse_filters(sub: str) -> tuple[tuple[str, str], ...] | None:
    """`k='v', k2='v2'` as pairs, None if `sub` is not a filter expression."""
    if "=" not in sub:
        return None
    pairs = []
    for part in _split_top_level(sub, ","):
        match = _FILTER_RE.match(part)
        if match is None:
            raise ValueError(f"cannot parse filter {part.strip()!r}, write key='value'")
        pairs.append((match["key"], match["value"]))
    return tuple(pairs)


def _parse_target(text: str, dtype: str) -> CatTarget:
    match = _TARGET_RE.match(text.strip())
    if match is None:
        raise _invalid(dtype, f"cannot parse registry {text.strip()!r}")
    registry, sub, field = match["registry"], match["sub"], match["field"]
    if "." not in registry and registry not in CORE_CAT_REGISTRIES:
        valid = ", ".join(CORE_CAT_REGISTRIES)
        raise _invalid(
            dtype, f"unknown registry {registry!r}; core registries: {valid}, others as module.Registry"
        )
    subtype, filters = None, ()
    if sub is not None:
        try:
            parsed_filters = _parse_filters(sub)
        except ValueError as error:
            raise _invalid(dtype, str(error)) from None
        if parsed_filters is None:
            subtype = sub.strip()
        else:
            filters = parsed_filters
    return CatTarget(registry=registry, subtype=subtype, field=field, filters=filters)


@lru_cache(maxsize=512)
def parse_dtype(dtype: str) -> ParsedDtype:
    """Parse a dtype string; raise ValidationError naming the valid dtypes if it is not one."""
    if not isinstance(dtype, str):
        raise _invalid(dtype, "not a string")
    text = dtype.strip()
    if text in SIMPLE_DTYPES:
        return ParsedDtype(dtype=text, base=text)
    if text == "cat":
        return ParsedDtype(dtype=text, base="cat")
    if text.startswith("cat[") and text.endswith("]"):
        inner = text[4:-1]
        if not inner.strip():
            raise _invalid(dtype, "empty registry list")
        targets = tuple(_parse_target(part, dtype) for part in _split_top_level(inner))
        return ParsedDtype(dtype=text, base="cat", targets=targets)
    if text.startswith("list[") and text.endswith("]"):
        element = parse_dtype(text[5:-1])
        if element.is_list:
            raise _invalid(dtype, "nested lists are not supported")
        return ParsedDtype(dtype=text, base=element.base, is_list=True, targets=element.targets)
    raise _invalid(dtype)


def registry_name(model: type) -> str:
    """`ULabel` for core registries, `bionty.CellType` for registries of other modules."""
    app_label = model._meta.app_label
    return model.__name__ if app_label == "lamin_core" else f"{app_label}.{model.__name__}"


def _is_registry(obj: object) -> bool:
    return isinstance(obj, type) and issubclass(obj, models.Model) and not obj._meta.abstract


def _cat_part(obj: object) -> str:
    """The inside of `cat[...]` for one registry, field or type record."""
    if _is_registry(obj):
        return registry_name(obj)
    if isinstance(obj, DeferredAttribute):
        model = obj.field.model
        name_field = getattr(model, "_name_field", "name")
        field = obj.field.name
        return registry_name(model) + ("" if field == name_field else f".{field}")
    if isinstance(obj, models.Model):
        if not getattr(obj, "is_type", False):
            raise ValidationError(
                f"a record used as dtype must be a type (is_type=True), {obj!r} is not; "
                f"create one with ln.{type(obj).__name__}(name=..., is_type=True)"
            )
        return f"{registry_name(type(obj))}[{obj.name}]"
    raise _invalid(obj)


def _simple_from_object(obj: object) -> str | None:
    """The dtype of a Python, numpy or pandas type object, None if it is none of them."""
    if obj is bool:
        return "bool"
    if obj is int:
        return "int"
    if obj is float:
        return "float"
    if obj is str:
        return "str"
    if obj is dict:
        return "dict"
    if obj is dt.datetime:
        return "datetime"
    if obj is dt.date:
        return "date"
    try:
        # heavy: loaded for a numpy or pandas dtype object
        import numpy as np
        import pandas as pd
    except ImportError:  # pragma: no cover
        return None
    if isinstance(obj, pd.CategoricalDtype):
        return "cat"
    if (isinstance(obj, type) and issubclass(obj, np.generic)) or isinstance(
        obj, np.dtype | pd.api.extensions.ExtensionDtype
    ):
        try:
            if pd.api.types.is_bool_dtype(obj):
                return "bool"
            if pd.api.types.is_integer_dtype(obj):
                return "int"
            if pd.api.types.is_float_dtype(obj):
                return "float"
            if pd.api.types.is_datetime64_any_dtype(obj):
                return "datetime"
            if pd.api.types.is_string_dtype(obj):
                return "str"
        except TypeError:
            return None
    return None


def dtype_from_pandas(dtype: object) -> str:
    """The feature dtype of a pandas column dtype, as LaminDB 1.5.3's `serialize_pandas_dtype`: strings
    and objects `str`, categoricals `cat`, any int/float width `int`/`float`, datetimes `datetime`."""
    simple = _simple_from_object(dtype)
    if simple is None:
        raise ValidationError(f"no feature dtype for the pandas dtype {dtype!s}; {DTYPE_HELP}")
    return simple


def serialize_dtype(dtype: object) -> str:
    """The dtype string of `dtype` given as a string or as a Python object; validated."""
    if isinstance(dtype, str):
        return parse_dtype(dtype).dtype
    simple = _simple_from_object(dtype)
    if simple is not None:
        return simple
    origin = typing.get_origin(dtype)
    if origin is list or (isinstance(dtype, types.GenericAlias) and origin is list):
        args = typing.get_args(dtype)
        if len(args) != 1:
            raise _invalid(dtype, "list needs one element type, e.g. list[int]")
        element = serialize_dtype(args[0])
        if element.startswith("list["):
            raise _invalid(dtype, "nested lists are not supported")
        return parse_dtype(f"list[{element}]").dtype
    if isinstance(dtype, list | tuple):
        if not dtype:
            raise _invalid(dtype, "empty list of registries")
        return parse_dtype("cat[" + "|".join(_cat_part(obj) for obj in dtype) + "]").dtype
    return parse_dtype(f"cat[{_cat_part(dtype)}]").dtype
