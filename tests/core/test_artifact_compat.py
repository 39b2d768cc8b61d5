"""Artifacts as LaminDB 1.5.3 behaves: keys and suffixes, storage locations, content that exists, labels,
folders, MuData, streaming access, formats, yaml and the registry's repr (issue 17, artifact part)."""

from __future__ import annotations

import sys
import textwrap
import uuid
from pathlib import Path

import pytest


@pytest.fixture(scope="module")
def delete_new_records(ln):
    """Delete the labels, features, schemas, transforms and runs this module creates (after its artifacts)."""
    import lamin_core.bionty as bt

    models = [ln.Schema, ln.Feature, ln.ULabel, bt.Tissue, bt.CellType, ln.Run, ln.Transform]
    last = {m: m.all_objects.order_by("-id").values_list("id", flat=True).first() or 0 for m in models}
    yield
    for model in (ln.Schema, ln.Feature, ln.ULabel, bt.Tissue, bt.CellType, ln.Run, ln.Transform):
        for record in model.all_objects.filter(id__gt=last[model]).order_by("-id"):
            model.all_objects.filter(pk=record.pk).delete(permanent=True)


# the records first: they are deleted after the artifacts that use them
pytestmark = pytest.mark.usefixtures("delete_new_records", "delete_new_artifacts")


@pytest.fixture
def cwd(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


def unique_file(folder: Path, name: str = "data.txt") -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"unique content {uuid.uuid4()}\n")
    return path


def tag() -> str:
    return uuid.uuid4().hex[:8]


def stored_row(ln, artifact) -> tuple:
    return ln.Artifact.all_objects.filter(pk=artifact.pk).values_list("key", "suffix", "storage_id").get()


# --- 1. changing .suffix or .key of a saved artifact ------------------------------------------------------


@pytest.mark.usefixtures("artifact_storage")  # local and S3
def test_suffix_and_key_changes_are_checked_on_save(ln, cwd):
    from lamin_core.errors import InvalidArgument

    t = tag()
    artifact = ln.Artifact(unique_file(cwd, "a.txt"), key=f"compat/{t}/a.txt").save()
    path, before = artifact.path, stored_row(ln, artifact)
    artifact.suffix = ".csv"
    with pytest.raises(InvalidArgument, match=r"Changing the `\.suffix` of an artifact is not allowed"):
        artifact.save()
    assert stored_row(ln, artifact) == before
    artifact.suffix = ".txt"
    for key in (f"compat/{t}/b.csv", f"compat/{t}/b"):
        artifact.key = key
        with pytest.raises(InvalidArgument, match=r"provided key is incorrect, it should be '\.txt'"):
            artifact.save()
        assert stored_row(ln, artifact) == before
    artifact.key = "../outside.txt"
    with pytest.raises(ValueError, match=r"'\.\.' segment"):
        artifact.save()
    # a virtual key may change, keeping the suffix: the data stays where it is
    artifact.key = f"compat/{t}/renamed.txt"
    artifact.save()
    assert ln.Artifact.get(artifact.pk).key == f"compat/{t}/renamed.txt"
    assert artifact.path == path and path.exists()
    # loaded again (the stored values come from the database), and loaded with deferred fields
    loaded = ln.Artifact.get(artifact.pk)
    loaded.suffix = ".parquet"
    with pytest.raises(InvalidArgument, match="suffix"):
        loaded.save()
    deferred = ln.Artifact.objects.only("id", "uid").get(pk=artifact.pk)
    deferred.key = f"compat/{t}/deferred.csv"
    with pytest.raises(InvalidArgument, match="provided key is incorrect"):
        deferred.save()
    # nor may the storage or the kind of key change: the path would point to a missing file
    moved = ln.Artifact.get(artifact.pk)
    moved._key_is_virtual = False
    with pytest.raises(InvalidArgument, match="missing file"):
        moved.save()
    # other fields save as before, and a key may be removed (LaminDB 1.5.3 raises a TypeError there)
    artifact.description = "changed"
    artifact.key = None
    artifact.save()
    assert ln.Artifact.get(artifact.pk).description == "changed" and path.exists()


