"""validate, inspect and standardize against the registry's records."""

from __future__ import annotations

import numpy as np
import pytest


@pytest.fixture(scope="module")
def bt(instance):
    import lamin_core.bionty

    bionty = lamin_core.bionty
    bionty.CellType.from_source(name="T cell").save()
    for gene in bionty.Gene.from_values(["CD8A", "CD4"], field="symbol", organism="human"):
        gene.save()
    return bionty


def test_validate(bt):
    result = bt.CellType.validate(["T cell", "lymphocyte", "nope", "T cell"])
    assert isinstance(result, np.ndarray) and result.dtype == bool
    assert result.tolist() == [True, True, False, True]
    assert bt.CellType.validate(["CL:0000084"], field=bt.CellType.ontology_id).tolist() == [True]
    assert bt.CellType.validate([]).tolist() == []
    assert bt.Gene.validate(["CD8A", "CD4", "Cd8a"], field=bt.Gene.symbol, organism="human").tolist() == [
        True,
        True,
        False,
    ]
    assert bt.Gene.validate(["ENSG00000153563"], field="ensembl_gene_id").tolist() == [True]
    with pytest.raises(ValueError, match="CellType has no field 'nmae'"):
        bt.CellType.validate(["T cell"], field="nmae")


def test_inspect(bt):
    result = bt.CellType.inspect(["T cell", "T-lymphocyte", "neuron", "not a cell"])
    assert result.validated == ["T cell"]
    assert result.non_validated == ["T-lymphocyte", "neuron", "not a cell"]
    assert result.synonyms == {"T-lymphocyte": "T cell"}
    assert result.in_public_source == ["neuron"]
    assert result.frac_validated == 25.0  # a percentage, as in LaminDB 1.5.3


def test_standardize(bt):
    assert bt.CellType.standardize(["T-lymphocyte", "t cell", "white blood cell", "nope"]) == [
        "T cell",
        "T cell",
        "leukocyte",
        "nope",
    ]
    assert bt.CellType.standardize("T-cell") == "T cell"
    assert bt.CellType.standardize(["t cell"], case_sensitive=True) == ["t cell"]
    assert bt.CellType.standardize(["T-cell"], return_field="ontology_id") == ["CL:0000084"]
