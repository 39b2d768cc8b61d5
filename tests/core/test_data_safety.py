"""No command deletes or overwrites files the user did not ask to lose (docs/SECURITY.md).

`lamin delete` keeps data files and asks before it removes a database; `lamin init`,
`ln.settings.storage` and `lamin cleanup` respect the owner marker of a storage root (ours and LaminDB's);
instance names read from markers stay file names. Each in fresh processes, on the run's database.
"""

from __future__ import annotations

import json
import os
import pty
import select
import time
from pathlib import Path

import pytest
from conftest import BIN, TEST_DB, lamin, python

SAVE = (
    "import lamin_core as ln, pathlib\n"
    "pathlib.Path('{name}').write_text('{content}\\n')\n"
    "a = ln.Artifact('{name}', key='{key}').save()\n"
    "print(a.path)"
)
UID_FILE = "AbCdEfGhIjKlMnOpQrSt.csv"  # an artifact file name: 20-character uid + suffix


def init(home: Path, cwd: Path, storage: str, db: str | None = None, name: str | None = None) -> Path:
    args = ["init", "--storage", storage, *(["--db", db] if db else []), *(["--name", name] if name else [])]
    result = lamin(*args, home=home, cwd=cwd)
    assert result.returncode == 0, result.stderr
    return (cwd / storage).resolve()


def save(home: Path, cwd: Path, key: str = "d.csv", content: str = "a") -> str:
    """Save an artifact in the current instance; its stored path (a local path or an s3:// URL)."""
    result = python(SAVE.format(name=Path(key).name, content=content, key=key), home=home, cwd=cwd)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def on_terminal(args: list[str], home: Path, answer: str, timeout: float = 60) -> tuple[int, str]:
    """Run the command line in a pseudo-terminal; answer its question with `answer`."""
    pid, fd = pty.fork()
    if pid == 0:  # the child: a terminal on stdin and stdout
        os.environ["LAMIN_HOME"] = str(home)
        os.execv(str(BIN / "lamin-core"), [str(BIN / "lamin-core"), *args])
    output, answered, deadline = b"", False, time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.5)
        if not ready:
            continue
        try:
            data = os.read(fd, 4096)
        except OSError:  # the child closed the terminal
            break
        if not data:
            break
        output += data
        if not answered and b"[y/N]" in output:
            os.write(fd, answer.encode() + b"\n")
            answered = True
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    return os.waitstatus_to_exitcode(status), output.decode(errors="replace").replace("\r\n", "\n")


# --- lamin delete ------------------------------------------------------------------------------------


def test_delete_keeps_artifact_files_and_says_where(home, tmp_path, db_url):
    """The reported loss: `lamin init --storage ./r`, save an artifact, `lamin delete r`."""
    storage = init(home, tmp_path, "r", db_url)
    stored = Path(save(home, tmp_path))
    assert stored.parent == storage / ".lamindb"

    refused = lamin("delete", "r", home=home)
    if TEST_DB is None:  # the SQLite database would go: without a terminal, only with --yes
        assert refused.returncode == 1
        assert "refusing to delete instance testuser1/r without confirmation" in refused.stderr
        assert f"its SQLite database {storage / '.lamindb' / 'lamin.db'}" in refused.stderr
        assert "with the records of 1 artifact, 0 collections" in refused.stderr
        assert "pass --yes" in refused.stderr and "nothing was changed" in refused.stderr
        assert (home / "instances" / "r.json").exists() and (storage / ".lamindb" / "lamin.db").exists()
        api = python("import lamin_core as ln; ln.setup.delete('r')", home=home)
        assert "LaminError: refusing to delete instance testuser1/r without confirmation" in api.stderr
        deleted = lamin("delete", "r", "--yes", home=home)
    else:  # PostgreSQL: only the settings go, nothing to confirm
        deleted = refused
    assert deleted.returncode == 0, deleted.stderr
    assert stored.read_text() == "a\n"
    assert f"kept 1 artifact file (2 B) in {storage}/.lamindb/" in deleted.stderr
    assert "kept every file outside .lamindb/" in deleted.stderr
    assert not (home / "instances" / "r.json").exists()
    assert not (storage / ".lamindb" / "lamin.db").exists()
    if TEST_DB is None:
        # the left files are nobody's now: a new instance there refuses to take them for its own
        again = lamin("init", "--storage", "r", home=home, cwd=tmp_path)
        assert again.returncode == 1
        assert (
            f"holds 1 artifact file (.lamindb/{stored.name}) that no instance marker claims" in again.stderr
        )
        assert stored.read_text() == "a\n"
    else:
        assert "kept its PostgreSQL database" in deleted.stderr
        connected = lamin("connect", str(storage), home=home)
        assert connected.returncode == 0, connected.stderr
        loaded = python(
            "import lamin_core as ln; print(ln.Artifact.get(key='d.csv').load().shape)", home=home
        )
        assert loaded.stdout.strip() == "(0, 1)", loaded.stderr  # the header "a", no rows


