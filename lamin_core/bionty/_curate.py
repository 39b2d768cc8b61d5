"""What ontology registries add to `validate`, `inspect` and `standardize` (`lamin_core.query.curation`):
the records of one organism, and the public source for values the registry does not have.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._records import find_organism, requires_organism
from .errors import NoPublicSourceError, OrganismError
from .public import public_ontology

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from .models import BioRecord


def scope(registry: type[BioRecord], queryset: QuerySet, field_name: str, organism: Any) -> QuerySet:
    """The records values are checked against: of one organism where records belong to organisms (not
    needed for a registry-wide identifier such as an Ensembl gene id, unless an organism is given)."""
    if requires_organism(registry) and (organism is not None or field_name != registry._ontology_id_field):
        queryset = queryset.filter(organism=find_organism(organism, registry))
    return queryset


def _public(registry: type[BioRecord], organism: Any, source: Any):
    try:
        return public_ontology(registry, organism=organism, source=source)
    except (NoPublicSourceError, OrganismError):
        return None


def _in_public_source(registry: type[BioRecord], values: list, field_name: str, organism) -> list:
    """The values that are terms of the registry's public source (exactly, in `field_name`)."""
    public = _public(registry, organism, None)
    if public is None:
        return []
    try:
        ok = public.validate(values, field_name)
    except ValueError:
        return []
    return [v for v, good in zip(values, ok, strict=True) if good]


def inspect_public(
    registry: type[BioRecord], values: list, field_name: str, organism: Any, source: Any, synonyms: bool
) -> tuple[list, dict]:
    """(values that are terms of the public source, {value: name} for those that are its synonyms)."""
    public = _public(registry, organism, source if hasattr(source, "entity") else None)
    if public is None:
        return [], {}
    try:
        ok = public.validate(values, field_name)
    except ValueError:
        return [], {}
    in_source = [v for v, good in zip(values, ok, strict=True) if good]
    mapper: dict = {}
    if synonyms:
        rest = [v for v, good in zip(values, ok, strict=True) if not good]
        mapped = public.standardize(rest, field_name)
        mapper = {v: m for v, m in zip(rest, mapped, strict=True) if m != v}
    return in_source, mapper


def standardize_public(
    registry: type[BioRecord],
    values: list,
    field_name: str,
    return_field: str,
    case_sensitive: bool,
    organism: Any,
    source: Any,
) -> dict:
    """{value: name (or `return_field`)} for values that are synonyms or case variants in the public
    source; only for the name field (other fields are not mapped by synonyms)."""
    if field_name != registry._name_field:
        return {}
    public = _public(registry, organism, source if hasattr(source, "entity") else None)
    if public is None:
        return {}
    mapped = public.standardize(values, field_name, case_sensitive=case_sensitive)
    mapper = {v: m for v, m in zip(values, mapped, strict=True) if m != v}
    if return_field == field_name or not mapper:
        return mapper
    frame = public._terms.frame
    names = frame[field_name].tolist()
    column = frame.index.tolist() if return_field == public.id_field else None
    if column is None and return_field in frame.columns:
        column = frame[return_field].tolist()
    if column is None:
        return {}
    first: dict = {}
    for name, returned in zip(names, column, strict=True):
        first.setdefault(name, returned)
    return {v: first[m] for v, m in mapper.items() if m in first}


def public_hint(registry: type[BioRecord], field_name: str, unknown: list[str]) -> str:
    """A hint for values that are missing from an ontology registry but exist in its public source."""
    if not hasattr(registry, "public"):
        return ""
    try:
        in_source = _in_public_source(registry, unknown, field_name, None)
    except Exception:  # e.g. a registry that needs an organism and has no default: no hint
        return ""
    if not in_source:
        return ""
    example = ", ".join(repr(v) for v in in_source[:3])
    return (
        f"; {len(in_source)} of them are in the public source: save them with "
        f"ln.save(bt.{registry.__name__}.from_values([{example}], field='{field_name}'))"
    )
