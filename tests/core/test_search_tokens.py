"""The whole-token step through the inverted tables of migration 0013 (PostgreSQL, `search_index/tokens.py`):
it fetches exactly what the `LIKE '% t %'` condition fetches, for any cap and with hidden records in
between; the search results equal the in-memory engine's on SQLite and PostgreSQL; and the tables follow
every write in its transaction — save, update of a searched field, bulk update, delete, trash and
restore, a failed save.
"""

from __future__ import annotations

import pytest
from conftest import memory_ranked
from django.db import IntegrityError, connection, transaction

from lamin_core.search_index import backend_for, parse, token_indexed
from lamin_core.search_index.tokens import LONGEST_TOKEN

LONG_WORD = "w" * LONGEST_TOKEN  # the longest word a query can hold
KEYS = [
    *(f"zt_{i % 3}/batch_{i % 5:02d}/sample_{i:04d}.h5ad" for i in range(60)),
    "zt/batch 07 batch 07/repeated.csv",  # a token twice in one document
    "zt/Batch-07|second value 07",  # case, punctuation, several values
    f"zt/{LONG_WORD}/long.txt",
    f"zt/{LONG_WORD}x/too_long.txt",  # a word longer than any query: not in the table
    "zt/ünïcode 07/é.txt",
    "zt/%_\\wild 07.txt",
]
DESCRIPTIONS = {3: "batch 07 in the description", 61: "a description with sample words", 64: "ünïcode"}
QUERIES = [
    "batch_07",
    "batch 07",
    "07 batch",
    "batch",
    "sample",
    "zt 1 batch 03",
    "sample_0042",
    "second value",
    "description sample",
    "07",
    "h5ad",
    "ünïcode 07",
    LONG_WORD,
    f"{LONG_WORD}x",
    "wild 07",
    "nothing here",
]


def make(ln, key: str, i: int, description: str | None = None):
    from django.db.models import Model

    from lamin_core.models import Artifact

    artifact = Artifact.__new__(Artifact)
    Model.__init__(
        artifact,
        key=key,
        suffix="",
        size=1,
        hash=f"zt{i:020d}",
        storage=ln.Storage.get(1),
        description=description,
    )
    artifact.save()
    return artifact


@pytest.fixture
def artifacts(ln):
    """The artifacts of KEYS (ids ascending in KEY order), rolled back afterwards."""
    with transaction.atomic():
        for i, key in enumerate(KEYS):
            make(ln, key, i, DESCRIPTIONS.get(i))
        yield ln.Artifact.filter(hash__startswith="zt")
        transaction.set_rollback(True)


def test_search_equals_the_in_memory_engine(artifacts):
    for query in QUERIES:
        found = list(artifacts.search(query, limit=None).values_list("id", flat=True))
        assert found == memory_ranked(artifacts, query), query
        assert list(artifacts.search(query, limit=5).values_list("id", flat=True)) == found[:5], query


def postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only: SQLite's FTS5 index gives phrase matches in id order")


def like_backend(queryset):
    """The same backend without the inverted tables: the `LIKE '% t %'` path."""
    backend = backend_for(queryset, ["key", "description"])
    backend.tokens = {}
    return backend


def test_the_tokens_step_fetches_what_like_fetches(ln, artifacts):
    postgres_only()
    assert set(token_indexed(connection, "lamin_core_artifact")) == {"key", "description"}
    # trashed records between the matches: the step's windows skip them
    for artifact in ln.Artifact.filter(hash__startswith="zt", key__contains="batch_02"):
        artifact.delete()
    visible = ln.Artifact.filter(hash__startswith="zt")
    backend, plain = backend_for(visible, ["key", "description"]), like_backend(visible)
    assert backend.tokens
    for query in QUERIES:
        parsed = parse(query)
        for cap in (None, 1, 3, 7, 1000):
            got = backend.fetch("tokens", parsed, cap)
            assert got == plain.fetch("tokens", parsed, cap), (query, cap)
    assert len(backend.fetch("tokens", parse("batch"), None)) == 50  # 60 numbered keys, 12 trashed; 2 more
    # a query is cut to LONGEST_TOKEN characters: the longer word is never a whole token of it
    assert [key for _, (key, _) in backend.fetch("tokens", parse(f"{LONG_WORD}x"), None)] == [
        f"zt/{LONG_WORD}/long.txt"
    ]
    # only the key searched: the key's table alone
    keys = backend_for(visible, ["key"])
    keys_plain = backend_for(visible, ["key"])
    keys_plain.tokens = {}
    for query in QUERIES:
        assert keys.fetch("tokens", parse(query), None) == keys_plain.fetch("tokens", parse(query), None)


