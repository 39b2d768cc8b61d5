"""bionty is a plugin: core code names it only in `plugins.MODULES` (the settings need its Django app before
any app is ready) and asks the plugin bionty registers in its `ready()` for the rest."""

from __future__ import annotations

import ast
from pathlib import Path

CORE = Path(__file__).resolve().parents[2] / "lamin_core"
# the plugin itself and the modules that may use it (the import-linter contract "bionty is a plugin")
NOT_CORE = {"bionty", "examples", "datasets"}
NAMES = {"bionty", "bt", "lamin_core.bionty"}


def test_core_code_names_bionty_only_in_the_plugin_registry():
    """No `app_label == "bionty"`, "bt" prefix or app path in core: only strings that are whole names
    count (docstrings and messages that show the syntax `cat[bionty.CellType]` do not)."""
    found = []
    for path in sorted(CORE.rglob("*.py")):
        relative = path.relative_to(CORE)
        if relative.parts[0] in NOT_CORE or "migrations" in relative.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Constant) and node.value in NAMES:
                found.append((str(relative), node.value))
    assert sorted(found) == [("plugins.py", "bionty"), ("plugins.py", "lamin_core.bionty")]


def test_bionty_registers_what_it_adds_to_core(ln):
    import lamin_core.bionty as bt
    from lamin_core import plugins
    from lamin_core.search_index import fields
    from lamin_core.view import module_registries

    plugin = plugins.get("bionty")
    assert [p.app_label for p in plugins.registered()] == ["bionty"]
    assert plugin.import_line == "import lamin_core.bionty as bt"
    assert (plugins.code_prefix("lamin_core"), plugins.code_prefix("bionty")) == ("ln", "bt")
    # ontology registries search names, synonyms and identifiers, not their definitions
    assert fields.default_fields(bt.CellType) == ["name", "synonyms", "ontology_id", "abbr"]
    assert fields.default_fields(bt.Source) == ["name", "description"]
    assert fields.field_role(bt.Gene, "ensembl_gene_id") == fields.ID
    assert fields.field_role(bt.Organism, "scientific_name") == fields.SYNONYM
    # the module's section in ln.view(): its registries while its plugin is registered
    assert bt.CellType in module_registries("bionty")
    assert module_registries("not_a_module") == []
