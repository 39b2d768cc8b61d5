"""The filter spec: one JSON tree for widgets, REST and code generation (docs/architecture.md).

See "The filter spec" there.

A group is `{"op": "and" | "or", "not": false, "items": [...]}`; its items are groups or conditions
`{"field": "suffix", "lookup": "exact", "value": ".h5ad"}`. A field is a field of the registry, a relation
path (`ulabels__name`, `created_by__handle`) or, on registries with features, a feature name (dict
features take key paths: `study_metadata__detail1`). Every name is checked against the registry before it
reaches Django, lookups come from a fixed list per type, values are type-checked, and generated code
writes values with `repr()`.

`to_q(model, spec)` gives the Django `Q`; `to_code(model, spec)` the equivalent Python, and running that
code gives the same rows as `model.filter(to_q(model, spec))`.
"""

from __future__ import annotations

import datetime as dt
import difflib
import keyword
import math
import re
import reprlib
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from django.db import models
from django.db.models import Q
from django.db.models.fields.json import KeyTransform

from lamin_core import plugins
from lamin_core.dtypes import parse_dtype, registry_name  # registry_name: `Artifact`, `bionty.CellType`
from lamin_core.errors import LaminError
from lamin_core.query.ancestry import parents_field
from lamin_core.query.descendants import descendants_of, unknown_term
from lamin_core.query.include import label_field as include_label
from lamin_core.query.label_links import label_links

from .errors import BadRequest

# lookups per kind of value; "ne" is "not equal" (a negated exact), "isnull" is "is empty"
LOOKUPS: dict[str, tuple[str, ...]] = {
    "text": ("exact", "ne", "contains", "icontains", "startswith", "in", "isnull"),
    "number": ("exact", "ne", "gt", "gte", "lt", "lte", "in", "isnull"),
    "bool": ("exact", "ne", "isnull"),
    "datetime": ("gt", "gte", "lt", "lte", "isnull"),
    "json": ("isnull",),
    # categorical features: the names of the linked labels
    "label": ("exact", "ne", "contains", "startswith", "in"),
    # scalar feature values (JSON): no "is empty", comparisons only for numbers
    "feature_text": ("exact", "ne", "in"),
    "feature_number": ("exact", "ne", "gt", "gte", "lt", "lte", "in"),
    "feature_bool": ("exact", "ne"),
}
# a term of a registry with parents (the ontologies, ULabel) or any term below it: `cell_types__name` and
# `cat[bionty.CellType]` features add it; the code says `cell_types__descendant_of="T cell"`
DESCENDANT_OF = "descendant_of"
LOOKUP_LABELS = {
    "exact": "=",
    "ne": "≠",
    "contains": "contains",
    "icontains": "contains (any case)",
    "startswith": "starts with",
    "gt": ">",
    "gte": "≥",
    "lt": "<",
    "lte": "≤",
    "in": "in",
    "isnull": "is empty",
    DESCENDANT_OF: "is or below",
}
MAX_DEPTH = 6  # nesting of groups
MAX_CONDITIONS = 100
MAX_PATH_HOPS = 3  # relations crossed by one field path
MAX_TEXT = 1000
MAX_IN = 1000
MAX_CLOSURE = 10_000  # ids of a descendant_of closure written into the SQL; more stay a subquery
_TEXT_FIELDS = (models.CharField, models.TextField)
_NUMBER_FIELDS = (models.IntegerField, models.FloatField, models.DecimalField, models.AutoField)
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_DICT_KEY = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_ .-]*$")


class FilterSpecError(BadRequest):
    """A filter spec (or sort order) names something that does not exist or does not fit its type."""


_SHOWN = reprlib.Repr()
_SHOWN.maxlevel, _SHOWN.maxstring, _SHOWN.maxother = 3, 80, 80


def shown(value: object) -> str:
    """A value from a request, for an error message: its repr cut short (a list nested a thousand levels
    deep has no repr, an int of 5,000 digits no str: those give their type)."""
    try:
        return _SHOWN.repr(value)
    except (RecursionError, ValueError):
        return f"<{type(value).__name__}>"


def text_problem(value: str) -> str | None:
    """What keeps the databases from taking a text, as the end of a sentence, or None: a NUL (PostgreSQL
    refuses it) or invalid Unicode (a lone surrogate)."""
    if "\x00" in value:
        return "contains a NUL character (\\x00); remove it"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as e:
        return f"is not valid Unicode ({e.reason} at position {e.start})"
    return None


