"""Ontology registries with the curation API every registry has (`lamin_core.query.curation`): synonyms,
the public source, organisms, QuerySets, `query_parents()` / `query_children()` over an ontology.

Everything this module writes happens in one transaction that is rolled back at its end.
"""

from __future__ import annotations

import numpy as np
import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from ontology_closure import ancestors as closure


@pytest.fixture(scope="module")
def bt(instance):
    import lamin_core.bionty

    bionty = lamin_core.bionty
    with transaction.atomic():
        bionty.CellType.from_source(name="T cell").save()
        yield bionty
        transaction.set_rollback(True)


def lines(capsys) -> list[str]:
    return [line for line in capsys.readouterr().err.splitlines() if line.strip()]


# query_parents / query_children -----------------------------------------------------------------------


def test_ontology_ancestry_matches_the_source(bt):
    t_cell = bt.CellType.get(name="T cell")
    expected = closure(bt.CellType.public(), t_cell.ontology_id)
    assert len(expected) >= 5
    ancestors = t_cell.query_parents()
    assert set(ancestors.values_list("ontology_id", flat=True)) == expected
    assert "lymphocyte" in set(ancestors.values_list("name", flat=True))
    lymphocyte = bt.CellType.get(name="lymphocyte")
    assert set(lymphocyte.query_children().values_list("name", flat=True)) == {"T cell"}
    cell = bt.CellType.get(name="cell")
    assert t_cell in cell.query_children() and cell.query_children().filter(name="T cell").count() == 1
    assert not hasattr(bt.Gene, "query_parents") and hasattr(bt.Organism, "query_children")


def test_imported_ontology_descendants_in_one_query(bt):
    stages = bt.DevelopmentalStage
    stages.import_source(organism="human")
    public = stages.public(organism="human")
    frame = public.df()
    term = next(t for t in frame.index if len(closure(public, t)) >= 3)
    record = stages.get(ontology_id=term)
    with CaptureQueriesContext(connection) as queries:
        found = set(record.query_parents().values_list("ontology_id", flat=True))
    assert len(queries) == 1 and found == closure(public, term)
    root = next(iter(closure(public, term) - {p for t in closure(public, term) for p in frame["parents"][t]}))
    descendants = {t for t in frame.index if root in closure(public, t)}
    assert set(stages.get(ontology_id=root).query_children().values_list("ontology_id", flat=True)) == (
        descendants
    )


# validate / inspect / standardize ----------------------------------------------------------------------


def test_validate_is_exact(bt, capsys):
    capsys.readouterr()
    result = bt.CellType.validate(["T cell", "T-cell", "t cell"])
    assert isinstance(result, np.ndarray) and result.tolist() == [True, False, False]
    assert lines(capsys) == [
        "✓ 1 unique term (33.30%) is validated for name",
        "! 2 unique terms (66.70%) are not validated for name: 'T-cell', 't cell'",
    ]
    assert bt.CellType.validate("T cell", mute=True).sum() == 1
    starting_with_t = bt.CellType.filter(name__startswith="T")
    assert starting_with_t.validate(["T cell", "lymphocyte"], mute=True).tolist() == [True, False]


def test_inspect_synonyms_only_on_the_name_field(bt, capsys):
    capsys.readouterr()
    result = bt.CellType.inspect(["T cell", "T-cell", "t cell", "B cell", "nope"])
    assert result.validated == ["T cell"]
    assert result.non_validated == ["T-cell", "t cell", "B cell", "nope"]
    assert result.synonyms_mapper == {"T-cell": "T cell", "t cell": "T cell"}
    assert result.in_public_source == ["B cell"]
    out = lines(capsys)
    assert "→ detected 2 unique terms with inconsistent casing/synonyms: T-cell, t cell" in out
    assert "→ detected 1 CellType term in public source for name: 'B cell'" in out
    assert out[-2:] == [
        "→ couldn't validate 1 term: 'nope'",
        "→ if you are sure, create new record via CellType() and save to your registry",
    ]
    by_id = bt.CellType.inspect(["CL:0000084", "T cell"], field=bt.CellType.ontology_id, mute=True)
    assert by_id.validated == ["CL:0000084"] and by_id.synonyms_mapper == {}


