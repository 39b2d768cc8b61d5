"""The registry workload's data: deterministic, implementation-independent.

Follows the data description of `../shared/bench/registry_bench.py` draw for draw (one
`random.Random(seed)` stream, consumed in the same order), so that every implementation inserts the
same uids and every read op returns the same rows: N artifacts with keys
`project_{i%7}/batch_{(i//100)%50:02d}/sample_{i:07d}{suffix}`, 9 weighted suffixes, log-uniform sizes,
5000 ULabels (DMSO, IFNG, TNF, LPS, "label 4".."label 49", then "alpha cohort 123"-style names), each
artifact linked to 1-3 of labels 4-49, and on every 10th artifact the features temperature (float),
perturbation (1-2 of the 4 perturbation labels), study_note (str), study_metadata (dict).

Standard library only: the LaminDB venv imports this module too.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

# (suffix, weight, kind, otype)
SUFFIXES = (
    (".h5ad", 20, "dataset", "AnnData"),
    (".parquet", 20, "dataset", "DataFrame"),
    (".csv", 10, "dataset", None),
    (".fastq.gz", 15, None, None),
    (".jpg", 10, None, None),
    (".tiff", 5, None, None),
    (".bam", 10, None, None),
    (".zarr", 5, "dataset", "AnnData"),
    (".pt", 5, "model", None),
)
PERTURBATIONS = ("DMSO", "IFNG", "TNF", "LPS")
STUDY_NOTES = (
    "We had a great time performing this study and the results look compelling.",
    "Pilot run; reagent lot changed mid-way.",
    "Re-sequenced after QC failure.",
    "Control arm only.",
    "Collected at site B.",
)
WORDS_A = ("alpha", "beta", "gamma", "delta", "omega", "sigma", "kappa", "theta", "zeta", "lambda")
WORDS_B = ("cohort", "batch", "donor", "assay", "panel", "screen", "tissue", "plate", "lane", "run")
UID_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
HASH_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
BASE_TIME = datetime(2025, 1, 1, tzinfo=UTC)
N_LABELS = 5000
N_LABELS_USED = 50  # labels 4..49 annotate artifacts; 0..3 are the perturbations


@dataclass
class Spec:
    """Everything to insert; indices refer to positions in ``labels`` / ``artifacts``."""

    n: int
    seed: int
    labels: list[dict] = field(default_factory=list)
    artifacts: list[dict] = field(default_factory=list)
    links: list[tuple[int, int]] = field(default_factory=list)  # (artifact index, label index)
    features: list[dict] = field(default_factory=list)

    def count(self, predicate) -> int:
        """How many artifacts satisfy ``predicate`` (expected row counts for the checks)."""
        return sum(1 for a in self.artifacts if predicate(a))


def label_name(i: int) -> str:
    """The name of label ``i``."""
    if i < len(PERTURBATIONS):
        return PERTURBATIONS[i]
    if i < N_LABELS_USED:
        return f"label {i}"
    return f"{WORDS_A[i % 10]} {WORDS_B[(i // 10) % 10]} {i}"


def generate(n: int, seed: int = 0, n_labels: int = N_LABELS) -> Spec:
    """The workload's records for ``n`` artifacts (about 1.3 s per 100 000)."""
    rng = random.Random(seed)
    choice, uniform, randint, sample = rng.choice, rng.uniform, rng.randint, rng.sample

    def token(alphabet: str, k: int) -> str:
        return "".join([choice(alphabet) for _ in range(k)])

    spec = Spec(n=n, seed=seed)
    day_before = BASE_TIME - timedelta(days=1)
    for i in range(n_labels):
        uid = token(UID_ALPHABET, 8)
        spec.labels.append(
            {"uid": uid, "name": label_name(i), "created_at": day_before + timedelta(milliseconds=i)}
        )

    weights = [s[1] for s in SUFFIXES]
    used = range(len(PERTURBATIONS), N_LABELS_USED)
    for i in range(n):
        suffix, _, kind, otype = rng.choices(SUFFIXES, weights=weights)[0]
        size = int(10 ** uniform(2, 9.7))  # 100 B .. ~5 GB, log-uniform
        uid = token(UID_ALPHABET, 16) + "0000"
        hash_ = token(HASH_ALPHABET, 22)
        n_obs = randint(100, 200_000) if otype else None
        spec.artifacts.append(
            {
                "uid": uid,
                "key": f"project_{i % 7}/batch_{(i // 100) % 50:02d}/sample_{i:07d}{suffix}",
                "suffix": suffix,
                "kind": kind,
                "otype": otype,
                "size": size,
                "hash": hash_,
                "n_observations": n_obs,
                "created_at": BASE_TIME + timedelta(seconds=i),
            }
        )
        k = randint(1, 3)
        spec.links.extend((i, j) for j in sample(used, k))
        if i % 10 == 0:
            n_pert = randint(1, 2)
            perts = sample(range(len(PERTURBATIONS)), n_pert)
            temperature = round(uniform(20.0, 40.0), 1)
            note = choice(STUDY_NOTES)
            spec.features.append(
                {
                    "artifact": i,
                    "temperature": temperature,
                    "perturbation": perts,
                    "study_note": note,
                    "study_metadata": {"detail1": str(i % 50), "detail2": i % 7},
                }
            )
    return spec


def uid_digest(uids) -> str:
    """sha1 (first 16 hex digits) over the sorted uids of a result: equal results, equal digests."""
    return hashlib.sha1("\n".join(sorted(str(u) for u in uids)).encode()).hexdigest()[:16]


ARTIFACT_FIELDS = ("uid", "key", "suffix", "kind", "otype", "size", "hash", "n_observations")


def artifact_row(artifact: dict, storage_id: int) -> dict:
    """A generated artifact as the field values of its Artifact record (a file registered in storage)."""
    return {
        **{name: artifact[name] for name in ARTIFACT_FIELDS},
        "_hash_type": "md5",
        "_key_is_virtual": True,
        "_overwrite_versions": False,
        "is_latest": True,
        "storage_id": storage_id,
        "created_at": artifact["created_at"],
        "updated_at": artifact["created_at"],
    }
