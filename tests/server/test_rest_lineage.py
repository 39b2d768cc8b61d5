"""Issue 22 over REST (/lamin/api/rpc/...): the `lineage` method and the `descendant_of` filter, with the
same authentication, read-only database and error statuses as every method, on a real `jupyter server`
serving an instance with Cell Ontology terms (saved with their ancestors) and a run with inputs.
"""

from __future__ import annotations

import ast
import base64
import os
import subprocess
import sys

import pyarrow as pa
import pytest
from conftest import new_database_url, write_user
from test_rest_api import jupyter_server

SEED = """
import sys
from pathlib import Path
import lamin_core as ln
import lamin_core.bionty as bt

folder = Path(sys.argv[2])
ln.setup.init(storage=sys.argv[1], db=sys.argv[3] or None, modules="bionty")


def artifact(name, **kwargs):
    path = folder / f"{name}.txt"
    path.write_text(name + "\\n")
    return ln.Artifact(path, key=f"cells/{name}.txt", **kwargs).save()


ids = {}
for name in ("CD8-positive, alpha-beta T cell", "B cell", "T cell"):
    term = bt.CellType.from_source(name=name).save()
    record = artifact(name.replace(" ", "_").replace(",", ""))
    record.cell_types.add(term)
    ids[name] = record.id
transform = ln.Transform(key="analysis.py", type="script").save()
run = ln.Run(transform).save()
run.input_artifacts.add(ids["B cell"], ids["T cell"])
output = artifact("table", run=run)
ln.Collection([output], key="tables", run=run).save()
ids.update(output=output.id, run=run.id, transform=transform.id)
print(repr(ids))
"""


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("rest-lineage")
    home = tmp / "home"
    write_user(home)
    storage, files = tmp / "storage", tmp / "files"
    files.mkdir()
    done = subprocess.run(
        [sys.executable, "-c", SEED, storage, files, new_database_url() or ""],
        env={**os.environ, "LAMIN_HOME": str(home)},
        capture_output=True,
        text=True,
        cwd=tmp,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    ids = ast.literal_eval(done.stdout.strip().splitlines()[-1])
    with jupyter_server(tmp, home, env_extra={"LAMIN_SERVER_INSTANCE": str(storage)}) as server:
        yield server, ids


def test_lineage_over_rest(world):
    server, ids = world
    status, _, body = server.rpc("lineage", registry="Artifact", id=ids["output"])
    assert status == 200 and body["ok"], body
    result = body["result"]
    assert result["record"]["label"] == "cells/table.txt"
    assert (result["run"]["id"], result["transform"]["label"]) == (ids["run"], "analysis.py")
    inputs = [(n["registry"], n["id"]) for n in result["inputs"]["nodes"]]
    assert inputs == [("Artifact", ids["B cell"]), ("Artifact", ids["T cell"])]
    assert [n["label"] for n in result["outputs"]["nodes"]] == ["tables"]
    status, _, body = server.rpc("lineage", registry="Run", id=ids["run"])
    outputs = [n["label"] for n in body["result"]["outputs"]["nodes"]]
    assert status == 200 and outputs == ["cells/table.txt", "tables"]
    # the same refusals and statuses as every method
    status, _, body = server.rpc("lineage", registry="ULabel", id=1)
    assert status == 400 and body["error"]["type"] == "bad_request"
    status, _, body = server.rpc("lineage", registry="Artifact", id=10**9)
    assert status == 404 and body["error"]["type"] == "not_found"
    status, _, body = server.rpc("lineage", registry="Artifact", id="1")
    assert status == 400
    status, _, _ = server.request(
        "/lamin/api/rpc/lineage", {"params": {"registry": "Run", "id": 1}}, token=None
    )
    assert status == 403


def test_descendants_filter_over_rest(world):
    server, ids = world

    def filters(value, lookup="descendant_of"):
        return {
            "op": "and",
            "not": False,
            "items": [{"field": "cell_types__name", "lookup": lookup, "value": value}],
        }

    t_cells = sorted([ids["T cell"], ids["CD8-positive, alpha-beta T cell"]])
    status, _, body = server.rpc("count", registry="Artifact", filters=filters("T cell"))
    assert status == 200 and body["result"] == {"count": 2}
    status, _, body = server.rpc("page", registry="Artifact", filters=filters("T cell"))
    (buffer,) = body["buffers"]
    assert pa.ipc.open_stream(base64.b64decode(buffer)).read_all().column("id").to_pylist() == t_cells
    status, _, body = server.rpc("codegen", registry="Artifact", filters=filters("T cell"))
    assert body["result"]["code"] == "ln.Artifact.filter(cell_types__descendant_of='T cell').distinct()"
    status, _, body = server.rpc("count", registry="Artifact", filters=filters("T cell", "exact"))
    assert body["result"] == {"count": 1}
    status, _, body = server.rpc("count", registry="Artifact", filters=filters("T cel"))
    assert status == 400 and body["error"] == {
        "type": "bad_request",
        "message": "no bionty.CellType record has the name or ontology id 'T cel'",
    }
    status, _, body = server.rpc("schema", registry="Artifact")
    fields = {f["path"]: f for r in body["result"]["relations"] for f in r["fields"]}
    assert "descendant_of" in fields["cell_types__name"]["lookups"]
    assert "descendant_of" not in fields["created_by__handle"]["lookups"]
