"""Ontology-aware filters at scale (issue 22, item 4): `cell_types__descendant_of=<term>` against a plain
`cell_types__in=<the term and its descendants>` on a large instance, for a count and a first page.

    # a kept 1 000 000-artifact workload instance (benchmarks/workload/runner.py --keep), or a copy of one
    .venv/bin/python benchmarks/descendants_bench.py --home /tmp/w/home/.lamin [--repeats 5]

The workload has no ontology labels, so the first run adds them (once; later runs find them): every Cell
Ontology term with its parents (`bt.CellType.import_source()`, offline), and 1-3 terms per artifact drawn
from the terms that no other term names as parent (the leaves: what datasets are annotated with), written
into the artifacts' `cell_types` link table with the driver's executemany, each link also as the value of
the ontology-typed feature `cell_type_by_model` (so both forms select the same rows), then ANALYZE. It then
times,
per term (a narrow one, `T cell`, and wide ones), one warm-up and `--repeats` calls of each form, the two
forms alternating call by call:

- core: `ln.Artifact.filter(...).count()` and the ids of `.order_by("id")[:100]` and of
  `.order_by("-created_at")[:100]` (what `.df()` of a recent page reads); the `__in` form with the
  closure's ids computed beforehand (untimed) and `.distinct()` (its join repeats an artifact linked to
  several terms of the closure); the same for the feature form `cell_type_by_model__descendant_of`
  against `cell_type_by_model__in` (a feature's `__in` selects each artifact once);
- widget: the `count` and `page` methods of the method table (what the widgets and the REST API serve)
  with the filter spec `cell_types__name` `descendant_of` the term, against `in` the closure's names.

Both forms must select the same rows (checked). Medians (wall clock, and the process's CPU time, which the
waits of a loaded machine do not inflate) and the `uptime` load go to stdout as JSON lines
(`--out` appends them to a file); DESCENDANTS.md records them.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import time
from pathlib import Path

TERMS = ("T cell", "CD8-positive, alpha-beta T cell", "lymphocyte", "neuron", "cell")
FEATURE = "cell_type_by_model"


def load(path: str = "/proc/loadavg") -> str:
    return " ".join(Path(path).read_text().split()[:3])


def annotate(ln, bt, seed: int = 22) -> dict:
    """Cell Ontology terms and 1-3 leaf terms per artifact, unless the instance has them already."""
    from django.db import connection, transaction

    field = ln.Artifact._meta.get_field("cell_types")
    through = field.through
    if through.objects.exists():
        return {"annotated": "already", "links": through.objects.count()}
    started = time.perf_counter()
    terms = bt.CellType.import_source()
    feature = ln.Feature(name=FEATURE, dtype="cat[bionty.CellType]").save()
    parents = bt.CellType.parents.through
    named = set(parents.objects.values_list("to_celltype_id", flat=True))
    leaves = sorted(set(bt.CellType.objects.values_list("id", flat=True)) - named)
    ids = list(ln.Artifact.objects.order_by("id").values_list("id", flat=True))
    rng = random.Random(seed)
    table = through._meta.db_table
    columns = "artifact_id, celltype_id, feature_id, created_at, created_by_id"
    sql = f'INSERT INTO "{table}" ({columns}) VALUES (?, ?, ?, ?, ?)'
    when, user = "2025-01-01 00:00:00", ln.User.objects.order_by("id").values_list("id", flat=True).first()
    n = 0
    with transaction.atomic():
        connection.ensure_connection()
        cursor = connection.connection.cursor()  # the driver's own: Django's per-row handling dominates
        for first in range(0, len(ids), 50_000):
            rows = [
                (artifact, term, feature.pk, when, user)
                for artifact in ids[first : first + 50_000]
                for term in rng.sample(leaves, rng.randint(1, 3))
            ]
            cursor.executemany(sql, rows)
            n += len(rows)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {
        "annotated": "now",
        "terms": terms,
        "leaves": len(leaves),
        "links": n,
        "load_s": round(time.perf_counter() - started, 1),
    }


def measure(cases: dict, repeats: int) -> tuple[dict, dict, dict]:
    """Median ms per case, wall clock and the process's CPU time (SQLite runs in the process, so the CPU
    time is the work without the waits of a shared machine): a warm-up each, then the cases alternating
    call by call."""
    wall: dict[str, list[float]] = {name: [] for name in cases}
    cpu: dict[str, list[float]] = {name: [] for name in cases}
    results: dict[str, object] = {}
    for name, fn in cases.items():
        results[name] = fn()
    for _ in range(repeats):
        for name, fn in cases.items():
            started, started_cpu = time.perf_counter(), time.process_time()
            fn()
            cpu[name].append((time.process_time() - started_cpu) * 1000)
            wall[name].append((time.perf_counter() - started) * 1000)

    def medians(times: dict) -> dict:
        return {name: round(statistics.median(v), 1) for name, v in times.items()}

    return medians(wall), medians(cpu), results


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--home", required=True, help="LAMIN_HOME of a kept workload instance (modified: labels)")
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--terms", default=";".join(TERMS), help="names, separated by ;")
    p.add_argument("--out", type=Path)
    args = p.parse_args(argv)
    os.environ["LAMIN_HOME"] = args.home

    from django.db import connection

    import lamin_core as ln
    import lamin_core.bionty as bt
    from lamin_widgets.protocol import methods

    n_artifacts = ln.Artifact.filter().count()
    setup = annotate(ln, bt)
    print(json.dumps({"setup": setup, "n": n_artifacts, "load": load()}), flush=True)

    def rpc(method: str, **params):
        response, buffers = methods.handle({"id": 1, "kind": "lamin-rpc", "method": method, "params": params})
        assert response["ok"], response
        return response["result"], buffers

    def spec(lookup: str, value, field: str = "cell_types__name") -> dict:
        return {"op": "and", "not": False, "items": [{"field": field, "lookup": lookup, "value": value}]}

    def page_ids(filters: dict) -> list[int]:
        import pyarrow as pa

        _, buffers = rpc("page", registry="Artifact", filters=filters, limit=100)
        return pa.ipc.open_stream(buffers[0]).read_all().column("id").to_pylist()

    lines = []
    for term in args.terms.split(";"):
        record = bt.CellType.get(name=term)
        closure = [record.pk, *record.query_children().values_list("pk", flat=True)]
        names = list(bt.CellType.objects.filter(pk__in=closure).values_list("name", flat=True))
        records = list(bt.CellType.objects.filter(pk__in=closure))
        # the querysets are built inside the timed calls: filter() of a term by name runs a query too
        forms = {
            "": (
                lambda term=term: ln.Artifact.filter(cell_types__descendant_of=term),
                lambda closure=closure: ln.Artifact.filter(cell_types__in=closure).distinct(),
            ),
            "feature_": (
                lambda term=term: ln.Artifact.filter(**{f"{FEATURE}__descendant_of": term}),
                lambda records=records: ln.Artifact.filter(**{f"{FEATURE}__in": records}),
            ),
        }
        cases = {}
        for prefix, (below, within) in forms.items():
            for form, queryset in (("descendant_of", below), ("in", within)):
                cases |= {
                    f"core_{prefix}count_{form}": lambda q=queryset: q().count(),
                    f"core_{prefix}page_{form}": lambda q=queryset: list(
                        q().order_by("id").values_list("id", flat=True)[:100]
                    ),
                    f"core_{prefix}recent_{form}": lambda q=queryset: list(
                        q().order_by("-created_at").values_list("id", flat=True)[:100]
                    ),
                }
        if len(closure) <= 1000:  # the filter spec's `in` takes at most 1000 values
            by_id, by_name = spec("in", closure, "cell_types__id"), spec("in", names)
            cases |= {
                "rpc_count_descendant_of": lambda term=term: rpc(
                    "count", registry="Artifact", filters=spec("descendant_of", term)
                )[0]["count"],
                "rpc_count_in": lambda f=by_id: rpc("count", registry="Artifact", filters=f)[0]["count"],
                "rpc_count_in_names": lambda f=by_name: rpc("count", registry="Artifact", filters=f)[0][
                    "count"
                ],
                "rpc_page_descendant_of": lambda term=term: page_ids(spec("descendant_of", term)),
                "rpc_page_in": lambda f=by_id: page_ids(f),
                "rpc_page_in_names": lambda f=by_name: page_ids(f),
            }
        medians, cpu, results = measure(cases, args.repeats)
        for prefix in forms:
            for case in ("count", "page", "recent"):
                want = results["core_count_in"] if case == "count" else results[f"core_{case}_in"]
                got = {
                    results[f"core_{prefix}{case}_{form}"]
                    if case == "count"
                    else tuple(results[f"core_{prefix}{case}_{form}"])
                    for form in ("descendant_of", "in")
                }
                assert got == {want if case == "count" else tuple(want)}, (term, prefix, case)
        if "rpc_count_in" in results:
            counts = {results[k] for k in ("rpc_count_descendant_of", "rpc_count_in", "rpc_count_in_names")}
            pages = {
                tuple(results[k]) for k in ("rpc_page_descendant_of", "rpc_page_in", "rpc_page_in_names")
            }
            assert counts == {results["core_count_in"]} and pages == {tuple(results["core_page_in"])}, term
        line = {
            "term": term,
            "closure": len(closure),
            "matches": results["core_count_in"],
            "n": n_artifacts,
            "db": connection.vendor,
            "repeats": args.repeats,
            "median_ms": medians,
            "median_cpu_ms": cpu,
            "load": load(),
        }
        lines.append(line)
        print(json.dumps(line), flush=True)
    if args.out:
        with args.out.open("a") as f:
            for line in lines:
                f.write(json.dumps(line) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
