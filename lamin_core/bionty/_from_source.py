"""Records from public sources: `from_source`, `from_values`, `import_source`, saving parent chains."""

from __future__ import annotations

import functools
import gzip
import math
import re
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction

from .._logger import logger
from .._save import stamp
from ..query.curation import format_values, resolve_field
from ..query.curation import from_values as records_from_values
from ._records import organism_record, requires_organism
from .errors import AmbiguousTermError, NoPublicSourceError, TermNotFoundError
from .public import PublicOntology, public_ontology
from .sources import catalog

if TYPE_CHECKING:
    from ..query.curation import RecordList
    from .models import BioRecord, Source

MAX_LISTED = 10


def _plain(value: Any) -> Any:
    """None for missing values of a frame (NaN), the value otherwise."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return value


def _shown(values: list, n: int = MAX_LISTED) -> str:
    text = ", ".join(repr(v) for v in values[:n])
    return text + (f", ... ({len(values)} in all)" if len(values) > n else "")


def organism_of(registry: type[BioRecord], public: PublicOntology):
    """The Organism record of a public source's records (None for registries without organisms)."""
    return organism_record(public.organism, registry) if requires_organism(registry) else None


def record_from_row(
    registry: type[BioRecord],
    public: PublicOntology,
    position: int,
    *,
    with_parents: bool = True,
    organism=None,
) -> BioRecord:
    """An unsaved record for the term at `position` of a public source, with its source (and parent ids)."""
    frame = public._terms.frame
    fields = {f.name for f in registry._meta.concrete_fields}
    kwargs: dict[str, Any] = {public.id_field: frame.index[position]}
    row = frame.iloc[position]
    for column in frame.columns:
        if column in fields:
            kwargs[column] = _plain(row[column])
    if requires_organism(registry):
        kwargs["organism"] = organism or organism_of(registry, public)
    kwargs["source"] = public.source
    parents = row["parents"] if "parents" in frame.columns else None
    if with_parents and parents:
        kwargs["parents"] = list(parents)
    return registry(**kwargs)


def _revive(record: BioRecord) -> BioRecord:
    """A record found in the archive or trash: made visible again when it is saved (and said so)."""
    if record._branch_code != 1:
        where = "trash" if record._branch_code == -1 else "archive"
        logger.warning(
            f"{type(record).__name__} {getattr(record, record._name_field)!r} is in the {where}; "
            "it is restored when you save it"
        )
        record._branch_code = 1
    return record


def _existing(registry: type[BioRecord], id_field: str, term_id: str) -> BioRecord | None:
    record = registry.all_objects.filter(**{id_field: term_id}).first()
    return None if record is None else _revive(record)


def _positions_by_name(public: PublicOntology, column: str, value: str) -> tuple[list[int], str]:
    """Rows whose `column` equals `value` (exactly, else ignoring case, else as a synonym); how it matched."""
    terms = public._terms
    values = terms.frame[column].tolist() if column in terms.frame.columns else terms.names
    exact = [i for i, v in enumerate(values) if v == value]
    if exact:
        return exact, "name"
    folded = value.casefold()
    loose = [i for i, v in enumerate(values) if isinstance(v, str) and v.casefold() == folded]
    if loose:
        return loose, "name"
    if column == public.registry._name_field:
        synonym_of = [i for i, syns in enumerate(terms.synonyms) if any(s.casefold() == folded for s in syns)]
        if synonym_of:
            return synonym_of, "synonym"
    return [], ""