def _valid_text(info: FieldInfo, value: str) -> str:
    """The value of a text condition, or a FilterSpecError naming its field and what is wrong."""
    problem = text_problem(value)
    if problem is not None:
        raise FilterSpecError(f"a value for {info.path!r} {problem}")
    return value


@dataclass(frozen=True)
class FieldInfo:
    """What a field path resolves to: its kind (which lookups and values fit) and where it points."""

    path: str
    kind: str
    is_feature: bool = False
    to_many: bool = False
    target: str | None = None  # registry whose records give values (labels, relations): autocomplete
    target_field: str | None = None
    dtype: str | None = None  # the feature dtype or Django field type
    lookups: tuple[str, ...] = field(default=())

    def as_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "kind": self.kind,
            "is_feature": self.is_feature,
            "to_many": self.to_many,
            "target": self.target,
            "target_field": self.target_field,
            "dtype": self.dtype,
            "lookups": list(self.lookups),
        }


# -- names ------------------------------------------------------------------------------------------------


def registry_expression(model: type[models.Model]) -> str:
    """How generated code names a registry: `ln.Artifact`, `bt.CellType` (a module's alias, from its
    plugin), else its registry name."""
    prefix = plugins.code_prefix(model._meta.app_label)
    return f"{prefix}.{model.__name__}" if prefix else registry_name(model)


def field_kind(field: models.Field) -> str | None:
    """The kind of a concrete Django field (None: not filterable)."""
    if isinstance(field, models.BooleanField):
        return "bool"
    if isinstance(field, models.DateTimeField | models.DateField):
        return "datetime"
    if isinstance(field, _TEXT_FIELDS):
        return "text"
    if isinstance(field, _NUMBER_FIELDS):
        return "number"
    if isinstance(field, models.JSONField):
        return "json"
    return None


def public_fields(model: type[models.Model]) -> list[models.Field]:
    """The concrete, non-relation fields a user filters and sorts by (no private ones)."""
    return [
        f
        for f in model._meta.concrete_fields
        if not f.is_relation and not f.name.startswith("_") and field_kind(f) is not None
    ]


def public_relations(model: type[models.Model]) -> list:
    """Forward and reverse relations a path may cross (no private ones, no hidden reverse accessors)."""
    relations = []
    for f in model._meta.get_fields():
        if not f.is_relation or f.related_model is None:
            continue
        name = f.name
        if name.startswith("_") or name.startswith("links_"):
            continue
        if f.auto_created and not f.concrete:
            # a reverse relation: skip accessors hidden with related_name="+" and private ones
            accessor = f.get_accessor_name() or ""
            if accessor.endswith("+") or accessor.startswith("_") or (f.related_name or "").endswith("+"):
                continue
            if getattr(f.remote_field, "name", "").startswith("_"):
                continue
        if f.related_model._meta.auto_created:  # implicit many-to-many tables
            continue
        relations.append(f)
    return relations


def label_field(model: type[models.Model]) -> str | None:
    """The human-readable field of a registry: `df(include=...)`'s label field, else `handle` or `root`."""

    names = {f.name for f in model._meta.concrete_fields}
    return include_label(model) or next((n for n in ("handle", "root") if n in names), None)


def _has_features(model: type[models.Model]) -> bool:
    return bool(getattr(model, "_has_features", False))


def _feature_rows(model: type[models.Model]) -> dict[str, str | None]:
    if not _has_features(model):
        return {}
    from lamin_core.models import Feature  # the models load with Django's app registry

    return dict(Feature.objects.values_list("name", "dtype"))


def _hierarchical_labels(model: type[models.Model], registries: list[str]) -> bool:
    """Whether every label registry of a categorical dtype has parents (`descendant_of` applies)."""
    links = label_links(model)
    return all(name in links and parents_field(links[name].registry) is not None for name in registries)


