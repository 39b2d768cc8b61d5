"""Collections as LaminDB 1.5.3: `append()`, `load()`, `mapped()` over AnnData stores, `Collection(name=)`.

What a test saves is deleted at the end of the module (`delete_new_artifacts`).
"""

from __future__ import annotations

import uuid
import warnings

import numpy as np
import pandas as pd
import pytest

pytestmark = pytest.mark.usefixtures("delete_new_artifacts")


def adata_of(x, obs: dict, var: list[str], **kw):
    import anndata as ad

    return ad.AnnData(
        X=x,
        obs=pd.DataFrame(obs, index=[str(i) for i in range(x.shape[0])]),
        var=pd.DataFrame(index=var),
        **kw,
    )


@pytest.fixture
def frames():
    tag = uuid.uuid4().hex
    return pd.DataFrame({"feat1": [1, 2], "feat2": [3, 4], "tag": [tag] * 2}), pd.DataFrame(
        {"feat1": [5, 6], "feat2": [7, 8], "tag": [tag] * 2}
    )


def unique_adata(values):
    x = np.array(values) + np.random.default_rng().integers(10**6) * 10
    return adata_of(
        x, {"feat1": ["A", "B"]}, ["MYC", "TCF7", "GATA1"], obsm={"X_pca": np.array([[1, 2], [3, 4]])}
    )


# -- append ----------------------------------------------------------------------------------------


def test_append_makes_the_next_version(ln, frames):
    first = ln.Artifact.from_df(frames[0], description="append 1").save()
    second = ln.Artifact.from_df(frames[1], description="append 2").save()
    key = f"compat/append-{uuid.uuid4().hex[:8]}"
    collection = ln.Collection(first, key=key, description="Test append").save()
    new = collection.append(second)
    assert new._state.adding  # unsaved, as in 1.5.3
    new.save()
    assert (new.key, new.description) == (collection.key, collection.description)
    assert new.uid == collection.uid[:16] + "0001" and new.stem_uid == collection.stem_uid
    assert list(new.ordered_artifacts) == [first, second]
    assert list(collection.ordered_artifacts) == [first]  # the previous version is unchanged
    collection.refresh_from_db()
    assert new.is_latest and not collection.is_latest
    with pytest.raises(TypeError, match="append\\(\\) takes an Artifact"):
        new.append("not an artifact")
    with pytest.raises(ValueError, match="distinct content"):
        new.append(first)  # already a member
    third = ln.Artifact.from_df(frames[0].iloc[:1], description="append 3").save()
    with pytest.raises(ValueError, match="save the collection before appending"):
        ln.Collection(third, key=f"{key}-unsaved").append(second)
    # the same artifacts as a saved collection: that collection, already saved (LaminDB 1.5.3)
    assert not ln.Collection(first, key=f"{key}-again")._state.adding


# -- load ------------------------------------------------------------------------------------------


def test_load_concatenates_dataframes_with_concat_arguments(ln, frames):
    a = ln.Artifact.from_df(frames[0], description="load 1").save()
    b = ln.Artifact.from_df(frames[1], description="load 2").save()
    collection = ln.Collection([b, a], key=f"compat/load-{uuid.uuid4().hex[:8]}")
    unsaved = collection.load()  # before save too, in the order given
    assert unsaved["feat1"].tolist() == [5, 6, 1, 2]
    collection.save()
    assert collection.load()["feat1"].tolist() == [5, 6, 1, 2]
    joined = collection.load(ignore_index=True)  # kwargs go to pd.concat
    assert list(joined.index) == [0, 1, 2, 3]
    with pytest.raises(ValueError, match="join must be"):
        collection.load(join="left")


def test_load_anndata_names_the_artifact_of_each_cell(ln):
    first = ln.Artifact.from_anndata(unique_adata([[1, 2, 3], [4, 5, 6]]), key="compat/a1.h5ad").save()
    second = ln.Artifact.from_anndata(unique_adata([[1, 2, 5], [4, 5, 8]]), key="compat/a2.h5ad").save()
    collection = ln.Collection([first, second], key=f"compat/adata-{uuid.uuid4().hex[:8]}").save()
    joined = collection.load()
    assert joined.shape == (4, 3)
    assert list(joined.obs["artifact_uid"].cat.categories) == [first.uid, second.uid]
    assert joined.obs["artifact_uid"].tolist() == [first.uid] * 2 + [second.uid] * 2
    labelled = collection.load(label="source", keys=["one", "two"])
    assert labelled.obs["source"].tolist() == ["one", "one", "two", "two"]


