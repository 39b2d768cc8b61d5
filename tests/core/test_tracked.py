"""`@ln.tracked()` (LaminDB 1.5.3): each call of a function is a run of a "function" Transform; and the
top-level names `ln.tracked`, `ln.connect`, `ln.UPath`."""

from __future__ import annotations

import concurrent.futures
import importlib
import inspect
import json
import os
import subprocess
import sys
import uuid

import pytest
from conftest import lamin, python

import lamin_core
from lamin_core.tracking.tracked import NO_RUN_MESSAGE


@pytest.fixture
def ln(instance, tmp_path):
    """The session instance with a global run (`ln.track()` of a script file); new records deleted after."""
    from lamin_core.tracking import context

    registries = (lamin_core.ULabel, lamin_core.Run, lamin_core.Transform, lamin_core.Param)
    last_ids = [r.all_objects.order_by("-id").values_list("id", flat=True).first() or 0 for r in registries]
    context.reset()
    for name, dtype in PARAMS.items():  # the functions' arguments are run params: registered first
        lamin_core.Param(name=name, dtype=dtype).save()
    script = tmp_path / f"pipeline_{uuid.uuid4().hex[:8]}.py"
    script.write_text("# the script calling the tracked functions\n")
    lamin_core.track(path=script)
    yield lamin_core
    context.reset()
    for registry, last_id in zip(registries, last_ids, strict=True):
        registry.all_objects.filter(id__gt=last_id).delete()


PARAMS = {
    "tracked_label_name": "str",
    "tracked_n": "int",
    "tracked_scale": "float",
    "tracked_options": "dict",
}


@lamin_core.tracked()
def make_label(tracked_label_name: str):
    label = lamin_core.ULabel(name=tracked_label_name).save()
    return label, lamin_core.context.run


@lamin_core.tracked()
def outer(tracked_n: int):
    return inner(), lamin_core.context.run


@lamin_core.tracked
def inner():  # without parentheses
    return lamin_core.context.run


@lamin_core.tracked()
def with_params(tracked_n: int, tracked_scale: float = 0.5, tracked_options=None, label=None, run=None):
    return lamin_core.context.run


@lamin_core.tracked()
def fails():
    raise RuntimeError("inside the tracked function")


def key_of(func) -> str:
    return f"{func.__module__}.{func.__qualname__}.py"


def test_needs_the_global_run(instance):
    from lamin_core.tracking import context

    context.reset()
    n_transforms = lamin_core.Transform.all_objects.count()
    with pytest.raises(RuntimeError) as error:
        make_label("never")
    assert str(error.value) == NO_RUN_MESSAGE  # LaminDB 1.5.3's message
    assert lamin_core.Transform.all_objects.count() == n_transforms


def test_a_call_is_a_run_of_a_function_transform(ln):
    global_run = ln.context.run
    label, run = make_label(f"tracked-{uuid.uuid4().hex[:6]}")
    assert run.id != global_run.id and label.run_id == run.id  # records saved inside: the function's run
    assert ln.context.run == global_run  # back to the global run after the call
    run = ln.Run.get(run.id)
    transform = run.transform
    assert (transform.type, transform.key) == ("function", key_of(make_label))
    assert transform.source_code == inspect.getsource(make_label.__wrapped__)
    assert transform.uid.endswith("0000") and transform.is_latest
    assert run.initiated_by_run_id == global_run.id
    assert run.finished_at is not None and run.started_at <= run.finished_at
    assert ln.ULabel(name=f"after-{uuid.uuid4().hex[:6]}").save().run_id == global_run.id
    # the same source again: the same transform, a new run
    _, second = make_label(f"tracked-{uuid.uuid4().hex[:6]}")
    assert second.transform_id == transform.id and second.id != run.id
    assert ln.Transform.filter(key=key_of(make_label)).count() == 1


def test_nested_calls_are_initiated_by_the_calling_run(ln):
    inner_run, outer_run = outer(3)
    assert inner_run.initiated_by_run_id == outer_run.id
    assert outer_run.initiated_by_run_id == ln.context.run.id
    assert ln.Run.get(inner_run.id).transform.key == key_of(inner)  # its own key whoever calls it


def test_a_failing_call_leaves_its_run_unfinished(ln):
    global_run = ln.context.run
    n_runs = ln.Run.filter(transform__key=key_of(fails)).count()
    with pytest.raises(RuntimeError, match="inside the tracked function"):
        fails()
    assert ln.context.run == global_run
    runs = ln.Run.filter(transform__key=key_of(fails))
    assert runs.count() == n_runs + 1 and runs.order_by("-id").first().finished_at is None


