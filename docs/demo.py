"""The demo instance: the guide's records, a printed tour of the core API, and a notebook of widgets.

`make demo` runs this, then starts JupyterLab on the notebook (scripts/demo-lab.sh). Everything lives in
`demo-instance/` (`LAMIN_DEMO_DIR` moves it):

    .lamin/                       the settings (LAMIN_HOME): the demo never reads or writes yours
    test-registries/              the instance's storage and SQLite database
    downloads/                    the example files the guide's cells download before saving them
    notebooks/widgets-demo.ipynb  the notebook of every widget, JupyterLab's root folder

Running it again reuses the instance (saving the same files returns the existing artifacts), also when
its settings are gone (it reconnects to the storage folder); an exported LAMIN_HOME is not used, so this
script and the notebook's kernel always see the same instance.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sqlite3
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEMO = Path(os.environ.get("LAMIN_DEMO_DIR") or ROOT / "demo-instance").resolve()
HOME = DEMO / ".lamin"
STORAGE = DEMO / "test-registries"
DOWNLOADS = DEMO / "downloads"
NOTEBOOK = DEMO / "notebooks" / "widgets-demo.ipynb"
if os.environ.get("LAMIN_HOME") and Path(os.environ["LAMIN_HOME"]).expanduser().resolve() != HOME:
    print(f"demo: using the demo's own settings {HOME} (not LAMIN_HOME={os.environ['LAMIN_HOME']})")
os.environ["LAMIN_HOME"] = str(HOME)  # scripts/demo-lab.sh gives the notebook's kernel the same

import pandas as pd  # noqa: E402

import lamin_core as ln  # noqa: E402
from lamin_core.setup.settings import InstanceSettings, UserSettings  # noqa: E402

pd.set_option("display.width", 250)
pd.set_option("display.max_columns", 12)


def section(title: str) -> None:
    print(f"\n{'=' * 8} {title} {'=' * 8}")


def demo_user() -> None:
    """The guide's user, testuser1, with the uid the demo database knows (settings may have been removed)."""
    uid = "DzTjkKse"
    database = STORAGE / ".lamindb" / "lamin.db"
    if database.is_file():
        with contextlib.closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True)) as connection:
            row = connection.execute("SELECT uid FROM lamin_core_user WHERE handle = 'testuser1'").fetchone()
        uid = row[0] if row else uid
    UserSettings(uid=uid, handle="testuser1", name="Test User1").save()


def setup_instance() -> None:
    """Connect to the demo instance by name, else by its storage folder (no settings), else create it."""
    demo_user()
    if InstanceSettings.path_for(STORAGE.name).exists():
        ln.setup.connect(STORAGE.name)
    elif (STORAGE / ".lamindb").is_dir():
        ln.setup.connect(str(STORAGE))
    else:
        ln.setup.init(storage=STORAGE, modules="bionty")


def write_guide_records() -> None:
    """The guide's first cells: three files and the mini-immuno datasets with their features and labels."""
    DOWNLOADS.mkdir(parents=True, exist_ok=True)
    os.chdir(DOWNLOADS)  # the example files land here, not next to the notebook
    ln.track("Wc8F4siRSKMZ", path=Path(__file__))
    ln.Artifact(ln.core.datasets.file_jpg_paradisi05(), key="images/my_image.jpg").save()
    ln.Artifact(ln.core.datasets.file_fastq(), key="raw/my_fastq.fastq.gz").save()
    ln.Artifact.from_df(ln.core.datasets.df_iris(), key="iris.parquet").save()
    ln.examples.ingest_mini_immuno_datasets()
    ln.finish()


def write_analysis() -> None:
    """A second step with lineage (record pages draw it): a run of an analysis script that read the two
    mini-immuno datasets and wrote a table of their cell types and a collection of all three."""
    key = "analysis/cell_type_counts.parquet"
    if ln.Artifact.filter(key=key).exists():
        return
    transform = ln.Transform(
        key="analysis/count_cell_types.py", description="Cell types per dataset", type="script"
    ).save()
    run = ln.Run(transform).save()
    datasets = list(ln.Artifact.filter(key__startswith="examples/dataset", suffix=".h5ad").order_by("key"))
    run.input_artifacts.add(*datasets)
    rows = [
        {"dataset": dataset.key, "cell_type": cell_type.name}
        for dataset in datasets
        for cell_type in dataset.cell_types.order_by("name").distinct()
    ]
    counts = ln.Artifact.from_df(pd.DataFrame(rows), key=key, run=run).save()
    ln.Collection([*datasets, counts], key="mini_immuno_analysis", run=run).save()


