"""Faults injected into real processes: a writer SIGKILLed in the middle of a save or an annotation, and
`lamin cleanup`, which removes the files such a writer leaves behind.

The victim process pauses at a chosen point (a test-only hook in `scale_worker.py` wraps the save's own
functions), tells the test, and is killed with SIGKILL there. Afterwards no half-written record is
visible, the next writer is not blocked (on SQLite the killed process held the write lock), the database
is intact, and `lamin cleanup` lists and removes exactly the orphaned files.
"""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

from conftest import TEST_DB, lamin, new_database_url, python, record_scale_counts
from scale_helpers import error_lines, init_instance, result_of, run_worker, start

DB_NAME = "postgresql" if TEST_DB else "sqlite"
POINTS = ("staged", "published", "values", "deleting")


def wait_for_file(path: Path, process, timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    while not path.exists():
        if process.poll() is not None:
            out = process.out.read_text() if process.out.exists() else process.log.read_text()
            raise AssertionError(f"victim exited {process.returncode} before pausing:\n{out[-3000:]}")
        if time.monotonic() > deadline:
            process.kill()
            raise AssertionError(f"victim did not pause within {timeout} s")
        time.sleep(0.02)
    return json.loads(path.read_text())


def managed_files(storage: Path) -> set[str]:
    return {p.name for p in (storage / ".lamindb").iterdir()}


def test_killed_writers_leave_no_half_records_and_cleanup_removes_their_files(home, tmp_path):
    storage = init_instance(home, tmp_path, "faults")
    work, logs = tmp_path / "work", tmp_path / "logs"
    work.mkdir()
    killed: dict[str, dict] = {}
    for point in POINTS:
        paused = work / f"paused-{point}.json"
        args = {"workdir": str(work), "point": point, "paused": str(paused), "content": f"victim {point}\n"}
        victim = start("victim", args, home, logs)
        info = wait_for_file(paused, victim)
        uids = json.loads(paused.with_suffix(".uid").read_text())
        os.kill(victim.pid, signal.SIGKILL)
        victim.wait(timeout=30)
        assert victim.returncode == -signal.SIGKILL
        killed[point] = {**info, **uids}

        # the next writer saves the same content (the victims of `values` and `deleting` committed their
        # artifact: other content then) and annotates it: not blocked by the dead one's locks
        content = f"victim {point}\n" if point in ("staged", "published") else f"after {point}\n"
        after = run_worker(
            "plain_writer", {"workdir": str(work), "name": point, "content": content}, home, logs
        )
        assert not error_lines([after])
        assert after["seconds"] < 20, f"the writer after the kill waited {after['seconds']:.1f} s"
        killed[point]["after"] = after["uid"]

    final = run_worker("check", {"prefix": "faults/"}, home, logs)
    assert not error_lines([final])
    if "integrity" in final:
        assert final["integrity"] == ["ok"]
    artifacts, values = final["artifacts"], final["values"]
    half_records = 0
    for point, info in killed.items():
        victim_uid, after_uid = info["uid"], info["after"]
        assert info["committed"] in artifacts  # saved before the fault
        assert after_uid in artifacts
        assert sorted(values[after_uid]) == ["scale_a", "scale_b", "scale_c", "scale_label"]
        if point == "values":
            # the artifact committed before add_values began; none of the annotation is visible
            assert victim_uid in artifacts
            half_records += len(values.get(victim_uid, {}))
        elif point == "deleting":
            assert victim_uid in artifacts  # the delete rolled back: the record is still there
        else:
            half_records += victim_uid in artifacts
            half_records += victim_uid in values
    assert half_records == 0

    # what the killed saves left behind: a staged copy, and a published file whose record never committed;
    # the killed delete left the file of a live record renamed aside
    staged = Path(killed["staged"]["staged"]).name
    published = Path(killed["published"]["published"]).name
    staged_of_published = Path(killed["published"]["staged"]).name
    deleting = Path(killed["deleting"]["deleting"]).name
    deleted = Path(killed["deleting"]["original"]).name
    before = managed_files(storage)
    assert staged in before and published in before and deleting in before
    assert staged_of_published not in before  # renamed into place before the kill
    assert deleted not in before
    expected_orphans = {staged, published}

    # within the grace period nothing is removed (a save may be in progress)
    result = lamin("cleanup", home=home)
    assert result.returncode == 0, result.stderr
    assert "removed 0 files" in result.stdout and "kept 3 newer than 3600 s" in result.stdout
    assert managed_files(storage) == before

    result = lamin("cleanup", "--older-than", "0", "--dry-run", home=home)
    assert result.returncode == 0, result.stderr
    listed = {
        Path(line.split()[2]).name for line in result.stdout.splitlines() if line.startswith("would remove /")
    }
    assert listed == expected_orphans, result.stdout
    assert "would remove 2 files" in result.stdout and "would restore 1 file" in result.stdout
    assert (
        f"would restore {storage / '.lamindb' / deleting} as {storage / '.lamindb' / deleted}"
        in result.stdout
    )
    assert managed_files(storage) == before

    result = lamin("cleanup", "--older-than", "0", home=home)
    assert result.returncode == 0, result.stderr
    assert "removed 2 files" in result.stdout and "restored 1 file" in result.stdout, result.stdout
    restored = [line for line in result.stdout.splitlines() if line.startswith("restored /")]
    remaining = managed_files(storage)
    assert remaining == (before - expected_orphans - {deleting}) | {deleted}
    assert (storage / ".lamindb" / deleted).read_text() == "victim deleting\n"
    assert "instance.json" in remaining
    if not TEST_DB:
        assert "lamin.db" in remaining
    # every file of a record is kept: the committed ones, the victim of `values`, the writers after
    kept = {name for name in remaining if name[:20] in artifacts}
    assert len(kept) == len([u for u in artifacts if artifacts[u]["key"].startswith("faults/")])

    # a second run finds nothing
    result = lamin("cleanup", "--older-than", "0", home=home)
    assert "removed 0 files" in result.stdout

    record_scale_counts(
        "killed writers (SIGKILL: after stage, after publish before commit, in add_values, in a delete)",
        db=DB_NAME,
        kills=len(killed),
        half_records=half_records,
        writes_after_kill=len(killed),
        orphans_found=len(listed),
        orphans_removed=len(before - remaining - {deleting}),
        files_restored=len(restored),
        files_kept=len(remaining),
    )


def test_cleanup_removes_only_old_unowned_files(home, tmp_path):
    storage = init_instance(home, tmp_path, "cleanup")
    managed = storage / ".lamindb"
    work, logs = tmp_path / "work", tmp_path / "logs"
    work.mkdir()
    after = run_worker(
        "plain_writer", {"workdir": str(work), "name": "kept", "content": "kept\n"}, home, logs
    )
    assert not error_lines([after])
    owned = {p.name for p in managed.iterdir() if p.name[:20] == after["uid"][:20]}
    assert len(owned) == 1
    old = time.time() - 7200
    orphans = {
        ".abcdefghijABCDEFGHIJ.txt.0123abcd.tmp": b"staged",
        ".ZZZZZZZZZZZZZZZZZZZZ.csv.89abcdef.deleting": b"being deleted",
        "0123456789abcdefghij.parquet": b"no record" * 10,
    }
    for name, content in orphans.items():
        (managed / name).write_bytes(content)
    folder = managed / "9876543210abcdefghij.zarr"
    (folder / "sub").mkdir(parents=True)
    (folder / "sub" / "chunk").write_bytes(b"z" * 100)
    untouched = {"notes.txt": b"not ours", "lamin.db-journal": b"", "instance.json.tmp": b"settings"}
    for name, content in untouched.items():
        (managed / name).write_bytes(content)
    (storage / ".hidden.txt.0123abcd.tmp").write_bytes(b"outside .lamindb")
    for path in [*managed.rglob("*"), storage / ".hidden.txt.0123abcd.tmp"]:
        os.utime(path, (old, old))
    young = managed / ".fresh.txt.00000000.tmp"
    young.write_bytes(b"a save in progress")
    os.utime(folder / "sub" / "chunk")  # a folder counts as new while anything in it is new

    result = lamin("cleanup", "--dry-run", home=home)
    assert result.returncode == 0, result.stderr
    expected_bytes = sum(len(c) for c in orphans.values())
    assert f"would remove 3 files ({expected_bytes} B)" in result.stdout, result.stdout
    assert "kept 2 newer than 3600 s" in result.stdout

    result = lamin("cleanup", home=home)
    assert result.returncode == 0, result.stderr
    names = {p.name for p in managed.iterdir()}
    assert not names & set(orphans)
    assert {*untouched, *owned, "instance.json", young.name, folder.name} <= names
    assert (storage / ".hidden.txt.0123abcd.tmp").exists()

    result = lamin("cleanup", "--older-than", "0", home=home)
    assert "removed 2 files (118 B)" in result.stdout, result.stdout
    assert {*untouched, *owned, "instance.json"} <= {p.name for p in managed.iterdir()}
    assert not young.exists() and not folder.exists()


def test_cleanup_python_api_and_bad_arguments(home, tmp_path):
    init_instance(home, tmp_path, "cleanup-api")
    code = (
        "import json\n"
        "from lamin_core.setup.orphans import cleanup\n"
        "report = cleanup(older_than=0, dry_run=True)\n"
        "print(json.dumps([report.n_files, report.n_bytes, len(report.roots), report.dry_run]))\n"
    )
    result = python(code, home=home)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [0, 0, 1, True]
    result = lamin("cleanup", "--older-than", "-1", home=home)
    assert result.returncode == 1 and "older_than must be >= 0" in result.stderr


def test_writer_killed_inside_its_transaction_does_not_block_the_next(home, tmp_path):
    """A writer killed inside its transaction: on SQLite it holds the write lock (BEGIN IMMEDIATE, rows
    inserted, not committed), on PostgreSQL row and index locks; three writers follow at once."""
    init_instance(home, tmp_path, "locked")
    work, logs = tmp_path / "work", tmp_path / "logs"
    work.mkdir()
    paused = work / "paused.json"
    args = {"workdir": str(work), "point": "published", "paused": str(paused), "content": "locked\n"}
    victim = start("victim", args, home, logs)
    wait_for_file(paused, victim)
    # while it holds the lock, a writer would wait (busy timeout); kill the holder
    os.kill(victim.pid, signal.SIGKILL)
    victim.wait(timeout=30)
    started = time.monotonic()
    writers = [
        start("plain_writer", {"workdir": str(work), "name": f"n{i}", "content": f"next {i}\n"}, home, logs)
        for i in range(3)
    ]
    results = [result_of(p) for p in writers]
    seconds = time.monotonic() - started
    assert not error_lines(results)
    final = run_worker("check", {"prefix": "faults/"}, home, logs)
    assert not error_lines([final])
    assert final.get("integrity", ["ok"]) == ["ok"]
    assert {r["uid"] for r in results} <= set(final["artifacts"])
    assert final["hash_duplicates"] == 0
    record_scale_counts(
        "writer killed inside its transaction (holding the SQLite write lock / PostgreSQL locks)",
        db=DB_NAME,
        writers_after=len(results),
        writes_ok=sum(1 for r in results if r.get("uid")),
        integrity=final.get("integrity", ["n/a"])[0],
        seconds=round(seconds, 1),
    )


def test_cleanup_on_s3_storage(home, tmp_path, s3_bucket):
    """The same on an instance whose storage is an S3 prefix (fsspec, moto's S3 server)."""
    import s3fs

    from lamin_core.storage.filesystem import s3_options

    root = f"s3://{s3_bucket}/root"
    db = new_database_url()
    result = lamin("init", "--storage", root, *(["--db", db] if db else []), home=home)
    assert result.returncode == 0, result.stderr
    work, logs = tmp_path / "work", tmp_path / "logs"
    work.mkdir()
    after = run_worker("plain_writer", {"workdir": str(work), "name": "s3", "content": "on s3\n"}, home, logs)
    assert not error_lines([after])
    fs = s3fs.S3FileSystem(**s3_options())
    managed = f"{s3_bucket}/root/.lamindb"
    owned = {name.rsplit("/", 1)[-1] for name in fs.ls(managed)}
    assert "instance.json" in owned and any(name[:20] == after["uid"] for name in owned)
    fs.pipe(f"{managed}/.abcdefghijABCDEFGHIJ.txt.0123abcd.tmp", b"x" * 10)
    fs.pipe(f"{managed}/abcdefghijABCDEFGHI0.txt", b"y" * 5)
    fs.pipe(f"{managed}/abcdefghijABCDEFGHI1.zarr/sub/chunk", b"z" * 3)
    fs.pipe(f"{s3_bucket}/root/.other.txt.0123abcd.tmp", b"outside .lamindb")

    result = lamin("cleanup", home=home)
    assert result.returncode == 0, result.stderr
    assert "removed 0 files" in result.stdout and "kept 3 newer than 3600 s" in result.stdout
    result = lamin("cleanup", "--older-than", "0", "--dry-run", home=home)
    assert f"would remove s3://{managed}/abcdefghijABCDEFGHI0.txt (5 B" in result.stdout, result.stdout
    assert "would remove 3 files (18 B)" in result.stdout
    result = lamin("cleanup", "--older-than", "0", home=home)
    assert result.returncode == 0, result.stderr
    assert "removed 3 files (18 B)" in result.stdout, result.stdout
    removed = [line for line in result.stdout.splitlines() if line.startswith("removed s3://")]
    fs.invalidate_cache()
    assert {name.rsplit("/", 1)[-1] for name in fs.ls(managed)} == owned
    assert fs.exists(f"{s3_bucket}/root/.other.txt.0123abcd.tmp")
    record_scale_counts("cleanup on S3", db=DB_NAME, orphans_removed=len(removed), files_kept=len(owned))
