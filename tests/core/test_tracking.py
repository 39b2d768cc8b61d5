"""`ln.track()` / `ln.finish()`: scripts and notebooks (headless, JupyterLab-like), versions, bad input."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from conftest import BIN, lamin
from nbclient import NotebookClient

from lamin_core.hashing import hash_file
from lamin_core.tracking import _source

TRACK_LINE = re.compile(
    r"→ (created|loaded) Transform\('(\w{16})'\), started new Run\('(\w{8})\.\.\.'\) "
    r"at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC"
)
FINISH_LINE = re.compile(r"→ finished Run\('(\w{8})'\) after \d+s at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC")
TITLE = "Query & search registries"

REPORT = """
import json
import lamin_core as ln
from lamin_core.tracking import context

def fields(record, names):
    return {name: getattr(record, name) for name in names}

transform_fields = ["id", "uid", "key", "description", "type", "source_code", "hash", "is_latest"]
run_fields = ["id", "uid", "transform_id", "_is_consecutive", "_status_code", "created_by_id"]

def report(label):
    transform, run = ln.Transform.get(context.transform.id), ln.Run.get(context.run.id)
    return json.dumps({
        "transform": fields(transform, transform_fields),
        "run": {**fields(run, run_fields), "started_at": str(run.started_at), "finished_at": run.finished_at},
        "label": fields(label, ["run_id", "created_by_id"]),
    })
"""


def clean_env(home: Path, **extra: str) -> dict[str, str]:
    """This process's environment minus notebook hints, plus the instance's settings directory."""
    env = {k: v for k, v in os.environ.items() if k not in ("JPY_SESSION_NAME", _source.NOTEBOOK_PATH_ENV)}
    return {**env, "LAMIN_HOME": str(home), **extra}


@pytest.fixture
def tracked_home(home, tmp_path, db_url):
    """A settings directory with a current instance (SQLite or a fresh PostgreSQL database)."""
    db = ["--db", db_url] if db_url else []
    result = lamin("init", "--storage", "tracked", *db, home=home, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    return home


# -- scripts, in fresh processes ----------------------------------------------------------------


def run_script(path: Path, home: Path) -> tuple[dict, str]:
    result = subprocess.run(
        [sys.executable, str(path)], env=clean_env(home), capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return json_lines(result.stdout)[-1], result.stdout  # the track lines are on stdout, as in LaminDB


def json_lines(stdout: str) -> list:
    """What a script printed as JSON, leaving out the log lines (`→ ...`) printed between."""
    return [json.loads(line) for line in stdout.splitlines() if line.startswith(("{", "[", "null"))]


SCRIPT = (
    REPORT
    + """
