"""Worker processes for tests/scale: writers, readers, fault victims and a final checker.

Run as `python scale_worker.py ROLE ARGS_JSON` with `LAMIN_HOME` pointing at the test instance's settings.
Every role writes one JSON result to `args["out"]`: what it did, what it measured and every error it met
(`{"where", "error", "traceback"}`): errors are reported, never swallowed, and the test fails on them.

Roles:
- `writer`: saves artifacts (its own content, plus content every writer saves, to race the hash's
  uniqueness), creates or reuses ULabels (same names in every writer) and annotates each artifact in one
  `features.add_values` call with several features, and links a tag label through a feature.
- `reader`: loops over filter/df/count/search/feature filters until `stop` exists, checking invariants.
- `victim`: saves one artifact, then starts another and pauses at a chosen point (`staged`: after the copy
  was staged, before the transaction; `published`: after the insert and the rename, before the commit;
  `values`: inside `add_values`' transaction after the values were written; `deleting`: inside a
  permanent delete's transaction after its file was renamed aside), tells the test where it is
  (`paused.json`) and sleeps until the test SIGKILLs it.
- `check`: counts what is in the database (artifacts, duplicates, links, values) for the test's asserts.
"""

from __future__ import annotations

import json
import os
import random
import sys
import time
import traceback
from collections import Counter
from pathlib import Path

FEATURES = {"scale_a": "int", "scale_b": "str", "scale_c": "float", "scale_label": "cat[ULabel]"}
TAG_FEATURE = ("scale_tag", "cat[ULabel]")
# labels: writer w's item i uses `scale-label-{i}`, so every label is created by all writers at about
# the same moment (get-or-create races); tags come from a small set shared by all items

N_TAGS = 3
SHARED_A = 100_000  # scale_a of shared artifacts: SHARED_A + index


def write_json(path: str | Path, data: dict) -> None:
    """Write atomically, so the test never reads half a file."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.part")
    tmp.write_text(json.dumps(data, default=str))
    os.replace(tmp, path)


def wait_for(path: Path, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{path} did not appear within {timeout} s")
        time.sleep(0.01)


class Errors(list):
    def record(self, where: str, error: BaseException) -> None:
        self.append(
            {
                "where": where,
                "error": f"{type(error).__name__}: {error}",
                "traceback": "".join(traceback.format_exception(error))[-3000:],
            }
        )


def unique_content(worker: int, item: int) -> str:
    return f"scale test: writer {worker}, item {item}\n" + "x" * (item % 7)


def shared_content(item: int) -> str:
    return f"scale test: shared content {item}\n"


def ensure_features(ln) -> dict:
    """Create the test's features (every writer does, at the same time: Feature.save handles the race)."""
    features = {name: ln.Feature(name=name, dtype=dtype).save() for name, dtype in FEATURES.items()}
    features[TAG_FEATURE[0]] = ln.Feature(name=TAG_FEATURE[0], dtype=TAG_FEATURE[1]).save()
    return features


