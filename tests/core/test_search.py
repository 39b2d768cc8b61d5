"""Search: ranking rules, the index in the database (sync on save/update/delete, visibility), short and
long queries, bad input, QuerySet chaining; the SQL normalization equals the Python one."""

from __future__ import annotations

import sqlite3

import pytest
from django.db import connection, transaction

from lamin_core.search_index import MemoryIndex, Vocabulary, backend_for, indexed_fields, parse
from lamin_core.search_index.ddl import sqlite_create_statements, sqlite_drop_statements
from lamin_core.search_index.fields import ID, NAME, SYNONYM, TEXT, SearchField
from lamin_core.search_index.ranking import (
    MAX_QUERY_LENGTH,
    TIER_EXACT,
    TIER_FUZZY,
    TIER_INSIDE,
    TIER_PREFIX,
    TIER_SUBSTRING,
    TIER_SYNONYM,
    TIER_TOKENS,
    record_key,
)
from lamin_core.search_index.text import doc, normalize, sqlite_compact, sqlite_doc, values

# ranking rules (no database) ----------------------------------------------------------------------


def tier(query: str, role: int, value: str) -> int | None:
    key = record_key(parse(query), [(role, v) for v in values(value)])
    return None if key is None else key[0]


@pytest.mark.parametrize(
    ("query", "role", "value", "expected"),
    [
        ("T cell", NAME, "T cell", TIER_EXACT),
        ("tcell", NAME, "T cell", TIER_EXACT),
        ("T-cell", NAME, "T cell", TIER_EXACT),
        ("cell T", NAME, "T cell", TIER_EXACT),
        ("T_CELL", NAME, "T cell", TIER_EXACT),
        ("CL:0000084", ID, "CL:0000084", TIER_EXACT),
        ("t lymphocyte", SYNONYM, "T-lymphocyte|T cell", TIER_SYNONYM),
        ("T cell", SYNONYM, "T-cell", TIER_SYNONYM),
        ("T ce", NAME, "T cell", TIER_PREFIX),
        ("tcel", NAME, "T cell", TIER_PREFIX),
        ("cell", NAME, "T cell", TIER_TOKENS),
        ("cell T", NAME, "naive T cell", TIER_TOKENS),
        ("T cell", TEXT, "T cell", TIER_TOKENS),  # descriptions never rank as exact or prefix
        ("T ce", NAME, "CD8-positive T cell", TIER_SUBSTRING),
        ("cyte", NAME, "lymphocyte", TIER_INSIDE),  # inside a word: after close spellings
        ("astma", NAME, "Eastman-Bixler syndrome", TIER_FUZZY),  # two edits: after "asthma" (one)
        ("astma", SYNONYM, "asthma", TIER_FUZZY),
        ("tcell", NAME, "CD8-positive, alpha-beta T cell", TIER_SUBSTRING),
        ("lymphocite", NAME, "lymphocyte", TIER_FUZZY),
        ("natual killer cell", NAME, "natural killer cell", TIER_FUZZY),
        ("eosinophill", NAME, "mature eosinophil leucocyte", TIER_FUZZY),  # not "eosinophil l..."
        ("neuronn", NAME, "neuron neural crest derived", TIER_FUZZY),
        ("label 1", NAME, "label 4", None),  # numbers are not fuzzy
        ("zzzz", NAME, "T cell", None),
        ("t", NAME, "b cell", None),
    ],
)
def test_tiers(query, role, value, expected):
    assert tier(query, role, value) == expected


def test_tier_order_and_ties_in_memory():
    rows = [
        ("T cell of appendix", None),  # 0 prefix
        ("alpha-beta T cell", None),  # 1 whole tokens
        ("T cell", None),  # 2 exact name
        ("thymocyte", "T-cell"),  # 3 exact synonym
        ("CD8-positive T cellular", None),  # 4 substring
        ("T cel", None),  # 5 a close spelling: not asked for, as "T cell" matches as typed
        ("T cell", None),  # 6 the same name again: ties by position
    ]
    index = MemoryIndex(rows, [SearchField("name", NAME, True), SearchField("synonyms", SYNONYM, True)])
    assert index.rank("T cell", limit=None) == [2, 6, 3, 0, 1, 4]
    # no match as typed: corrections, fewer edits first ("cell": 1, "cel": 2, "cellular": 3)
    assert index.rank("T cella", limit=None) == [2, 6, 1, 0, 3, 5, 4]
    assert index.rank("T cell", limit=2) == [2, 6]
    assert index.rank("", limit=5) == [] and index.rank("   ") == []


