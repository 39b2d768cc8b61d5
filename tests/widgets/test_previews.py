"""Previews of artifacts on record pages (the `preview` method): images as bounded thumbnails, tables as
their head and column types, AnnData as its outline, folders as file lists; on local storage and S3,
cached by content hash, within byte budgets, and bad or hostile files answered with one line."""

from __future__ import annotations

import base64
import io
import struct
import uuid
import zlib

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from PIL import Image

from lamin_widgets.protocol import Budget, Timeout, handle

pytestmark = pytest.mark.usefixtures("delete_new_artifacts")
previews = None  # lamin_core.artifacts.preview, imported once the instance is connected (`connected`)


@pytest.fixture(autouse=True)
def connected(ln):
    global previews
    from lamin_core.artifacts import preview

    previews = preview


def unique(tmp_path, name: str):
    """A fresh folder for a file of `name` (content made unique by the caller)."""
    folder = tmp_path / uuid.uuid4().hex[:8]
    folder.mkdir()
    return folder / name


def rpc(artifact_id: int, registry: str = "Artifact", budget: Budget | None = None) -> dict:
    request = {
        "id": 1,
        "kind": "lamin-rpc",
        "method": "preview",
        "params": {"registry": registry, "id": artifact_id},
    }
    response, buffers = handle(request, budget=budget)
    assert buffers == []
    return response


def preview(artifact) -> dict:
    response = rpc(artifact.pk)
    assert response["ok"], response
    result = response["result"]
    assert result["id"] == artifact.pk and result["version"] == previews.VERSION
    return result


