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
                if table.startswith(("lamin_core_", "bionty_")):
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
    from .django_config import BIONTY_APP

    built = [build(["lamin_core"])]
    if importlib.util.find_spec(BIONTY_APP) is not None:
        built.append(build(["lamin_core", BIONTY_APP]))
    return built