def stored_tokens(ids) -> set[tuple]:
    """(field, token, id) rows of the inverted tables for `ids`."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 'key', token, id FROM search_tokens_lamin_core_artifact__key WHERE id = ANY(%s) "
            "UNION ALL SELECT 'description', token, id FROM search_tokens_lamin_core_artifact__description "
            "WHERE id = ANY(%s)",
            [list(ids), list(ids)],
        )
        rows = cursor.fetchall()
    assert len(rows) == len(set(rows))
    return set(rows)


def computed_tokens(ids) -> set[tuple]:
    """The same rows computed from the stored documents (as the search's `LIKE '% t %'` reads them)."""
    rows = set()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, _search_key, _search_description FROM lamin_core_artifact WHERE id = ANY(%s)",
            [list(ids)],
        )
        for pk, key, description in cursor.fetchall():
            for field, doc in (("key", key), ("description", description)):
                for word in (doc or "").split(" "):
                    if word not in ("", "|") and len(word) <= LONGEST_TOKEN:
                        rows.add((field, word, pk))
    return rows


def test_writes_keep_the_tables_right_in_their_transaction(ln, artifacts):
    postgres_only()
    ids = list(artifacts.values_list("id", flat=True))
    assert stored_tokens(ids) == computed_tokens(ids)
    assert ("key", LONG_WORD, ids[62]) in stored_tokens(ids)
    assert not any(token.startswith(LONG_WORD + "x") for _, token, _ in stored_tokens(ids))

    first = artifacts.get(id=ids[0])
    first.key = "zt/renamed 77/new_key"
    first.save()
    first.description = "now described"
    first.save()
    second = artifacts.get(id=ids[1])
    second.description = None
    second.key = None  # no document: no tokens
    second.save()
    ln.Artifact.filter(id__in=ids[2:6]).update(description="bulk 77 words")
    ln.Artifact.filter(id__in=ids[6:8]).update(suffix=".x")  # no document changes
    artifacts.get(id=ids[8]).delete()  # trash: the document stays, search hides the record
    artifacts.get(id=ids[9]).delete(permanent=True)
    trashed = ln.Artifact.all_objects.get(id=ids[8])
    trashed.restore()
    added = make(ln, "zt/added 77 row.txt", 99, "added description")
    current = [*ids, added.id]
    assert stored_tokens(current) == computed_tokens(current)
    assert ("key", "renamed", ids[0]) in stored_tokens(current)
    assert not any(i in (ids[1], ids[9]) for _, _, i in stored_tokens(current))

    visible = ln.Artifact.filter(hash__startswith="zt")
    backend, plain = backend_for(visible, ["key", "description"]), like_backend(visible)
    for query in ["77", "bulk 77", "renamed 77", "described", "added 77", "batch 01", "sample"]:
        assert backend.fetch("tokens", parse(query), None) == plain.fetch("tokens", parse(query), None)
        found = list(visible.search(query, limit=None).values_list("id", flat=True))
        assert found == memory_ranked(visible, query), query


def test_a_failed_save_leaves_no_tokens(ln, artifacts):
    postgres_only()
    before = stored_tokens(list(artifacts.values_list("id", flat=True)) + list(range(10**6)))
    with pytest.raises(IntegrityError), transaction.atomic():
        make(ln, "zt/failing 88 key", 1)  # the hash of KEYS[1]: unique constraint
    with pytest.raises(IntegrityError), transaction.atomic():
        ln.Artifact.filter(hash__startswith="zt").update(hash="zt-same")  # a bulk update that fails
    assert stored_tokens(list(artifacts.values_list("id", flat=True)) + list(range(10**6))) == before
    assert not artifacts.search("failing 88").exists()


