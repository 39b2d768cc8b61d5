"""lamin_widgets uses lamin_core's public API only: no private module or name, at any level of the code.

import-linter (`make lint`) forbids the private modules; this also catches private names imported from
public modules (`from lamin_core.setup.instance import _resolve`) and reached as attributes of an imported
lamin_core module (`ln._save`), in function-level imports too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import lamin_widgets

PACKAGE = Path(lamin_widgets.__file__).parent


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def private_uses(source: str) -> list[str]:
    """Each private lamin_core module or name the code imports or reaches, as `line: what`."""
    tree = ast.parse(source)
    core_names: set[str] = set()  # local names bound to lamin_core modules
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] != "lamin_core":
                    continue
                if any(_private(part) for part in alias.name.split(".")):
                    found.append(f"{node.lineno}: import {alias.name}")
                core_names.add(alias.asname or "lamin_core")
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module.split(".")[0] != "lamin_core":
                continue
            for alias in node.names:
                path = f"{node.module}.{alias.name}"
                if any(_private(part) for part in path.split(".")):
                    found.append(f"{node.lineno}: from {node.module} import {alias.name}")
                core_names.add(alias.asname or alias.name)
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and _private(node.attr):
            base = node.value
            while isinstance(base, ast.Attribute):
                base = base.value
            if isinstance(base, ast.Name) and base.id in core_names:
                found.append(f"{node.lineno}: {ast.unparse(node)}")
    return found


def test_no_lamin_widgets_module_uses_a_private_lamin_core_name():
    found = {
        str(path.relative_to(PACKAGE.parent)): uses
        for path in sorted(PACKAGE.rglob("*.py"))
        if (uses := private_uses(path.read_text()))
    }
    assert found == {}


def test_the_scan_finds_each_kind_of_private_use():
    source = (
        "import lamin_core as ln\n"
        "from lamin_core.setup import instance\n"
        "def f():\n"
        "    from lamin_core.arrow import _text\n"
        "    import lamin_core._save\n"
        "    from lamin_core.models._defaults import x\n"
        "    return ln._save, instance._resolve, ln.Artifact, ln.__name__\n"
    )
    assert private_uses(source) == [
        "4: from lamin_core.arrow import _text",
        "5: import lamin_core._save",
        "6: from lamin_core.models._defaults import x",
        "7: ln._save",
        "7: instance._resolve",
    ]
