"""An executed tour of the core API on a demo instance: what `make demo` runs until the widgets exist.

The demo keeps its settings inside `demo-instance/` (LAMIN_HOME), so it never touches `~/.lamin`.
Run it again to reuse the instance; `make clean` removes it.
"""

from __future__ import annotations

import os
from pathlib import Path

DEMO = Path(__file__).resolve().parents[1] / "demo-instance"
os.environ.setdefault("LAMIN_HOME", str(DEMO / ".lamin"))

import lamin_core as ln  # noqa: E402
from lamin_core.setup.instance import set_user  # noqa: E402
from lamin_core.setup.settings import InstanceSettings  # noqa: E402


def section(title: str) -> None:
    print(f"\n{'=' * 8} {title} {'=' * 8}")


def main() -> None:
    set_user("handle", "testuser1")
    set_user("name", "Test User1")
    if InstanceSettings.path_for("test-registries").exists():
        ln.setup.connect("test-registries")
    else:
        ln.setup.init(storage=DEMO / "test-registries", modules="bionty")

    section("labels")
    for name in ("DMSO", "IFNG", "Experiment 1", "Experiment 2"):
        if not ln.ULabel.filter(name=name).exists():
            ln.ULabel(name=name).save()
    print(ln.ULabel.df())
    study1 = ln.ULabel.get(name="Experiment 1")
    print(study1)
    print(ln.ULabel.get(study1.uid[:4]))

    section("registries")
    for registry in (ln.Artifact, ln.Transform, ln.Feature, ln.Storage):
        print(
            f"{registry.__name__}: {len(registry.df())} records; columns: {' '.join(registry.df().columns)}"
        )

    section("instance")
    print(ln.setup.info())


if __name__ == "__main__":
    main()