def test_parallel_calls_get_their_own_runs(ln):
    from django.db import connection

    def call(i: int):
        try:
            return make_label(f"parallel-{uuid.uuid4().hex[:6]}-{i}")
        finally:
            connection.close()  # this thread's connection

    with concurrent.futures.ThreadPoolExecutor(max_workers=3) as pool:
        results = list(pool.map(call, range(3)))
    runs = [ln.Run.get(run.id) for _, run in results]
    assert len({run.id for run in runs}) == 3
    assert [label.run_id for label, _ in results] == [run.id for run in runs]
    assert len({run.transform_id for run in runs}) == 1  # one Transform, created once
    assert all(run.finished_at is not None and run.initiated_by_run_id == ln.context.run.id for run in runs)


def test_changed_source_makes_a_new_version_and_uid_pins_the_family(ln, tmp_path, monkeypatch):
    module_name = f"tracked_mod_{uuid.uuid4().hex[:8]}"
    path = tmp_path / f"{module_name}.py"
    path.write_text("import lamin_core as ln\n\n@ln.tracked()\ndef step():\n    return 1\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    module = importlib.import_module(module_name)
    try:
        module.step()
        first = ln.Transform.get(key=f"{module_name}.step.py")
        path.write_text("import lamin_core as ln\n\n@ln.tracked()\ndef step():\n    return 1 + 1\n")
        module = importlib.reload(module)
        assert module.step() == 2
        versions = ln.Transform.filter(uid__startswith=first.uid[:12]).order_by("uid")
        assert [(t.uid[12:], t.is_latest, t.source_code.count("1 + 1")) for t in versions] == [
            ("0000", False, 0),
            ("0001", True, 1),
        ]
    finally:
        sys.modules.pop(module_name, None)

    stem = "Trk" + uuid.uuid4().hex[:9]

    @ln.tracked(stem)
    def pinned():
        return ln.context.run

    assert pinned().transform.uid == stem + "0000"
    with pytest.raises(ValueError, match="12 \\(stem\\) or 16"):
        ln.tracked("short")


SCRIPT = """
import json
import os
import lamin_core as ln

ln.track()

@ln.tracked()
def helper():
    return ln.context.run.transform.key

@ln.tracked()
def main_step():
    return helper(), ln.context.run.transform.key

print(json.dumps([helper(), *main_step()]))
"""


def test_functions_of_a_script_are_keyed_under_the_script(home, tmp_path, db_url):
    db = ["--db", db_url] if db_url else []
    assert lamin("init", "--storage", "tracked", *db, home=home, cwd=tmp_path).returncode == 0
    script = tmp_path / "my_pipeline.py"
    script.write_text(SCRIPT)
    result = subprocess.run(
        [sys.executable, str(script)],
        env={**os.environ, "LAMIN_HOME": str(home)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    keys = json.loads(result.stdout.strip().splitlines()[-1])
    # helper has one key whoever calls it (1.5.3: my_pipeline.py/main_step.py/helper.py from main_step)
    assert keys == ["my_pipeline.py/helper.py", "my_pipeline.py/helper.py", "my_pipeline.py/main_step.py"]


# -- ln.connect, ln.UPath, and a cheap import -----------------------------------------------------


def test_connect_and_upath(home):
    import upath

    assert lamin_core.connect is lamin_core.setup.connect
    assert lamin_core.UPath is upath.UPath
    assert {"tracked", "connect", "UPath"} <= set(dir(lamin_core))
    result = python(
        "import sys; sys.modules['upath'] = None\n"
        "import lamin_core as ln\n"
        "try:\n    ln.UPath\nexcept ImportError as e:\n    print(e)\n",
        home=home,
    )
    assert result.returncode == 0, result.stderr
    assert "universal_pathlib" in result.stdout and "lamin-widgets[s3]" in result.stdout


def test_new_names_keep_the_import_cheap(home):
    result = python(
        "import sys, lamin_core as ln\nln.tracked, ln.connect\nprint('django' in sys.modules)\n",
        home=home,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_arguments_are_run_params(ln):
    label = ln.ULabel(name=f"param-label-{uuid.uuid4().hex[:6]}").save()
    run = with_params(2, tracked_options={"a": [1, 2]}, label=label, run="ignored")
    # plain values (defaults too) are params; the record, None and `run` are left out
    assert ln.Run.get(run.id).params.get_values() == {
        "tracked_n": 2,
        "tracked_scale": 0.5,
        "tracked_options": {"a": [1, 2]},
    }
    assert with_params(5).params.get_values() == {"tracked_n": 5, "tracked_scale": 0.5}


def test_unregistered_params_fail_before_anything_is_written(ln):
    from lamin_core.errors import ValidationError

    @ln.tracked()
    def unregistered(not_a_registered_param: int):
        raise AssertionError("never called")

    counts = (ln.Transform.all_objects.count(), ln.Run.all_objects.count())
    with pytest.raises(ValidationError, match="not_a_registered_param"):
        unregistered(1)
    assert (ln.Transform.all_objects.count(), ln.Run.all_objects.count()) == counts