def test_load_refuses_mixed_suffixes(ln, frames):
    df = ln.Artifact.from_df(frames[0], description="mixed df").save()
    adata = ln.Artifact.from_anndata(unique_adata([[1, 2, 3], [4, 5, 6]]), key="compat/mixed.h5ad").save()
    collection = ln.Collection([df, adata], key=f"compat/mixed-{uuid.uuid4().hex[:8]}").save()
    with pytest.raises(
        ValueError, match="Can only load collections where all artifacts have the same suffix"
    ):
        collection.load()
    assert len(collection.cache()) == 2  # the paths are still there


# -- Collection(name=) -----------------------------------------------------------------------------


def test_name_is_the_deprecated_key(ln, frames):
    artifact = ln.Artifact.from_df(frames[0], description="named").save()
    key = f"compat/named-{uuid.uuid4().hex[:8]}"
    with pytest.warns(
        FutureWarning, match=f"argument `name` will be removed, please pass {key} to `key` instead"
    ):
        collection = ln.Collection(artifact, name=key)
    assert collection.key == key
    with warnings.catch_warnings(), pytest.raises(TypeError, match="either `key` or `name`"):
        warnings.simplefilter("ignore")
        ln.Collection(artifact, key=key, name="other")


# -- mapped ----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def stores(ln, tmp_path_factory):
    """1.5.3's test data: two stores with the same variables (dense; CSR), one with other variables and a
    missing label, one whose layer is CSC."""
    from scipy.sparse import csc_matrix, csr_matrix

    salt = uuid.uuid4().hex
    one = adata_of(np.array([[1, 2, 3], [4, 5, 6]]), {"feat1": ["A", "B"]}, ["MYC", "TCF7", "GATA1"])
    one.obsm["X_pca"] = np.array([[1, 2], [3, 4]])
    one.obs["feat1"] = one.obs["feat1"].astype("category")
    one.obs["feat2"] = one.obs["feat1"]
    one.layers["layer1"] = one.X.copy()
    one.layers["layer1"][0, 0] = 0
    one.uns["salt"] = salt
    two = adata_of(
        csr_matrix(np.array([[1, 2, 5], [4, 5, 8]])), {"feat1": ["A", "B"]}, ["MYC", "TCF7", "GATA1"]
    )
    two.obsm["X_pca"] = np.array([[1, 2], [3, 4]])
    two.layers["layer1"] = two.X.copy()
    two.obs["feat2"] = two.obs["feat1"]
    two.uns["salt"] = salt
    three = two.copy()
    three.var_names = ["A", "B", "C"]
    three.obs.loc["0", "feat1"] = np.nan
    four = one.copy()
    four.layers["layer1"] = csc_matrix(four.layers["layer1"])
    artifacts = [
        ln.Artifact.from_anndata(one, key="mapped/part_one.h5ad").save(),
        ln.Artifact.from_anndata(two, key="mapped/part_two.zarr", format="zarr").save(),  # a zarr folder
        ln.Artifact.from_anndata(three, key="mapped/other_vars.h5ad").save(),
        ln.Artifact.from_anndata(four, description="csc layer").save(),
    ]
    suffix = uuid.uuid4().hex[:8]
    return {
        "gather": ln.Collection(artifacts[:2], key=f"mapped/gather-{suffix}"),
        "outer": ln.Collection(artifacts[:3], key=f"mapped/outer-{suffix}").save(),
        "csc": ln.Collection([artifacts[3], artifacts[1]], key=f"mapped/csc-{suffix}").save(),
    }