# (markdown, code) of the widget notebook: every widget, each cell runs on the demo instance
NOTEBOOK_CELLS = [
    (
        "# lamin-widgets demo\n"
        "The guide's instance (`make demo`). Run all cells (**Run > Run All Cells**); the Lamin sidebar "
        "is on the left.",
        "import lamin_core as ln\nimport lamin_widgets as lw",
    ),
    (
        "**RegistryBrowser**: page, sort, search and filter a registry; a click on a row opens its record, "
        "its checkbox selects it.",
        'browser = lw.RegistryBrowser("Artifact")\nbrowser',
    ),
    ("The selected rows, as a QuerySet:", "browser.selected"),
    (
        "**FilterBuilder**: conditions on fields, relations and features.",
        'fb = lw.FilterBuilder("Artifact")\nfb',
    ),
    ("The code it writes and its records:", "print(fb.code)\nfb.to_dataframe()"),
    (
        "**SearchBox**: ranked search as you type (a registry name as you would write it: `CellType` is "
        "`bionty.CellType`); `box.value` is the picked record.",
        'box = lw.SearchBox("CellType")\nbox',
    ),
    ("**LookupBox**: type-ahead over a registry's names.", "lw.LookupBox(ln.ULabel)"),
    ("**ViewPanel**: `ln.view()` as a widget, every non-empty registry.", "lw.ViewPanel()"),
]


def _sources_hash(sources: list[str]) -> str:
    return hashlib.sha256("\0".join(sources).encode()).hexdigest()[:16]


def write_widget_notebook() -> Path:
    """The notebook of every widget, opened by `make demo`'s JupyterLab.

    Written afresh each run unless its code was edited since it was written (then it is kept)."""
    import nbformat

    cells = []
    for markdown, code in NOTEBOOK_CELLS:
        cells += [nbformat.v4.new_markdown_cell(markdown), nbformat.v4.new_code_cell(code)]
    written = _sources_hash([cell.source for cell in cells])
    if NOTEBOOK.is_file():
        old = nbformat.read(NOTEBOOK, as_version=4)
        recorded = old.metadata.get("lamin_demo", {}).get("sources")
        if recorded != _sources_hash([cell.source for cell in old.cells]):
            print(f"demo: kept {NOTEBOOK} (edited; delete it for a fresh one)")
            return NOTEBOOK
    notebook = nbformat.v4.new_notebook(cells=cells)
    notebook.metadata["kernelspec"] = {
        "display_name": "Python 3 (ipykernel)",
        "language": "python",
        "name": "python3",
    }
    notebook.metadata["language_info"] = {"name": "python"}
    notebook.metadata["lamin_demo"] = {"sources": written}
    NOTEBOOK.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, NOTEBOOK)
    return NOTEBOOK


def main() -> None:
    setup_instance()
    write_guide_records()
    write_analysis()

    section("ln.Artifact.df()")
    print(ln.Artifact.df())
    section("df(include=[...])")
    print(ln.Artifact.df(include=["created_by__name", "ulabels__name", "feature_sets__itype", "suffix"]))
    section("df(include=[...]) with ontology labels")
    print(ln.Artifact.df(include=["ulabels__name", "cell_types__name"]))
    section("filter(perturbation='DMSO').df(features=True)")
    print(ln.Artifact.filter(perturbation="DMSO").df(features=True))
    section("lookup, get, filter")
    ulabels = ln.ULabel.lookup()
    study1 = ulabels.experiment_1
    print(study1)
    print(ln.ULabel.get(study1.uid))
    print(ln.Artifact.filter(ulabels=study1).df()[["uid", "key", "size"]])
    print(ln.Artifact.filter(ln.Q(suffix=".jpg") | ln.Q(suffix=".fastq.gz")).df()[["uid", "key", "suffix"]])
    print(ln.Artifact.filter(study_metadata__detail1="123").one())
    section("search")
    print(ln.Artifact.search("iris").df()[["uid", "key"]])
    section("describe")
    iris_artifact = ln.Artifact.get(key="iris.parquet")
    iris_artifact.describe()
    section("ln.view()")
    ln.view()
    section("instance")
    print(ln.setup.info())
    print(f"\nwidget notebook: {write_widget_notebook()}")


if __name__ == "__main__":
    main()
