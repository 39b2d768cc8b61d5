"""Curation verbs of every registry with a name field: `validate`, `inspect`, `standardize`, `from_values`.

One implementation for all registries and QuerySets (`ln.ULabel.validate(...)`,
`ln.ULabel.filter(...).validate(...)`, `bt.CellType.inspect(...)`), with LaminDB 1.5.3's return types and
log lines. Ontology registries add what only they have through optional hooks on the model class:

- `_curation_scope(queryset, field, organism) -> QuerySet`: the records of one organism;
- `_inspect_public(values, field, organism, source, synonyms) -> (in_source, synonym_mapper)`;
- `_standardize_public(values, field, return_field, case_sensitive, organism, source) -> mapper`.

Matching follows LaminDB 1.5.3: `validate` and `inspect` match values exactly (case-sensitive); synonyms
and case variants are mapped only on the name field of a registry with a `synonyms` field; everywhere
else `standardize` maps exact matches only (and converts them to `return_field`).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, Literal

from django.db import models
from django.db.models import Q

from .. import hooks
from .._logger import logger
from ..errors import ValidationError
from .columns import df_columns, field_name, name_field

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    import numpy as np
    import pandas as pd

_CHUNK = 5000  # values per `IN (...)` query: far below SQLite's and PostgreSQL's parameter limits
_SHOWN = 20  # values a log line lists (LaminDB's `_format_values`)
_SHOWN_NOT_VALIDATED = 10  # values the "not validated" line lists (lamin_utils)


# values ------------------------------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    """A Python value for a numpy scalar, the value otherwise."""
    item = getattr(value, "item", None)
    if item is not None and type(value).__module__ == "numpy":
        return item()
    return value


def as_values(values: Any) -> list:
    """Values as a flat list: a string is one value; Series, Index, arrays and lists of lists flatten."""
    if isinstance(values, str):
        return [values]
    if isinstance(values, dict):
        values = list(values)
    tolist = getattr(values, "tolist", None)
    items = tolist() if callable(tolist) else list(values)
    if items and isinstance(items[0], list):  # LaminDB's `_concat_lists`: a column of lists
        items = [v for sub in items if isinstance(sub, list) for v in sub]
    return [_plain(v) for v in items]


def is_empty(value: Any) -> bool:
    """Whether a value counts as missing: None, "", NaN, pandas' NA and NaT."""
    if value is None or (isinstance(value, str) and value == ""):
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return type(value).__name__ in ("NAType", "NaTType")


def _hashable(value: Any) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


def unique_values(values: Iterable) -> list:
    """The distinct non-empty values, in input order."""
    return list(dict.fromkeys(v for v in values if not is_empty(v) and _hashable(v)))


def format_values(values: Iterable, n: int = _SHOWN) -> str:
    """`'a', 'b', ...`: the first `n` distinct values, quoted, as LaminDB logs them."""
    shown = list(dict.fromkeys(str(v) for v in values))
    text = ", ".join(f"'{v}'" for v in shown[:n])
    return text + (", ..." if len(shown) > n else "")


def _s(n: int) -> str:
    return "" if n == 1 else "s"


# fields and scope --------------------------------------------------------------------------------------


def resolve_field(model: type[models.Model], field: object = None) -> str:
    """The name of a plain field given by name or attribute (default: the registry's name field)."""
    name = field_name(field)
    if field is not None and not isinstance(field, str):
        owner = field.field.model  # type: ignore[attr-defined]
        if not issubclass(model, owner):
            raise ValueError(f"{owner.__name__}.{name} is not a field of {model.__name__}")
    if name is None:
        name = name_field(model)
        if name is None:
            raise ValueError(f"{model.__name__} has no name field: pass field=, e.g. {model.__name__}.uid")
    fields = {f.name for f in model._meta.concrete_fields if not f.is_relation}
    if name not in fields:
        valid = ", ".join(sorted(f for f in fields if not f.startswith("_")))
        raise ValueError(f"{model.__name__} has no field {name!r}; valid fields: {valid}")
    return name


