"""Record-level synonyms and abbreviations (`add_synonym`, `remove_synonym`, `set_abbr`), `view_parents()`,
and `Gene.from_values` where LaminDB 1.5.3 returns every gene a symbol names and infers the organism of
Ensembl ids.

Everything this module writes happens in one transaction that is rolled back at its end.
"""

from __future__ import annotations

import pytest
from django.db import transaction


@pytest.fixture(scope="module")
def bt(instance):
    import lamin_core.bionty

    bionty = lamin_core.bionty
    with transaction.atomic():
        bionty.CellType.from_values(["T cell", "B cell"], "name", mute=True).save()
        yield bionty
        transaction.set_rollback(True)


@pytest.fixture
def rollback():
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def synonyms(record) -> list[str]:
    return (type(record).objects.get(pk=record.pk).synonyms or "").split("|")


# add_synonym / remove_synonym -------------------------------------------------------------------------


def test_add_and_remove_synonyms(ln, bt, rollback):
    tcell, bcell = bt.CellType.get(name="T cell"), bt.CellType.get(name="B cell")
    before = tcell.synonyms.split("|")
    tcell.add_synonym(["my cell type", "my other type"])
    assert synonyms(tcell) == [*before, "my cell type", "my other type"]  # saved, order kept
    for empty in ("", [], [""]):
        tcell.add_synonym(empty)
    tcell.add_synonym("my cell type")  # already there: once
    assert synonyms(tcell).count("my cell type") == 1
    assert bt.CellType.standardize(["my other type"], mute=True) == ["T cell"]
    with pytest.raises(ln.errors.ValidationError, match=r"already associated with other records.*'T cell'"):
        bcell.add_synonym("my cell type")
    assert "my cell type" not in synonyms(bcell)
    bcell.add_synonym("my cell type", force=True)
    assert "my cell type" in synonyms(bcell)
    with pytest.raises(ln.errors.ValidationError, match=r"can't contain '\|'"):
        tcell.add_synonym("my|celltype")
    tcell.remove_synonym(["my cell type", "never added"])
    assert "my cell type" not in synonyms(tcell) and "my other type" in synonyms(tcell)
    tcell.remove_synonym(synonyms(tcell))
    assert bt.CellType.get(pk=tcell.pk).synonyms is None
    tcell.add_synonym("only one")
    assert bt.CellType.get(pk=tcell.pk).synonyms == "only one"


def test_add_synonym_unsaved_and_save_false(ln, bt, rollback):
    record = bt.CellType(name="my new cell type")
    record.add_synonym("mnct")
    assert record._state.adding and record.synonyms == "mnct"
    tcell = bt.CellType.get(name="T cell")
    tcell.add_synonym("not saved", save=False)
    assert "not saved" in tcell.synonyms and "not saved" not in synonyms(tcell)


def test_registries_without_synonyms(ln, bt):
    user = ln.User.get(handle="testuser1")
    with pytest.raises(NotImplementedError, match="No synonyms field found in table User"):
        user.add_synonym("syn")
    with pytest.raises(NotImplementedError):
        user.remove_synonym("syn")
    source = bt.Source.filter(organism="human").first()
    with pytest.raises(AttributeError):
        source.set_abbr("abbr")
    gene = bt.Gene(symbol="MYGENE1", organism="human")
    with pytest.raises(AttributeError):
        gene.set_abbr("MG")


def test_feature_synonyms(ln, rollback):
    feature = ln.Feature(name="syn-feature", dtype=int).save()
    feature.add_synonym("sf")
    assert ln.Feature.get(pk=feature.pk).synonyms == "sf"
    assert ln.Feature.standardize(["sf"], mute=True) == ["syn-feature"]
    with pytest.raises(NotImplementedError, match="ULabel"):
        ln.ULabel(name="no-synonyms").add_synonym("x")


# set_abbr ----------------------------------------------------------------------------------------------


def test_set_abbr(ln, bt, rollback):
    record = bt.CellType(name="my cell type").save()
    record.set_abbr("my cell type")  # the name: not a synonym
    assert bt.CellType.get(pk=record.pk).abbr == "my cell type" and record.synonyms is None
    record.set_abbr("myct")
    saved = bt.CellType.get(pk=record.pk)
    assert saved.abbr == "myct" and saved.synonyms == "myct"
    other = bt.CellType.get(name="T cell")
    with pytest.raises(ln.errors.ValidationError, match="abbr 'myct' is taken by CellType 'my cell type'"):
        other.set_abbr("myct")
    assert bt.CellType.get(pk=other.pk).abbr is None
    unsaved = bt.CellType(name="unsaved type")
    unsaved.set_abbr("ut")
    assert unsaved._state.adding and (unsaved.abbr, unsaved.synonyms) == ("ut", "ut")


