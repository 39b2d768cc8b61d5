"""Create the guide's instance (small): 5 artifacts, the mini-immuno features and labels.

Run as `python seed.py STORAGE [DB_URL [N]]` with LAMIN_HOME set (N: `bulk_artifacts` more); used by
the JupyterLab harness (in the wheel's venv), the REST tests, the widget tests (in process, through
`seed()`) and the widget benchmark (`bulk_artifacts`).
"""

from __future__ import annotations

import sys

ARTIFACTS = [
    ("images/my_image.jpg", ".jpg", 29358),
    ("raw/my_fastq.fastq.gz", ".fastq.gz", 20),
    ("iris.parquet", ".parquet", 5131),
    ("examples/dataset1.h5ad", ".h5ad", 31672),
    ("examples/dataset2.h5ad", ".h5ad", 26896),
]
FEATURES = [
    ("perturbation", "cat[ULabel]"),
    ("temperature", "float"),
    ("experiment", "cat[ULabel]"),
    ("date_of_study", "date"),
    ("study_note", "str"),
    ("study_metadata", "dict"),
]
VALUES = {
    "examples/dataset1.h5ad": {
        "perturbation": ["DMSO", "IFNG"],
        "temperature": 21.6,
        "experiment": "Experiment 1",
        "date_of_study": "2024-12-01",
        "study_note": "We had a great time performing this study and the results look compelling.",
        "study_metadata": {"detail1": "123", "detail2": 1},
    },
    "examples/dataset2.h5ad": {
        "perturbation": ["DMSO", "IFNG"],
        "temperature": 22.6,
        "experiment": "Experiment 2",
        "date_of_study": "2025-02-13",
        "study_metadata": {"detail1": "456", "detail2": 2},
    },
}
# a label whose name is code: it must be shown and filtered as inert text
HOSTILE_LABEL = "'); import os; os.system('x')#"


def seed(ln, prefix: str = "") -> dict:
    """The guide-like records (keys prefixed with `prefix`); returns the artifacts by key."""
    from django.db.models import Model

    for name in ("DMSO", "IFNG", "Experiment 1", "Experiment 2", HOSTILE_LABEL):
        if not ln.ULabel.filter(name=name).exists():
            ln.ULabel(name=name).save()
    for name, dtype in FEATURES:
        ln.Feature(name=name, dtype=dtype).save()
    storage = ln.Storage.filter().order_by("id").first()
    artifacts = {}
    for i, (key, suffix, size) in enumerate(ARTIFACTS):
        artifact = ln.Artifact.__new__(ln.Artifact)
        Model.__init__(
            artifact, key=prefix + key, suffix=suffix, size=size, hash=f"{prefix}seed{i}", storage=storage
        )
        artifact.save()
        artifacts[key] = artifact
    for key, values in VALUES.items():
        artifacts[key].features.add_values(values)
    return artifacts


SUFFIXES = [".h5ad", ".parquet", ".csv", ".fastq.gz", ".jpg"]


def bulk_artifacts(ln, n: int) -> None:
    """Add `n` plain artifacts (keys `bench/<i % 1000>/file_<i><suffix>`) in one transaction, then ANALYZE."""
    from datetime import UTC, datetime, timedelta

    from django.db import connection, transaction
    from django.db.models import Model

    template = ln.Artifact.__new__(ln.Artifact)
    Model.__init__(template, key="x", suffix=".csv", size=1, hash="x", storage=ln.Storage.get(1))
    fields = [f for f in ln.Artifact._meta.concrete_fields if f.attname != "id"]
    base = {f.attname: f.get_db_prep_save(getattr(template, f.attname), connection) for f in fields}
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    marks = ", ".join(["?" if connection.vendor == "sqlite" else "%s"] * len(fields))
    sql = f"INSERT INTO {ln.Artifact._meta.db_table} ({columns}) VALUES ({marks})"
    start = datetime(2025, 1, 1, tzinfo=UTC)
    with transaction.atomic():
        connection.ensure_connection()
        # the driver's own cursor: Django's per-row parameter handling would dominate a million rows
        cursor = connection.connection.cursor()
        for first in range(0, n, 50_000):
            rows = []
            for i in range(first, min(n, first + 50_000)):
                when = (start + timedelta(seconds=i)).isoformat()
                values = dict(base)
                values.update(
                    uid=f"b{i:015d}0000",
                    key=f"bench/{i % 1000}/file_{i}{SUFFIXES[i % 5]}",
                    suffix=SUFFIXES[i % 5],
                    size=(i * 7919) % 10_000_000,
                    hash=f"bh{i:020d}",
                    created_at=when,
                    updated_at=when,
                )
                rows.append([values[f.attname] for f in fields])
            cursor.executemany(sql, rows)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def main(storage: str, db: str = "", bulk: str = "0") -> None:
    import lamin_core as ln

    ln.setup.init(storage=storage, db=db or None, modules="bionty")
    seed(ln)
    if int(bulk):
        bulk_artifacts(ln, int(bulk))
    print("seeded", ln.Artifact.filter().count(), "artifacts")


if __name__ == "__main__":
    main(*sys.argv[1:4])
