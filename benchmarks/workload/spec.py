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
from collections.abc import Iterator
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


def _draw_labels(rng: random.Random, n_labels: int) -> list[dict]:
    """The labels, first in the stream."""
    day_before = BASE_TIME - timedelta(days=1)
    return [
        {
            "uid": _token(rng, UID_ALPHABET, 8),
            "name": label_name(i),
            "created_at": day_before + timedelta(milliseconds=i),
        }
        for i in range(n_labels)
    ]


def _token(rng: random.Random, alphabet: str, k: int) -> str:
    return "".join([rng.choice(alphabet) for _ in range(k)])


def _draw_artifacts(rng: random.Random, n: int) -> Iterator[tuple[dict, list[int], dict | None]]:
    """Per artifact, in order: its fields, the labels it links (indices), its feature values or None."""
    choice, uniform, randint, sample = rng.choice, rng.uniform, rng.randint, rng.sample
    weights = [s[1] for s in SUFFIXES]
    used = range(len(PERTURBATIONS), N_LABELS_USED)
    for i in range(n):
        suffix, _, kind, otype = rng.choices(SUFFIXES, weights=weights)[0]
        size = int(10 ** uniform(2, 9.7))  # 100 B .. ~5 GB, log-uniform
        uid = _token(rng, UID_ALPHABET, 16) + "0000"
        hash_ = _token(rng, HASH_ALPHABET, 22)
        n_obs = randint(100, 200_000) if otype else None
        artifact = {
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
        links = sample(used, randint(1, 3))
        feature = None
        if i % 10 == 0:
            n_pert = randint(1, 2)
            perts = sample(range(len(PERTURBATIONS)), n_pert)
            temperature = round(uniform(20.0, 40.0), 1)
            note = choice(STUDY_NOTES)
            feature = {
                "artifact": i,
                "temperature": temperature,
                "perturbation": perts,
                "study_note": note,
                "study_metadata": {"detail1": str(i % 50), "detail2": i % 7},
            }
        yield artifact, links, feature


def generate(n: int, seed: int = 0, n_labels: int = N_LABELS) -> Spec:
    """The workload's records for ``n`` artifacts (about 1.3 s per 100 000)."""
    rng = random.Random(seed)
    spec = Spec(n=n, seed=seed, labels=_draw_labels(rng, n_labels))
    for i, (artifact, links, feature) in enumerate(_draw_artifacts(rng, n)):
        spec.artifacts.append(artifact)
        spec.links.extend((i, j) for j in links)
        if feature is not None:
            spec.features.append(feature)
    return spec


def stream(n: int, seed: int = 0, n_labels: int = N_LABELS) -> tuple[list[dict], Iterator]:
    """The same records as ``generate`` without holding them: the labels, and an iterator over
    ``(artifact, label indices, feature values or None)`` (10 000 000 artifacts do not fit in memory)."""
    rng = random.Random(seed)
    labels = _draw_labels(rng, n_labels)
    return labels, _draw_artifacts(rng, n)


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