ln.track({uid})
label = ln.ULabel(name=f"tracked label of run {ln.context.run.uid}").save()
print(report(label))
"""
)


def test_script_creates_transform_and_run(tracked_home, tmp_path):
    script = tmp_path / "my_analysis.py"
    script.write_text(SCRIPT.replace("{uid}", ""))
    out, log = run_script(script, tracked_home)
    transform, run, label = out["transform"], out["run"], out["label"]
    assert transform["key"] == "my_analysis.py"
    assert transform["type"] == "script"
    assert transform["description"] == "my_analysis.py"
    assert transform["source_code"] == script.read_text()
    assert transform["hash"] == hash_file(script)[0] and len(transform["hash"]) == 22
    assert len(transform["uid"]) == 16 and transform["uid"].endswith("0000")
    assert transform["is_latest"] is True
    assert run["transform_id"] == transform["id"] and len(run["uid"]) == 20
    assert run["finished_at"] is None and run["_is_consecutive"] is None and run["_status_code"] == 0
    assert label == {"run_id": run["id"], "created_by_id": run["created_by_id"]}
    match = TRACK_LINE.search(log)
    assert match and match.groups() == ("created", transform["uid"], run["uid"][:8])
    assert f'ln.track("{transform["uid"][:12]}")' in log  # the recommendation to pin the uid
    assert "notebook imports" not in log

    # same source again: the same transform, a new run
    again, log = run_script(script, tracked_home)
    assert again["transform"] == transform
    assert again["run"]["id"] != run["id"] and again["label"]["run_id"] == again["run"]["id"]
    assert TRACK_LINE.search(log).group(1) == "loaded"

    # changed source: a new version of the same stem, and is_latest moves to it
    script.write_text(script.read_text() + "# changed\n")
    changed, log = run_script(script, tracked_home)
    assert changed["transform"]["uid"] == transform["uid"][:12] + "0001"
    assert changed["transform"]["is_latest"] is True
    assert "found script my_analysis.py, making new version" in log
    check = subprocess.run(
        [
            sys.executable,
            "-c",
            f"import lamin_core as ln; print(ln.Transform.get({transform['id']}).is_latest)",
        ],
        env=clean_env(tracked_home),
        capture_output=True,
        text=True,
    )
    assert check.stdout.strip() == "False"


def test_script_with_stem_uid_and_finish(tracked_home, tmp_path):
    script = tmp_path / "pinned.py"
    script.write_text(
        SCRIPT.replace("{uid}", '"Abcdefghijk1"')
        + "run_id = context.run.id\n"
        + "ln.finish()\n"
        + "after = ln.ULabel(name='after finish').save()\n"
        + "run = ln.Run.get(run_id)\n"
        + "print(json.dumps({'finished': str(run.finished_at), 'consecutive': run._is_consecutive,"
        + " 'status': run._status_code, 'after_run_id': after.run_id, 'context_run': context.run}))\n"
    )
    result = subprocess.run(
        [sys.executable, str(script)],
        env=clean_env(tracked_home),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    tracked, finished = json_lines(result.stdout)[-2:]
    assert tracked["transform"]["uid"] == "Abcdefghijk10000"
    assert tracked["transform"]["key"] == "pinned.py"
    assert finished["finished"] != "None" and finished["consecutive"] is True and finished["status"] == 0
    assert finished["after_run_id"] is None and finished["context_run"] is None
    match = FINISH_LINE.search(result.stdout)
    assert match and match.group(1) == tracked["run"]["uid"][:8]
    assert "recommendation" not in result.stdout and result.stderr == ""


def test_no_file_to_track_says_how_to_fix(tracked_home, tmp_path):
    result = subprocess.run(
        [sys.executable, "-c", "import lamin_core as ln; ln.track()"],
        env=clean_env(tracked_home),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "cannot tell which script is running" in result.stderr and "path=" in result.stderr


# -- notebooks, headless through nbclient ----------------------------------------------------------


def write_notebook(path: Path, code_cells: list[str], title: str = TITLE) -> nbformat.NotebookNode:
    cells = [nbformat.v4.new_markdown_cell(f"# {title}\n\nThis guide walks through ...")]
    cells += [nbformat.v4.new_code_cell(src) for src in code_cells]
    notebook = nbformat.v4.new_notebook(cells=cells)
    nbformat.write(notebook, path)
    return notebook


def stream(cell, name: str) -> str:
    return "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream" and o.name == name)


def assert_no_errors(notebook) -> None:
    errors = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs]
    errors = [f"{o.ename}: {o.evalue}" for o in errors if o.output_type == "error"]
    assert not errors, errors


NOTEBOOK_CELLS = [
    'import lamin_core as ln\n\nln.track("Wc8F4siRSKMZ")',
    REPORT + 'print(report(ln.ULabel(name="Experiment 1").save()))',
    'ln.track("Wc8F4siRSKMZ")\nprint(report(ln.ULabel(name="Experiment 2").save()))',
    "ln.finish()",
]


def test_notebook_headless_with_env(tracked_home, tmp_path):
    path = tmp_path / "registries.ipynb"
    notebook = write_notebook(path, NOTEBOOK_CELLS)
    client = NotebookClient(
        notebook, kernel_name="python3", timeout=120, resources={"metadata": {"path": str(tmp_path)}}
    )
    client.execute(env=clean_env(tracked_home, LAMIN_NOTEBOOK_PATH=str(path)))
    assert_no_errors(notebook)
    track_cell, report_cell, again_cell, finish_cell = notebook.cells[1:]

    log = stream(track_cell, "stdout")  # as LaminDB prints them
    assert stream(track_cell, "stderr") == ""
    match = TRACK_LINE.search(log)
    assert match and match.groups()[:2] == ("created", "Wc8F4siRSKMZ0000"), log
    imports = re.search(r"→ notebook imports: (.*)", log).group(1).split()
    import lamin_core

    assert imports == [f"lamin_core=={lamin_core.__version__}"]
    assert "recommendation" not in log

    out = json_lines(stream(report_cell, "stdout"))[-1]
    transform, run = out["transform"], out["run"]
    assert transform["uid"] == "Wc8F4siRSKMZ0000"
    assert transform["key"] == "registries.ipynb"
    assert transform["description"] == TITLE
    assert transform["type"] == "notebook"
    assert transform["source_code"] is None and transform["hash"] is None
    assert match.group(3) == run["uid"][:8]
    assert out["label"]["run_id"] == run["id"]

    # track() again: the same transform, a new run that new records point to
    again = json_lines(stream(again_cell, "stdout"))[-1]
    assert again["transform"]["id"] == transform["id"]
    assert again["run"]["id"] != run["id"] and again["label"]["run_id"] == again["run"]["id"]
    assert TRACK_LINE.search(stream(again_cell, "stdout")).groups()[:2] == ("loaded", "Wc8F4siRSKMZ0000")

    finish_log = stream(finish_cell, "stdout")
    assert FINISH_LINE.search(finish_log).group(1) == again["run"]["uid"][:8]


def test_notebook_jupyterlab_session_name(tracked_home, tmp_path):
    """JupyterLab (jupyter-server >= 2) names the notebook in JPY_SESSION_NAME; track() with no uid."""
    folder = tmp_path / "analyses"
    folder.mkdir()
    path = folder / "cell-types.ipynb"
    cells = [
        "import lamin_core as ln\nimport pandas as pd\nimport os, json\n%load_ext autoreload\nln.track()",
        "from lamin_core.tracking import context\n"
        "print(json.dumps([context.transform.key, context.transform.description, context.transform.type,"
        " context.notebook_runner]))",
        "ln.finish()\nprint(json.dumps(context.run))",
    ]
    notebook = write_notebook(path, cells, title="Cell types")
    NotebookClient(
        notebook, kernel_name="python3", timeout=120, resources={"metadata": {"path": str(folder)}}
    ).execute(env=clean_env(tracked_home, JPY_SESSION_NAME=str(path)))
    assert_no_errors(notebook)
    log = stream(notebook.cells[1], "stdout")
    match = TRACK_LINE.search(log)
    assert match and match.group(1) == "created"
    imports = re.search(r"→ notebook imports: (.*)", log).group(1).split()
    assert sorted(name.split("==")[0] for name in imports) == ["lamin_core", "pandas"]
    hint = f'ln.track("{match.group(2)[:12]}")'
    assert f"• recommendation: to identify the notebook across renames, pass the uid: {hint}" in log
    key, description, kind, runner = json.loads(stream(notebook.cells[2], "stdout"))
    assert (key, description, kind, runner) == ("cell-types.ipynb", "Cell types", "notebook", "jupyter")
    assert json_lines(stream(notebook.cells[3], "stdout")) == [None]


def test_notebook_jupyter_execute_found_from_parent_process(tracked_home, tmp_path):
    """`jupyter execute nb.ipynb` with no hints in the environment: the path comes from the command line."""
    path = tmp_path / "registries.ipynb"
    result_file = tmp_path / "result.json"
    write_notebook(
        path,
        [
            'import lamin_core as ln\nln.track("Wc8F4siRSKMZ")',
            "import json\nfrom lamin_core.tracking import context\n"
            f"open({str(result_file)!r}, 'w').write(json.dumps([context.transform.uid, context.transform.key,"
            " context.transform.description, context.notebook_runner]))",
        ],
    )
    result = subprocess.run(
        [str(BIN / "jupyter"), "execute", path.name],
        env=clean_env(tracked_home),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result_file.read_text()) == ["Wc8F4siRSKMZ0000", "registries.ipynb", TITLE, "headless"]


def test_notebook_without_path_says_how_to_fix(tracked_home, tmp_path):
    notebook = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell("import lamin_core as ln\nln.track()")]
    )
    NotebookClient(
        notebook,
        kernel_name="python3",
        timeout=120,
        allow_errors=True,
        resources={"metadata": {"path": str(tmp_path)}},
    ).execute(env=clean_env(tracked_home))
    error = next(o for o in notebook.cells[0].outputs if o.output_type == "error")
    assert error.ename == "NotebookPathError"
    assert "path=" in error.evalue and "LAMIN_NOTEBOOK_PATH" in error.evalue


# -- in this process (session instance) ----------------------------------------------------------


@pytest.fixture
def ln(instance):
    import lamin_core
    from lamin_core.tracking import context

    registries = (lamin_core.ULabel, lamin_core.Run, lamin_core.Transform)
    last_ids = [
        registry.all_objects.order_by("-id").values_list("id", flat=True).first() or 0
        for registry in registries
    ]
    context.reset()
    yield lamin_core
    context.reset()
    # leave the session instance as other test modules expect it
    for registry, last_id in zip(registries, last_ids, strict=True):
        registry.all_objects.filter(id__gt=last_id).delete()


def test_bad_uids_raise_before_writing(ln, tmp_path):
    n_transforms, n_runs = ln.Transform.all_objects.count(), ln.Run.objects.count()
    for bad in ("abc", "Wc8F4siRSKMZ00", "Wc8F4siRSKMZ00000"):
        with pytest.raises(ValueError, match=r"12 \(stem\) or 16 \(stem \+ version\) characters long"):
            ln.track(bad, path=tmp_path / "x.py")
    with pytest.raises(ValueError, match="0-9, A-Z, a-z"):
        ln.track("Wc8F4siRSKM-")
    with pytest.raises(TypeError, match="uid string or a Transform"):
        ln.track(123)
    assert (ln.Transform.all_objects.count(), ln.Run.objects.count()) == (n_transforms, n_runs)
    from lamin_core.tracking import context

    assert context.run is None


def test_finish_without_track(ln):
    from lamin_core.errors import LaminError
    from lamin_core.tracking import TrackNotCalled

    with pytest.raises(TrackNotCalled, match=r"Please run `ln.track\(\)` before `ln.finish\(\)`"):
        ln.finish()
    assert issubclass(TrackNotCalled, LaminError)


def test_track_with_path_in_process(ln, tmp_path, capsys):
    from lamin_core.tracking import context

    script = tmp_path / "in_process_step.py"
    script.write_text("print('step')\n")
    ln.track(path=script)
    first_run = context.run
    label = ln.ULabel(name="in-process tracked").save()
    assert label.run_id == first_run.id
    assert context.transform.key == "in_process_step.py" and context.transform.type == "script"
    ln.track(path=script)  # a new run of the same transform
    assert context.run.id != first_run.id and context.transform.id == first_run.transform_id
    ln.finish()
    assert ln.ULabel(name="untracked").save().run_id is None
    finished = ln.Run.get(first_run.transform.runs.order_by("-id").first().id)
    assert finished.finished_at is not None and finished._is_consecutive is True
    log = capsys.readouterr().out
    assert "loaded Transform" in log and FINISH_LINE.search(log)


def test_explicit_notebook_path_and_rename(ln, tmp_path):
    from lamin_core.tracking import context

    path = tmp_path / "explicit.ipynb"
    write_notebook(path, ["1 + 1"], title="Explicit path")
    ln.track("XplicitPath1", path=path)
    transform = context.transform
    assert (transform.uid, transform.key, transform.description, transform.type) == (
        "XplicitPath10000",
        "explicit.ipynb",
        "Explicit path",
        "notebook",
    )
    renamed = tmp_path / "renamed.ipynb"
    write_notebook(renamed, ["1 + 1"], title="New title")
    ln.track("XplicitPath1", path=renamed)
    transform = ln.Transform.get(transform.id)
    assert (transform.key, transform.description) == ("renamed.ipynb", "New title")
    assert ln.Transform.filter(uid__startswith="XplicitPath1").count() == 1


def test_full_uid_with_changed_script_names_next_uid(ln, tmp_path):
    from lamin_core.tracking import UpdateContext

    script = tmp_path / "pinned_version.py"
    script.write_text("x = 1\n")
    ln.track("PinnedVersn10000", path=script)
    script.write_text("x = 2\n")
    with pytest.raises(UpdateContext, match=r'argument in `track\(\)` to "PinnedVersn10001"'):
        ln.track("PinnedVersn10000", path=script)
    ln.track("PinnedVersn10001", path=script)
    versions = ln.Transform.filter(uid__startswith="PinnedVersn1").order_by("uid")
    assert [(t.uid, t.is_latest) for t in versions] == [
        ("PinnedVersn10000", False),
        ("PinnedVersn10001", True),
    ]


def test_same_source_under_another_uid(ln, tmp_path):
    """Transform.hash is unique: identical source tracked under a new uid keeps its code, not the hash."""
    from lamin_core.tracking import context

    first, second = tmp_path / "a_copy.py", tmp_path / "b_copy.py"
    first.write_text("print('identical')\n")
    second.write_text("print('identical')\n")
    ln.track("SameSource01", path=first)
    ln.track("SameSource02", path=second)
    assert context.transform.source_code == "print('identical')\n" and context.transform.hash is None


# -- detection helpers ---------------------------------------------------------------------------


def test_notebook_title():
    def nb(*sources, kind="markdown"):
        return {"cells": [{"cell_type": kind, "source": s} for s in sources]}

    assert _source.notebook_title(nb("# Query &amp; search registries")) == TITLE
    assert _source.notebook_title(nb(["Intro\n", "# Title ##\n", "# Second"])) == "Title"
    assert _source.notebook_title(nb("```\n# not a title\n```\n## Sub", "# Later cell")) == "Later cell"
    assert _source.notebook_title(nb("# from code", kind="code")) is None
    assert _source.notebook_title(nb("#hashtag")) is None


def test_notebook_imports():
    cells = [
        {"cell_type": "code", "source": "%matplotlib inline\n!pip install x\nimport pandas as pd, os.path"},
        {
            "cell_type": "code",
            "source": ["from lamin_core.tracking import context\n", "from . import local\n"],
        },
        {"cell_type": "code", "source": "import not_installed_module_xyz\nimport _private"},
        {"cell_type": "markdown", "source": "import numpy"},
    ]
    import pandas

    import lamin_core

    assert _source.notebook_imports({"cells": cells}) == [
        f"lamin_core=={lamin_core.__version__}",
        f"pandas=={pandas.__version__}",
    ]


def test_notebook_path_order(monkeypatch, tmp_path):
    for name in ("LAMIN_NOTEBOOK_PATH", "JPY_SESSION_NAME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(_source, "_parent_process", lambda: ([], None))
    with pytest.raises(_source.NotebookPathError):
        _source.notebook_path()
    monkeypatch.chdir(tmp_path)
    (tmp_path / "lab.ipynb").write_text("{}")
    monkeypatch.setenv("JPY_SESSION_NAME", "some/dir/lab.ipynb")  # relative to the server root
    assert _source.notebook_path() == (tmp_path / "lab.ipynb", "jupyter")
    monkeypatch.setattr(
        _source, "_parent_process", lambda: (["python", "-m", "nbconvert", "run.ipynb"], tmp_path)
    )
    assert _source.notebook_path() == (tmp_path / "run.ipynb", "headless")
    monkeypatch.setattr(sys.modules["__main__"], "__vsc_ipynb_file__", "/x/vscode.ipynb", raising=False)
    assert _source.notebook_path() == (Path("/x/vscode.ipynb"), "vscode")
    monkeypatch.setenv("LAMIN_NOTEBOOK_PATH", "env.ipynb")
    assert _source.notebook_path() == (tmp_path / "env.ipynb", "headless")
    assert _source.notebook_path("given.ipynb") == (tmp_path / "given.ipynb", "explicit")


@pytest.mark.parametrize(
    ("cmdline", "expected"),
    [
        (["/venv/bin/python", "/venv/bin/jupyter-execute", "nb.ipynb"], True),
        (["jupyter", "nbconvert", "--execute", "--to", "notebook", "nb.ipynb"], True),
        (["/usr/bin/python3", "-m", "papermill", "in.ipynb", "out.ipynb"], True),
        (["/venv/bin/python", "/venv/bin/jupyter-lab"], False),
        (["/venv/bin/python", "/venv/bin/pytest", "tests/core/test_tracking.py"], False),
    ],
)
def test_headless_runner_command_lines(cmdline, expected):
    assert _source.is_headless_runner(cmdline) is expected


def test_stems_differing_in_case_are_different_transforms(ln, tmp_path):
    """uids are case-sensitive on every database."""
    from lamin_core.tracking import context

    upper, lower = tmp_path / "upper_case.py", tmp_path / "lower_case.py"
    upper.write_text("print('upper')\n")
    lower.write_text("print('lower')\n")
    ln.track("CaseStemAbcd", path=upper)
    first = context.transform
    ln.track("casestemabcd", path=lower)
    assert context.transform.uid == "casestemabcd0000" and context.transform.id != first.id
    assert ln.Transform.get(first.id).is_latest is True


# -- ln.context.description and ln.context.version (LaminDB 1.5.3) ------------------------------


DESCRIBED_SCRIPT = (
    REPORT
    + """