def test_non_virtual_key_cannot_change(ln, instance):
    from lamin_core.errors import InvalidArgument

    path = unique_file(Path(instance.storage) / f"compat_in_place_{tag()}", "file.txt")
    artifact = ln.Artifact(path, description="in place").save()
    assert artifact._key_is_virtual is False
    key = artifact.key
    artifact.key = key.replace("file.txt", "other.txt")
    with pytest.raises(InvalidArgument, match="Changing a non-virtual key of an artifact is not allowed"):
        artifact.save()
    assert ln.Artifact.get(artifact.pk).key == key and path.exists()
    artifact.key = key
    artifact.description = "still in place"
    artifact.save()
    assert ln.Artifact.get(artifact.pk).description == "still in place"
    artifact.delete(permanent=True)
    assert path.exists()


# --- 2. the key's suffix must be the data's -----------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "key", "message"),
    [
        ("table.csv", "mykey", "The suffix '' of the provided key is inconsistent, it should be '.csv'"),
        (
            "table.csv",
            "table.parquet",
            "The suffix '.parquet' of the provided key is inconsistent, it should be '.csv'",
        ),
        (
            "Makefile",
            "build.txt",
            "suffix '.txt' of the provided key is inconsistent, it should be '', the file's",
        ),
        (
            "reads.fastq.gz",
            "reads.gz",
            "suffix '.gz' of the provided key is inconsistent, it should be '.fastq.gz'",
        ),
    ],
)
def test_key_suffix_must_match_the_file(ln, cwd, name, key, message):
    from lamin_core.errors import InvalidArgument

    count = ln.Artifact.all_objects.count()
    with pytest.raises(InvalidArgument, match=message.replace(".", r"\.")):
        ln.Artifact(unique_file(cwd, name), key=key)
    assert ln.Artifact.all_objects.count() == count


def test_key_suffix_accepted_when_it_matches(ln, cwd):
    t = tag()
    for name in ("reads.fastq.gz", "Makefile", "my.file.name.csv"):
        artifact = ln.Artifact(unique_file(cwd, name), key=f"compat/{t}/{name}")
        assert artifact.key.endswith(artifact.suffix)
    folder = cwd / "plain_folder"
    unique_file(folder, "x.txt")
    assert ln.Artifact(folder, key=f"compat/{t}/folder").suffix == ""
    from lamin_core.errors import InvalidArgument

    with pytest.raises(InvalidArgument, match="inconsistent, it should be '', the folder's suffix"):
        ln.Artifact(folder, key=f"compat/{t}/folder.zarr")


def test_in_memory_key_suffix_checked_before_writing(ln):
    from lamin_core.errors import InvalidArgument
    from lamin_core.setup.settings import cache_dir

    before = set(cache_dir().iterdir())
    with pytest.raises(
        InvalidArgument, match=r"inconsistent, it should be '\.parquet', the DataFrame's suffix"
    ):
        ln.Artifact.from_df(ln.core.datasets.df_iris(), key="compat/iris")
    assert set(cache_dir().iterdir()) == before


# --- 3. files in a registered storage location other than the default -----------------------------------


@pytest.fixture
def other_root(ln, instance, tmp_path):
    """A second local storage location of the instance (registered, then the default again)."""
    root = tmp_path / "other-location"
    ln.settings.storage = root
    ln.settings.storage = instance.storage
    record = ln.Storage.get(root=str(root.resolve()))
    yield root.resolve(), record
    ln.Artifact.all_objects.filter(storage=record).delete(permanent=True)  # keeps files registered in place
    ln.Storage.all_objects.filter(pk=record.pk).delete()


