"""Pre-migrated SQLite databases shipped in the package, so that `lamin init` copies instead of migrating.

Migrations stay the source of truth: a template is used only while the migrations it recorded equal the
migration files on disk, and a test checks that the shipped templates match a freshly migrated database.
Templates are stored gzip-compressed (an empty database is mostly empty pages). Rebuild them with
`make sqlite-templates` after changing a migration.
"""

from __future__ import annotations

import gzip
import importlib.util
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

from .. import plugins

TEMPLATE_DIR = Path(__file__).parent / "sqlite_templates"


def template_path(apps: list[str]) -> Path:
    """The template file for a list of Django apps (`lamin_core`, `lamin_core.bionty`)."""
    return TEMPLATE_DIR / ("+".join(app.rsplit(".", 1)[-1] for app in apps) + ".sqlite3.gz")


def migration_files(apps: list[str]) -> set[tuple[str, str]]:
    """(app label, migration name) of every migration file of `apps`, read from disk without Django."""
    found = set()
    for app in apps:
        spec = importlib.util.find_spec(app + ".migrations")
        if spec is None or not spec.submodule_search_locations:
            continue
        label = app.rsplit(".", 1)[-1]
        for location in spec.submodule_search_locations:
            found |= {(label, p.stem) for p in Path(location).glob("[0-9]*.py")}
    return found


def recorded_migrations(path: Path) -> set[tuple[str, str]]:
    """(app label, migration name) recorded as applied in an SQLite database."""
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        return set(conn.execute("SELECT app, name FROM django_migrations"))


def copy_template(apps: list[str], target: Path) -> bool:
    """Unpack the up-to-date template for `apps` to `target`; False if there is none (then migrate)."""
    template = template_path(apps)
    if not template.exists():
        return False
    with gzip.open(template, "rb") as src, open(target, "wb") as dst:
        shutil.copyfileobj(src, dst)
    if recorded_migrations(target) != migration_files(apps):
        target.unlink()
        return False
    return True


def build(apps: list[str]) -> Path:
    """Migrate an empty database for `apps` in a fresh process and store it as the template."""
    modules = [app.rsplit(".", 1)[-1] for app in apps if app != "lamin_core"]
    target = template_path(apps)
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        code = (
            "import sys; from lamin_core.setup.instance import init\n"
            f"init(storage=sys.argv[1], modules={modules!r}, use_template=False)"
        )
        env = {"LAMIN_HOME": str(Path(tmp) / "home"), "PATH": ""}
        subprocess.run([sys.executable, "-c", code, str(Path(tmp) / "s")], check=True, env=env)
        db = Path(tmp) / "s" / ".lamindb" / "lamin.db"
        conn = sqlite3.connect(db, isolation_level=None)
        try:
            conn.execute("PRAGMA journal_mode=DELETE")  # folds the WAL into the file
            tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
            # keep the schema, drop the records init seeded
            for table in tables:
                if table.startswith(tuple(f"{label}_" for label in ("lamin_core", *plugins.MODULES))):
                    conn.execute(f'DELETE FROM "{table}"')
            conn.execute("DELETE FROM sqlite_sequence")
            conn.execute("VACUUM")
        finally:
            conn.close()
        with (
            open(db, "rb") as src,
            open(target, "wb") as raw,
            gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=9, mtime=0) as dst,
        ):
            shutil.copyfileobj(src, dst)
    return target


def build_all() -> list[Path]:
    """Rebuild the templates for the core app alone and with every module that exists."""
    built = [build(["lamin_core"])]
    for app in plugins.MODULES.values():
        if importlib.util.find_spec(app) is not None:
            built.append(build(["lamin_core", app]))
    return built


# --- planner statistics ---------------------------------------------------------------------------
#
# SQLite plans a query from `sqlite_stat1` (rows per table, rows per distinct value of each index
# prefix), which only ANALYZE writes. Without it, SQLite assumes every index equally selective and often
# walks the index of a low-cardinality column (`is_latest`, `suffix`, `storage_id`, a link table's
# `feature_id`) instead of the selective index or the index that gives the order: at 1 000 000 artifacts
# a filtered page then reads hundreds of thousands of rows. ANALYZE on the user's database cannot help
# while the tables are small (its statistics describe 10 rows) and is too slow to run on every write, so
# lamin_core writes *representative* statistics once, from the schema: a registry of a million artifacts
# whose unique and near-unique columns select a row or two, foreign keys to small registries (users,
# spaces, storages, features, schemas) and flag/category columns a large share of the table, foreign keys
# to large registries a few rows. Real statistics win: a table that already has rows in sqlite_stat1
# (from ANALYZE or `PRAGMA optimize`) is left alone.

