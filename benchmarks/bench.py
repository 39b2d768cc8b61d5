"""`make bench`: everything in one go, both implementations, then RESULTS.md and scaling.png.

    .venv/bin/python benchmarks/bench.py                       # the full run (make bench)
    .venv/bin/python benchmarks/bench.py --sizes 1000,10000    # a quick one
    .venv/bin/python benchmarks/bench.py --report-only         # RESULTS.md + scaling.png from the jsonl files

Steps (each implementation in its own processes; comparisons are ratios within one run):
1. `run.py --peer-python ...`: `import` and `lamin init` in fresh processes, the two implementations'
   repeats interleaved (results.jsonl).
2. Search relevance on the Cell Ontology: `workload/runner.py --relevance` for lamin_core (which writes
   the CL terms), then LaminDB (registry-results.jsonl).
3. The registry workload (`workload/runner.py`) at each N, alternating which implementation goes first.
   At N = 1 000 000 LaminDB runs only if its populate time at 100 000, times 10, stays under
   `--peer-populate-limit` seconds (600); otherwise a `skipped` line records the estimate.
4. RESULTS.md (report.py) and scaling.png (plot.py).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
RUNNER = HERE / "workload" / "runner.py"
DEFAULT_SIZES = "1000,10000,100000,1000000"
PEER_ONLY_IF_POPULATE_BELOW_AT = 1_000_000


def run(cmd: list[str]) -> int:
    print("$", " ".join(str(c) for c in cmd), flush=True)
    return subprocess.run([str(c) for c in cmd], cwd=REPO).returncode


def populate_seconds(path: Path, run_id: str, impl: str, n: int) -> float | None:
    for line in path.read_text().splitlines() if path.exists() else []:
        rec = json.loads(line)
        if (rec.get("run_id"), rec.get("impl"), rec.get("n"), rec.get("op")) == (run_id, impl, n, "populate"):
            return rec.get("median_s")
    return None


class Served:
    """One ``runner.py --serve`` process: populated once, then asked to run ops one call at a time."""

    def __init__(self, impl: str, cmd: list):
        self.impl, self.ops = impl, []
        print("$", " ".join(str(c) for c in cmd), flush=True)
        self.proc = subprocess.Popen(
            [str(c) for c in cmd], cwd=REPO, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
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
    call by call (who goes first alternates every round), then each writes its record."""
    ops = served[0].ops
    for k, op in enumerate(ops):
        live = [s for s in served if op in s.ops]
        for s in live:
            s.ask({"op": op, "timed": False})
        for r in range(repeats):
            for s in live if (k + r) % 2 == 0 else live[::-1]:
                s.ask({"op": op, "timed": True})
        for s in live:
            s.ask({"op": op, "finish": True})
        print(f"  {op}: done", flush=True)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--python", default=str(REPO / ".venv" / "bin" / "python"))
    p.add_argument("--peer-python", default=str(REPO / ".peer-venv" / "bin" / "python"))
    p.add_argument("--sizes", default=DEFAULT_SIZES, help=f"artifact counts (default {DEFAULT_SIZES})")
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--peer-populate-limit", type=float, default=600.0, help="seconds (estimated at 1M)")
    p.add_argument("--no-peer", action="store_true", help="lamin_core only")
    p.add_argument("--skip", default="", help="comma-separated steps to skip: startup,relevance,workload")
    p.add_argument("--report-only", action="store_true")
    args = p.parse_args(argv)

    jsonl = HERE / "registry-results.jsonl"
    if args.report_only:
        return report()
    t_all = time.perf_counter()
    run_id = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    skip = set(filter(None, args.skip.split(",")))
    peer = None if args.no_peer or not Path(args.peer_python).exists() else args.peer_python
    if peer is None and not args.no_peer:
        print(f"note: {args.peer_python} missing (benchmarks/setup-peer.sh makes it): lamin_core only")
    impls = [("lamin_core", args.python)] + ([("lamindb", peer)] if peer else [])
    failures = 0

    def start(impl: str, python: str, n: int) -> Served | None:
        """A populated ``--serve`` runner (populating while the other implementation's process idles)."""
        nonlocal failures
        cmd = [python, RUNNER, "--impl", impl, "--n", n, "--repeats", args.repeats]
        s = Served(impl, [*cmd, "--out", jsonl, "--run-id", run_id, "--serve"])
        ready = s.read()
        if not ready or not ready.get("ready"):
            failures += 1
            s.close()
            return None
        s.ops = ready["ops"]
        return s

    if "startup" not in skip:
        failures += run([args.python, HERE / "run.py", *(["--peer-python", peer] if peer else [])]) != 0
    if "relevance" not in skip:
        with tempfile.TemporaryDirectory() as tmp:
            terms = Path(tmp) / "cl_terms.tsv"
            for impl, python in impls:
                cmd = [python, RUNNER, "--impl", impl, "--relevance", "--cl-terms", terms]
                failures += run([*cmd, "--repeats", args.repeats, "--out", jsonl, "--run-id", run_id]) != 0
    if "workload" not in skip:
        sizes = sorted(int(s) for s in args.sizes.split(","))
        for k, n in enumerate(sizes):
            order = impls if k % 2 == 0 else impls[::-1]
            served = []
            for impl, python in order:
                if impl == "lamindb" and n >= PEER_ONLY_IF_POPULATE_BELOW_AT:
                    below = [m for m in sizes if m < n]
                    base = populate_seconds(jsonl, run_id, "lamindb", below[-1]) if below else None
                    estimate = base * n / below[-1] if base else None
                    if estimate is None or estimate > args.peer_populate_limit:
                        reason = (
                            f"estimated populate {estimate:.0f} s (linear from {base:.1f} s at "
                            f"N = {below[-1]:,}) > {args.peer_populate_limit:.0f} s"
                            if estimate
                            else "no smaller LaminDB run to estimate its populate time from"
                        )
                        with jsonl.open("a") as f:
                            rec = {"runner": "benchmarks/workload", "run_id": run_id, "impl": impl, "n": n}
                            f.write(json.dumps({**rec, "op": "skipped", "reason": reason}) + "\n")
                        print(f"LaminDB at N = {n:,} skipped: {reason}")
                        continue
                    print(f"LaminDB at N = {n:,}: estimated populate {estimate:.0f} s, running it")
                s = start(impl, python, n)
                if s is not None:
                    served.append(s)
            if served:
                interleaved(served, args.repeats)
            for s in served:
                failures += s.close() != 0
    wall = time.perf_counter() - t_all
    with jsonl.open("a") as f:
        rec = {"runner": "benchmarks/workload", "run_id": run_id, "impl": "all", "op": "bench_wall"}
        f.write(json.dumps({**rec, "median_s": wall, "sizes": args.sizes, "skip": sorted(skip)}) + "\n")
    print(f"bench wall time {wall / 60:.1f} min")
    return report() or (1 if failures else 0)


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
