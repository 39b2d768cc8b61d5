"""`validate`, `inspect` and `standardize` against a registry's records (the database, not the source)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .._logger import logger
from ._records import find_organism, requires_organism
from .public import _as_list, _field_name

if TYPE_CHECKING:
    import numpy as np
    from django.db.models import QuerySet

    from .models import BioRecord

MAX_LISTED = 10


def _shown(values: list) -> str:
    text = ", ".join(repr(v) for v in values[:MAX_LISTED])
    return text + (f", ... ({len(values)} in all)" if len(values) > MAX_LISTED else "")


def _check_field(registry: type[BioRecord], name: str) -> str:
    fields = {f.name for f in registry._meta.concrete_fields if not f.is_relation}
    if name not in fields:
        valid = ", ".join(sorted(f for f in fields if not f.startswith("_")))
        raise ValueError(f"{registry.__name__} has no field {name!r}; valid fields: {valid}")
    return name


def _records(registry: type[BioRecord], field_name: str, organism) -> QuerySet:
    """The records values are checked against (of one organism where records belong to organisms)."""
    queryset = registry.objects.all()
    if requires_organism(registry) and (organism is not None or field_name != registry._ontology_id_field):
        queryset = queryset.filter(organism=find_organism(organism, registry))
    return queryset


def _known(registry: type[BioRecord], values: list, field_name: str, organism) -> set:
    wanted = list({v for v in values if v is not None})
    if not wanted:
        return set()
    queryset = _records(registry, field_name, organism)
    return set(queryset.filter(**{f"{field_name}__in": wanted}).values_list(field_name, flat=True))


def validate(
    registry: type[BioRecord], values, field=None, *, organism=None, mute: bool = False
) -> np.ndarray:
    """Whether each value is in the registry's `field` (name by default), as a boolean array."""
    import numpy as np

    field_name = _check_field(registry, _field_name(field) or registry._name_field)
    items = _as_list(values)
    known = _known(registry, items, field_name, organism)
    result = np.array([v in known for v in items], dtype=bool)
    if not mute:
        bad = list(dict.fromkeys(v for v, ok in zip(items, result, strict=True) if not ok))
        if bad:
            logger.warning(
                f"{len(bad)} values are not validated in {registry.__name__}.{field_name}: {_shown(bad)}"
            )
        elif items:
            logger.success(f"all {len(set(items))} values are validated in {registry.__name__}.{field_name}")
    return result


@dataclass
class InspectResult:
    """What `inspect()` found: validated and non-validated values, and how to fix the latter."""

    validated: list
    non_validated: list
    synonyms: dict[str, str] = field(default_factory=dict)  # non-validated value -> standardized name
    in_public_source: list = field(default_factory=list)  # non-validated values the public source knows

    @property
    def frac_validated(self) -> float:
        total = len(self.validated) + len(self.non_validated)
        return 1.0 if total == 0 else len(self.validated) / total

    def __repr__(self) -> str:
        return (
            f"InspectResult(validated={len(self.validated)}, non_validated={len(self.non_validated)}, "
            f"synonyms={len(self.synonyms)}, in_public_source={len(self.in_public_source)})"
        )


def inspect(
    registry: type[BioRecord], values, field=None, *, organism=None, mute: bool = False
) -> InspectResult:
    """Validated and non-validated values (unique, in input order), with synonyms and public-source hints."""
    field_name = _check_field(registry, _field_name(field) or registry._name_field)
    items = list(dict.fromkeys(v for v in _as_list(values) if v is not None))
    known = _known(registry, items, field_name, organism)
    validated = [v for v in items if v in known]
    non_validated = [v for v in items if v not in known]
    result = InspectResult(validated, non_validated)
    if non_validated and field_name == registry._name_field:
        mapped = standardize(registry, non_validated, field_name, organism=organism, mute=True)
        result.synonyms = {v: m for v, m in zip(non_validated, mapped, strict=True) if m != v}
    rest = [v for v in non_validated if v not in result.synonyms]
    if rest:
        result.in_public_source = _in_public_source(registry, rest, field_name, organism)
    if not mute:
        name = registry.__name__
        logger.info(f"{len(validated)} of {len(items)} values are validated in {name}.{field_name}")
        if result.synonyms:
            pairs = ", ".join(f"{k!r} -> {v!r}" for k, v in list(result.synonyms.items())[:MAX_LISTED])
            logger.warning(f"{len(result.synonyms)} values are synonyms ({pairs}): use {name}.standardize()")
        if result.in_public_source:
            logger.warning(
                f"{len(result.in_public_source)} values are in the public source: "
                f"{_shown(result.in_public_source)}"
                f" — create them with {name}.from_values(values, field={field_name!r})"
            )
        unknown = [v for v in rest if v not in result.in_public_source]
        if unknown:
            logger.warning(
                f"{len(unknown)} values are neither in {name} nor in its public source: {_shown(unknown)}"
            )
    return result


def _in_public_source(registry: type[BioRecord], values: list, field_name: str, organism) -> list:
    from .errors import NoPublicSourceError, OrganismError
    from .public import public_ontology

    try:
        public = public_ontology(registry, organism=organism)
    except (NoPublicSourceError, OrganismError):
        return []
    try:
        ok = public.validate(values, field_name)
    except ValueError:
        return []
    return [v for v, good in zip(values, ok, strict=True) if good]


def standardize(
    registry: type[BioRecord],
    values,
    field=None,
    *,
    return_field=None,
    case_sensitive: bool = False,
    organism=None,
    mute: bool = False,
) -> Any:
    """Values with synonyms (and case variants) replaced by the records' names; the rest kept as given."""
    field_name = _check_field(registry, _field_name(field) or registry._name_field)
    return_name = _check_field(registry, _field_name(return_field) or field_name)
    single = isinstance(values, str)
    items = _as_list(values)
    has_synonyms = any(f.name == "synonyms" for f in registry._meta.concrete_fields)
    queryset = _records(registry, field_name, organism)
    columns = [field_name, return_name, *(["synonyms"] if has_synonyms else [])]

    def key(text: str) -> str:
        return text if case_sensitive else text.casefold()

    direct: dict[str, Any] = {}
    by_synonym: dict[str, Any] = {}
    ambiguous: set[str] = set()
    strings = [v for v in items if isinstance(v, str)]
    # synonyms and case variants need the registry's vocabulary: names and synonyms, no whole records
    rows = queryset.values_list(*columns) if strings else []
    for row in rows:
        name, returned = row[0], row[1]
        if isinstance(name, str):
            direct.setdefault(key(name), returned)
        synonyms = row[2] if has_synonyms else None
        for synonym in (synonyms or "").split("|"):
            if synonym:
                k = key(synonym)
                if k in by_synonym and by_synonym[k] != returned:
                    ambiguous.add(k)
                by_synonym.setdefault(k, returned)
    out, changed = [], {}
    for value in items:
        if not isinstance(value, str):
            out.append(value)
            continue
        k = key(value)
        if k in direct:
            new = direct[k]
        elif k in by_synonym and k not in ambiguous:
            new = by_synonym[k]
        else:
            new = value
        if new != value:
            changed[value] = new
        out.append(new)
    if not mute and changed:
        pairs = ", ".join(f"{k!r} -> {v!r}" for k, v in list(changed.items())[:MAX_LISTED])
        logger.info(f"standardized {len(changed)} values of {registry.__name__}.{field_name}: {pairs}")
    return out[0] if single else out