PLANNER_ROWS = 1_000_000  # rows assumed for artifacts and the link tables that reference them
PLANNER_ROWS_SMALL = 10_000  # rows assumed for every other registry
# foreign keys to core's registries that stay small: many rows per value (a module's: its plugin's
# `small_registries`)
SMALL_TARGETS = {"user", "space", "storage", "feature", "schema", "branch"}
# columns with a handful of distinct values (besides booleans and fields with `choices`)
CATEGORY_COLUMNS = {
    "suffix", "kind", "otype", "_hash_type", "type", "dtype", "unit", "itype", "region",
    "reference_type", "array_rank", "array_size", "_status_code", "slot", "instance_uid",
    "version",
}  # fmt: skip


def _rows_per_value(field, table_rows: int) -> int:
    """The rows one value of ``field`` selects in a registry of ``table_rows`` rows (representative)."""
    from django.db import models  # lazy: `import lamin_core` loads no Django

    if field is None or field.primary_key or field.unique:
        return 1
    if field.name == "_branch_code":  # nearly every record is visible (1): the index never selects
        return table_rows
    if isinstance(field, models.BooleanField) or field.choices or field.name in CATEGORY_COLUMNS:
        return max(1, table_rows // 4)
    if isinstance(field, models.ForeignKey):
        target = field.related_model._meta
        plugin = plugins.get(target.app_label)
        small = SMALL_TARGETS if plugin is None else {*SMALL_TARGETS, *plugin.small_registries}
        return max(1, table_rows // 10) if target.model_name in small else 5
    return 2


def planner_stats(connection) -> list[tuple[str, str, str]]:
    """(table, index, stat) rows of sqlite_stat1 for every index of this project's registries."""
    from django.apps import apps  # lazy: `import lamin_core` loads no Django

    models_by_table = {
        m._meta.db_table: m
        for m in apps.get_models(include_auto_created=True)
        if m._meta.app_label in ("lamin_core", *plugins.MODULES)
    }
    rows = []
    with connection.cursor() as cursor:
        existing = set(connection.introspection.table_names(cursor))
        for table, model in sorted(models_by_table.items()):
            if table not in existing:
                continue
            columns = {f.column: f for f in model._meta.concrete_fields}
            big = model._meta.model_name == "artifact" or any(
                getattr(f, "related_model", None) is not None
                and f.related_model._meta.model_name == "artifact"
                for f in model._meta.concrete_fields
            )
            n = PLANNER_ROWS if big else PLANNER_ROWS_SMALL
            cursor.execute(f'PRAGMA index_list("{table}")')
            for _, index, unique, _, partial in cursor.fetchall():
                cursor.execute(f'PRAGMA index_info("{index}")')
                index_columns = [r[2] for r in sorted(cursor.fetchall())]
                per_prefix, last = [], n
                for column in index_columns:
                    last = min(last, _rows_per_value(columns.get(column), n))
                    per_prefix.append(last)
                if unique and per_prefix:
                    per_prefix[-1] = 1
                if partial:  # the hidden records (query/counting.py): a handful
                    rows.append((table, index, " ".join(["1"] * (len(per_prefix) + 1))))
                    continue
                rows.append((table, index, " ".join(str(x) for x in (n, *per_prefix))))
    return rows


def install_planner_stats(connection) -> int:
    """Write the representative statistics of indexes that have none; rows written (SQLite only).

    A table whose statistics came from ANALYZE (its row count differs from the one assumed here) is left
    alone; on a table with representative statistics, indexes added by a later migration get theirs."""
    if connection.vendor != "sqlite":
        return 0
    stats = planner_stats(connection)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")
        if not cursor.fetchone()[0]:
            cursor.execute("ANALYZE sqlite_master")  # creates sqlite_stat1 (and nothing else)
        cursor.execute("SELECT tbl, idx, stat FROM sqlite_stat1")
        present: dict[str, dict[str, str]] = {}
        for table, index, stat in cursor.fetchall():
            present.setdefault(table, {})[index] = stat or ""
        # the rows assumed: per index (a partial index of hidden records assumes its own few), and per table
        assumed = {(table, index): stat.split()[:1] for table, index, stat in stats}
        rows: dict[str, list[str]] = {}
        for table, _, stat in stats:
            rows[table] = [str(max(int(rows.get(table, ["0"])[0]), int(stat.split()[0])))]
        measured = {
            table
            for table, by_index in present.items()
            if any(
                stat.split()[:1] != assumed.get((table, index), rows.get(table))
                for index, stat in by_index.items()
            )
        }
        new = [row for row in stats if row[0] not in measured and row[1] not in present.get(row[0], {})]
        cursor.executemany("INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES (%s, %s, %s)", new)
        if new:
            cursor.execute("ANALYZE sqlite_master")  # reload the statistics into this connection
    return len(new)
