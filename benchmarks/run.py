"""Benchmark lamin_core's own operations, optionally side by side with LaminDB 2.12.

    .venv/bin/python benchmarks/run.py [--repeats N] [--only NAME,...] [--peer-python PATH]
    .venv/bin/python benchmarks/run.py --only import,import_query --baseline /tmp/base   # an earlier commit

Writes benchmarks/RESULTS.md (regenerated) and appends to benchmarks/results.jsonl. See README.md.
`--baseline SRC` adds an earlier commit's lamin_core (SRC first on PYTHONPATH, results named
`lamin_core@<sha>`) as one more interleaved target; its lines go to baseline-results.jsonl instead, for
baseline_report.py (BASELINE.md), and RESULTS.md is left alone.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from ops import Op, run_snippet, select
from report import append_jsonl, read_jsonl, render
from targets import BenchError, Target, find_module_path, which_python

ANSI = re.compile(r"\x1b\[[0-9;]*m")
HERE = Path(__file__).resolve().parent
REPO = HERE.parent


def _tail(output: str) -> str:
    """The last 300 characters of a command's output, without ANSI colour codes."""
    return ANSI.sub("", output).strip()[-300:]


def machine_info() -> dict:
    """CPU model, core count, memory and OS: enough to tell two result files' machines apart."""
    info = {"platform": platform.platform(), "arch": platform.machine(), "cpus": os.cpu_count()}
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                info["mem_gib"] = round(int(line.split()[1]) / 2**20, 1)
                break
    except OSError:
        pass
    return info


def git_commit(tree: str | Path = REPO) -> str | None:
    """HEAD of a checkout (None before the first commit), with a ``+dirty`` mark for local changes."""
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=tree, capture_output=True, text=True)
    if head.returncode != 0:
        return None
    dirty = subprocess.run(["git", "status", "--porcelain"], cwd=tree, capture_output=True, text=True)
    return head.stdout.strip() + ("+dirty" if dirty.stdout.strip() else "")


def measure(op: Op, targets: list[Target], repeats: int) -> dict[str, dict]:
    """One warm-up, then ``repeats`` timed runs per target: ``fn`` ops interleave the targets (the
    order alternates every round) so machine noise hits both alike; ``snippet`` ops run in-process."""
    res: dict[str, dict] = {t.name: {"times": [], "error": None, "first_output": ""} for t in targets}
    if op.snippet is not None:
        for t in targets:
            try:
                res[t.name]["times"], out = run_snippet(t, op.snippet, warmup=1, repeats=repeats)
                res[t.name]["first_output"] = _tail(out)
            except (BenchError, ValueError, KeyError) as e:
                res[t.name]["error"] = f"{type(e).__name__}: {e}" if not isinstance(e, BenchError) else str(e)
        print("." * repeats)
        return res

    def trial(t: Target, timed: bool) -> None:
        r = res[t.name]
        try:
            run = op.fn(t)  # untimed: fresh sandbox / fixture
            t0 = time.perf_counter()
            out = run()
            dt = time.perf_counter() - t0
        except BenchError as e:
            r["error"] = str(e)
            return
        if timed:
            r["times"].append(dt * 1000)
        else:
            r["first_output"] = _tail(out)

    for t in targets:
        trial(t, timed=False)
    for i in range(repeats):
        for t in targets if i % 2 == 0 else targets[::-1]:
            if res[t.name]["error"] is None:
                trial(t, timed=True)
        print(".", end="", flush=True)
    print()
    return res