@pytest.mark.usefixtures("artifact_storage")  # the default storage local and S3
def test_file_in_registered_storage_is_registered_in_place(ln, instance, other_root):
    from lamin_core.errors import InvalidArgument

    root, record = other_root
    path = unique_file(root / "project", "file.csv")
    default_id = ln.settings.storage.id
    artifact = ln.Artifact(path, description="in another location")
    assert (artifact.storage_id, artifact.key, artifact._key_is_virtual) == (
        record.id,
        "project/file.csv",
        False,
    )
    artifact.save()
    assert artifact.storage_id != default_id and artifact.path == path
    assert ln.Artifact.get(artifact.pk).path == path
    assert not (root / ".lamindb").exists() or not [
        p for p in (root / ".lamindb").iterdir() if "file" in p.name
    ]
    with pytest.raises(InvalidArgument, match="is already in registered storage"):
        ln.Artifact(unique_file(root / "project", "second.csv"), key="elsewhere/second.csv")
    with pytest.raises(ValueError, match="managed folder"):
        ln.Artifact(unique_file(root / ".lamindb", "x.txt"))
    artifact.delete(permanent=True)
    assert path.exists()  # registered in place: kept


def test_local_file_in_instance_root_with_s3_default(ln, instance, s3_root):
    path = unique_file(Path(instance.storage) / f"compat_local_{tag()}", "table.csv")
    ln.settings.storage = s3_root
    try:
        artifact = ln.Artifact(path, description="local while the default is S3").save()
    finally:
        ln.settings.storage = instance.storage
    assert artifact._key_is_virtual is False and artifact.path == path
    assert ln.Storage.get(artifact.storage_id).root == instance.storage
    artifact.delete(permanent=True)
    assert path.exists()


# --- 4. Artifact(data) for content that is saved already ----------------------------------------------


@pytest.mark.usefixtures("artifact_storage")  # local and S3
def test_existing_content_is_the_saved_artifact(ln, cwd, capsys):
    path = unique_file(cwd, "same.txt")
    first = ln.Artifact(path, description="first").save()
    capsys.readouterr()
    again = ln.Artifact(path, key="compat/same.txt", description="second")
    err = capsys.readouterr().err
    assert again.pk == first.pk and again.uid == first.uid and not again._state.adding
    assert "→ returning existing artifact with same hash: Artifact(" in err
    assert "to track this artifact as an input, use: ln.Artifact.get()" in err
    assert "updated description from first to second" in err
    # a virtual artifact without a key takes the given key; both are written on save()
    assert (again.description, again.key) == ("second", "compat/same.txt")
    assert ln.Artifact.get(first.pk).description == "first"
    again.save()
    assert (
        ln.Artifact.get(first.pk).description == "second"
        and ln.Artifact.get(first.pk).key == "compat/same.txt"
    )
    # a different key is not taken
    other = ln.Artifact(path, key="compat/different.txt")
    assert other.key == "compat/same.txt"
    assert "key compat/same.txt on existing artifact differs from passed key compat/different.txt" in (
        capsys.readouterr().err
    )
    # no description given: kept
    assert ln.Artifact(path).description == "second"


def test_existing_dataframe_leaves_no_cache_file(ln):
    from lamin_core.setup.settings import cache_dir

    df = ln.core.datasets.df_iris().assign(tag=tag())
    first = ln.Artifact.from_df(df, key="compat/df.parquet").save()
    before = set(cache_dir().iterdir())
    again = ln.Artifact.from_df(df, key="compat/df.parquet", description="the same frame")
    assert again.pk == first.pk and set(cache_dir().iterdir()) == before
    assert again.save().description == "the same frame"


def test_existing_content_in_trash_is_restored_when_created(ln, cwd, capsys):
    path = unique_file(cwd, "trash.txt")
    artifact = ln.Artifact(path, key="compat/trash.txt").save()
    artifact.delete()
    capsys.readouterr()
    restored = ln.Artifact(path, key="compat/trash.txt")
    assert restored.pk == artifact.pk and restored._branch_code == 1
    assert ln.Artifact.get(artifact.uid)._branch_code == 1
    assert "restored artifact with same hash from trash" in capsys.readouterr().err