def test_vocabulary_is_the_public_ranking():
    vocabulary = Vocabulary(
        ["CL:1", "CL:2", "CL:3"],
        ["lymphocyte", "T cell", "B cell"],
        [["lymphoid cell"], ["T-lymphocyte", "T-cell"], ["B lymphocyte"]],
    )
    assert vocabulary.rank("tcell")[0] == 1
    assert vocabulary.rank("lymphocite")[0] == 0
    assert vocabulary.rank("B-lymphocyte")[0] == 2
    assert vocabulary.rank("CL:3") == [2]
    with pytest.raises(TypeError, match="expects a string"):
        vocabulary.rank(42)


def _random_values(seed: int, count: int) -> list:
    """Field values made to trip the bulk normalization: punctuation and `|` runs at the edges, spaces
    of other kinds, letters whose lowercase differs in length or context (İ, final sigma), NUL."""
    import random

    from lamin_core.search_index.text import PUNCTUATION

    rng = random.Random(seed)
    alphabet = (
        list("aZ9 |") * 6 + list(PUNCTUATION) + ["\u00e9", "\u03a3", "\u0130", "\u00df", "\u2009", "\x00"]
    )
    values = []
    for _ in range(count):
        roll = rng.random()
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12)))
        if roll < 0.1:
            values.append(None)
        elif roll < 0.2:
            values.append([text, None, text[::-1]])
        elif roll < 0.25:
            values.append(rng.randint(-5, 5000))
        else:
            values.append(text)
    return values


@pytest.mark.parametrize("seed", range(40))
def test_a_column_normalized_at_once_equals_each_value_normalized(seed):
    from lamin_core.search_index.text import normalized_column

    column = _random_values(seed, 60)
    if seed % 2:  # no NUL: the bulk path, not the fallback one value at a time
        column = [v.replace("\x00", "") if isinstance(v, str) else v for v in column]
    expected = "\n".join("|".join(values(v)) for v in column).encode()
    assert normalized_column(column) == expected
    assert normalized_column([]) == b"" and normalized_column([None]) == b""


def test_an_index_built_column_by_column_finds_what_each_record_holds():
    """The bulk build's records and words are those of each record's values (duplicates, empty fields,
    non-ASCII words, words of digits and letters)."""
    rows = [
        ("T cell", "T-lymphocyte|T cell|", "CL:1"),
        (None, None, "CL:2"),
        ("Σίσυφος 2", ["ΣΊΣΥΦΟΣ", "x"], "CL:3"),
        ("cdkn1a", "p21|CIP1", "CL:4"),
        ("", "|||", "CL:5"),
    ]
    fields = [
        SearchField("name", NAME, True),
        SearchField("synonyms", SYNONYM, True),
        SearchField("id", ID, True),
    ]
    index = MemoryIndex(rows, fields)
    assert index.row(0) == ("t cell", "t lymphocyte|t cell", "cl 1")
    assert index.row(1) == ("", "", "cl 2") and index.row(4) == ("", "", "cl 5")
    assert index.rank("CL:2") == [1]
    assert index.rank("σίσυφος") == [2]
    assert index.rank("cip1") == [3]
    assert index.rank("cdnk1a") == [3]  # a letter swap in a symbol with digits
    assert index.rank("tlymphocyte") == [0]
    assert index.words.counts["cdkn"] == 1 and "cl" in index.words.counts


def test_queries_are_cut():
    long = "T cell " + "x" * 10_000
    query = parse(long)
    assert len(query.raw) == MAX_QUERY_LENGTH
    assert query.text.startswith("t cell x")


# the SQL documents equal the Python ones -----------------------------------------------------------

TRICKY = [
    "T-cell|T lymphocyte",
    "  a -- b,,(c)  ",
    "a||b",
    "|",
    "",
    "CD4+/CD8\u2212 (na\u00efve)",
    "x\ty\nz\r",
    "\u2018quoted\u2019 \u201cx\u201d \u2013 y\u2014z",
    "A  |  B",
    "50% done_x 'it''s' \"q\"",
    "project_3/batch_07/sample_0000777.h5ad",
]