def test_mapped_encoders(stores):
    collection = stores["gather"]
    with collection.mapped() as ds:  # unsaved collections too
        assert type(ds).__name__ == "MappedCollection"
    collection.save()
    with pytest.raises(ValueError):
        collection.mapped(encode_labels=["feat1"])  # not among obs_keys
    with pytest.raises(ValueError):
        collection.mapped(obs_keys="feat1", encode_labels=["feat3"])
    with pytest.raises(ValueError):
        collection.mapped(obs_keys="feat1", unknown_label={"feat3": "Unknown"})
    with collection.mapped(obs_keys=["feat1", "feat2"], unknown_label="A") as ds:
        assert ds.encoders == {"feat1": {"A": -1, "B": 0}, "feat2": {"A": -1, "B": 0}}
        assert [ds[i]["feat1"] for i in range(4)] == [-1, 0, -1, 0]
        assert ds[1]["feat2"] == 0
    with collection.mapped(obs_keys=["feat1", "feat2"], unknown_label={"feat1": "A"}) as ds:
        assert ds.encoders["feat1"] == {"A": -1, "B": 0} and ds.encoders["feat2"] == {"A": 0, "B": 1}
        assert (ds[0]["feat1"], ds[1]["feat1"], ds[0]["feat2"], ds[1]["feat2"]) == (-1, 0, 0, 1)
    with collection.mapped(obs_keys=["feat1", "feat2"], unknown_label="A", encode_labels=["feat1"]) as ds:
        assert "feat2" not in ds.encoders
        assert (ds[0]["feat1"], ds[0]["feat2"], ds[1]["feat2"]) == (-1, "A", "B")


def test_mapped_rows_weights_and_vars(stores):
    collection = stores["gather"].save()
    ds = collection.mapped(obs_keys="feat1")
    assert not ds.closed and len(ds) == 4 and ds.shape == (4, 3)
    assert set(ds[0]) == {"X", "feat1", "_store_idx"}
    assert np.array_equal(ds[0]["X"], [1, 2, 3]) and np.array_equal(ds[2]["X"], [1, 2, 5])  # dense; CSR
    assert (ds[0]["_store_idx"], ds[3]["_store_idx"]) == (0, 1) and ds[-1]["feat1"] == ds[3]["feat1"]
    with pytest.raises(IndexError):
        ds[4]
    assert list(ds.get_label_weights("feat1")) == [0.5] * 4
    assert list(ds.get_label_weights(["feat1"], scaler=1.0)) == pytest.approx([1 / 3] * 4)
    assert ds.get_label_weights("feat1", scaler=1.0, return_categories=True) == pytest.approx(
        {"A": 1 / 3, "B": 1 / 3}
    )
    assert not ds.check_vars_sorted(ascending=True) and not ds.check_vars_sorted(ascending=False)
    assert ds.check_vars_non_aligned(["MYC", "TCF7", "GATA1"]) == []
    ds.var_list = None  # read again
    assert ds.check_vars_non_aligned(["MYC", "GATA1", "TCF7"]) == [0, 1]
    ds.close()
    assert ds.closed
    with pytest.raises(ValueError, match="closed"):
        ds[0]

    with collection.mapped(obs_keys="feat1", dtype="float32") as ds:
        assert ds[0]["X"].dtype == np.float32 and ds[2]["X"].dtype == np.float32
    assert ds.closed
    with collection.mapped(layers_keys=["layer1"], obsm_keys=["X_pca"], obs_keys="feat1") as ds:
        assert np.array_equal(ds[0]["layer1"], [0, 2, 3]) and np.array_equal(ds[2]["layer1"], [1, 2, 5])
        assert np.array_equal(ds[2]["obsm_X_pca"], [1, 2]) and np.array_equal(ds[3]["obsm_X_pca"], [3, 4])
        assert ds.original_shapes == [(2, 3), (2, 3)]


