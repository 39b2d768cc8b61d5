"""LaminDB 1.5.3's Project, Reference, Person and Param registries, and an instance made before them.

`tests/data/instance_before_0005.sqlite3.gz` is the SQLite database of an instance made by the commit
before migration 0005 (one artifact `old/data.csv` labelled "old label"): connecting to it migrates it.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import shutil
import sqlite3
import uuid
from pathlib import Path

import pytest
from conftest import lamin, python
from django.db import transaction

OLD_DB = Path(__file__).parents[1] / "data" / "instance_before_0005.sqlite3.gz"
OLD_UID, OLD_ARTIFACT = "ZUB6MGhn62lk", "dQc0q1lG5PsKsZBf0000.csv"
OLD_ROOT = "/tmp/oldinst/old-instance"


def test_an_instance_made_before_0005_is_migrated_on_connect(home, tmp_path):
    root = tmp_path / "old-instance"
    (root / ".lamindb").mkdir(parents=True)
    with gzip.open(OLD_DB, "rb") as src, open(root / ".lamindb" / "lamin.db", "wb") as dst:
        shutil.copyfileobj(src, dst)
    # the fixture was made in /tmp/oldinst/old-instance: its storage record points to where this copy lives
    with contextlib.closing(sqlite3.connect(root / ".lamindb" / "lamin.db")) as db, db:
        db.execute("UPDATE lamin_core_storage SET root = ? WHERE root = ?", (str(root), OLD_ROOT))
    (root / ".lamindb" / OLD_ARTIFACT).write_text("a,b\n1,2\n")
    marker = {"name": "old-instance", "owner": "anonymous", "storage": str(root), "db": None}
    (root / ".lamindb" / "instance.json").write_text(
        json.dumps({**marker, "modules": ["bionty"], "uid": OLD_UID})
    )

    connected = lamin("connect", str(root), home=home)
    assert connected.returncode == 0, connected.stderr
    code = (
        "import lamin_core as ln\n"
        "artifact = ln.Artifact.get(key='old/data.csv')\n"
        "project = ln.Project(name='from before').save()\n"
        "artifact.projects.add(project)\n"
        "print(artifact.load().shape, list(artifact.ulabels.values_list('name', flat=True)),"
        " list(ln.Artifact.filter(projects=project).values_list('key', flat=True)))"
    )
    first = python(code, home=home)
    assert first.returncode == 0, first.stderr
    assert first.stdout.strip() == "(1, 2) ['old label'] ['old/data.csv']"
    assert "migrating instance anonymous/old-instance: " in first.stderr
    assert "lamin_core.0005_projects_references_params" in first.stderr
    again = python("import lamin_core as ln; print(ln.Project.filter(name='from before').count())", home=home)
    assert again.stdout.strip() == "1" and "migrating" not in again.stderr


@pytest.fixture
def rolled_back(ln):
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def model_artifact(ln, tmp_path, kind: str | None = "model"):
    path = tmp_path / f"model-{uuid.uuid4().hex[:8]}.pt"
    path.write_bytes(uuid.uuid4().bytes)
    return ln.Artifact(path, key=f"params/{path.name}", kind=kind).save()


def test_projects_references_and_people(ln, rolled_back, tmp_path):
    artifact = model_artifact(ln, tmp_path, kind="dataset")
    person = ln.Person(name="Ada Lovelace", email="ada@example.org").save()
    paper = ln.Reference(name="A paper", doi="10.1000/xyz123", pubmed_id=12345).save()
    paper.authors.add(person)
    project = ln.Project(name="Atlas", abbr="ATL").save()
    project.people.add(person)
    project.references.add(paper)
    artifact.projects.add(project)
    artifact.references.add(paper)

    assert list(ln.Artifact.filter(projects__name="Atlas").values_list("id", flat=True)) == [artifact.id]
    assert list(ln.Reference.filter(artifacts=artifact).values_list("doi", flat=True)) == ["10.1000/xyz123"]
    assert list(person.projects.values_list("name", flat=True)) == ["Atlas"]
    assert list(person.references.values_list("name", flat=True)) == ["A paper"]
    assert ln.Project.lookup().atlas == project
    assert ln.Project.search("atla").first() == project
    assert artifact.describe(return_str=True)  # describes with the new relations present


def test_params_of_model_artifacts(ln, rolled_back, tmp_path):
    from lamin_core.errors import ValidationError

    ln.Param(name="learning_rate", dtype="float").save()
    ln.Param(name="quantification", dtype=dict).save()
    ln.Param(name="label", dtype="cat[ULabel]").save()
    model = model_artifact(ln, tmp_path)
    model.params.add_values({"learning_rate": 0.01})
    model.params.add_values(
        {"quantification": {"name": "mcquant", "container": "labsyspharm/quantification"}}
    )
    assert model.params.get_values() == {
        "learning_rate": 0.01,
        "quantification": {"name": "mcquant", "container": "labsyspharm/quantification"},
    }
    other = model_artifact(ln, tmp_path)
    other.params.add_values({"learning_rate": 0.01})  # the same value row, shared
    assert ln.ParamValue.filter(param__name="learning_rate").count() == 1

    dataset = model_artifact(ln, tmp_path, kind="dataset")
    with pytest.raises(ValidationError, match=r"^Can only set params for model-like artifacts\.$"):
        dataset.params.add_values({"learning_rate": 0.01})
    with pytest.raises(ValidationError, match=r"These keys could not be validated: \['momentum'\]"):
        model.params.add_values({"momentum": 0.9})
    with pytest.raises(ValidationError, match=r"param 'learning_rate' got 'fast' \(str\), expected a number"):
        model.params.add_values({"learning_rate": "fast"})
    with pytest.raises(ValidationError, match="params take plain values"):
        model.params.add_values({"label": "x"})
    assert model.params.get_values()["learning_rate"] == 0.01  # nothing half-written
    ln.Feature(name="accuracy", dtype=float).save()
    model.features.add_values({"accuracy": 0.9})  # features on models too, as LaminDB 2.x (1.5.3 refuses)
    assert model.features.get_values() == {"accuracy": 0.9}
