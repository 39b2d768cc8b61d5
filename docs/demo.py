"""The demo instance: the guide's records, a printed tour of the core API, and a notebook of widgets.

`make demo` runs this, then starts JupyterLab on `demo-instance/` (scripts/demo-lab.sh). The settings stay
inside `demo-instance/` (LAMIN_HOME), so `~/.lamin` is never touched. Running it again reuses the
instance (saving the same files returns the existing artifacts).
"""

from __future__ import annotations

import os
from pathlib import Path

DEMO = Path(__file__).resolve().parents[1] / "demo-instance"
os.environ.setdefault("LAMIN_HOME", str(DEMO / ".lamin"))

import pandas as pd  # noqa: E402

import lamin_core as ln  # noqa: E402
from lamin_core.setup.instance import set_user  # noqa: E402
from lamin_core.setup.settings import InstanceSettings  # noqa: E402

pd.set_option("display.width", 250)
pd.set_option("display.max_columns", 12)


def section(title: str) -> None:
    print(f"\n{'=' * 8} {title} {'=' * 8}")


def setup_instance() -> None:
    set_user("handle", "testuser1")
    set_user("name", "Test User1")
    if InstanceSettings.path_for("test-registries").exists():
        ln.setup.connect("test-registries")
    else:
        ln.setup.init(storage=DEMO / "test-registries", modules="bionty")


def write_guide_records() -> None:
    """The guide's first cells: three files and the mini-immuno datasets with their features and labels."""
    os.chdir(DEMO)
    ln.track("Wc8F4siRSKMZ", path=Path(__file__))
    ln.Artifact(ln.core.datasets.file_jpg_paradisi05(), key="images/my_image.jpg").save()
    ln.Artifact(ln.core.datasets.file_fastq(), key="raw/my_fastq.fastq.gz").save()
    ln.Artifact.from_df(ln.core.datasets.df_iris(), key="iris.parquet").save()
    ln.examples.ingest_mini_immuno_datasets()
    ln.finish()


def write_widget_notebook() -> Path:
    """A notebook with every widget, opened by `make demo`'s JupyterLab."""
    import nbformat

    cells = [
        nbformat.v4.new_markdown_cell(
            "# lamin-widgets demo\nThe guide's instance; the Lamin sidebar is on the left."
        ),
        nbformat.v4.new_code_cell("import lamin_core as ln\nimport lamin_widgets as lw"),
        nbformat.v4.new_code_cell('browser = lw.RegistryBrowser("Artifact")\nbrowser'),
        nbformat.v4.new_code_cell("browser.selected"),
        nbformat.v4.new_code_cell('fb = lw.FilterBuilder("Artifact")\nfb'),
        nbformat.v4.new_code_cell("print(fb.code)\nfb.to_dataframe()"),
        nbformat.v4.new_code_cell('box = lw.SearchBox("CellType")\nbox'),
        nbformat.v4.new_code_cell("lw.LookupBox(ln.ULabel)"),
        nbformat.v4.new_code_cell("lw.ViewPanel()"),
    ]
    notebook = nbformat.v4.new_notebook(cells=cells)
    notebook.metadata["kernelspec"] = {
        "display_name": "Python 3 (ipykernel)",
        "language": "python",
        "name": "python3",
    }
    path = DEMO / "widgets-demo.ipynb"
    nbformat.write(notebook, path)
    return path


def main() -> None:
    setup_instance()
    write_guide_records()

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
