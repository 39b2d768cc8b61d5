"""Search relevance on real ontologies loaded into their registries, through the database index and through
the public source (same engine):

- the Cell Ontology in `bt.CellType`: the public query file and more real queries of the same kinds;
- UBERON in `bt.Tissue`, MONDO in `bt.Disease` and the human genes in `bt.Gene`: real queries of
  tests/data/search_relevance_ontologies.tsv (exact and prefix, synonym, a gene's full name, typo), each
  expected answer checked unambiguous in the shipped data first.

The ontologies' licenses (CC BY 4.0 / 3.0, NCBI Gene public domain) are in tests/data/README.md.
"""

from __future__ import annotations

import bisect
import csv
from pathlib import Path

import pytest
from django.db import transaction

RELEVANCE = Path(__file__).parents[1] / "data" / "search_relevance_public.tsv"
ONTOLOGY_QUERIES = Path(__file__).parents[1] / "data" / "search_relevance_ontologies.tsv"
# the registries of the ontology queries, and the organism of their public source
ONTOLOGY_REGISTRIES = {"Tissue": {}, "Disease": {}, "Gene": {"organism": "human"}}

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


# UBERON, MONDO, human genes ---------------------------------------------------------------------------

KINDS = ("exact_prefix", "synonym", "full_name", "typo")


@pytest.fixture(scope="module")
def ontology_rows() -> dict[str, list[dict]]:
    rows = list(csv.DictReader(ONTOLOGY_QUERIES.open(), delimiter="\t"))
    assert {r["registry"] for r in rows} == set(ONTOLOGY_REGISTRIES)
    assert {r["kind"] for r in rows} <= set(KINDS)
    by_registry: dict[str, list[dict]] = {}
    for row in rows:
        by_registry.setdefault(row["registry"], []).append(row)
    return by_registry


@pytest.fixture(scope="module")
def ontologies(bt):
    """UBERON, MONDO and the human genes in their registries (rolled back after this module)."""
    with transaction.atomic():
        for name, kwargs in ONTOLOGY_REGISTRIES.items():
            getattr(bt, name).import_source(**kwargs)
        yield
        transaction.set_rollback(True)


def registry_search(bt, registry: str, query: str) -> list[str]:
    model = getattr(bt, registry)
    return list(model.search(query, limit=5).values_list(model._ontology_id_field, flat=True))


def public_ontology_search(bt, registry: str, query: str) -> list[str]:
    public = getattr(bt, registry).public(**ONTOLOGY_REGISTRIES[registry])
    return public.search(query, limit=5).index.tolist()


def ontology_scores(rows, search) -> tuple[dict[str, list[int]], list]:
    """{kind: [top-1 hits, top-5 hits, queries]} and the queries whose answer is not in the top 5."""
    scores: dict[str, list[int]] = {}
    missing = []
    for row in rows:
        ids = search(row["query"])
        score = scores.setdefault(row["kind"], [0, 0, 0])
        score[0] += ids[:1] == [row["expected_id"]]
        score[1] += row["expected_id"] in ids
        score[2] += 1
        if row["expected_id"] not in ids:
            missing.append((row["query"], row["expected_name"], ids))
    return scores, missing


def assert_ontology_thresholds(scores, missing):
    """>= 95 % of the queries answered first, every one in the top 5."""
    assert not missing, missing
    first = sum(s[0] for s in scores.values())
    total = sum(s[2] for s in scores.values())
    assert first >= 0.95 * total, scores