def test_the_migration_operation_drops_and_refills_the_tables(ln, artifacts):
    """Backwards: no tables, the `LIKE` path, the same results; forwards: the tables filled from the rows.
    Dropping the search index drops them too (their triggers read its documents)."""
    postgres_only()
    from django.db.migrations.state import ProjectState

    from lamin_core.search_index import CreateTokenIndex
    from lamin_core.search_index.ddl import postgres_drop_statements

    table = "lamin_core_artifact"
    assert any("search_tokens_" in s for s in postgres_drop_statements(table, ["key"], []))
    state = ProjectState.from_apps(ln.Artifact._meta.apps)
    operation = CreateTokenIndex("artifact", ["key", "description"])
    ids = list(artifacts.values_list("id", flat=True))
    ranked = {q: list(artifacts.search(q, limit=None).values_list("id", flat=True)) for q in QUERIES}
    try:
        with connection.schema_editor() as editor:
            operation.database_backwards("lamin_core", editor, state, state)
        assert token_indexed(connection, table) == {}
        assert backend_for(artifacts, ["key", "description"]).tokens == {}
        assert {
            q: list(artifacts.search(q, limit=None).values_list("id", flat=True)) for q in QUERIES
        } == ranked
    finally:
        with connection.schema_editor() as editor:
            operation.database_forwards("lamin_core", editor, state, state)
    assert set(token_indexed(connection, table)) == {"key", "description"}
    assert stored_tokens(ids) == computed_tokens(ids)
    assert {q: list(artifacts.search(q, limit=None).values_list("id", flat=True)) for q in QUERIES} == ranked


def test_the_rarest_token_drives(ln, artifacts):
    """The planner statistics of the inverted tables rank a query's tokens; without them every token
    counts 0 (the longest drives). Either way the step's rows are the same."""
    postgres_only()
    from lamin_core.search_index import clear_caches
    from lamin_core.search_index.db import token_counts

    tables = list(token_indexed(connection, "lamin_core_artifact").values())
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f'ANALYZE "{table}"')
    clear_caches()
    counts = token_counts(connection, tables, ["batch", "07", "sample"])
    assert counts["07"] < counts["batch"] and counts["07"] < counts["sample"], counts
    visible = ln.Artifact.filter(hash__startswith="zt")
    backend, plain = backend_for(visible, ["key", "description"]), like_backend(visible)
    for query in ["batch 07", "sample 07", "batch sample"]:
        assert backend.fetch("tokens", parse(query), 5) == plain.fetch("tokens", parse(query), 5)


def test_the_rows_come_with_the_ids_or_by_a_second_statement(ln, artifacts):
    """A QuerySet that reads the artifacts' table alone is joined to the inverted tables' ids (one
    statement); one that joins another table (a label filter, distinct) reads its rows among the ids by a
    second statement. Both fetch what `LIKE` fetches; an empty QuerySet fetches nothing."""
    postgres_only()
    label = ln.ULabel(name="zt label").save()
    for artifact in list(ln.Artifact.filter(hash__startswith="zt").order_by("id"))[::3]:
        artifact.ulabels.add(label)
    visible = ln.Artifact.filter(hash__startswith="zt")
    labelled = ln.Artifact.filter(hash__startswith="zt", ulabels=label).distinct()
    assert backend_for(visible, ["key", "description"])._joined_rows() is not None
    assert backend_for(labelled, ["key", "description"])._joined_rows() is None
    backend, plain = backend_for(labelled, ["key", "description"]), like_backend(labelled)
    for query in QUERIES:
        for cap in (None, 2, 1000):
            assert backend.fetch("tokens", parse(query), cap) == plain.fetch("tokens", parse(query), cap)
    assert backend.fetch("tokens", parse("batch"), None)
    assert backend_for(visible.none(), ["key", "description"]).fetch("tokens", parse("batch"), None) == []
