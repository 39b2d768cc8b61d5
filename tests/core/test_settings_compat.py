"""`ln.settings.creation` and `ln.setup.migrate` as LaminDB 1.5.3 has them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import lamin, python
from django.db import transaction

MIGRATIONS = Path(__file__).parents[2] / "lamin_core" / "migrations"


@pytest.fixture
def ln(instance):
    import lamin_core

    creation = lamin_core.settings.creation
    saved = creation.search_names
    with transaction.atomic():
        yield lamin_core
        transaction.set_rollback(True)
    creation.search_names = saved


def test_creation_settings_fields(ln):
    creation = ln.settings.creation
    assert creation is ln.setup.settings.creation
    assert (creation.search_names, creation.artifact_silence_missing_run_warning) == (True, False)
    assert creation.artifact_skip_size_hash is False
    assert repr(creation).startswith("CreationSettings(search_names=True")
    with pytest.raises(AttributeError, match="has no setting 'search_name'"):
        creation.search_name = False
    with pytest.raises(TypeError, match="must be True or False"):
        creation.search_names = "no"
    creation.artifact_silence_missing_run_warning = True
    assert creation.artifact_silence_missing_run_warning is True
    creation.artifact_silence_missing_run_warning = False


def test_search_names_off_creates_new_labels(ln, capsys):
    first = ln.ULabel(name="settings-compat label").save()
    assert ln.ULabel(name="settings-compat label").pk == first.pk  # default: the existing record
    assert "returning existing ULabel record with same name" in capsys.readouterr().err
    ln.settings.creation.search_names = False
    second = ln.ULabel(name="settings-compat label")
    assert second._state.adding
    second.save()
    assert second.pk != first.pk and ln.ULabel.filter(name="settings-compat label").count() == 2
    ln.settings.creation.search_names = True
    assert ln.ULabel(name="settings-compat label").pk == first.pk


def test_migrate(home, tmp_path, db_url):
    db = ["--db", db_url] if db_url else []
    result = lamin("init", "--storage", "migrating", *db, home=home, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    code = """
import json
import lamin_core as ln
from django.core.management import call_command

migrate = ln.setup.migrate
up_to_date = migrate.deploy()
call_command("migrate", "lamin_core", "0004", verbosity=0)  # as if the package had been upgraded
pending = migrate.pending()
deployed = migrate()  # ln.setup.migrate() is deploy()
print(json.dumps({
    "up_to_date": up_to_date, "pending": pending, "deployed": deployed, "after": migrate.pending(),
    "latest": migrate.deployed_migrations(latest=True), "defined": migrate.defined_migrations(latest=True),
    "check": migrate.check(), "projects": ln.Project.objects.count(),
}))
try:
    migrate.create()
except Exception as error:
    print(json.dumps(str(error)))
"""
    result = python(code, home=home, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    report, refused = (json.loads(line) for line in result.stdout.strip().splitlines()[-2:])
    assert report["up_to_date"] == [] and report["after"] == []
    after_0004 = sorted(p.stem for p in MIGRATIONS.glob("0*.py") if p.stem > "0005")
    assert report["pending"] == report["deployed"] == [f"lamin_core.{name}" for name in after_0004]
    assert report["latest"]["lamin_core"] == report["defined"]["lamin_core"] == after_0004[-1]
    assert report["check"] is True  # the registries match the migrations the package ships
    assert report["projects"] == 0  # the table is back
    assert "ships its migrations" in refused


def test_lamindb_setup_settings_names(ln, instance):
    assert ln.setup.settings.storage.root_as_str == ln.settings.storage.root == instance.storage
    cache = ln.setup.settings.cache_dir
    assert cache == ln.setup.settings.home / "cache" and cache.is_dir()