def from_source(
    registry: type[BioRecord],
    field_value: dict[str, Any],
    *,
    organism=None,
    source: Source | None = None,
    mute: bool = False,
) -> BioRecord:
    """`Registry.from_source(name=...)`: one record from the public source, or the existing one."""
    id_field = registry._ontology_id_field
    if len(field_value) != 1:
        example = f"name='T cell' or {id_field}='...'" if id_field else f"{registry._name_field}='...'"
        raise TypeError(
            f"{registry.__name__}.from_source() takes exactly one field to look up, e.g. {example}; "
            f"got {sorted(field_value) or 'none'}"
        )
    field, value = next(iter(field_value.items()))
    if not isinstance(value, str):
        raise TypeError(
            f"{registry.__name__}.from_source({field}=...) takes a string, got {type(value).__name__}"
        )
    public = public_ontology(registry, organism=organism, source=source)
    terms = public._terms
    entity = registry.__name__
    if field == public.id_field:
        position = terms.position(value)
        if position is None:
            replaced = terms.deprecated.get(value)
            if replaced is not None:
                hint = f"; replaced by {', '.join(replaced)}" if replaced else ""
                raise TermNotFoundError(f"{value} is deprecated in {public}{hint}")
            raise TermNotFoundError(f"no {entity} term has {field}={value!r} in {public}")
        how = "id"
    elif field in terms.frame.columns or field == registry._name_field:
        positions, how = _positions_by_name(public, field, value)
        if not positions:
            ranked = public.search(value, limit=3)
            names = [f"{n!r} ({i})" for i, n in zip(ranked.index, ranked[registry._name_field], strict=True)]
            hint = f"; did you mean {', '.join(names)}?" if names else ""
            raise TermNotFoundError(f"no {entity} term has {field}={value!r} in {public}{hint}")
        if len(positions) > 1:
            ids = [terms.frame.index[p] for p in positions]
            raise AmbiguousTermError(
                f"{field}={value!r} matches {len(ids)} {entity} terms of {public}: {_shown(ids)}; "
                f"pick one with {registry.__name__}.from_source({public.id_field}=...)"
            )
        position = positions[0]
    else:
        raise ValueError(
            f"{entity}.from_source() looks up by {registry._name_field!r} or {public.id_field!r}, "
            f"or a column of the public source ({', '.join(terms.frame.columns)}); got {field!r}"
        )
    term_id = terms.frame.index[position]
    existing = _existing(registry, public.id_field, term_id)
    if existing is not None:
        if not mute:
            logger.info(
                f"returning the existing {entity} record {term_id} "
                f"({getattr(existing, registry._name_field)})"
            )
        return existing
    record = record_from_row(registry, public, position)
    if how == "synonym" and not mute:
        logger.info(f"{value!r} is a synonym of {getattr(record, registry._name_field)!r} ({term_id})")
    return record


def from_values(
    registry: type[BioRecord],
    values,
    field=None,
    *,
    create: bool = False,
    organism=None,
    source: Source | None = None,
    mute: bool = False,
) -> RecordList:
    """`Registry.from_values(values, field)`: existing records (trashed ones are restored on save, since
    their identifiers are taken), new ones from the public source, with `create=True` plain new ones."""
    field = resolve_field(registry, field)
    entity = registry.__name__

    def make_from_source(missing: list, field_name: str) -> dict[Any, list[BioRecord]]:
        made: dict[Any, list[BioRecord]] = {}
        synonyms: dict[Any, str] = {}
        unmapped_synonyms: dict[str, list[str]] = {}
        for group_organism, group in _by_organism(registry, field_name, missing, organism, source):
            try:
                public = public_ontology(registry, organism=group_organism, source=source)
            except NoPublicSourceError:
                continue
            group_made, group_synonyms = _records_from_public(registry, public, field_name, group)
            made.update(group_made)
            synonyms.update(group_synonyms)
            if field_name == registry._name_field and not mute:
                rest = [v for v in group if v not in group_made]
                unmapped_synonyms.update(public._terms.ambiguous_synonyms(rest) if rest else {})
        if not mute:
            direct = [v for v in missing if v in made and v not in synonyms]
            if direct:
                logger.success(
                    f"created {len(direct)} {entity} record{'' if len(direct) == 1 else 's'} from Bionty "
                    f"matching {field_name}: {format_values(direct)}"
                )
            if synonyms:
                logger.success(
                    f"created {len(synonyms)} {entity} record{'' if len(synonyms) == 1 else 's'} from Bionty "
                    f"matching synonyms: {format_values(list(synonyms))}"
                )
            for value, names in unmapped_synonyms.items():
                logger.warning(
                    f"{value!r} is a synonym of {len(names)} {entity} terms ({_shown(names)}): not mapped, "
                    f"pass the {field_name} you mean"
                )
            ambiguous = [v for v in missing if len(made.get(v, ())) > 1]
            if ambiguous:
                logger.warning(
                    f"ambiguous validation in Bionty for {len(ambiguous)} record"
                    f"{'' if len(ambiguous) == 1 else 's'}: {format_values(ambiguous)}; "
                    "returning a record for each term"
                )
        return made

    queryset = registry.all_objects.order_by("-_branch_code", "id")
    new_kwargs = {}
    if create and requires_organism(registry):
        new_kwargs["organism"] = organism_record(organism, registry)
    return records_from_values(
        queryset,
        values,
        field,
        create=create,
        organism=organism,
        mute=mute,
        found_hook=_revive,
        from_source=make_from_source,
        new_kwargs=new_kwargs,
    )


