"""`ln.track(project=..., space=..., params=...)`, `ln.finish(ignore_non_consecutive=...)`, the lines they
print on stdout, and notebooks run by `jupyter nbconvert --execute`, as LaminDB 1.5.3 behaves.

In-process tests run in a transaction that is rolled back (and reset the run context): the session
instance is left as it was. The nbconvert test uses an instance of its own.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import nbformat
import pytest
from conftest import BIN, lamin
from django.db import transaction

TRACK_LINE = re.compile(
    r"^→ (created|loaded) Transform\('(\w{16})'\), started new Run\('(\w{8})\.\.\.'\) at ", re.M
)


@pytest.fixture
def ln(instance):
    import lamin_core
    from lamin_core.tracking import context

    context.reset()
    try:
        with transaction.atomic():
            yield lamin_core
            transaction.set_rollback(True)
    finally:
        context.reset()


def script(tmp_path: Path, name: str = "step.py") -> Path:
    path = tmp_path / name
    path.write_text(f"print({name!r})\n")
    return path


def counts(ln) -> tuple[int, int]:
    return ln.Transform.all_objects.count(), ln.Run.all_objects.count()


# -- project ---------------------------------------------------------------------------------------


def test_unknown_project_or_space_writes_nothing(ln, tmp_path):
    from lamin_core.errors import InvalidArgument

    before = counts(ln)
    with pytest.raises(InvalidArgument) as error:
        ln.track(project="non-existing project", path=script(tmp_path))
    assert str(error.value) == (
        "Project 'non-existing project' not found, either create it with `ln.Project(name='...').save()` "
        "or fix typos."
    )
    with pytest.raises(InvalidArgument) as error:
        ln.track(space="non-existing space", path=script(tmp_path))
    assert str(error.value) == (
        "Space 'non-existing space', please check on the hub UI whether you have the correct `uid` or `name`."
    )
    with pytest.raises(InvalidArgument, match="must be saved"):
        ln.track(project=ln.Project(name="unsaved"), path=script(tmp_path))
    assert counts(ln) == before
    assert ln.context.run is None and ln.context.project is None and ln.context.space is None


@pytest.mark.parametrize("how", ["name", "uid", "record", "env"])
def test_project_links_transform_run_and_what_the_run_saves(ln, tmp_path, monkeypatch, how):
    project = ln.Project(name="Track compat project").save()
    other = ln.ULabel(name="saved before track").save()
    given = {"name": project.name, "uid": project.uid, "record": project, "env": None}[how]
    if how == "env":
        monkeypatch.setenv("LAMIN_CURRENT_PROJECT", project.name)
    ln.track(project=given, path=script(tmp_path))
    run, transform = ln.context.run, ln.context.transform
    assert ln.context.project == project
    assert list(project.transforms.all()) == [transform] and list(project.runs.all()) == [run]
    label = ln.ULabel(name="labelled during the run").save()
    reference = ln.Reference(name="A paper").save()
    person = ln.Person(name="Somebody").save()  # not one of the registries 1.5.3 links
    assert set(project.ulabels.all()) == {label} and set(project.references.all()) == {reference}
    assert other not in project.ulabels.all() and not person.projects.exists()
    ln.finish()
    assert ln.context.project is None
    after = ln.ULabel(name="labelled after the run").save()
    assert not after.projects.exists()


# -- space -----------------------------------------------------------------------------------------


def test_space_is_where_the_run_creates_records(ln, tmp_path):
    lab = ln.Space(name="Lab space", uid="LabSpace0001").save()
    ln.track(space="Lab space", path=script(tmp_path))
    assert ln.context.space == lab
    assert ln.context.run.space_id == lab.id and ln.context.transform.space_id == lab.id
    project = ln.Project(name="Restricted project").save()
    label = ln.ULabel(name="shared label").save()  # labels, features, schemas, params stay shared (1.5.3)
    explicit = ln.Project(name="Explicit space", space_id=1).save()
    assert (project.space_id, label.space_id, explicit.space_id) == (lab.id, 1, 1)
    ln.finish()
    assert ln.context.space is None and ln.Project(name="After").save().space_id == 1
    ln.track(space=lab.uid, path=script(tmp_path))  # by uid
    assert ln.context.run.space_id == lab.id
    ln.track(space="All", path=script(tmp_path))  # the space every instance has
    assert ln.context.run.space_id == 1


def test_failed_track_leaves_the_space_unset(ln, tmp_path):
    from lamin_core.errors import ValidationError

    ln.Space(name="Lab space", uid="LabSpace0002").save()
    with pytest.raises(ValidationError):
        ln.track(space="Lab space", params={"no_such_param": 1}, path=script(tmp_path))
    assert ln.context.space is None and ln.Project(name="p").space_id == 1


# -- params ----------------------------------------------------------------------------------------


def test_params_become_the_runs_params(ln, tmp_path, capsys):
    from lamin_core.errors import ValidationError

    params = {"param1": 1, "param2": "my-string", "param3": 3.14}
    before = counts(ln)
    with pytest.raises(
        ValidationError, match=r"These keys could not be validated: \['param1', 'param2', 'param3'\]"
    ):
        ln.track(params=params, path=script(tmp_path))
    assert counts(ln) == before and ln.context.run is None  # nothing written, no run active
    ln.Param(name="param1", dtype="int").save()
    ln.Param(name="param2", dtype="str").save()
    ln.Param(name="param3", dtype="float").save()
    ln.track(params=params, path=script(tmp_path))
    assert ln.context.run.params.get_values() == params
    out = capsys.readouterr().out
    assert "→ params: param1=1, param2=my-string, param3=3.14" in out
    assert 'pass the uid: ln.track("' in out and ", params={...})" in out

    param4 = ln.Param(name="param4", dtype="int").save()
    more = {**params, "param4": [1, 2]}
    run_before = ln.context.run
    with pytest.raises(ValidationError, match="param4"):
        ln.track(params=more, path=script(tmp_path))
    assert ln.context.run == run_before and ln.Run.all_objects.count() == before[1] + 1
    param4.dtype = "list[int]"
    param4.save()
    ln.track(params=more, path=script(tmp_path))
    assert ln.context.run.params.get_values() == more
    with pytest.raises(TypeError, match="params must be a dict"):
        ln.track(params=[("param1", 1)], path=script(tmp_path))


# -- transforms given as records -------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["notebook", "script"])
def test_a_notebook_or_script_transform_cannot_be_passed(ln, kind):
    transform = ln.Transform(key=f"My {kind}", type=kind)
    with pytest.raises(
        ValueError, match=r"Use `ln.track\(\)` without passing transform in a notebook or script"
    ):
        ln.track(transform)


def test_pipeline_transform_and_finish_print_on_stdout(ln, capsys):
    transform = ln.Transform(key="track-compat pipeline").save()
    ln.track(transform)
    assert ln.context.run.finished_at is None
    run = ln.context.run
    ln.finish()
    run.refresh_from_db()
    assert run.finished_at is not None
    captured = capsys.readouterr()
    match = TRACK_LINE.search(captured.out)
    assert match and match.groups()[:2] == ("loaded", transform.uid)
    assert re.search(rf"^→ finished Run\('{run.uid[:8]}'\) after \d+s at ", captured.out, re.M)
    assert "Transform" not in captured.err and "Run" not in captured.err


# -- finish(ignore_non_consecutive=...) ------------------------------------------------------------


def notebook_with_counts(path: Path, execution_counts: list[int | None]) -> Path:
    cells = [nbformat.v4.new_markdown_cell("# Consecutive?")]
    for i, count in enumerate(execution_counts):
        cell = nbformat.v4.new_code_cell(f"x = {i}")
        cell.execution_count = count
        cells.append(cell)
    cells.append(nbformat.v4.new_code_cell("ln.finish()"))  # the calling cell is left out, as in 1.5.3
    nbformat.write(nbformat.v4.new_notebook(cells=cells), path)
    return path


def finished(ln, run) -> tuple[bool, bool | None]:
    run.refresh_from_db()
    return run.finished_at is not None, run._is_consecutive


def test_finish_warns_on_non_consecutive_cells(ln, tmp_path, capsys):
    ln.track(path=notebook_with_counts(tmp_path / "jumps.ipynb", [1, 3, 4]))
    run = ln.context.run
    ln.finish()
    assert finished(ln, run) == (True, False)
    assert "! cells [(1, 3)] were not run consecutively" in capsys.readouterr().out


def test_finish_ignoring_non_consecutive_cells(ln, tmp_path, capsys):
    ln.track(path=notebook_with_counts(tmp_path / "jumps.ipynb", [2, 3]))
    run = ln.context.run
    ln.finish(ignore_non_consecutive=True)
    assert finished(ln, run) == (True, False)  # still recorded as it was, without the warning
    assert "consecutively" not in capsys.readouterr().out


def test_finish_asking_about_non_consecutive_cells(ln, tmp_path, monkeypatch, capsys):
    ln.track(path=notebook_with_counts(tmp_path / "jumps.ipynb", [1, 3]))
    run = ln.context.run
    monkeypatch.setattr("builtins.input", lambda prompt: "n")
    ln.finish(ignore_non_consecutive=False)
    assert finished(ln, run) == (False, None) and ln.context.run == run  # still active
    assert "did not finish the run" in capsys.readouterr().out

    def no_terminal(prompt):
        raise EOFError

    monkeypatch.setattr("builtins.input", no_terminal)
    ln.finish(ignore_non_consecutive=False)
    assert finished(ln, run)[0] is False
    monkeypatch.setattr("builtins.input", lambda prompt: "y")
    ln.finish(ignore_non_consecutive=False)
    assert finished(ln, run) == (True, False) and ln.context.run is None


def test_consecutive_cells_finish_silently(ln, tmp_path, capsys):
    ln.track(path=notebook_with_counts(tmp_path / "in-order.ipynb", [1, 2, 3]))
    run = ln.context.run
    ln.finish(ignore_non_consecutive=False)
    assert finished(ln, run) == (True, True)
    assert "consecutively" not in capsys.readouterr().out


# -- jupyter nbconvert --execute -------------------------------------------------------------------


@pytest.fixture
def tracked_home(home, tmp_path, db_url):
    db = ["--db", db_url] if db_url else []
    result = lamin("init", "--storage", "tracked", *db, home=home, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    return home


def test_notebook_run_by_nbconvert_is_found(tracked_home, tmp_path):
    folder = tmp_path / "analyses"
    folder.mkdir()
    path = folder / "nbconvert-run.ipynb"
    code = [
        "import json\nimport lamin_core as ln\nln.track()",
        "from lamin_core.tracking import context\n"
        "print(json.dumps([context.transform.key, context.transform.type, context.notebook_runner,"
        " str(context.path)]))",
        "ln.finish()",
    ]
    cells = [nbformat.v4.new_markdown_cell("# Run by nbconvert")] + [
        nbformat.v4.new_code_cell(c) for c in code
    ]
    nbformat.write(nbformat.v4.new_notebook(cells=cells), path)
    env = {k: v for k, v in os.environ.items() if k not in ("JPY_SESSION_NAME", "LAMIN_NOTEBOOK_PATH")}
    result = subprocess.run(
        [
            str(BIN / "jupyter"),
            "nbconvert",
            "--to",
            "notebook",
            "--execute",
            "--output",
            "executed",
            path.name,
        ],
        env={**env, "LAMIN_HOME": str(tracked_home)},
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    executed = nbformat.read(folder / "executed.ipynb", as_version=4)
    outputs = {
        i: "".join(o.get("text", "") for o in cell.outputs if o.get("name") == "stdout")
        for i, cell in enumerate(executed.cells)
        if cell.cell_type == "code"
    }
    assert TRACK_LINE.search(outputs[1]).group(1) == "created"
    key, kind, runner, found = json.loads(outputs[2].strip().splitlines()[-1])
    assert (key, kind, runner) == ("nbconvert-run.ipynb", "notebook", "headless")
    assert Path(found) == path
    assert re.search(r"^→ finished Run\('\w{8}'\)", outputs[3], re.M)