def png_header(width: int, height: int) -> bytes:
    """A PNG that declares `width` x `height` pixels in 60 bytes (the pixels are never there)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    data = zlib.compress(b"\0" * 16)
    idat = b"IDAT" + data
    return (
        b"\x89PNG\r\n\x1a\n"
        + struct.pack(">I", len(ihdr))
        + chunk
        + struct.pack(">I", zlib.crc32(chunk))
        + struct.pack(">I", len(data))
        + idat
        + struct.pack(">I", zlib.crc32(idat))
    )


@pytest.fixture
def frame():
    n = 1000
    return pd.DataFrame(
        {
            "gene": [f"G{i}-{uuid.uuid4().hex[:6]}" for i in range(n)],
            "count": np.arange(n, dtype="int64"),
            "score": np.linspace(0, 1, n),
            "kind": pd.Categorical(["a", "b"] * (n // 2)),
        }
    )


def test_image_thumbnail_is_bounded_and_shows_the_picture(ln, tmp_path, artifact_storage):
    path = unique(tmp_path, "photo.png")
    image = Image.new("RGB", (1200, 600), (200, 30, 30))
    image.putpixel((0, 0), (uuid.uuid4().int % 256, 0, 0))
    image.save(path)
    artifact = ln.Artifact(path, key=f"previews/{path.parent.name}.png").save()

    result = preview(artifact)
    assert result["kind"] == "image" and result["format"] == "PNG"
    assert (result["width"], result["height"]) == (1200, 600)
    assert (result["thumbnail_width"], result["thumbnail_height"]) == (
        previews.THUMBNAIL,
        previews.THUMBNAIL // 2,
    )
    media, data = result["thumbnail"].split(",", 1)
    assert media == "data:image/jpeg;base64"
    thumb = Image.open(io.BytesIO(base64.b64decode(data)))
    assert thumb.size == (256, 128)
    red, green, blue = thumb.getpixel((128, 64))
    assert red > 180 and green < 60 and blue < 60  # the picture, scaled down


def test_the_guides_jpg_and_transparency(ln, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the example file is written to the working directory
    jpg = ln.Artifact(
        ln.core.datasets.file_jpg_paradisi05(), key=f"previews/{uuid.uuid4().hex[:6]}.jpg"
    ).save()
    result = preview(jpg)
    assert result["kind"] == "image" and result["format"] == "JPEG"
    assert max(result["thumbnail_width"], result["thumbnail_height"]) <= previews.THUMBNAIL
    assert Image.open(io.BytesIO(base64.b64decode(result["thumbnail"].split(",")[1]))).format == "JPEG"

    path = unique(tmp_path, "alpha.png")
    Image.new("RGBA", (40, 30), (0, 0, 255, uuid.uuid4().int % 200)).save(path)
    result = preview(ln.Artifact(path, key=f"previews/{path.parent.name}-alpha.png").save())
    assert result["thumbnail"].startswith("data:image/png;base64,")
    assert (result["thumbnail_width"], result["thumbnail_height"]) == (40, 30)  # never scaled up


def test_16_bit_images_are_stretched_to_their_range(ln, tmp_path):
    """A 12-bit microscopy image (values 0-4095 in 16 bits) is not all white: its range becomes 0-255."""
    path = unique(tmp_path, "nuclei.tif")
    pixels = (np.arange(512 * 300, dtype="uint16").reshape(300, 512) % 4096).astype("uint16")
    pixels[0, 0] = uuid.uuid4().int % 4096
    Image.fromarray(pixels).save(path)
    result = preview(ln.Artifact(path, key=f"previews/{path.parent.name}.tif").save())
    assert result["kind"] == "image" and result["format"] == "TIFF"
    thumb = Image.open(io.BytesIO(base64.b64decode(result["thumbnail"].split(",")[1])))
    assert thumb.size == (256, 150)
    low, high = thumb.convert("L").getextrema()
    assert low < 20 and high > 235
    assert 60 < np.asarray(thumb.convert("L")).mean() < 195  # a gradient, not saturated


def test_parquet_head_and_types(ln, frame, artifact_storage):
    artifact = ln.Artifact.from_df(frame, key=f"previews/{uuid.uuid4().hex[:6]}.parquet").save()
    result = preview(artifact)
    assert result["kind"] == "table" and result["format"] == "parquet"
    assert result["n_rows"] == 1000 and result["n_columns"] == 4
    assert [c["name"] for c in result["columns"]] == ["gene", "count", "score", "kind"]
    types = {c["name"]: c["type"] for c in result["columns"]}
    assert types["count"] == "int64" and types["score"] == "double" and types["kind"].startswith("dictionary")
    assert len(result["rows"]) == previews.MAX_ROWS
    expected = frame.head(previews.MAX_ROWS)
    assert [r[0] for r in result["rows"]] == list(expected["gene"])
    assert [r[1] for r in result["rows"]] == [str(v) for v in expected["count"]]


def test_csv_and_tsv_head_with_inferred_types(ln, tmp_path, frame, artifact_storage):
    path = unique(tmp_path, "table.csv")
    frame.to_csv(path, index=False)
    result = preview(ln.Artifact(path, key=f"previews/{path.parent.name}.csv").save())
    assert result["kind"] == "table" and result["format"] == "csv" and result["n_rows"] is None
    assert {c["name"]: c["type"] for c in result["columns"]} == {
        "gene": "string",
        "count": "int64",
        "score": "double",
        "kind": "string",
    }
    assert [r[0] for r in result["rows"]] == list(frame["gene"][: previews.MAX_ROWS])

    tsv = unique(tmp_path, "table.tsv")
    frame.to_csv(tsv, index=False, sep="\t")
    result = preview(ln.Artifact(tsv, key=f"previews/{tsv.parent.name}.tsv").save())
    assert result["format"] == "tsv" and result["rows"][3][0] == frame["gene"][3]


def test_a_gzip_bomb_csv_is_read_one_block_deep(ln, tmp_path):
    """64 MB of CSV in 0.1 MB of gzip: the preview decompresses the first block of rows, not the file."""
    import gzip

    path = unique(tmp_path, "bomb.csv.gz")
    with gzip.open(path, "wb", compresslevel=9) as file:
        file.write(f"a,b\n{uuid.uuid4().int % 10**9},0\n".encode())
        row = b"0,0\n" * 2**20
        for _ in range(16):
            file.write(row)
    assert path.stat().st_size < 2**20
    result = preview(ln.Artifact(path, key=f"previews/{path.parent.name}.csv.gz").save())
    assert (result["kind"], result["format"], result["n_rows"]) == ("table", "csv", None)
    assert len(result["rows"]) == previews.MAX_ROWS and result["rows"][1] == ["0", "0"]


def test_anndata_outline_read_lazily(ln, tmp_path, artifact_storage):
    import anndata as ad

    n_obs, n_vars = 300, 50
    obs = pd.DataFrame(
        {
            "cell_type": pd.Categorical([f"type {i % 25}" for i in range(n_obs)]),
            "donor": pd.Categorical(["d1", "d2", "d3"] * (n_obs // 3)),
            "n_genes": np.arange(n_obs),
        },
        index=[f"cell{i}" for i in range(n_obs)],
    )
    var = pd.DataFrame(index=[f"ENSG{i:011d}" for i in range(n_vars)])
    adata = ad.AnnData(np.random.default_rng(0).random((n_obs, n_vars), dtype="float32"), obs=obs, var=var)
    adata.obsm["X_umap"] = np.zeros((n_obs, 2))
    adata.uns["note"] = uuid.uuid4().hex
    path = unique(tmp_path, "cells.h5ad")
    adata.write_h5ad(path)
    result = preview(ln.Artifact(path, key=f"previews/{path.parent.name}.h5ad").save())
    assert result["kind"] == "anndata"
    assert (result["n_obs"], result["n_vars"]) == (n_obs, n_vars)
    assert result["x"] == {"format": "dense", "dtype": "float32"}
    columns = {c["name"]: c for c in result["obs"]}
    assert list(columns) == ["cell_type", "donor", "n_genes"]
    assert columns["cell_type"]["n_categories"] == 25
    assert len(columns["cell_type"]["categories"]) == previews.MAX_CATEGORIES
    assert columns["donor"]["categories"] == ["d1", "d2", "d3"]
    assert columns["n_genes"]["type"] == "int64"
    assert result["var_head"] == list(var.index[: previews.MAX_ROWS])
    assert result["keys"]["obsm"] == ["X_umap"] and result["keys"]["uns"] == ["note"]


def test_folder_lists_its_files(ln, tmp_path, artifact_storage, monkeypatch):
    folder = unique(tmp_path, "folder")
    (folder / "sub").mkdir(parents=True)
    (folder / "a.txt").write_text(uuid.uuid4().hex)
    (folder / "sub" / "b.csv").write_text("x\n1\n")
    artifact = ln.Artifact(folder, key=f"previews/{folder.parent.name}-folder").save()
    result = preview(artifact)
    assert result["kind"] == "folder" and result["more"] is False
    assert result["files"] == [{"name": "a.txt", "size": 32}, {"name": "sub/b.csv", "size": 4}]

    monkeypatch.setattr(previews, "MAX_FILES", 1)
    monkeypatch.setattr(previews, "VERSION", 1000 + uuid.uuid4().int % 1000)  # not the cached entry
    result = preview(artifact)
    assert result["files"] == [{"name": "a.txt", "size": 32}] and result["more"] is True


def test_other_suffixes_have_no_preview(ln, tmp_path):
    path = unique(tmp_path, "reads.fastq.gz")
    path.write_bytes(uuid.uuid4().bytes)
    result = preview(ln.Artifact(path, key=f"previews/{path.parent.name}.fastq.gz").save())
    assert result == {**result, "kind": "none", "message": "no preview for .fastq.gz files"}


def test_cached_by_content_hash(ln, tmp_path, frame):
    artifact = ln.Artifact.from_df(frame, key=f"previews/{uuid.uuid4().hex[:6]}.parquet").save()
    first, second = preview(artifact), preview(artifact)
    assert first["cached"] is False and second["cached"] is True
    assert {k: v for k, v in first.items() if k not in ("cached", "ms")} == {
        k: v for k, v in second.items() if k not in ("cached", "ms")
    }
    # the cache is bounded: writing past CACHE_BYTES drops the least recently used entries
    folder = previews.cache_dir() / "previews"
    entry = max(folder.glob("*.json"), key=lambda p: p.stat().st_mtime)
    assert entry.stat().st_size < 20_000


def test_the_cache_stays_within_its_size(ln, tmp_path, monkeypatch):
    monkeypatch.setattr(previews, "CACHE_BYTES", 30_000)
    for i in range(6):
        path = unique(tmp_path, f"t{i}.csv")
        path.write_text("a,b\n" + "\n".join(f"{uuid.uuid4().hex},{j}" for j in range(40)))
        preview(ln.Artifact(path, key=f"previews/{path.parent.name}.csv").save())
    folder = previews.cache_dir() / "previews"
    assert sum(p.stat().st_size for p in folder.glob("*.json")) <= 30_000


def test_large_files_are_read_within_the_byte_budget(ln, tmp_path, monkeypatch):
    """A 1.2 M-row parquet and a large h5ad preview while reading at most 2 MB; a CSV whose first block is
    over the budget (64 kB here) stops with one line."""
    import anndata as ad

    n = 1_200_000
    rng = np.random.default_rng(1)
    table = pa.table({"i": np.arange(n), "x": rng.random(n), "s": [f"s{i % 977}" for i in range(n)]})
    path = unique(tmp_path, "big.parquet")
    pq.write_table(table, path, row_group_size=n)  # one row group of every row
    assert path.stat().st_size > 8 * 2**20
    monkeypatch.setattr(previews, "MAX_BYTES", 2 * 2**20)
    result = preview(ln.Artifact(path, key=f"previews/{path.parent.name}.parquet").save())
    assert result["kind"] == "table" and result["n_rows"] == n
    assert [r[0] for r in result["rows"]] == [str(i) for i in range(previews.MAX_ROWS)]

    adata = ad.AnnData(rng.random((4000, 1000), dtype="float32"))
    h5ad = unique(tmp_path, "big.h5ad")
    adata.write_h5ad(h5ad)
    assert h5ad.stat().st_size > 15 * 2**20
    result = preview(ln.Artifact(h5ad, key=f"previews/{h5ad.parent.name}.h5ad").save())
    assert (result["kind"], result["n_obs"], result["n_vars"]) == ("anndata", 4000, 1000)

    monkeypatch.setattr(previews, "MAX_BYTES", 64 * 2**10)  # below the CSV reader's first block
    csv = unique(tmp_path, "wide.csv")
    csv.write_text("a,b\n" + "x" * 2**20 + f",{uuid.uuid4().int}\n")
    result = preview(ln.Artifact(csv, key=f"previews/{csv.parent.name}.csv").save())
    assert result["kind"] == "error"
    assert result["message"] == "the preview stopped after reading its budget of 64 kB"


def test_bad_and_hostile_files_give_one_line(ln, tmp_path, frame):
    def saved(name: str, data: bytes):
        path = unique(tmp_path, name)
        path.write_bytes(data)
        return ln.Artifact(path, key=f"previews/{path.parent.name}-{name}").save()

    buffer = io.BytesIO()
    frame.to_parquet(buffer)
    truncated = saved("truncated.parquet", buffer.getvalue()[: len(buffer.getvalue()) // 2])
    huge = saved("huge.png", png_header(100_000, 100_000))
    bomb = saved("bomb.png", png_header(8000, 6000))  # 48 M pixels: over the limit, under Pillow's
    not_hdf5 = saved("fake.h5ad", b"this is not HDF5 " + uuid.uuid4().bytes)
    not_anndata = saved("empty.h5ad", _hdf5_without_obs(tmp_path))
    not_image = saved("text.jpg", b"plain text " + uuid.uuid4().bytes)
    messages = {}
    for artifact in (truncated, huge, bomb, not_hdf5, not_anndata, not_image):
        result = preview(artifact)
        assert result["kind"] == "error", result
        assert "\n" not in result["message"] and len(result["message"]) <= 300
        messages[artifact.suffix + artifact.key.rsplit("-", 1)[1]] = result["message"]
    assert "Parquet" in messages[".parquettruncated.parquet"]
    assert "100000x100000 pixels" in messages[".pnghuge.png"] or "too large" in messages[".pnghuge.png"]
    assert messages[".pngbomb.png"].startswith("the image has 8000x6000 pixels, over the preview limit")
    assert messages[".h5adfake.h5ad"].startswith("cannot read the file:")
    assert messages[".h5adempty.h5ad"] == "not an AnnData file: it has no obs or var"
    assert messages[".jpgtext.jpg"].startswith("cannot read the file: cannot identify image file")


def _hdf5_without_obs(tmp_path) -> bytes:
    import h5py

    path = tmp_path / f"{uuid.uuid4().hex}.h5"
    with h5py.File(path, "w") as file:
        file["x"] = np.arange(3)
    return path.read_bytes()


def test_reads_stay_inside_the_storage_root(ln, tmp_path, frame):
    secret = tmp_path / "secret.csv"
    secret.write_text("password\nhunter2\n")
    path = unique(tmp_path, "t.csv")
    path.write_text(f"a\n{uuid.uuid4().hex}\n")
    artifact = ln.Artifact(path, key=f"previews/{path.parent.name}-link.csv").save()
    stored = artifact.path
    stored.unlink()
    stored.symlink_to(secret)  # the stored file swapped for a link out of the root
    result = preview(artifact)
    assert result["kind"] == "error" and "resolves outside the storage root" in result["message"]
    assert "hunter2" not in str(result)

    rows = ln.Artifact.all_objects.filter(pk=artifact.pk)
    rows.update(key="../../secret.csv", _key_is_virtual=False)
    result = preview(artifact)
    assert result["kind"] == "error" and "refusing the storage key" in result["message"]
    rows.update(key=f"previews/{path.parent.name}-link.csv", _key_is_virtual=True)
    stored.unlink()


def test_missing_file_and_missing_extra(ln, tmp_path, monkeypatch):
    path = unique(tmp_path, "gone.csv")
    path.write_text(f"a\n{uuid.uuid4().hex}\n")
    artifact = ln.Artifact(path, key=f"previews/{path.parent.name}-gone.csv").save()
    artifact.path.unlink()
    result = preview(artifact)
    assert result["kind"] == "error" and result["message"].startswith("the stored file is missing")
    artifact.path.write_text("a\n1\n")

    import importlib.util

    find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name in ("PIL", "h5py") else find_spec(name, *a)
    )
    image = unique(tmp_path, "x.png")
    Image.new("RGB", (4, 4), (uuid.uuid4().int % 256, 0, 0)).save(image)
    result = preview(ln.Artifact(image, key=f"previews/{image.parent.name}.png").save())
    assert result["kind"] == "unavailable"
    assert result["message"] == "image previews need Pillow: pip install 'lamin-widgets[jupyter]'"
    h5ad = unique(tmp_path, "x.h5ad")
    h5ad.write_bytes(uuid.uuid4().bytes)
    result = preview(ln.Artifact(h5ad, key=f"previews/{h5ad.parent.name}.h5ad").save())
    assert result["message"] == "anndata previews need h5py: pip install 'lamin-widgets[bionty]'"


def test_the_request_budget_stops_a_preview(ln, tmp_path, frame):
    """The time budget and cancellation reach the file reads: the request answers timeout, not a preview."""
    import anndata as ad

    h5ad = unique(tmp_path, "slow.h5ad")
    ad.AnnData(
        np.zeros((20, 5), dtype="float32"),
        obs=pd.DataFrame(
            {"c": pd.Categorical(["a"] * 20)}, index=[f"{uuid.uuid4().hex}{i}" for i in range(20)]
        ),
    ).write_h5ad(h5ad)
    artifact = ln.Artifact(h5ad, key=f"previews/{h5ad.parent.name}.h5ad").save()
    calls = []

    def check():  # a local h5ad is read by path: the budget is checked between its obs columns
        calls.append(1)
        raise Timeout("the request time limit was spent")

    with pytest.raises(Timeout):
        previews.preview_artifact(artifact, check)
    assert calls
    budget = Budget(10)
    budget.cancel()
    response = rpc(artifact.pk, budget=budget)
    assert response["ok"] is False and response["error"]["type"] == "cancelled"


def test_bad_requests(ln):
    label = ln.ULabel(name=f"preview-{uuid.uuid4().hex[:6]}").save()
    response = rpc(label.pk, registry="ULabel")
    assert response["error"] == {
        "type": "bad_request",
        "message": "preview: only artifacts have previews, not 'ULabel' records",
    }
    response = rpc(10**9)
    assert response["error"]["type"] == "not_found"
    assert response["error"]["message"] == f"preview: no visible Artifact record with id {10**9}"
    label.delete()