def writer(args: dict) -> dict:
    import lamin_core as ln

    worker, n_unique, n_shared = args["worker"], args["n_unique"], args["n_shared"]
    workdir = Path(args["workdir"]) / f"writer-{worker}"
    workdir.mkdir(parents=True, exist_ok=True)
    errors = Errors()
    done: list[dict] = []
    ln.Artifact.filter().count()  # connect before the start signal
    wait_for(Path(args["go"]))
    start = time.monotonic()
    try:
        ensure_features(ln)
    except Exception as e:
        errors.record("features", e)
    # own items in the same order in every writer (their labels race), shared items at random places
    items: list[tuple[str, int]] = [("unique", i) for i in range(n_unique)]
    rng = random.Random(worker)
    for i in range(n_shared):
        items.insert(rng.randrange(len(items) + 1), ("shared", i))
    for kind, i in items:
        try:
            if kind == "unique":
                content, key = unique_content(worker, i), f"scale/w{worker}/item{i}.txt"
                values = {"scale_a": worker * 1000 + i, "scale_b": f"w{worker}-i{i}", "scale_c": i + 0.5}
                description = f"scale item of writer {worker} number {i}"
            else:
                content, key = shared_content(i), f"scale/shared/item{i}.txt"
                values = {"scale_a": SHARED_A + i, "scale_b": f"shared-{i}", "scale_c": -1.5 - i}
                description = f"scale shared item number {i}"
            path = workdir / f"{kind}-{i}.txt"
            path.write_text(content)
            artifact = ln.Artifact(path, key=key, description=description).save()
            label = ln.ULabel(name=f"scale-label-{i}" if kind == "unique" else f"scale-label-s{i}").save()
            tag = ln.ULabel(
                name=f"scale-tag-{(i + worker) % N_TAGS}" if kind == "unique" else "scale-tag-shared"
            )
            tag = tag.save()
            artifact.features.add_values({**values, "scale_label": label})
            artifact.features.add_values({"scale_tag": tag})
            done.append(
                {
                    "kind": kind,
                    "item": i,
                    "uid": artifact.uid,
                    "hash": artifact.hash,
                    "key": key,
                    "label": label.name,
                    "tag": tag.name,
                }
            )
        except Exception as e:
            errors.record(f"{kind} item {i}", e)
    return {"done": done, "errors": errors, "seconds": time.monotonic() - start}


class _NotYet(Exception):
    pass


def reader(args: dict) -> dict:
    import lamin_core as ln

    ln.Artifact.filter().count()  # connects (and sets Django up) before the models are imported
    from lamin_core.models import ArtifactFeatureValue, ArtifactULabel

    errors = Errors()
    stop = Path(args["stop"])
    rows_read = loops = searches = checked = invariant_passes = passes_while_writing = 0
    last_count = 0
    try:  # warm up (imports, caches) before the writers start, so that the loops overlap with them
        ln.Artifact.filter(key__startswith="scale/").df()
        list(ln.Artifact.search("scale shared item"))
        ln.ULabel.filter(name__startswith="scale-").df()
    except Exception as e:
        errors.record("reader warm-up", e)
    wait_for(Path(args["go"]))
    start = time.monotonic()
    all_features = {*FEATURES, TAG_FEATURE[0]}

    def ids_with(feature: str) -> set[int]:
        if feature in ("scale_label", "scale_tag"):
            links = ArtifactULabel.objects.filter(feature__name=feature)
        else:
            links = ArtifactFeatureValue.objects.filter(featurevalue__feature__name=feature)
        return set(links.values_list("artifact_id", flat=True))

    while True:
        final = stop.exists()  # one more full pass after the writers finished
        loops += 1
        try:
            items = ln.Artifact.filter(key__startswith="scale/")
            count = items.count()
            if count < last_count:
                raise AssertionError(f"visible artifacts went from {last_count} down to {count}")
            last_count = count
            df = items.df()
            rows_read += len(df)
            if df["uid"].duplicated().any() if "uid" in df else df.index.duplicated().any():
                raise AssertionError("df() shows an artifact twice")
            if len(df) < count:
                raise AssertionError(f"df() shows {len(df)} rows after count() said {count}")
            # searches and other reads users do while others write
            hits = list(ln.Artifact.search("scale shared item"))
            searches += 1
            rows_read += len(hits)
            if any("scale" not in (a.description or "") for a in hits[:5]):
                raise AssertionError(f"search returned unrelated artifacts: {hits[:5]}")
            rows_read += len(ln.ULabel.filter(name__startswith="scale-").df())
            rows_read += len(ln.Artifact.filter(key__startswith="scale/shared/").order_by("-id")[:10])
            if set(ln.Feature.filter(name__in=all_features).values_list("name", flat=True)) != all_features:
                raise _NotYet  # the writers have not created the features yet
            rows_read += ln.Artifact.filter(scale_label="scale-label-1").count()
            # one annotation is written in one transaction: whoever has scale_a (queried first) has the
            # rest (queried later; annotations are only ever added here), and the other way round
            if loops % 2:
                first, later = {"scale_a"}, ("scale_b", "scale_c", "scale_label")
                has_first = set(ln.Artifact.filter(scale_a__gte=0).values_list("id", flat=True))
            else:
                first, later = {"scale_label"}, ("scale_a", "scale_b", "scale_c")
                has_first = ids_with("scale_label")
            rows_read += len(has_first)
            for feature in later:
                missing = has_first - ids_with(feature)
                if missing:
                    raise AssertionError(
                        f"artifacts {sorted(missing)[:5]} have {first.pop()} but not {feature}: "
                        "a half-written annotation is visible"
                    )
            if has_first:
                sample = random.sample(sorted(has_first), min(3, len(has_first)))
                for artifact in ln.Artifact.filter(id__in=sample):
                    values = artifact.features.get_values()
                    checked += 1
                    lacking = set(FEATURES) - set(values)
                    if lacking:
                        raise AssertionError(f"{artifact.uid} has values {values} without {lacking}")
            invariant_passes += 1
            passes_while_writing += not final
        except _NotYet:
            pass
        except Exception as e:
            errors.record(f"reader loop {loops}", e)
            if len(errors) > 20:
                break
        if final:
            break
    return {
        "loops": loops,
        "rows_read": rows_read,
        "searches": searches,
        "values_checked": checked,
        "invariant_passes": invariant_passes,
        "passes_while_writing": passes_while_writing,
        "errors": errors,
        "seconds": time.monotonic() - start,
    }


