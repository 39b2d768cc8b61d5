"""An executed tour of the core API on a demo instance: what `make demo` runs until the widgets exist.

The demo keeps its settings inside `demo-instance/` (LAMIN_HOME), so it never touches `~/.lamin`.
Running it again reuses the instance (saving the same files returns the existing artifacts).
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
    """The guide's first cells: three files, labels, features and their values."""
    os.chdir(DEMO)
    ln.track("Wc8F4siRSKMZ", path=Path(__file__))
    ln.Artifact(ln.core.datasets.file_jpg_paradisi05(), key="images/my_image.jpg").save()
    ln.Artifact(ln.core.datasets.file_fastq(), key="raw/my_fastq.fastq.gz").save()
    iris = ln.Artifact.from_df(ln.core.datasets.df_iris(), key="iris.parquet").save()
    for name in ("DMSO", "IFNG", "Experiment 1", "Experiment 2"):
        ln.ULabel(name=name).save()
    for name, dtype in [
        ("perturbation", ln.ULabel),
        ("temperature", float),
        ("experiment", ln.ULabel),
        ("study_note", str),
        ("study_metadata", dict),
    ]:
        ln.Feature(name=name, dtype=dtype).save()
    iris.features.add_values(
        {
            "perturbation": ["DMSO", "IFNG"],
            "temperature": 21.6,
            "experiment": "Experiment 1",
            "study_note": "We had a great time performing this study and the results look compelling.",
            "study_metadata": {"detail1": "123", "detail2": 1},
        }
    )
    ln.finish()


def main() -> None:
    setup_instance()
    write_guide_records()

    section("ln.Artifact.df()")
    print(ln.Artifact.df())
    section("df(include=[...])")
    print(ln.Artifact.df(include=["created_by__name", "ulabels__name", "feature_sets__itype", "suffix"]))
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


if __name__ == "__main__":
    main()
