"""The ontology registries (Django models of the `bionty` app) and their link tables.

Fields, uid lengths and `df()` columns follow bionty 1.3 (the guide's `ln.view()`). Behaviour beyond
fields lives in small modules: uids and organisms in `_records`, public sources in `sources`/`public`,
`from_source`/`from_values` in `_from_source`, what `validate`/`inspect`/`standardize` (defined for every
registry in `lamin_core.query.curation`) add for ontologies in `_curate`. Those services import the models;
a model reaches them through bionty's hooks (`lamin_core.bionty.hooks`), bound in `BiontyConfig.ready()`.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from django.db import models, transaction
from django.db.models import CASCADE, PROTECT

from .._logger import logger
from ..errors import ValidationError
from ..models._defaults import uid8, uid12
from ..models.base import BaseRecord, Link, Record, TracksRun, TracksUpdates, check_init_kwargs
from ..query.curation import add_synonyms
from . import _REGISTRIES, hooks

if TYPE_CHECKING:
    from ..query.curation import RecordList
    from .public import PublicOntology


class Source(Record, TracksRun, TracksUpdates):
    """A versioned public source of an entity: `cl 2026-03-26` for `bionty.CellType`.

    Rows describe what this installation bundles; per entity and organism one is `currently_used`.
    """

    uid = models.CharField(max_length=8, unique=True, default=uid8, editable=False)
    entity = models.CharField(max_length=256, db_index=True)
    organism = models.CharField(max_length=64, db_index=True)
    name = models.CharField(max_length=64, db_index=True)
    version = models.CharField(max_length=64, db_index=True)
    in_db = models.BooleanField(default=False, db_index=True)
    currently_used = models.BooleanField(default=False, db_index=True)
    description = models.TextField(null=True, default=None, db_index=True)
    url = models.TextField(null=True, default=None)
    md5 = models.TextField(null=True, default=None)
    source_website = models.TextField(null=True, default=None)
    dataframe_artifact = models.ForeignKey(
        "lamin_core.Artifact", PROTECT, null=True, default=None, related_name="_source_dataframe_of"
    )
    artifacts = models.ManyToManyField("lamin_core.Artifact", related_name="_source_artifact_of")

    # search (lamin_core.search_index.fields): "Mondo Disease Ontology" is a name users type
    _search_roles = {"description": "full_name"}

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["entity", "name", "organism", "version"], name="uniq_source")
        ]

    def __init__(self, *args, **kwargs):
        if kwargs and kwargs.get("uid") is None:
            kwargs["uid"] = hooks.source_uid(kwargs)
        super().__init__(*args, **kwargs)

    def save(self, *args, **kwargs) -> Source:
        """Save; a source marked `currently_used` unmarks the others of its entity and organism."""
        with transaction.atomic():
            super().save(*args, **kwargs)
            if self.currently_used:
                others = Source.all_objects.filter(entity=self.entity, organism=self.organism)
                others.exclude(id=self.id).filter(currently_used=True).update(currently_used=False)
        return self


class BioRecord(Record, TracksRun, TracksUpdates):
    """A record of an ontology registry: deterministic uid, a source, parents, public-source verbs."""

    source = models.ForeignKey(Source, PROTECT, null=True, default=None, related_name="+")

    # the field holding a record's name and its stable identifier (None: no identifier)
    _name_field: str = "name"
    _ontology_id_field: str | None = "ontology_id"
    _uid_len: int = 8

    class Meta:
        abstract = True

    def __init__(self, *args, **kwargs):
        if args or not kwargs:  # a row loaded from the database
            super().__init__(*args, **kwargs)
            return
        parents = kwargs.pop("parents", None)
        check_init_kwargs(type(self), kwargs)
        kwargs = hooks.prepare_kwargs(type(self), kwargs)
        super().__init__(**kwargs)
        if parents is not None:
            self._parent_ids = hooks.check_parent_ids(type(self), parents)

    def save(self, *args, **kwargs) -> BioRecord:
        """Save the record; a record made from a source also saves its parents, recursively, atomically."""
        parent_ids = self.__dict__.pop("_parent_ids", None)
        if not parent_ids:
            return super().save(*args, **kwargs)
        was_adding = self._state.adding
        try:
            with transaction.atomic():
                super().save(*args, **kwargs)
                hooks.save_ancestors(self, parent_ids)
        except BaseException:
            self._parent_ids = parent_ids
            if was_adding:  # back to the unsaved state the caller had
                self.pk, self._state.adding = None, True
            raise
        return self

    # public sources ------------------------------------------------------------------------------

    @classmethod
    def public(cls, organism: str | Organism | None = None, source: Source | None = None) -> PublicOntology:
        """The bundled public source of this registry (`.df()`, `.search()`, `.lookup()`, `.source`)."""
        return hooks.public_ontology(cls, organism=organism, source=source)

    @classmethod
    def from_source(
        cls,
        *,
        organism: str | Organism | None = None,
        source: Source | None = None,
        mute: bool = False,
        **field_value: Any,
    ) -> BioRecord:
        """A record from the public source by one field (`name=`, `ontology_id=`, ...), unsaved if new.

        An existing record with that value is returned as is; a name that is a synonym of one term gives
        that term; an ambiguous name or an unknown value raises, listing candidates.
        """
        return hooks.from_source(cls, field_value, organism=organism, source=source, mute=mute)

    @classmethod
    def from_values(
        cls,
        values,
        field=None,
        create: bool = False,
        organism: str | Organism | None = None,
        source: Source | None = None,
        mute: bool = False,
    ) -> RecordList:
        """Records for `values`: existing ones (also via synonyms), new unsaved ones from the public
        source; `create=True` adds plain new records for values the source does not have either."""
        return hooks.from_values(
            cls, values, field, create=create, organism=organism, source=source, mute=mute
        )

    @classmethod
    def import_source(cls, source: Source | None = None, *, organism: str | Organism | None = None) -> int:
        """Bulk-save every term of a public source (with parent links); returns the number of new records."""
        return hooks.import_source(cls, source=source, organism=organism)

    # curation hooks (`lamin_core.query.curation` calls them) -----------------------------------------

    @classmethod
    def _curation_scope(cls, queryset, field_name: str, organism) -> Any:
        """The records of one organism (registries whose records belong to organisms)."""
        return hooks.curation_scope(cls, queryset, field_name, organism)

    @classmethod
    def _inspect_public(cls, values: list, field_name: str, organism, source, synonyms: bool) -> tuple:
        """(values in the public source, public synonyms) for values the registry does not have."""
        return hooks.inspect_public(cls, values, field_name, organism, source, synonyms)

    @classmethod
    def _standardize_public(
        cls, values: list, field_name: str, return_field: str, case_sensitive: bool, organism, source
    ) -> dict:
        """{value: name} for values that are synonyms in the public source."""
        return hooks.standardize_public(
            cls, values, field_name, return_field, case_sensitive, organism, source
        )


class OntologyRecord(BioRecord):
    """Fields every ontology registry shares: name, ontology id, abbreviation, synonyms, parents."""

    name = models.CharField(max_length=256, db_index=True)
    ontology_id = models.CharField(max_length=32, null=True, default=None, db_index=True)
    abbr = models.CharField(max_length=32, null=True, default=None, unique=True, db_index=True)
    synonyms = models.TextField(null=True, default=None)
    description = models.TextField(null=True, default=None)
    parents = models.ManyToManyField("self", symmetrical=False, related_name="children")

    class Meta:
        abstract = True
        constraints = [
            models.UniqueConstraint(fields=["name", "ontology_id"], name="uniq_%(class)s_name_ontology_id")
        ]

    def set_abbr(self, value: str) -> None:
        """Set the abbreviation (unique in the registry) and add it to the synonyms unless it is the name;
        a saved record is saved (bionty 1.3.2)."""
        if not isinstance(value, str) or not value:
            raise ValidationError(f"an abbreviation is a non-empty string, got {value!r}")
        holder = type(self).all_objects.filter(abbr=value).exclude(pk=self.pk).first()
        if holder is not None:
            raise ValidationError(
                f"abbr {value!r} is taken by {type(self).__name__} {holder.name!r} ({holder.uid})"
            )
        self.abbr = value
        if value != self.name:
            try:
                add_synonyms(self, value, save=False)
            except ValidationError:  # another record lists it: the abbreviation is set, not the synonym
                logger.warning(f"{value!r} is a synonym of another record: not added to the synonyms")
        if not self._state.adding:
            self.save()


class Organism(BioRecord):
    """Organisms: NCBI Taxonomy (a bundled subset of species)."""

    uid = models.CharField(max_length=8, unique=True, default=uid8, editable=False)
    name = models.CharField(max_length=64, unique=True, db_index=True)
    ontology_id = models.CharField(max_length=32, unique=True, null=True, default=None, db_index=True)
    scientific_name = models.CharField(max_length=64, unique=True, null=True, default=None, db_index=True)
    synonyms = models.TextField(null=True, default=None)
    description = models.TextField(null=True, default=None)
    parents = models.ManyToManyField("self", symmetrical=False, related_name="children")
    artifacts = models.ManyToManyField(
        "lamin_core.Artifact", through="ArtifactOrganism", related_name="organisms"
    )


class Gene(BioRecord):
    """Genes: Ensembl gene ids and symbols per organism."""

    uid = models.CharField(max_length=12, unique=True, default=uid12, editable=False)
    symbol = models.CharField(max_length=64, null=True, default=None, db_index=True)
    stable_id = models.CharField(max_length=64, unique=True, null=True, default=None, db_index=True)
    ensembl_gene_id = models.CharField(max_length=64, unique=True, null=True, default=None, db_index=True)
    ncbi_gene_ids = models.TextField(null=True, default=None)
    biotype = models.CharField(max_length=64, null=True, default=None, db_index=True)
    synonyms = models.TextField(null=True, default=None)
    description = models.TextField(null=True, default=None)
    organism = models.ForeignKey(Organism, PROTECT, related_name="genes")
    artifacts = models.ManyToManyField("lamin_core.Artifact", through="ArtifactGene", related_name="genes")
    schemas = models.ManyToManyField("lamin_core.Schema", through="SchemaGene", related_name="genes")

    _name_field = "symbol"
    _ontology_id_field = "ensembl_gene_id"
    _uid_len = 12
    # search (lamin_core.search_index.fields): the full name is searched, ranked after symbol and aliases
    _search_fields = ("symbol", "synonyms", "description", "ensembl_gene_id")
    _search_roles = {"description": "full_name"}


class Protein(BioRecord):
    """Proteins: UniProtKB ids (no public source is bundled)."""

    uid = models.CharField(max_length=12, unique=True, default=uid12, editable=False)
    name = models.CharField(max_length=256, null=True, default=None, db_index=True)
    uniprotkb_id = models.CharField(max_length=10, unique=True, null=True, default=None, db_index=True)
    synonyms = models.TextField(null=True, default=None)
    description = models.TextField(null=True, default=None)
    length = models.BigIntegerField(null=True, default=None, db_index=True)
    gene_symbol = models.CharField(max_length=256, null=True, default=None, db_index=True)
    ensembl_gene_ids = models.TextField(null=True, default=None)
    organism = models.ForeignKey(Organism, PROTECT, related_name="proteins")
    artifacts = models.ManyToManyField(
        "lamin_core.Artifact", through="ArtifactProtein", related_name="proteins"
    )
    schemas = models.ManyToManyField("lamin_core.Schema", through="SchemaProtein", related_name="proteins")

    _ontology_id_field = "uniprotkb_id"
    _uid_len = 12


class CellMarker(BioRecord):
    """Cell markers (no public source is bundled)."""

    uid = models.CharField(max_length=12, unique=True, default=uid12, editable=False)
    name = models.CharField(max_length=64, db_index=True)
    synonyms = models.TextField(null=True, default=None)
    description = models.TextField(null=True, default=None)
    gene_symbol = models.CharField(max_length=64, null=True, default=None, db_index=True)
    ncbi_gene_id = models.CharField(max_length=32, null=True, default=None, db_index=True)
    uniprotkb_id = models.CharField(max_length=10, null=True, default=None, db_index=True)
    organism = models.ForeignKey(Organism, PROTECT, related_name="cell_markers")
    artifacts = models.ManyToManyField(
        "lamin_core.Artifact", through="ArtifactCellMarker", related_name="cell_markers"
    )
    schemas = models.ManyToManyField(
        "lamin_core.Schema", through="SchemaCellMarker", related_name="cell_markers"
    )

    _ontology_id_field = None
    _uid_len = 12

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["name", "organism"], name="uniq_cellmarker_name_organism")
        ]


class CellType(OntologyRecord):
    """Cell types: Cell Ontology (CL)."""

    uid = models.CharField(max_length=8, unique=True, default=uid8, editable=False)
    artifacts = models.ManyToManyField(
        "lamin_core.Artifact", through="ArtifactCellType", related_name="cell_types"
    )


class Tissue(OntologyRecord):
    """Tissues: Uberon multi-species anatomy ontology."""

    uid = models.CharField(max_length=8, unique=True, default=uid8, editable=False)
    artifacts = models.ManyToManyField(
        "lamin_core.Artifact", through="ArtifactTissue", related_name="tissues"
    )


class Disease(OntologyRecord):
    """Diseases: Mondo Disease Ontology."""

    uid = models.CharField(max_length=8, unique=True, default=uid8, editable=False)
    artifacts = models.ManyToManyField(
        "lamin_core.Artifact", through="ArtifactDisease", related_name="diseases"
    )


class CellLine(OntologyRecord):
    """Cell lines: Cellosaurus."""

    uid = models.CharField(max_length=8, unique=True, default=uid8, editable=False)
    artifacts = models.ManyToManyField(
        "lamin_core.Artifact", through="ArtifactCellLine", related_name="cell_lines"
    )


class Phenotype(OntologyRecord):
    """Phenotypes: Phenotype And Trait Ontology (PATO)."""

    uid = models.CharField(max_length=8, unique=True, default=uid8, editable=False)
    artifacts = models.ManyToManyField(
        "lamin_core.Artifact", through="ArtifactPhenotype", related_name="phenotypes"
    )


class Pathway(OntologyRecord):
    """Pathways (no public source is bundled)."""

    uid = models.CharField(max_length=8, unique=True, default=uid8, editable=False)
    genes = models.ManyToManyField(Gene, related_name="pathways")
    artifacts = models.ManyToManyField(
        "lamin_core.Artifact", through="ArtifactPathway", related_name="pathways"
    )
    schemas = models.ManyToManyField("lamin_core.Schema", through="SchemaPathway", related_name="pathways")


class ExperimentalFactor(OntologyRecord):
    """Experimental factors: Experimental Factor Ontology (EFO)."""

    uid = models.CharField(max_length=8, unique=True, default=uid8, editable=False)
    molecule = models.TextField(null=True, default=None, db_index=True)
    instrument = models.TextField(null=True, default=None, db_index=True)
    measurement = models.TextField(null=True, default=None, db_index=True)
    artifacts = models.ManyToManyField(
        "lamin_core.Artifact", through="ArtifactExperimentalFactor", related_name="experimental_factors"
    )


class DevelopmentalStage(OntologyRecord):
    """Developmental stages: HsapDv (human) and MmusDv (mouse)."""

    uid = models.CharField(max_length=8, unique=True, default=uid8, editable=False)
    artifacts = models.ManyToManyField(
        "lamin_core.Artifact", through="ArtifactDevelopmentalStage", related_name="developmental_stages"
    )


class Ethnicity(OntologyRecord):
    """Ethnicities: Human Ancestry Ontology (HANCESTRO)."""

    uid = models.CharField(max_length=8, unique=True, default=uid8, editable=False)
    artifacts = models.ManyToManyField(
        "lamin_core.Artifact", through="ArtifactEthnicity", related_name="ethnicities"
    )


# link tables ---------------------------------------------------------------------------------------


def _snake(name: str) -> str:
    """`CellMarker` -> `cell_marker`."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _artifact_link(registry: type[BioRecord]) -> type[Link]:
    """The link table `Artifact<Registry>` behind `artifact.<registries>` and `cat[bionty.<Registry>]`
    features: one row per artifact and record, with the feature whose value the record is (or None)."""
    name, column = registry.__name__, registry.__name__.lower()
    meta = type(
        "Meta",
        (),
        {
            "constraints": [
                models.UniqueConstraint(
                    fields=["artifact", column, "feature"],
                    name=f"uniq_artifact{column}",
                    nulls_distinct=False,
                )
            ]
        },
    )
    fields = {
        "artifact": models.ForeignKey("lamin_core.Artifact", CASCADE, related_name=f"links_{_snake(name)}"),
        column: models.ForeignKey(registry, PROTECT, related_name="links_artifact"),
        "feature": models.ForeignKey(
            "lamin_core.Feature", PROTECT, null=True, default=None, related_name=f"links_artifact{column}"
        ),
        "label_ref_is_name": models.BooleanField(null=True, default=None),
        "feature_ref_is_name": models.BooleanField(null=True, default=None),
    }
    words = _snake(name).replace("_", " ")
    article = "an" if words[0] in "aeiou" else "a"
    doc = f"An artifact annotated with {article} {words}, optionally as the value of a feature."
    return type(f"Artifact{name}", (Link,), {"__module__": __name__, "__doc__": doc, "Meta": meta, **fields})