def test_mapped_outer_join(stores):
    outer = stores["outer"]
    with pytest.raises(ValueError, match="no variables in common"):
        outer.mapped(obs_keys="feat1", join="inner")
    with outer.mapped(layers_keys="X", obsm_keys="X_pca", obs_keys="feat1", join="outer") as ds:
        assert ds.shape == (6, 6) and ds.join_vars == "outer"
        assert list(ds.var_joint) == ["A", "B", "C", "GATA1", "MYC", "TCF7"]
        assert len(ds[0]) == 4
        assert np.array_equal(ds[0]["X"], [0, 0, 0, 3, 1, 2])
        assert np.array_equal(ds[3]["X"], [0, 0, 0, 8, 4, 5])
        assert np.array_equal(ds[4]["X"], [1, 2, 5, 0, 0, 0]) and ds[4]["feat1"] is np.nan  # missing label
        assert np.issubdtype(ds[4]["X"].dtype, np.integer)
        assert ds.check_vars_non_aligned(["MYC", "TCF7", "GATA1"]) == [2] and not ds.check_vars_sorted()
        assert len(ds.get_label_weights("feat1")) == 6
    with outer.mapped(layers_keys="layer1", join="outer") as ds:
        assert np.array_equal(ds[0]["layer1"], [0, 0, 0, 3, 0, 2])
    with outer.mapped(join=None) as ds:  # rows as stored
        assert np.array_equal(ds[4]["X"], [1, 2, 5]) and ds.var_joint is None


def test_mapped_refuses_csc_layers(stores):
    with pytest.raises(ValueError, match="CSC"):
        stores["csc"].mapped(layers_keys="layer1")


def test_mapped_obs_filter(stores):
    collection, outer = stores["gather"].save(), stores["outer"]
    with collection.mapped(obs_filter=("feat1", ("A", "B"))) as ds:  # 1.5.3's deprecated tuple form
        assert ds.shape == (4, 3) and np.array_equal(ds[3]["X"], [4, 5, 8])
    with collection.mapped(obs_filter=("feat1", "B"), obs_keys="feat2") as ds:
        assert (
            ds.shape == (2, 3)
            and np.array_equal(ds[0]["X"], [4, 5, 6])
            and np.array_equal(ds[1]["X"], [4, 5, 8])
        )
        assert list(ds.get_label_weights("feat2")) == [0.5, 0.5]  # both rows are "B"
    with collection.mapped(obs_filter={"feat1": "B", "feat2": ("A", "B")}) as ds:
        assert ds.shape == (2, 3) and ds.original_shapes == [(1, 3), (1, 3)]
    with outer.mapped(obs_filter={"feat1": np.nan}, join="outer") as ds:
        assert ds.shape == (1, 6) and np.array_equal(ds[0]["X"], [1, 2, 5, 0, 0, 0])
    with outer.mapped(obs_filter={"feat1": (np.nan,), "feat2": ["A", "B"]}, join="outer") as ds:
        assert ds.shape == (1, 6)
    with outer.mapped(obs_filter={"feat1": (np.nan, "A", "B")}, join="outer") as ds:
        assert ds.shape == (6, 6)
    with outer.mapped(obs_filter={"feat1": ["A", "B"]}, join="outer") as ds:
        assert ds.shape == (5, 6)
    with outer.mapped(obs_filter={"feat1": ("A", np.nan)}, join="outer") as ds:
        assert ds.shape == (3, 6)


def test_mapped_leaves_out_other_suffixes_and_travels_to_worker_processes(ln, stores, frames, capsys):
    import pickle
    from concurrent.futures import ProcessPoolExecutor

    df = ln.Artifact.from_df(frames[0], description="not anndata").save()
    gather = stores["gather"].save()
    mixed = ln.Collection([*gather.ordered_artifacts, df], key=f"mapped/mixed-{uuid.uuid4().hex[:8]}").save()
    with mixed.mapped(obs_keys="feat1") as ds:
        assert len(ds) == 4
    assert "ignoring artifact with suffix .parquet" in capsys.readouterr().err
    # DataLoader workers get a pickled copy and open the stores themselves
    ds = gather.mapped(obs_keys="feat1", parallel=True)
    copy = pickle.loads(pickle.dumps(ds))
    assert np.array_equal(copy[2]["X"], [1, 2, 5])
    with ProcessPoolExecutor(max_workers=1) as pool:
        rows = list(pool.map(_row, [ds, ds], [0, 3]))
    assert [r["feat1"] for r in rows] == [0, 1] and np.array_equal(rows[1]["X"], [4, 5, 8])
    ds.close()


def _row(ds, i):
    return ds[i]