def _scope(
    queryset: models.QuerySet, field: str, organism: Any, source: Any, strict_source: bool
) -> models.QuerySet:
    """The records values are checked against: of one organism (ontology registries), of one source."""
    hook = getattr(queryset.model, "_curation_scope", None)
    if hook is not None:
        queryset = hook(queryset, field, organism)
    if strict_source and source is not None:
        queryset = queryset.filter(source=source)
    return queryset


def _check_types(model: type[models.Model], field: str, values: list) -> None:
    """Text fields take strings, number fields numbers (LaminDB raises a TypeError for a mismatch)."""
    internal = model._meta.get_field(field).get_internal_type()
    if internal in ("CharField", "TextField"):
        wanted, ok = "str/categorical", lambda v: isinstance(v, str)
    elif internal.endswith(("IntegerField", "AutoField")) or internal in ("FloatField", "DecimalField"):
        wanted, ok = "numeric", lambda v: isinstance(v, int | float) and not isinstance(v, bool)
    else:
        return
    bad = next((v for v in values if not is_empty(v) and not ok(v)), None)
    if bad is not None:
        got = "numeric" if isinstance(bad, int | float) else type(bad).__name__
        raise TypeError(f"Type mismatch: {model.__name__}.{field} holds {wanted} values, got {got} ({bad!r})")


def _in_chunks(values: list) -> Iterable[list]:
    for start in range(0, len(values), _CHUNK):
        yield values[start : start + _CHUNK]


def _known(queryset: models.QuerySet, field: str, values: list) -> set:
    """The values that some record of `queryset` has in `field` (exact matches)."""
    wanted = unique_values(values)
    found: set = set()
    for chunk in _in_chunks(wanted):
        found.update(queryset.filter(**{f"{field}__in": chunk}).values_list(field, flat=True))
    return found


# results -----------------------------------------------------------------------------------------------


class InspectResult:
    """What `inspect()` found, as LaminDB 1.5.3's: `validated`, `non_validated`, `synonyms_mapper`, ...

    `validated` and `non_validated` hold distinct non-empty values in input order; `frac_validated` is a
    percentage; `synonyms_mapper` maps non-validated values to the names they stand for.
    """

    def __init__(self, values: list, matches: list[bool]) -> None:
        import pandas as pd  # heavy: loaded on first validation

        self._df = pd.DataFrame({"__validated__": list(matches)}, index=pd.Index(values, dtype="object"))
        self._validated = unique_values(v for v, ok in zip(values, matches, strict=True) if ok)
        self._non_validated = unique_values(v for v, ok in zip(values, matches, strict=True) if not ok)
        self._synonyms_mapper: dict = {}
        self.in_public_source: list = []  # non-validated values the public source has (ontologies)

    @property
    def df(self) -> pd.DataFrame:
        """A DataFrame indexed by the values with a boolean `__validated__` column."""
        return self._df

    @property
    def validated(self) -> list:
        """The distinct values that are in the registry."""
        return self._validated

    @property
    def non_validated(self) -> list:
        """The distinct values that are not in the registry."""
        return self._non_validated

    @property
    def synonyms_mapper(self) -> dict:
        """Non-validated values that are synonyms (or case variants) of names: value -> name."""
        return self._synonyms_mapper

    @property
    def synonyms(self) -> dict:
        """Same as `synonyms_mapper`."""
        return self._synonyms_mapper

    @property
    def n_unique(self) -> int:
        """The number of distinct non-empty values."""
        return len(self._validated) + len(self._non_validated)

    @property
    def n_empty(self) -> int:
        """The number of empty and repeated values (ignored)."""
        return len(self._df) - self.n_unique

    @property
    def frac_validated(self) -> float:
        """The percentage of distinct values that are validated (0 for no values)."""
        if self.n_unique == 0:
            return 0
        return 100 - round(len(self._non_validated) / self.n_unique * 100, 1)

    def __getitem__(self, key: str) -> list:
        """`result["validated"]`, `result["non_validated"]` (and the older `mapped`, `not_mapped`)."""
        names = {"validated": "validated", "mapped": "validated"}
        names |= {"non_validated": "non_validated", "not_mapped": "non_validated"}
        if key not in names:
            raise KeyError("invalid key")
        return getattr(self, names[key])

    def __repr__(self) -> str:
        return (
            f"InspectResult(validated={len(self._validated)}, non_validated={len(self._non_validated)}, "
            f"synonyms_mapper={len(self._synonyms_mapper)}, in_public_source={len(self.in_public_source)})"
        )