def test_existing_content_gets_the_run_if_it_has_none(ln, cwd):
    path = unique_file(cwd, "run.txt")
    artifact = ln.Artifact(path, key="compat/run.txt").save()
    assert artifact.run_id is None
    transform = ln.Transform(key=f"compat-{tag()}.py", type="script").save()
    run = ln.Run(transform=transform).save()
    again = ln.Artifact(path, key="compat/run.txt", run=run).save()
    assert again.pk == artifact.pk and ln.Artifact.get(artifact.pk).run_id == run.pk


# --- 5. artifact.labels -------------------------------------------------------------------------------------


@pytest.fixture
def labelled(ln, cwd):
    t = tag()
    artifact = ln.Artifact(unique_file(cwd, "labelled.txt"), key=f"compat/{t}/labelled.txt").save()
    return t, artifact


def test_labels_add_and_get(ln, labelled):
    from lamin_core.errors import ValidationError

    t, artifact = labelled
    label = ln.ULabel(name=f"Experiment 1 {t}")
    experiment = ln.Feature(name=f"experiment_{t}", dtype="cat")
    unsaved = ln.Artifact(unique_file(Path.cwd(), "unsaved.txt"), key=f"compat/{t}/unsaved.txt")
    with pytest.raises(ValueError, match="Please save the artifact/collection before adding a label!"):
        unsaved.labels.add(ln.ULabel(name="x"))
    with pytest.raises(ValueError, match="Please pass a record"):
        artifact.labels.add(f"experiment_{t}", experiment)
    with pytest.raises(ValidationError, match=r"not validated\. If it looks correct: record\.save\(\)"):
        artifact.labels.add(label, experiment)
    label.save()
    with pytest.raises(TypeError):
        artifact.labels.add(label, "experiment 1")
    with pytest.raises(ValidationError, match=r"Feature not validated\. If it looks correct: ln\.Feature"):
        artifact.labels.add(label, feature=experiment)
    experiment.save()
    artifact.labels.add([], feature=experiment)
    artifact.labels.add(label, feature=experiment)
    assert ln.Feature.get(name=f"experiment_{t}").dtype == "cat[ULabel]"  # "cat" became the registry's
    with pytest.raises(TypeError):
        artifact.labels.get(f"experiment_{t}")
    assert artifact.labels.get(experiment).one().name == f"Experiment 1 {t}"
    artifact.labels.add(label, feature=experiment)  # again: nothing changes
    assert [r.name for r in artifact.labels.get(experiment)] == [f"Experiment 1 {t}"]
    assert artifact.labels.get(experiment, flat_names=True) == [f"Experiment 1 {t}"]
    # strings are looked up in the feature's registries
    with_registry = ln.Feature(name=f"experiment_with_reg_{t}", dtype="cat[ULabel]").save()
    ln.ULabel(name=f"Experiment 2 {t}").save()
    artifact.labels.add(f"Experiment 2 {t}", with_registry)
    assert artifact.labels.get(with_registry).get().name == f"Experiment 2 {t}"
    # a plain label (no feature) is among the artifact's ulabels but a value of no feature
    plain = ln.ULabel(name=f"plain {t}").save()
    artifact.labels.add(plain)
    assert set(artifact.ulabels.values_list("name", flat=True)) == {
        f"Experiment 1 {t}",
        f"Experiment 2 {t}",
        f"plain {t}",
    }
    assert artifact.links_ulabel.get(ulabel=plain).feature_id is None
    # a feature whose dtype names no label registry
    number = ln.Feature(name=f"number_{t}", dtype="int").save()
    with pytest.raises(ValidationError, match=f"Feature number_{t} needs dtype='cat' for label annotation"):
        artifact.labels.add(plain, feature=number)
    with pytest.raises(ValueError, match="feature does not have linked labels"):
        artifact.labels.get(number)