ln.context.description = "Query & search registries, as a script"
ln.context.version = "VERSION"
ln.track()
print(report(ln.ULabel(name=f"described label {ln.context.run.uid}").save()))
print(json.dumps([ln.Transform.get(context.transform.id).version,
                  ln.Transform.filter(description__startswith="Query & search").count()]))
"""
)


def test_script_description_and_version_from_context(tracked_home, tmp_path):
    script = tmp_path / "described.py"
    script.write_text(DESCRIBED_SCRIPT.replace("VERSION", "1"))

    def run(expect_ok: bool = True) -> subprocess.CompletedProcess:
        result = subprocess.run(
            [sys.executable, str(script)], env=clean_env(tracked_home), capture_output=True, text=True
        )
        assert (result.returncode == 0) is expect_ok, result.stderr
        return result

    first = run()
    report, (version, found) = (json.loads(line) for line in first.stdout.strip().splitlines()[-2:])
    transform = report["transform"]
    assert transform["description"] == "Query & search registries, as a script"  # not "described.py"
    assert (version, found, transform["key"]) == ("1", 1, "described.py")
    # unchanged source, same version: the same transform
    again = run()
    assert json.loads(again.stdout.strip().splitlines()[-2])["transform"]["id"] == transform["id"]

    # changed source claiming the taken version: stops (exit 1, LaminDB's message), writes nothing
    script.write_text(DESCRIBED_SCRIPT.replace("VERSION", "1") + "# changed\n")
    taken = run(expect_ok=False)
    assert taken.returncode == 1 and "Traceback" not in taken.stderr
    assert (
        f"✗ version '1' is already taken by Transform('{transform['uid']}'); please set another version, "
        "e.g., ln.context.version = '1.1'"
    ) in taken.stderr
    count = subprocess.run(
        [
            sys.executable,
            "-c",
            "import lamin_core as ln; print(ln.Transform.filter(key='described.py').count())",
        ],
        env=clean_env(tracked_home),
        capture_output=True,
        text=True,
    )
    assert count.stdout.strip() == "1", count.stderr

    # with a new version: the next version of the family, which becomes the latest
    script.write_text(DESCRIBED_SCRIPT.replace("VERSION", "2") + "# changed\n")
    report = json.loads(run().stdout.strip().splitlines()[-2])
    assert report["transform"]["uid"] == transform["uid"][:12] + "0001" and report["transform"]["is_latest"]


def test_context_version_inconsistent_with_the_loaded_transform(ln, tmp_path):
    from lamin_core.tracking import VersionConflict, context

    script = tmp_path / f"versioned_{os.getpid()}.py"
    script.write_text("x = 1\n")
    context.version = "1"
    ln.track(path=script)
    transform = context.transform
    assert transform.version == "1"
    n_runs = ln.Run.filter(transform=transform).count()
    context.version = "2"  # same source, another version: 1.5.3 asks for the consistent one
    with pytest.raises(VersionConflict, match=r"please pass consistent version: ln.context.version = '1'"):
        ln.track(path=script)
    assert issubclass(VersionConflict, SystemExit)
    assert ln.Run.filter(transform=transform).count() == n_runs  # no run was started
    ln.finish()
    assert context.version is None and context.description is None  # finish() clears them, as 1.5.3


def test_context_version_set_on_an_unversioned_transform(ln, tmp_path):
    from lamin_core.tracking import context

    script = tmp_path / f"unversioned_{os.getpid()}.py"
    script.write_text("y = 1\n")
    ln.track(path=script)
    transform = context.transform
    assert transform.version is None and transform.description == script.name
    context.version, context.description = "0.1", "Described later"
    ln.track(path=script)
    reloaded = ln.Transform.get(transform.id)
    assert (reloaded.version, reloaded.description) == ("0.1", "Described later")
    context.description = None  # the file name never replaces a description
    ln.track(path=script)
    assert ln.Transform.get(transform.id).description == "Described later"


def test_notebook_title_wins_over_context_description(ln, tmp_path):
    from lamin_core.tracking import context

    titled, untitled = tmp_path / "titled.ipynb", tmp_path / "untitled_nb.ipynb"
    write_notebook(titled, ["1 + 1"], title="The title")
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 + 1")]), untitled)
    context.description = "From the context"
    ln.track(path=titled)
    assert context.transform.description == "The title"
    ln.track(path=untitled)
    assert context.transform.description == "From the context"


def test_bad_context_version_fails_before_writing(ln, tmp_path):
    from lamin_core.tracking import context

    n_transforms = ln.Transform.all_objects.count()
    context.version = 1
    with pytest.raises(ValueError, match=r"`version` parameter must be `None` or `str`"):
        ln.track(path=tmp_path / "never.py")
    assert ln.Transform.all_objects.count() == n_transforms


def test_pinned_uids_with_versions(ln, tmp_path):
    """LaminDB 1.5.3's sequence: a version taken by another uid of the family, a bump, an inconsistent one."""
    from lamin_core.tracking import VersionConflict, context
    from lamin_core.uids import base62

    stem = base62(12)
    scripts = {}
    for name in ("first", "second", "third"):
        scripts[name] = tmp_path / name / "versioned_script.py"
        scripts[name].parent.mkdir()
        scripts[name].write_text(f"print({name!r})\n")
    context.version = "1"
    ln.track(stem + "0000", path=scripts["first"])
    assert context.transform.version == "1"
    with pytest.raises(VersionConflict) as error:
        ln.track(stem + "0001", path=scripts["second"])  # "1" is 0000's
    assert str(error.value) == (
        f"✗ version '1' is already taken by Transform('{stem}0000'); please set another version, "
        "e.g., ln.context.version = '1.1'"
    )
    context.version = "2"
    ln.track(stem + "0001", path=scripts["second"])
    assert (context.transform.uid, context.transform.version) == (stem + "0001", "2")
    assert [
        (t.uid[12:], t.version, t.is_latest)
        for t in ln.Transform.filter(uid__startswith=stem).order_by("uid")
    ] == [
        ("0000", "1", False),
        ("0001", "2", True),
    ]
    context.version = "3"  # another file and another version for 0001: the version is checked first
    with pytest.raises(VersionConflict, match=r"please pass consistent version: ln.context.version = '2'"):
        ln.track(stem + "0001", path=scripts["third"])
