"""The registry workload section of RESULTS.md: both implementations on the same generated data.

Input: `benchmarks/registry-results.jsonl`, JSON lines written by the workload harness
(`../shared/bench/registry_bench.py --impl lamin_core|lamindb --n N --out ...`), one line per op.
Targets are DESIGN §8's (at N = 100 000).
"""

from __future__ import annotations

from pathlib import Path

from report import read_jsonl

TARGETS_MS = {
    "features_filter_dmso_full": 100,
    "filter_suffix_h5ad_full": 60,
    "filter_size_suffix_in_order_full": 120,
    "include_related_1000": 20,
    "ulabel_lookup_5000": 20,
    "view": 20,
    "artifact_search": 40,
    "artifact_search_broad": 40,
    "public_artifact_save": 3,
    "public_features_add_values": 5,
}
SKIP = {"populate", "total_wall", "init"}
# search may rank and cut differently; write ops create records with random uids
NOT_COMPARED = {
    "ulabel_search",
    "artifact_search",
    "artifact_search_broad",
    "public_artifact_save",
    "public_features_add_values",
}


def _ms(seconds: float) -> str:
    ms = seconds * 1000
    return f"{ms:,.0f}" if ms >= 100 else f"{ms:.1f}" if ms >= 10 else f"{ms:.2f}"


def _latest(records: list[dict], impl: str, n: int) -> dict[str, dict]:
    latest: dict[str, dict] = {}
    for rec in records:
        if (
            rec.get("impl") == impl
            and rec.get("n") == n
            and rec.get("ts", "") >= latest.get(rec["op"], {}).get("ts", "")
        ):
            latest[rec["op"]] = rec
    return latest


def render_registry(path: Path) -> list[str]:
    """Markdown lines: one table per N with medians, ratio, target, and whether rows match the peer's."""
    records = read_jsonl(path)
    if not records:
        return []
    lines = [
        "## Registry workload (same data, both implementations)",
        "",
        "The operations and data of `../shared/bench/registry_bench.py` (N artifacts, 5000 labels,",
        "features on every 10th artifact), median of 5 after a warm-up, ms. *rows equal*: the same number",
        "of rows and the same uids (sha1 of the sorted uids) as LaminDB; search may rank differently.",
        "",
    ]
    for n in sorted({r["n"] for r in records if r.get("impl") == "lamin_core"}):
        core, peer = _latest(records, "lamin_core", n), _latest(records, "lamindb", n)
        lines += [
            f"### N = {n:,}",
            "",
            "| operation | lamin_core ms | LaminDB ms | ratio | target ms | met? | rows equal |",
            "|---|---:|---:|---:|---:|:---:|:---:|",
        ]
        for op, rec in core.items():
            if op in SKIP:
                continue
            other = peer.get(op)
            if rec.get("error"):
                lines.append(f"| `{op}` | error: {rec['error'][:80]} | | | | | |")
                continue
            ours = rec["median_s"]
            theirs = other["median_s"] if other and not other.get("error") else None
            ratio = f"{ours / theirs:.2f}" if theirs else "-"
            target = TARGETS_MS.get(op) if n == 100_000 else None
            met = "-" if target is None else ("yes" if ours * 1000 <= target else "**no**")
            same = "-"
            if other and op not in NOT_COMPARED and rec.get("rows") is not None:
                same = (
                    "yes"
                    if (rec.get("rows"), rec.get("uid_digest"))
                    == (other.get("rows"), other.get("uid_digest"))
                    else "**no**"
                )
            lines.append(
                f"| `{op}` | **{_ms(ours)}** | {_ms(theirs) if theirs else '-'} | {ratio} | "
                f"{'≤ ' + str(target) if target else '-'} | {met} | {same} |"
            )
        pop_core, pop_peer = core.get("populate"), peer.get("populate")
        if pop_core:
            peer_text = (
                f"; LaminDB {pop_peer['median_s']:.1f} s, init {pop_peer['init_s']:.2f} s" if pop_peer else ""
            )
            lines.append("")
            lines.append(
                f"Populate: lamin_core {pop_core['median_s']:.1f} s, init {pop_core['init_s']:.2f} s"
                f"{peer_text}. "
                f"Versions: {core[next(iter(core))].get('version')} vs "
                f"{peer[next(iter(peer))].get('version') if peer else '-'}; {pop_core.get('machine')}, "
                f"python {pop_core.get('python')}, SQLite {pop_core.get('sqlite')}, run {pop_core.get('ts')}."
            )
        lines.append("")
    return lines