class RecordList(list):
    """A list of records, as `from_values()` returns it: `.save()`, `.df()`, `.one()`, `.list(field)`."""

    def save(self) -> RecordList:
        """Save every record (one transaction, bulk inserts) and return the list."""
        hooks.save_records(self)
        return self

    def df(self) -> pd.DataFrame:
        """The records' fields as a DataFrame (one row per record)."""
        import pandas as pd  # heavy: loaded on first validation

        if not self:
            return pd.DataFrame()
        columns = df_columns(type(self[0]))
        return pd.DataFrame([[getattr(r, c, None) for c in columns] for r in self], columns=columns)

    def list(self, field: str) -> list:
        """The value of `field` of each record."""
        return [getattr(record, field) for record in self]

    def to_list(self, field: str) -> list:
        """2.x name of `list()`."""
        return self.list(field)

    def one(self) -> Any:
        """The single record; an error if there are none or several."""
        if len(self) != 1:
            raise ValueError(f"expected exactly one record, got {len(self)}")
        return self[0]


# validate ----------------------------------------------------------------------------------------------


def _log_validation(values: list, matches: list[bool], field: str) -> None:
    """lamin_utils' lines: how many distinct values are (not) validated, with the ignored empty ones."""
    if not values:
        logger.warning("input has zero length")
        return
    result = InspectResult(values, matches)
    n_val, n_non = len(result.validated), len(result.non_validated)
    success = ""
    if n_val:
        success = (
            f"{n_val} unique term{_s(n_val)} ({result.frac_validated:.2f}%) "
            f"{'is' if n_val == 1 else 'are'} validated for {field}"
        )
    if result.frac_validated < 100:
        if result.n_empty:
            logger.warning(
                f"received {result.n_unique} unique term{_s(result.n_unique)}, {result.n_empty} "
                f"empty/duplicated term{' is' if result.n_empty == 1 else 's are'} ignored"
            )
        if success:
            logger.success(success)
        if n_non:
            logger.warning(
                f"{n_non} unique term{_s(n_non)} ({100 - result.frac_validated:.2f}%) "
                f"{'is' if n_non == 1 else 'are'} not validated for {field}: "
                f"{format_values(result.non_validated, _SHOWN_NOT_VALIDATED)}"
            )
    else:
        logger.success(success)


def validate(
    queryset: models.QuerySet,
    values: Any,
    field: object = None,
    *,
    mute: bool = False,
    organism: Any = None,
    source: Any = None,
    strict_source: bool = False,
) -> np.ndarray | np.bool_:
    """Whether each value is in `field` of the QuerySet's records, exactly: a boolean numpy array (one
    numpy bool for a single string)."""
    import numpy as np  # heavy: loaded on first validation

    model = queryset.model
    name = resolve_field(model, field)
    items = as_values(values)
    _check_types(model, name, items)
    scope = _scope(queryset, name, organism, source, strict_source)
    known = _known(scope, name, items)
    if not known and not scope.exists():
        if not mute:
            message = f"Your {model.__name__} registry is empty, consider populating it first!"
            if hasattr(model, "import_source"):
                message += (
                    "\n   → use `.import_source()` to import records from a source, e.g. a public ontology"
                )
            logger.warning(message)
        result = np.zeros(len(items), dtype=bool)
    else:
        result = np.array([_hashable(v) and v in known for v in items], dtype=bool)
        if not mute:
            _log_validation(items, result.tolist(), name)
    if isinstance(values, str) and len(result) == 1:
        return result[0]
    return result