def _records_from_public(
    registry: type[BioRecord], public: PublicOntology, field: str, values: list
) -> tuple[dict[Any, list[BioRecord]], dict[Any, str]]:
    """Records (existing or new) for values matched in a public source, every term a value matches (a
    gene symbol can name several Ensembl genes, as in LaminDB 1.5.3); synonyms that were resolved."""
    terms = public._terms
    frame = terms.frame
    if field == public.id_field:
        column = frame.index.tolist()
    elif field in frame.columns:
        column = frame[field].tolist()
    else:
        return {}, {}
    rows: dict[Any, list[int]] = {}
    for position, value in enumerate(column):
        rows.setdefault(value, []).append(position)
    synonyms: dict[Any, str] = {}
    positions: dict[Any, list[int]] = {}
    mapping = terms.synonym_map() if field == registry._name_field else {}
    for value in values:
        if value in rows:
            positions[value] = rows[value]
        elif isinstance(value, str) and mapping.get(value.casefold()) in rows:
            name = mapping[value.casefold()]
            positions[value] = rows[name]
            synonyms[value] = name
    ids = {frame.index[p] for group in positions.values() for p in group}
    existing = {
        getattr(r, public.id_field): _revive(r)
        for r in registry.all_objects.filter(**{f"{public.id_field}__in": ids})
    }
    made: dict[str, BioRecord] = {}
    records: dict[Any, list[BioRecord]] = {}
    organism = organism_of(registry, public) if positions else None
    for value, group in positions.items():
        records[value] = []
        for position in group:
            term_id = frame.index[position]
            if term_id not in existing and term_id not in made:
                made[term_id] = record_from_row(registry, public, position, organism=organism)
            records[value].append(existing.get(term_id) or made[term_id])
    return records, synonyms


@functools.cache
def _ensembl_prefixes() -> dict[str, str]:
    """Identifier prefix -> organism of the bundled gene tables (`ENSMUSG` -> mouse), from each table's
    first identifier (Ensembl ids of one species share one prefix)."""
    found: dict[str, str] = {}
    for spec in catalog():
        if spec.kind != "genes" or spec.path is None:
            continue
        with gzip.open(spec.path, "rt") as f:
            next(f, None)
            first = next(f, "")
        match = re.match(r"[A-Za-z]+", first)
        if match:
            found.setdefault(match.group(0), spec.organism)
    return found


def organism_of_ensembl_id(value: Any) -> str | None:
    """The organism of a gene identifier by its prefix (`ENSMUSG...` -> mouse), None if not known."""
    match = re.match(r"[A-Za-z]+", value) if isinstance(value, str) else None
    return _ensembl_prefixes().get(match.group(0)) if match else None


def _by_organism(registry: type[BioRecord], field: str, values: list, organism, source) -> list[tuple]:
    """(organism, values) groups for looking values up in public sources: gene identifiers without an
    organism go to the species their prefix names (LaminDB 1.5.3 infers it from the first id), the rest
    to `organism` (None: the default)."""
    if organism is not None or source is not None or registry.__name__ != "Gene":
        return [(organism, values)]
    if field != registry._ontology_id_field:
        return [(organism, values)]
    groups: dict[str | None, list] = {}
    for value in values:
        groups.setdefault(organism_of_ensembl_id(value), []).append(value)
    return list(groups.items())


def _ancestor_closure(terms, parent_ids: list[str]) -> list[str]:
    seen: set[str] = set()
    queue = list(parent_ids)
    while queue:
        term = queue.pop()
        if term not in seen:
            seen.add(term)
            queue.extend(terms.parents.get(term, ()))
    return sorted(seen)


def _public_of(record: BioRecord) -> PublicOntology:
    registry = type(record)
    return public_ontology(registry, source=record.source) if record.source_id else public_ontology(registry)


