"""Example data shipped with the package (offline twins of ``lamindb.core.datasets``)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

DATA_DIR = Path(__file__).parent / "data"
IRIS_FEATURES = ["sepal length (cm)", "sepal width (cm)", "petal length (cm)", "petal width (cm)"]
IRIS_SPECIES = {0: "setosa", 1: "versicolor", 2: "virginica"}

__all__ = [
    "anndata_with_obs",
    "df_iris",
    "df_iris_in_meter",
    "df_iris_in_meter_study1",
    "df_iris_in_meter_study2",
    "file_fastq",
    "file_jpg_paradisi05",
    "file_mini_csv",
    "mini_immuno",
]


def __getattr__(name: str):
    # LaminDB 1.5's `ln.core.datasets.mini_immuno` (2.x: `ln.examples.datasets.mini_immuno`)
    if name == "mini_immuno":
        from ..examples.datasets import mini_immuno  # which imports this module: a cycle at import time

        return mini_immuno
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _target_dir(in_storage_root: bool) -> Path:
    """Directory to write example files to: cwd, or the current instance's storage root."""
    if not in_storage_root:
        return Path()
    from lamin_core.setup.settings import settings  # deferred: only this path needs an instance

    return Path(settings.instance.storage)


def file_fastq(in_storage_root: bool = False) -> Path:
    """Mini mock fastq file ``input.fastq.gz`` (20 bytes, md5 ``hi7ZmAzz8sfMd3vIQr-57Q``)."""
    path = _target_dir(in_storage_root) / "input.fastq.gz"
    path.write_bytes(b"Mock fastq artifact.")
    return path


def file_mini_csv(in_storage_root: bool = False) -> Path:
    """``mini.csv``: one column ``test`` with the values 1, 2, 3 (LaminDB's ``file_mini_csv``)."""
    import pandas as pd  # heavy: loaded when the example is made

    path = _target_dir(in_storage_root) / "mini.csv"
    pd.DataFrame({"test": [1, 2, 3]}).to_csv(path, index=False)
    return path


def anndata_with_obs():
    """40 cells x 100 genes (zeros) with obs ``cell_type``, ``cell_type_id``, ``tissue``, ``disease``, as
    LaminDB's ``anndata_with_obs``; var: the first 100 human Ensembl gene ids of the shipped gene table."""
    import anndata as ad  # optional: the bionty extra
    import numpy as np  # heavy: loaded when the example is made
    import pandas as pd  # heavy: loaded when the example is made

    genes = Path(__file__).parents[1] / "bionty" / "data" / "genes" / "genes_homo_sapiens.tsv.gz"
    ids = pd.read_csv(genes, sep="\t", usecols=["ensembl_gene_id"], nrows=100)["ensembl_gene_id"]
    obs = pd.DataFrame(
        {
            "cell_type": ["T cell", "hematopoietic stem cell", "hepatocyte", "my new cell type"] * 10,
            "cell_type_id": ["CL:0000084", "CL:0000037", "CL:0000182", ""] * 10,
            "tissue": ["kidney", "liver", "heart", "brain"] * 10,
            "disease": [
                "chronic kidney disease",
                "liver lymphoma",
                "cardiac ventricle disorder",
                "Alzheimer disease",
            ]
            * 10,
        },
        index=[f"obs{i}" for i in range(40)],
    )
    return ad.AnnData(
        X=np.zeros((40, 100), dtype=np.float32), obs=obs, var=pd.DataFrame(index=ids.to_numpy())
    )


def file_jpg_paradisi05() -> Path:
    """Small JPEG of nucleus-like shapes copied to ``paradisi05_laminopathic_nuclei.jpg`` in cwd."""
    path = Path("paradisi05_laminopathic_nuclei.jpg")
    shutil.copyfile(DATA_DIR / path.name, path)
    return path


def df_iris() -> pd.DataFrame:
    """The iris table as ``sklearn.datasets.load_iris(as_frame=True).frame`` (150 x 5)."""
    import pandas as pd  # heavy: loaded when the example is made

    dtypes = dict.fromkeys(IRIS_FEATURES, "float64") | {"target": "int64"}
    return pd.read_csv(DATA_DIR / "iris.csv", dtype=dtypes)


def df_iris_in_meter() -> pd.DataFrame:
    """Iris with lengths in meter, snake_case columns and ``iris_organism_name`` instead of target."""
    df = df_iris()
    df.columns = [c.removesuffix(" (cm)").replace(" ", "_") for c in df.columns]
    lengths = [c.removesuffix(" (cm)").replace(" ", "_") for c in IRIS_FEATURES]
    df[lengths] /= 100
    df["iris_organism_name"] = df.pop("target").map(IRIS_SPECIES)
    return df


def df_iris_in_meter_study1() -> pd.DataFrame:
    """First half of ``df_iris_in_meter()``."""
    df = df_iris_in_meter()
    return df.iloc[: len(df) // 2]


def df_iris_in_meter_study2() -> pd.DataFrame:
    """Second half of ``df_iris_in_meter()``."""
    df = df_iris_in_meter()
    return df.iloc[len(df) // 2 :]
