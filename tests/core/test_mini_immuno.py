"""The guide's mini-immuno ingest (`ln.examples.ingest_mini_immuno_datasets()`), each test in a fresh instance
(a subprocess; SQLite, or a fresh PostgreSQL database when LAMIN_TEST_DB is set): what it creates, that a
second run changes nothing, and that a failure half-way leaves nothing behind.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

BIN = Path(sys.executable).parent

SNAPSHOT = r"""
import json
import lamin_core as ln
import lamin_core.bionty as bt
from django.apps import apps

def snapshot():
    counts = {}
    for model in apps.get_models():
        if model._meta.app_label in ("lamin_core", "bionty"):
            manager = getattr(model, "all_objects", model.objects)
            updated = [f.name for f in model._meta.concrete_fields if f.name == "updated_at"]
            last = None
            if updated:
                last = manager.order_by("-updated_at").values_list("updated_at", flat=True).first()
            counts[model.__name__] = [manager.count(), str(last)]
    return counts

def report():
    artifacts = []
    for a in ln.Artifact.filter(key__startswith="examples/").order_by("id"):
        links = a.links_schema.select_related("schema")
        slots = {link.slot: [link.schema.n, link.schema.itype, link.schema.hash] for link in links}
        artifacts.append({
            "key": a.key, "otype": a.otype, "n_observations": a.n_observations, "size": a.size,
            "hash": a.hash, "schema": a.schema.uid, "slots": slots,
            "ulabels": sorted(a.links_ulabel.values_list("ulabel__name", "feature__name")),
            "cell_types": sorted(a.links_cell_type.values_list("celltype__name", "feature__name")),
            "values": {
                k: (sorted(v) if isinstance(v, set) else str(v)) for k, v in a.features.get_values().items()
            },
        })
    return {
        "artifacts": artifacts,
        "features": list(ln.Feature.objects.order_by("id").values_list("name", "dtype")),
        "ulabels": list(ln.ULabel.objects.order_by("id").values_list("name", flat=True)),
        "cell_types": list(bt.CellType.objects.order_by("id").values_list("uid", "name")),
        "genes": list(bt.Gene.objects.order_by("id").values_list("uid", "symbol", "ensembl_gene_id")),
        "organisms": list(bt.Organism.objects.values_list("uid", "name")),
        "schemas": list(
            ln.Schema.objects.order_by("id").values_list(
                "uid", "name", "n", "itype", "otype", "dtype", "run_id"
            )
        ),
        "components": list(
            ln.models.SchemaComponent.objects.order_by("id").values_list(
                "composite__uid", "slot", "component__uid"
            )
        ),
    }
"""


def run_python(code: str, home: Path, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "LAMIN_HOME": str(home)}
    return subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=cwd, capture_output=True, text=True, timeout=300
    )


def init_instance(home: Path, tmp_path: Path, db_url: str | None) -> Path:
    db = ["--db", db_url] if db_url else []
    args = [str(BIN / "lamin-core"), "init", "--storage", "minimmuno", "--modules", "bionty", *db]
    result = subprocess.run(
        args, env={**os.environ, "LAMIN_HOME": str(home)}, cwd=tmp_path, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return tmp_path / "minimmuno"


def last_json(result: subprocess.CompletedProcess) -> dict:
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_ingest_creates_the_guide_records_and_a_second_run_changes_nothing(home, tmp_path, db_url):
    init_instance(home, tmp_path, db_url)
    code = (
        SNAPSHOT
        + """
ln.examples.ingest_mini_immuno_datasets()
first, counts = report(), snapshot()
ln.examples.datasets.mini_immuno.save_mini_immuno_datasets()  # the 2.x name; everything exists
print(json.dumps({"report": first, "again": report() == first, "changed": {
    k: [counts[k], v] for k, v in snapshot().items() if counts[k] != v}}))
