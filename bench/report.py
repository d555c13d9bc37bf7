#!/usr/bin/env python3
"""Ratio table and goal check from peer_benchmark's JSON (and scipy_bench.py's).

Usage: report.py GBENCH.json [GBENCH2.json ...] [--scipy SCIPY.json] [--markdown OUT.md] [--json OUT.json]
Several peer_benchmark files (filtered runs) are merged, later ones overriding; the plan ratio
(SpmmPlan A^T vs A) always uses the A x time from the same file as the plan's.
A ratio is peer time / our time: above 1 means ours is faster.
"""
import argparse
import json
import re
from collections import defaultdict

PEERS = ["eigen", "rsb", "scipy"]


def parse(name):
    parts = name.replace("/real_time", "").split("/")
    kv = {}
    for p in parts:
        k, _, v = p.partition(":")
        kv[k] = v
    return kv


def key_of(kv):
    """(op, n, workload) with the workload as its own name."""
    wl = [f"{k}:{v}" for k, v in kv.items() if k not in ("op", "format", "n", "impl")]
    return kv["op"], kv.get("n", ""), "/".join(wl)


def load(gbench_files, scipy_file):
    times = defaultdict(dict)  # key -> impl -> seconds
    plan_base = {}  # key of a forward op -> its "ours" time in the file that also ran ours_plan
    bytes_ = {}
    nnz = defaultdict(dict)
    triad = {}
    ctx = {}
    for gbench in gbench_files:
        with open(gbench) as fh:
            g = json.load(fh)
        load_one(g, times, bytes_, nnz, triad, ctx, plan_base)
    if scipy_file:
        with open(scipy_file) as fh:
            s = json.load(fh)
        ctx["scipy"] = s["context"]
        for r in s["results"]:
            kv = parse(r["name"])
            k = key_of(kv)
            times[k]["scipy"] = r["real_time_s"]
            nnz[k]["scipy"] = r["nnz"]
    return times, bytes_, nnz, triad, ctx, plan_base


def load_one(g, times, bytes_, nnz, triad, ctx, plan_base):
    ctx.update(g.get("context", {}))
    file_times = defaultdict(dict)
    unit = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}
    have_min = any(b.get("aggregate_name") == "min" for b in g["benchmarks"])
    for b in g["benchmarks"]:
        if b.get("error_occurred"):
            continue
        if have_min and b.get("aggregate_name") != "min":
            continue  # repetitions: keep the fastest one
        name = re.sub(r"_min$", "", b["name"])
        kv = parse(name)
        sec = b["real_time"] * unit[b.get("time_unit", "ns")]
        if kv["op"] == "triad":
            triad[kv["array_mib"]] = b["bytes"] / sec / 1e9
            continue
        k = key_of(kv)
        times[k][kv["impl"]] = sec
        file_times[k][kv["impl"]] = sec
        bytes_[(k, kv["impl"])] = b.get("bytes", 0)
        if "nnz" in b:
            nnz[k][kv["impl"]] = b["nnz"]
    if any("ours_plan" in v for v in file_times.values()):
        for k, v in file_times.items():
            if "ours" in v:
                plan_base[k] = v["ours"]