class _Shipped:
    """Every name, synonym, full name and id of a public source, normalized, as (text, role, term id), with
    lookups by compact text, prefix and length; roles as the ranking orders them (name, synonym, full
    name)."""

    def __init__(self, bt, registry: str):
        from lamin_core.search_index import normalize

        frame = getattr(bt, registry).public(**ONTOLOGY_REGISTRIES[registry]).df()
        name_column = "symbol" if registry == "Gene" else "name"
        values = []
        for term, name, synonyms, description in zip(
            frame.index, frame[name_column], frame["synonyms"], frame["description"], strict=True
        ):
            values.append((normalize(term), 0, term))
            values.append((normalize(name or ""), 0, term))
            values += [(normalize(s), 1, term) for s in (synonyms or "").split("|") if s]
            if registry == "Gene" and description:
                values.append((normalize(description), 2, term))
        self.values = values
        self.by_compact: dict[str, list[int]] = {}
        self.by_length: dict[int, list[int]] = {}
        self.by_term: dict[str, list[str]] = {}
        for i, (text, _, term) in enumerate(values):
            self.by_compact.setdefault(text.replace(" ", ""), []).append(i)
            self.by_length.setdefault(len(text), []).append(i)
            self.by_term.setdefault(term, []).append(text)
        self.ordered = sorted((text, i) for i, (text, _, _) in enumerate(values))

    def starting_with(self, prefix: str) -> list[tuple[str, int, str]]:
        start = bisect.bisect_left(self.ordered, (prefix,))
        found = []
        for text, i in self.ordered[start:]:
            if not text.startswith(prefix):
                break
            found.append(self.values[i])
        return found


def _typo_kind(typed: str, meant: str) -> int:
    """The kind of one edit, the likelier typo first: two letters swapped, a letter too many, a letter
    dropped, a wrong letter, a digit moved."""
    if len(typed) != len(meant):
        return 1 if len(typed) > len(meant) else 2
    i = next(i for i, (a, b) in enumerate(zip(typed, meant, strict=True)) if a != b)
    if typed[i + 1 : i + 2] == meant[i : i + 1] and typed[i : i + 1] == meant[i + 1 : i + 2]:
        return 0 if (typed[i] + typed[i + 1]).isalpha() else 4
    return 3


def _ambiguity(row: dict, shipped: _Shipped) -> str | None:
    """Why the expected answer of a query is not the only right one, or None."""
    from rapidfuzz import process
    from rapidfuzz.distance import OSA

    from lamin_core.search_index import normalize

    query, kind, expected = normalize(row["query"]), row["kind"], row["expected_id"]
    values = shipped.values
    same = [values[i] for i in shipped.by_compact.get(query.replace(" ", ""), [])]
    if same:  # exact, synonym, full name (or a typo that is no typo)
        role = min(v[1] for v in same)
        holders = {v[2] for v in same if v[1] == role}
        wanted = {"exact_prefix": 0, "synonym": 1, "full_name": 2}.get(kind)
        if kind == "synonym" and role == 0 and holders == {expected} and query == normalize(expected):
            return None  # an identifier
        if role != wanted:
            return f"matches a value of role {role} as typed"
        return None if holders == {expected} else f"held by {sorted(holders)}"
    if kind in ("synonym", "full_name"):
        return "no such value"
    if kind == "exact_prefix":  # a prefix: the shortest completion is the expected term's only
        completions = [(len(v[0]), v[2]) for v in shipped.starting_with(query)]
        if not completions:
            return "no completion"
        shortest = min(completions)[0]
        holders = {term for length, term in completions if length == shortest}
        return None if holders == {expected} else f"shortest completions of {sorted(holders)}"
    # a typo: the expected term holds the only closest value (edits, kind of edit, role), digits as typed
    digits = "".join(c for c in query if c.isdigit())

    def same_digits(text: str) -> bool:
        return "".join(c for c in text if c.isdigit()) == digits

    mine = [OSA.distance(query, text) for text in shipped.by_term[expected] if same_digits(text)]
    if not mine or min(mine) > 3:
        return "the expected term is not within 3 edits"
    edits = min(mine)
    lengths = range(len(query) - edits, len(query) + edits + 1)
    candidates = [i for n in lengths for i in shipped.by_length.get(n, [])]
    ranked = []
    for text, distance, position in process.extract(
        query, [values[i][0] for i in candidates], scorer=OSA.distance, score_cutoff=edits, limit=None
    ):
        if same_digits(text):
            role, term = values[candidates[position]][1:]
            ranked.append(((distance, _typo_kind(query, text) if distance == 1 else 0, role), term))
    best = min(key for key, _ in ranked)
    holders = {term for key, term in ranked if key == best}
    return None if holders == {expected} else f"closest {best} held by {sorted(holders)}"


