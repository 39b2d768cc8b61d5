"""The pre-migrated SQLite template that `lamin init` copies equals a freshly migrated database."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from conftest import python

from lamin_core.setup.sqlite_template import copy_template, migration_files, recorded_migrations


def schema(path: Path) -> list[tuple[str, str, str]]:
    with sqlite3.connect(path) as conn:
        rows = conn.execute("SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY name")
        return list(rows)


def test_shipped_template_matches_a_migrated_database(home, tmp_path):
    shipped = tmp_path / "shipped.db"
    assert copy_template(["lamin_core"], shipped), (
        "the SQLite template is outdated: run `make sqlite-templates`"
    )
    assert recorded_migrations(shipped) == migration_files(["lamin_core"])

    result = python(
        "from lamin_core.setup.instance import init; init(storage='migrated', use_template=False)",
        home=home,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    migrated = tmp_path / "migrated" / ".lamindb" / "lamin.db"
    assert schema(shipped) == schema(migrated)
    with sqlite3.connect(shipped) as conn:
        assert conn.execute("SELECT count(*) FROM lamin_core_user").fetchone() == (0,)


def test_outdated_template_is_not_used(tmp_path, monkeypatch):
    import lamin_core.setup.sqlite_template as template

    monkeypatch.setattr(template, "migration_files", lambda apps: {("lamin_core", "9999_future")})
    target = tmp_path / "db.sqlite3"
    assert not template.copy_template(["lamin_core"], target)
    assert not target.exists()


def planner_stats(path: Path) -> list[tuple[str, str, str]]:
    with sqlite3.connect(path) as conn:
        return list(conn.execute("SELECT tbl, idx, stat FROM sqlite_stat1 ORDER BY tbl, idx"))


def test_template_and_migrated_database_carry_the_same_planner_statistics(home, tmp_path):
    shipped = tmp_path / "shipped.db"
    assert copy_template(["lamin_core"], shipped)
    result = python(
        "from lamin_core.setup.instance import init; init(storage='migrated', use_template=False)",
        home=home,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    stats = planner_stats(shipped)
    assert stats == planner_stats(tmp_path / "migrated" / ".lamindb" / "lamin.db")
    by_index = {index: stat for _, index, stat in stats}
    # a unique column is selective; a flag is not (the planner must not walk it for `is_latest = 1`)
    assert by_index["sqlite_autoindex_lamin_core_artifact_1"].split() == ["1000000", "1"]
    flag = next(index for index in by_index if index.startswith("lamin_core_artifact_is_latest"))
    assert int(by_index[flag].split()[1]) >= 100_000


# the hot paths' queries at 1M artifacts (benchmarks/PLANNER.md) and the index each must walk
HOT_PLANS = {
    "SELECT id FROM lamin_core_artifact WHERE suffix = '.h5ad' AND _branch_code = 1 "
    "ORDER BY created_at DESC LIMIT 100": "artifact_suffix_page_idx",
    "SELECT id FROM lamin_core_artifact WHERE _branch_code = 1 ORDER BY updated_at DESC LIMIT 100": (
        "lamin_core_artifact_updated_at"
    ),
    # counts, date and size histograms of a suffix read the index alone; its frames visit the table in
    # creation order (not by size, which made SQLite visit it at random)
    "SELECT count(*) FROM lamin_core_artifact WHERE suffix = '.h5ad' AND _branch_code = 1": (
        "artifact_suffix_page_idx"
    ),
    "SELECT min(size), max(size) FROM lamin_core_artifact WHERE suffix = '.h5ad' AND _branch_code = 1": (
        "artifact_suffix_page_idx"
    ),
    "SELECT * FROM lamin_core_artifact WHERE suffix = '.h5ad' AND _branch_code = 1": (
        "artifact_suffix_page_idx"
    ),
    # without statistics SQLite walks the storage_id or is_latest index here (the planner trap)
    "SELECT id FROM lamin_core_artifact WHERE storage_id = 1 AND key = 'a/b.csv' AND _branch_code = 1": (
        "lamin_core_artifact_key"
    ),
    "SELECT id FROM lamin_core_artifact WHERE is_latest = 1 AND key = 'a/b.csv'": "lamin_core_artifact_key",
    "SELECT id FROM lamin_core_artifact WHERE hash = 'x' AND is_latest": (
        "sqlite_autoindex_lamin_core_artifact_2 (hash=?)"
    ),
}


def test_hot_paths_walk_the_selective_index(tmp_path):
    shipped = tmp_path / "shipped.db"
    assert copy_template(["lamin_core"], shipped)
    with sqlite3.connect(shipped) as conn:
        for sql, index in HOT_PLANS.items():
            plan = " | ".join(row[3] for row in conn.execute(f"EXPLAIN QUERY PLAN {sql}"))
            assert f"INDEX {index}" in plan, f"{sql}\n  uses: {plan}"


def test_an_index_of_a_later_migration_gets_planner_statistics(home, tmp_path):
    """A database whose last migrations are rolled back and applied again (as a newer package would change
    an index: 0011 gives the suffix page index a fourth column) gets representative statistics for the
    new index, also on the artifact table, whose partial index of hidden records assumes its own few rows;
    the statistics of the index it replaces go with it."""
    result = python(
        "from lamin_core.setup.instance import init; init(storage='later')", home=home, cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    db = tmp_path / "later" / ".lamindb" / "lamin.db"
    before = planner_stats(db)
    (stat,) = [stat for table, index, stat in before if index == "artifact_suffix_page_idx"]
    assert len(stat.split()) == 5  # rows, then per column of (suffix, _branch_code, created_at, size)
    with sqlite3.connect(db) as conn:  # back to before 0011: the index of three columns, its statistics
        conn.execute("DROP INDEX artifact_suffix_page_idx")
        conn.execute(
            'CREATE INDEX "artifact_suffix_page_idx" ON "lamin_core_artifact" ("suffix", "_branch_code", '
            '"created_at")'
        )
        conn.execute(
            "INSERT INTO sqlite_stat1 VALUES ('lamin_core_artifact', 'artifact_suffix_page_idx', "
            "'1000000 250000 250000 2')"
        )
        # that migration and every later one (their history must stay consistent) are applied again
        conn.execute(
            "DELETE FROM django_migrations WHERE app = 'lamin_core' AND name >= "
            "(SELECT name FROM django_migrations WHERE name LIKE '0011_%')"
        )
    result = python("import lamin_core as ln; ln.connect('later')", home=home, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert planner_stats(db) == before