def test_labels_of_several_registries(ln, labelled):
    import lamin_core.bionty as bt
    from lamin_core.errors import ValidationError

    t, artifact = labelled
    tissue = ln.Feature(name=f"tissue_{t}", dtype="cat[bionty.Tissue]").save()
    cell_type = ln.Feature(name=f"cell_type_{t}", dtype="cat[bionty.CellType]").save()
    liver = bt.Tissue(name=f"liver {t}").save()
    organoid = ln.ULabel(name=f"organoid {t}").save()
    t_cell, b_cell = bt.CellType(name=f"T cell {t}").save(), bt.CellType(name=f"B cell {t}").save()
    with pytest.raises(ValidationError, match=r"Label type ULabel is not valid for Feature\("):
        artifact.labels.add(organoid, feature=tissue)
    assert not artifact.links_ulabel.exists()
    tissue.dtype = "cat[bionty.Tissue|ULabel]"
    tissue.save()
    artifact.labels.add([liver, organoid], feature=tissue)
    artifact.labels.add(t_cell, feature=cell_type)
    artifact.labels.add(b_cell)  # a cell type that is no value of cell_type
    by_registry = artifact.labels.get(tissue)
    assert set(by_registry) == {"bionty.Tissue", "ULabel"}
    assert [r.name for r in by_registry["bionty.Tissue"]] == [f"liver {t}"]
    assert [r.name for r in by_registry["ULabel"]] == [f"organoid {t}"]
    assert sorted(artifact.labels.get(tissue, mute=True, flat_names=True)) == sorted(
        [f"liver {t}", f"organoid {t}"]
    )
    # only the cell types that are values of the feature (LaminDB 1.5.3 returns every linked cell type)
    assert [r.name for r in artifact.labels.get(cell_type)] == [f"T cell {t}"]
    # add_from: the same labels, with the same features
    other = ln.Artifact(unique_file(Path.cwd(), "other.txt"), key=f"compat/{t}/other.txt").save()
    other.labels.add_from(artifact)
    assert [r.name for r in other.labels.get(cell_type)] == [f"T cell {t}"]
    assert set(other.labels.get(tissue, mute=True, flat_names=True)) == {f"liver {t}", f"organoid {t}"}
    assert set(other.cell_types.values_list("name", flat=True)) == {f"T cell {t}", f"B cell {t}"}
    assert other.links_cell_type.get(celltype=b_cell).feature_id is None
    other.labels.add_from(artifact)  # again: nothing new
    assert other.links_cell_type.count() == 2 and other.links_ulabel.count() == 1


def test_labels_of_a_feature_measured_in_the_data_are_refused(ln, labelled):
    from lamin_core.errors import ValidationError

    t, artifact = labelled
    measured = ln.Feature(name=f"measured_{t}", dtype="cat[ULabel]").save()
    schema = ln.Schema(features=[measured], name=f"compat schema {t}").save()
    artifact.feature_sets.add(schema, through_defaults={"slot": "columns"})
    with pytest.raises(ValidationError, match=r"measured \*within\* the dataset"):
        artifact.labels.add(ln.ULabel(name=f"value {t}").save(), feature=measured)
    artifact.feature_sets.remove(schema)


# --- 6. from_dir, from_mudata, open(), format=, yaml, repr(ln.Artifact) ---------------------------------