def fmt_t(sec):
    return f"{sec * 1e6:.0f}" if sec < 1e-2 else f"{sec * 1e3:.1f}ms"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("gbench", nargs="+")
    ap.add_argument("--scipy")
    ap.add_argument("--markdown")
    ap.add_argument("--json")
    args = ap.parse_args()
    times, bytes_, nnz, triad, ctx, plan_base = load(args.gbench, args.scipy)
    dram = triad.get("512", max(triad.values()) if triad else 0)
    mismatched = [k for k, v in nnz.items() if len(set(v.values())) > 1]

    lines = []
    lines.append(f"STREAM triad in this run: " + ", ".join(f"{v:.1f} GB/s ({m} MiB arrays)" for m, v in sorted(triad.items())))
    if mismatched:
        lines.append(f"WARNING: scipy's matrices differ from ours on {len(mismatched)} cases (nnz mismatch)")
    lines.append("")
    lines.append("| op | n | workload | ours us | ours GB/s | eigen | rsb | scipy | openblas | best sparse peer | csc | bsr | plan |")
    lines.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    rows = []
    for k in sorted(times, key=lambda k: (k[2], k[0], k[1])):
        t = times[k]
        if "ours" not in t:
            continue
        ours = t["ours"]
        gbs = bytes_.get((k, "ours"), 0) / ours / 1e9
        r = {p: t[p] / ours for p in PEERS + ["openblas"] if p in t}
        peers = [t[p] for p in PEERS if p in t]
        best = min(peers) / ours if peers else None
        row = dict(op=k[0], n=k[1], workload=k[2], ours_s=ours, ours_gbs=gbs, ratios=r, best_peer_ratio=best)
        if "ours_csc" in t:
            row["csc_s"] = t["ours_csc"]
        if "ours_plan" in t:
            row["plan_s"] = t["ours_plan"]
            row["plan_gbs"] = bytes_.get((k, "ours"), 0) / t["ours_plan"] / 1e9
            row["plan_best_peer_ratio"] = min(peers) / t["ours_plan"] if peers else None
        if "ours_bsr" in t:
            row["bsr_speedup_vs_csr"] = ours / t["ours_bsr"]
        rows.append(row)
        cell = lambda p: f"{r[p]:.2f}" if p in r else "-"
        lines.append(f"| {k[0]} | {k[1]} | {k[2]} | {fmt_t(ours)} | {gbs:.1f} | {cell('eigen')} | {cell('rsb')} | "
                     f"{cell('scipy')} | {cell('openblas')} | {best:.2f} |" if best else
                     f"| {k[0]} | {k[1]} | {k[2]} | {fmt_t(ours)} | {gbs:.1f} | {cell('eigen')} | {cell('rsb')} | "
                     f"{cell('scipy')} | {cell('openblas')} | - |")
        lines[-1] += (f" {t['ours_csc'] / ours:.2f} |" if "ours_csc" in t else " - |")
        lines[-1] += (f" {ours / t['ours_bsr']:.2f} |" if "ours_bsr" in t else " - |")
        lines[-1] += (f" {t['ours_plan'] / ours:.2f} |" if "ours_plan" in t else " - |")

    # goals
    g = []
    def by(op, n=None, pred=lambda w: True):
        return [r for r in rows if r["op"] == op and (n is None or r["n"] == n) and pred(r["workload"])]
    layer = lambda w: w.startswith("layer:")
    prod = by("spmv", pred=layer) + by("spmm", pred=layer)
    if prod:  # a filtered run may hold no layer workloads
        worst = min(prod, key=lambda r: r["best_peer_ratio"] or 99)
        fails = [r for r in prod if (r["best_peer_ratio"] or 0) < 1.5]
        g.append(f"1. SpMV/SpMM vs best of Eigen, librsb, scipy on layers (goal >= 1.5x): "
                 f"{len(prod) - len(fails)}/{len(prod)} met; worst {worst['best_peer_ratio']:.2f}x "
                 f"({worst['op']} n={worst['n']} {worst['workload']})")
    planned = [r for r in by("spmv", pred=layer) if r.get("plan_best_peer_ratio")]
    if planned:
        worst = min(planned, key=lambda r: r["plan_best_peer_ratio"])
        ok = sum(1 for r in planned if r["plan_best_peer_ratio"] >= 1.5)
        g.append(f"1b. SpMV with SpmmPlan (sliced copy or 16-bit indices) vs best of Eigen, librsb, scipy on layers "
                 f"(goal >= 1.5x): {ok}/{len(planned)} met; worst {worst['plan_best_peer_ratio']:.2f}x ({worst['workload']})")
        spmm_ok = sum(1 for r in prod if r["op"] == "spmm" and (r["best_peer_ratio"] or 0) >= 1.5)
        spmm_n = sum(1 for r in prod if r["op"] == "spmm")
        g.append(f"1c. Goal 1 counting SpMV with SpmmPlan and SpMM one-shot: {ok + spmm_ok}/{len(planned) + spmm_n} met")
    big = by("spmv", pred=lambda w: w.startswith("layer:4096x4096") and float(w.split(":")[-1]) <= 0.9) if dram else []
    for r in big:
        g.append(f"2. SpMV {r['workload']}: {r['ours_gbs']:.1f} GB/s = {100 * r['ours_gbs'] / dram:.0f}% of triad "
                 f"{dram:.1f} GB/s (goal >= 75%)")
    for r in by("spmv", pred=lambda w: w.startswith("graph")) + by("spmv_t", pred=lambda w: w.startswith("graph")):
        g.append(f"2b. {r['op']} {r['workload']}: {r['ours_gbs']:.1f} GB/s, {r['best_peer_ratio']:.2f}x best peer (goal >= 1.5x)")
        if r.get("plan_best_peer_ratio"):
            g.append(f"2b. {r['op']} {r['workload']} with SpmmPlan (tiled copy): {r['plan_gbs']:.1f} GB/s, "
                     f"{r['plan_best_peer_ratio']:.2f}x best peer (goal >= 1.5x)")
    for sp, goal in (("0.7", 1.5), ("0.9", 4.0)):
        for shape in ("768x3072", "3072x768", "4096x4096"):
            for r in by("spmm", "128", lambda w: w == f"layer:{shape}/sparsity:{sp}"):
                o = r["ratios"].get("openblas")
                if o:
                    g.append(f"3. SpMM n=128 {shape} sparsity {sp}: {o:.2f}x faster than OpenBLAS sgemm (goal >= {goal}x)")
    tr = []
    for op_t, op, n in (("spmv_t", "spmv", "1"), ("spmm_t", "spmm", "128"), ("spmm_t", "spmm", "32")):
        for r in by(op_t, n):
            base = [b for b in by(op, n) if b["workload"] == r["workload"]]
            if base:
                tr.append((r["ours_s"] / base[0]["ours_s"], op_t, n, r["workload"]))
    trp = []
    for op_t, op, n in (("spmv_t", "spmv", "1"), ("spmm_t", "spmm", "128"), ("spmm_t", "spmm", "32")):
        for r in by(op_t, n):
            base = [b for b in by(op, n) if b["workload"] == r["workload"]]
            fwd = (op, n, base[0]["workload"]) if base else None
            if base and "plan_s" in r:
                trp.append((r["plan_s"] / plan_base.get(fwd, base[0]["ours_s"]), op_t, n, r["workload"]))
    if tr:
        worst_t = max(tr)
        ok = sum(1 for t in tr if t[0] <= 1.3)
        g.append(f"4. A^T on CSR / A on CSR (goal <= 1.3x): {ok}/{len(tr)} met; worst {worst_t[0]:.2f}x "
                 f"({worst_t[1]} n={worst_t[2]} {worst_t[3]}); median {sorted(t[0] for t in tr)[len(tr) // 2]:.2f}x")
    if trp:
        ok = sum(1 for t in trp if t[0] <= 1.3)
        w = max(trp)
        g.append(f"4b. A^T on CSR with SpmmPlan / A on CSR (goal <= 1.3x): {ok}/{len(trp)} met; worst {w[0]:.2f}x "
                 f"({w[1]} n={w[2]} {w[3]}); median {sorted(t[0] for t in trp)[len(trp) // 2]:.2f}x")
    for r in rows:
        if "bsr_speedup_vs_csr" in r and r["op"] == "spmm":
            g.append(f"5. BSR vs CSR SpMM n={r['n']} {r['workload']}: {r['bsr_speedup_vs_csr']:.2f}x (goal >= 2x)")
    for r in by("dense_to_csr", pred=lambda w: w.startswith("layer:4096x4096")):
        rows_, cols_ = (int(v) for v in re.search(r"(\d+)x(\d+)", r["workload"]).groups())
        limit = 2 * 4.0 * rows_ * cols_ / (dram * 1e9)
        g.append(f"6. dense->CSR {r['workload']}: {r['ours_s'] * 1e3:.1f} ms = {r['ours_s'] / limit:.1f}x the time to "
                 f"read the dense array twice at triad bandwidth ({limit * 1e3:.1f} ms; goal <= 2x)")
    conv = by("csr_to_csc")
    if conv:
        for p in ("scipy", "eigen"):
            rs = [r["ratios"][p] for r in conv if p in r["ratios"]]
            if rs:
                g.append(f"6b. CSR->CSC vs {p} (goal >= 3x): min {min(rs):.2f}x, median {sorted(rs)[len(rs) // 2]:.2f}x "
                         f"over {len(rs)} workloads")
    lines.append("")
    lines.append("Goals:")
    lines += ["- " + x for x in g]
    text = "\n".join(lines)
    print(text)
    if args.markdown:
        with open(args.markdown, "w") as fh:
            fh.write(text + "\n")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(dict(context=ctx, triad_gbs=triad, rows=rows, goals=g), fh, indent=1)


if __name__ == "__main__":
    main()