# standardize -------------------------------------------------------------------------------------------


def _pick(candidates: list, keep: Literal["first", "last", False]) -> Any:
    """One of several names a value matches: the first or last record by id, or all of them."""
    if keep == "first":
        return candidates[0]
    if keep == "last":
        return candidates[-1]
    return candidates[0] if len(candidates) == 1 else list(candidates)


def _synonym_matching(model: type[models.Model], field: str, synonyms_field: str | None) -> bool:
    """Whether values of `field` are also matched by case and synonyms: the name field of a registry
    with a synonyms field (LaminDB 1.5.3's rule)."""
    if not synonyms_field or field != name_field(model):
        return False
    return any(f.name == synonyms_field for f in model._meta.concrete_fields)


def match_values(
    queryset: models.QuerySet,
    values: list,
    field: str,
    return_field: str,
    *,
    case_sensitive: bool = False,
    keep: Literal["first", "last", False] = "first",
    synonyms_field: str | None = "synonyms",
    ambiguous: list | None = None,
) -> dict:
    """{value: standardized value} for the values that match a record of `queryset`.

    A value matches a record whose `field` equals it; failing that (name field of a registry with
    synonyms), one whose `field` equals it ignoring case, else one that lists it as a synonym. Several
    matching records: `keep` picks the first or last by id, or all. The result is that record's
    `return_field`. Values that matched several distinct results are appended to `ambiguous`.
    """
    wanted = unique_values(values)
    by_value: dict[Any, list] = {}
    for chunk in _in_chunks(wanted):
        rows = queryset.filter(**{f"{field}__in": chunk}).order_by("id").values_list(field, return_field)
        for value, returned in rows:
            by_value.setdefault(value, [])
            if returned not in by_value[value]:
                by_value[value].append(returned)
    mapped = {v: _pick(by_value[v], keep) for v in wanted if v in by_value}
    if ambiguous is not None:
        ambiguous += [v for v in wanted if len(by_value.get(v, ())) > 1]
    rest = [v for v in wanted if v not in mapped and isinstance(v, str)]
    if not rest or not _synonym_matching(queryset.model, field, synonyms_field):
        return mapped

    def key(text: str) -> str:
        return text if case_sensitive else text.lower()

    # case variants and synonyms need the registry's vocabulary (names and synonyms, no whole records)
    by_name: dict[str, list] = {}
    by_synonym: dict[str, list] = {}
    for name, returned, synonyms in queryset.order_by("id").values_list(field, return_field, synonyms_field):
        if isinstance(name, str):
            names = by_name.setdefault(key(name), [])
            if returned not in names:
                names.append(returned)
        for synonym in (synonyms or "").split("|"):
            if synonym and synonym != name:
                targets = by_synonym.setdefault(key(synonym), [])
                if returned not in targets:
                    targets.append(returned)
    for value in rest:
        candidates = by_name.get(key(value)) or by_synonym.get(key(value))
        if candidates:
            mapped[value] = _pick(candidates, keep)
            if ambiguous is not None and len(candidates) > 1:
                ambiguous.append(value)
    return mapped