def test_sql_documents_equal_python(ln):
    with connection.cursor() as cursor:
        for text in TRICKY:
            if connection.vendor == "sqlite":
                cursor.execute(f"SELECT {sqlite_doc('%s')}, {sqlite_compact('%s')}", [text, text])
                got_doc, got_compact = (v.lower() for v in cursor.fetchone())  # case is left to FTS5
            else:
                cursor.execute("SELECT lamin_search_doc(%s), lamin_search_compact(%s)", [text, text])
                got_doc, got_compact = cursor.fetchone()
            expected = doc(text)
            assert got_doc == expected, text
            assert (
                got_compact == "|" + "|".join(v.replace(" ", "") for v in expected[2:-2].split(" | ")) + "|"
            )


def test_normalize():
    assert normalize("  CD8-positive, alpha-beta T_cell ") == "cd8 positive alpha beta t cell"
    assert values("T-cell|T lymphocyte||") == ("t cell", "t lymphocyte")
    assert values(["a b", "C-d"]) == ("a b", "c d")


def test_sqlite_index_statements_keep_the_index_in_sync(tmp_path):
    """The SQLite DDL on its own: insert, update, delete, bulk rows, drop (no Django involved)."""
    db = sqlite3.connect(tmp_path / "t.db", isolation_level=None)
    db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, synonyms TEXT)")
    db.execute("INSERT INTO t VALUES (1, 'T cell', 'T-lymphocyte|T-cell'), (2, 'B cell', NULL)")
    for statement in sqlite_create_statements("t", "id", ["name", "synonyms"], ["name", "synonyms"]):
        db.execute(statement)

    def match(expression: str) -> list[int]:
        rows = db.execute(
            "SELECT rowid FROM search_fts_t WHERE search_fts_t MATCH ? ORDER BY rowid", [expression]
        )
        return [r[0] for r in rows]

    assert match('"| t cell |"') == [1]  # existing rows were indexed
    assert match('{synonyms} : "| t lymphocyte |"') == [1]
    assert match('{synonyms__c} : "|tlymphocyte|"') == [1]
    db.execute("INSERT INTO t VALUES (3, 'NK cell', 'natural killer cell')")
    assert match('" cell "') == [1, 2, 3]
    db.execute("UPDATE t SET name = 'plasma cell' WHERE id = 2")
    assert match('"| b cell |"') == [] and match('"| plasma cell |"') == [2]
    db.execute("UPDATE t SET synonyms = NULL WHERE id = 1")
    assert match('{synonyms} : "lymphocyte"') == []
    db.execute("DELETE FROM t WHERE id = 3")
    assert match('" cell "') == [1, 2]
    words = dict(db.execute("SELECT term, doc FROM search_vocab_t"))
    assert words == {"cell": 2, "t": 1, "plasma": 1}
    assert db.execute("SELECT version FROM search_version WHERE tbl = 't'").fetchone()[0] == 4
    db.execute("INSERT INTO search_fts_t(search_fts_t) VALUES ('integrity-check')")
    for statement in sqlite_drop_statements("t"):
        db.execute(statement)
    names = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE name LIKE 'search%'")}
    assert names == {"search_version"}
    db.execute("INSERT INTO t VALUES (4, 'x', 'y')")  # no triggers left


# the registries --------------------------------------------------------------------------------------

LABELS = [
    "T cell",
    "T cell of appendix",
    "alpha-beta T cell",
    "CD8-positive, alpha-beta T cell",
    "lymphocyte",
    "zq label 1",
    "zq label 12",
    "zq label 4",
    "a_b",
    "axb",
    "50% done",
]


@pytest.fixture(scope="module")
def labels(ln):
    """Labels for this module, created in a transaction that is rolled back afterwards."""
    with transaction.atomic():
        records = [ln.ULabel(name=name).save() for name in LABELS]
        records[4].description = "an immune system member"
        records[4].save()
        yield {r.name: r for r in records}
        transaction.set_rollback(True)


@pytest.fixture
def mine(ln, labels):
    """The module's labels as a QuerySet (other modules' labels stay out of the rankings)."""
    return ln.ULabel.filter(id__in=[r.id for r in labels.values()])


def names(queryset) -> list[str]:
    return list(queryset.values_list("name", flat=True))