"""
    )
    out = last_json(run_python(code, home, tmp_path))
    assert out["again"] and out["changed"] == {}
    report = out["report"]
    assert report["features"] == [
        ["perturbation", "cat[ULabel]"],
        ["sample_note", "str"],
        ["cell_type_by_expert", "cat[bionty.CellType]"],
        ["cell_type_by_model", "cat[bionty.CellType]"],
        ["temperature", "float"],
        ["experiment", "cat[ULabel]"],
        ["date_of_study", "date"],
        ["study_note", "str"],
        ["study_metadata", "dict"],
    ]
    assert report["ulabels"] == ["DMSO", "IFNG", "Experiment 1", "Experiment 2"]
    assert report["organisms"] == [["1dpCL6Td", "human"]]
    assert report["genes"] == [
        ["6Aqvc8ckDYeN", "CD8A", "ENSG00000153563"],
        ["1j4At3x7akJU", "CD4", "ENSG00000010610"],
        ["3bhNYquOnA4s", "CD14", "ENSG00000170458"],
        ["iFxDa8hoEWuW", "CD38", "ENSG00000004468"],
    ]
    cell_types = dict((name, uid) for uid, name in report["cell_types"])
    assert {"B cell": "ryEtgi1y", "T cell": "22LvKd01", "cell": "4bKGljt0"}.items() <= cell_types.items()
    assert report["cell_types"][:2] == [
        ["ryEtgi1y", "B cell"],
        ["6IC9NGJE", "CD8-positive, alpha-beta T cell"],
    ]
    schemas = report["schemas"]
    assert [s[:3] for s in schemas[:3]] == [
        ["0000000000000000", "valid_features", -1],
        ["0000000000000001", "valid_ensembl_gene_ids", -1],
        ["0000000000000002", "anndata_ensembl_gene_ids_and_valid_features_in_obs", -1],
    ]
    assert [s[6] for s in schemas[:3]] == [None, None, None]  # built-in: no run
    assert [(s[2], s[3], s[4], s[5]) for s in schemas[3:]] == [
        (4, "Feature", None, None),
        (3, "bionty.Gene.ensembl_gene_id", None, "num"),
        (2, "Feature", None, None),
        (3, "bionty.Gene.ensembl_gene_id", None, "num"),
    ]
    assert report["components"] == [
        ["0000000000000002", "obs", "0000000000000000"],
        ["0000000000000002", "var.T", "0000000000000001"],
    ]
    one, two = report["artifacts"]
    assert (one["key"], one["otype"], one["n_observations"], one["schema"]) == (
        "examples/dataset1.h5ad",
        "AnnData",
        3,
        "0000000000000002",
    )
    assert two["key"] == "examples/dataset2.h5ad" and two["n_observations"] == 3
    assert one["slots"]["var.T"] == [
        3,
        "bionty.Gene.ensembl_gene_id",
        "WlLDN3zWgqWe_JijdKPOlg",
    ]  # the guide's
    assert two["slots"]["var.T"] == [3, "bionty.Gene.ensembl_gene_id", "E_omq1L6l9JkW_T50wgyfg"]
    assert (one["slots"]["obs"][:2], two["slots"]["obs"][:2]) == ([4, "Feature"], [2, "Feature"])
    assert one["ulabels"] == [
        ["DMSO", "perturbation"],
        ["Experiment 1", "experiment"],
        ["IFNG", "perturbation"],
    ]
    assert one["cell_types"] == [
        ["B cell", "cell_type_by_expert"],
        ["B cell", "cell_type_by_model"],
        ["CD8-positive, alpha-beta T cell", "cell_type_by_expert"],
        ["T cell", "cell_type_by_model"],
    ]
    assert one["values"] == {
        "cell_type_by_expert": ["B cell", "CD8-positive, alpha-beta T cell"],
        "cell_type_by_model": ["B cell", "T cell"],
        "experiment": "Experiment 1",
        "perturbation": ["DMSO", "IFNG"],
        "date_of_study": "2024-12-01",
        "study_metadata": "{'detail1': '123', 'detail2': 1}",
        "study_note": "We had a great time performing this study and the results look compelling.",
        "temperature": "21.6",
    }
    assert two["values"]["temperature"] == "22.6" and "study_note" not in two["values"]
    # the h5ad files are byte for byte those of the guide (anndata writes them deterministically)
    assert (one["size"], one["hash"]) == (31672, "FB3CeMjmg1ivN6HDy6wsSg")
    assert (two["size"], two["hash"]) == (26896, "RKJjWbINYNIwYU8BxCejMw")


def test_a_failing_ingest_leaves_nothing_behind(home, tmp_path, db_url):
    storage = init_instance(home, tmp_path, db_url)
    code = (
        SNAPSHOT
        + """
ln.Artifact  # connect
from lamin_core.features.manager import FeatureManager

before = snapshot()
calls = []
original = FeatureManager.add_values

def failing(self, values):
    calls.append(self._host.key)
    if len(calls) == 2:  # the second dataset's study metadata: everything else is saved by now
        raise RuntimeError("injected failure")
    return original(self, values)

FeatureManager.add_values = failing
try:
    ln.examples.ingest_mini_immuno_datasets()
except RuntimeError as error:
    failed = str(error)
after = snapshot()
FeatureManager.add_values = original
ln.examples.ingest_mini_immuno_datasets()  # works afterwards (no stale cached records)
print(json.dumps({"failed": failed, "calls": calls, "before": before, "after": after,
    "artifacts": list(ln.Artifact.filter(key__startswith="examples/").values_list("key", flat=True))}))
"""
    )
    out = last_json(run_python(code, home, tmp_path))
    assert out["failed"] == "injected failure"
    assert out["calls"] == ["examples/dataset1.h5ad", "examples/dataset2.h5ad"]
    assert out["after"] == out["before"]  # every table as before: counts and last update times
    assert sorted(out["artifacts"]) == ["examples/dataset1.h5ad", "examples/dataset2.h5ad"]
    stored = sorted(p.name for p in (storage / ".lamindb").iterdir() if not p.name.endswith(".sqlite3"))
    assert len([name for name in stored if name.endswith(".h5ad")]) == 2  # only the second, successful run's
