"""Records from public sources: the guide's cell types with their parent chain, genes, errors."""

from __future__ import annotations

import pytest
from ontology_closure import ancestors

from lamin_core.uids import ontology_uid

# the guide's CellType table after `from_source(name="T cell").save()` (bionty 1.3, an older CL)
GUIDE_CELL_TYPES = {
    "T cell": "22LvKd01",
    "cell": "4bKGljt0",
    "motile cell": "2K93w3xO",
    "single nucleate cell": "2cXC7cgF",
    "eukaryotic cell": "4WnpvUTH",
    "lymphocyte": "X6c7osZ5",
    "leukocyte": "3VEAlFdi",
}
GUIDE_GENES = {
    "ENSG00000153563": ("CD8A", "6Aqvc8ckDYeN"),
    "ENSG00000010610": ("CD4", "1j4At3x7akJU"),
    "ENSG00000170458": ("CD14", "3bhNYquOnA4s"),
    "ENSG00000004468": ("CD38", "iFxDa8hoEWuW"),
}


@pytest.fixture(scope="module")
def bt(instance):
    import lamin_core.bionty

    return lamin_core.bionty


def test_from_source_by_name_is_unsaved_with_its_source(bt):
    record = bt.CellType.from_source(name="Kupffer cell")
    assert record._state.adding
    assert (record.name, record.ontology_id) == ("Kupffer cell", "CL:0000091")
    assert record.uid == ontology_uid("CL:0000091") == "5fdXwyLs"
    assert record.source == bt.CellType.public().source
    assert record.source.name == "cl"
    assert not bt.CellType.filter(ontology_id="CL:0000091").exists()


def test_save_saves_the_parent_chain(bt):
    public = bt.CellType.public()
    chain = {"CL:0000084", *ancestors(public, "CL:0000084")}
    before = set(bt.CellType.filter().values_list("ontology_id", flat=True))
    count = bt.CellType.filter().count()
    t_cell = bt.CellType.from_source(name="T cell").save()
    saved = bt.CellType.filter(ontology_id__in=chain)
    assert saved.count() == len(chain)
    assert bt.CellType.filter().count() - count == len(chain - before)
    names = set(saved.values_list("name", flat=True))
    assert set(GUIDE_CELL_TYPES) <= names  # CL 2026-03-26 adds mononuclear, nucleate, hematopoietic cell
    assert len(chain) == 10
    for name, uid in GUIDE_CELL_TYPES.items():
        assert bt.CellType.get(name=name).uid == uid
    assert [p.name for p in t_cell.parents.all()] == ["lymphocyte"]
    lymphocyte = bt.CellType.get(name="lymphocyte")
    assert set(lymphocyte.parents.values_list("ontology_id", flat=True)) == set(
        public.df().loc["CL:0000542", "parents"]
    )
    assert bt.CellType.get(name="cell").children.exists()
    assert set(saved.values_list("source_id", flat=True)) == {public.source.id}


def test_from_source_returns_the_existing_record(bt):
    saved = bt.CellType.get(ontology_id="CL:0000084")
    assert bt.CellType.from_source(ontology_id="CL:0000084") == saved
    assert bt.CellType.from_source(name="T cell") == saved
    assert bt.CellType.from_source(name="T-lymphocyte") == saved  # a synonym


def test_save_is_atomic(bt, monkeypatch):
    import lamin_core.bionty._from_source as from_source

    before = bt.CellType.filter().count()
    record = bt.CellType.from_source(name="B cell")

    def fail(*args, **kwargs):
        raise RuntimeError("injected failure while linking parents")

    monkeypatch.setattr(from_source, "_link_parents", fail)
    with pytest.raises(RuntimeError, match="injected failure"):
        record.save()
    assert bt.CellType.filter().count() == before
    assert record.pk is None and record._state.adding
    monkeypatch.undo()
    record.save()
    assert bt.CellType.get(name="B cell").parents.exists()


def test_unknown_ids_and_names_are_clear_errors(bt):
    before = bt.CellType.filter().count()
    with pytest.raises(
        bt.TermNotFoundError, match=r"no CellType term has ontology_id='CL:9999999' in cl 2026-03-26"
    ):
        bt.CellType.from_source(ontology_id="CL:9999999")
    with pytest.raises(bt.TermNotFoundError, match=r"did you mean 'lymphocyte' \(CL:0000542\)"):
        bt.CellType.from_source(name="lymphocite")
    deprecated = next(iter(bt.CellType.public()._terms.deprecated))
    with pytest.raises(bt.TermNotFoundError, match=f"{deprecated} is deprecated in cl 2026-03-26"):
        bt.CellType.from_source(ontology_id=deprecated)
    with pytest.raises(TypeError, match="exactly one field"):
        bt.CellType.from_source(name="T cell", ontology_id="CL:0000084")
    with pytest.raises(ValueError, match="looks up by 'name' or 'ontology_id'"):
        bt.CellType.from_source(abbr="T")
    assert bt.CellType.filter().count() == before


