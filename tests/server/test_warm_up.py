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
from lamin_widgets.protocol.budget import Budget, Requests
from lamin_widgets.server.app import _warm_up
from lamin_widgets.server.database import ReadOnlyInstance

instance = ReadOnlyInstance(sys.argv[1])
_warm_up(instance, Requests(), Budget())
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


def test_a_stopping_server_cancels_the_warm_up(ln):
    """The warm-up runs under a budget the server tracks, so a shutdown meanwhile cancels its queries (the
    server would otherwise wait for them before it exits)."""
    import contextlib
    import time

    from lamin_widgets.protocol.budget import Budget, Requests
    from lamin_widgets.server.app import _warm_up
    from lamin_widgets.server.database import ReadOnlyInstance

    class Seen(Requests):
        """The server's tracker, noting the budgets it tracks."""

        def __init__(self):
            super().__init__()
            self.seen = []

        @contextlib.contextmanager
        def tracked(self, budget):
            self.seen.append(budget)
            with super().tracked(budget):
                yield budget

    requests, budget = Seen(), Budget()
    budget.cancel()  # the server stopped: each request of the warm-up answers "cancelled" before its query
    started = time.monotonic()
    _warm_up(ReadOnlyInstance(), requests, budget)
    assert requests.seen == [budget] and time.monotonic() - started < 5
    assert requests.cancel_all() == 0  # no longer tracked once done