# view_parents ------------------------------------------------------------------------------------------


def test_view_parents(ln, bt, capsys):
    tcell = bt.CellType.get(name="T cell")
    text = tcell.view_parents(return_str=True)
    lines = text.splitlines()
    assert lines[0] == "T cell (CL:0000084)  (parents ↓)"
    direct = {p.name for p in tcell.parents.all()}
    assert direct
    assert {line[4:].split(" (")[0] for line in lines if line[:4] in ("├── ", "└── ")} == direct
    # every ancestor within 5 levels is shown, none beyond
    shown = {line.split("── ")[1].split(" (")[0] for line in lines[1:]}
    assert shown <= {p.name for p in tcell.query_parents()} and len(shown) > len(direct)
    one_level = tcell.view_parents(distance=1, return_str=True).splitlines()
    assert len(one_level) == 1 + len(direct)
    by_id = tcell.view_parents(field="ontology_id", distance=1, return_str=True).splitlines()
    assert by_id[0].startswith("CL:0000084")
    parent = tcell.parents.first()
    children = parent.view_parents(with_children=True, distance=1, return_str=True).splitlines()
    assert f"children of {parent.name} ({parent.ontology_id}):" in children
    assert "  T cell (CL:0000084)" in children
    tcell.view_parents(distance=1)
    assert capsys.readouterr().out.startswith("T cell (CL:0000084)")
    with pytest.raises(AttributeError, match="User has no parents"):
        ln.User.get(handle="testuser1").view_parents()
    with pytest.raises(ValueError, match="distance"):
        tcell.view_parents(distance=0)


# Gene.from_values --------------------------------------------------------------------------------------


def test_gene_symbol_naming_several_genes_returns_each(ln, bt, rollback, capsys):
    frame = bt.Gene.public(organism="human").df()
    counts = frame["symbol"].value_counts()
    symbol = next(s for s in counts.index if counts[s] == 2 and s.isalnum())  # a symbol of two genes
    ids = sorted(frame.index[frame["symbol"] == symbol])
    capsys.readouterr()
    records = bt.Gene.from_values([symbol, "TCF7"], "symbol", organism="human")
    assert sorted(r.ensembl_gene_id for r in records if r.symbol == symbol) == ids
    assert [r.symbol for r in records].count("TCF7") == 1
    assert f"ambiguous validation in Bionty for 1 record: '{symbol}'" in capsys.readouterr().err
    records.save()
    again = bt.Gene.from_values([symbol], "symbol", organism="human", mute=True)
    assert sorted(r.ensembl_gene_id for r in again) == ids and not any(r._state.adding for r in again)


def test_gene_ids_get_the_organism_of_their_prefix(ln, bt, rollback):
    records = bt.Gene.from_values(
        ["ENSMUSG00000000001", "ENSG00000081059", "ENSDARG00000000000x"], "ensembl_gene_id", mute=True
    )
    by_id = {r.ensembl_gene_id: r.organism.name for r in records}
    assert by_id == {"ENSMUSG00000000001": "mouse", "ENSG00000081059": "human"}
    records.save()
    assert bt.Gene.get(ensembl_gene_id="ENSMUSG00000000001").organism.name == "mouse"
    # an explicit organism wins over the prefix (and finds no mouse id among human genes)
    assert bt.Gene.from_values(["ENSMUSG00000000002"], "ensembl_gene_id", organism="human", mute=True) == []


def test_gene_synonym_of_several_genes_is_not_mapped(ln, bt, rollback, capsys):
    frame = bt.Gene.public(organism="human").df()
    holders = sorted(
        s
        for s, syns in zip(frame["symbol"], frame["synonyms"], strict=True)
        if "ABC1" in (syns or "").split("|")
    )
    assert len(holders) >= 2  # the bundled NCBI aliases give ABC1 to several genes
    capsys.readouterr()
    records = bt.Gene.from_values(["ABC1", "PDCD1"], "symbol", organism="human")
    assert [r.symbol for r in records] == ["PDCD1"]  # LaminDB 1.5.3 picks one of the holders
    err = capsys.readouterr().err
    assert f"'ABC1' is a synonym of {len(holders)} Gene terms" in err and all(
        f"'{h}'" in err for h in holders
    )
    assert bt.Gene.from_values(["ABC1"], "symbol", organism="human", mute=True) == []
