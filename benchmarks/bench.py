"""`make bench`: everything in one go, both implementations, then RESULTS.md and scaling.png.

    .venv/bin/python benchmarks/bench.py                       # the full run (make bench)
    .venv/bin/python benchmarks/bench.py --sizes 1000,10000    # a quick one
    .venv/bin/python benchmarks/bench.py --report-only         # RESULTS.md + scaling.png from the jsonl files
    .venv/bin/python benchmarks/bench.py --sizes 100000 --skip startup,relevance \
        --db sqlite,postgresql --pg-url postgresql://postgres@127.0.0.1:54343/postgres   # both databases

Steps (each implementation in its own processes; comparisons are ratios within one run):
1. `run.py --peer-python ...`: `import` and `lamin init` in fresh processes, the two implementations'
   repeats interleaved (results.jsonl).
2. Search relevance on the Cell Ontology: `workload/runner.py --relevance` for lamin_core (which writes
   the CL terms), then LaminDB (registry-results.jsonl).
3. The registry workload (`workload/runner.py`) at each N, alternating which implementation goes first.
   At N = 1 000 000 LaminDB runs only if its populate time at 100 000, times 10, stays under
   `--peer-populate-limit` seconds (600); otherwise a `skipped` line records the estimate.
   With `--db sqlite,postgresql --pg-url URL`, lamin_core runs once per database in the same round
   (LaminDB on SQLite only), every op alternating between all the processes.
4. RESULTS.md (report.py) and scaling.png (plot.py).

`--baseline SRC` (a checkout of an earlier commit, e.g. `git worktree add --detach /tmp/base <sha>`) adds
that commit's lamin_core to the workload: one more process, with SRC first on PYTHONPATH, labelled
`lamin_core@<sha>`, every op interleaved with the others (and to step 1's import and init). Its lines go
to baseline-results.jsonl (not RESULTS.md); baseline_report.py turns them into BASELINE.md: is a change
slower than the code before it, measured on the same machine in the same minutes?
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "workload"))  # runner.py imports its neighbour spec.py as a script does
import runner  # noqa: E402

REPO = HERE.parent
RUNNER = HERE / "workload" / "runner.py"
DEFAULT_SIZES = "1000,10000,100000,1000000"
PEER_ONLY_IF_POPULATE_BELOW_AT = 1_000_000


def run(cmd: list[str]) -> int:
    print("$", " ".join(str(c) for c in cmd), flush=True)
    return subprocess.run([str(c) for c in cmd], cwd=REPO).returncode


def populate_seconds(path: Path, run_id: str, impl: str, n: int, db: str = "sqlite") -> float | None:
    """The populate time of ``impl`` on ``db`` at ``n`` in this run (None if it did not run)."""
    for line in path.read_text().splitlines() if path.exists() else []:
        rec = json.loads(line)
        key = (rec.get("run_id"), rec.get("impl"), rec.get("n"), rec.get("db", "sqlite"), rec.get("op"))
        if key == (run_id, impl, n, db, "populate"):
            return rec.get("median_s")
    return None


class Served:
    """One ``runner.py --serve`` process: populated once, then asked to run ops one call at a time."""

    def __init__(self, impl: str, cmd: list, env: dict | None = None):
        self.impl, self.ops = impl, []
        print("$", " ".join(str(c) for c in cmd), flush=True)
        self.proc = subprocess.Popen(
            [str(c) for c in cmd], cwd=REPO, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env
        )

    def read(self) -> dict | None:
        """The next protocol reply (other output is passed through); None if the process ended."""
        for line in self.proc.stdout:
            if line.startswith("@@ "):
                return json.loads(line[3:])
            print(line, end="")
        return None

    def ask(self, cmd: dict) -> dict | None:
        try:
            self.proc.stdin.write(json.dumps(cmd) + "\n")
            self.proc.stdin.flush()
        except BrokenPipeError:
            return None
        return self.read()

    def close(self) -> int:
        with contextlib.suppress(BrokenPipeError, OSError):
            self.proc.stdin.write(json.dumps({"quit": True}) + "\n")
            self.proc.stdin.close()
        for line in self.proc.stdout:
            print(line, end="")
        return self.proc.wait()


def interleaved(served: list[Served], repeats: int) -> None:
    """Per op: each implementation's warm-up, then the timed runs alternating between the processes
    call by call (who goes first alternates every round), then each writes its record. A fast op gets
    more timed runs (runner.more_runs, per process); a process that has had its runs sits out the
    rounds that remain."""
    ops = list(dict.fromkeys(op for s in served for op in s.ops))  # ops only one implementation has too
    for k, op in enumerate(ops):
        live = [s for s in served if op in s.ops]
        for s in live:
            s.ask({"op": op, "timed": False})
        times: dict[Served, list[float] | None] = {s: [] for s in live}
        for r in range(10 * repeats):
            for s in live if (k + r) % 2 == 0 else live[::-1]:
                if times[s] is not None and runner.more_runs(times[s], repeats):
                    dt = (s.ask({"op": op, "timed": True}) or {}).get("dt")
                    times[s] = None if dt is None else [*times[s], dt]  # None: it failed, stop asking
        for s in live:
            s.ask({"op": op, "finish": True})
        print(f"  {op}: done", flush=True)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--python", default=str(REPO / ".venv" / "bin" / "python"))
    p.add_argument("--peer-python", default=str(REPO / ".peer-venv" / "bin" / "python"))
    p.add_argument("--sizes", default=DEFAULT_SIZES, help=f"artifact counts (default {DEFAULT_SIZES})")
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument(
        "--peer-populate-limit", type=float, default=600.0, help="seconds (estimated at 1M); inf: always run"
    )
    p.add_argument("--no-peer", action="store_true", help="lamin_core only")
    p.add_argument("--skip", default="", help="comma-separated steps to skip: startup,relevance,workload")
    p.add_argument("--report-only", action="store_true")
    p.add_argument(
        "--db",
        default="sqlite",
        help="comma-separated databases for lamin_core: sqlite, postgresql (LaminDB: SQLite only)",
    )
    p.add_argument(
        "--pg-url",
        default=os.environ.get("LAMIN_BENCH_PG_URL"),
        help="URL of a PostgreSQL server for --db postgresql (the runner creates and drops a database on "
        "it); default $LAMIN_BENCH_PG_URL, e.g. from `LAMIN_PGPORT=54343 bash scripts/pg-test-server.sh url`",
    )
    p.add_argument(
        "--loader",
        choices=("bulk_create", "copy"),
        default="bulk_create",
        help="lamin_core's populate: Django bulk_create (as LaminDB) or copy (COPY / executemany)",
    )
    p.add_argument(
        "--peer-db", default="sqlite", help="databases for LaminDB (of --db): sqlite, or sqlite,postgresql"
    )
    p.add_argument("--jsonl", help="write the workload lines here instead (a trial run: no report)")
    p.add_argument(
        "--baseline",
        type=Path,
        help="source tree of an earlier commit: its lamin_core runs alongside (SQLite; lines to "
        "baseline-results.jsonl unless --jsonl; no RESULTS.md)",
    )
    args = p.parse_args(argv)
    dbs = [d.strip() for d in args.db.split(",") if d.strip()]
    if "postgresql" in dbs and not args.pg_url:
        p.error("--db postgresql needs --pg-url or $LAMIN_BENCH_PG_URL")

    default_jsonl = "baseline-results.jsonl" if args.baseline else "registry-results.jsonl"
    jsonl = Path(args.jsonl).resolve() if args.jsonl else HERE / default_jsonl
    if args.report_only:
        return report()
    t_all = time.perf_counter()
    run_id = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    skip = set(filter(None, args.skip.split(",")))
    peer = None if args.no_peer or not Path(args.peer_python).exists() else args.peer_python
    if peer is None and not args.no_peer:
        print(f"note: {args.peer_python} missing (benchmarks/setup-peer.sh makes it): lamin_core only")
    impls = [("lamin_core", args.python)] + ([("lamindb", peer)] if peer else [])
    # the workload's processes: lamin_core on each database, then LaminDB (on --peer-db)
    targets = [("lamin_core", args.python, db) for db in dbs]
    targets += [("lamindb", peer, db) for db in args.peer_db.split(",") if db in dbs] if peer else []
    if args.baseline:
        targets.append(("baseline", args.python, "sqlite"))
    failures = 0

    def start(impl: str, python: str, n: int, db: str = "sqlite") -> Served | None:
        """A populated ``--serve`` runner (populating while the other implementation's process idles)."""
        nonlocal failures
        env, label = None, []
        if impl == "baseline":
            impl, label = "lamin_core", ["--label", baseline_label(args.baseline)]
            env = {**os.environ, "PYTHONPATH": str(args.baseline.resolve())}
        cmd = [python, RUNNER, "--impl", impl, *label, "--n", n, "--repeats", args.repeats]
        if db == "postgresql":
            cmd += ["--db", args.pg_url]
        if impl == "lamin_core":
            cmd += ["--loader", args.loader]
        cmd += ["--out", jsonl, "--run-id", run_id, "--serve"]
        s = Served(f"{label[-1] if label else impl} ({db})", cmd, env)
        ready = s.read()
        if not ready or not ready.get("ready"):
            failures += 1
            s.close()
            return None
        s.ops = ready["ops"]
        return s

    if "startup" not in skip:
        extra = ["--peer-python", peer] if peer else []
        extra += ["--only", "import,import_query,init", "--baseline", args.baseline] if args.baseline else []
        failures += run([args.python, HERE / "run.py", *extra]) != 0
    if "relevance" not in skip:
        with tempfile.TemporaryDirectory() as tmp:
            terms = Path(tmp) / "cl_terms.tsv"
            for impl, python in impls:
                cmd = [python, RUNNER, "--impl", impl, "--relevance", "--cl-terms", terms]
                failures += run([*cmd, "--repeats", args.repeats, "--out", jsonl, "--run-id", run_id]) != 0
    if "workload" not in skip:
        sizes = sorted(int(s) for s in args.sizes.split(","))
        for k, n in enumerate(sizes):
            order = targets if k % 2 == 0 else targets[::-1]
            served = []
            for impl, python, db in order:
                if impl == "lamindb" and n >= PEER_ONLY_IF_POPULATE_BELOW_AT:
                    below = [m for m in sizes if m < n]
                    base = populate_seconds(jsonl, run_id, "lamindb", below[-1], db) if below else None
                    estimate = base * n / below[-1] if base else None
                    always = args.peer_populate_limit == float("inf")
                    if not always and (estimate is None or estimate > args.peer_populate_limit):
                        reason = (
                            f"estimated populate {estimate:.0f} s (linear from {base:.1f} s at "
                            f"N = {below[-1]:,}) > {args.peer_populate_limit:.0f} s"
                            if estimate
                            else "no smaller LaminDB run to estimate its populate time from"
                        )
                        with jsonl.open("a") as f:
                            rec = {"runner": "benchmarks/workload", "run_id": run_id, "impl": impl, "n": n}
                            rec |= {"db": db, "op": "skipped", "reason": reason}
                            f.write(json.dumps(rec) + "\n")
                        print(f"LaminDB ({db}) at N = {n:,} skipped: {reason}")
                        continue
                    guess = f"estimated populate {estimate:.0f} s" if estimate else "no populate estimate"
                    print(f"LaminDB ({db}) at N = {n:,}: {guess}, running it")
                s = start(impl, python, n, db)
                if s is not None:
                    served.append(s)
            if served:
                interleaved(served, args.repeats)
            for s in served:
                failures += s.close() != 0
    wall = time.perf_counter() - t_all
    with jsonl.open("a") as f:
        rec = {"runner": "benchmarks/workload", "run_id": run_id, "impl": "all", "op": "bench_wall"}
        extra = {"sizes": args.sizes, "skip": sorted(skip), "db": args.db, "loader": args.loader}
        f.write(json.dumps({**rec, "median_s": wall, **extra}) + "\n")
    print(f"bench wall time {wall / 60:.1f} min")
    if args.jsonl or args.baseline:
        return 1 if failures else 0
    return report() or (1 if failures else 0)


def baseline_label(src: Path) -> str:
    """``lamin_core@<short sha>`` of the source tree's checked-out commit."""
    sha = subprocess.run(
        ["git", "-C", str(src), "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
    ).stdout.strip()
    return f"lamin_core@{sha}"


def report() -> int:
    sys.path.insert(0, str(HERE))
    from ops import select
    from plot import plot_scaling
    from report import read_jsonl, render

    (HERE / "RESULTS.md").write_text(render(read_jsonl(HERE / "results.jsonl"), select(None)))
    print(f"wrote {HERE / 'RESULTS.md'}")
    try:
        plot_scaling(HERE / "registry-results.jsonl", HERE / "scaling.png")
        print(f"wrote {HERE / 'scaling.png'}")
    except ImportError as e:
        print(f"scaling.png not drawn: {e} (pip install matplotlib)")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
