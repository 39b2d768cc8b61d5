"""The ORM works in a real Jupyter kernel across cells (no SynchronousOnlyOperation)."""

from __future__ import annotations

import nbformat
from conftest import lamin
from nbclient import NotebookClient

CELLS = [
    "import lamin_core as ln",
    "ln.ULabel(name='from a cell').save()",
    "await __import__('asyncio').sleep(0)\nprint(ln.ULabel.filter(name='from a cell').count())",
    "import threading\nout = {}\n"
    "t = threading.Thread(target=lambda: out.update(n=ln.ULabel.filter().count()))\nt.start(); t.join()\n"
    "print(out['n'])",
]


def test_orm_across_notebook_cells(home, tmp_path, db_url, monkeypatch):
    db = ["--db", db_url] if db_url else []
    assert lamin("init", "--storage", "nb", *db, home=home, cwd=tmp_path).returncode == 0
    monkeypatch.setenv("LAMIN_HOME", str(home))
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(src) for src in CELLS])
    NotebookClient(
        notebook, kernel_name="python3", timeout=120, resources={"metadata": {"path": str(tmp_path)}}
    ).execute()
    outputs = [cell.outputs for cell in notebook.cells]
    assert all(output.output_type != "error" for cell in outputs for output in cell)
    assert outputs[2][0].text.strip() == "1"
    assert outputs[3][0].text.strip() == "1"