def save_ancestors(record: BioRecord, parent_ids: list[str]) -> None:
    """Save the missing ancestors of a saved record (from its source) and link parents, in bulk.

    Runs inside the caller's transaction. Ancestors that exist already are linked, not changed; without
    a public source, only parents that are in the registry are linked.
    """
    save_ancestors_of([(record, parent_ids)])


def save_ancestors_of(items: list[tuple[BioRecord, list[str]]]) -> None:
    """`save_ancestors` for several saved records of one registry and source: one bulk of ancestors.

    The ancestors of all records are created together, ordered by identifier (as bionty does), so records
    saved in one `ln.save([...])` share their ancestors' insert.
    """
    if not items:
        return
    registry = type(items[0][0])
    id_field = registry._ontology_id_field
    try:
        public = _public_of(items[0][0])
    except NoPublicSourceError:
        public = None
    all_parents = list(dict.fromkeys(p for _, parent_ids in items for p in parent_ids))
    if public is None:
        closure, parents_of = sorted(set(all_parents)), {}
    else:
        closure, parents_of = _ancestor_closure(public._terms, all_parents), public._terms.parents
    existing, created = _create_missing(registry, public, closure)
    by_id = {**existing, **{getattr(r, id_field): r for r in created}}
    unknown = [p for p in all_parents if p not in by_id]
    if unknown:
        where = f"in {public} nor " if public is not None else ""
        logger.warning(f"parents {where}in {registry.__name__} were not linked: {_shown(unknown)}")
    pairs = [(record.pk, by_id[p].pk) for record, parent_ids in items for p in parent_ids if p in by_id]
    for child in created:
        pairs += [(child.pk, by_id[p].pk) for p in parents_of.get(getattr(child, id_field), ()) if p in by_id]
    _link_parents(registry, pairs)


def _create_missing(registry: type[BioRecord], public: PublicOntology | None, ids: list[str]):
    """(existing records by id, records created now) for the identifiers `ids` of a registry.

    Another process may save some of the same terms at the same moment: a unique-key conflict rolls
    back to a savepoint and the missing ones are looked up again (a few rounds at most).
    """
    id_field = registry._ontology_id_field
    for attempt in range(3):
        existing = {getattr(r, id_field): r for r in registry.all_objects.filter(**{f"{id_field}__in": ids})}
        if public is None:
            return existing, []
        positions = [public._terms.position(t) for t in ids if t not in existing]
        positions = [p for p in positions if p is not None]
        organism = organism_of(registry, public) if positions else None
        new = [record_from_row(registry, public, p, with_parents=False, organism=organism) for p in positions]
        stamp(new)  # one creation time for the bulk, as one INSERT of LaminDB's
        try:
            with transaction.atomic():
                return existing, registry.all_objects.bulk_create(new)
        except IntegrityError:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _link_parents(registry: type[BioRecord], pairs: list[tuple[int, int]]) -> None:
    through = registry.parents.through
    name = registry.__name__.lower()
    links = [through(**{f"from_{name}_id": child, f"to_{name}_id": parent}) for child, parent in pairs]
    through.objects.bulk_create(links, ignore_conflicts=True, batch_size=1000)


def import_source(registry: type[BioRecord], source: Source | None = None, organism=None) -> int:
    """Bulk-save every term of a public source that the registry lacks, with parent links."""
    public = public_ontology(registry, organism=organism, source=source)
    terms = public._terms
    id_field = public.id_field
    with transaction.atomic():
        have = set(registry.all_objects.values_list(id_field, flat=True))
        organism = organism_of(registry, public)
        new = [
            record_from_row(registry, public, position, with_parents=False, organism=organism)
            for position, term_id in enumerate(terms.frame.index)
            if term_id not in have
        ]
        created = registry.all_objects.bulk_create(new, batch_size=1000)
        if hasattr(registry, "parents") and terms.parents:
            ids = dict(registry.all_objects.values_list(id_field, "pk"))
            pairs = [
                (ids[getattr(child, id_field)], ids[p])
                for child in created
                for p in terms.parents.get(getattr(child, id_field), ())
                if p in ids
            ]
            _link_parents(registry, pairs)
        src = public.source
        if not src.in_db:
            src.in_db = True
            src.save(update_fields=["in_db"])
    logger.success(f"imported {len(created)} {registry.__name__} records from {public}")
    return len(created)