def record(op: Op, t: Target, r: dict, common: dict, versions: dict) -> dict:
    """The results.jsonl line for one (op, target) measurement."""
    call = op.call.format(python=t.python, lamin=t.lamin, module=t.module)
    rec = {
        **common,
        "op": op.name,
        "impl": t.name,
        "call": call,
        "source": "measured",
        "target_ms": op.target_ms,
        "python_path": str(t.python),
        "python": versions.get("python"),
        "versions": versions,
        "warmup": 1,
        "error": r["error"] and ANSI.sub("", r["error"]),
        "first_output": r["first_output"],
    }
    times = r["times"]
    if times and not r["error"]:
        rec.update(
            median_ms=round(statistics.median(times), 3),
            min_ms=round(min(times), 3),
            max_ms=round(max(times), 3),
            n=len(times),
            times_ms=[round(x, 3) for x in times],
        )
    elif not r["error"]:
        rec["error"] = "no timed runs"
    return rec


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, measure the selected ops, write results.jsonl and RESULTS.md."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--repeats", type=int, help="timed runs per op (default: each op's own, e.g. 15 / 7)")
    p.add_argument("--only", help="comma-separated op names (default: all)")
    p.add_argument("--peer-python", help="python of a venv with lamindb 2.12 + bionty: measure it too")
    default_python = REPO / ".venv" / "bin" / "python"
    p.add_argument(
        "--python",
        default=str(default_python if default_python.exists() else sys.executable),
        help="python of the venv with lamin_core (default: .venv/bin/python)",
    )
    p.add_argument("--out-dir", default=str(HERE), help="where results.jsonl / RESULTS.md go")
    p.add_argument("--report-only", action="store_true", help="only regenerate RESULTS.md from results.jsonl")
    p.add_argument("--keep", action="store_true", help="keep the scratch dir (instances, settings)")
    p.add_argument(
        "--baseline",
        type=Path,
        help="source tree of an earlier commit: its lamin_core as one more target (lines to "
        "baseline-results.jsonl; no RESULTS.md)",
    )
    args = p.parse_args(argv)

    ops = select(args.only)
    out_dir = Path(args.out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    jsonl, md = (
        out_dir / ("baseline-results.jsonl" if args.baseline else "results.jsonl"),
        out_dir / "RESULTS.md",
    )
    if args.report_only:
        md.write_text(render(read_jsonl(jsonl), select(None)))
        print(f"wrote {md}")
        return 0

    scratch = Path(tempfile.mkdtemp(prefix="lamin-bench-"))
    core_python = which_python(args.python)
    targets = [
        Target(
            "lamin_core",
            core_python,
            "lamin_core",
            ("lamin-widgets", "django", "pandas"),
            scratch,
            extra_pythonpath=find_module_path(core_python, "lamin_core", scratch),
        )
    ]
    if targets[0].extra_pythonpath:
        print(f"note: lamin_core is not installed in {core_python}; using PYTHONPATH={REPO}")
    if args.baseline:
        src = str(args.baseline.resolve())
        label = f"lamin_core@{git_commit(src)}"
        targets.append(Target("lamin_core", core_python, "lamin_core", (), scratch, src, label))
    if args.peer_python:
        peer = which_python(args.peer_python)
        dists = ("lamindb", "lamindb-core", "bionty", "lamindb-setup")
        targets.append(Target("lamindb", peer, "lamindb", dists, scratch))

    run_id = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    common = {
        "run_id": run_id,
        "ts": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine_info(),
        "load_avg_before": [round(x, 2) for x in os.getloadavg()],
        "git": git_commit(),
    }
    versions = {t.name: t.versions() for t in targets}
    records = []
    try:
        for op in ops:
            n = args.repeats or op.repeats
            print(f"{op.name}: {n} repeats x {', '.join(t.name for t in targets)} ", end="", flush=True)
            res = measure(op, targets, n)
            for t in targets:
                rec = record(op, t, res[t.name], common, versions[t.name])
                records.append(rec)
                if rec["error"]:
                    print(f"  {t.name}: ERROR …{rec['error'][-500:]}")
                else:
                    print(
                        f"  {t.name}: median {rec['median_ms']:.1f} ms "
                        f"(min {rec['min_ms']:.1f}, max {rec['max_ms']:.1f}, n {rec['n']})"
                    )
    finally:
        if args.keep:
            print(f"scratch kept: {scratch}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)

    append_jsonl(jsonl, records)
    if args.baseline:
        print(f"wrote {len(records)} lines to {jsonl} (benchmarks/baseline_report.py makes BASELINE.md)")
    else:
        md.write_text(render(read_jsonl(jsonl), select(None)))
        print(f"wrote {md} and {len(records)} lines to {jsonl}")
    return 1 if any(r["error"] for r in records) else 0


if __name__ == "__main__":
    sys.exit(main())