def _feature_info(
    model: type[models.Model], path: str, name: str, keys: list[str], dtype: str | None
) -> FieldInfo:
    parsed = parse_dtype(dtype) if dtype else None
    base = parsed.base if parsed else None
    lookups = None
    if base == "cat":
        target = parsed.targets[0].registry if parsed.targets else "ULabel"
        kind = "label"
        if _hierarchical_labels(model, [t.registry for t in parsed.targets] or ["ULabel"]):
            lookups = (*LOOKUPS[kind], DESCENDANT_OF)
    elif base == "dict":
        if not keys:
            raise FilterSpecError(f"feature {name!r} holds dicts: filter by a key, e.g. {f'{name}__<key>'!r}")
        target, kind = None, "feature_text"
    elif base in ("int", "float", "num"):
        target, kind = None, "feature_number"
    elif base == "bool":
        target, kind = None, "feature_bool"
    else:  # str, date, datetime: compared as their stored text
        target, kind = None, "feature_text"
    if keys and base != "dict":
        raise FilterSpecError(f"feature {name!r} (dtype {dtype!r}) has no keys; use {name!r} alone")
    if keys and base == "dict":
        kind = "feature_text"  # nested values: exact matches on their JSON
    return FieldInfo(
        path=path,
        kind=kind,
        is_feature=True,
        target=target,
        target_field="name" if target == "ULabel" else None,
        dtype=dtype,
        lookups=lookups or LOOKUPS[kind],
    )


@cache
def _json_lookup_names() -> frozenset[str]:
    """Names Django reads as a lookup or transform after a JSON key (`regex`, `has_key`, ...): a dict key
    path may not contain them, so the lookup of a condition is always the one from LOOKUPS."""

    return frozenset(models.JSONField.get_lookups()) | frozenset(KeyTransform.get_lookups())


def _unknown(model: type[models.Model], name: str, choices: list[str], what: str) -> FilterSpecError:
    close = difflib.get_close_matches(name, choices, n=3)
    hint = f" Did you mean {', '.join(map(repr, close))}?" if close else ""
    return FilterSpecError(
        f"{model.__name__} has no {what} {name!r}.{hint} Valid: {', '.join(sorted(choices)) or 'none'}."
    )


def resolve(
    model: type[models.Model], path: object, features: dict[str, str | None] | None = None
) -> FieldInfo:
    """Check a field path (field, relation path or feature) against the registry and describe it."""
    if not isinstance(path, str) or not path:
        raise FilterSpecError(f"a field must be a non-empty string, got {shown(path)}")
    if len(path) > 300:
        raise FilterSpecError("a field path may have at most 300 characters")
    parts = path.split("__")
    current = model
    to_many = False
    for position, part in enumerate(parts):
        own = {f.name: f for f in public_fields(current)}
        relations = {f.name: f for f in public_relations(current)}
        last = position == len(parts) - 1
        if part in own and last:
            f = own[part]
            kind = field_kind(f)
            target, lookups = None, LOOKUPS[kind]
            if kind == "text" and position > 0 and part == label_field(current):
                target = registry_name(current)
                if parents_field(current) is not None:  # `cell_types__name`: the term or a term below
                    lookups = (*lookups, DESCENDANT_OF)
            return FieldInfo(
                path=path,
                kind=kind,
                to_many=to_many,
                target=target,
                target_field=part if target else None,
                dtype=type(f).__name__,
                lookups=lookups,
            )
        if part in relations and not last:
            if position + 1 > MAX_PATH_HOPS:
                raise FilterSpecError(f"{path!r} crosses more than {MAX_PATH_HOPS} relations")
            relation = relations[part]
            to_many = to_many or relation.many_to_many or relation.one_to_many
            current = relation.related_model
            continue
        if part in relations and last:
            target_model = relations[part].related_model
            name_field = label_field(target_model)
            hint = f"; e.g. {path + '__' + name_field!r}" if name_field else ""
            raise FilterSpecError(f"{path!r} is a relation: name one of its fields{hint}")
        if part in own:
            raise FilterSpecError(f"{path!r}: {part!r} is not a relation, nothing follows it")
        if position == 0:
            features = _feature_rows(model) if features is None else features
            if part in features:
                keys = parts[1:]
                for key in keys:
                    if not _DICT_KEY.match(key):
                        raise FilterSpecError(f"invalid dict key {key!r} in {path!r}")
                    if key in _json_lookup_names():
                        raise FilterSpecError(
                            f"{path!r}: {key!r} is a lookup name, not a dict key; the lookup goes in "
                            f"the condition's 'lookup' ({', '.join(LOOKUPS['feature_text'])})"
                        )
                return _feature_info(model, path, part, keys, features[part])
            choices = [*own, *relations, *features]
            what = "field, relation or feature" if _has_features(model) else "field or relation"
            raise _unknown(model, part, choices, what)
        raise _unknown(current, part, [*own, *relations], "field or relation")
    raise FilterSpecError(f"invalid field path {path!r}")  # pragma: no cover


