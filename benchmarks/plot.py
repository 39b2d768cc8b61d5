"""scaling.png: each workload operation's median time against N, log axes, one line per implementation."""

from __future__ import annotations

from pathlib import Path

from registry_report import LABELS, NOT_TIMED, ops_of, run_for, sizes, workload_records

STYLE = {"lamin_core": ("tab:blue", "o", "lamin_core"), "lamindb": ("tab:orange", "s", "LaminDB 2.12")}


def series(path: Path) -> dict[str, dict[str, list[tuple[int, float]]]]:
    """op -> impl -> [(N, ms)], from the run chosen per N as in RESULTS.md."""
    records = workload_records(path)
    out: dict[str, dict[str, list[tuple[int, float]]]] = {}
    for n in sizes(records):
        run_id = run_for(records, n)
        for impl in STYLE:
            for op, rec in ops_of(records, run_id, impl, n).items():
                if op in NOT_TIMED or rec.get("error") or rec.get("median_s") is None:
                    continue
                out.setdefault(op, {}).setdefault(impl, []).append((n, rec["median_s"] * 1000))
    return out


def plot_scaling(path: Path, png: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    data = series(path)
    ops = [op for op in LABELS if op in data]
    cols = 4
    rows = -(-len(ops) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 3.1 * rows), squeeze=False)
    for ax, op in zip(axes.flat, ops, strict=False):
        for impl, (color, marker, label) in STYLE.items():
            points = sorted(data[op].get(impl, []))
            if points:
                ax.plot(*zip(*points, strict=True), marker=marker, color=color, label=label)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_title(LABELS[op].replace("`", ""), fontsize=9)
        ax.set_xlabel("N artifacts", fontsize=8)
        ax.set_ylabel("ms (median of 5)" if op != "populate" else "ms (one run)", fontsize=8)
        ax.tick_params(labelsize=7)
        ax.grid(True, which="major", alpha=0.3)
    for ax in list(axes.flat)[len(ops) :]:
        ax.axis("off")
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="upper center", bbox_to_anchor=(0.5, 0.975), ncol=2, fontsize=10)
    fig.suptitle("Registry workload on SQLite: time against N (log-log)", y=0.995, fontsize=11)
    fig.tight_layout(rect=(0, 0, 1, 0.94))
    fig.savefig(png, dpi=90)
    plt.close(fig)