# -- fault injection -----------------------------------------------------------------------------------------


def _pause(args: dict, point: str, **info) -> None:
    """Tell the test where this process is, then wait to be killed."""
    write_json(args["paused"], {"pid": os.getpid(), "point": point, **{k: str(v) for k, v in info.items()}})
    time.sleep(600)
    raise SystemExit("not killed within 600 s")


def _hook(modules: list, name: str, wrapper_factory) -> None:
    """Replace function `name` in every module that has it (the module that calls it must see the wrapper)."""
    patched = False
    for module in modules:
        original = getattr(module, name, None)
        if original is not None:
            setattr(module, name, wrapper_factory(original))
            patched = True
    if not patched:
        raise RuntimeError(f"fault hook: no function {name!r} in {[m.__name__ for m in modules]}")


def victim(args: dict) -> dict:
    import lamin_core as ln
    import lamin_core.artifacts.save as save_module
    import lamin_core.features.manager as manager_module

    errors = Errors()
    workdir = Path(args["workdir"])
    point = args["point"]
    ensure_features(ln)
    label = ln.ULabel(name="scale-label-victim").save()
    # a committed artifact first: cleanup must keep its file
    kept = workdir / f"kept-{point}.txt"
    kept.write_text(f"committed before the fault at {point}\n")
    committed = ln.Artifact(kept, key=f"faults/kept-{point}.txt").save()
    source = workdir / f"victim-{point}.txt"
    source.write_text(args["content"])

    if point == "staged":

        def wrap(original):
            def stage(src, dst, *a, **k):
                tmp = original(src, dst, *a, **k)
                _pause(args, point, staged=tmp, destination=dst)

            return stage

        _hook([save_module], "stage", wrap)
    elif point == "published":

        def wrap(original):
            def publish(tmp, dst, *a, **k):
                original(tmp, dst, *a, **k)
                _pause(args, point, published=dst, staged=tmp)

            return publish

        _hook([save_module], "publish", wrap)
    elif point == "values":

        def wrap(original):
            def link_labels(host_id, triples, *a, **k):
                original(host_id, triples, *a, **k)
                _pause(args, point, artifact_id=host_id)

            return link_labels

        _hook([manager_module], "link_labels", wrap)
    elif point == "deleting":  # a permanent delete: after the file was renamed aside, before the commit
        artifact = ln.Artifact(source, key=f"faults/victim-{point}.txt").save()
        write_json(
            Path(args["paused"]).with_suffix(".uid"), {"uid": artifact.uid, "committed": committed.uid}
        )
        original = os.replace

        def replace(src, dst, *a, **k):
            original(src, dst, *a, **k)
            if str(dst).endswith(".deleting"):
                _pause(args, point, deleting=dst, original=src)

        os.replace = replace
        artifact.delete(permanent=True, storage=True)
        return {"errors": errors, "not_paused": True}
    else:
        raise ValueError(f"unknown pause point {point!r}")
    artifact = ln.Artifact(source, key=f"faults/victim-{point}.txt")
    write_json(Path(args["paused"]).with_suffix(".uid"), {"uid": artifact.uid, "committed": committed.uid})
    artifact.save()
    artifact.features.add_values({"scale_a": 7, "scale_b": "victim", "scale_c": 1.0, "scale_label": label})
    return {"errors": errors, "not_paused": True}