def test_ontology_queries_have_one_right_answer(bt, ontology_rows):
    """Each expected answer is the only right one in the shipped data: the only term with that name
    (synonym, full name), the only shortest completion of a prefix, the only closest spelling of a typo."""
    problems = []
    for registry, rows in ontology_rows.items():
        shipped = _Shipped(bt, registry)
        for row in rows:
            assert row["expected_id"] in shipped.by_term, row
            reason = _ambiguity(row, shipped)
            if reason:
                problems.append((registry, row["query"], row["expected_name"], reason))
    assert not problems, problems


@pytest.mark.parametrize("registry", list(ONTOLOGY_REGISTRIES))
def test_ontology_queries_through_the_database_index(bt, ontologies, ontology_rows, registry):
    assert_ontology_thresholds(
        *ontology_scores(ontology_rows[registry], lambda q: registry_search(bt, registry, q))
    )


@pytest.mark.parametrize("registry", list(ONTOLOGY_REGISTRIES))
def test_public_ontologies_rank_like_their_registries(bt, ontologies, ontology_rows, registry):
    rows = ontology_rows[registry]
    for row in rows:
        public = public_ontology_search(bt, registry, row["query"])
        assert public[:1] == registry_search(bt, registry, row["query"])[:1], row
    assert_ontology_thresholds(*ontology_scores(rows, lambda q: public_ontology_search(bt, registry, q)))


def test_symbols_with_digits(bt, ontologies):
    def symbols(query: str, limit: int = 20) -> list[str]:
        return list(bt.Gene.search(query, limit=limit).values_list("symbol", flat=True))

    assert symbols("SMDA4")[0] == "SMAD4"  # two letters swapped
    assert symbols("STTA3")[0] == "STAT3"  # before STT3A (a digit moved) and SFTA3 (a wrong letter)
    assert symbols("CDKN1AA")[0] == "CDKN1A"  # a letter doubled
    assert symbols("IL6R")[0] == "IL6R"  # an exact symbol: no corrections
    assert "IL6" not in symbols("IL6R", limit=50)
    assert symbols("IL8")[0] == "CXCL8"  # an alias; never IL6 (digits stay as typed)
    assert not {"IL6", "IL6R"} & set(symbols("IL8", limit=50))
    assert "CDKN1B" not in symbols("CDKN1A", limit=50)
    assert symbols("tumor protein p53")[0] == "TP53"  # the full name
    assert symbols("p53")[0] == "TP53"  # an alias


def test_the_public_cache_holds_the_same_terms(bt, tmp_path, monkeypatch):
    """A source read back from its cache file gives the frame and search results of the source read from
    the data package (a new process reads the cache instead of the package)."""
    import pandas as pd

    from lamin_core.bionty import public

    spec = bt.Disease.public().spec
    monkeypatch.setenv("LAMIN_CORE_CACHE_DIR", str(tmp_path))
    fresh = public._LOADERS[spec.kind](spec)
    public._write_cache(spec, fresh)
    cached = public._read_cache(spec)
    assert cached is not None and cached._frame is None  # nothing converted yet
    assert cached.rows([5, 0]).equals(fresh.frame.iloc[[5, 0]])
    for query in ["asthma", "astma", "MONDO:0004975", "breast cancer", "Alzheimer's disease"]:
        assert cached.vocabulary.rank(query) == fresh.vocabulary.rank(query)
    pd.testing.assert_frame_equal(cached.frame, fresh.frame)
    assert cached.deprecated == fresh.deprecated and cached.synonyms == fresh.synonyms
    assert cached.parents == fresh.parents
    public.cache_path(spec).write_bytes(b"damaged")
    assert public._read_cache(spec) is None  # read from the package again (tests/bionty/test_public_cache.py)