def test_standardize_db_then_public_source(bt, capsys):
    values = ["T-lymphocyte", "t cell", "B-lymphocyte", "nope", "T cell"]
    capsys.readouterr()
    result = bt.CellType.standardize(values)
    assert result == ["T cell", "T cell", "B cell", "nope", "T cell"]
    out = lines(capsys)
    assert out[0] == "→ standardized 3/5 terms"
    assert out[1].startswith("! found 1 synonym in public source: ['B-lymphocyte']")
    mapper = bt.CellType.standardize(values, return_mapper=True, mute=True)
    assert mapper == {"T-lymphocyte": "T cell", "t cell": "T cell", "B-lymphocyte": "B cell"}
    assert bt.CellType.standardize(values, source_aware=False, mute=True) == [
        "T cell",
        "T cell",
        "B-lymphocyte",
        "nope",
        "T cell",
    ]
    assert bt.CellType.standardize("T-cell", mute=True) == "T cell"
    assert bt.CellType.standardize(["T-cell"], return_field="ontology_id", mute=True) == ["CL:0000084"]
    assert bt.CellType.standardize(["t cell"], case_sensitive=True, mute=True) == ["t cell"]
    # not the name field: exact matches only
    assert bt.CellType.standardize(["cl:0000084"], field="ontology_id", mute=True) == ["cl:0000084"]


def test_standardize_keep_for_a_shared_synonym(bt, capsys):
    with transaction.atomic():
        first = bt.CellType(name="my cell type A", synonyms="shared synonym").save()
        second = bt.CellType(name="my cell type B", synonyms="shared synonym|other").save()
        assert first.id < second.id
        capsys.readouterr()
        assert bt.CellType.standardize(["shared synonym", "other"], source_aware=False) == [
            "my cell type A",
            "my cell type B",
        ]
        assert lines(capsys)[0] == (
            "! 1 value matches several CellType records, took the first by id (keep=False returns all): "
            "'shared synonym'"
        )
        assert bt.CellType.standardize(["shared synonym"], mute=True) == ["my cell type A"]
        assert bt.CellType.standardize(["Shared Synonym"], keep="last", mute=True) == ["my cell type B"]
        assert bt.CellType.standardize(["shared synonym", "other"], keep=False, mute=True) == [
            ["my cell type A", "my cell type B"],
            "my cell type B",
        ]
        transaction.set_rollback(True)


def test_genes_need_their_organism(bt):
    with transaction.atomic():
        bt.Gene.from_values(["CD8A", "CD4"], field="symbol", organism="human").save()
        assert bt.Gene.validate(["CD8A", "Cd8a"], organism="human", mute=True).tolist() == [True, False]
        assert bt.Gene.validate(["CD8A"], organism="mouse", mute=True).tolist() == [False]
        assert bt.Gene.standardize(["p32", "CD4"], organism="human", mute=True) == ["CD8A", "CD4"]
        result = bt.Gene.inspect(["p32", "CD4"], field=bt.Gene.ensembl_gene_id, organism="human", mute=True)
        assert result.synonyms_mapper == {} and result.validated == []
        transaction.set_rollback(True)


# from_values -------------------------------------------------------------------------------------------


def test_from_values_synonyms_aware(bt, capsys):
    t_cell = bt.CellType.get(name="T cell")
    assert bt.CellType.from_values(["T cell", "T-cell"], "name", mute=True) == [t_cell]
    records = bt.CellType.from_values(["B-cell", "B cell"], "name", mute=True)
    assert [r.name for r in records] == ["B cell"] and records[0]._state.adding
    assert records[0].source.entity == "bionty.CellType"
    capsys.readouterr()
    records = bt.CellType.from_values(["T cell", "T-cell", "t cell", "B cell", "B-cell", "mycell"])
    assert [r.name for r in records] == ["T cell", "B cell"]
    assert lines(capsys) == [
        "✓ loaded 1 CellType record matching name: 'T cell'",
        "✓ loaded 2 CellType records matching synonyms: 'T-cell', 't cell'",
        "✓ created 1 CellType record from Bionty matching name: 'B cell'",
        "✓ created 1 CellType record from Bionty matching synonyms: 'B-cell'",
        "→ did not create CellType record for 1 non-validated name: 'mycell'",
    ]


def test_from_values_by_id_and_create(bt):
    records = bt.CellType.from_values(["CL:0000084", "CL:0000182", ""], "ontology_id", mute=True)
    assert {r.name for r in records} == {"T cell", "hepatocyte"}
    with pytest.raises(TypeError):
        bt.CellType.from_values(["T cell"], field=bt.CellType)
    records = bt.CellType.from_values(["T cell", "my new cell type"], create=True, mute=True)
    assert [r.name for r in records] == ["T cell", "my new cell type"]
    assert [r._state.adding for r in records] == [False, True] and records[1].ontology_id is None
    with transaction.atomic():
        records.save()
        assert bt.CellType.get(name="my new cell type").source_id is None
        transaction.set_rollback(True)
