"""Run the registry workload against one implementation, in this process; append JSON lines.

    .venv/bin/python      benchmarks/workload/runner.py --impl lamin_core --n 100000 --out FILE
    .peer-venv/bin/python benchmarks/workload/runner.py --impl lamindb    --n 100000 --out FILE
    .venv/bin/python      benchmarks/workload/runner.py --impl lamin_core --relevance --cl-terms T.tsv --out F
    .peer-venv/bin/python benchmarks/workload/runner.py --impl lamindb    --relevance --cl-terms T.tsv --out F

Workload mode: a fresh SQLite instance (with bionty) in a temp dir under its own settings dir, populated
with `spec.generate(n)` through the implementation's bulk path (Django `bulk_create` of plain model
instances, link tables, feature values), checked, then every op of `OPS` timed: one warm-up, then
`--repeats` runs with `time.perf_counter` (more for a fast op: `more_runs`), output discarded. Every
read op's row count and uid digest is compared with the value the spec predicts (`expected` in the
record, `correct` true/false).

Relevance mode: the Cell Ontology in `bt.CellType`, then the 30 queries of
tests/data/search_relevance_public.tsv through `bt.CellType.search(q)`: top-1 and top-5 hits per kind and
the latency per query. lamin_core loads the ontology offline (`import_source()`, bundled) and writes the
terms to `--cl-terms`; LaminDB's bionty downloads its sources, so it first tries `import_source()` and,
when that fails offline, bulk-creates the terms lamin_core wrote (the same records) and notes why.

Standard library only at module level: the LaminDB venv runs this file too.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import csv
import io
import json
import logging
import os
import platform
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
from datetime import UTC, datetime, timedelta
from pathlib import Path

import spec as workload

HERE = Path(__file__).resolve().parent
QUERIES = HERE.parent.parent / "tests" / "data" / "search_relevance_public.tsv"
CL_COLUMNS = ("uid", "ontology_id", "name", "synonyms", "description")
CHUNK = 50_000  # model instances built per bulk_create round (bounds memory at N = 1M)
TIMED_BUDGET_S = 0.2  # timed seconds per op that more_runs aims at


def _plain_instance(model, fields: dict):
    """A model instance built by Django's own ``Model.__init__`` (LaminDB's ``Artifact.__init__`` wants a
    file; both implementations then insert exactly the given field values)."""
    django_model = next(
        c for c in model.__mro__ if c.__name__ == "Model" and c.__module__ == "django.db.models.base"
    )
    obj = model.__new__(model)
    django_model.__init__(obj, **fields)
    return obj


# --- implementations -------------------------------------------------------------------------------


class Impl:
    """What differs between the two implementations; the timed calls are the same public API."""

    name = ""
    ln = bt = None
    value_model = value_link = value_fk = ""

    def init(self, workdir: Path, db: str | None = None) -> None:
        raise NotImplementedError

    def version(self) -> str:
        raise NotImplementedError

    def model(self, name: str):
        return getattr(self.ln.models, name)

    def frame(self, registry_or_qs, limit, include=None, features=False):
        """``to_dataframe`` with an explicit limit (100 = 1.x ``Registry.df()``, None = all)."""
        raise NotImplementedError


class LaminCore(Impl):
    name = "lamin_core"
    value_model, value_link, value_fk = "FeatureValue", "ArtifactFeatureValue", "featurevalue_id"

    def init(self, workdir, db=None):
        import lamin_core as ln

        ln.setup.init(storage=str(workdir / "storage"), db=db, modules="bionty")
        import lamin_core.bionty as bt

        self.ln, self.bt = ln, bt

    def version(self):
        from importlib.metadata import version

        return f"lamin_core=={getattr(self.ln, '__version__', version('lamin-widgets'))}"

    def frame(self, obj, limit, include=None, features=False):
        return obj.to_dataframe(limit=limit, include=include, features=features)


class LaminDB(Impl):
    name = "lamindb"
    value_model, value_link, value_fk = "JsonValue", "ArtifactJsonValue", "jsonvalue_id"

    def init(self, workdir, db=None):
        lamin = Path(sys.executable).parent / "lamin"
        cmd = [str(lamin), "init", "--storage", str(workdir / "storage"), "--modules", "bionty"]
        if db:
            cmd += ["--db", db]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode != 0:
            raise RuntimeError(f"lamin init failed: {proc.stdout}{proc.stderr}")
        import bionty as bt
        import lamindb as ln  # connects to the instance just created

        instance = ln.setup.settings.instance
        if hasattr(instance, "_is_on_hub"):
            instance._is_on_hub = False  # offline: never ask LaminHub about a local instance
        self.ln, self.bt = ln, bt

    def version(self):
        import bionty

        return f"lamindb=={self.ln.__version__} bionty=={bionty.__version__}"

    def frame(self, obj, limit, include=None, features=False):
        include = list(include or [])
        if features:
            include.append("features")
        return obj.to_dataframe(limit=limit, **({"include": include} if include else {}))


IMPLS = {"lamin_core": LaminCore, "lamindb": LaminDB}


# --- population ------------------------------------------------------------------------------------


def fast_insert(model, rows: list[dict]) -> None:
    """Insert ``rows`` (field values by attname) without building a model instance per row: one
    instance gives every other column's value, then PostgreSQL ``COPY ... FROM STDIN`` or SQLite
    ``executemany`` on the driver's connection, in one transaction (``--loader copy``, lamin_core only)."""
    from django.db import connection, models, transaction

    if not rows:
        return
    template = _plain_instance(model, rows[0])
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    given = [f for f in fields if f.attname in rows[0]]
    fixed = {
        f.attname: f.get_db_prep_save(getattr(template, f.attname), connection)
        for f in fields
        if f.attname not in rows[0] and not f.unique
    }
    fresh = [f for f in fields if f.attname not in rows[0] and f.unique]  # e.g. a random uid per row
    columns = [f.column for f in given] + [model._meta.get_field(a).column for a in fixed]
    columns += [f.column for f in fresh]
    constants = tuple(fixed.values())
    quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
    table = connection.ops.quote_name(model._meta.db_table)

    # text, numbers, booleans and keys go to the driver as they are: Django's per-value preparation of
    # them was most of a 10M populate's time; datetimes and JSON still go through it
    plain = (models.CharField, models.TextField, models.IntegerField, models.BooleanField, models.ForeignKey)
    prepared = [(f.attname, None if isinstance(f, plain) else f) for f in given]

    def values():
        for r in rows:
            yield (
                *(r[a] if f is None else f.get_db_prep_save(r[a], connection) for a, f in prepared),
                *constants,
                *(f.get_db_prep_save(f.get_default(), connection) for f in fresh),
            )

    with transaction.atomic():
        connection.ensure_connection()
        if connection.vendor == "postgresql":
            with connection.cursor() as c, c.cursor.copy(f"COPY {table} ({quoted}) FROM STDIN") as copy:
                for row in values():
                    copy.write_row(row)
        else:
            marks = ", ".join("?" * len(columns))
            connection.connection.executemany(f"INSERT INTO {table} ({quoted}) VALUES ({marks})", values())