def _schema_link(registry: type[BioRecord]) -> type[BaseRecord]:
    """The link table `Schema<Registry>` of a schema whose members are records of `registry`
    (`Schema(itype=bt.Gene.ensembl_gene_id)`)."""
    name, column = registry.__name__, registry.__name__.lower()
    meta = type(
        "Meta",
        (),
        {"constraints": [models.UniqueConstraint(fields=["schema", column], name=f"uniq_schema{column}")]},
    )
    fields = {
        "schema": models.ForeignKey("lamin_core.Schema", CASCADE, related_name=f"links_{column}"),
        column: models.ForeignKey(registry, PROTECT, related_name="links_schema"),
    }
    doc = f"A schema whose members are {_snake(name).replace('_', ' ')}s."
    return type(
        f"Schema{name}", (BaseRecord,), {"__module__": __name__, "__doc__": doc, "Meta": meta, **fields}
    )


ArtifactOrganism = _artifact_link(Organism)
ArtifactGene = _artifact_link(Gene)
ArtifactProtein = _artifact_link(Protein)
ArtifactCellMarker = _artifact_link(CellMarker)
ArtifactCellType = _artifact_link(CellType)
ArtifactTissue = _artifact_link(Tissue)
ArtifactDisease = _artifact_link(Disease)
ArtifactCellLine = _artifact_link(CellLine)
ArtifactPhenotype = _artifact_link(Phenotype)
ArtifactPathway = _artifact_link(Pathway)
ArtifactExperimentalFactor = _artifact_link(ExperimentalFactor)
ArtifactDevelopmentalStage = _artifact_link(DevelopmentalStage)
ArtifactEthnicity = _artifact_link(Ethnicity)
SchemaGene = _schema_link(Gene)
SchemaProtein = _schema_link(Protein)
SchemaCellMarker = _schema_link(CellMarker)
SchemaPathway = _schema_link(Pathway)

__all__ = [*_REGISTRIES, "BioRecord", "OntologyRecord"]