def test_registries_search_through_their_index(ln, labels):
    backend = backend_for(ln.ULabel.objects.all(), ["name", "description"])
    assert type(backend).__name__ == ("SQLiteBackend" if connection.vendor == "sqlite" else "PostgresBackend")
    for model, fields in [
        (ln.Artifact, {"key", "description"}),
        (ln.Transform, {"key", "description"}),
        (ln.ULabel, {"name", "description"}),
        (ln.Feature, {"name", "synonyms", "description"}),
        (ln.Schema, {"name", "description"}),
        (ln.Collection, {"key", "description"}),
    ]:
        assert set(indexed_fields(connection, model._meta.db_table)) == fields
    # a field without an index (asked for explicitly) is scanned
    assert type(backend_for(ln.ULabel.objects.all(), ["uid"])).__name__ == "ScanBackend"


@pytest.mark.parametrize("query", ["T cell", "t cell", "T-cell", "tcell", "cell T", "T_CELL"])
def test_case_punctuation_and_token_order(mine, query):
    assert names(mine.search(query))[0] == "T cell"


def test_ranking_in_the_database(mine):
    assert names(mine.search("T cell")) == [
        "T cell",
        "T cell of appendix",
        "alpha-beta T cell",
        "CD8-positive, alpha-beta T cell",
    ]
    assert names(mine.search("lymphocite")) == ["lymphocyte"]  # fuzzy
    assert names(mine.search("immune")) == ["lymphocyte"]  # the description
    assert names(mine.search("zq label 1")) == ["zq label 1", "zq label 12"]  # not "zq label 4"
    assert names(mine.search("zq lable")) == ["zq label 1", "zq label 4", "zq label 12"]
    assert names(mine.search("T cell", limit=2)) == ["T cell", "T cell of appendix"]


def test_synonyms_rank_after_names(ln):
    with transaction.atomic():
        ln.Feature(name="zq mrna level", dtype="float", synonyms="zq expression").save()
        ln.Feature(name="zq expression", dtype="float").save()
        ln.Feature(name="zq expression level", dtype="float").save()
        ranked = list(
            ln.Feature.filter(name__startswith="zq").search("ZQ-Expression").values_list("name", flat=True)
        )
        transaction.set_rollback(True)
    assert ranked == ["zq expression", "zq mrna level", "zq expression level"]


def test_results_chain_into_querysets(ln, mine, labels):
    result = mine.search("T cell")
    assert result.first().name == "T cell"
    assert list(result.df()["name"])[:2] == ["T cell", "T cell of appendix"]
    assert names(result.filter(name__contains="alpha")) == [
        "alpha-beta T cell",
        "CD8-positive, alpha-beta T cell",
    ]
    assert ln.ULabel.search("T cell").filter(id=labels["T cell"].id).one() == labels["T cell"]


def test_limit_none_and_sliced_querysets(mine, labels):
    assert names(mine.search("T cell", limit=None)) == names(mine.search("T cell"))
    first_two = mine.order_by("id")[:2]  # "T cell", "T cell of appendix"
    assert names(first_two.search("cell T")) == ["T cell", "T cell of appendix"]


def test_short_queries_use_the_prefix_path(mine):
    assert names(mine.search("t"))[:2] == ["T cell", "T cell of appendix"]
    assert names(mine.search("zq"))[:1] == ["zq label 1"]
    assert names(mine.search("a"))[0] == "a_b"


def test_long_queries_are_cut_and_answered(mine):
    assert names(mine.search("T cell" + " " * 10 + "x" * 10_000)) == []
    assert names(mine.search("T cell " + "T " * 5_000))[0] == "T cell"


def test_empty_query_gives_the_latest_records(ln, labels):
    latest = list(ln.ULabel.objects.latest_queryset(20).values_list("id", flat=True))
    assert list(ln.ULabel.search("").values_list("id", flat=True)) == latest
    assert list(ln.ULabel.search(" \t\n", limit=3).values_list("id", flat=True)) == latest[:3]
    assert list(ln.ULabel.search(" " * 500 + "T cell").values_list("id", flat=True)) == latest  # cut: blank


def test_wildcards_quotes_and_sql_are_literal(ln, mine, labels):
    count = ln.ULabel.objects.count()
    assert names(mine.search("a_b")) == ["a_b"]  # `_` is no wildcard: "axb" does not match
    assert names(mine.search("%")) == ["50% done"]
    assert names(mine.search("_")) == ["a_b"]
    assert names(mine.search("'")) == []
    assert names(mine.search('"')) == []
    for text in ["'; DROP TABLE lamin_core_ulabel; --", '" OR 1=1 --', "NEAR(a b)", "{name}: x", "a AND b*"]:
        assert names(mine.search(text)) == []
    assert ln.ULabel.objects.count() == count


