"""`lamin init/connect/info/delete/settings` and `import lamin_core`, each in fresh processes."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import GUIDE_USER, TEST_DB, lamin, python

GUIDE_COLUMNS = {
    "Artifact": "uid key description suffix kind otype size hash n_files n_observations _hash_type "
    "_key_is_virtual _overwrite_versions space_id storage_id schema_id version is_latest run_id created_at "
    "created_by_id _aux _branch_code",
    "Transform": "uid key description type source_code hash reference reference_type space_id _template_id "
    "version is_latest created_at created_by_id _aux _branch_code",
    "Run": "uid name started_at finished_at reference reference_type _is_consecutive _status_code space_id "
    "transform_id report_id _logfile_id environment_id initiated_by_run_id created_at created_by_id _aux "
    "_branch_code",
    "Feature": "uid name dtype is_type unit description array_rank array_size array_shape proxy_dtype "
    "synonyms _expect_many _curation space_id type_id run_id created_at created_by_id _aux _branch_code",
    "FeatureValue": "value hash space_id feature_id run_id created_at created_by_id _aux _branch_code",
    "ULabel": "uid name is_type description reference reference_type space_id type_id run_id created_at "
    "created_by_id _aux _branch_code",
    "Schema": "uid name description n is_type itype otype dtype hash minimal_set ordered_set maximal_set "
    "_curation slot space_id type_id validated_by_id composite_id run_id created_at created_by_id _aux "
    "_branch_code",
    "Storage": "uid root description type region instance_uid space_id run_id created_at created_by_id _aux "
    "_branch_code",
}


def snapshot(*roots: Path) -> dict[str, bytes]:
    """Every file under `roots` with its content, to show that a refused command changed nothing."""
    files = {}
    for root in roots:
        for path in sorted(root.rglob("*")):
            if path.is_file():
                files[str(path)] = path.read_bytes()
    return files


def test_init_prints_line_and_empty_registries_show_guide_columns(home, tmp_path, db_url):
    args = ["init", "--storage", "./test-registries", "--modules", "bionty"]
    result = lamin(*args, *(["--db", db_url] if db_url else []), home=home, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "initialized lamin instance: testuser1/test-registries" in result.stderr

    code = (
        "import json, lamin_core as ln\n"
        f"names = {sorted(GUIDE_COLUMNS)!r}\n"
        "out = {n: [list(getattr(ln, n).df().columns), len(getattr(ln, n).df())] for n in names}\n"
        "out['storage_roots'] = list(ln.Storage.df()['root'])\n"
        "out['artifact_index'] = ln.Artifact.df().index.name\n"
        "print(json.dumps(out))"
    )
    result = python(code, home=home, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    for name, expected in GUIDE_COLUMNS.items():
        columns, n_rows = out[name]
        assert columns == expected.split(), name
        assert n_rows == (1 if name == "Storage" else 0), name
    assert out["storage_roots"] == [str((tmp_path / "test-registries").resolve())]
    assert out["artifact_index"] == "id"

    printed = python("import lamin_core as ln; print(ln.Artifact.df())", home=home, cwd=tmp_path)
    assert printed.returncode == 0, printed.stderr
    assert "Empty DataFrame" in printed.stdout
    assert "_branch_code" in printed.stdout

    info = lamin("info", home=home)
    assert info.returncode == 0
    assert "testuser1/test-registries" in info.stdout
    assert "bionty" in info.stdout
    assert ("postgresql://" if db_url else "sqlite:///") in info.stdout


def test_init_on_existing_instance_refuses_and_changes_nothing(home, tmp_path, db_url):
    db = ["--db", db_url] if db_url else []
    assert lamin("init", "--storage", "data", *db, home=home, cwd=tmp_path).returncode == 0
    before = snapshot(home, tmp_path / "data")

    again = lamin("init", "--storage", "data", home=home, cwd=tmp_path)
    assert again.returncode == 1
    assert "already holds a lamin instance" in again.stderr
    assert "Traceback" not in again.stderr
    # the same name with another folder is refused too
    same_name = lamin("init", "--storage", "other/data", home=home, cwd=tmp_path)
    assert same_name.returncode == 1
    assert "an instance named 'data' already exists" in same_name.stderr
    assert not (tmp_path / "other").exists()
    assert snapshot(home, tmp_path / "data") == before


def test_init_on_a_database_that_holds_an_instance_refuses(home, tmp_path, db_url):
    if db_url is None:
        return  # SQLite databases live inside their storage folder: covered by the test above
    assert lamin("init", "--storage", "one", "--db", db_url, home=home, cwd=tmp_path).returncode == 0
    second = lamin("init", "--storage", "two", "--db", db_url, home=home, cwd=tmp_path)
    assert second.returncode == 1
    assert "already holds a lamin instance" in second.stderr
    assert not (tmp_path / "two").exists()


def test_unreachable_database_url_is_one_clear_error(home, tmp_path):
    result = lamin(
        "init",
        "--storage",
        "x",
        "--db",
        "postgresql://someone:secret@127.0.0.1:9/nodb",
        home=home,
        cwd=tmp_path,
    )
    assert result.returncode == 1
    assert result.stderr.startswith(
        "error: cannot reach the database postgresql://someone:***@127.0.0.1:9/nodb"
    )
    assert "secret" not in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "x").exists()
    assert not (home / "instances").exists() or not any((home / "instances").iterdir())


def test_connect_missing_instance_names_it(home):
    result = lamin("connect", "no-such-instance", home=home)
    assert result.returncode == 1
    assert "no lamin instance named 'no-such-instance'" in result.stderr


def test_connect_folder_without_instance_names_it(home, tmp_path):
    result = lamin("connect", str(tmp_path), home=home)
    assert result.returncode == 1
    assert f"no lamin instance in {tmp_path}" in result.stderr


def test_corrupt_settings_file_is_one_clear_error(home, tmp_path):
    assert lamin("init", "--storage", "inst", home=home, cwd=tmp_path).returncode == 0
    settings_file = home / "instances" / "inst.json"
    settings_file.write_text("{not json")
    result = lamin("connect", "inst", home=home)
    assert result.returncode == 1
    assert f"the instance settings file {settings_file} is corrupt" in result.stderr
    imported = python("import lamin_core as ln; ln.Artifact.df()", home=home)
    assert imported.returncode == 1
    assert "SettingsError: the instance settings file" in imported.stderr


def test_unreachable_database_of_existing_instance_is_one_clear_error(home, tmp_path):
    assert lamin("init", "--storage", "inst", home=home, cwd=tmp_path).returncode == 0
    settings_file = home / "instances" / "inst.json"
    data = json.loads(settings_file.read_text())
    data["db"] = "postgresql://postgres@127.0.0.1:9/gone"
    settings_file.write_text(json.dumps(data))
    result = lamin("connect", "inst", home=home)
    assert result.returncode == 1
    assert "cannot reach the database postgresql://postgres@127.0.0.1:9/gone" in result.stderr


def test_import_without_instance_succeeds_and_registry_access_says_how(home):
    result = python(
        "import lamin_core as ln\nprint('imported')\nln.Artifact.df()",
        home=home,
    )
    assert result.stdout.strip() == "imported"
    expected = "NoInstanceError: no lamin instance is set up: create one with `lamin-core init --storage"
    assert expected in result.stderr


def test_connect_by_folder_and_delete(home, tmp_path, db_url):
    db = ["--db", db_url] if db_url else []
    assert lamin("init", "--storage", "alpha", *db, home=home, cwd=tmp_path).returncode == 0
    assert lamin("init", "--storage", "beta", home=home, cwd=tmp_path).returncode == 0
    assert "beta" in lamin("info", home=home).stdout

    connected = lamin("connect", str(tmp_path / "alpha"), home=home)
    assert connected.returncode == 0, connected.stderr
    assert "connected lamin instance: testuser1/alpha" in connected.stderr
    where = python("import lamin_core as ln; print(ln.Storage.df()['root'].iloc[0])", home=home)
    assert where.stdout.strip() == str((tmp_path / "alpha").resolve())

    deleted = lamin("delete", "alpha", "--yes", home=home)
    assert deleted.returncode == 0, deleted.stderr
    assert not (home / "instances" / "alpha.json").exists()
    # SQLite: the database and marker go with the (then empty) folder; PostgreSQL keeps both
    assert (tmp_path / "alpha" / ".lamindb" / "instance.json").exists() == bool(db_url)
    assert (tmp_path / "alpha").exists() == bool(db_url)
    assert "instance: none" in lamin("info", home=home).stdout
    assert lamin("connect", "alpha", home=home).returncode == 1
    assert lamin("connect", "beta", home=home).returncode == 0


def test_settings_set_handle_and_name(tmp_path):
    home = tmp_path / "fresh-home"
    assert lamin("settings", "set", "handle", "someone", home=home).returncode == 0
    assert lamin("settings", "set", "name", "Some One", home=home).returncode == 0
    user = json.loads((home / "user.json").read_text())
    assert (user["handle"], user["name"]) == ("someone", "Some One")
    assert len(user["uid"]) == 8
    bad = lamin("settings", "set", "email", "x", home=home)
    assert bad.returncode == 2
    assert "invalid choice: 'email'" in bad.stderr


def test_init_with_unknown_module_or_bad_name_refuses(home, tmp_path):
    result = lamin("init", "--storage", "m", "--modules", "bionty,nope", home=home, cwd=tmp_path)
    assert result.returncode == 1
    assert "unknown module(s) ['nope']; available modules: ['bionty']" in result.stderr
    result = lamin("init", "--storage", "m", "--name", "bad name!", home=home, cwd=tmp_path)
    assert result.returncode == 1
    assert "invalid instance name 'bad name!'" in result.stderr
    assert not (tmp_path / "m").exists()


def test_user_record_matches_settings(home, tmp_path, db_url):
    db = ["--db", db_url] if db_url else []
    assert lamin("init", "--storage", "u", *db, home=home, cwd=tmp_path).returncode == 0
    result = python("import lamin_core as ln; print(ln.User.get(1))", home=home)
    assert result.stdout.strip().startswith(
        f"User(uid='{GUIDE_USER['uid']}', handle='testuser1', name='Test User1', created_at="
    )


def test_database_matches_test_db_setting(home, tmp_path, db_url):
    db = ["--db", db_url] if db_url else []
    assert lamin("init", "--storage", "v", *db, home=home, cwd=tmp_path).returncode == 0
    vendor = python(
        "import lamin_core as ln; ln.ULabel.df(); from django.db import connection; print(connection.vendor)",
        home=home,
    )
    assert vendor.stdout.strip() == ("postgresql" if TEST_DB else "sqlite")


def test_init_on_s3_storage(home, tmp_path, db_url, s3_bucket):
    """`lamin init --storage s3://bucket/prefix`: marker in the bucket, SQLite under LAMIN_HOME (or --db)."""
    import s3fs

    from lamin_core.storage.filesystem import s3_options

    fs = s3fs.S3FileSystem(**s3_options())
    root = f"s3://{s3_bucket}/team-data"
    db = ["--db", db_url] if db_url else []
    result = lamin("init", "--storage", root, *db, home=home, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "initialized lamin instance: testuser1/team-data" in result.stderr
    marker = json.loads(fs.cat_file(f"{s3_bucket}/team-data/.lamindb/instance.json"))
    assert (marker["name"], marker["storage"], marker["db"]) == ("team-data", root, db_url)
    assert (home / "instances" / "team-data" / "lamin.db").exists() == (db_url is None)
    assert not list(tmp_path.glob("s3*"))

    code = (
        "import lamin_core as ln, pathlib\n"
        "pathlib.Path('x.csv').write_text('a,b\\n1,2\\n')\n"
        "a = ln.Artifact('x.csv', key='x.csv').save()\n"
        "print(a.path); print(ln.Storage.get(a.storage_id).root, ln.Storage.get(a.storage_id).type)\n"
        "print(a.load().shape)"
    )
    saved = python(code, home=home, cwd=tmp_path)
    assert saved.returncode == 0, saved.stderr
    path, storage, shape = saved.stdout.strip().splitlines()
    assert path.startswith(f"{root}/.lamindb/") and path.endswith(".csv")
    assert storage == f"{root} s3" and shape == "(1, 2)"
    assert fs.cat_file(path.split("://", 1)[1]) == b"a,b\n1,2\n"
    info = lamin("info", home=home).stdout
    assert f"storage: {root}" in info and ("postgresql://" if db_url else "sqlite:///") in info

    again = lamin("init", "--storage", root + "/", "--name", "other", home=home, cwd=tmp_path)
    assert again.returncode == 1
    assert f"{root} already holds a lamin instance" in again.stderr
    connected = lamin("connect", root, home=home)
    assert connected.returncode == 0, connected.stderr
    assert "connected lamin instance: testuser1/team-data" in connected.stderr

    deleted = lamin("delete", "team-data", "--yes", home=home)
    assert deleted.returncode == 0, deleted.stderr
    # SQLite: the marker goes with the database; PostgreSQL keeps both (`lamin connect` finds it again)
    assert fs.exists(f"{s3_bucket}/team-data/.lamindb/instance.json") == bool(db_url)
    assert fs.exists(path.split("://", 1)[1])  # the data stays
    assert not (home / "instances" / "team-data").exists()
    assert not (home / "instances" / "team-data.json").exists()
    assert lamin("connect", root, home=home).returncode == (0 if db_url else 1)


def test_init_on_missing_bucket_or_unreachable_s3_fails_and_leaves_nothing(
    home, tmp_path, s3_endpoint, monkeypatch
):
    import socket

    result = lamin("init", "--storage", "s3://no-such-bucket-here/x", home=home, cwd=tmp_path)
    assert result.returncode == 1
    assert (
        result.stderr.strip()
        == "error: storage s3://no-such-bucket-here/x: the bucket 'no-such-bucket-here' does not exist"
    )
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{sock.getsockname()[1]}"
    monkeypatch.setenv("AWS_ENDPOINT_URL", closed)
    result = lamin("init", "--storage", "s3://some-bucket/x", home=home, cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.startswith("error: cannot reach storage s3://some-bucket/x: Could not connect")
    assert "Traceback" not in result.stderr
    assert not (home / "instances").exists() or not any((home / "instances").iterdir())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["lamin-home"]


def test_unsupported_object_storage_is_refused_clearly(home, tmp_path):
    result = lamin("init", "--storage", "gs://bucket/prefix", home=home, cwd=tmp_path)
    assert result.returncode == 1
    assert "only local folders and s3:// object storage are supported" in result.stderr
    assert not (tmp_path / "gs:").exists()
    assert not (home / "instances").exists() or not any((home / "instances").iterdir())