def test_delete_asks_on_a_terminal(home, tmp_path):
    storage = init(home, tmp_path, "asked")
    stored = Path(save(home, tmp_path))

    code, output = on_terminal(["delete", "asked"], home, "n")
    assert code == 1
    assert "Deleting lamin instance testuser1/asked removes:" in output
    assert f"its SQLite database {storage / '.lamindb' / 'lamin.db'}" in output
    assert f"1 artifact file (2 B) in {storage}/.lamindb/" in output.split("and keeps:")[1]
    assert "kept instance testuser1/asked: nothing was deleted" in output
    assert (storage / ".lamindb" / "lamin.db").exists() and (home / "instances" / "asked.json").exists()

    code, output = on_terminal(["delete", "asked"], home, "y")
    assert code == 0, output
    assert "deleted instance testuser1/asked" in output
    assert not (storage / ".lamindb" / "lamin.db").exists() and stored.read_text() == "a\n"


def test_delete_data_removes_only_the_managed_files(home, tmp_path, db_url):
    storage = init(home, tmp_path, "dd", db_url)
    managed = Path(save(home, tmp_path))
    (storage / "raw").mkdir()
    (storage / "raw" / "in_place.csv").write_text("b\n1\n")
    registered = python(
        "import lamin_core as ln\n"
        f"a = ln.Artifact({str(storage / 'raw' / 'in_place.csv')!r}).save()\n"
        "print(a.path)",
        home=home,
    )
    assert registered.stdout.strip() == str(storage / "raw" / "in_place.csv"), registered.stderr
    (storage / "notes.txt").write_text("mine\n")

    result = lamin("delete", "dd", "--delete-data", "--yes", home=home)
    if TEST_DB is not None:
        assert result.returncode == 1
        assert "--delete-data would remove the files of testuser1/dd while its PostgreSQL" in result.stderr
        assert managed.exists() and (home / "instances" / "dd.json").exists()
        return
    assert result.returncode == 0, result.stderr
    assert not managed.exists() and not (storage / ".lamindb").exists()
    assert (storage / "raw" / "in_place.csv").read_text() == "b\n1\n"
    assert (storage / "notes.txt").read_text() == "mine\n"


def test_delete_on_s3_keeps_objects_unless_asked(home, tmp_path, s3_bucket):
    from lamin_core.storage import storage_filesystem

    root = f"s3://{s3_bucket}/kept"
    init(home, tmp_path, root)
    stored = save(home, tmp_path)
    fs = storage_filesystem(root)
    deleted = lamin("delete", "kept", "--yes", home=home)
    assert deleted.returncode == 0, deleted.stderr
    assert fs.exists(stored.split("://", 1)[1])
    assert f"kept 1 artifact file (2 B) in {root}/.lamindb/" in deleted.stderr

    other = f"s3://{s3_bucket}/gone"
    init(home, tmp_path, other, name="gone")
    stored = save(home, tmp_path)
    deleted = lamin("delete", "gone", "--delete-data", "--yes", home=home)
    assert deleted.returncode == 0, deleted.stderr
    assert not fs.exists(stored.split("://", 1)[1])
    assert not fs.exists(f"{s3_bucket}/gone/.lamindb/instance.json")


# --- lamin init on folders that hold someone's files -----------------------------------------------------


FOREIGN = {
    "LaminDB's marker": (
        {".lamindb/storage_uid.txt": "3BkNmZbl"},
        "initialised by LaminDB (.lamindb/storage_uid.txt)",
    ),
    "LaminDB's old marker": (
        {".lamindb/_is_initialized": ""},
        "initialised by LaminDB (.lamindb/_is_initialized)",
    ),
    "LaminDB's SQLite file": ({"lab.lndb": "x"}, "initialised by LaminDB (lab.lndb)"),
    "unclaimed artifact files": (
        {f".lamindb/{UID_FILE}": "x"},
        f"holds 1 artifact file (.lamindb/{UID_FILE}) that no instance marker claims",
    ),
    "another instance's storage": (
        {".lamindb/storage.json": json.dumps({"instance_uid": "OtHeRiNsTaNc", "instance": "someone/other"})},
        "a storage root of the lamin instance someone/other (uid OtHeRiNsTaNc) (.lamindb/storage.json)",
    ),
}


