"""`Artifact.filter().count()` counts all rows minus the hidden ones on SQLite and reads the counts triggers
keep on PostgreSQL (query/counting.py, query/row_counts.py): the same number as
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


def is_fast(sql: str) -> bool:
    """The count path under test: all rows minus the hidden ones (SQLite) or the kept counts (PostgreSQL)."""
    return sql.startswith("SELECT (SELECT COUNT(*)") or "lamin_core_rowcount" in sql


def count_sql(queryset) -> tuple[int, str]:
    """The count and the SQL of its first statement (PostgreSQL may fold its count rows afterwards)."""
    with CaptureQueriesContext(connection) as queries:
        n = queryset.count()
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
    assert is_fast(sql)
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
    assert n == 5 and not is_fast(sql)
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
    assert not is_fast(sql) and n == ln.ULabel.all_objects.filter(_branch_code=1).count()


def test_sqlite_reads_the_hidden_rows_from_the_partial_index(ln):
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's query plan")
    with connection.cursor() as cursor:
        cursor.execute(
            "EXPLAIN QUERY PLAN SELECT COUNT(*) FROM lamin_core_artifact WHERE NOT (_branch_code = 1)"
        )
        plan = " ".join(str(row[-1]) for row in cursor.fetchall())
    assert "artifact_hidden_idx" in plan


def counter_rows(table: str = "lamin_core_artifact") -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM lamin_core_rowcount WHERE table_name = %s", [table])
        return cursor.fetchone()[0]


def test_postgresql_counts_from_the_rows_its_triggers_keep(ln, artifacts, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's row counts")
    n, sql = count_sql(ln.Artifact.filter())
    assert "lamin_core_rowcount" in sql and n == slow_count(ln)
    # a bulk update that moves records between branches, a raw insert, a delete: the counts follow
    ids = [a.id for a in artifacts]
    assert ln.Artifact.all_objects.filter(id__in=ids[:3]).update(_branch_code=-1) == 3
    assert ln.Artifact.filter().count() == n - 3 == slow_count(ln)
    ln.Artifact.all_objects.filter(id__in=ids).update(description="no branch change")
    assert ln.Artifact.filter().count() == n - 3
    ln.Artifact.all_objects.filter(id=ids[0]).delete()
    assert ln.Artifact.filter().count() == n - 3 == slow_count(ln)
    ln.Artifact.all_objects.filter(id__in=ids[1:3]).update(_branch_code=1)
    assert ln.Artifact.filter().count() == n - 1 == slow_count(ln)
    # many small writes leave many count rows; a read folds them into one per branch, same sum
    for i in range(70):
        path = tmp_path / f"many-{i}.csv"
        path.write_text(f"y\n{uuid.uuid4()}\n")
        ln.Artifact(path, key=f"{artifacts[0].key.split('/')[0]}/many-{i}.csv").save()
    assert counter_rows() > 64
    assert ln.Artifact.filter().count() == n + 69 == slow_count(ln)
    assert counter_rows() <= 3
    assert ln.Artifact.filter().count() == n + 69


def test_postgresql_counts_stay_right_when_a_transaction_rolls_back(ln, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's row counts")
    before = ln.Artifact.filter().count()
    with transaction.atomic():
        path = tmp_path / "rolled-back.csv"
        path.write_text(f"z\n{uuid.uuid4()}\n")
        ln.Artifact(path, key=f"count-rollback-{uuid.uuid4().hex[:8]}.csv").save()
        assert ln.Artifact.filter().count() == before + 1
        transaction.set_rollback(True)
    assert ln.Artifact.filter().count() == before == slow_count(ln)


def slow_suffix_count(ln, suffix: str) -> int:
    """The visible artifacts with `suffix`, row by row (a manager without the default visibility: Django's
    count)."""
    return (
        ln.Artifact.all_objects.filter(_branch_code=1, suffix=suffix)
        .order_by()
        .values("id")
        .distinct()
        .count()
    )


def value_rows(suffix: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM lamin_core_valuecount WHERE value = %s", [suffix])
        return cursor.fetchone()[0]


def test_a_suffix_count_equals_a_row_by_row_count(ln, artifacts, tmp_path):
    """On PostgreSQL `filter(suffix=...).count()` is the sum of the counts triggers keep per branch and
    suffix (query/row_counts.py: CountValues); through trash, a suffix change, a delete and many small
    writes it equals a row-by-row count. On SQLite it is Django's count (from the page index)."""
    n, sql = count_sql(ln.Artifact.filter(suffix=".csv"))
    assert n == slow_suffix_count(ln, ".csv") >= 5
    assert ("lamin_core_valuecount" in sql) == (connection.vendor == "postgresql")
    ids = [a.id for a in artifacts]
    assert ln.Artifact.all_objects.filter(id__in=ids[:2]).update(_branch_code=-1) == 2
    assert ln.Artifact.filter(suffix=".csv").count() == n - 2 == slow_suffix_count(ln, ".csv")
    zq = f".zq{uuid.uuid4().hex[:6]}"
    ln.Artifact.all_objects.filter(id__in=ids[2:4]).update(suffix=zq)
    assert ln.Artifact.filter(suffix=".csv").count() == n - 4 == slow_suffix_count(ln, ".csv")
    assert ln.Artifact.filter(suffix=zq).count() == 2 == slow_suffix_count(ln, zq)
    ln.Artifact.all_objects.filter(id=ids[2]).delete()
    assert ln.Artifact.filter(suffix=zq).count() == 1 == slow_suffix_count(ln, zq)
    ln.Artifact.all_objects.filter(id=ids[0]).update(_branch_code=1, suffix=zq)
    assert ln.Artifact.filter(suffix=zq).count() == 2 == slow_suffix_count(ln, zq)
    assert ln.Artifact.filter(suffix=".none").count() == 0
    # other conditions, lookups or managers count their own rows
    prefix = artifacts[0].key.split("/")[0]
    for queryset, expected in [
        (ln.Artifact.filter(suffix=zq, key__startswith=prefix), 2),
        (ln.Artifact.filter(suffix__iexact=zq.upper()), 2),
        (ln.Artifact.filter().exclude(suffix=zq).filter(key__startswith=prefix), 1),
        (ln.Artifact.filter(_branch_code=-1, suffix=".csv").filter(key__startswith=prefix), 1),
    ]:
        counted, sql = count_sql(queryset)
        assert counted == expected and "lamin_core_valuecount" not in sql
    if connection.vendor != "postgresql":
        return
    # many small writes leave many count rows; a read folds them into one per branch, same sum
    for i in range(70):
        path = tmp_path / f"many-{i}{zq}"
        path.write_text(f"y\n{uuid.uuid4()}\n")
        ln.Artifact(path, key=f"{prefix}/many-{i}{zq}").save()
    assert value_rows(zq) > 64
    assert ln.Artifact.filter(suffix=zq).count() == 72 == slow_suffix_count(ln, zq)
    assert value_rows(zq) <= 3