def test_bad_arguments(ln):
    with pytest.raises(TypeError, match="Cannot search for None value"):  # LaminDB 1.5.3's words
        ln.ULabel.search(None)
    for value in [42, b"T cell", ["T cell"]]:
        with pytest.raises(TypeError, match="expects a string"):
            ln.ULabel.search(value)
    with pytest.raises(ValueError, match="limit"):
        ln.ULabel.search("x", limit=-1)
    assert not ln.ULabel.search("T cell", limit=0).exists()


def test_uid_and_hash_only_when_asked(ln, labels):
    label = labels["T cell"]
    assert not ln.ULabel.search(label.uid).filter(id=label.id).exists()
    assert ln.ULabel.search(label.uid, field="uid").first() == label
    assert ln.ULabel.search(label.uid[:4], field=["uid", "name"]).filter(id=label.id).exists()


def test_index_follows_save_update_delete_and_trash(ln, mine, labels):
    with transaction.atomic():
        new = ln.ULabel(name="zq fresh name").save()
        assert ln.ULabel.search("zq fresh").first() == new
        new.name = "zq renamed"
        new.save()
        assert not ln.ULabel.search("zq fresh").filter(id=new.id).exists()
        assert ln.ULabel.search("zq renamed").first() == new
        ln.ULabel.filter(id=new.id).update(name="zq updated")  # no save(), triggers only
        assert ln.ULabel.search("zq updated").first() == new
        ln.ULabel.objects.bulk_create([ln.ULabel(name="zq bulk one"), ln.ULabel(name="zq bulk two")])
        assert names(ln.ULabel.search("zq bulk")) == ["zq bulk one", "zq bulk two"]
        with connection.cursor() as cursor:
            cursor.execute("UPDATE lamin_core_ulabel SET name = 'zq raw sql' WHERE id = %s", [new.id])
        assert ln.ULabel.search("zq raw sql").first().id == new.id
        # trash and archive hide a record from search, as from every read path
        ln.ULabel.all_objects.filter(id=new.id).update(_branch_code=-1)
        assert not ln.ULabel.search("zq raw sql").exists()
        assert ln.ULabel.all_objects.search("zq raw sql").first().id == new.id
        ln.ULabel.all_objects.filter(id=new.id).delete()
        assert not ln.ULabel.all_objects.search("zq raw sql").exists()
        # a new word reaches the fuzzy step's vocabulary
        ln.ULabel(name="zq xylophone").save()
        assert names(ln.ULabel.search("zq xylophonne")) == ["zq xylophone"]
        transaction.set_rollback(True)


def test_artifact_search_over_keys_and_descriptions(ln):
    from django.db.models import Model

    from lamin_core.models import Artifact

    with transaction.atomic():
        storage = ln.Storage.get(1)
        keys = ["zq/batch_07/sample_000077.h5ad", "zq/batch_07/sample_000078.h5ad", "zq/batch_08/x.csv"]
        for i, key in enumerate(keys):
            artifact = Artifact.__new__(Artifact)
            description = "an iris dataset" if i == 2 else None
            Model.__init__(
                artifact,
                key=key,
                suffix=".h5ad",
                size=1,
                hash=f"zq{i:020d}",
                storage=storage,
                description=description,
            )
            artifact.save()
        queryset = ln.Artifact.filter(key__startswith="zq/")
        assert list(queryset.search("batch_07/sample_000077").values_list("key", flat=True)) == [keys[0]]
        assert list(queryset.search("batch_07").values_list("key", flat=True)) == keys[:2]
        assert list(queryset.search("iris").values_list("key", flat=True)) == [keys[2]]
        assert list(queryset.search("sampel_000077").values_list("key", flat=True)) == [keys[0]]
        transaction.set_rollback(True)


def test_repair_recreates_lost_triggers(ln, labels):
    if connection.vendor != "sqlite":
        pytest.skip("SQLite only: PostgreSQL table changes keep the generated columns and their indexes")
    from lamin_core.search_index import clear_caches, repair

    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute('DROP TRIGGER "search_lamin_core_ulabel_update"')
        clear_caches()
        assert indexed_fields(connection, "lamin_core_ulabel") is None  # stale: not used
        assert ln.ULabel.search("T cell").first().name == "T cell"  # scanned instead
        assert repair() == ["lamin_core_ulabel"]
        assert indexed_fields(connection, "lamin_core_ulabel") is not None
        assert ln.ULabel.search("tcell").first().name == "T cell"
        transaction.set_rollback(True)
    clear_caches()
