#!/usr/bin/env python
"""Public ontology search: latency and relevance, before and after a change, in the same run (issue 24).

    .venv/bin/python benchmarks/ontology_search_bench.py --before 1404b3f      # runs, then writes the report
    .venv/bin/python benchmarks/ontology_search_bench.py --report              # ONTOLOGY-SEARCH.md only

`--before` names a commit: its `lamin_core` is extracted (`git archive`) to a temp dir and imported from
there; "after" is this checkout's. Each implementation gets its own settings dir (`LAMIN_HOME`: its own
cache of public sources) and its own SQLite instance with bionty. Then, `--rounds` times, the two take
turns (who goes first alternates), one fresh worker process per implementation and round:

- first search: one fresh process per registry times `bt.X.public(...).search(q)` once, right after
  `import lamin_core.bionty` and connecting (what a notebook's first search of that registry costs). The
  first registry of a process also pays for what all share (importing pandas, the `bt.Source` rows), so
  each process first searches another registry untimed (the Cell Ontology; for it, UBERON). "after"
  reads the index from its cache file, which `init --modules bionty` wrote; "before" builds its index in
  memory on every first search.
- first-ever search ("after" only): the same, in a process whose cache folder
  (`LAMIN_CORE_CACHE_DIR`) is empty, so that this search reads and indexes the source and writes its
  file: what a first search costs where nothing was built ahead (another species' genes, a deleted
  cache).
- init: `ln.setup.init(modules="bionty")` timed inside its process, for "before", for "after" with an
  empty cache folder (it indexes the sources a first search needs) and for "after" again with them.
- per query: every query of tests/data/search_relevance_public.tsv (Cell Ontology) and
  tests/data/search_relevance_ontologies.tsv (UBERON, MONDO, human genes): one warm-up, then `--repeats`
  timed `search(q)` calls (limit 20, the default); the median per query. Per registry the report gives
  the median, 90th percentile and maximum of the per-query medians (over all rounds), and top-1 / top-5 of
  `search(q, limit=5)`.

Raw lines go to `--out` (benchmarks/ontology-search-results.jsonl, appended, one run id per invocation);
`--report` writes benchmarks/ONTOLOGY-SEARCH.md from the latest run.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DATA = ROOT / "tests" / "data"
REGISTRIES = {"CellType": {}, "Tissue": {}, "Disease": {}, "Gene": {"organism": "human"}}
SOURCES = {"CellType": "CL", "Tissue": "UBERON", "Disease": "MONDO", "Gene": "human genes (GENCODE v48)"}
FIRST_QUERY = {"CellType": "T cell", "Tissue": "liver", "Disease": "asthma", "Gene": "TP53"}
TARGETS = {"median_ms": 10, "first_ms": 200}  # issue 24


def queries() -> list[dict]:
    rows = []
    for row in csv.DictReader((DATA / "search_relevance_public.tsv").open(), delimiter="\t"):
        rows.append({"registry": "CellType", "expected_id": row["expected_ontology_id"], **row})
    rows += list(csv.DictReader((DATA / "search_relevance_ontologies.tsv").open(), delimiter="\t"))
    return rows


# --- worker (runs inside one implementation) ---------------------------------------------------------


def _connect(home: Path, storage: Path):
    """bionty of the instance at `storage`, created by the first worker ("init"); later workers find it
    as the current instance of `home`."""
    os.environ["LAMIN_HOME"] = str(home)
    import lamin_core as ln

    if not (storage / ".lamindb").exists():
        ln.setup.init(storage=str(storage), modules="bionty")
    import lamin_core.bionty as bt

    return bt


def worker_init(args) -> dict:
    """`init(modules="bionty")` timed, and the part of it that prepares the modules (after only: the
    public sources' cache files, built or checked)."""
    os.environ["LAMIN_HOME"] = str(args.home)
    import lamin_core as ln
    from lamin_core.setup import instance

    prepare = getattr(instance, "_prepare_modules", None)
    spent = []
    if prepare is not None:

        def timed(settings):
            t = time.perf_counter()
            prepare(settings)
            spent.append((time.perf_counter() - t) * 1000)

        instance._prepare_modules = timed
    t = time.perf_counter()
    ln.setup.init(storage=str(args.storage), modules="bionty")
    return {"ms": (time.perf_counter() - t) * 1000, "prepare_ms": spent[0] if spent else None}


def worker_first(args) -> dict:
    """One first search of `args.registry` in this fresh process."""
    bt = _connect(Path(args.home), Path(args.storage))
    prime = "Tissue" if args.registry == "CellType" else "CellType"
    getattr(bt, prime).public().search(FIRST_QUERY[prime])  # imports and caches all share, untimed
    registry = getattr(bt, args.registry)
    t = time.perf_counter()
    registry.public(**REGISTRIES[args.registry]).search(FIRST_QUERY[args.registry])
    return {"first_ms": (time.perf_counter() - t) * 1000}


def timed_query(row: dict, search, top5_ids, repeats: int) -> dict:
    """One query of the relevance files: a warm-up, the median of `repeats` timed `search(q)` calls (ms),
    and whether `top5_ids(q)` (the ids of the five best) has the expected id first / among them."""
    search(row["query"])  # warm-up
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        search(row["query"])
        times.append((time.perf_counter() - t) * 1000)
    top5 = top5_ids(row["query"])
    return {
        "query": row["query"],
        "kind": row["kind"],
        "median_ms": statistics.median(times),
        "top1": top5[:1] == [row["expected_id"]],
        "top5": row["expected_id"] in top5,
    }


def worker_queries(args) -> dict:
    bt = _connect(Path(args.home), Path(args.storage))
    out: dict[str, list] = {}
    for row in queries():
        public = getattr(bt, row["registry"]).public(**REGISTRIES[row["registry"]])
        result = timed_query(
            row,
            public.search,
            lambda q, public=public: public.search(q, limit=5).index.tolist(),
            args.repeats,
        )
        out.setdefault(row["registry"], []).append(result)
    return out


def worker_registry(args) -> dict:
    """Registry search (saved records): every source imported into a fresh instance on `args.db`, then
    the queries through `bt.X.search(q)` (the database index), timed like the public ones."""
    os.environ["LAMIN_HOME"] = args.home
    import lamin_core as ln

    ln.setup.init(storage=args.storage, modules="bionty", db=args.db or None)
    import lamin_core.bionty as bt

    imported = {}
    for name, kwargs in REGISTRIES.items():
        t = time.perf_counter()
        getattr(bt, name).import_source(**kwargs)
        imported[name] = time.perf_counter() - t
    out: dict[str, list] = {}
    for row in queries():
        model = getattr(bt, row["registry"])
        id_field = model._ontology_id_field
        result = timed_query(
            row,
            lambda q, model=model: list(model.search(q)),
            lambda q, model=model, id_field=id_field: list(
                model.search(q, limit=5).values_list(id_field, flat=True)
            ),
            args.repeats,
        )
        out.setdefault(row["registry"], []).append(result)
    return {"import_s": imported, "queries": out}


def worker_cold(args) -> dict:
    """One first-ever search of `args.registry` (after only): the cache folder is empty (the driver gives
    this process a new one), so the search reads and indexes its source; the other registry searched
    first, untimed, pays the shared imports."""
    return worker_first(args)


# --- driver -------------------------------------------------------------------------------------------


def _run_worker(impl: dict, mode: str, extra: list[str] = (), cache: str | None = None) -> dict:
    env = {**os.environ, "PYTHONPATH": impl["path"], "LAMIN_CORE_CACHE_DIR": cache or impl["cache"]}
    env.pop("LAMIN_TEST_DB", None)
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--worker",
        mode,
        "--home",
        impl["home"],
        "--storage",
        impl["storage"],
        *extra,
    ]
    done = subprocess.run(command, env=env, cwd=tempfile.gettempdir(), capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{impl['name']} {mode} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def run(args) -> list[dict]:
    workdir = Path(tempfile.mkdtemp(prefix="ontology-search-bench-"))
    before_path = workdir / "before"
    before_path.mkdir()
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", args.before, "lamin_core"], check=True, capture_output=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(before_path)], input=archive, check=True)
    impls = [
        {"name": "before", "commit": args.before, "path": str(before_path)},
        {"name": "after", "commit": _head(), "path": str(ROOT)},
    ]
    for impl in impls:
        impl["home"] = _home(workdir / f"home-{impl['name']}")
        impl["storage"] = str(workdir / f"instance-{impl['name']}")
        impl["cache"] = str(workdir / f"cache-{impl['name']}")  # this run's own: no file of the user's
    run_id = uuid.uuid4().hex[:12]
    lines = []

    def record(impl, op, **fields):
        line = {"run_id": run_id, "impl": impl["name"], "commit": impl["commit"], "op": op, **fields}
        lines.append(line)
        with open(args.out, "a") as f:  # as it comes: a failure later keeps what was measured
            f.write(json.dumps(line) + "\n")
        print(impl["name"], op, fields.get("registry", ""), f"round {fields.get('round', '-')}", flush=True)

    for impl in impls:  # "after": with an empty cache folder, so it indexes the sources
        record(impl, "init", **_run_worker(impl, "init"))
    again = {
        **impls[1],
        "home": _home(workdir / "home-after-again"),
        "storage": str(workdir / "instance-again"),
    }
    record(impls[1], "init_again", **_run_worker(again, "init"))
    for round_ in range(args.rounds):
        order = impls if round_ % 2 == 0 else impls[::-1]
        for impl in order:
            for registry in REGISTRIES:
                first = _run_worker(impl, "first", ["--for-registry", registry])["first_ms"]
                record(impl, "first_search", registry=registry, round=round_, ms=first)
        for registry in REGISTRIES:
            empty = tempfile.mkdtemp(prefix="cold-cache-", dir=workdir)
            cold = _run_worker(impls[1], "cold", ["--for-registry", registry], cache=empty)["first_ms"]
            record(impls[1], "first_ever_search", registry=registry, round=round_, ms=cold)
        for impl in order:
            for registry, rows in _run_worker(impl, "queries", ["--repeats", str(args.repeats)]).items():
                record(impl, "queries", registry=registry, round=round_, rows=rows)
    for db in [d for d in args.registry_dbs.split(",") if d]:
        url = _new_database(args.pg_url) if db == "postgresql" else ""
        impl = {**impls[1], "storage": str(workdir / f"registry-{db}")}
        result = _run_worker(impl, "registry", ["--db", url, "--repeats", str(args.repeats)])
        for registry, rows in result["queries"].items():
            record(impl, "registry_queries", db=db, registry=registry, rows=rows, import_s=result["import_s"])
    meta = {
        "run_id": run_id,
        "op": "meta",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()} {os.cpu_count()} cpus, Python {platform.python_version()}",
        "load": os.getloadavg(),
        "rounds": args.rounds,
        "repeats": args.repeats,
    }
    lines.append(meta)
    with open(args.out, "a") as f:
        f.write(json.dumps(meta) + "\n")
    return lines