def standardize(
    queryset: models.QuerySet,
    values: Any,
    field: object = None,
    *,
    return_field: object = None,
    return_mapper: bool = False,
    case_sensitive: bool = False,
    mute: bool = False,
    source_aware: bool = True,
    keep: Literal["first", "last", False] = "first",
    synonyms_field: str | None = "synonyms",
    organism: Any = None,
    source: Any = None,
    strict_source: bool = False,
) -> list | dict | Any:
    """Values with synonyms and case variants replaced by names (a list, one value for a string, or
    with `return_mapper=True` a dict of the changed values); values that match nothing are kept."""
    model = queryset.model
    name = resolve_field(model, field)
    return_name = resolve_field(model, return_field) if return_field is not None else name
    items = as_values(values)
    scope = _scope(queryset, name, organism, source, strict_source)
    ambiguous: list = []
    mapped = match_values(
        scope,
        items,
        name,
        return_name,
        case_sensitive=case_sensitive,
        keep=keep,
        synonyms_field=synonyms_field,
        ambiguous=ambiguous,
    )
    if ambiguous and keep and not mute:  # a choice among several records is never silent
        n = len(ambiguous)
        logger.warning(
            f"{n} value{_s(n)} match{'es' if n == 1 else ''} several {model.__name__} records, took the "
            f"{keep} by id (keep=False returns all): {format_values(ambiguous)}"
        )
    if not mute:
        n_mapped = sum(1 for v in items if _hashable(v) and v in mapped)
        if n_mapped:
            logger.info(f"standardized {n_mapped}/{len(items)} terms")
    mapper = {v: m for v, m in mapped.items() if m != v}
    hook = getattr(model, "_standardize_public", None)
    if source_aware and hook is not None:
        rest = [v for v in unique_values(items) if v not in mapped and isinstance(v, str)]
        public = hook(rest, name, return_name, case_sensitive, organism, source) if rest else {}
        public = {v: m for v, m in public.items() if m != v}
        if public and not mute:
            keys = list(public)
            shown = [*keys[:10], "..."] if len(keys) > 10 else keys
            truncated = " (output truncated)" if len(keys) > 10 else ""
            what = "synonym" if name == return_name else name
            logger.warning(
                f"found {len(keys)} {what}{_s(len(keys))} in public source{truncated}: {shown}\n"
                f"  please add corresponding {model.__name__} records via{truncated}: `.from_values({shown})`"
            )
        mapper.update(public)
        mapped.update(public)
    if return_mapper:
        return mapper
    result = [mapped.get(v, v) if _hashable(v) else v for v in items]
    return result[0] if isinstance(values, str) and len(result) == 1 else result


# inspect -----------------------------------------------------------------------------------------------


def inspect(
    queryset: models.QuerySet,
    values: Any,
    field: object = None,
    *,
    mute: bool = False,
    organism: Any = None,
    source: Any = None,
    from_source: bool = True,
    strict_source: bool = False,
) -> InspectResult:
    """Validated and non-validated values, the synonyms among the latter, and (ontology registries)
    which of the rest the public source has."""
    model = queryset.model
    name = resolve_field(model, field)
    items = as_values(values)
    _check_types(model, name, items)
    scope = _scope(queryset, name, organism, source, strict_source)
    known = _known(scope, name, items)
    result = InspectResult(items, [_hashable(v) and v in known for v in items])
    synonyms = _synonym_matching(model, name, "synonyms")
    if synonyms and result.non_validated:
        mapped = match_values(scope, result.non_validated, name, name, case_sensitive=False)
        result._synonyms_mapper = {v: m for v, m in mapped.items() if m != v}
    if not mute:
        _log_validation(items, result.df["__validated__"].tolist(), name)
        mapper = result.synonyms_mapper
        if mapper:
            casing = "inconsistent casing/" if any(v.lower() == m.lower() for v, m in mapper.items()) else ""
            logger.info(
                f"detected {len(mapper)} unique terms with {casing}synonym{_s(len(mapper))}: "
                f"{', '.join(list(mapper)[:10])}{', ...' if len(mapper) > 10 else ''}"
            )
            logger.info("standardize terms via .standardize()")
    rest = [v for v in result.non_validated if v not in result.synonyms_mapper]
    hook = getattr(model, "_inspect_public", None)
    if from_source and rest and hook is not None:
        in_source, public_synonyms = hook(rest, name, organism, source, synonyms)
        result.in_public_source = list(in_source)
        if not mute:
            if in_source:
                logger.info(
                    f"detected {len(in_source)} {model.__name__} term{_s(len(in_source))} in public source "
                    f"for {name}: {format_values(in_source)}"
                )
            if public_synonyms:
                n = len(public_synonyms)
                logger.info(
                    f"detected {n} {model.__name__} term{_s(n)} in public source as synonym{_s(n)}: "
                    f"{format_values(list(public_synonyms))}"
                )
            if in_source or public_synonyms:
                logger.info(
                    f"add records from public source to your {model.__name__} registry via .from_values()"
                )
        rest = [v for v in rest if v not in set(in_source) and v not in public_synonyms]
    if rest and not mute:
        logger.info(f"couldn't validate {len(rest)} term{_s(len(rest))}: {format_values(rest)}")
        logger.info(
            f"if you are sure, create new record{_s(len(rest))} via {model.__name__}() and save to your "
            "registry"
        )
    return result