def insert(loader: str, model, rows: list[dict], batch_size: int) -> None:
    """``rows`` into ``model``'s table: Django ``bulk_create`` of plain instances, or ``fast_insert``."""
    if loader == "copy":
        fast_insert(model, rows)
    else:
        model.objects.bulk_create([_plain_instance(model, r) for r in rows], batch_size=batch_size)


def populate(impl: Impl, data: workload.Spec, loader: str = "bulk_create") -> dict:
    """Bulk-insert labels, artifacts, label links and feature values; seconds per part."""
    ln, parts = impl.ln, {}
    t = time.perf_counter()
    labels = [{"uid": x["uid"], "name": x["name"], "created_at": x["created_at"]} for x in data.labels]
    insert(loader, ln.ULabel, labels, 2000)
    by_uid = dict(ln.ULabel.objects.values_list("uid", "id"))
    label_ids = [by_uid[x["uid"]] for x in data.labels]
    parts["labels_s"] = time.perf_counter() - t

    t = time.perf_counter()
    storage_id = ln.Storage.filter().first().id
    for start in range(0, data.n, CHUNK):
        rows = [workload.artifact_row(a, storage_id) for a in data.artifacts[start : start + CHUNK]]
        insert(loader, ln.Artifact, rows, 2000)
    by_uid = dict(ln.Artifact.objects.values_list("uid", "id"))
    artifact_ids = [by_uid[a["uid"]] for a in data.artifacts]
    del by_uid
    parts["artifacts_s"] = time.perf_counter() - t

    t = time.perf_counter()
    link = impl.model("ArtifactULabel")
    for start in range(0, len(data.links), CHUNK):
        rows = [
            {"artifact_id": artifact_ids[i], "ulabel_id": label_ids[j], "feature_id": None}
            for i, j in data.links[start : start + CHUNK]
        ]
        insert(loader, link, rows, 5000)
    parts["label_links_s"] = time.perf_counter() - t

    t = time.perf_counter()
    feature = {
        "temperature": ln.Feature(name="temperature", dtype=float).save(),
        "perturbation": ln.Feature(name="perturbation", dtype=ln.ULabel).save(),
        "study_note": ln.Feature(name="study_note", dtype=str).save(),
        "study_metadata": ln.Feature(name="study_metadata", dtype=dict).save(),
    }
    value_model, value_link = impl.model(impl.value_model), impl.model(impl.value_link)
    value_ids: dict[tuple[str, str], int] = {}

    def value_id(name: str, value) -> int:
        key = (name, json.dumps(value, sort_keys=True))
        if key not in value_ids:
            value_ids[key] = value_model.objects.get_or_create(feature=feature[name], value=value)[0].id
        return value_ids[key]

    values, perturbations = [], []
    for f in data.features:
        aid = artifact_ids[f["artifact"]]
        for name in ("temperature", "study_note", "study_metadata"):
            values.append({"artifact_id": aid, impl.value_fk: value_id(name, f[name])})
        for p in f["perturbation"]:
            perturbations.append(
                {"artifact_id": aid, "ulabel_id": label_ids[p], "feature_id": feature["perturbation"].id}
            )
    insert(loader, value_link, values, 5000)
    insert(loader, link, perturbations, 5000)
    parts["features_s"] = time.perf_counter() - t
    return parts


