#!/usr/bin/env python
"""Record-page previews (issue 22, item 1): the time of the `preview` method, cold and cached, per kind.

    .venv/bin/python benchmarks/preview_bench.py            # writes benchmarks/PREVIEWS.md
    .venv/bin/python benchmarks/preview_bench.py --rounds 3 --out /tmp/previews.md

A fresh SQLite instance in a temp folder (its own LAMIN_HOME) on local storage holds the files below.
Each round, per file: the preview cache is emptied, then `preview` is served as a widget or the sidebar
asks for it (`handle()` under a request budget, the record's query included) once "cold" (read from the
file; the OS has the file in its page cache after the first round) and once "cached" (the entry for its
content hash). The report gives the median of the rounds, the bytes of the file and of the answer.
Targets (issue 22): local storage <= 300 ms cold, <= 30 ms cached.

`--s3` also stores the files in a bucket of moto's S3 server (started here on 127.0.0.1, from this venv)
and times the same: the reads there are HTTP range requests of 1 MB blocks, on the loopback interface
(no network latency: a real bucket adds a round trip per block).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
TARGETS = {"cold_ms": 300, "cached_ms": 30}


def make_files(folder: Path, ln) -> dict[str, Path]:
    """The benchmark's files: the guide's jpg, a camera-sized JPEG, a PNG, the guide's iris parquet, a
    200 000-row parquet and CSV, the guide's small h5ad and a 20 000 x 2 000 sparse h5ad."""
    import anndata as ad
    import numpy as np
    import pandas as pd
    import scipy.sparse as sp
    from PIL import Image

    rng = np.random.default_rng(0)
    files = {}
    os.chdir(folder)
    files["guide jpg (29 kB)"] = Path(ln.core.datasets.file_jpg_paradisi05())
    y, x = np.mgrid[0:3000, 0:4000]
    photo = np.stack([(x % 256), (y % 256), ((x + y) % 256)], axis=-1).astype("uint8")
    photo = (photo + rng.integers(0, 24, photo.shape, dtype="uint8")).astype("uint8")
    files["JPEG 4000x3000"] = folder / "photo.jpg"
    Image.fromarray(photo).save(files["JPEG 4000x3000"], quality=90)
    files["PNG 1024x1024"] = folder / "plot.png"
    Image.fromarray(photo[:1024, :1024]).save(files["PNG 1024x1024"])
    files["iris parquet"] = folder / "iris.parquet"
    ln.core.datasets.df_iris().to_parquet(files["iris parquet"])
    n = 200_000
    frame = pd.DataFrame(
        {
            "id": np.arange(n),
            "gene": [f"ENSG{i:011d}" for i in range(n)],
            "score": rng.random(n),
            "group": pd.Categorical(rng.choice(["a", "b", "c"], n)),
        }
    )
    files["parquet 200k rows"] = folder / "big.parquet"
    frame.to_parquet(files["parquet 200k rows"])
    files["CSV 200k rows"] = folder / "big.csv"
    frame.to_csv(files["CSV 200k rows"], index=False)
    from lamin_core.examples.datasets.mini_immuno import get_dataset1

    files["guide h5ad (dataset1)"] = folder / "dataset1.h5ad"
    get_dataset1(otype="AnnData").write_h5ad(files["guide h5ad (dataset1)"])
    obs = pd.DataFrame(
        {"cell_type": pd.Categorical(rng.choice([f"type {i}" for i in range(40)], 20_000))},
        index=[f"cell{i}" for i in range(20_000)],
    )
    matrix = sp.random(20_000, 2_000, density=0.05, format="csr", dtype="float32", random_state=0)
    files["h5ad 20k x 2k sparse"] = folder / "big.h5ad"
    ad.AnnData(matrix, obs=obs).write_h5ad(files["h5ad 20k x 2k sparse"])
    return files


S3_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_EC2_METADATA_DISABLED": "true",
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
}


def moto_root() -> tuple[subprocess.Popen, str]:
    """moto's S3 server on a free port, with a new bucket: the process and `s3://<bucket>/data`."""
    import urllib.request

    from harness.local_servers import free_port

    port = free_port()
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(endpoint + "/moto-api/", timeout=1).close()
            break
        except OSError:
            time.sleep(0.1)
    os.environ.update(S3_ENV, AWS_ENDPOINT_URL=endpoint)
    import s3fs

    from lamin_core.storage.filesystem import s3_options

    s3fs.S3FileSystem(**s3_options()).mkdir("preview-bench")
    return server, "s3://preview-bench/data"