def test_ambiguous_name_lists_the_candidates(bt):
    with pytest.raises(bt.AmbiguousTermError) as error:
        bt.Gene.from_source(symbol="WASH7P", organism="human")
    message = str(error.value)
    assert "matches 2 Gene terms" in message
    assert "ENSG00000310526" in message and "ENSG00000227232" in message
    assert "ensembl_gene_id=" in message
    assert not bt.Gene.filter(symbol="WASH7P").exists()


def test_genes_of_the_guide(bt):
    genes = bt.Gene.from_values(list(GUIDE_GENES), field=bt.Gene.ensembl_gene_id, organism="human")
    assert [g.symbol for g in genes] == [s for s, _ in GUIDE_GENES.values()]
    for gene in genes:
        gene.save()
    for ensembl_id, (symbol, uid) in GUIDE_GENES.items():
        gene = bt.Gene.get(ensembl_gene_id=ensembl_id)
        assert (gene.symbol, gene.uid, gene.biotype) == (symbol, uid, "protein_coding")
        assert gene.ncbi_gene_ids and gene.description
        assert gene.organism.name == "human"
        assert gene.source.entity == "bionty.Gene"
    human = bt.Organism.get(name="human")
    assert (human.uid, human.ontology_id, human.scientific_name) == (
        "1dpCL6Td",
        "NCBITaxon:9606",
        "Homo sapiens",
    )
    # existing records come back, unknown values are left out (and logged)
    again = bt.Gene.from_values(["CD8A", "NOTAGENE"], field="symbol", organism="human")
    assert again == [bt.Gene.get(symbol="CD8A")]
    assert bt.Gene.get(symbol="CD8A").ncbi_gene_ids == "925"
    assert bt.Gene.standardize(["p32", "CD4"], organism="human") == ["CD8A", "CD4"]


def test_gene_from_source_by_symbol_and_mouse(bt):
    cd8a = bt.Gene.from_source(symbol="CD8A", organism="human")
    assert cd8a.ensembl_gene_id == "ENSG00000153563" and not cd8a._state.adding
    mouse = bt.Gene.from_source(symbol="Cd8a", organism="mouse")
    assert mouse.ensembl_gene_id.startswith("ENSMUSG")
    assert mouse.organism.name == "mouse" and mouse.organism.ontology_id == "NCBITaxon:10090"


def test_gene_without_an_organism(bt):
    genes_before = bt.Gene.filter().count()
    bt.settings.organism = None
    try:
        with pytest.raises(bt.OrganismError, match="needs an organism"):
            bt.Gene.from_values(["CD3E"], field="symbol")
        with pytest.raises(bt.OrganismError, match="needs an organism"):
            bt.Gene(symbol="MYGENE")
        with pytest.raises(bt.OrganismError, match="needs an organism"):
            bt.Gene.public()
    finally:
        bt.settings.organism = "human"
    assert bt.Gene.filter().count() == genes_before
    assert bt.settings.organism.name == "human"


def test_organism_not_covered_saves_nothing(bt):
    organisms = set(bt.Organism.filter().values_list("name", flat=True))
    with pytest.raises(
        bt.OrganismError, match=r"no bundled source of bionty\.Gene covers organism 'chicken'"
    ):
        bt.Gene.from_values(["GAPDH"], field="symbol", organism="chicken")
    with pytest.raises(bt.OrganismError, match="'unicorn'"):
        bt.Gene.from_values(["GAPDH"], field="symbol", organism="unicorn")
    with pytest.raises(bt.OrganismError, match="unknown organism 'unicorn'"):
        bt.Gene(symbol="GAPDH", organism="unicorn")
    assert set(bt.Organism.filter().values_list("name", flat=True)) == organisms


def test_organism_from_source_and_default(bt):
    mouse = bt.Organism.from_source(name="Mus musculus")
    assert (mouse.name, mouse.ontology_id) == ("mouse", "NCBITaxon:10090")
    assert bt.settings.organism.name == "human"


def test_records_without_a_source(bt):
    protein = bt.Protein(
        name="T-cell surface glycoprotein CD8 alpha chain", uniprotkb_id="P01732", organism="human"
    )
    protein.save()
    assert len(protein.uid) == 12
    assert bt.Protein.get(uniprotkb_id="P01732") == protein
    pathway = bt.Pathway(name="my pathway").save()
    assert bt.Pathway.from_values(["my pathway", "other"]) == [pathway]


def test_import_source(bt):
    stages = bt.DevelopmentalStage
    n = stages.import_source(organism="mouse")
    public = stages.public(organism="mouse")
    assert n == len(public.df()) == stages.filter(source=public.source).count()
    assert public.source.in_db
    child = stages.filter(source=public.source, parents__isnull=False).first()
    assert child is not None
    assert stages.import_source(organism="mouse") == 0


def test_parents_given_by_hand(bt):
    parent = bt.Pathway(name="signalling", ontology_id="X:1").save()
    child = bt.Pathway(name="my signalling", ontology_id="X:2", parents=["X:1", "X:404"]).save()
    assert list(child.parents.all()) == [parent]
    cell = bt.CellType(name="my T cell subtype", parents=["CL:0000084"]).save()
    assert [p.ontology_id for p in cell.parents.all()] == ["CL:0000084"]