# from_values -------------------------------------------------------------------------------------------


def from_values(
    queryset: models.QuerySet,
    values: Any,
    field: object = None,
    *,
    create: bool = False,
    organism: Any = None,
    mute: bool = False,
    found_hook: Callable[[models.Model], Any] | None = None,
    from_source: Callable[[list, str], dict] | None = None,
    new_kwargs: dict | None = None,
) -> RecordList:
    """The records whose `field` has one of `values` (or, via synonyms, stands for one), in input order;
    with `create=True`, new unsaved records for the values that match none.

    Hooks (ontology registries): `found_hook` is applied to each record found, `from_source(values,
    field)` returns {value: record or list of records} for values it can make from a public source (and
    logs them);
    `new_kwargs` are passed to the constructor of new records.
    """
    model = queryset.model
    name = resolve_field(model, field)
    if isinstance(values, str):
        values = [values]
    tolist = getattr(values, "tolist", None)
    wanted = unique_values(_plain(v) for v in (tolist() if callable(tolist) else values))
    _check_types(model, name, wanted)
    scope = _scope(queryset, name, organism, None, False)
    mapped = match_values(scope, wanted, name, name)
    targets = list(dict.fromkeys(mapped.values()))
    by_value: dict[Any, list] = {}
    ordered = scope if scope.ordered else scope.order_by("id")
    for chunk in _in_chunks(targets):
        for record in ordered.filter(**{f"{name}__in": chunk}):
            by_value.setdefault(getattr(record, name), []).append(record)
    for value, group in by_value.items():  # a visible record hides trashed ones of the same value
        visible = [r for r in group if getattr(r, "_branch_code", 1) == 1]
        by_value[value] = visible or group
    direct = [v for v in wanted if mapped.get(v) == v and v in by_value]
    via_synonym = [v for v in wanted if v in mapped and mapped[v] != v and mapped[v] in by_value]
    missing = [v for v in wanted if v not in direct and v not in via_synonym]
    message = ""
    if direct:
        message = f"loaded {len(direct)} {model.__name__} record{_s(len(direct))} matching {name}: "
        message += format_values(direct)
    if via_synonym and not mute:
        if message:
            logger.success(message)
        logger.success(
            f"loaded {len(via_synonym)} {model.__name__} record{_s(len(via_synonym))} matching synonyms: "
            f"{format_values(via_synonym)}"
        )
        message = ""
    made: dict[Any, models.Model] = {}
    if missing and from_source is not None:
        if message and not mute:
            logger.success(message)
        message = ""
        made = from_source(missing, name)
    unmapped = [v for v in missing if v not in made]
    if unmapped and not mute:
        if message:
            logger.success(message)
        if not create:
            n = len(unmapped)
            logger.info(
                f"did not create {model.__name__} record{_s(n)} for {n} non-validated {name}{_s(n)}: "
                f"{format_values(unmapped)}"
            )
    records = RecordList()
    seen: set = set()
    for value in wanted:
        if value in by_value or mapped.get(value) in by_value:
            found = by_value.get(value) or by_value[mapped[value]]
        elif value in made:  # one record, or several (a gene symbol naming several genes)
            found = made[value] if isinstance(made[value], list) else [made[value]]
        elif create:
            found = [model(**{name: value}, **(new_kwargs or {}))]
        else:
            continue
        for record in found:
            key = (type(record), record.pk) if record.pk is not None else id(record)
            if key not in seen:
                seen.add(key)
                if found_hook is not None and record.pk is not None:
                    found_hook(record)
                records.append(record)
    return records