@pytest.mark.usefixtures("artifact_storage")  # local and S3
def test_from_dir_outside_storage(ln, cwd, capsys):
    folder = cwd / f"sample_{tag()}"
    for name in ("a.txt", "sub/b.csv", "sub/deeper/c.txt"):
        unique_file(folder, name)
    (folder / "copy_of_a.txt").write_bytes((folder / "a.txt").read_bytes())
    artifacts = ln.Artifact.from_dir(folder)
    err = capsys.readouterr().err
    assert "folder is outside existing storage location" in err and "dropping 1 duplicates" in err
    keys = sorted(a.key for a in artifacts)
    assert keys == [f"{folder.name}/a.txt", f"{folder.name}/sub/b.csv", f"{folder.name}/sub/deeper/c.txt"]
    assert all(a._state.adding and a._key_is_virtual for a in artifacts)
    ln.save(artifacts)
    for artifact in artifacts:
        assert artifact.path.read_bytes() == (folder / artifact.key.split("/", 1)[1]).read_bytes()
    # again: the saved artifacts come back; with a key
    again = ln.Artifact.from_dir(folder, key="compat/dir")
    assert sorted(a.pk for a in again) == sorted(a.pk for a in artifacts)


def test_from_dir_in_storage_registers_in_place(ln, instance):
    folder = Path(instance.storage) / f"compat_dir_{tag()}"
    unique_file(folder, "x.txt")
    unique_file(folder, "y/z.csv")
    ln.save(ln.Artifact.from_dir(folder))
    artifacts = list(ln.Artifact.filter(key__startswith=folder.name + "/").order_by("key"))
    assert [a.key for a in artifacts] == [f"{folder.name}/x.txt", f"{folder.name}/y/z.csv"]
    assert all(not a._key_is_virtual and a.path.is_file() for a in artifacts)
    assert artifacts[1].path == folder / "y" / "z.csv"
    with pytest.raises(ValueError, match="from_dir"):
        ln.Artifact.from_dir(folder / "x.txt")


def test_from_mudata(ln, cwd):
    mudata = pytest.importorskip("mudata")
    anndata = pytest.importorskip("anndata")
    import numpy as np
    import pandas as pd

    obs = pd.DataFrame(index=[f"c{i}" for i in range(4)])
    rna = anndata.AnnData(X=np.arange(8, dtype="float32").reshape(4, 2), obs=obs)
    rna.var_names = [f"gene_{tag()}", f"gene_{tag()}"]
    mdata = mudata.MuData({"rna": rna})
    artifact = ln.Artifact.from_mudata(mdata, key="compat/small.h5mu")
    assert (artifact.suffix, artifact.otype, artifact.kind, artifact.n_observations) == (
        ".h5mu",
        "MuData",
        "dataset",
        4,
    )
    assert artifact.load() is mdata  # unsaved: the object itself, as LaminDB 1.5.3
    artifact.save()
    loaded = artifact.load()
    assert isinstance(loaded, mudata.MuData) and loaded is not mdata
    assert list(loaded.mod) == ["rna"] and loaded.n_obs == 4
    with pytest.raises(ValueError, match="MuData object or a path to MuData-like"):
        ln.Artifact.from_mudata(rna, key="compat/x.h5mu")


def test_from_mudata_without_the_package(ln, monkeypatch):
    monkeypatch.setitem(sys.modules, "mudata", None)
    with pytest.raises(ImportError, match="pip install mudata"):
        ln.Artifact.from_mudata("x.h5mu", key="compat/x.h5mu")


