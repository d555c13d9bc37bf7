#!/usr/bin/env python3
"""scipy.sparse (single-threaded) on the workloads and ops of bench/peer_benchmark.cpp, same names.

Writes a JSON list of {"name", "real_time_s", "bytes", "nnz"} for bench/report.py.
Usage: scipy_bench.py OUT.json [--large] [--dlmc DIR] [--min-time SECONDS]
"""
import argparse
import json
import os
import time

import numpy as np
import scipy
import scipy.sparse as sp

import workloads as wl


def timeit(fn, min_time, repetitions=3):
    """Like the C++ side: the mean over >= min_time of calls, the fastest of `repetitions`."""
    fn()  # warm up
    means = []
    for _ in range(repetitions):
        times = []
        start = time.perf_counter()
        while len(times) < 2 or time.perf_counter() - start < min_time:
            t = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t)
        means.append(float(np.mean(times)))
    return min(means)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--large", action="store_true")
    ap.add_argument("--dlmc", default=os.path.join(here, "..", "..", "shared", "data", "nn", "dlmc"))
    ap.add_argument("--min-time", type=float, default=0.2)
    ap.add_argument("--filter", default="")
    args = ap.parse_args()
    results = []
    rng = np.random.default_rng(77)
    for w in wl.all_workloads(args.dlmc, args.large):
        if args.filter and args.filter not in w["name"]:
            continue
        a = wl.make_csr(w)
        rows, cols, nnz = a.shape[0], a.shape[1], a.nnz
        graph = w["kind"].startswith("graph")
        ops = [("spmv", 1, False), ("spmm", 32, False), ("spmv_t", 1, True)]
        ops += [("spmm_t", 32, True)] if graph else [("spmm", 128, False), ("spmm_t", 128, True)]
        at = a.T  # a CSC view, as scipy users write A.T @ x
        for name, k, t in ops:
            inr, outr = (rows, cols) if t else (cols, rows)
            x = rng.random(inr, dtype=np.float32) if k == 1 else rng.random((inr, k), dtype=np.float32)
            m = at if t else a
            sec = timeit(lambda: m @ x, args.min_time)
            b = 8.0 * nnz + 4.0 * (rows + 1) + 4.0 * k * (inr + outr)
            results.append(dict(name=f"op:{name}/format:csr/n:{k}/{w['name']}/impl:scipy", real_time_s=sec,
                                bytes=b, nnz=nnz))
        if not graph:
            d = a.toarray()
            sec = timeit(lambda: sp.csr_matrix(d), args.min_time)
            results.append(dict(name=f"op:dense_to_csr/format:csr/{w['name']}/impl:scipy", real_time_s=sec,
                                bytes=4.0 * rows * cols + 8.0 * nnz + 4.0 * (rows + 1), nnz=nnz))
            del d
        sec = timeit(lambda: a.tocsc(), args.min_time)
        results.append(dict(name=f"op:csr_to_csc/format:csr/{w['name']}/impl:scipy", real_time_s=sec,
                            bytes=16.0 * nnz + 4.0 * (rows + 1) + 4.0 * (cols + 1), nnz=nnz))
        print(f"{w['name']}: nnz={nnz}", flush=True)
    with open(args.out, "w") as fh:
        json.dump(dict(context=dict(scipy=scipy.__version__, numpy=np.__version__, threads=1), results=results), fh,
                  indent=1)


if __name__ == "__main__":
    main()