# synonyms ----------------------------------------------------------------------------------------------


def _synonym_list(text: str | None) -> list[str]:
    return [s for s in (text or "").split("|") if s]


def _new_synonyms(synonym: Any) -> list[str]:
    """The synonyms passed to add_synonym/remove_synonym: a string or a list; empty strings are ignored."""
    if isinstance(synonym, str):
        items = [synonym]
    else:
        tolist = getattr(synonym, "tolist", None)
        items = list(tolist() if callable(tolist) else synonym)
    bad = [s for s in items if not isinstance(s, str)]
    if bad:
        raise TypeError(f"synonyms are strings, got {bad[:3]}")
    return list(dict.fromkeys(s for s in items if s))


def _check_synonyms_field(record: models.Model) -> None:
    if not any(f.name == "synonyms" for f in record._meta.concrete_fields):
        raise NotImplementedError(f"No synonyms field found in table {type(record).__name__}!")


def _synonyms_of_others(record: models.Model, synonyms: list[str]) -> dict[str, list[str]]:
    """{synonym: [names of other records of the registry that list it as a synonym]}."""
    query = Q()
    for synonym in synonyms:
        query |= Q(synonyms__contains=synonym)
    model = type(record)
    manager = getattr(model, "all_objects", model._default_manager)
    candidates = manager.filter(query)
    if record.pk is not None:
        candidates = candidates.exclude(pk=record.pk)
    label = name_field(model) or "pk"
    taken: dict[str, list[str]] = {}
    for name, text in candidates.values_list(label, "synonyms"):
        for synonym in set(_synonym_list(text)) & set(synonyms):
            taken.setdefault(synonym, []).append(str(name))
    return taken


def add_synonyms(record: models.Model, synonym: Any, force: bool = False, save: bool | None = None) -> None:
    """`record.add_synonym(...)` (LaminDB 1.5.3): append synonyms, refusing one that another record lists
    unless `force`; a saved record is saved unless `save=False`."""
    _check_synonyms_field(record)
    new = _new_synonyms(synonym)
    if not new:
        return
    if any("|" in s for s in new):
        raise ValidationError("a synonym can't contain '|'!")
    if not force:
        taken = _synonyms_of_others(record, new)
        if taken:
            held = "; ".join(f"'{s}' by {', '.join(repr(n) for n in names)}" for s, names in taken.items())
            raise ValidationError(
                f"you are trying to assign a synonym to record: {record}\n"
                f"    → input synonyms are already associated with other records ({held}); "
                "consider removing the synonym from existing records or using a different synonym "
                "(or pass force=True)."
            )
    current = _synonym_list(record.synonyms)
    record.synonyms = "|".join(current + [s for s in new if s not in current])
    if save if save is not None else not record._state.adding:
        record.save()


def remove_synonyms(record: models.Model, synonym: Any) -> None:
    """`record.remove_synonym(...)` (LaminDB 1.5.3): drop synonyms (unknown ones are ignored); a saved record
    is saved."""
    _check_synonyms_field(record)
    drop = set(_new_synonyms(synonym))
    if not drop:
        return
    kept = [s for s in _synonym_list(record.synonyms) if s not in drop]
    record.synonyms = "|".join(kept) or None
    if not record._state.adding:
        record.save()


# mixins ------------------------------------------------------------------------------------------------