@pytest.mark.parametrize("case", sorted(FOREIGN))
def test_init_refuses_a_folder_with_someone_elses_files(home, tmp_path, case):
    files, message = FOREIGN[case]
    folder = tmp_path / "theirs"
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)
    before = sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))
    result = lamin("init", "--storage", "theirs", home=home, cwd=tmp_path)
    assert result.returncode == 1
    assert f"error: cannot create an instance in {folder}: it " in result.stderr
    assert message in result.stderr and "Nothing was changed" in result.stderr
    assert sorted(str(p.relative_to(folder)) for p in folder.rglob("*")) == before
    assert not (home / "instances" / "theirs.json").exists()


def test_init_refuses_a_managed_folder_with_other_files(home, tmp_path):
    (tmp_path / "busy" / ".lamindb").mkdir(parents=True)
    (tmp_path / "busy" / ".lamindb" / "readme.txt").write_text("keep\n")
    result = lamin("init", "--storage", "busy", home=home, cwd=tmp_path)
    assert result.returncode == 1
    assert "already holds 1 entries (readme.txt); nothing was changed" in result.stderr
    assert (tmp_path / "busy" / ".lamindb" / "readme.txt").read_text() == "keep\n"


def test_init_refuses_an_s3_prefix_marked_by_lamindb(home, tmp_path, s3_bucket):
    from lamin_core.storage import storage_filesystem

    fs = storage_filesystem(f"s3://{s3_bucket}")
    fs.pipe_file(f"{s3_bucket}/lamindb-root/.lamindb/storage_uid.txt", b"3BkNmZbl")
    result = lamin("init", "--storage", f"s3://{s3_bucket}/lamindb-root", home=home, cwd=tmp_path)
    assert result.returncode == 1
    assert "it was initialised by LaminDB (.lamindb/storage_uid.txt)" in result.stderr
    assert not fs.exists(f"{s3_bucket}/lamindb-root/.lamindb/instance.json")


# --- storage roots carry an owner ----------------------------------------------------------------------