def analyze(impl: Impl) -> float:
    """PostgreSQL: ``VACUUM ANALYZE`` after the bulk load, what autovacuum does shortly after one (planner
    statistics, visibility map for index-only scans); seconds. SQLite: nothing (lamin_core ships planner
    statistics with its schema, see lamin_core/setup/sqlite_stats.py)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return 0.0
    t = time.perf_counter()
    with connection.cursor() as c:
        c.execute("VACUUM ANALYZE")
    return time.perf_counter() - t


def check_population(impl: Impl, data: workload.Spec) -> dict:
    """Counts and one bulk artifact's feature values through the public API, against the spec."""
    ln = impl.ln
    out = {
        "n_artifacts": ln.Artifact.filter().count(),
        "n_ulabels": ln.ULabel.filter().count(),
    }
    if data.features:
        f0 = data.features[0]
        values = ln.Artifact.get(uid=data.artifacts[f0["artifact"]]["uid"]).features.get_values()

        def norm(v):
            if isinstance(v, list | tuple | set):
                v = sorted(str(x) for x in v)
                return v[0] if len(v) == 1 else v
            return v

        expected = {
            "temperature": f0["temperature"],
            "perturbation": [workload.PERTURBATIONS[p] for p in f0["perturbation"]],
            "study_note": f0["study_note"],
            "study_metadata": f0["study_metadata"],
        }
        out["feature_values_match"] = all(norm(values.get(k)) == norm(v) for k, v in expected.items())
    out["counts_match"] = out["n_artifacts"] == data.n and out["n_ulabels"] == len(data.labels)
    return out


# --- operations ------------------------------------------------------------------------------------

LABEL = "label 7"
KEY_FRAGMENT = "batch_07/sample_000077"  # 10 artifacts when n >= 780
SIZE_SUFFIXES = (".h5ad", ".parquet", ".csv")


def expected_results(data: workload.Spec) -> dict[str, tuple[int, str | None]]:
    """(rows, uid digest) each read op must return, derived from the spec alone."""
    links: dict[int, list[int]] = {}
    for i, j in data.links:
        links.setdefault(i, []).append(j)
    features = {f["artifact"]: f for f in data.features}
    rows = ((a, links.get(i, []), features.get(i)) for i, a in enumerate(data.artifacts))
    return expected_from(data.labels, data.n, rows)


def expected_from(labels: list[dict], n: int, rows) -> dict[str, tuple[int, str | None]]:
    """``expected_results`` from the labels and ``(artifact, label indices, features or None)`` per
    artifact in order, read once (``workload.stream``: the records of 10 000 000 artifacts are not kept)."""
    label_j = next(j for j, x in enumerate(labels) if x["name"] == LABEL)
    h5ad, with_label, sized, first_1000, dmso = [], [], [], [], []
    last_100: collections.deque = collections.deque(maxlen=100)
    for i, (a, linked, feature) in enumerate(rows):
        uid = a["uid"]
        last_100.append(uid)
        if i < 1000:
            first_1000.append(uid)
        if a["suffix"] == ".h5ad":
            h5ad.append(uid)
        if label_j in linked:
            with_label.append(uid)
        if a["size"] > 1e4 and a["suffix"] in SIZE_SUFFIXES:
            sized.append(uid)
        if feature is not None and 0 in feature["perturbation"]:
            dmso.append(uid)
    latest, h5ad_latest = workload.uid_digest(last_100), workload.uid_digest(h5ad[-100:])
    return {
        "artifact_df_latest100": (min(100, n), latest),
        "filter_suffix_h5ad_full": (len(h5ad), workload.uid_digest(h5ad)),
        "filter_ulabel_full": (len(with_label), workload.uid_digest(with_label)),
        "filter_size_suffix_in_order_full": (len(sized), workload.uid_digest(sized)),
        "include_related_1000": (len(first_1000), workload.uid_digest(first_1000)),
        "features_filter_dmso_full": (len(dmso), workload.uid_digest(dmso)),
        "ulabel_lookup_5000": (len(labels), None),  # at least one field per label
        "ulabel_get_name": (1, workload.uid_digest([labels[label_j]["uid"]])),
        "artifact_filter_count": (len(h5ad), None),
        "artifact_count_all": (n, None),
        "artifact_page_suffix_100": (min(100, len(h5ad)), h5ad_latest),
        "features_filter_dmso_count": (len(dmso), None),
        "widget_page_100": (min(100, n), latest),
        "widget_page_suffix_100": (min(100, len(h5ad)), h5ad_latest),
    }


