"""The registry workload at 10 000 000 artifacts: a populate that can be stopped and continued, then the
main reads.

    .venv/bin/python benchmarks/workload/large.py populate --n 10000000 --dir /data/w10m       # SQLite
    .venv/bin/python benchmarks/workload/large.py populate --n 10000000 --dir /data/w10m-pg \\
        --db postgresql://postgres@127.0.0.1:54329/postgres                                    # PostgreSQL
    .venv/bin/python benchmarks/workload/large.py reads --dir /data/w10m      # benchmarks/large-results.jsonl
    .venv/bin/python benchmarks/workload/large.py drop --dir /data/w10m       # asks first on a terminal

`populate` makes a lamin_core instance in DIR (its PostgreSQL database is `lamin_large_<n>` on the server
of --db) and inserts the records of `spec.stream(n)`, the same as `runner.py` at that N, in chunks: each
chunk (artifacts, label links, feature values) is one transaction, so after an interruption (Ctrl-C, a
reboot) the instance holds whole chunks and the next `populate` with the same DIR continues after the
last one (the random stream is replayed up to there without inserting). It stops, resumable, when the
database passes --max-gb. `reads` runs the workload's read ops (runner.py's, not its writes) with a
warm-up and --repeats timed runs each, checks every result against what the spec predicts, and appends
one JSON line per op. `drop` deletes DIR and the PostgreSQL database.

The records are generated, never kept: at 10M they would not fit in memory (spec.stream).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import runner  # this folder (run as a script), as runner.py imports spec
import spec as workload

STATE = "large.json"


def _use_home(root: Path) -> None:
    """Settings and instance under ROOT/home, whatever the user's own are."""
    home = root / "home"
    home.mkdir(parents=True, exist_ok=True)
    for var in ("LAMIN_CURRENT_INSTANCE", "LAMIN_ENV"):
        os.environ.pop(var, None)
    os.environ.update(HOME=str(home), LAMIN_SETTINGS_DIR=str(home), LAMIN_HOME=str(home / ".lamin"))


def _open(root: Path, state: dict, create: bool):
    """The instance of ROOT (made when `create` and it does not exist yet): (ln, db URL or None)."""
    _use_home(root)
    import lamin_core as ln  # after the settings dir is chosen

    db_url = state.get("db_url")
    if create and not state.get("created"):
        if state["server"]:
            name = f"lamin_large_{state['n']}"
            db_url, _ = runner.fresh_postgres_database(state["server"], name)
        ln.setup.init(storage=str(root / "storage"), db=db_url, modules="bionty")
        state.update(created=True, db_url=db_url)
        (root / STATE).write_text(json.dumps(state, indent=1))
    ln.Artifact.filter().count()  # connects
    return ln, db_url


def _db_bytes(db_url: str | None) -> int:
    """The database's size on disk: the SQLite file with its journal, or pg_database_size."""
    from django.db import connection

    if db_url is None:
        name = Path(connection.settings_dict["NAME"])
        return sum(f.stat().st_size for f in name.parent.glob(name.name + "*") if f.is_file())
    with connection.cursor() as c:
        c.execute("SELECT pg_database_size(current_database())")
        return c.fetchone()[0]


def _first_step(ln) -> dict:
    """The labels and the four features (once, in one transaction); their ids by what the spec names."""
    from django.db import transaction

    labels, _ = workload.stream(0)
    with transaction.atomic():
        if not ln.ULabel.filter().exists():
            rows = [{"uid": x["uid"], "name": x["name"], "created_at": x["created_at"]} for x in labels]
            runner.fast_insert(ln.ULabel, rows)
            ln.Feature(name="temperature", dtype=float).save()
            ln.Feature(name="perturbation", dtype=ln.ULabel).save()
            ln.Feature(name="study_note", dtype=str).save()
            ln.Feature(name="study_metadata", dtype=dict).save()
    by_uid = dict(ln.ULabel.objects.values_list("uid", "id"))
    features = dict(ln.Feature.objects.values_list("name", "id"))
    return {"labels": [by_uid[x["uid"]] for x in labels], "features": features}


