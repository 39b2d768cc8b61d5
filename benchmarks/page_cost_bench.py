"""Page cost (issue 18, item 3): widget/REST `page` requests with to-many columns on a large instance.

    # a kept 100 000-artifact instance (SQLite; --db postgresql://... for PostgreSQL)
    .venv/bin/python benchmarks/workload/runner.py --impl lamin_core --n 100000 --keep --loader copy \\
        --ops artifact_count_all --repeats 1 --out /tmp/w.jsonl
    H=/tmp/workload-lamin_core-100000-XXXX/home/.lamin
    .venv/bin/python benchmarks/page_cost_bench.py --home $H [--cases one20,...] [--repeats 5]
    # old against new: trees with each version of lamin_core and lamin_widgets, run in turn
    mkdir /tmp/old && git archive <commit> lamin_core lamin_widgets | tar -x -C /tmp/old
    .venv/bin/python benchmarks/page_cost_bench.py --home $H --before-tree /tmp/old --rounds 2 \\
        --repeats 3 --skip-before fanout20 --out results.jsonl

Each case is one `page` request through `lamin_widgets.protocol.methods.handle` (what the widgets and the REST
API serve: the query, the to-many columns, Arrow IPC), preceded by `check_page_cost` of
`lamin_widgets.protocol.arrow` where that exists (the shape check for the `page` method). One warm-up, then
`--repeats` timed calls; a refused request (400) is timed the same way and recorded with its message. The
workload's labels 4-49 annotate every artifact (1-3 each: about 4 350 artifacts per label at N = 100 000) and
labels 0-3 the perturbations of every 10th, so a ULabel page ordered by id starts with heavily linked rows.
Results: PAGE-COST.md.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

HEAVY = ["artifacts__key", "artifacts__uid"]  # ~216k joined rows each on a 1000-label page


def light_to_many(model, skip: str, count: int) -> list[str]:
    """`count` to-many paths of `model` (up to 3 parts) that cross one to-many relation, first, other than
    `skip` (little data behind them in the workload: the floor of a to-many column's cost)."""
    from lamin_widgets.protocol import filterspec

    def walk(current, prefix: str, depth: int, kinds: str):
        if prefix:
            yield from ((prefix + f.name, kinds) for f in filterspec.public_fields(current))
        if depth < 3:
            for relation in filterspec.public_relations(current):
                kind = "m" if relation.many_to_many or relation.one_to_many else "o"
                yield from walk(relation.related_model, f"{prefix}{relation.name}__", depth + 1, kinds + kind)

    found = sorted(
        path for path, kinds in walk(model, "", 0, "") if kinds[:1] == "m" and "m" not in kinds[1:]
    )
    return [path for path in found if not path.startswith(skip)][:count]


CASE_NAMES = (
    "plain20,one20,five_copies20,keys20,artifact1000_labels,artifact1000_99_light,"
    "max_accepted,max_refused,fanout20"
)


def cases(ln) -> dict[str, tuple[str, int, list[str] | None]]:
    """name -> (registry, limit, columns)."""
    light = light_to_many(ln.ULabel, "artifacts", 97)
    return {
        "plain20": ("ULabel", 20, None),
        # the page: 20 labels, one 3-part to-many column (~229k joined rows, 1000 distinct values)
        "one20": ("ULabel", 20, ["name", "artifacts__ulabels__name"]),
        "five_copies20": ("ULabel", 20, ["name", *["artifacts__ulabels__name"] * 5]),
        "keys20": ("ULabel", 20, ["name", "artifacts__key"]),  # ~85k joined rows, all distinct
        "artifact1000_labels": ("Artifact", 1000, ["key", "ulabels__name"]),
        # the floor: 1000 rows, 99 to-many columns with little data behind each (one query each)
        "artifact1000_99_light": ("Artifact", 1000, ["key", *light_to_many(ln.Artifact, "ulabels", 99)]),
        # close to the most an accepted page reads: 1000 rows, 100 columns, 2 heavy to-many columns and 60
        # light ones (~433k + 60 x 1000 joined rows: a row without related records is a joined row too)
        "max_accepted": (
            "ULabel",
            1000,
            ["name", *HEAVY, *light[:60], *["uid", "created_at"] * 18 + ["uid"]],
        ),
        # refused: over the cap of joined rows (a third heavy column)
        "max_refused": ("ULabel", 1000, ["name", *HEAVY, "artifacts__hash", *light[:96]]),
        # refused: 20 rows, one path across 3 to-many relations (~1.1 billion joined rows)
        "fanout20": ("ULabel", 20, ["name", "artifacts__ulabels__artifacts__key"]),
    }


def run_case(rpc, check, registry: str, limit: int, columns: list[str] | None) -> tuple[dict, int]:
    params = {"registry": registry, "limit": limit, "order": ["id"]}
    if columns is not None:
        params["columns"] = columns
    if check is not None:
        from lamin_core.errors import InvalidArgument

        try:
            check(rpc.get_registry(registry), columns, limit)
        except InvalidArgument as e:
            return {"ok": False, "error": {"type": "bad_request", "message": str(e)}}, 0
    response, buffers = rpc.handle({"id": 1, "kind": "lamin-rpc", "method": "page", "params": params})
    return response, sum(len(b) for b in buffers)


def compare(args) -> int:
    """Old and new implementations in turn, one process per case and implementation, alternating who goes
    first, so that load from other work hits both alike; medians over every timed call."""
    import subprocess
    import tempfile

    out = Path(tempfile.mkdtemp()) / "calls.jsonl"
    skip = set(args.skip_before.split(","))
    for round_ in range(args.rounds):
        for name in args.cases.split(","):
            labels = ["before", "after"] if round_ % 2 == 0 else ["after", "before"]
            for label in labels:
                if label == "before" and name in skip:
                    continue
                env = dict(os.environ)
                tree = args.before_tree if label == "before" else args.after_tree
                if tree:
                    env["PYTHONPATH"] = str(tree)
                command = [sys.executable, __file__, "--home", args.home, "--cases", name]
                command += ["--repeats", str(args.repeats), "--label", label, "--out", str(out)]
                subprocess.run(command, env=env, check=True, cwd="/", stdout=subprocess.DEVNULL)
    records = [json.loads(line) for line in out.read_text().splitlines()]
    for name in args.cases.split(","):
        for label in ("before", "after"):
            mine = [r for r in records if r["case"] == name and r["label"] == label]
            if not mine:
                continue
            times = [t for r in mine for t in r["times_ms"]]
            summary = {**mine[-1], "times_ms": times, "median_ms": round(statistics.median(times), 1)}
            summary.update(min_ms=min(times), max_ms=max(times), repeats=len(times), rounds=len(mine))
            print(json.dumps({k: v for k, v in summary.items() if k != "times_ms"}), flush=True)
            if args.out:
                with args.out.open("a") as f:
                    f.write(json.dumps(summary) + "\n")
    return 0


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--home", required=True, help="LAMIN_HOME of a kept workload instance")
    p.add_argument("--cases", default=CASE_NAMES)
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--label", default="after", help="recorded with each line (before / after)")
    p.add_argument("--out", type=Path, help="JSON lines file (appended)")
    p.add_argument(
        "--before-tree",
        type=Path,
        help="a tree with the old lamin_core and lamin_widgets (git archive <commit> lamin_core "
        "lamin_widgets | tar -x -C DIR): each case then runs in fresh processes, old and new in turn",
    )
    p.add_argument("--after-tree", type=Path, help="the same for the new code (default: this checkout)")
    p.add_argument("--rounds", type=int, default=2)
    p.add_argument("--skip-before", default="", help="cases not run on the old tree (too slow there)")
    args = p.parse_args(argv)
    if args.before_tree:
        return compare(args)
    os.environ["LAMIN_HOME"] = args.home
    import lamin_core as ln
    from lamin_widgets.protocol import arrow
    from lamin_widgets.protocol import methods as rpc_methods

    check = getattr(arrow, "check_page_cost", None)
    ln.Artifact.filter().count()  # connect
    from django.db import connection

    n = ln.Artifact.filter().count()
    table = cases(ln)
    for name in args.cases.split(","):
        registry, limit, columns = table[name]
        times, response, size = [], None, 0
        for i in range(args.repeats + 1):
            t = time.perf_counter()
            response, size = run_case(rpc_methods, check, registry, limit, columns)
            if i:
                times.append(time.perf_counter() - t)
        record = {
            "case": name,
            "label": args.label,
            "db": connection.vendor,
            "n": n,
            "registry": registry,
            "limit": limit,
            "columns": len(columns or []),
            "median_ms": round(statistics.median(times) * 1000, 1),
            "min_ms": round(min(times) * 1000, 1),
            "max_ms": round(max(times) * 1000, 1),
            "repeats": args.repeats,
            "times_ms": [round(t * 1000, 1) for t in times],
            "ok": response["ok"],
            "ipc_bytes": size,
            "error": None if response["ok"] else response["error"]["message"][:300],
        }
        print(json.dumps(record), flush=True)
        if args.out:
            with args.out.open("a") as f:
                f.write(json.dumps(record) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