class IpcRows(list):
    """The uids of a widget page (Arrow IPC bytes from the RPC method table), for ``describe``."""


def widget_page(ln, filters: list[dict] | None = None) -> IpcRows:
    """What the widgets and the sidebar's REST API ask: ``page``, 100 rows, ``-created_at`` (ties by id),
    Arrow IPC, through ``lamin_widgets.protocol.methods.handle`` (validation, query, Arrow encoding)."""
    import pyarrow as pa

    from lamin_widgets.protocol import methods as rpc_methods

    params = {"registry": "Artifact", "order": ["-created_at"], "limit": 100}
    if filters:
        params["filters"] = {"op": "and", "not": False, "items": filters}
    response, buffers = rpc_methods.handle({"id": 1, "kind": "lamin-rpc", "method": "page", "params": params})
    if not response.get("ok"):
        raise RuntimeError(response)
    table = pa.ipc.open_stream(buffers[0]).read_all()
    return IpcRows(table.column("uid").to_pylist())


def build_ops(impl: Impl, data: workload.Spec, workdir: Path):
    """(name, call, fn, kind) for every op; kind "read" ops are checked against the spec."""
    ln, frame = impl.ln, impl.frame
    first_1000_end = workload.BASE_TIME + timedelta(seconds=min(1000, data.n))
    plain = [a["uid"] for i, a in enumerate(data.artifacts) if i % 10 != 0][:50]
    files = workdir / "public_files"
    files.mkdir(exist_ok=True)
    counter = [0]

    def save_one():
        counter[0] += 1
        k = counter[0]
        path = files / f"file_{k}.csv"
        path.write_text(f"a,b\n{k},{k * 7}\n")
        return ln.Artifact(str(path), key=f"bench_public/file_{k}.csv").save()

    def add_values_one():
        counter[0] += 1
        k = counter[0]
        artifact = ln.Artifact.get(uid=plain[k % len(plain)])
        artifact.features.add_values(
            {
                "temperature": 30.5,
                "perturbation": "IFNG",
                "study_note": f"note {k}",
                "study_metadata": {"detail1": str(k)},
            }
        )
        return artifact

    return [
        ("artifact_df_latest100", "Artifact.to_dataframe(limit=100)", lambda: frame(ln.Artifact, 100)),
        (
            "filter_suffix_h5ad_full",
            'Artifact.filter(suffix=".h5ad").to_dataframe(limit=None)',
            lambda: frame(ln.Artifact.filter(suffix=".h5ad"), None),
        ),
        (
            "filter_ulabel_full",
            f"Artifact.filter(ulabels=ULabel.get(name={LABEL!r})).to_dataframe(limit=None)",
            lambda: frame(ln.Artifact.filter(ulabels=ln.ULabel.get(name=LABEL)), None),
        ),
        (
            "filter_size_suffix_in_order_full",
            'Artifact.filter(size__gt=1e4, suffix__in=[".h5ad",".parquet",".csv"]).order_by("-created_at")'
            ".to_dataframe(limit=None)",
            lambda: frame(
                ln.Artifact.filter(size__gt=1e4, suffix__in=list(SIZE_SUFFIXES)).order_by("-created_at"), None
            ),
        ),
        (
            "include_related_1000",
            'Artifact.filter(created_at__lt=T1000).to_dataframe(include=["created_by__name","ulabels__name",'
            '"suffix"], limit=None)',
            lambda: frame(
                ln.Artifact.filter(created_at__lt=first_1000_end),
                None,
                include=["created_by__name", "ulabels__name", "suffix"],
            ),
        ),
        (
            "features_filter_dmso_full",
            'Artifact.filter(perturbation="DMSO").to_dataframe(features / include="features", limit=None)',
            lambda: frame(ln.Artifact.filter(perturbation="DMSO"), None, features=True),
        ),
        ("ulabel_search", 'list(ULabel.search("label 1"))', lambda: list(ln.ULabel.search("label 1"))),
        (
            "artifact_search",
            f'list(Artifact.search("{KEY_FRAGMENT}"))',
            lambda: list(ln.Artifact.search(KEY_FRAGMENT)),
        ),
        (
            "artifact_search_broad",
            'list(Artifact.search("batch_07"))  (N/50 matches, top 20)',
            lambda: list(ln.Artifact.search("batch_07")),
        ),
        ("ulabel_lookup_5000", "ULabel.lookup()", lambda: ln.ULabel.lookup()),
        ("view", "ln.view()  (printed output discarded)", lambda: ln.view()),
        ("ulabel_get_name", f"ULabel.get(name={LABEL!r})", lambda: ln.ULabel.get(name=LABEL)),
        (
            "artifact_filter_count",
            'Artifact.filter(suffix=".h5ad").count()',
            lambda: ln.Artifact.filter(suffix=".h5ad").count(),
        ),
        ("artifact_count_all", "Artifact.filter().count()", lambda: ln.Artifact.filter().count()),
        (
            "artifact_page_suffix_100",
            'list(Artifact.filter(suffix=".h5ad").order_by("-created_at", "id")[:100])',
            lambda: list(ln.Artifact.filter(suffix=".h5ad").order_by("-created_at", "id")[:100]),
        ),
        (
            "features_filter_dmso_count",
            'Artifact.filter(perturbation="DMSO").count()',
            lambda: ln.Artifact.filter(perturbation="DMSO").count(),
        ),
        *(
            [
                (
                    "widget_page_100",
                    'rpc page: Artifact, order ["-created_at"], 100 rows, Arrow IPC',
                    lambda: widget_page(ln),
                ),
                (
                    "widget_page_suffix_100",
                    'rpc page: Artifact, filter suffix = ".h5ad", order ["-created_at"], 100 rows, Arrow IPC',
                    lambda: widget_page(ln, [{"field": "suffix", "lookup": "exact", "value": ".h5ad"}]),
                ),
            ]
            if impl.name == "lamin_core"
            else []
        ),
        ("public_artifact_save", 'Artifact("<new 12-byte csv>", key=...).save()', save_one),
        (
            "public_features_add_values",
            "artifact.features.add_values({temperature, perturbation, study_note, study_metadata})",
            add_values_one,
        ),
    ]