def duplicates(values) -> int:
    """How many values occur more than once."""
    counts = Counter(values)
    return sum(1 for n in counts.values() if n > 1)


def check(args: dict) -> dict:
    """What is in the database, for the test's asserts (one process, after all writers finished)."""
    import lamin_core as ln

    ln.Artifact.filter().count()  # connects (and sets Django up) before the models are imported
    from django.db import connection

    from lamin_core.models import ArtifactFeatureValue, ArtifactULabel, FeatureValue

    artifacts = ln.Artifact.all_objects
    result: dict = {"errors": Errors()}
    result["latest"] = list(
        artifacts.filter(key__startswith=args.get("prefix", ""), is_latest=True).values_list("uid", flat=True)
    )
    result["artifacts"] = {
        uid: {"key": key, "hash": hash_, "branch": branch}
        for uid, key, hash_, branch in artifacts.filter(key__startswith=args.get("prefix", "")).values_list(
            "uid", "key", "hash", "_branch_code"
        )
    }
    # counted in Python: the registries' query layer reads unknown filter names as features
    result["hash_duplicates"] = duplicates(artifacts.values_list("hash", flat=True))
    result["ulabel_duplicates"] = duplicates(ln.ULabel.objects.values_list("name", "type_id"))
    result["ulabels"] = sorted(
        ln.ULabel.objects.filter(name__startswith="scale-").values_list("name", flat=True)
    )
    result["features"] = sorted(
        ln.Feature.objects.filter(name__startswith="scale_").values_list("name", flat=True)
    )
    result["featurevalue_duplicates"] = duplicates(
        (f, json.dumps(v, sort_keys=True), h)
        for f, v, h in FeatureValue.objects.values_list("feature_id", "value", "hash")
    )
    values: dict[str, dict[str, list]] = {}
    for uid, feature, value in ArtifactFeatureValue.objects.values_list(
        "artifact__uid", "featurevalue__feature__name", "featurevalue__value"
    ):
        values.setdefault(uid, {}).setdefault(feature, []).append(value)
    for uid, feature, label in ArtifactULabel.objects.values_list(
        "artifact__uid", "feature__name", "ulabel__name"
    ):
        values.setdefault(uid, {}).setdefault(feature or "", []).append(label)
    result["values"] = values
    result["n_artifact_featurevalue"] = ArtifactFeatureValue.objects.count()
    result["n_artifact_ulabel"] = ArtifactULabel.objects.count()
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA integrity_check")
            result["integrity"] = [row[0] for row in cursor.fetchall()]
    return result


