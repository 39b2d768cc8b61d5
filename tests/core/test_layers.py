"""The layers of docs/architecture.md at run time: loading the models loads no service module.

`make lint` (import-linter) checks the imports in the code; this checks what a process actually loads
when Django imports the models, with `ready()` (which binds the services' hooks) left out.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest
from conftest import lamin, python

ROOT = Path(__file__).resolve().parents[2]

SERVICES = ("lamin_core.artifacts", "lamin_core.features", "lamin_core.tracking", "lamin_core.lineage")
SERVICES += ("lamin_core._save", "lamin_core.bionty._from_source", "lamin_core.bionty._curate")
SERVICES += ("lamin_core.bionty._records", "lamin_core.bionty.public", "lamin_core.bionty._lookup")

LOAD_MODELS = """
import json, sys
from lamin_core.apps import LaminCoreConfig
from lamin_core.bionty.apps import BiontyConfig
LaminCoreConfig.ready = BiontyConfig.ready = lambda self: None  # the services' hooks stay unbound
from lamin_core.setup.instance import ensure_connected
ensure_connected()
from django.apps import apps
assert apps.get_model("lamin_core", "Artifact") and apps.get_model("bionty", "CellType")
print(json.dumps(sorted(m for m in sys.modules if m.startswith(SERVICES))))
"""


def test_loading_the_models_loads_no_service_module(home, tmp_path, db_url):
    db = ["--db", db_url] if db_url else []
    assert (
        lamin("init", "--storage", "data", "--modules", "bionty", *db, home=home, cwd=tmp_path).returncode
        == 0
    )
    result = python(f"SERVICES = {SERVICES!r}\n" + LOAD_MODELS, home, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    loaded = json.loads(result.stdout.strip().splitlines()[-1])
    assert not loaded, f"the models load service modules: {loaded}"


def _cycles(graph: dict[str, set[str]]) -> list[set[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[set[str]] = []
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(graph[root]))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(graph[child])))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(component)
    return found


def test_no_import_cycles_counting_imports_inside_functions():
    """grimp (import-linter's graph) sees every import statement, also inside functions; imports under
    `if TYPE_CHECKING` do not run and are left out."""
    import grimp

    imported = grimp.build_graph(
        "lamin_core", "lamin_widgets", exclude_type_checking_imports=True, cache_dir=None
    )
    graph = {module: imported.find_modules_directly_imported_by(module) for module in imported.modules}
    cycles = [sorted(cycle) for cycle in _cycles(graph)]
    assert not cycles, f"modules that import each other: {cycles}"


def test_benchmarks_import_nothing_from_the_tests():
    """benchmarks/ runs without tests/: what both need lives in benchmarks/harness/. No benchmark imports a
    module of tests/ (pytest puts tests/ and its folders on sys.path, so their files are top-level names),
    nor puts a folder of tests/ on sys.path or PYTHONPATH. Reading test data (tests/data/) is allowed."""
    test_modules = {"tests"} | {path.stem for path in (ROOT / "tests").rglob("*.py")}
    found = []
    for path in sorted((ROOT / "benchmarks").rglob("*.py")):
        where = path.relative_to(ROOT)
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and not node.level:
                names = [node.module or ""]
            else:
                names = []
            found += [
                f"{where}:{node.lineno} imports {name}"
                for name in names
                if name.split(".")[0] in test_modules
            ]
            if isinstance(node, ast.Assign | ast.AugAssign | ast.Expr):
                code = ast.unparse(node)
                if ("sys.path" in code or "PYTHONPATH" in code) and "'tests" in code:
                    found.append(f"{where}:{node.lineno} puts tests/ on the import path: {code}")
    assert not found, "\n".join(found)


def _late_imports_without_reason(package: str) -> list[str]:
    """Imports inside functions (not under `if TYPE_CHECKING`) with no reason: a comment on the import, or a
    comment line directly above the block of imports it belongs to. Generated migrations and the
    developers' build scripts (not imported by the package) are left out."""
    found = []
    for path in sorted((ROOT / package).rglob("*.py")):
        if {"migrations", "scripts"} & set(path.relative_to(ROOT).parts):
            continue
        lines = path.read_text().splitlines()
        tree = ast.parse("\n".join(lines), filename=str(path))
        skipped = {
            id(node)
            for test in ast.walk(tree)
            if isinstance(test, ast.If) and "TYPE_CHECKING" in ast.unparse(test.test)
            for node in ast.walk(test)
        }
        functions = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]
        imports = {
            node
            for function in functions
            for node in ast.walk(function)
            if isinstance(node, ast.Import | ast.ImportFrom) and id(node) not in skipped
        }
        import_lines = {  # 0-based indexes of the lines of every import statement
            index
            for node in ast.walk(tree)
            if isinstance(node, ast.Import | ast.ImportFrom)
            for index in range(node.lineno - 1, node.end_lineno)
        }
        for node in sorted(imports, key=lambda node: node.lineno):
            if "#" in lines[node.lineno - 1] or "#" in lines[node.end_lineno - 1]:
                continue
            above = node.lineno - 2  # the line above the block: past the imports right above this one
            while above in import_lines:
                above -= 1
            if above < 0 or not lines[above].strip().startswith("#"):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {lines[node.lineno - 1].strip()}")
    return found


@pytest.mark.parametrize("package", ["lamin_core", "lamin_widgets"])
def test_imports_inside_functions_say_why(package):
    """An import belongs at the top of its module; one inside a function (a heavy or optional package, the
    models before Django is set up, a cycle at import time) says why, docs/architecture.md ("Layers")."""
    found = _late_imports_without_reason(package)
    assert not found, "imports inside functions without a reason comment:\n" + "\n".join(found)