def describe(result) -> dict:
    """Rows (and uid digest where the result has uids) of an op's result."""
    try:
        import pandas as pd
    except ImportError:  # pragma: no cover
        pd = None
    if pd is not None and isinstance(result, pd.DataFrame):
        info = {"rows": int(result.shape[0]), "cols": int(result.shape[1])}
        if "uid" in result.columns:
            info["uid_digest"] = workload.uid_digest(result["uid"].astype(str))
        return info
    if hasattr(result, "_fields"):  # a namedtuple-like lookup
        return {"rows": len(result._fields)}
    if isinstance(result, IpcRows):
        return {"rows": len(result), "uid_digest": workload.uid_digest(result)}
    if isinstance(result, list | tuple):
        info = {"rows": len(result)}
        if all(hasattr(r, "uid") for r in result):
            info["uid_digest"] = workload.uid_digest(r.uid for r in result)
        return info
    if isinstance(result, int):
        return {"rows": result}
    if result is not None and hasattr(result, "uid"):
        return {"rows": 1, "uid_digest": workload.uid_digest([result.uid])}
    if result is not None and hasattr(result, "dict"):  # a lookup object with a dict() of its entries
        with contextlib.suppress(Exception):
            return {"rows": len(result.dict())}
    return {"rows": None}


@contextlib.contextmanager
def quiet():
    """Discard stdout/stderr and the stream handlers of every logger while timing."""
    sink = io.StringIO()
    loggers = [logging.getLogger(), *(lg for lg in logging.Logger.manager.loggerDict.values())]
    with contextlib.suppress(Exception):
        from lamindb_setup.core._logger import logger as lamin_logger

        loggers.append(lamin_logger)
    swapped = []
    for lg in loggers:
        for h in getattr(lg, "handlers", []):
            if isinstance(h, logging.StreamHandler) and not isinstance(h, logging.FileHandler):
                swapped.append((h, h.setStream(sink)))
    try:
        with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
            yield sink
    finally:
        for h, old in swapped:
            if old is not None:
                h.setStream(old)


def more_runs(times: list[float], minimum: int) -> bool:
    """Whether an op needs another timed run: until ``minimum`` runs, and a fast op until about
    ``TIMED_BUDGET_S`` of runs, at most ten times ``minimum`` (as `timeit` autoranges): the median of
    five 3-ms calls moves by 10-20 % with where the scheduler and the allocator happen to be."""
    return len(times) < minimum or (len(times) < 10 * minimum and sum(times) < TIMED_BUDGET_S)


def timed(fn, repeats: int) -> tuple[list[float], object]:
    """One warm-up, then ``repeats`` timed calls (seconds); the last result."""
    times, result = [], None
    for i in range(repeats + 1):
        with quiet():
            t0 = time.perf_counter()
            result = fn()
            dt = time.perf_counter() - t0
        if i:
            times.append(dt)
    return times, result