class CurationQuerySetMixin:
    """`validate`, `inspect` and `standardize` against the records of a QuerySet."""

    def validate(self, values: Any, field: object = None, **kwargs: Any) -> np.ndarray | np.bool_:
        """Whether each value is in `field` of these records (a boolean numpy array)."""
        return validate(self, values, field, **kwargs)  # type: ignore[arg-type]

    def inspect(self, values: Any, field: object = None, **kwargs: Any) -> InspectResult:
        """Validated and non-validated values among these records, with synonyms (an InspectResult)."""
        return inspect(self, values, field, **kwargs)  # type: ignore[arg-type]

    def standardize(self, values: Any, field: object = None, **kwargs: Any) -> list | dict | Any:
        """Values with synonyms mapped to these records' names (a list, or a dict with return_mapper)."""
        return standardize(self, values, field, **kwargs)  # type: ignore[arg-type]


class CanCurate:
    """Registry-level `validate`, `inspect`, `standardize` and `from_values` (LaminDB 1.5.3's CanCurate)."""

    def add_synonym(self, synonym: Any, force: bool = False, save: bool | None = None) -> None:
        """Add one synonym or a list (registries with a `synonyms` field; else NotImplementedError).

        A synonym another record of the registry already lists raises a ValidationError unless `force`;
        `|` is not allowed. A saved record is saved (unless `save=False`)."""
        add_synonyms(self, synonym, force=force, save=save)  # type: ignore[arg-type]

    def remove_synonym(self, synonym: Any) -> None:
        """Remove one synonym or a list; a saved record is saved."""
        remove_synonyms(self, synonym)  # type: ignore[arg-type]

    @classmethod
    def validate(
        cls,
        values: Any,
        field: object = None,
        *,
        mute: bool = False,
        organism: Any = None,
        source: Any = None,
        strict_source: bool = False,
    ) -> np.ndarray | np.bool_:
        """Whether each value is in `field` (default: the name field) of a visible record, exactly."""
        return validate(
            cls.objects.all(),  # type: ignore[attr-defined]
            values,
            field,
            mute=mute,
            organism=organism,
            source=source,
            strict_source=strict_source,
        )

    @classmethod
    def inspect(
        cls,
        values: Any,
        field: object = None,
        *,
        mute: bool = False,
        organism: Any = None,
        source: Any = None,
        from_source: bool = True,
        strict_source: bool = False,
    ) -> InspectResult:
        """Validated and non-validated values, with synonyms (an InspectResult, as LaminDB 1.5.3's)."""
        return inspect(
            cls.objects.all(),  # type: ignore[attr-defined]
            values,
            field,
            mute=mute,
            organism=organism,
            source=source,
            from_source=from_source,
            strict_source=strict_source,
        )

    @classmethod
    def standardize(
        cls,
        values: Any,
        field: object = None,
        *,
        return_field: object = None,
        return_mapper: bool = False,
        case_sensitive: bool = False,
        mute: bool = False,
        source_aware: bool = True,
        keep: Literal["first", "last", False] = "first",
        synonyms_field: str | None = "synonyms",
        organism: Any = None,
        source: Any = None,
        strict_source: bool = False,
    ) -> list | dict | Any:
        """Synonyms and case variants mapped to names; a list, one value for a string, or a mapper."""
        return standardize(
            cls.objects.all(),  # type: ignore[attr-defined]
            values,
            field,
            return_field=return_field,
            return_mapper=return_mapper,
            case_sensitive=case_sensitive,
            mute=mute,
            source_aware=source_aware,
            keep=keep,
            synonyms_field=synonyms_field,
            organism=organism,
            source=source,
            strict_source=strict_source,
        )

    @classmethod
    def from_values(
        cls,
        values: Any,
        field: object = None,
        create: bool = False,
        organism: Any = None,
        source: Any = None,
        mute: bool = False,
    ) -> RecordList:
        """The records matching `values` in `field` (default: the name field); `create=True` adds new
        unsaved records for the values that match none."""
        return from_values(
            cls.objects.all(),  # type: ignore[attr-defined]
            values,
            field,
            create=create,
            organism=organism,
            mute=mute,
        )