def _insert_chunk(ln, chunk: list[tuple[dict, list[int], dict | None]], ids: dict, values: dict) -> None:
    """One chunk's artifacts, label links and feature values, in one transaction."""
    from django.db import transaction

    link, value_link = ln.models.ArtifactULabel, ln.models.ArtifactFeatureValue
    storage_id = ln.Storage.filter().first().id
    with transaction.atomic():
        runner.fast_insert(ln.Artifact, [workload.artifact_row(a, storage_id) for a, _, _ in chunk])
        first, last = chunk[0][0]["created_at"], chunk[-1][0]["created_at"]
        span = ln.Artifact.objects.filter(created_at__gte=first, created_at__lte=last)
        by_uid = dict(span.values_list("uid", "id"))
        label_rows, value_rows = [], []
        perturbation = ids["features"]["perturbation"]
        for artifact, linked, feature in chunk:
            aid = by_uid[artifact["uid"]]
            label_rows += [
                {"artifact_id": aid, "ulabel_id": ids["labels"][j], "feature_id": None} for j in linked
            ]
            if feature is None:
                continue
            for name in ("temperature", "study_note", "study_metadata"):
                value_rows.append(
                    {"artifact_id": aid, "featurevalue_id": _value_id(ln, ids, values, name, feature)}
                )
            label_rows += [
                {"artifact_id": aid, "ulabel_id": ids["labels"][p], "feature_id": perturbation}
                for p in feature["perturbation"]
            ]
        runner.fast_insert(link, label_rows)
        runner.fast_insert(value_link, value_rows)


def _value_id(ln, ids: dict, cache: dict, name: str, feature: dict) -> int:
    """The FeatureValue holding `feature[name]` (made once, found again after a restart)."""
    key = (name, json.dumps(feature[name], sort_keys=True))
    if key not in cache:
        model = ln.models.FeatureValue
        cache[key] = model.objects.get_or_create(feature_id=ids["features"][name], value=feature[name])[0].id
    return cache[key]


