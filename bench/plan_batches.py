#!/usr/bin/env python3
"""Time of SparseMatrix.plan(k) runs over batch sizes k on random layers (the installed package).

For batch sizes outside peer_benchmark's 1, 32 and 128: how a product of k vectors compares with
k = 1. Each time is the fastest of 5 means over 100 calls, in microseconds.
Usage: OMP_WAIT_POLICY=passive python3 bench/plan_batches.py [--shape 1000x1000] [--density 0.05]
       [--batches 1,2,3,8,16]
"""
import argparse
import timeit

import numpy as np

import sparse_formats as sf


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--shape", default="1000x1000")
    ap.add_argument("--density", type=float, default=0.05)
    ap.add_argument("--batches", default="1,2,3,8,16")
    args = ap.parse_args()
    rows, cols = (int(v) for v in args.shape.split("x"))
    rng = np.random.default_rng(0)
    dense = ((rng.random((rows, cols)) < args.density) * rng.standard_normal((rows, cols))).astype(np.float32)
    a = sf.CSRMatrix.from_dense(dense)
    for k in (int(v) for v in args.batches.split(",")):
        x = rng.standard_normal((cols, k)).astype(np.float32)
        if k == 1:
            x = x[:, 0]
        plan = a.plan(k)
        y = plan(x)
        want = dense.astype(np.float64) @ x.astype(np.float64)
        if not np.allclose(y, want, rtol=1e-4, atol=1e-4):
            raise SystemExit(f"k={k}: wrong result")
        us = min(timeit.repeat(lambda: plan.run(x, out=y), number=100, repeat=5)) / 100 * 1e6
        print(f"{args.shape} density {args.density} k={k}: {us:.1f} us")


if __name__ == "__main__":
    main()
