"""Printing the tables, and the optional JSON file and plot."""
from __future__ import annotations

import json


def _fmt_bytes(b) -> str:
    return "n/a" if b is None else f"{b / 2**20:.3f} MB"


def _fmt_time(s) -> str:
    if s is None:
        return "n/a"
    return f"{s * 1e6:.1f} us" if s < 1e-2 else f"{s * 1e3:.2f} ms"


def _fmt_ratio(r) -> str:
    return "n/a" if r is None else f"{r:.2f}x"


def _speedup(baseline_s, ours_s):
    """How many times faster ours is (> 1: ours wins); the JSON keeps the raw times."""
    return None if not baseline_s or not ours_s else baseline_s / ours_s


def table(headers, rows) -> str:
    widths = [max(len(str(h)), *(len(str(r[i])) for r in rows)) if rows else len(h) for i, h in enumerate(headers)]
    line = "| " + " | ".join(str(h).ljust(w) for h, w in zip(headers, widths)) + " |"
    rule = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    body = ["| " + " | ".join(str(c).rjust(w) for c, w in zip(r, widths)) + " |" for r in rows]
    return "\n".join([line, rule, *body])


def memory_table(rows) -> str:
    return table(
        ["sparsity", "format", "nnz", "dense", "ours", "scipy", "ours/scipy", "dense/ours"],
        [[f"{r['sparsity']:.0%}", r["format"], r["nnz"], _fmt_bytes(r["dense_bytes"]), _fmt_bytes(r["ours_bytes"]),
          _fmt_bytes(r["scipy_bytes"]), _fmt_ratio(r["ours_vs_scipy"]), _fmt_ratio(r["compression_vs_dense"])]
         for r in rows])


def products_table(rows) -> str:
    return table(
        ["op", "batch", "format", "dense numpy", "scipy.sparse", "ours", "speed-up vs scipy", "speed-up vs dense"],
        [[r["op"], r["batch"], r["format"], _fmt_time(r["dense_s"]), _fmt_time(r["scipy_s"]), _fmt_time(r["ours_s"]),
          _fmt_ratio(_speedup(r["scipy_s"], r["ours_s"])), _fmt_ratio(_speedup(r["dense_s"], r["ours_s"]))]
         for r in rows])


def construction_table(rows) -> str:
    return table(
        ["operation", "format", "scipy.sparse", "ours", "speed-up vs scipy"],
        [[r["op"], r["format"], _fmt_time(r["scipy_s"]), _fmt_time(r["ours_s"]), _fmt_ratio(_speedup(r["scipy_s"], r["ours_s"]))]
         for r in rows])


def write_json(path, report) -> None:
    with open(path, "w") as f:
        json.dump(report, f, indent=2)


def plot(path, report) -> None:
    """Products: time per contender for each op and batch (log scale); memory: bytes per format."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels = [k for k in ("products", "memory") if report.get(k)]
    if not panels:
        raise ValueError("nothing to plot: run the matvec or memory benchmark")
    fig, axes = plt.subplots(1, len(panels), figsize=(7 * len(panels), 4.5), squeeze=False)
    for ax, key in zip(axes[0], panels):
        rows = report[key]
        if key == "products":
            labels = [f"{r['op']} b={r['batch']} {r['format']}" for r in rows]
            series = [("dense numpy", "dense_s"), ("scipy.sparse", "scipy_s"), ("ours", "ours_s")]
            scale, unit = 1e6, "us per call (median)"
        else:
            labels = [f"{r['sparsity']:.0%} {r['format']}" for r in rows]
            series = [("dense", "dense_bytes"), ("scipy.sparse", "scipy_bytes"), ("ours", "ours_bytes")]
            scale, unit = 2.0**-20, "MB"
        width = 0.8 / len(series)
        for k, (label, field) in enumerate(series):
            values = [(r[field] or 0) * scale for r in rows]
            ax.bar([i + k * width for i in range(len(rows))], values, width, label=label)
        ax.set_xticks([i + width for i in range(len(rows))])
        ax.set_xticklabels(labels, rotation=70, ha="right", fontsize=7)
        ax.set_ylabel(unit)
        if key == "products":
            ax.set_yscale("log")
        ax.set_title(f"{key} (n={report['config']['size']})")
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
