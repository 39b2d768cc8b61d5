"""`Artifact.filter().count()` counts all rows minus the hidden ones (query/counting.py): the same number as
`WHERE _branch_code = 1`, through the archive, the trash and back, and only for the visible records alone.

On the run's database (SQLite or PostgreSQL); what this module writes is rolled back.
"""

from __future__ import annotations

import uuid

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext


def slow_count(ln) -> int:
    """The visible artifacts counted row by row, without the count path under test."""
    return ln.Artifact.all_objects.filter(_branch_code=1).order_by().values("id").distinct().count()


def count_sql(queryset) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as queries:
        n = queryset.count()
    assert len(queries.captured_queries) == 1
    return n, queries.captured_queries[0]["sql"]


@pytest.fixture
def artifacts(ln, tmp_path):
    """Five new artifacts, inside a transaction rolled back at the end."""
    with transaction.atomic():
        made, prefix = [], f"count-{uuid.uuid4().hex[:8]}"
        for i in range(5):
            path = tmp_path / f"{i}.csv"
            path.write_text(f"x\n{uuid.uuid4()}\n")
            made.append(ln.Artifact(path, key=f"{prefix}/{i}.csv").save())
        yield made
        transaction.set_rollback(True)


def test_the_visible_count_equals_a_row_by_row_count_through_archive_and_trash(ln, artifacts):
    before, sql = count_sql(ln.Artifact.filter())
    assert sql.startswith("SELECT (SELECT COUNT(*)")  # all rows minus the hidden ones
    assert before == slow_count(ln) >= 5
    assert ln.Artifact.objects.count() == before == ln.Artifact.filter().all().count()

    artifacts[0].delete()  # to the trash
    ln.Artifact.all_objects.filter(id=artifacts[1].id).update(_branch_code=0)  # archived
    assert ln.Artifact.filter().count() == before - 2 == slow_count(ln)
    assert ln.Artifact.filter(_branch_code=-1).count() >= 1
    assert ln.Artifact.filter(_branch_code=0).filter(id=artifacts[1].id).count() == 1

    artifacts[0].restore()
    assert ln.Artifact.filter().count() == before - 1 == slow_count(ln)
    artifacts[2].delete(permanent=True)
    assert ln.Artifact.filter().count() == before - 2 == slow_count(ln)
    assert ln.Artifact.all_objects.count() == ln.Artifact.all_objects.filter().count()


def test_other_querysets_count_their_own_rows(ln, artifacts):
    prefix = artifacts[0].key.split("/")[0]
    mine = ln.Artifact.filter(key__startswith=prefix)
    n, sql = count_sql(mine)
    assert n == 5 and "(SELECT COUNT" not in sql
    assert ln.Artifact.filter().none().count() == 0
    assert ln.Artifact.filter()[:3].count() == 3
    assert ln.Artifact.filter().exclude(key__startswith=prefix).count() == slow_count(ln) - 5
    assert ln.Artifact.filter(_branch_code=None).count() == ln.Artifact.all_objects.count()
    assert ln.Artifact.filter().distinct().count() == slow_count(ln)
    # a fetched QuerySet counts what it holds
    listed = ln.Artifact.filter(key__startswith=prefix)
    assert len(list(listed)) == 5 and listed.count() == 5
    # a registry without the partial index counts as Django does
    n, sql = count_sql(ln.ULabel.filter())
    assert "(SELECT COUNT" not in sql and n == ln.ULabel.all_objects.filter(_branch_code=1).count()


def test_sqlite_reads_the_hidden_rows_from_the_partial_index(ln):
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's query plan")
    with connection.cursor() as cursor:
        cursor.execute(
            "EXPLAIN QUERY PLAN SELECT COUNT(*) FROM lamin_core_artifact WHERE NOT (_branch_code = 1)"
        )
        plan = " ".join(str(row[-1]) for row in cursor.fetchall())
    assert "artifact_hidden_idx" in plan