@pytest.mark.usefixtures("artifact_storage")  # local and S3
def test_open_parquet_and_h5ad(ln, cwd):
    anndata = pytest.importorskip("anndata")
    import numpy as np
    import pandas as pd
    import pyarrow.dataset

    df = pd.DataFrame({"a": [1, 2, 3], "b": [tag(), tag(), tag()]})
    artifact = ln.Artifact.from_df(df, key="compat/open.parquet").save()
    dataset = artifact.open()
    assert isinstance(dataset, pyarrow.dataset.Dataset)
    assert dataset.to_table().to_pandas()[["a", "b"]].equals(df)
    adata = anndata.AnnData(X=np.arange(6, dtype="float32").reshape(3, 2))
    adata.obs["tag"] = [tag(), tag(), tag()]
    h5ad = ln.Artifact.from_anndata(adata, key="compat/open.h5ad").save()
    backed = h5ad.open()
    try:
        assert (
            backed.isbacked and backed.shape == (3, 2) and list(backed.obs["tag"]) == list(adata.obs["tag"])
        )
    finally:
        backed.file.close()
    # a folder of parquet files
    folder = cwd / "parts"
    folder.mkdir()
    df.iloc[:2].to_parquet(folder / "part-0.parquet")
    df.iloc[2:].to_parquet(folder / "part-1.parquet")
    parts = ln.Artifact(folder, key=f"compat/{tag()}/parts").save()
    assert parts.open().count_rows() == 3
    from lamin_core.errors import InvalidArgument

    text = ln.Artifact(unique_file(cwd, "notes.md"), key="compat/notes.md").save()
    with pytest.raises(InvalidArgument, match=r"cannot open a '\.md' artifact"):
        text.open()
    with pytest.raises(InvalidArgument, match="read-only"):
        artifact.open(mode="w")


def test_anndata_format(ln):
    anndata = pytest.importorskip("anndata")
    import numpy as np

    adata = anndata.AnnData(X=np.arange(6, dtype="float32").reshape(3, 2))
    adata.obs["tag"] = [tag(), tag(), tag()]
    zarr = ln.Artifact.from_anndata(adata, key="compat/format.zarr", format="zarr")
    assert (zarr.suffix, zarr.otype, zarr.n_observations) == (".zarr", "AnnData", 3)
    zarr.save()
    assert zarr.n_files is not None and zarr.path.is_dir()
    assert list(zarr.load().obs["tag"]) == list(adata.obs["tag"])
    # the key's suffix picks the format when none is given (LaminDB 1.5.3)
    adata.obs["tag"] = [tag(), tag(), tag()]
    assert ln.Artifact.from_anndata(adata, key="compat/by_key.zarr").suffix == ".zarr"
    assert ln.Artifact.from_anndata(adata, key="compat/by_key.h5ad", format="h5ad").suffix == ".h5ad"
    with pytest.raises(ValueError, match="it should be 'h5ad', 'zarr', not 'csv'"):
        ln.Artifact.from_anndata(adata, key="compat/x.csv")
    from lamin_core.errors import InvalidArgument

    with pytest.raises(InvalidArgument, match="inconsistent"):
        ln.Artifact.from_anndata(adata, key="compat/x.h5ad", format="zarr")


@pytest.mark.usefixtures("artifact_storage")  # local and S3
def test_load_yaml(ln, cwd, monkeypatch):
    value = {"name": tag(), "values": [1, 2.5, "x"], "nested": {"ok": True}}
    import yaml

    for suffix in (".yaml", ".yml"):
        path = cwd / f"config{suffix}"
        path.write_text(yaml.safe_dump(value))
        artifact = ln.Artifact(path, key=f"compat/config{suffix}").save()
        assert artifact.load() == value
    monkeypatch.setitem(sys.modules, "yaml", None)
    with pytest.raises(ImportError, match="PyYAML"):
        artifact.load()


def test_registry_repr(ln, cwd):
    expected = textwrap.dedent(
        """\
        Artifact
          Simple fields
            .uid: CharField
            .key: CharField
            .description: TextField
            .suffix: CharField
            .kind: CharField
            .otype: CharField
            .size: BigIntegerField
            .hash: CharField
            .n_files: BigIntegerField
            .n_observations: BigIntegerField
            .version: CharField
            .is_latest: BooleanField
            .created_at: DateTimeField
            .updated_at: DateTimeField
          Relational fields
            .space: Space
            .storage: Storage
            .run: Run
            .schema: Schema
            .created_by: User
            .ulabels: ULabel
            .input_of_runs: Run
            .feature_sets: Schema
            .collections: Collection
            .references: Reference
            .projects: Project
          Bionty fields
            .organisms: bionty.Organism
            .genes: bionty.Gene"""
    )
    text = repr(ln.Artifact)
    assert text.startswith(expected)
    assert text.splitlines()[-1] == "    .ethnicities: bionty.Ethnicity"
    assert str(ln.Artifact) == text
    assert repr(ln.Artifact(unique_file(cwd, "r.txt"), key="compat/r.txt")).startswith("Artifact(uid=")


