"""The layers of docs/architecture.md at run time: loading the models loads no service module.

`make lint` (import-linter) checks the imports in the code; this checks what a process actually loads
when Django imports the models, with `ready()` (which binds the services' hooks) left out.
"""

from __future__ import annotations

import json

from conftest import lamin, python

SERVICES = ("lamin_core.artifacts", "lamin_core.features", "lamin_core.tracking", "lamin_core.lineage")
SERVICES += ("lamin_core._save", "lamin_core.bionty._from_source", "lamin_core.bionty._curate")
# bionty's own services, still loaded by its models (issue 19, item 4: bionty as a plugin). The set may
# only shrink.
LEFT = {
    "lamin_core._save",  # through bionty._from_source (stamp)
    "lamin_core.bionty._curate",  # bionty.models imports its own services at the top
    "lamin_core.bionty._from_source",
}

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
    loaded = set(json.loads(result.stdout.strip().splitlines()[-1]))
    assert loaded <= LEFT, f"the models load service modules: {sorted(loaded - LEFT)}"