def run(rounds: int, s3: bool = False) -> dict:
    tmp = Path(tempfile.mkdtemp(prefix="preview-bench-"))
    os.environ["LAMIN_HOME"] = str(tmp / "home")
    (tmp / "home").mkdir()
    (tmp / "home" / "user.json").write_text(
        json.dumps({"uid": "DzTjkKse", "handle": "testuser1", "name": "Test User1"})
    )
    import lamin_core as ln

    ln.setup.init(storage=tmp / "storage")
    (tmp / "files").mkdir()
    files = make_files(tmp / "files", ln)
    rows = timed(ln, files, "", rounds)
    if s3:
        server, root = moto_root()
        try:
            ln.settings.storage = root
            rows += timed(ln, files, "S3: ", rounds)
        finally:
            server.terminate()
            server.wait()
    shutil.rmtree(tmp, ignore_errors=True)
    return {"rows": rows, "rounds": rounds}


def timed(ln, files: dict[str, Path], prefix: str, rounds: int) -> list[dict]:
    """Save the files in the default storage, time their previews, delete them (records and files)."""
    from lamin_core.artifacts import preview as previews
    from lamin_widgets.protocol import Budget, handle

    artifacts = {
        prefix + name: ln.Artifact(path, key=f"bench/{path.name}").save() for name, path in files.items()
    }
    times: dict[str, dict[str, list[float]]] = {name: {"cold": [], "cached": []} for name in artifacts}
    answers = {}

    def served(artifact) -> tuple[float, dict]:
        request = {"id": 1, "kind": "lamin-rpc", "method": "preview", "params": {"registry": "Artifact"}}
        request["params"]["id"] = artifact.pk
        started = time.perf_counter()
        response, _ = handle(request, budget=Budget(10))
        ms = (time.perf_counter() - started) * 1000
        assert response["ok"] and response["result"]["kind"] not in ("error", "unavailable"), response
        return ms, response

    for _ in range(rounds):
        for name, artifact in artifacts.items():
            shutil.rmtree(previews.cache_dir() / "previews", ignore_errors=True)
            cold, response = served(artifact)
            cached, again = served(artifact)
            assert not response["result"]["cached"] and again["result"]["cached"]
            times[name]["cold"].append(cold)
            times[name]["cached"].append(cached)
            answers[name] = (response["result"]["kind"], len(json.dumps(response)))
    rows = [
        {
            "file": name,
            "kind": answers[name][0],
            "sizes": artifact.size,
            "answer_bytes": answers[name][1],
            "cold_ms": statistics.median(times[name]["cold"]),
            "cached_ms": statistics.median(times[name]["cached"]),
            "cold_max_ms": max(times[name]["cold"]),
        }
        for name, artifact in artifacts.items()
    ]
    for artifact in artifacts.values():
        artifact.delete(permanent=True, storage=True)
    return rows


def report(result: dict, load_before: str, load_after: str) -> str:
    lines = [
        "# Record-page previews: cold and cached",
        "",
        f"`benchmarks/preview_bench.py`, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {result['rounds']} rounds, "
        "SQLite instance on local storage (and, for the S3 rows, moto's S3 server). Median (and max) ms "
        "of one `preview` request served as the "
        "sidebar and the widgets ask for it (`handle()` under a request budget, the record's query "
        "included); cold: preview cache emptied (the file itself is in the OS page cache after the first "
        "round), cached: the entry of the content hash.",
        "",
        f"Targets (issue 22): <= {TARGETS['cold_ms']} ms cold, <= {TARGETS['cached_ms']} ms cached.",
        "",
        "| file | kind | file size | answer (JSON) | cold median (max) ms | cached median ms |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for row in result["rows"]:
        lines.append(
            f"| {row['file']} | {row['kind']} | {row['sizes'] / 1e6:.2f} MB "
            f"| {row['answer_bytes'] / 1e3:.1f} kB | {row['cold_ms']:.1f} ({row['cold_max_ms']:.1f}) "
            f"| {row['cached_ms']:.2f} |"
        )
    lines += [
        "",
        "The machine has 2 cores shared by 4 sessions: figures are noisy. Load (`uptime`) before and after:",
        "",
        f"    {load_before}",
        f"    {load_after}",
        "",
        "S3 rows (`--s3`): moto's server on 127.0.0.1; the reads are HTTP range requests of 1 MB blocks",
        "(parquet footer and first pages, the CSV's first block, the h5ad's metadata), nothing downloaded",
        "whole. A real bucket adds its round trip per block: a JPEG of 4.7 MB is 5 blocks.",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--out", type=Path, default=HERE / "PREVIEWS.md")
    parser.add_argument("--s3", action="store_true", help="also on moto's S3 server")
    args = parser.parse_args()
    load_before = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    result = run(args.rounds, args.s3)
    load_after = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    args.out.write_text(report(result, load_before, load_after))
    print(args.out.read_text())


if __name__ == "__main__":
    sys.exit(main())
