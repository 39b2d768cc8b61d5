"""PostgreSQL: the cost of the whole-token tables (migration 0013) on a kept workload instance, before/after
in alternating rounds of the same minutes.

    .venv/bin/python benchmarks/search_tokens_bench.py --home /tmp/workload-lamin_core-1000000-X/home/.lamin
    PYTHONPATH=<a checkout of the base> .venv/bin/python benchmarks/search_tokens_bench.py --home ... --reads

`--reads`: the broad and narrow searches of `query_plans.py`, this process's code (run it once with the
base's code on PYTHONPATH, once without, in turns). Default (writes): `Artifact(path).save()`, an update
of a searched field (`description`) and `features.add_values` as `workload/runner.py` times them, in
rounds with the tables' triggers enabled and disabled (`ALTER TABLE ... DISABLE TRIGGER`), each round in
a transaction rolled back at its end (the instance stays as it was). Each figure: median wall ms, the
median CPU ms of this process (`time.process_time`) and of the database server's process for this
connection (from /proc, 10 ms ticks: the round's total over its calls), with the load average.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "workload"))

TRIGGERS = [f"search_tokens_lamin_core_artifact_{e}" for e in ("insert", "update", "delete", "truncate")]


def server_cpu(connection) -> float:
    """CPU seconds of this connection's server process so far (same machine)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def timed(connection, fn, repeats: int) -> dict:
    fn()  # warm-up
    walls, cpus = [], []
    server = server_cpu(connection)
    for _ in range(repeats):
        w, c = time.perf_counter(), time.process_time()
        fn()
        walls.append((time.perf_counter() - w) * 1000)
        cpus.append((time.process_time() - c) * 1000)
    return {
        "wall_ms": round(statistics.median(walls), 2),
        "cpu_ms": round(statistics.median(cpus), 2),
        "server_cpu_ms": round((server_cpu(connection) - server) * 1000 / repeats, 2),
        "load": os.getloadavg()[0],
    }


def set_triggers(connection, enabled: bool) -> None:
    with connection.cursor() as cursor:
        for name in TRIGGERS:
            cursor.execute(
                f'ALTER TABLE lamin_core_artifact {"ENABLE" if enabled else "DISABLE"} TRIGGER "{name}"'
            )


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--home", required=True, help="LAMIN_HOME of the instance (workload/runner.py --keep)")
    p.add_argument("--reads", action="store_true", help="the searches instead of the writes")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--repeats", type=int, default=15)
    p.add_argument("--label", default="")
    args = p.parse_args(argv)
    os.environ["LAMIN_HOME"] = args.home
    from django.db import connection

    import lamin_core as ln

    if args.reads:
        ops = {
            "search_broad": lambda: list(ln.Artifact.search("batch_07")),
            "search_narrow": lambda: list(ln.Artifact.search("batch_07/sample_000077")),
        }
        for _ in range(args.rounds):
            for name, fn in ops.items():
                print(json.dumps({"op": name, "label": args.label, **timed(connection, fn, args.repeats)}))
        return 0

    from django.db import transaction

    plain = list(ln.Artifact.filter(id__lte=60).order_by("id").values_list("uid", flat=True))
    files = Path(tempfile.mkdtemp(prefix="search-tokens-bench-"))
    counter = [0]

    def save_one():
        counter[0] += 1
        path = files / f"file_{counter[0]}.csv"
        path.write_text(f"a,b\n{counter[0]},{counter[0] * 7}\n")
        return ln.Artifact(str(path), key=f"bench_tokens/file_{counter[0]}.csv").save()

    def describe_one():
        counter[0] += 1
        artifact = ln.Artifact.get(uid=plain[counter[0] % len(plain)])
        artifact.description = f"described {counter[0]} by the bench"
        return artifact.save()

    def add_values_one():
        counter[0] += 1
        artifact = ln.Artifact.get(uid=plain[counter[0] % len(plain)])
        artifact.features.add_values(
            {
                "temperature": 30.5,
                "perturbation": "IFNG",
                "study_note": f"note {counter[0]}",
                "study_metadata": {"detail1": str(counter[0])},
            }
        )

    ops = {
        "artifact_save": save_one,
        "update_description": describe_one,
        "features_add_values": add_values_one,
    }
    for _ in range(args.rounds):
        for enabled in (True, False):
            with transaction.atomic():  # each round rolled back: the instance stays as it was
                set_triggers(connection, enabled)
                for name, fn in ops.items():
                    label = "with token tables" if enabled else "triggers disabled"
                    print(json.dumps({"op": name, "label": label, **timed(connection, fn, args.repeats)}))
                transaction.set_rollback(True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