# -- values -----------------------------------------------------------------------------------------------


def _check_scalar(info: FieldInfo, value: object) -> object:
    kind = info.kind
    if kind in ("text", "label", "feature_text"):
        if not isinstance(value, str):
            raise FilterSpecError(f"{info.path!r} takes text, got {type(value).__name__} {shown(value)}")
        if len(value) > MAX_TEXT:
            raise FilterSpecError(f"a value for {info.path!r} may have at most {MAX_TEXT} characters")
        return _valid_text(info, value)
    if kind in ("number", "feature_number"):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise FilterSpecError(f"{info.path!r} takes a number, got {type(value).__name__} {shown(value)}")
        if isinstance(value, float) and not math.isfinite(value):
            raise FilterSpecError(f"{info.path!r} takes a finite number, got {value!r}")
        # the registries' number fields are integers (a float is rounded to one): 64 bits at most
        if (isinstance(value, int) or kind == "number") and abs(value) > 2**63 - 1:
            raise FilterSpecError(f"{shown(value)} is out of range for {info.path!r}")
        if isinstance(value, float) and not value.is_integer() and _is_integer_field(info):
            # Django would compare with int(value): `size < 1.5` would miss size 1
            raise FilterSpecError(f"{info.path!r} holds whole numbers, got {value!r}")
        return value
    if kind in ("bool", "feature_bool"):
        if not isinstance(value, bool):
            raise FilterSpecError(
                f"{info.path!r} takes true or false, got {type(value).__name__} {shown(value)}"
            )
        return value
    if kind == "datetime":
        if not isinstance(value, str):
            raise FilterSpecError(f"{info.path!r} takes an ISO date or datetime text, got {shown(value)}")
        if info.dtype == "DateField":  # a date, no time: Django refuses a datetime for it
            try:
                return dt.date.fromisoformat(value).isoformat()
            except ValueError:
                raise FilterSpecError(
                    f"{info.path!r} takes an ISO date like '2025-05-08', got {shown(value)}"
                ) from None
        try:
            parsed = dt.datetime.fromisoformat(value)
            if parsed.tzinfo:
                parsed.astimezone(dt.UTC)  # as the database compares it: 0001-01-01T00:00+14:00 is year 0
        except ValueError:
            raise FilterSpecError(
                f"{info.path!r} takes an ISO date or datetime like '2025-05-08' or '2025-05-08T07:32:00', "
                f"got {shown(value)}"
            ) from None
        except OverflowError:
            raise FilterSpecError(f"{shown(value)} is out of range for {info.path!r} (in UTC)") from None
        # times without a zone are UTC (written out, so that the code says so and Django does not warn)
        return value if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC).isoformat()
    raise FilterSpecError(f"{info.path!r} cannot be compared with a value")


def _is_integer_field(info: FieldInfo) -> bool:
    return not info.is_feature and bool(info.dtype) and info.dtype.endswith(("IntegerField", "AutoField"))


def check_value(info: FieldInfo, lookup: str, value: object) -> object:
    """The value if it fits the field's kind and the lookup; a FilterSpecError saying what fits otherwise."""
    if lookup == "isnull":
        if not isinstance(value, bool):
            raise FilterSpecError(f"'is empty' on {info.path!r} takes true or false, got {shown(value)}")
        return value
    if lookup == "in" or (lookup == DESCENDANT_OF and isinstance(value, list | tuple)):
        if not isinstance(value, list | tuple):
            raise FilterSpecError(f"'in' on {info.path!r} takes a list of values, got {shown(value)}")
        if len(value) > MAX_IN:
            raise FilterSpecError(f"{shown(lookup)} takes at most {MAX_IN} values")
        if not value:
            raise FilterSpecError(f"{shown(lookup)} on {info.path!r} takes at least one value")
        return [_check_scalar(info, v) for v in value]
    return _check_scalar(info, value)