def test_storage_roots_of_other_owners_are_refused_and_never_cleaned(home, tmp_path, db_url):
    b_root = init(home, tmp_path, "b")
    b_file = Path(save(home, tmp_path, content="bbb"))
    a_root = init(home, tmp_path, "a", db_url)
    lamindb_root = tmp_path / "lamindb-root"
    (lamindb_root / ".lamindb").mkdir(parents=True)
    (lamindb_root / ".lamindb" / "storage_uid.txt").write_text("3BkNmZbl")
    strange = tmp_path / "strange"
    (strange / ".lamindb").mkdir(parents=True)
    (strange / ".lamindb" / UID_FILE).write_text("x")

    roots = [str(b_root), str(lamindb_root), str(strange)]
    code = (
        "import lamin_core as ln\n"
        "from lamin_core.errors import StorageInUseError\n"
        f"for root in {roots!r}:\n"
        "    try:\n"
        "        ln.settings.storage = root\n"
        "    except StorageInUseError as e:\n"
        "        print(e)\n"
        f"print(ln.Storage.filter(root__in={roots!r}).count())"
    )
    result = python(code, home=home)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert lines[0].startswith(f"cannot store artifacts of testuser1/a in {b_root}: it is a storage root")
    assert "of the lamin instance testuser1/b (uid " in lines[0] and lines[0].endswith("Nothing was changed")
    assert "it was initialised by LaminDB (.lamindb/storage_uid.txt)" in lines[1]
    assert (
        f"it holds 1 artifact file (.lamindb/{UID_FILE}) that instance testuser1/a has no record of"
        in lines[2]
    )
    assert lines[3] == "0"  # no Storage record was made

    # a new folder is accepted and marked as a's; a's files there are cleaned, a's own root too
    fresh = tmp_path / "fresh"
    result = python(
        "import lamin_core as ln, pathlib\n"
        f"ln.settings.storage = {str(fresh)!r}\n"
        "pathlib.Path('f.csv').write_text('f\\n')\n"
        "print(ln.Artifact('f.csv', key='f.csv').save().path)",
        home=home,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    marker = json.loads((fresh / ".lamindb" / "storage.json").read_text())
    a_uid = json.loads((a_root / ".lamindb" / "instance.json").read_text())["uid"]
    assert (marker["instance_uid"], marker["instance"]) == (a_uid, "testuser1/a")
    assert Path(result.stdout.strip()).parent == fresh / ".lamindb"
    cleaned = lamin("cleanup", "--older-than", "0", home=home)
    assert cleaned.returncode == 0, cleaned.stderr
    assert "removed 0 files (0 B) in 2 storage roots" in cleaned.stdout

    # a Storage record made before roots had owners, pointing at b's root: cleanup refuses, b keeps its file
    legacy = f"ln.Storage(root={str(b_root)!r}, type='local', instance_uid={a_uid!r}).save()"
    python(f"import lamin_core as ln; {legacy}", home=home)
    cleaned = lamin("cleanup", "--older-than", "0", home=home)
    assert cleaned.returncode == 1
    assert (
        f"error: refusing to clean up in {b_root}: it is a storage root of the lamin instance testuser1/b"
        in (cleaned.stdout)
    )
    assert b_file.read_text() == "bbb\n"
    named = lamin("cleanup", "--older-than", "0", "--storage", str(b_root), home=home)
    assert named.returncode == 1
    assert (
        f"refusing to clean up in {b_root}: it is a storage root of the lamin instance testuser1/b"
        in named.stderr
    )
    assert b_file.read_text() == "bbb\n"


def test_settings_storage_refuses_s3_roots_of_other_owners(ln, instance, s3_bucket):
    from lamin_core.errors import StorageInUseError
    from lamin_core.storage import storage_filesystem

    fs = storage_filesystem(f"s3://{s3_bucket}")
    fs.pipe_file(f"{s3_bucket}/lamindb/.lamindb/storage_uid.txt", b"3BkNmZbl")
    other = {"instance_uid": "OtHeRiNsTaNc", "instance": "someone/other"}
    fs.pipe_file(f"{s3_bucket}/other/.lamindb/storage.json", json.dumps(other).encode())
    fs.pipe_file(f"{s3_bucket}/strange/.lamindb/{UID_FILE}", b"x")
    expected = {
        "lamindb": "it was initialised by LaminDB (.lamindb/storage_uid.txt)",
        "other": "it is a storage root of the lamin instance someone/other (uid OtHeRiNsTaNc)",
        "strange": f"holds 1 artifact file (.lamindb/{UID_FILE}) that instance {instance.slug} has no record",
    }
    for prefix, message in expected.items():
        with pytest.raises(StorageInUseError, match=message.replace("(", r"\(").replace(")", r"\)")):
            ln.settings.storage = f"s3://{s3_bucket}/{prefix}"
        assert ln.settings.storage.root == instance.storage
        assert not ln.Storage.filter(root=f"s3://{s3_bucket}/{prefix}").exists()

    # a Storage record of such a root (made before roots had owners): cleanup refuses to touch it
    from django.db import transaction

    from lamin_core.setup.orphans import cleanup

    with transaction.atomic():
        for prefix in ("lamindb", "other"):
            root = f"s3://{s3_bucket}/{prefix}"
            ln.Storage(root=root, type="s3", instance_uid=instance.uid).save()
            with pytest.raises(StorageInUseError, match=f"refusing to clean up in {root}: it "):
                cleanup(older_than=0, storage=root)
        transaction.set_rollback(True)
    assert fs.exists(f"{s3_bucket}/lamindb/.lamindb/storage_uid.txt")
    assert fs.exists(f"{s3_bucket}/strange/.lamindb/{UID_FILE}")


# --- names from storage become paths only inside their root -------------------------------------------


def test_a_marker_with_a_path_as_instance_name_is_refused(home, tmp_path):
    folder = tmp_path / "evil"
    (folder / ".lamindb").mkdir(parents=True)
    marker = {"name": "../../escaped", "owner": "x", "storage": str(folder), "uid": "EvIlEvIlEvIl"}
    (folder / ".lamindb" / "instance.json").write_text(json.dumps(marker))
    result = lamin("connect", str(folder), home=home)
    assert result.returncode == 1
    assert "names no valid instance: invalid instance name '../../escaped'" in result.stderr
    assert not (home.parent / "escaped.json").exists() and not list(home.parent.glob("*.json"))
