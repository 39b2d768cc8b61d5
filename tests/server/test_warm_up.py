"""The server's warm-up at start (issue 21): what the sidebar's first opening needs is ready before it asks.

In a fresh process, as a server starts: `_warm_up` sets Django up for the instance, imports what a page
needs (pyarrow) and serves the opening's requests once; with no instance it does nothing and raises
nothing (the panel's first request reports the error).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

from conftest import write_user

WARM_UP = """
import json, sys
from lamin_widgets.server.app import _warm_up
from lamin_widgets.server.database import ReadOnlyInstance

instance = ReadOnlyInstance(sys.argv[1])
_warm_up(instance)
print(json.dumps({
    "connected": instance._settings is not None,
    "pyarrow": "pyarrow" in sys.modules,
    "arrow_pages": "lamin_widgets.protocol.arrow" in sys.modules,
}))
"""


def test_warm_up_prepares_the_first_request_and_never_raises(tmp_path):
    home = tmp_path / "home"
    write_user(home)
    env = {**os.environ, "LAMIN_HOME": str(home)}
    env.pop("LAMIN_SERVER_INSTANCE", None)
    storage = tmp_path / "storage"
    init = "import sys, lamin_core as ln; ln.setup.init(storage=sys.argv[1])"
    subprocess.run([sys.executable, "-c", init, storage], env=env, check=True, capture_output=True)

    def warm_up(ref: str) -> dict:
        done = subprocess.run(
            [sys.executable, "-c", WARM_UP, ref], env=env, check=True, capture_output=True, text=True
        )
        return json.loads(done.stdout.strip().splitlines()[-1])

    assert warm_up(str(storage)) == {"connected": True, "pyarrow": True, "arrow_pages": True}
    assert warm_up(str(tmp_path / "no-instance-here"))["connected"] is False