# --- modes -----------------------------------------------------------------------------------------


def op_record(name: str, call: str, st: dict, expected: dict) -> dict:
    """The JSON line of one op: timings, what it returned, and whether that is what the spec predicts."""
    rec = {"op": name, "call": call}
    if st.get("error"):
        return {**rec, "error": st["error"], "traceback": st.get("traceback")}
    times = st["times"]
    if not times:
        return {**rec, "error": "no timed runs"}
    rec.update(
        median_s=statistics.median(times),
        min_s=min(times),
        max_s=max(times),
        times_s=[round(x, 6) for x in times],
        cpu_median_s=statistics.median(st["cpu"]) if st.get("cpu") else None,
        **describe(st["result"]),
    )
    if name in expected:
        rows, digest = expected[name]
        rec["expected"] = {"rows": rows, "uid_digest": digest}
        if name == "ulabel_lookup_5000":
            rec["correct"] = rec.get("rows") is not None and rec["rows"] >= rows
        else:
            rec["correct"] = rec.get("rows") == rows and (digest is None or rec.get("uid_digest") == digest)
    return rec


def call_once(fn, st: dict, timed_run: bool) -> None:
    """Run ``fn`` once with its output discarded; keep the result, the wall and CPU time (if timed) or
    the error. The CPU time is this process's (SQLite runs in it): the work itself, which load from
    other processes on the machine does not inflate as it does the wall time."""
    try:
        with quiet():
            c0, t0 = time.process_time(), time.perf_counter()
            result = fn()
            dt, cpu = time.perf_counter() - t0, time.process_time() - c0
    except Exception as e:
        st["error"] = f"{type(e).__name__}: {e}"[:1500]
        st["traceback"] = traceback.format_exc()[-2000:]
        return
    st["result"] = result
    if timed_run:
        st["times"].append(dt)
        st.setdefault("cpu", []).append(cpu)


def prepare_workload(impl: Impl, args, workdir: Path, emit):
    """Generate, populate and check; the ops and the results the spec predicts."""
    t = time.perf_counter()
    data = workload.generate(args.n, args.seed)
    datagen_s = time.perf_counter() - t
    t = time.perf_counter()
    with quiet():  # LaminDB logs tips while saving features
        parts = populate(impl, data, args.loader)
    populate_s = time.perf_counter() - t
    analyze_s = analyze(impl)
    if analyze_s:
        parts["analyze_s"] = analyze_s
    checks = check_population(impl, data)
    emit(
        {
            "op": "populate",
            "median_s": populate_s,
            "parts": parts,
            "checks": checks,
            "datagen_s": datagen_s,
            "n_label_links": len(data.links),
            "n_feature_artifacts": len(data.features),
            "loader": args.loader,
            "correct": bool(checks.get("counts_match") and checks.get("feature_values_match", True)),
        }
    )
    expected = expected_results(data)
    del data.labels[len(workload.PERTURBATIONS) + 50 :]  # keep what the ops use; frees memory at 1M
    only = set(args.ops.split(",")) if args.ops else None
    ops = [op for op in build_ops(impl, data, workdir) if not only or op[0] in only]
    return ops, expected


def run_workload(impl: Impl, args, workdir: Path, emit) -> int:
    """All ops in turn: one warm-up, then ``--repeats`` timed runs each (more for fast ops: more_runs)."""
    ops, expected = prepare_workload(impl, args, workdir, emit)
    failed = 0
    for name, call, fn in ops:
        st = {"times": [], "result": None}
        call_once(fn, st, timed_run=False)
        while not st.get("error") and more_runs(st["times"], args.repeats):
            call_once(fn, st, timed_run=True)
        rec = op_record(name, call, st, expected)
        failed += bool(rec.get("error"))
        emit(rec)
    return 1 if failed else 0


def serve_workload(impl: Impl, args, workdir: Path, emit, reply) -> int:
    """``--serve``: populate, reply ``{"ready", "ops"}``, then run what stdin asks, one JSON line each:
    ``{"op": name, "timed": bool}`` runs it once (``{"dt"}`` or ``{"error"}`` back);
    ``{"op": name, "finish": true}`` writes its record; ``{"quit": true}`` ends. bench.py drives two of
    these, one per implementation, and alternates them call by call."""
    ops, expected = prepare_workload(impl, args, workdir, emit)
    table = {name: (call, fn) for name, call, fn in ops}
    state: dict[str, dict] = {}
    reply({"ready": True, "ops": list(table)})
    failed = 0
    for line in sys.stdin:
        cmd = json.loads(line)
        if cmd.get("quit"):
            break
        name = cmd["op"]
        call, fn = table[name]
        st = state.setdefault(name, {"times": [], "result": None})
        if cmd.get("finish"):
            rec = op_record(name, call, st, expected)
            failed += bool(rec.get("error"))
            emit(rec)
            state.pop(name)
            reply({"finished": name})
            continue
        if not st.get("error"):
            call_once(fn, st, timed_run=bool(cmd.get("timed")))
        reply(
            {"error": st["error"]}
            if st.get("error")
            else {"dt": st["times"][-1] if cmd.get("timed") else None}
        )
    return 1 if failed else 0


