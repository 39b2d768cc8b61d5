#!/usr/bin/env python
"""Search benchmark: `Registry.search()` at scale, lamin_core vs LaminDB on the same data.

    .venv/bin/python benchmarks/search_bench.py --n 100000 --cl --cl-terms /tmp/cl.tsv     # lamin_core
    .peer-venv/bin/python benchmarks/search_bench.py --impl lamindb --n 100000 --cl --cl-terms /tmp/cl.tsv
    .venv/bin/python benchmarks/search_bench.py --n 1000000                               # 1M artifacts
    .venv/bin/python benchmarks/search_bench.py --report                                  # search-results.md

(LaminDB's bionty downloads its ontologies, so the peer gets the Cell Ontology terms that the lamin_core
run wrote to `--cl-terms`: the same records, uids included.)

Each run creates a fresh SQLite instance (with bionty) in a temp dir under its own settings dir, bulk
inserts the registry workload's data — 5000 ULabels and N artifacts with keys
`project_{i%7}/batch_{(i//100)%50:02d}/sample_{i:07d}{suffix}`, generated exactly as
`../shared/bench/registry_bench.py` does (same seed, same uids) — and with `--cl` the whole Cell Ontology
into `bt.CellType` (`import_source()`), then times, in this process, one warm-up plus `--repeats` runs of:

  ulabel_search           list(ULabel.search("label 1"))
  artifact_search         list(Artifact.search("batch_07/sample_000077"))     narrow: 10 matches
  artifact_search_broad   list(Artifact.search("batch_07"))                    broad: N/50 matches, top 20
  artifact_search_typo    list(Artifact.search("batch_07/sampel_000077"))     a misspelling
  celltype_search_t_cell  list(bt.CellType.search("T cell"))
  celltype_search_public  each query of tests/data/search_relevance_public.tsv; median over the 30 medians

One JSON line per op goes to `--out` (default benchmarks/search-results.jsonl); `--report` turns the
latest line per (impl, n, op) into benchmarks/search-results.md.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "workload"))
from spec import Spec, artifact_row, generate  # noqa: E402  (the registry workload's data)

QUERIES = HERE.parent / "tests" / "data" / "search_relevance_public.tsv"
TARGETS = {  # docs/architecture.md / issue 6, median ms
    ("artifact_search", 100_000): 40,
    ("artifact_search_broad", 100_000): 40,
    ("artifact_search", 1_000_000): 100,
    ("artifact_search_broad", 1_000_000): 100,
    ("celltype_search_public", None): 10,
}
PUBLISHED = {  # ../shared/bench/peer-results.md (LaminDB 2.12, N = 100k)
    ("ulabel_search", 100_000): 8.7,
    ("artifact_search", 100_000): 137.3,
    ("artifact_search_broad", 100_000): 253.1,
}

# --- implementations ---------------------------------------------------------------------------------


def _model_init(model, fields):
    base = next(c for c in model.__mro__ if c.__name__ == "Model" and c.__module__ == "django.db.models.base")
    obj = model.__new__(model)
    base.__init__(obj, **fields)
    return obj


def init(impl: str, workdir: Path, db: str | None = None):
    os.chdir(workdir)
    storage = workdir / "storage"
    if impl == "lamin_core":
        import lamin_core as ln

        ln.setup.init(storage=str(storage), modules="bionty", db=db)
        import lamin_core.bionty as bt

        return ln, bt
    exe = Path(sys.executable).parent / "lamin"
    subprocess.run(
        [str(exe), "init", "--storage", str(storage), "--modules", "bionty"], check=True, capture_output=True
    )
    import bionty as bt
    import lamindb as ln

    instance = ln.setup.settings.instance
    if hasattr(instance, "_is_on_hub"):
        instance._is_on_hub = False
    return ln, bt


def populate(ln, spec: Spec) -> dict:
    timings = {}
    t = time.perf_counter()
    ln.ULabel.objects.bulk_create(
        [
            _model_init(ln.ULabel, {"uid": x["uid"], "name": x["name"], "created_at": x["created_at"]})
            for x in spec.labels
        ],
        batch_size=2000,
    )
    timings["labels_s"] = time.perf_counter() - t
    t = time.perf_counter()
    storage_id = ln.Storage.filter().first().id
    chunk = 50_000
    for start in range(0, len(spec.artifacts), chunk):
        objs = [
            _model_init(ln.Artifact, artifact_row(a, storage_id))
            for a in spec.artifacts[start : start + chunk]
        ]
        ln.Artifact.objects.bulk_create(objs, batch_size=2000)
    timings["artifacts_s"] = time.perf_counter() - t
    return timings


CL_COLUMNS = ["uid", "ontology_id", "name", "synonyms", "description"]


def load_cell_ontology(args, bt) -> None:
    """lamin_core: `import_source()` (offline, bundled), and write the terms to `--cl-terms` if given;
    lamindb (whose bionty downloads its sources): bulk-create the terms read from `--cl-terms`."""
    if args.impl == "lamin_core":
        bt.CellType.import_source()
        if args.cl_terms:
            rows = bt.CellType.filter().order_by("id").values_list(*CL_COLUMNS)
            with open(args.cl_terms, "w", newline="") as f:
                writer = csv.writer(f, delimiter="\t")
                writer.writerow(CL_COLUMNS)
                writer.writerows(rows)
        return
    if not args.cl_terms:
        raise SystemExit(
            "--impl lamindb --cl needs --cl-terms FILE (written by a lamin_core run with --cl-terms)"
        )
    with open(args.cl_terms, newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    records = [_model_init(bt.CellType, {k: (v or None) for k, v in row.items()}) for row in rows]
    bt.CellType.objects.bulk_create(records, batch_size=1000)


def timed(fn, repeats: int) -> tuple[list[float], object]:
    result = fn()  # warm-up
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - t) * 1000)
    return times, result


def run(args) -> list[dict]:
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix=f"search-bench-{args.impl}-{args.n}-")).resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    home = workdir / "home"
    home.mkdir(exist_ok=True)
    os.environ.update(
        {"HOME": str(home), "LAMIN_HOME": str(home / ".lamin"), "LAMIN_SETTINGS_DIR": str(home)}
    )
    try:
        started = time.perf_counter()
        ln, bt = init(args.impl, workdir, args.db)
        spec = generate(args.n)
        timings = populate(ln, spec)
        if args.cl:
            t = time.perf_counter()
            load_cell_ontology(args, bt)
            timings["cell_ontology_s"] = time.perf_counter() - t
        timings = {k: round(v, 2) for k, v in timings.items()}
        print(
            f"[{args.impl} n={args.n}] populated in {time.perf_counter() - started:.0f} s: {timings}",
            flush=True,
        )

        ops = [
            ("ulabel_search", 'list(ULabel.search("label 1"))', lambda: list(ln.ULabel.search("label 1"))),
            (
                "artifact_search",
                'list(Artifact.search("batch_07/sample_000077"))',
                lambda: list(ln.Artifact.search("batch_07/sample_000077")),
            ),
            (
                "artifact_search_broad",
                'list(Artifact.search("batch_07"))',
                lambda: list(ln.Artifact.search("batch_07")),
            ),
            (
                "artifact_search_typo",
                'list(Artifact.search("batch_07/sampel_000077"))',
                lambda: list(ln.Artifact.search("batch_07/sampel_000077")),
            ),
        ]
        if args.cl:
            ops.append(
                (
                    "celltype_search_t_cell",
                    'list(bt.CellType.search("T cell"))',
                    lambda: list(bt.CellType.search("T cell")),
                )
            )
        records = []
        for name, call, fn in ops:
            times, result = timed(fn, args.repeats)
            top = [getattr(r, "key", None) or getattr(r, "name", None) for r in result[:3]]
            records.append(_record(args, name, call, times, rows=len(result), top=top, populate=timings))
            print(
                f"  {name:24s} {statistics.median(times):9.2f} ms  rows={len(result)}  top={top}", flush=True
            )
        if args.cl:
            rows = list(csv.DictReader(QUERIES.open(), delimiter="\t"))
            medians, first = [], 0
            for row in rows:
                times, result = timed(lambda q=row["query"]: list(bt.CellType.search(q)), args.repeats)
                medians.append(statistics.median(times))
                first += bool(result) and result[0].ontology_id == row["expected_ontology_id"]
            call = (
                f"list(bt.CellType.search(q)) for the {len(rows)} public queries: median of per-query medians"
            )
            records.append(
                _record(
                    args,
                    "celltype_search_public",
                    call,
                    medians,
                    rows=len(rows),
                    rank1=first,
                    populate=timings,
                )
            )
            print(
                f"  celltype_search_public   {statistics.median(medians):9.2f} ms  "
                f"rank-1 {first}/{len(rows)} (max {max(medians):.1f} ms)",
                flush=True,
            )
        return records
    finally:
        os.chdir(HERE)
        if not args.keep and not args.workdir:
            shutil.rmtree(workdir, ignore_errors=True)


def _version(impl: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    names = ["lamin-widgets"] if impl == "lamin_core" else ["lamindb", "bionty"]
    out = []
    for name in names:
        with contextlib.suppress(PackageNotFoundError):
            out.append(f"{name}=={version(name)}")
    return " ".join(out)


def _record(args, op, call, times, **extra) -> dict:
    import sqlite3

    return {
        "impl": args.impl,
        "version": _version(args.impl),
        "n": args.n,
        "op": op,
        "call": call,
        "database": "postgresql" if args.db else "sqlite",
        "median_ms": round(statistics.median(times), 3),
        "min_ms": round(min(times), 3),
        "max_ms": round(max(times), 3),
        "times_ms": [round(t, 3) for t in times],
        "ts": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "machine": f"{platform.machine()} {os.cpu_count()} cpus",
        **extra,
    }


# --- report --------------------------------------------------------------------------------------------


def report(path: Path) -> str:
    records = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    latest: dict[tuple, dict] = {}
    postgres: dict[tuple, dict] = {}
    for r in records:
        table = latest if r.get("database", "sqlite") == "sqlite" else postgres
        key = (r["impl"], r["n"], r["op"])
        if key not in table or r["ts"] >= table[key]["ts"]:
            table[key] = r
    ops = [
        "ulabel_search",
        "artifact_search",
        "artifact_search_broad",
        "artifact_search_typo",
        "celltype_search_t_cell",
        "celltype_search_public",
    ]
    lines = [
        "# Search benchmark",
        "",
        "Generated by `benchmarks/search_bench.py --report` from `search-results.jsonl`. Median ms of 1",
        "warm-up + N repeats in one process; SQLite; fresh instance per run; same data for both.",
        "",
        "| operation | artifacts | lamin_core ms | min-max | LaminDB ms | ratio | target ms | met? | rows |",
        "|---|---:|---:|---:|---:|---:|---:|:---:|---|",
    ]
    sizes = sorted({n for (_, n, _) in latest})
    for op in ops:
        for n in sizes:
            core = latest.get(("lamin_core", n, op))
            peer = latest.get(("lamindb", n, op))
            if core is None and peer is None:
                continue
            peer_ms, peer_cell = None, "-"
            if peer is not None:
                peer_ms, peer_cell = peer["median_ms"], f"{peer['median_ms']:.1f} (measured)"
            elif (op, n) in PUBLISHED:
                peer_ms = PUBLISHED[(op, n)]
                peer_cell = f"{peer_ms:.1f} (published)"
            target = TARGETS.get((op, n), TARGETS.get((op, None)))
            core_ms = core["median_ms"] if core else None
            rows = core.get("rows") if core else None
            if core and "rank1" in core:
                rows = f"rank-1 {core['rank1']}/{core['rows']}" + (
                    f" (LaminDB {peer['rank1']}/{peer['rows']})" if peer and "rank1" in peer else ""
                )
            lines.append(
                "| `{}` | {:,} | {} | {} | {} | {} | {} | {} | {} |".format(
                    op,
                    n,
                    f"**{core_ms:.2f}**" if core_ms is not None else "-",
                    f"{core['min_ms']:.1f}-{core['max_ms']:.1f}" if core else "-",
                    peer_cell,
                    f"{core_ms / peer_ms:.2g}" if core_ms and peer_ms else "-",
                    f"≤ {target}" if target else "-",
                    ("yes" if core_ms <= target else "**no**") if core_ms is not None and target else "-",
                    rows if rows is not None else "-",
                )
            )
    if postgres:
        lines += [
            "",
            "The same operations on PostgreSQL (lamin_core only, `scripts/pg-test-server.sh`'s server):",
            "",
            "| operation | artifacts | lamin_core ms | min-max | rows |",
            "|---|---:|---:|---:|---|",
        ]
        for op in ops:
            for (_, n, name), r in sorted(postgres.items()):
                if name == op:
                    rows = f"rank-1 {r['rank1']}/{r['rows']}" if "rank1" in r else r.get("rows")
                    spread = f"{r['min_ms']:.1f}-{r['max_ms']:.1f}"
                    lines.append(f"| `{op}` | {n:,} | **{r['median_ms']:.2f}** | {spread} | {rows} |")
    lines += ["", "Calls: " + "; ".join(sorted({f"`{r['op']}`: `{r['call']}`" for r in latest.values()})), ""]
    machine = next(iter(latest.values()), {})
    lines.append(
        f"Machine: {machine.get('machine', '?')}, Python {machine.get('python', '?')}, "
        f"SQLite {machine.get('sqlite', '?')}; versions: "
        + "; ".join(sorted({r["version"] for r in latest.values() if r.get("version")}))
    )
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--impl", choices=["lamin_core", "lamindb"], default="lamin_core")
    ap.add_argument("--n", type=int, default=100_000, help="number of artifacts")
    ap.add_argument("--cl", action="store_true", help="load the Cell Ontology and time bt.CellType.search")
    ap.add_argument(
        "--cl-terms", type=Path, default=None, help="TSV of Cell Ontology terms (see load_cell_ontology)"
    )
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--db", default=None, help="lamin_core only: a PostgreSQL URL of an empty database")
    ap.add_argument("--out", type=Path, default=HERE / "search-results.jsonl")
    ap.add_argument("--workdir", default=None, help="instance dir (default: a temp dir, deleted afterwards)")
    ap.add_argument("--keep", action="store_true", help="keep the temp instance dir")
    ap.add_argument("--report", action="store_true", help="write search-results.md from --out and exit")
    args = ap.parse_args(argv)
    if args.report:
        text = report(args.out)
        (HERE / "search-results.md").write_text(text)
        print(text)
        return 0
    records = run(args)
    with args.out.open("a") as f:
        for record in records:
            f.write(json.dumps(record, sort_keys=True) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
