"""The registry of benchmarked operations.

Two kinds of op:
- ``fn``: per run, build a zero-argument callable (the *trial*, e.g. a subprocess) that the runner
  times with ``time.perf_counter``; building it (fresh sandboxes, fixtures) is not timed. Targets'
  trials are interleaved.
- ``snippet``: a Python statement timed inside the target's own interpreter (``worker.py``), connected
  to the target's instance fixture: setup once, one warm-up, then the repeats in the same process.
To add an op, append an ``Op`` to ``OPS``.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from targets import Sandbox, Target, run_checked

Trial = Callable[[], str]  # returns the command's output (kept from the warm-up for the log)


@dataclass(frozen=True)
class Published:
    """A peer figure from ../shared/bench/peer-results.md, used when the peer is not measured here."""

    ms: float
    note: str


@dataclass(frozen=True)
class Snippet:
    """Python timed in-process: ``setup`` once (``{module}`` = lamin_core / lamindb, or one text per
    impl), then ``stmt`` per repeat."""

    stmt: str
    setup: str | Mapping[str, str] = "import {module} as ln"
    fixture: str = "instance"  # the Target method giving the sandbox: instance | bionty_instance

    def setup_for(self, target: Target) -> str:
        """The setup code for ``target``."""
        text = self.setup if isinstance(self.setup, str) else self.setup[target.impl]
        return text.format(module=target.module)


@dataclass(frozen=True)
class Op:
    """A named operation: what it calls, its target (docs/architecture.md), how to run it (fn or snippet)."""

    name: str
    call: str  # human-readable, with {python}/{lamin}/{module} filled per target
    target_ms: float | None
    repeats: int
    fn: Callable[[Target], Trial] | None = None
    snippet: Snippet | None = None
    published: Published | None = None
    about: str = ""


WORKER = Path(__file__).resolve().parent / "worker.py"


def run_snippet(target: Target, snippet: Snippet, warmup: int, repeats: int) -> tuple[list[float], str]:
    """Time ``snippet`` in ``target``'s interpreter against its instance fixture: (times in ms, output)."""
    box = getattr(target, snippet.fixture)()
    spec = {"setup": snippet.setup_for(target), "stmt": snippet.stmt, "warmup": warmup, "repeats": repeats}
    proc = run_checked([str(target.python), str(WORKER)], target.env(box), box.work, stdin=json.dumps(spec))
    *head, last = proc.stdout.rstrip().splitlines() or [""]
    return json.loads(last)["times_ms"], "\n".join(head) + proc.stderr


def _subprocess_trial(cmd: list[str], target: Target, box: Sandbox) -> Trial:
    env = target.env(box)

    def trial() -> str:
        proc = run_checked(cmd, env, box.work)
        return proc.stdout + proc.stderr

    return trial


def python_startup(target: Target) -> Trial:
    """``python -c pass`` in the target venv: the interpreter floor under every subprocess op."""
    return _subprocess_trial([str(target.python), "-c", "pass"], target, target.sandbox("startup"))


def import_module(target: Target) -> Trial:
    """``python -c "import <module>"`` in a fresh process, connected to a current instance."""
    box = target.instance()
    return _subprocess_trial([str(target.python), "-c", f"import {target.module}"], target, box)


def import_and_query(target: Target) -> Trial:
    """Import plus a first registry query in a fresh process: includes any setup deferred past import."""
    box = target.instance()
    code = f"import {target.module} as ln; ln.ULabel.filter().count()"
    return _subprocess_trial([str(target.python), "-c", code], target, box)


# the ontology module of each implementation
BIONTY = {"lamin_core": "lamin_core.bionty", "lamindb": "bionty"}


def import_bionty(target: Target) -> Trial:
    """``import`` of the ontology module in a fresh process, on an instance created with it."""
    box = target.bionty_instance()
    return _subprocess_trial([str(target.python), "-c", f"import {BIONTY[target.impl]}"], target, box)


def bionty_public_first_use(target: Target) -> Trial:
    """Import plus the first ``bt.CellType.public()`` in a fresh process (loads the bundled ontology)."""
    box = target.bionty_instance()
    code = f"import {BIONTY[target.impl]} as bt; bt.CellType.public()"
    return _subprocess_trial([str(target.python), "-c", code], target, box)


def lamin_init(target: Target) -> Trial:
    """``lamin init --storage DIR`` with a fresh settings dir and storage location for every trial."""
    box = target.sandbox("init")
    return _subprocess_trial(target.init(box), target, box)


OPS: list[Op] = [
    Op(
        name="python_startup",
        call='{python} -c "pass"',
        target_ms=None,
        repeats=15,
        fn=python_startup,
        about="interpreter baseline (not a lamin_core op); subtract mentally from the subprocess rows",
    ),
    Op(
        name="import",
        call='{python} -c "import {module}"',
        target_ms=300,
        repeats=15,
        fn=import_module,
        published=Published(650, "`import lamindb` ≈ 0.65 s (peer-results.md, observations)"),
        about="cold import in a fresh process, a current instance configured (realistic case)",
    ),
    Op(
        name="import_query",
        call='{python} -c "import {module} as ln; ln.ULabel.filter().count()"',
        target_ms=None,
        repeats=15,
        fn=import_and_query,
        about="cold import plus the first query (Django setup + DB connection), fresh process; "
        "lamin_core defers that work past `import`, LaminDB does it during `import`",
    ),
    Op(
        name="init",
        call="{lamin} init --storage DIR",
        target_ms=800,
        repeats=7,
        fn=lamin_init,
        published=Published(
            2470,
            "`init_s` at n=1000 in peer-results.jsonl; that figure is `lamin init --storage DIR "
            "--modules bionty` plus the harness's in-process `import lamindb, bionty`, so it is "
            "larger than the plain CLI call measured here",
        ),
        about="`lamin init` CLI as a subprocess, fresh settings dir and storage each time",
    ),
]


OPS += [
    Op(
        name="import_bionty",
        call='{python} -c "import lamin_core.bionty" | "import bionty"',
        target_ms=100,
        repeats=9,
        fn=import_bionty,
        about="cold import of the ontology module in a fresh process (includes the core import)",
    ),
    Op(
        name="bionty_public_first_use",
        call='{python} -c "import lamin_core.bionty as bt; bt.CellType.public()"',
        target_ms=300,
        repeats=7,
        fn=bionty_public_first_use,
        about="fresh process: import plus the first public Cell Ontology access (LaminDB downloads it, so "
        "offline it errors)",
    ),
    Op(
        name="bionty_public_search",
        call='bt.CellType.public().search("T cell")',
        target_ms=30,
        repeats=15,
        snippet=Snippet(
            stmt='public.search("T cell")',
            setup={
                "lamin_core": "import lamin_core.bionty as bt\npublic = bt.CellType.public()",
                "lamindb": "import bionty as bt\npublic = bt.CellType.public()",
            },
            fixture="bionty_instance",
        ),
        about="ranked search of the whole public Cell Ontology, in-process after a warm-up",
    ),
]


def select(names: str | None) -> list[Op]:
    """The ops named in a comma-separated ``--only`` value (all when None), in registry order."""
    if not names:
        return list(OPS)
    wanted = [n.strip() for n in names.split(",") if n.strip()]
    known = {op.name for op in OPS}
    unknown = [n for n in wanted if n not in known]
    if unknown:
        sys.exit(f"unknown op(s): {', '.join(unknown)}; choose from {', '.join(sorted(known))}")
    return [op for op in OPS if op.name in wanted]