def load_cell_ontology(impl: Impl, terms: Path | None) -> dict:
    """The Cell Ontology in ``bt.CellType``; how it got there."""
    bt = impl.bt
    t = time.perf_counter()
    if impl.name == "lamin_core":
        with quiet():
            bt.CellType.import_source()
        if terms is not None:
            rows = bt.CellType.filter().order_by("id").values_list(*CL_COLUMNS)
            with open(terms, "w", newline="") as f:
                w = csv.writer(f, delimiter="\t")
                w.writerow(CL_COLUMNS)
                w.writerows(rows)
        return {"source": "import_source() (offline, bundled)", "load_s": time.perf_counter() - t}
    try:
        with quiet():
            bt.CellType.import_source()
        return {"source": "import_source()", "load_s": time.perf_counter() - t}
    except Exception as e:
        why = f"{type(e).__name__}: {e}"[:300]
    if terms is None or not terms.exists():
        raise RuntimeError(f"bionty could not load the Cell Ontology offline ({why}) and no --cl-terms")
    with open(terms, newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    objs = [_plain_instance(bt.CellType, {k: (v or None) for k, v in row.items()}) for row in rows]
    bt.CellType.objects.bulk_create(objs, batch_size=1000)
    return {
        "source": "lamin_core's Cell Ontology terms (bulk_create): import_source() failed offline",
        "import_source_error": why,
        "load_s": time.perf_counter() - t,
    }


def run_relevance(impl: Impl, args, emit) -> int:
    loaded = load_cell_ontology(impl, args.cl_terms)
    with open(QUERIES, newline="") as f:
        queries = list(csv.DictReader(f, delimiter="\t"))
    per_kind: dict[str, dict] = {}
    latencies, misses = [], []
    for q in queries:
        times, found = timed(lambda q=q: list(impl.bt.CellType.search(q["query"])), args.repeats)
        latencies.append(statistics.median(times))
        ids = [r.ontology_id for r in found[:5]]
        kind = per_kind.setdefault(q["kind"], {"queries": 0, "top1": 0, "top5": 0})
        kind["queries"] += 1
        kind["top1"] += bool(ids) and ids[0] == q["expected_ontology_id"]
        kind["top5"] += q["expected_ontology_id"] in ids
        if not ids or ids[0] != q["expected_ontology_id"]:
            misses.append({"query": q["query"], "expected": q["expected_ontology_id"], "top5": ids})
    emit(
        {
            "op": "celltype_search_relevance",
            "call": "list(bt.CellType.search(q)) per query of tests/data/search_relevance_public.tsv",
            "n_terms": impl.bt.CellType.filter().count(),
            "by_kind": per_kind,
            "misses": misses,
            "median_s": statistics.median(latencies),
            "min_s": min(latencies),
            "max_s": max(latencies),
            "per_query_median_s": [round(x, 6) for x in latencies],
            **loaded,
        }
    )
    return 0


def _pg_admin(server_url: str, *statements: str) -> None:
    """Run statements on the server in autocommit mode (psycopg 3 here, psycopg2 in LaminDB's venv)."""
    try:
        import psycopg

        with psycopg.connect(server_url, autocommit=True) as conn:
            for statement in statements:
                conn.execute(statement)
    except ImportError:
        import psycopg2

        conn = psycopg2.connect(server_url)
        try:
            conn.autocommit = True
            with conn.cursor() as cursor:
                for statement in statements:
                    cursor.execute(statement)
        finally:
            conn.close()


def fresh_postgres_database(server_url: str, name: str):
    """A new, empty database ``name`` on the server of ``server_url``: its URL and a function dropping it."""
    from urllib.parse import urlsplit, urlunsplit

    _pg_admin(server_url, f'DROP DATABASE IF EXISTS "{name}"', f'CREATE DATABASE "{name}"')

    def drop() -> None:
        from django.db import connections

        connections.close_all()
        with contextlib.suppress(Exception):
            _pg_admin(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return urlunsplit(urlsplit(server_url)._replace(path="/" + name)), drop


def source_commit(impl: Impl) -> str | None:
    """The git commit (short) of the checkout the implementation was imported from, if it is one."""
    folder = Path(sys.modules[impl.ln.__name__].__file__).parent
    try:
        found = subprocess.run(
            ["git", "-C", str(folder), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
        )
    except OSError:  # no git
        return None
    return found.stdout.strip() or None


def server_version(impl: Impl) -> str | None:
    from django.db import connection

    with contextlib.suppress(Exception), connection.cursor() as c:
        c.execute("SHOW server_version")
        return c.fetchone()[0]
    return None


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--impl", choices=sorted(IMPLS), required=True)
    p.add_argument("--n", type=int, default=1000, help="artifacts (workload mode)")
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--ops", help="comma-separated subset of op names")
    p.add_argument("--out", type=Path, required=True, help="JSON lines file (appended)")
    p.add_argument("--run-id", default=datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ"))
    p.add_argument("--relevance", action="store_true", help="Cell Ontology search relevance instead")
    p.add_argument("--cl-terms", type=Path, help="TSV of CL terms: written by lamin_core, read by lamindb")
    p.add_argument("--keep", action="store_true", help="keep the temp instance dir")
    p.add_argument(
        "--label",
        help="the records' impl name instead of --impl, e.g. lamin_core@e47e342 for an earlier commit's "
        "code on PYTHONPATH (bench.py --baseline)",
    )
    p.add_argument("--serve", action="store_true", help="after populating, run ops as stdin asks (bench.py)")
    p.add_argument(
        "--db",
        default="sqlite",
        help="sqlite (a file in the instance's storage) or the postgresql:// URL of a server: the runner "
        "creates a fresh database there for the instance and drops it at the end (kept with --keep)",
    )
    p.add_argument(
        "--loader",
        choices=("bulk_create", "copy"),
        default="bulk_create",
        help="populate through Django bulk_create (default) or copy: COPY FROM STDIN on PostgreSQL, "
        "executemany on SQLite (lamin_core only; fast loading at 1M)",
    )
    args = p.parse_args(argv)
    if args.loader == "copy" and args.impl != "lamin_core":
        p.error("--loader copy is implemented for lamin_core only")
    out = args.out.resolve()
    if args.cl_terms:
        args.cl_terms = args.cl_terms.resolve()

    workdir = Path(tempfile.mkdtemp(prefix=f"workload-{args.impl}-{args.n}-"))
    home = workdir / "home"
    home.mkdir()
    for var in ("LAMIN_CURRENT_INSTANCE", "LAMIN_ENV"):
        os.environ.pop(var, None)
    os.environ.update(HOME=str(home), LAMIN_SETTINGS_DIR=str(home), LAMIN_HOME=str(home / ".lamin"))
    os.chdir(workdir)  # not $HOME: LaminDB refuses to init there

    db_url, drop_db = None, None
    if args.db != "sqlite":
        db_url, drop_db = fresh_postgres_database(args.db, f"lamin_bench_{args.n}_{os.getpid()}")
    common = {
        "runner": "benchmarks/workload",
        "run_id": args.run_id,
        "impl": args.label or args.impl,
        "db": "postgresql" if db_url else "sqlite",
        "n": None if args.relevance else args.n,
        "repeats": args.repeats,
        "seed": args.seed,
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "machine": f"{platform.machine()} x{os.cpu_count()} cpu",
        "load_avg_before": [round(x, 2) for x in os.getloadavg()],
        "interleaved": args.serve,
        "ts": datetime.now(UTC).isoformat(timespec="seconds"),
    }

    def emit(rec: dict) -> None:
        rec = {**common, **rec}
        with out.open("a") as f:
            f.write(json.dumps(rec, default=str) + "\n")
        brief = {k: rec[k] for k in ("op", "median_s", "rows", "correct", "error") if k in rec}
        print(json.dumps(brief, default=str), file=sys.stderr if args.serve else sys.stdout, flush=True)

    def reply(msg: dict) -> None:
        print("@@ " + json.dumps(msg, default=str), flush=True)

    impl = IMPLS[args.impl]()
    t_all = time.perf_counter()
    try:
        t = time.perf_counter()
        with quiet():
            impl.init(workdir, db_url)
        common["init_s"] = time.perf_counter() - t
        if db_url:
            common["postgresql"] = server_version(impl)
        common["version"] = impl.version()
        common["commit"] = source_commit(impl)
        if args.relevance:
            rc = run_relevance(impl, args, emit)
        elif args.serve:
            rc = serve_workload(impl, args, workdir, emit, reply)
        else:
            rc = run_workload(impl, args, workdir, emit)
    except Exception as e:
        emit(
            {
                "op": "relevance" if args.relevance else "populate",
                "error": f"{type(e).__name__}: {e}"[:2000],
                "traceback": traceback.format_exc()[-3000:],
            }
        )
        rc = 2
    finally:
        os.chdir("/")
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
            if drop_db:
                drop_db()
    emit({"op": "total_wall", "median_s": time.perf_counter() - t_all})
    return rc


if __name__ == "__main__":
    sys.exit(main())
