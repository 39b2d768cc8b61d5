"""Search relevance on the real Cell Ontology, loaded into `bt.CellType`: the public query file and more
real queries of the same kinds, through the database index and through the public source (same engine).

The Cell Ontology (CL) is CC BY 4.0; see tests/data/README.md.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from django.db import transaction

RELEVANCE = Path(__file__).parents[1] / "data" / "search_relevance_public.tsv"

# more queries of the same kinds, written against CL term names (not tuned to the public file)
MORE = {
    "exact_prefix": [
        ("B cell", "B cell"),
        ("hepatocyte", "hepatocyte"),
        ("neuron", "neuron"),
        ("microglial cell", "microglial cell"),
        ("mast cell", "mast cell"),
        ("basophil", "basophil"),
        ("goblet cell", "goblet cell"),
        ("Schwann cell", "Schwann cell"),
        ("podocyte", "podocyte"),
        ("hepatoc", "hepatocyte"),
        ("microgl", "microglial cell"),
        ("osteocl", "osteoclast"),
        ("fibrobl", "fibroblast"),
        ("megakaryo", "megakaryocyte"),
        ("chondro", "chondrocyte"),
    ],
    "typo": [
        ("hepatocite", "hepatocyte"),
        ("neuronn", "neuron"),
        ("basofil", "basophil"),
        ("osteoblst", "osteoblast"),
        ("chondrocite", "chondrocyte"),
        ("keratinocite", "keratinocyte"),
        ("astrocite", "astrocyte"),
        ("oligodendrocite", "oligodendrocyte"),
        ("neutrofil", "neutrophil"),
        ("lymfocyte", "lymphocyte"),
        ("Schwan cell", "Schwann cell"),
        ("kupfer cell", "Kupffer cell"),
        ("endotelial cell", "endothelial cell"),
        ("macrophge", "macrophage"),
        ("lypmhocyte", "lymphocyte"),
        ("natral killr cell", "natural killer cell"),
        ("kacrophage", "macrophage"),
        ("plasmacytoid dendritc cell", "plasmacytoid dendritic cell"),
        ("hepatic stelate cell", "hepatic stellate cell"),
        ("regulatry T cell", "regulatory T cell"),
        ("smooth musle cell", "smooth muscle cell"),
        ("goblett cell", "goblet cell"),
    ],
    "synonym": [
        ("red blood cell", "erythrocyte"),
        ("white blood cell", "leukocyte"),
        ("B-lymphocyte", "B cell"),
        ("nerve cell", "neuron"),
        ("T-helper cell", "helper T cell"),
        ("plasmacyte", "plasma cell"),
        ("cell T", "T cell"),
        ("T_CELL", "T cell"),
        ("tcell", "T cell"),
        ("CL:0000084", "T cell"),
    ],
}


@pytest.fixture(scope="module")
def bt(instance):
    import lamin_core.bionty

    return lamin_core.bionty


@pytest.fixture(scope="module")
def cell_types(bt):
    """The whole Cell Ontology in `bt.CellType` (rolled back after this module)."""
    with transaction.atomic():
        bt.CellType.import_source()  # the terms other tests have not saved yet
        have = set(bt.CellType.filter().values_list("ontology_id", flat=True))
        assert set(bt.CellType.public().df().index) <= have
        yield bt.CellType
        transaction.set_rollback(True)


@pytest.fixture(scope="module")
def public_rows():
    rows = list(csv.DictReader(RELEVANCE.open(), delimiter="\t"))
    assert len(rows) == 30
    return rows


@pytest.fixture(scope="module")
def more_rows(bt):
    ids = {name: term for term, name in bt.CellType.public().df()["name"].items()}
    return [
        {"query": q, "kind": kind, "expected_ontology_id": ids[name]}
        for kind, pairs in MORE.items()
        for q, name in pairs
    ]


def db_search(cell_types, query: str) -> list[str]:
    return list(cell_types.search(query, limit=5).values_list("ontology_id", flat=True))


def public_search(bt, query: str) -> list[str]:
    return bt.CellType.public().search(query, limit=5).index.tolist()


def memory_search(bt, query: str) -> list[str]:
    from lamin_core.search_index import Vocabulary

    terms = bt.CellType.public()._terms
    vocabulary = getattr(memory_search, "vocabulary", None)
    if vocabulary is None:
        vocabulary = memory_search.vocabulary = Vocabulary(
            terms.frame.index.tolist(), terms.names, terms.synonyms
        )
    return [terms.frame.index[p] for p in vocabulary.rank(query, limit=5)]


def scores(rows, search) -> tuple[dict[str, list[bool]], list]:
    first: dict[str, list[bool]] = {}
    missing = []
    for row in rows:
        ids = search(row["query"])
        if row["expected_ontology_id"] not in ids:
            missing.append((row, ids))
        first.setdefault(row["kind"], []).append(bool(ids) and ids[0] == row["expected_ontology_id"])
    return first, missing


def assert_thresholds(first, missing):
    assert not missing, missing
    assert all(first["exact_prefix"]), first
    assert all(first["synonym"]), first
    assert sum(first["typo"]) >= 0.9 * len(first["typo"]), first


def test_public_queries_through_the_database_index(cell_types, public_rows):
    assert_thresholds(*scores(public_rows, lambda q: db_search(cell_types, q)))


def test_more_real_queries_through_the_database_index(cell_types, more_rows):
    assert_thresholds(*scores(more_rows, lambda q: db_search(cell_types, q)))


def test_the_public_source_ranks_with_the_same_engine(bt, cell_types, public_rows, more_rows):
    for row in public_rows + more_rows:
        assert memory_search(bt, row["query"])[:1] == db_search(cell_types, row["query"])[:1], row
    assert_thresholds(*scores(public_rows, lambda q: memory_search(bt, q)))
    assert_thresholds(*scores(more_rows, lambda q: memory_search(bt, q)))


def test_public_source_search_passes_the_thresholds(bt, public_rows):
    assert_thresholds(*scores(public_rows, lambda q: public_search(bt, q)))


def test_common_word_and_misspelling(cell_types):
    assert cell_types.search("T cell").first().ontology_id == "CL:0000084"
    assert cell_types.search("lymphocite").first().name == "lymphocyte"
    ranked = list(cell_types.search("T cell", limit=50).values_list("name", flat=True))
    assert len(ranked) == 50 and len(set(ranked)) == 50
    assert (
        cell_types.search("T cell").filter(name__startswith="T cell of").first().name.startswith("T cell of")
    )
