"""The query plans and timings of the main reads on a populated instance (SQLite or PostgreSQL).

    .venv/bin/python benchmarks/workload/runner.py --impl lamin_core --n 1000000 --loader copy --keep \\
        --ops artifact_count_all --out /tmp/w.jsonl          # prints nothing about where: see /tmp/workload-*
    .venv/bin/python benchmarks/query_plans.py --home /tmp/workload-lamin_core-1000000-XXXX/home/.lamin
    .venv/bin/python benchmarks/query_plans.py --home ... --ops page_suffix,count_suffix --no-explain

Every op runs through the public API (as `workload/runner.py` calls it); the SQL it sends through
Django's connection is captured with its parameters and explained: `EXPLAIN QUERY PLAN` on SQLite,
`EXPLAIN (ANALYZE, BUFFERS)` on PostgreSQL (`--no-timing`: `EXPLAIN (ANALYZE, BUFFERS, COSTS OFF, TIMING
OFF)`, whose plans differ less from run to run). Prints, per op, the median of `--repeats` timed calls
after a warm-up with the load average, then each statement and its plan (long lines, e.g. an array of
37,000 ids, cut). Plain frames (`to_dataframe` without `include`/`features`) fetch their main query
through ADBC, not Django's connection: those statements are not shown. Use it to check that a hot path
walks the selective index (or the index that gives the order), e.g. after a schema or planner-statistics
change.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "workload"))


def main_reads(ln) -> dict:
    import spec as workload
    from runner import KEY_FRAGMENT, LABEL, widget_page

    t1000 = workload.BASE_TIME + timedelta(seconds=1000)
    h5ad = [{"field": "suffix", "lookup": "exact", "value": ".h5ad"}]
    return {
        "latest100": lambda: ln.Artifact.to_dataframe(limit=100),
        "page_suffix": lambda: list(ln.Artifact.filter(suffix=".h5ad").order_by("-created_at", "id")[:100]),
        "widget_page": lambda: widget_page(ln),
        "widget_page_suffix": lambda: widget_page(ln, h5ad),
        "count_all": lambda: ln.Artifact.filter().count(),
        "count_suffix": lambda: ln.Artifact.filter(suffix=".h5ad").count(),
        "count_dmso": lambda: ln.Artifact.filter(perturbation="DMSO").count(),
        "frame_dmso": lambda: ln.Artifact.filter(perturbation="DMSO").to_dataframe(limit=None, features=True),
        "search": lambda: list(ln.Artifact.search(KEY_FRAGMENT)),
        "search_broad": lambda: list(ln.Artifact.search("batch_07")),
        "filter_ulabel": lambda: ln.Artifact.filter(ulabels=ln.ULabel.get(name=LABEL)).to_dataframe(
            limit=None
        ),
        "include_1000": lambda: ln.Artifact.filter(created_at__lt=t1000).to_dataframe(
            include=["created_by__name", "ulabels__name", "suffix"], limit=None
        ),
        "frame_suffix": lambda: ln.Artifact.filter(suffix=".h5ad").to_dataframe(limit=None),
    }


LINE = 300  # characters of a statement, its parameters or a plan line shown


def cut(text: str) -> str:
    return text if len(text) <= LINE else text[:LINE] + " …"


def explain(connection, sql: str, params, timing: bool = True) -> list[str]:
    """The plan of ``sql`` with the parameters it ran with (bound, as Django sends them: SQLite may plan a
    bound ``_branch_code = ?`` differently from a literal ``= 1``)."""
    with connection.cursor() as c:
        if connection.vendor == "sqlite":
            c.execute("EXPLAIN QUERY PLAN " + sql, params)
            return [row[-1] for row in c.fetchall()]
        options = "ANALYZE, BUFFERS" if timing else "ANALYZE, BUFFERS, COSTS OFF, TIMING OFF"
        c.execute(f"EXPLAIN ({options}) " + sql, params)
        return [row[0] for row in c.fetchall()]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--home", required=True, help="LAMIN_HOME of the instance (workload/runner.py --keep)")
    p.add_argument("--ops", help="comma-separated subset")
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--no-explain", action="store_true")
    p.add_argument("--no-timing", action="store_true", help="PostgreSQL: plans without timing and costs")
    args = p.parse_args(argv)
    os.environ["LAMIN_HOME"] = args.home
    from django.db import connection

    import lamin_core as ln

    ops = main_reads(ln)
    only = args.ops.split(",") if args.ops else list(ops)
    for name in only:
        fn = ops[name]
        fn()
        times = []
        for _ in range(args.repeats):
            t = time.perf_counter()
            fn()
            times.append((time.perf_counter() - t) * 1000)
        load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
        print(
            f"== {name}: median {statistics.median(times):.1f} ms ({min(times):.1f}-{max(times):.1f}), "
            f"load {load}"
        )
        if args.no_explain:
            continue
        captured = []

        def capture(execute, sql, params, many, context, captured=captured):
            t = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                captured.append((sql, params, time.perf_counter() - t))

        with connection.execute_wrapper(capture):
            fn()
        for sql, params, seconds in captured:
            if not sql.lstrip(" (").upper().startswith("SELECT"):
                continue
            print(f"   {seconds * 1000:.1f} ms  {cut(sql)}  {cut(str(params))}")
            for line in explain(connection, sql, params, not args.no_timing):
                print(f"      {cut(line)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