def _home(path: Path) -> str:
    path.mkdir()
    (path / "user.json").write_text(
        json.dumps({"uid": "DzTjkKse", "handle": "testuser1", "name": "Test User1"})
    )
    return str(path)


def _new_database(server: str | None) -> str:
    import psycopg

    if not server:
        raise SystemExit("--registry postgresql needs --pg-url (e.g. scripts/pg-test-server.sh url)")
    name = f"lamin_ontology_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return server.rsplit("/", 1)[0] + "/" + name


def _head() -> str:
    return subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], check=True, capture_output=True, text=True
    ).stdout.strip()


def _p90(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.9 * (len(ordered) - 1)))]


def report(path: Path) -> str:
    lines = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    metas = [line for line in lines if line["op"] == "meta"]
    if not metas:
        raise SystemExit(f"no complete run in {path}")
    meta = metas[-1]
    mine = [line for line in lines if line.get("run_id") == meta["run_id"]]
    commits = {line["impl"]: line["commit"] for line in mine if "commit" in line}
    out = [
        "# Public ontology search: before and after (issue 24)",
        "",
        f"Generated by `benchmarks/ontology_search_bench.py` on {meta['date']} ({meta['machine']}; load "
        f"average at the end {', '.join(f'{x:.1f}' for x in meta['load'])}: the machine is shared, so "
        "absolute times carry noise; both columns come from the same run, the implementations taking turns).",
        f"Before: `{commits.get('before')}`, after: `{commits.get('after')}` (and the working tree's "
        "changes to the search code, if any).",
        "",
        f"**Per query**: median of {meta['repeats']} timed `bt.X.public(...).search(q)` calls (limit 20) "
        f"after a warm-up, per query and round ({meta['rounds']} rounds); below, the median / 90th percentile"
        " / maximum of those per-query medians. Queries: the relevance files' (tests/data/).",
        "",
        "| registry (source) | queries | before: median / p90 / max ms | after: median / p90 / max ms |"
        " target median | met? | before top-1 / top-5 | after top-1 / top-5 |",
        "|---|---:|---:|---:|---:|:---:|---:|---:|",
    ]
    for registry in REGISTRIES:
        cells = {}
        for impl in ("before", "after"):
            rounds = [
                x for x in mine if x["op"] == "queries" and x["impl"] == impl and x["registry"] == registry
            ]
            medians = [row["median_ms"] for x in rounds for row in x["rows"]]
            rows = rounds[-1]["rows"] if rounds else []
            cells[impl] = (
                (statistics.median(medians), _p90(medians), max(medians)) if medians else None,
                sum(r["top1"] for r in rows),
                sum(r["top5"] for r in rows),
                len(rows),
            )
        (before, b1, b5, n), (after, a1, a5, _) = cells["before"], cells["after"]
        met = "yes" if after and after[0] <= TARGETS["median_ms"] else "no"
        out.append(
            f"| {registry} ({SOURCES[registry]}) | {n} | "
            + (" / ".join(f"{v:.1f}" for v in before) if before else "-")
            + " | **"
            + (" / ".join(f"{v:.1f}" for v in after) if after else "-")
            + f"** | ≤ {TARGETS['median_ms']} | {met} | {b1} / {b5} | **{a1} / {a5}** |"
        )
    out += [
        "",
        "**First search** of a registry in a fresh process (`import lamin_core.bionty`, connected, another "
        "registry searched first so that shared imports are paid): "
        f"median over {meta['rounds']} rounds of one process each. Before builds the index on that search. "
        "After reads it from the source's cache file (per user, shared by every instance: "
        "`~/.cache/lamin-core/public-search/`, here a folder of this run), which `init --modules bionty` "
        "wrote. First-ever: after, in a process whose cache folder is empty, so that this search reads and "
        "indexes the source and writes its file (what a user meets only for sources `init` does not index: "
        "other species' genes, older releases, or a deleted cache).",
        "",
        "| registry | before ms | after ms | target | met? | after, first-ever (no cache file) ms |",
        "|---|---:|---:|---:|:---:|---:|",
    ]

    def median_ms(op: str, impl: str, registry: str) -> float:
        values = [
            x["ms"] for x in mine if x["op"] == op and x["impl"] == impl and x.get("registry") == registry
        ]
        return statistics.median(values) if values else float("nan")

    for registry in REGISTRIES:
        before = median_ms("first_search", "before", registry)
        after = median_ms("first_search", "after", registry)
        met = "yes" if after <= TARGETS["first_ms"] else "no"
        out.append(
            f"| {registry} | {before:.0f} | **{after:.0f}** | ≤ {TARGETS['first_ms']} | {met} | "
            f"{median_ms('first_ever_search', 'after', registry):.0f} |"
        )
    inits = {(x["impl"], x["op"]): x for x in mine if x["op"] in ("init", "init_again")}
    if inits:
        nan = {"ms": float("nan")}
        before, first, again = (
            inits.get(k, nan) for k in [("before", "init"), ("after", "init"), ("after", "init_again")]
        )

        def prepared(x: dict) -> str:
            return "-" if x.get("prepare_ms") is None else f"{x['prepare_ms']:.0f}"

        out += [
            "",
            '**`ln.setup.init(modules="bionty")`**, timed inside its process (one run each), and the part '
            "of it that prepares the module (`Plugin.prepare`: the public sources' cache files):",
            "",
            "| init | ms | of which preparing the sources, ms |",
            "|---|---:|---:|",
            f"| before | {before['ms']:.0f} | {prepared(before)} |",
            "| after, first on the machine (empty cache folder: it indexes the 12 sources a first search "
            "needs, every currently used ontology and the human and mouse genes, in worker processes) | "
            f"{first['ms']:.0f} | {prepared(first)} |",
            f"| after, every later instance (the files are there: checked) | {again['ms']:.0f} | "
            f"{prepared(again)} |",
        ]
    registry_lines = [x for x in mine if x["op"] == "registry_queries"]
    if registry_lines:
        out += [
            "",
            "**Registry search** of saved records (after only): every source imported into its registry "
            "(`import_source()`), then `list(bt.X.search(q))` (limit 20) timed like the public search, and "
            "top-1 / top-5 of `bt.X.search(q, limit=5)`.",
            "",
            "| database | registry | median / p90 / max ms | top-1 / top-5 | import s |",
            "|---|---|---:|---:|---:|",
        ]
        for x in registry_lines:
            medians = [row["median_ms"] for row in x["rows"]]
            top1 = sum(r["top1"] for r in x["rows"])
            top5 = sum(r["top5"] for r in x["rows"])
            seconds = x["import_s"][x["registry"]]
            out.append(
                f"| {x['db']} | {x['registry']} | {statistics.median(medians):.1f} / {_p90(medians):.1f} / "
                f"{max(medians):.1f} | {top1} / {top5} of {len(x['rows'])} | {seconds:.0f} |"
            )
    slowest = sorted(
        (
            (row["median_ms"], x["registry"], row["query"], row["kind"])
            for x in mine
            if x["op"] == "queries" and x["impl"] == "after"
            for row in x["rows"]
        ),
        reverse=True,
    )[:8]
    out += [
        "",
        "Slowest queries after (per-query medians of any round):",
        "",
        *(f"- {ms:.1f} ms: {registry} `{query}` ({kind})" for ms, registry, query, kind in slowest),
        "",
    ]
    return "\n".join(out)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--before", help="the commit to compare with (its lamin_core)")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--out", type=Path, default=HERE / "ontology-search-results.jsonl")
    ap.add_argument("--report", action="store_true", help="write ONTOLOGY-SEARCH.md from --out and exit")
    ap.add_argument(
        "--registry",
        dest="registry_dbs",
        default="",
        help="also time registry search of saved records (after only): sqlite, postgresql or both (comma)",
    )
    ap.add_argument("--pg-url", default=None, help="PostgreSQL server for --registry postgresql")
    ap.add_argument("--db", help=argparse.SUPPRESS)
    ap.add_argument(
        "--worker", choices=["init", "first", "queries", "cold", "registry"], help=argparse.SUPPRESS
    )
    ap.add_argument("--home", help=argparse.SUPPRESS)
    ap.add_argument("--storage", help=argparse.SUPPRESS)
    ap.add_argument("--for-registry", dest="registry", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        workers = {
            "init": worker_init,
            "first": worker_first,
            "queries": worker_queries,
            "cold": worker_cold,
            "registry": worker_registry,
        }
        result = workers[args.worker](args)
        print(json.dumps(result))
        return 0
    if not args.report:
        if not args.before:
            ap.error("--before COMMIT is needed to run (or --report)")
        run(args)
    (HERE / "ONTOLOGY-SEARCH.md").write_text(report(args.out))
    print(f"wrote {HERE / 'ONTOLOGY-SEARCH.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