def plain_writer(args: dict) -> dict:
    """Save one artifact and annotate it (the writer after a fault must not be blocked)."""
    import lamin_core as ln

    errors = Errors()
    start = time.monotonic()
    result: dict = {"errors": errors}
    try:
        source = Path(args["workdir"]) / f"after-{args['name']}.txt"
        source.write_text(args["content"])
        ensure_features(ln)
        label = ln.ULabel(name="scale-label-after").save()
        key = args.get("key") or f"faults/after-{args['name']}.txt"
        artifact = ln.Artifact(source, key=key).save()
        artifact.features.add_values({"scale_a": 8, "scale_b": "after", "scale_c": 2.0, "scale_label": label})
        result["uid"] = artifact.uid
    except Exception as e:
        errors.record("plain writer", e)
    result["seconds"] = time.monotonic() - start
    return result


def session(args: dict) -> dict:
    """A long-lived session: query, wait while the test restarts the server, then query and write again."""
    from django.db import connection

    import lamin_core as ln

    errors = Errors()
    result: dict = {"errors": errors, "steps": []}
    ensure_features(ln)
    result["steps"].append(("before", ln.Artifact.filter().count()))
    for round_ in range(args["rounds"]):
        write_json(Path(args["ready"]).with_suffix(f".{round_}"), {"round": round_})
        wait_for(Path(args["go"]).with_suffix(f".{round_}"))
        try:
            if round_ % 2 == 0:  # first call after the restart: a read
                result["steps"].append((f"read {round_}", ln.Artifact.filter().count()))
            else:  # first call after the restart: a transaction (save) and add_values
                source = Path(args["workdir"]) / f"restart-{round_}.txt"
                source.write_text(f"saved after restart {round_}\n")
                artifact = ln.Artifact(source, key=f"restart/{round_}.txt").save()
                artifact.features.add_values({"scale_a": round_, "scale_b": "restart", "scale_c": 0.0})
                result["steps"].append((f"save {round_}", artifact.uid))
            result["steps"].append(
                (f"count {round_}", ln.Artifact.filter(key__startswith="restart/").count())
            )
        except Exception as e:
            errors.record(f"round {round_}", e)
    result["reconnects"] = getattr(connection, "reconnects", None)
    return result


def versioner(args: dict) -> dict:
    """Save new content under keys every versioner uses: each save makes a new version of that key."""
    import lamin_core as ln

    errors = Errors()
    workdir = Path(args["workdir"]) / f"versioner-{args['worker']}"
    workdir.mkdir(parents=True, exist_ok=True)
    saved = []
    wait_for(Path(args["go"]))
    for i in range(args["n"]):
        path = workdir / f"{i}.txt"
        path.write_text(f"version by {args['worker']} of key {i}\n")
        try:
            saved.append(ln.Artifact(path, key=f"versions/key{i}.txt").save().uid)
        except Exception as e:
            errors.record(f"key {i}", e)
    return {"errors": errors, "saved": saved}


def linker(args: dict) -> dict:
    """Link the same labels to the same artifact as the other linkers (`artifact.ulabels.add`)."""
    import lamin_core as ln

    errors = Errors()
    artifact = ln.Artifact.get(key="links/target.txt")
    labels = [ln.ULabel(name=f"link-{i}").save() for i in range(args["n"])]
    wait_for(Path(args["go"]))
    for label in labels:
        try:
            artifact.ulabels.add(label)
        except Exception as e:
            errors.record(f"label {label.name}", e)
    return {"errors": errors}


ROLES = {
    "versioner": versioner,
    "linker": linker,
    "writer": writer,
    "reader": reader,
    "victim": victim,
    "check": check,
    "plain_writer": plain_writer,
    "session": session,
}


def main() -> None:
    role, args = sys.argv[1], json.loads(sys.argv[2])
    try:
        import lamin_core as ln

        ln.Artifact.filter().count()  # connects, and sets Django up before any model module is imported
        result = ROLES[role](args)
    except Exception as e:
        errors = Errors()
        errors.record(f"{role} (fatal)", e)
        result = {"errors": errors}
    result["role"] = role
    result["pid"] = os.getpid()
    write_json(args["out"], result)


if __name__ == "__main__":
    main()
