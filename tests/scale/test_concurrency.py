"""Eight writer processes and two readers on one fresh instance, at the same time (SQLite or PostgreSQL).

Writers save their own content and content every writer saves (racing the unique hash), create or reuse
the same labels (racing get-or-create) and annotate each artifact in one `add_values` call; readers loop
over filter/df/count/search/feature filters meanwhile and check that no annotation is ever half visible.
At the end: nothing a writer reported is lost, one artifact per hash, one label per name, the exact link
and value counts, and no worker met an error (a "database is locked" included).
"""

from __future__ import annotations

import time

from conftest import TEST_DB, record_scale_counts
from scale_helpers import error_lines, init_instance, result_of, run_worker, start

N_WRITERS = 8
N_READERS = 2
N_UNIQUE = 30  # per writer
N_SHARED = 6  # the same content saved by every writer
DB_NAME = "postgresql" if TEST_DB else "sqlite"


def test_concurrent_writers_and_readers(home, tmp_path):
    init_instance(home, tmp_path, "scale")
    work = tmp_path / "work"
    logs = tmp_path / "logs"
    go, stop = work / "go", work / "stop"
    work.mkdir()
    common = {"workdir": str(work), "go": str(go), "stop": str(stop)}
    writers = [
        start(
            "writer",
            {**common, "worker": w, "n_unique": N_UNIQUE, "n_shared": N_SHARED},
            home,
            logs,
        )
        for w in range(N_WRITERS)
    ]
    readers = [start("reader", {**common, "worker": f"r{r}"}, home, logs) for r in range(N_READERS)]
    started = time.monotonic()
    go.touch()
    written = [result_of(p) for p in writers]
    stop.touch()
    read = [result_of(p) for p in readers]
    seconds = time.monotonic() - started
    errors = error_lines(written + read)
    assert not errors, f"{len(errors)} worker errors:\n" + "\n".join(errors[:10])

    # every reader checked the invariants (the last pass after the writers finished included)
    assert all(r["invariant_passes"] >= 1 for r in read), [r["invariant_passes"] for r in read]

    final = run_worker("check", {"prefix": "scale/"}, home, logs)
    assert not error_lines([final])
    in_db = final["artifacts"]
    done = [item for result in written for item in result["done"]]
    assert len(done) == N_WRITERS * (N_UNIQUE + N_SHARED)

    # every save a writer reported is in the database, with what it reported
    lost = [item for item in done if item["uid"] not in in_db or in_db[item["uid"]]["hash"] != item["hash"]]
    assert not lost, f"{len(lost)} reported saves are missing: {lost[:5]}"
    # one artifact per content: the racing writers of shared content all got the same record
    shared_uids: dict[int, set[str]] = {}
    for item in done:
        if item["kind"] == "shared":
            shared_uids.setdefault(item["item"], set()).add(item["uid"])
    assert all(len(uids) == 1 for uids in shared_uids.values()), shared_uids
    assert final["hash_duplicates"] == 0
    expected_artifacts = N_WRITERS * N_UNIQUE + N_SHARED
    assert len(in_db) == expected_artifacts
    assert all(a["branch"] == 1 for a in in_db.values())
    # labels and features were created once each, although every writer created them
    assert final["ulabel_duplicates"] == 0
    n_tags = 3 + 1  # scale_worker.N_TAGS, plus the shared artifacts' tag
    assert len(final["ulabels"]) == N_UNIQUE + N_SHARED + n_tags, final["ulabels"]
    assert final["features"] == sorted(["scale_a", "scale_b", "scale_c", "scale_label", "scale_tag"])
    assert final["featurevalue_duplicates"] == 0
    # exact annotations: three values, one label and one tag per artifact, however many writers annotated it
    for item in done:
        values = final["values"][item["uid"]]
        assert sorted(values) == ["scale_a", "scale_b", "scale_c", "scale_label", "scale_tag"], values
        assert all(len(v) == 1 for v in values.values()), (item, values)
        assert values["scale_label"] == [item["label"]] and values["scale_tag"] == [item["tag"]]
    assert final["n_artifact_featurevalue"] == 3 * expected_artifacts
    assert final["n_artifact_ulabel"] == 2 * expected_artifacts
    if "integrity" in final:
        assert final["integrity"] == ["ok"]

    record_scale_counts(
        f"concurrency ({N_WRITERS} writers, {N_READERS} readers)",
        db=DB_NAME,
        saves_reported=len(done),
        artifacts=len(in_db),
        same_content_saves=sum(1 for item in done if item["kind"] == "shared"),
        lost=len(lost),
        duplicates=final["hash_duplicates"] + final["ulabel_duplicates"] + final["featurevalue_duplicates"],
        feature_value_links=final["n_artifact_featurevalue"],
        label_links=final["n_artifact_ulabel"],
        reader_loops=sum(r["loops"] for r in read),
        rows_read=sum(r["rows_read"] for r in read),
        invariant_passes=sum(r["invariant_passes"] for r in read),
        passes_while_writing=sum(r["passes_while_writing"] for r in read),
        annotations_checked=sum(r["values_checked"] for r in read),
        errors=len(errors),
        seconds=round(seconds, 1),
    )


def test_concurrent_new_versions_of_one_key(home, tmp_path):
    init_instance(home, tmp_path, "versions")
    work, logs = tmp_path / "work", tmp_path / "logs"
    work.mkdir()
    go = work / "go"
    n_keys, n_writers = 10, 4
    args = {"workdir": str(work), "go": str(go), "n": n_keys}
    writers = [start("versioner", {**args, "worker": w}, home, logs) for w in range(n_writers)]
    time.sleep(1)
    go.touch()
    results = [result_of(p) for p in writers]
    final = run_worker("check", {"prefix": "versions/"}, home, logs)
    errors = error_lines(results)
    latest: dict[str, int] = {}
    for uid, artifact in final["artifacts"].items():
        latest[artifact["key"]] = latest.get(artifact["key"], 0) + int(uid in final["latest"])
    assert not errors, f"{len(errors)} errors:\n" + "\n".join(errors[:3])
    assert len(final["artifacts"]) == n_keys * n_writers
    assert all(n == 1 for n in latest.values()), latest
    assert len({uid[:16] for uid in final["artifacts"]}) == n_keys  # one version family per key


def test_concurrent_adds_of_the_same_labels(home, tmp_path):
    init_instance(home, tmp_path, "links")
    work, logs = tmp_path / "work", tmp_path / "logs"
    work.mkdir()
    go = work / "go"
    args = {"workdir": str(work), "name": "target", "content": "link target\n"}
    target = run_worker("plain_writer", {**args, "key": "links/target.txt"}, home, logs)
    assert not error_lines([target])
    n_labels, n_linkers = 40, 4
    linkers = [
        start("linker", {"go": str(go), "n": n_labels, "worker": w}, home, logs) for w in range(n_linkers)
    ]
    time.sleep(1)
    go.touch()
    results = [result_of(p) for p in linkers]
    final = run_worker("check", {"prefix": "links/"}, home, logs)
    errors = error_lines(results)
    assert not errors, f"{len(errors)} errors:\n" + "\n".join(errors[:3])
    assert len(final["values"][target["uid"]][""]) == n_labels