# -- the spec ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Condition:
    info: FieldInfo
    lookup: str
    value: object

    @property
    def key(self) -> str:
        """The keyword of `filter()` (the field path plus the lookup, `exact` and `ne` left out;
        `descendant_of` follows the relation, not its name field: `cell_types__descendant_of`)."""
        if self.lookup in ("exact", "ne"):
            return self.info.path
        if self.lookup == DESCENDANT_OF and not self.info.is_feature:
            return f"{self.info.path.rsplit('__', 1)[0]}__{DESCENDANT_OF}"
        return f"{self.info.path}__{self.lookup}"

    @property
    def negated(self) -> bool:
        return self.lookup == "ne"


@dataclass(frozen=True)
class Group:
    op: str
    negated: bool
    items: tuple


def empty_spec() -> dict:
    """The spec that matches everything."""
    return {"op": "and", "not": False, "items": []}


def parse(model: type[models.Model], spec: object) -> Group:
    """Validate a spec against a registry; raise FilterSpecError naming the first problem."""
    features = _feature_rows(model)
    count = [0]

    def group(node: object, depth: int) -> Group:
        if depth > MAX_DEPTH:
            raise FilterSpecError(f"groups may be nested at most {MAX_DEPTH} deep")
        if not isinstance(node, dict):
            raise FilterSpecError(f"a group must be an object, got {type(node).__name__}")
        extra = set(node) - {"op", "not", "items"}
        if extra:
            raise FilterSpecError(f"unknown group keys {sorted(extra, key=str)}; a group has op, not, items")
        op = node.get("op", "and")
        if op not in ("and", "or"):
            raise FilterSpecError(f"a group's op is 'and' or 'or', got {shown(op)}")
        negated = node.get("not", False)
        if not isinstance(negated, bool):
            raise FilterSpecError(f"a group's 'not' is true or false, got {shown(negated)}")
        items = node.get("items", [])
        if not isinstance(items, list):
            raise FilterSpecError(f"a group's items must be a list, got {type(items).__name__}")
        return Group(op, negated, tuple(item(i, depth) for i in items))

    def item(node: object, depth: int):
        if isinstance(node, dict) and "items" in node:
            return group(node, depth + 1)
        if not isinstance(node, dict):
            raise FilterSpecError(f"a condition must be an object, got {type(node).__name__}")
        extra = set(node) - {"field", "lookup", "value"}
        if extra:
            raise FilterSpecError(
                f"unknown condition keys {sorted(extra, key=str)}; a condition has field, lookup, value"
            )
        count[0] += 1
        if count[0] > MAX_CONDITIONS:
            raise FilterSpecError(f"a filter may have at most {MAX_CONDITIONS} conditions")
        info = resolve(model, node.get("field"), features)
        lookup = node.get("lookup", "exact")
        if lookup not in info.lookups:
            raise FilterSpecError(
                f"lookup {shown(lookup)} does not fit {info.path!r} ({info.kind}); "
                f"valid: {', '.join(info.lookups)}"
            )
        if "value" not in node:
            raise FilterSpecError(f"the condition on {info.path!r} has no value")
        return Condition(info, lookup, check_value(info, lookup, node["value"]))

    if spec is None:
        spec = empty_spec()
    return group(spec, 0)


def crosses_to_many(model: type[models.Model], spec: object) -> bool:
    """Whether a condition of the spec goes through a to-many relation (`ulabels__name`): its join can
    repeat a record, so the records it selects are counted and paged with `.distinct()`."""

    def walk(node) -> bool:
        if isinstance(node, Condition):
            return node.info.to_many
        return any(walk(item) for item in node.items)

    return walk(parse(model, spec))


def _descendants_q(model: type[models.Model], condition: Condition) -> Q:
    """`cell_types__descendant_of` as the plain `__in` of the ids of the term's closure (found by one
    recursive query first): the planner then drives a first page from the records and a count from the
    links, as for any `__in`; with a subquery in the list it reads every link first (benchmarks/
    DESCENDANTS.md). The condition is to-many: paged and counted with `.distinct()`."""
    *path, _ = condition.info.path.split("__")
    target = model
    for step in path:
        target = target._meta.get_field(step).related_model
    closure = descendants_of(target, condition.value)
    if closure is None:
        raise FilterSpecError(unknown_term(target, condition.value))
    ids = list(target._base_manager.filter(pk__in=closure).values_list("pk", flat=True)[: MAX_CLOSURE + 1])
    return Q(**{f"{'__'.join(path)}__in": closure if len(ids) > MAX_CLOSURE else ids})


