"""The benchmark workloads in numpy, bit-identical to bench/workloads.cpp (same hash, same formulas)."""
import os

import numpy as np

SEED = 20240601
M64 = np.uint64(0xFFFFFFFFFFFFFFFF)


def mix(x):
    """splitmix64 of a uint64 array (wrapping arithmetic)."""
    z = (x + np.uint64(0x9E3779B97F4A7C15)) & M64
    z = ((z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)) & M64
    z = ((z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)) & M64
    return z ^ (z >> np.uint64(31))


def unit(h):
    return (h >> np.uint64(11)).astype(np.float64) * 2.0**-53


def value_at(cells):
    v = (2.0 * unit(mix(cells ^ np.uint64(SEED * 3))) - 1.0).astype(np.float32)
    v[v == 0] = np.float32(0.5)
    return v


def all_workloads(dlmc_root, large):
    out = []
    for r, c in [(1000, 1000), (768, 3072), (3072, 768), (4096, 4096)]:
        for s in [0.5, 0.7, 0.8, 0.9, 0.95, 0.99]:
            out.append(dict(name=f"layer:{r}x{c}/sparsity:{s:g}", kind="layer", rows=r, cols=c, sparsity=s))
    for d in [0.05, 0.10, 0.25]:
        out.append(dict(name=f"blocks8x8:4096x4096/block_density:{d:g}", kind="blocks", rows=4096, cols=4096,
                        sparsity=1.0 - d))
    if large:
        for kind in ["graph_uniform", "graph_powerlaw"]:
            out.append(dict(name=f"{kind}:2000000/nnz_per_row:16", kind=kind, rows=2000000, cols=2000000))
    if dlmc_root and os.path.isdir(dlmc_root):
        files = []
        for base, _, names in os.walk(dlmc_root):
            files += [os.path.join(base, n) for n in names if n.endswith(".smtx")]
        for f in sorted(files):
            rel = os.path.relpath(f, dlmc_root)[:-5].replace("/", ".")
            with open(f) as fh:
                rows, cols, _ = (int(t) for t in fh.readline().replace(",", " ").split())
            out.append(dict(name=f"dlmc:{rel}", kind="dlmc", rows=rows, cols=cols, path=f))
    return out


def make_dense(w):
    rows, cols = w["rows"], w["cols"]
    i = np.arange(rows, dtype=np.uint64)[:, None]
    j = np.arange(cols, dtype=np.uint64)[None, :]
    cells = i * np.uint64(cols) + j
    if w["kind"] == "layer":
        keep = unit(mix(cells ^ np.uint64(SEED))) >= w["sparsity"]
    else:
        nbc = (cols + 7) // 8
        bcells = (i // np.uint64(8)) * np.uint64(nbc) + j // np.uint64(8)
        keep = unit(mix(bcells ^ np.uint64(SEED * 5))) < 1.0 - w["sparsity"]
    return np.where(keep, value_at(cells), np.float32(0))


def make_csr(w):
    import scipy.sparse as sp

    if w["kind"] in ("layer", "blocks"):
        return sp.csr_matrix(make_dense(w))
    if w["kind"] == "dlmc":
        with open(w["path"]) as fh:
            rows, cols, _ = (int(t) for t in fh.readline().replace(",", " ").split())
            indptr = np.array(fh.readline().split(), dtype=np.int64)
            indices = np.array(fh.readline().split(), dtype=np.int64)
        r = np.repeat(np.arange(rows, dtype=np.int64), np.diff(indptr))
        keys = np.sort(r * cols + indices)
        r, c = keys // cols, keys % cols
        vals = value_at(r.astype(np.uint64) * np.uint64(cols) + c.astype(np.uint64))
        return sp.csr_matrix((vals, c.astype(np.int32), indptr.astype(np.int32)), shape=(rows, cols))
    n = w["rows"]
    if w["kind"] == "graph_uniform":
        lens = np.full(n, 16, dtype=np.int64)
    else:
        u = unit(mix(np.arange(n, dtype=np.uint64) ^ np.uint64(SEED * 7)))
        lens = np.minimum(100000, np.floor(8.0 / np.sqrt(1.0 - u))).astype(np.int64)
    pos = np.arange(int(lens.sum()), dtype=np.uint64)
    cols = mix(pos ^ np.uint64(SEED * 11)) % np.uint64(n)
    rows = np.repeat(np.arange(n, dtype=np.uint64), lens)
    keys = np.unique(rows * np.uint64(n) + cols)
    r, c = keys // np.uint64(n), keys % np.uint64(n)
    vals = value_at(r * np.uint64(n) + c)
    indptr = np.concatenate([[0], np.cumsum(np.bincount(r.astype(np.int64), minlength=n))]).astype(np.int32)
    return sp.csr_matrix((vals, c.astype(np.int32), indptr), shape=(n, n))
