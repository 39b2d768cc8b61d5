"""An instance where filters across to-many relations multiply rows: every artifact carries every label.

Run as `python seed_many_links.py STORAGE [DB_URL]` with LAMIN_HOME set. With ARTIFACTS artifacts and
LABELS labels, `ulabels__name` joins ARTIFACTS x LABELS rows and `ulabels__artifacts__ulabels__name`
(ARTIFACTS x LABELS)^2, which no database finishes in minutes: the request budget must stop it.
"""

from __future__ import annotations

import sys

ARTIFACTS = 1000
LABELS = 50


def main(storage: str, db: str = "") -> None:
    from harness.seed import bulk_artifacts

    import lamin_core as ln

    ln.setup.init(storage=storage, db=db or None)
    bulk_artifacts(ln, ARTIFACTS)
    ln.save([ln.ULabel(name=f"label {i}") for i in range(LABELS)])
    through = ln.Artifact.ulabels.through
    artifact_ids = list(ln.Artifact.filter().values_list("id", flat=True))
    label_ids = list(ln.ULabel.filter().values_list("id", flat=True))
    through.objects.bulk_create(
        [through(artifact_id=a, ulabel_id=u) for a in artifact_ids for u in label_ids], batch_size=5000
    )
    print("seeded", len(artifact_ids), "artifacts x", len(label_ids), "labels")


if __name__ == "__main__":
    main(*sys.argv[1:3])
