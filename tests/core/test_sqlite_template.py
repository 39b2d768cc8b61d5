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