def to_q(model: type[models.Model], spec: object) -> Q:
    """The Django Q of a spec (feature names stay keywords; the registry's filter() translates them)."""

    def build(node) -> Q:
        if isinstance(node, Condition):
            if node.lookup == DESCENDANT_OF and not node.info.is_feature:
                return _descendants_q(model, node)
            q = Q(**{node.key: node.value})
            return ~q if node.negated else q
        result = Q()
        for part in (build(i) for i in node.items):
            if not result:
                result = part
                continue
            result = result | part if node.op == "or" else result & part
        return ~result if node.negated and node.items else result

    return build(parse(model, spec))


def _keyword_ok(key: str) -> bool:
    # ASCII only: Python reads a keyword in fullwidth letters as its ASCII twin (NFKC): another field
    return key.isascii() and key.isidentifier() and not keyword.iskeyword(key)


def _q_code(condition: Condition) -> str:
    if _keyword_ok(condition.key):
        text = f"ln.Q({condition.key}={condition.value!r})"
    else:
        text = f"ln.Q(**{{{condition.key!r}: {condition.value!r}}})"
    return f"~{text}" if condition.negated else text


def _expression(node, top: bool = False) -> str:
    if isinstance(node, Condition):
        return _q_code(node)
    parts = [_expression(i) for i in node.items]
    if not parts:
        return "ln.Q()"
    joined = f" {'|' if node.op == 'or' else '&'} ".join(parts)
    if node.negated:
        return f"~({joined})"
    return joined if top or len(parts) == 1 else f"({joined})"


def filter_arguments(model: type[models.Model], spec: object) -> str:
    """The arguments of `filter(...)` for a spec: keywords where they are plain, `ln.Q` expressions else."""
    root = parse(model, spec)
    if not root.items:
        return ""
    if root.op == "and" and not root.negated:
        keywords, positional, seen = [], [], set()
        for node in root.items:
            plain = isinstance(node, Condition) and not node.negated and _keyword_ok(node.key)
            if plain and node.key not in seen:
                seen.add(node.key)
                keywords.append(f"{node.key}={node.value!r}")
            else:
                positional.append(_expression(node, top=True))
        return ", ".join([*positional, *keywords])
    return _expression(root, top=True)


def to_code(model: type[models.Model], spec: object, base: str | None = None) -> str:
    """Python that selects the same records: `ln.Artifact.filter(suffix='.h5ad', perturbation='DMSO')`."""
    return f"{base or registry_expression(model)}.filter({filter_arguments(model, spec)})"


def check_order(model: type[models.Model], order: object) -> list[str]:
    """Validated `order_by` arguments: fields or to-one relation paths, `-` for descending."""
    if order is None:
        return []
    if isinstance(order, str):
        order = [order]
    if not isinstance(order, list | tuple) or len(order) > 5:
        raise FilterSpecError(f"order is a list of at most 5 field names, got {shown(order)}")
    checked = []
    for name in order:
        if not isinstance(name, str):
            raise FilterSpecError(f"order takes field names, got {shown(name)}")
        path = name.removeprefix("-")
        info = resolve(model, path, {})
        if info.to_many or info.kind == "json":
            raise FilterSpecError(f"cannot sort by {path!r}: it has several or structured values per record")
        checked.append(name)
    return checked


def field_choices(model: type[models.Model]) -> dict[str, Any]:
    """Everything a filter builder offers for a registry: fields, relations (one level) and features."""
    fields = [resolve(model, f.name, {}).as_dict() for f in public_fields(model)]
    relations = []
    for relation in public_relations(model):
        target = relation.related_model
        to_many = bool(relation.many_to_many or relation.one_to_many)
        relations.append(
            {
                "name": relation.name,
                "target": registry_name(target),
                "to_many": to_many,
                "label_field": label_field(target),
                "fields": [
                    resolve(model, f"{relation.name}__{f.name}", {}).as_dict() for f in public_fields(target)
                ],
            }
        )
    features = []
    for name, dtype in sorted(_feature_rows(model).items()):
        try:
            parsed = parse_dtype(dtype) if dtype else None
        except LaminError:
            continue
        if parsed is not None and parsed.base == "dict":
            info = FieldInfo(path=name, kind="dict", is_feature=True, dtype=dtype, lookups=())
        elif parsed is None or (parsed.is_list and parsed.base != "cat"):
            continue
        else:
            info = _feature_info(model, name, name, [], dtype)
        features.append(info.as_dict())
    return {"fields": fields, "relations": relations, "features": features}