def test_a_feature_filter_counts_its_distinct_visible_records(ln, artifacts):
    """`filter(feature=label)` is `id IN (links)`: the distinct linked ids minus the hidden ones."""
    suffix = uuid.uuid4().hex[:8]
    ln.Feature(name=f"treatment_{suffix}", dtype="cat[ULabel]").save()
    ln.Feature(name=f"other_{suffix}", dtype="cat[ULabel]").save()
    for name in ("DMSO", "IFNG"):
        ln.ULabel(name=f"{name}_{suffix}").save()
    for artifact in artifacts[:4]:
        artifact.features.add_values({f"treatment_{suffix}": f"DMSO_{suffix}"})
    artifacts[0].features.add_values({f"other_{suffix}": f"DMSO_{suffix}"})  # same label, other feature
    artifacts[4].features.add_values({f"treatment_{suffix}": f"IFNG_{suffix}"})

    def dmso():
        return ln.Artifact.filter(**{f"treatment_{suffix}": f"DMSO_{suffix}"})

    n, sql = count_sql(dmso())
    assert "(SELECT COUNT(*) FROM (SELECT DISTINCT" in sql
    assert n == 4 == len({a.id for a in dmso()})
    artifacts[1].delete()  # trashed: no longer counted
    ln.Artifact.all_objects.filter(id=artifacts[2].id).update(_branch_code=0)  # archived
    assert dmso().count() == 2 == len(list(dmso()))
    assert ln.Artifact.filter(**{f"treatment_{suffix}": f"IFNG_{suffix}"}).count() == 1
    assert ln.Artifact.filter(**{f"treatment_{suffix}": f"IFNG_{suffix}"}, key__endswith=".csv").count() == 1
    trashed = ln.Artifact.filter(_branch_code=-1)
    assert trashed.filter(**{f"treatment_{suffix}": f"DMSO_{suffix}"}).count() == 1


def test_a_subquery_of_ids_that_are_not_foreign_keys_counts_as_django_does(ln, artifacts):
    ids = [a.id for a in artifacts]
    mine = ln.Artifact.filter(id__in=ln.Artifact.all_objects.filter(id__in=ids).values("id"))
    n, sql = count_sql(mine)
    assert n == 5 and "SELECT DISTINCT" not in sql
    # label ids are not artifact ids: never counted as if they were
    labels = ln.ULabel.all_objects.values("id")
    n, sql = count_sql(ln.Artifact.filter(id__in=labels))
    assert "SELECT DISTINCT" not in sql
    label_ids = list(ln.ULabel.all_objects.values_list("id", flat=True))
    assert n == ln.Artifact.all_objects.filter(_branch_code=1, id__in=label_ids).count()
