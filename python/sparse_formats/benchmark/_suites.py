"""The three benchmarks. Each returns a list of result rows (dicts) with machine-readable names."""
from __future__ import annotations

import numpy as np

import sparse_formats as sf

from ._timing import measure

BLOCK_SIZE = 8
BATCHES = (1, 32, 128)


def random_weights(size: int, sparsity: float, seed: int = 0, dtype=np.float32) -> np.ndarray:
    """Unstructured magnitude-pruned-like weights: each entry kept with probability 1 - sparsity."""
    rng = np.random.default_rng(seed)
    w = rng.standard_normal((size, size)).astype(dtype)
    w[rng.random((size, size)) < sparsity] = 0
    return w


def _scipy():
    import scipy.sparse as sp

    return sp


def _scipy_bytes(m) -> int:
    if m is None:
        return None
    return int(m.data.nbytes + m.indices.nbytes + m.indptr.nbytes)


def memory(size: int, sparsities) -> list:
    sp = _scipy()
    rows = []
    for s in sparsities:
        w = random_weights(size, s)
        ours = {
            "csr": sf.CSRMatrix.from_dense(w),
            "csc": sf.CSCMatrix.from_dense(w),
            "bsr": sf.BlockSparseMatrix.from_dense(w, block_size=BLOCK_SIZE),
        }
        divisible = size % BLOCK_SIZE == 0
        theirs = {
            "csr": sp.csr_array(w),
            "csc": sp.csc_array(w),
            "bsr": sp.bsr_array(w, blocksize=(BLOCK_SIZE, BLOCK_SIZE)) if divisible else None,
        }
        for fmt in ours:
            mine = ours[fmt].memory_footprint()["total"]
            other = _scipy_bytes(theirs[fmt])
            rows.append({
                "name": f"op:memory/format:{fmt}/n:{size}/sparsity:{s}",
                "sparsity": s, "format": fmt, "nnz": ours[fmt].nnz,
                "dense_bytes": int(w.nbytes), "ours_bytes": int(mine), "scipy_bytes": other,
                "ours_vs_scipy": None if other is None else mine / other,
                "compression_vs_dense": w.nbytes / mine,
            })
    return rows


def products(size: int, sparsity: float, repeats: int) -> list:
    """A @ X and A.T @ X for every format and batch; dense is numpy's BLAS on the same float32 data."""
    sp = _scipy()
    w = random_weights(size, sparsity)
    rng = np.random.default_rng(1)
    ours = {
        "csr": sf.CSRMatrix.from_dense(w),
        "csc": sf.CSCMatrix.from_dense(w),
        "bsr": sf.BlockSparseMatrix.from_dense(w, block_size=BLOCK_SIZE),
    }
    theirs = {
        "csr": sp.csr_array(w),
        "csc": sp.csc_array(w),
        "bsr": sp.bsr_array(w, blocksize=(BLOCK_SIZE, BLOCK_SIZE)) if size % BLOCK_SIZE == 0 else None,
    }
    rows = []
    for batch in BATCHES:
        x = rng.standard_normal(size if batch == 1 else (size, batch)).astype(np.float32)
        for op in ("A@x", "A.T@x"):
            transpose = op == "A.T@x"
            dense_a = w.T if transpose else w
            t_dense = measure(lambda: dense_a @ x, repeats)
            for fmt in ours:
                a = ours[fmt]
                mine = a.transpose_matmul if transpose else a.sparse_matmul
                t_ours = measure(lambda: mine(x), repeats)
                ref = theirs[fmt]
                t_scipy = None
                if ref is not None:
                    ref_op = ref.T if transpose else ref
                    t_scipy = measure(lambda: ref_op @ x, repeats)
                kind = "spmv" if batch == 1 else "spmm"
                rows.append({
                    "name": f"op:{kind}{'_t' if transpose else ''}/format:{fmt}/n:{size}/sparsity:{sparsity}/batch:{batch}",
                    "op": op, "batch": batch, "format": fmt,
                    "dense_s": t_dense, "scipy_s": t_scipy, "ours_s": t_ours,
                    "ours_vs_scipy": None if t_scipy is None else t_ours / t_scipy,
                    "ours_vs_dense": t_ours / t_dense,
                })
    return rows


def construction(size: int, sparsity: float, repeats: int) -> list:
    """From dense for each format, and CSR -> CSC conversion."""
    sp = _scipy()
    w = random_weights(size, sparsity)
    divisible = size % BLOCK_SIZE == 0
    csr_ours, csr_scipy = sf.CSRMatrix.from_dense(w), sp.csr_array(w)
    cases = [
        ("from_dense", "csr", lambda: sf.CSRMatrix.from_dense(w), lambda: sp.csr_array(w)),
        ("from_dense", "csc", lambda: sf.CSCMatrix.from_dense(w), lambda: sp.csc_array(w)),
        ("from_dense", "bsr", lambda: sf.BlockSparseMatrix.from_dense(w, block_size=BLOCK_SIZE),
         (lambda: sp.bsr_array(w, blocksize=(BLOCK_SIZE, BLOCK_SIZE))) if divisible else None),
        ("csr_to_csc", "csc", lambda: sf.CSCMatrix.from_csr(csr_ours), lambda: csr_scipy.tocsc()),
    ]
    rows = []
    for op, fmt, mine, theirs in cases:
        t_ours = measure(mine, repeats)
        t_scipy = None if theirs is None else measure(theirs, repeats)
        rows.append({
            "name": f"op:{op}/format:{fmt}/n:{size}/sparsity:{sparsity}",
            "op": op, "format": fmt, "ours_s": t_ours, "scipy_s": t_scipy,
            "ours_vs_scipy": None if t_scipy is None else t_ours / t_scipy,
        })
    return rows