def populate(args) -> int:
    root = Path(args.dir).resolve()
    root.mkdir(parents=True, exist_ok=True)
    state_file = root / STATE
    state = json.loads(state_file.read_text()) if state_file.exists() else {}
    wanted = {"n": args.n, "seed": args.seed, "server": args.db, "chunk": args.chunk}
    if state and any(state.get(k) != v for k, v in wanted.items()):
        given = {k: state.get(k) for k in wanted}
        print(
            f"{root} holds a populate with {given}; use another --dir or the same settings", file=sys.stderr
        )
        return 2
    state = {**wanted, **state}
    state_file.write_text(json.dumps(state, indent=1))
    ln, db_url = _open(root, state, create=True)
    ids = _first_step(ln)
    done = ln.Artifact.filter().count()
    if done % args.chunk and done != args.n:
        print(f"{done:,} artifacts: not a whole number of chunks of {args.chunk:,}", file=sys.stderr)
        return 2
    print(f"{done:,} of {args.n:,} artifacts already in {root}; continuing", flush=True)
    _, rows = workload.stream(args.n, args.seed)
    values: dict = {}
    chunk, t0, i = [], time.perf_counter(), 0
    for i, row in enumerate(rows):
        if i < done:
            continue  # replayed: the stream is one random sequence
        chunk.append(row)
        if len(chunk) == args.chunk or i == args.n - 1:
            _insert_chunk(ln, chunk, ids, values)
            chunk = []
            rate = (i + 1 - done) / (time.perf_counter() - t0)
            size = _db_bytes(db_url)
            left = (args.n - i - 1) / rate if rate else 0
            print(f"{i + 1:,} artifacts ({rate:,.0f}/s, {size / 1e9:.1f} GB, ~{left / 60:.0f} min left)")
            if size > args.max_gb * 1e9 and i + 1 < args.n:
                print(
                    f"database over --max-gb {args.max_gb}: stopped; continue with a higher limit",
                    file=sys.stderr,
                )
                return 3
    runner.analyze(runner.LaminCore())
    state["populated_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    state_file.write_text(json.dumps(state, indent=1))
    print(f"populated: {ln.Artifact.filter().count():,} artifacts, database {_db_bytes(db_url) / 1e9:.1f} GB")
    return 0


def reads(args) -> int:
    root = Path(args.dir).resolve()
    state = json.loads((root / STATE).read_text())
    ln, db_url = _open(root, state, create=False)
    n = ln.Artifact.filter().count()
    if n != state["n"]:
        print(f"{n:,} of {state['n']:,} artifacts: run populate to the end first", file=sys.stderr)
        return 2
    labels, rows = workload.stream(n, state["seed"])
    expected = runner.expected_from(labels, n, rows)
    _, rows = workload.stream(min(n, 1000), state["seed"])
    sample = workload.Spec(n=n, seed=state["seed"], labels=labels, artifacts=[a for a, _, _ in rows])
    impl = runner.LaminCore()
    import lamin_core.bionty as bt

    impl.ln, impl.bt = ln, bt
    common = {
        "runner": "benchmarks/workload/large",
        "run_id": args.run_id,
        "impl": "lamin_core",
        "db": "postgresql" if db_url else "sqlite",
        "n": n,
        "repeats": args.repeats,
        "load_avg_before": [round(x, 2) for x in os.getloadavg()],
    }
    failed = 0
    for name, call, fn in runner.build_ops(impl, sample, root):
        if name.startswith("public_") or (args.ops and name not in args.ops.split(",")):
            continue  # writes would change the instance
        st: dict = {"times": [], "result": None}
        for k in range(args.repeats + 1):
            runner.call_once(fn, st, timed_run=k > 0)
            if st.get("error"):
                break
        rec = {**common, **runner.op_record(name, call, st, expected)}
        failed += bool(rec.get("error")) or rec.get("correct") is False
        with Path(args.out).open("a") as f:
            f.write(json.dumps(rec, default=str) + "\n")
        brief = {k: rec.get(k) for k in ("op", "median_s", "rows", "correct", "error") if k in rec}
        print(json.dumps(brief, default=str), flush=True)
    return 1 if failed else 0


def drop(args) -> int:
    root = Path(args.dir).resolve()
    state = json.loads((root / STATE).read_text())
    what = [str(root)] + (
        [f"PostgreSQL database lamin_large_{state['n']} on {state['server']}"] if state["server"] else []
    )
    print("this deletes:", *what, sep="\n  ")
    if sys.stdin.isatty() and not args.yes and input("delete? [y/N] ").strip().lower() != "y":
        return 1
    if state["server"]:
        runner._pg_admin(state["server"], f'DROP DATABASE IF EXISTS "lamin_large_{state["n"]}" WITH (FORCE)')
    shutil.rmtree(root)
    return 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", required=True)
    pop = sub.add_parser("populate", help="make or continue the instance in --dir")
    pop.add_argument("--n", type=int, default=10_000_000)
    pop.add_argument("--seed", type=int, default=0)
    pop.add_argument("--dir", required=True, help="the instance's folder (settings, storage, SQLite file)")
    pop.add_argument("--db", help="postgresql:// URL of a server (a database lamin_large_<n> is made there)")
    pop.add_argument("--chunk", type=int, default=100_000, help="artifacts per transaction")
    pop.add_argument("--max-gb", type=float, default=30.0, help="stop (resumable) past this database size")
    rd = sub.add_parser("reads", help="time the read ops on a populated --dir")
    rd.add_argument("--dir", required=True)
    rd.add_argument("--repeats", type=int, default=5)
    rd.add_argument("--ops", help="comma-separated subset of op names")
    rd.add_argument("--out", default=str(Path(__file__).resolve().parent.parent / "large-results.jsonl"))
    rd.add_argument("--run-id", default=datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ"))
    dr = sub.add_parser("drop", help="delete --dir and its PostgreSQL database")
    dr.add_argument("--dir", required=True)
    dr.add_argument("--yes", action="store_true", help="do not ask")
    args = p.parse_args(argv)
    return {"populate": populate, "reads": reads, "drop": drop}[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