def test_unsaved_artifact_keeps_its_key_suffix_and_suffix(ln):
    from lamin_core.errors import InvalidArgument

    df = ln.core.datasets.df_iris().assign(tag=tag())
    artifact = ln.Artifact.from_df(df, description="unsaved key changes")
    artifact.key = "my-test-dataset"
    with pytest.raises(
        InvalidArgument, match=r"The suffix '' of the provided key is incorrect, it should be '\.parquet'"
    ):
        artifact.save()
    artifact.key = None
    artifact.suffix = ".whatever"
    with pytest.raises(InvalidArgument, match=r"from '\.parquet' to '\.whatever'"):
        artifact.save()
    assert artifact._state.adding and not ln.Artifact.all_objects.filter(hash=artifact.hash).exists()
    artifact.suffix = ".parquet"
    artifact.key = f"compat/{tag()}/dataset.parquet"
    artifact.save()
    assert ln.Artifact.get(artifact.pk).path.suffix == ".parquet"
    artifact.key = "my-test-dataset"  # coming from a .parquet key
    with pytest.raises(InvalidArgument, match="provided key is incorrect"):
        artifact.save()


def test_otype_from_the_path(ln, cwd):
    anndata = pytest.importorskip("anndata")
    import numpy as np

    adata = anndata.AnnData(X=np.arange(4, dtype="float32").reshape(2, 2))
    adata.obs["tag"] = [tag(), tag()]
    adata.write_h5ad(cwd / "x.h5ad")
    adata.write_zarr(cwd / "x.zarr")
    (cwd / "plain.zarr").mkdir()
    (cwd / "plain.zarr" / "data").write_text(tag())
    assert ln.Artifact(cwd / "x.h5ad", key="compat/x.h5ad").otype == "AnnData"
    assert ln.Artifact(cwd / "x.zarr", key="compat/x.zarr").otype == "AnnData"
    assert ln.Artifact(cwd / "plain.zarr", key="compat/plain.zarr").otype is None
    assert ln.Artifact(unique_file(cwd, "x.h5mu"), key="compat/x.h5mu").otype == "MuData"
    assert ln.Artifact(unique_file(cwd, "x.csv"), key="compat/x.csv").otype is None


def test_unsaved_in_memory_artifact_loads_its_object(ln):
    df = ln.core.datasets.df_iris().assign(tag=tag())
    artifact = ln.Artifact.from_df(df, key="compat/memory.parquet")
    assert artifact.load() is df
    artifact.save()
    loaded = artifact.load()
    assert loaded is not df and loaded.equals(df)


def test_saving_the_returned_artifact_writes_only_changes(ln, cwd):
    path = unique_file(cwd, "unchanged.txt")
    first = ln.Artifact(path, key="compat/unchanged.txt", description="one").save()
    stamp = ln.Artifact.get(first.pk).updated_at
    ln.Artifact(path, key="compat/unchanged.txt").save()  # nothing new: nothing written
    assert ln.Artifact.get(first.pk).updated_at == stamp
    ln.Artifact(path, description="two").save()
    saved = ln.Artifact.get(first.pk)
    assert saved.description == "two" and saved.updated_at > stamp


def test_data_keyword(ln, cwd):
    path = unique_file(cwd, "keyword.txt")
    artifact = ln.Artifact(data=path, key="compat/keyword.txt")
    assert artifact._state.adding and artifact.path == path and artifact.suffix == ".txt"
