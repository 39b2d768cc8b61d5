"""Search on keys where a query starts a value, a word or a later value of a `|`-separated key: the results
equal the in-memory engine's (the same ranking, no database), on SQLite and on PostgreSQL; on PostgreSQL
the prefix and exact steps go through the value-start indexes of migration 0012 and fetch exactly what the
plain trigram condition fetches.
"""

from __future__ import annotations

import pytest
from conftest import memory_ranked
from django.db import connection, transaction

from lamin_core.search_index import backend_for, parse, start_indexed

LONG = "y" * 300  # a first value longer than the btree's START_CHARS
KEYS = [
    "zs/batch_07/sample_1.h5ad",  # "batch" starts a word, not a value
    "batch_07/x.csv",  # the first value starts with "batch 07"
    "batch_070/y.csv",
    "batch 07",  # the whole value
    "Batch-07|other",  # case and punctuation; two values
    "zs a|batch_07 second value",  # a later value starts with the query
    "zs b|zs c|batch 07",  # a later value equals it
    "zs|",  # an empty later value
    "|batch_07 leading bar",
    "zs%_weird\\batch_07",  # LIKE's wildcards and escape character, as typed
    f"batch_07/{LONG}",
    f"zs/{LONG}|batch_07 after a long value",
    "ünïcode/batch_07",
    "batch_07é/z",
    "batch07/compact",
]
DESCRIPTIONS = {2: "batch 07 in the description", 13: "an ünïcode description"}
QUERIES = [
    "batch_07",
    "batch 07",
    "BATCH-07",
    "batch",
    "batch_07/x.csv",
    "batch 07 second",
    "second value",
    "zs c",
    "zs",
    "07",
    "b",
    "batch07",
    "ünïcode",
    "batch_07é",
    "zs%_weird",
    f"batch_07/{LONG[:180]}",
    "batch_07 after",
    "description",
    "bacth_07",  # a typo: the fuzzy step
]


@pytest.fixture
def artifacts(ln):
    """The artifacts of KEYS (ids ascending in KEY order), rolled back afterwards."""
    from django.db.models import Model

    from lamin_core.models import Artifact

    with transaction.atomic():
        storage = ln.Storage.get(1)
        for i, key in enumerate(KEYS):
            artifact = Artifact.__new__(Artifact)
            Model.__init__(
                artifact,
                key=key,
                suffix="",
                size=1,
                hash=f"zs{i:020d}",
                storage=storage,
                description=DESCRIPTIONS.get(i),
            )
            artifact.save()
        yield ln.Artifact.filter(hash__startswith="zs")
        transaction.set_rollback(True)


def test_key_search_equals_the_in_memory_engine(artifacts):
    for query in QUERIES:
        found = list(artifacts.search(query, limit=None).values_list("id", flat=True))
        assert found == memory_ranked(artifacts, query), query
    assert artifacts.search("zs c").values_list("key", flat=True).first() == "zs b|zs c|batch 07"
    exact = {"batch 07", "Batch-07|other", "zs b|zs c|batch 07"}  # a value equal to the query: first
    assert set(list(artifacts.search("batch 07").values_list("key", flat=True))[:3]) == exact


def test_postgres_prefix_steps_use_the_value_start_indexes(ln, artifacts):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only: SQLite's FTS5 phrases keep the `|` markers")
    for model, field in [
        (ln.Artifact, "key"),
        (ln.Collection, "key"),
        (ln.Transform, "key"),
        (ln.Storage, "root"),
    ]:
        assert field in start_indexed(connection, model._meta.db_table)
    backend = backend_for(artifacts, ["key", "description"])
    plain = backend_for(artifacts, ["key", "description"])
    plain.starts = frozenset()
    assert backend.starts == {"key"}
    for query in QUERIES:
        parsed = parse(query)
        for step in ("prefix", "exact"):
            sql, _ = backend._condition(step, parsed)
            assert "left(" in sql, (query, step)
            assert sorted(backend.fetch(step, parsed, None)) == sorted(plain.fetch(step, parsed, None)), (
                query,
                step,
            )
