import base64
import hashlib
from pathlib import Path

from lamin_core import datasets
from lamin_core.hashing import hash_file


def test_file_fastq(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = datasets.file_fastq()
    assert path.name == "input.fastq.gz"
    assert (tmp_path / path).exists()
    data = path.read_bytes()
    assert data == b"Mock fastq artifact." and len(data) == 20
    expected = base64.urlsafe_b64encode(hashlib.md5(data).digest()).rstrip(b"=").decode()
    assert hash_file(path) == (expected, "md5")
    assert expected == "hi7ZmAzz8sfMd3vIQr-57Q"


def test_file_jpg_paradisi05(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = datasets.file_jpg_paradisi05()
    assert path.name == "paradisi05_laminopathic_nuclei.jpg"
    data = (tmp_path / path.name).read_bytes()
    assert data[:3] == b"\xff\xd8\xff"
    assert data[-2:] == b"\xff\xd9"
    assert 5_000 < len(data) < 60_000


def test_df_iris():
    df = datasets.df_iris()
    assert df.shape == (150, 5)
    assert list(df.columns) == [
        "sepal length (cm)",
        "sepal width (cm)",
        "petal length (cm)",
        "petal width (cm)",
        "target",
    ]
    assert all(str(t) == "float64" for t in df.dtypes.iloc[:4])
    assert str(df["target"].dtype) == "int64"
    assert df["target"].value_counts().to_dict() == {0: 50, 1: 50, 2: 50}
    assert df.iloc[0].tolist() == [5.1, 3.5, 1.4, 0.2, 0]
    assert df.iloc[-1].tolist() == [5.9, 3.0, 5.1, 1.8, 2]
    assert round(df["sepal length (cm)"].mean(), 4) == 5.8433


def test_df_iris_in_meter():
    df = datasets.df_iris_in_meter()
    assert list(df.columns) == [
        "sepal_length",
        "sepal_width",
        "petal_length",
        "petal_width",
        "iris_organism_name",
    ]
    assert df["sepal_length"].iloc[0] == 0.051
    assert set(df["iris_organism_name"]) == {"setosa", "versicolor", "virginica"}
    assert len(datasets.df_iris_in_meter_study1()) == len(datasets.df_iris_in_meter_study2()) == 75


def test_file_mini_csv_and_anndata_with_obs(tmp_path, monkeypatch):
    import pandas as pd
    from lamin_core.core.datasets import anndata_with_obs, file_mini_csv  # LaminDB 1.x import path

    monkeypatch.chdir(tmp_path)
    path = file_mini_csv()
    assert path == Path("mini.csv") and pd.read_csv(path)["test"].tolist() == [1, 2, 3]
    adata = anndata_with_obs()
    assert adata.shape == (40, 100) and adata.X.sum() == 0
    assert list(adata.obs.columns) == ["cell_type", "cell_type_id", "tissue", "disease"]
    assert adata.obs["cell_type"].value_counts()["T cell"] == 10 and adata.obs.index[0] == "obs0"
    assert adata.var.index.str.fullmatch(r"ENSG\d{11}").all() and adata.var.index.is_unique
