"""Plans (SparseMatrix.plan): prepared products against the one-shot product and float64, their
copies (16-bit indices, tiled graphs, sliced short rows), output reuse and every error path."""
import os

import numpy as np
import pytest
import scipy.sparse

import sparse_formats as sf
from conftest import random_sparse

FORMATS = {
    "csr": sf.CSRMatrix.from_dense,
    "csc": sf.CSCMatrix.from_dense,
    "bsr": lambda d: sf.BlockSparseMatrix.from_dense(d, block_size=4),
}


@pytest.mark.parametrize("fmt", sorted(FORMATS))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("transpose", [False, True])
@pytest.mark.parametrize("batch", [1, 7])
def test_plan_matches_product(rng, fmt, dtype, transpose, batch):
    dense = random_sparse(rng, (61, 45), 0.3, dtype)
    a = FORMATS[fmt](dense)
    plan = a.plan(batch, transpose=transpose)
    n = dense.shape[0] if transpose else dense.shape[1]
    x = rng.standard_normal((n, batch)).astype(dtype)
    want = (dense.astype(np.float64).T if transpose else dense.astype(np.float64)) @ x.astype(np.float64)
    got = plan(x)
    assert got.dtype == dtype and got.shape == want.shape
    tol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(got, want, rtol=tol, atol=tol)
    # the plan and the one-shot product use the same kernel unless the plan keeps a copy that orders
    # each output's sum differently (A.T on CSR: the transposed arrays; one vector on short rows:
    # the sliced copy)
    if not (transpose and fmt == "csr") and not plan.sliced:
        one_shot = a.transpose_matmul(x) if transpose else a @ x
        np.testing.assert_array_equal(got, one_shot)
    assert plan.shape == ((45, 61) if transpose else (61, 45))
    assert plan.batch == batch and plan.threads >= 1
    if batch == 1:  # a vector in, a vector out
        v = plan(x[:, 0])
        assert v.shape == (want.shape[0],)
        np.testing.assert_array_equal(v, got[:, 0])


def test_out_is_reused_and_checked(rng):
    dense = random_sparse(rng, (30, 20), 0.4)
    plan = sf.CSRMatrix.from_dense(dense).plan(3)
    x = rng.standard_normal((20, 3))
    out = np.full((30, 3), 7.0)
    assert plan.run(x, out=out) is out
    np.testing.assert_allclose(out, dense @ x, rtol=1e-12, atol=1e-12)
    for bad in (np.empty((30, 4)), np.empty((30, 3), dtype=np.float32), np.empty((3, 30)).T, "not an array"):
        with pytest.raises(sf.InvalidArgumentError):
            plan.run(x, out=bad)
    ro = np.empty((30, 3))
    ro.flags.writeable = False
    with pytest.raises(sf.InvalidArgumentError):
        plan.run(x, out=ro)


def test_wrong_operands_raise(rng):
    a = sf.CSRMatrix.from_dense(random_sparse(rng, (30, 20), 0.4))
    plan = a.plan(2)
    with pytest.raises(sf.ShapeMismatchError):
        plan(rng.standard_normal((20, 3)))  # planned for 2 columns
    with pytest.raises(sf.ShapeMismatchError):
        plan(rng.standard_normal(20))  # a vector for a batch of 2
    with pytest.raises(sf.ShapeMismatchError):
        plan(rng.standard_normal((19, 2)))
    with pytest.raises(sf.InvalidArgumentError):
        a.plan(-1)
    with pytest.raises(sf.InvalidArgumentError):
        a.plan(1, backend="gpu")
    with pytest.raises(TypeError):
        plan(rng.standard_normal((20, 2)).astype(np.complex128))


def test_narrow_indices_are_reported_and_exact(rng):
    # 1 MiB of arrays, at most 65536 columns and rows too long to slice (~450 non-zeros): the
    # plan keeps 16-bit indices, same bits
    dense = random_sparse(rng, (1200, 3000), 0.15, np.float32)
    a = sf.CSRMatrix.from_dense(dense)
    plan = a.plan(1)
    assert plan.extra_bytes == 2 * (a.nnz + 8)  # 8 spare entries past the end
    assert not plan.tiled and not plan.sliced
    x = rng.standard_normal(3000).astype(np.float32)
    np.testing.assert_array_equal(plan(x), a @ x)
    assert a.plan(4).extra_bytes == 0


def test_short_rows_plan_is_sliced(rng):
    # ~10 non-zeros per row: the plan keeps the sliced copy; each output sums its row in order
    gathers = os.environ.get("SPARSE_FORMATS_SIMD", "").lower() != "baseline"  # AVX2 or AVX-512 (x86-64 since 2013)
    dense = random_sparse(rng, (1000, 1000), 0.01, np.float32)
    dense[3, 7] = np.inf
    dense[9, :] = 0.0  # an empty row gives +0
    a = sf.CSRMatrix.from_dense(dense)
    x = rng.standard_normal(1000).astype(np.float32)
    x[11] = np.nan
    for transpose in (False, True):
        plan = a.plan(1, transpose=transpose)
        assert plan.sliced == gathers and not plan.tiled
        assert plan.extra_bytes >= (6 * a.nnz if gathers else 0)
        assert f"sliced={gathers}" in repr(plan)
        got = plan(x)
        ref = scipy.sparse.csr_matrix(dense.astype(np.float64))  # stored entries only meet x's NaN
        want = (ref.T if transpose else ref) @ x.astype(np.float64)
        np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
        np.testing.assert_array_equal(np.isinf(got), np.isinf(want))
        finite = np.isfinite(want)
        np.testing.assert_allclose(got[finite], want[finite], rtol=1e-5, atol=1e-5)
        if not transpose:
            assert got[9] == 0.0 and not np.signbit(got[9])
    assert not a.plan(2).sliced
    assert not sf.CSRMatrix.from_dense(random_sparse(rng, (200, 2000), 0.25, np.float32)).plan(1).sliced  # ~500 per row


def test_graph_plan_is_tiled(rng):
    # x of 2^20 float32 values (4 MiB) with random columns: the plan keeps the tiled copy
    n, per_row = 1 << 20, 2
    rows = np.repeat(np.arange(n), per_row)
    cols = rng.integers(0, n, size=n * per_row)
    vals = rng.standard_normal(n * per_row).astype(np.float32)
    ref = scipy.sparse.csr_matrix((vals, (rows, cols)), shape=(n, n), dtype=np.float32)
    ref.sum_duplicates()
    a = sf.CSRMatrix.from_scipy(ref)
    x = rng.standard_normal(n).astype(np.float32)
    for transpose in (False, True):
        plan = a.plan(1, transpose=transpose)
        assert plan.tiled
        assert plan.extra_bytes >= 8 * a.nnz
        want = (ref.T if transpose else ref).astype(np.float64) @ x.astype(np.float64)
        np.testing.assert_allclose(plan(x), want, rtol=1e-5, atol=1e-5)
        assert "tiled=True" in repr(plan)


def l2_cache_bytes():
    """A core's L2 cache from sysfs (Linux), or None."""
    try:
        with open("/sys/devices/system/cpu/cpu0/cache/index2/size") as f:
            text = f.read().strip()
    except OSError:
        return None
    units = {"K": 1 << 10, "M": 1 << 20}
    return int(text[:-1]) * units[text[-1]] if text[-1] in units else int(text)


def test_wide_batch_plan_is_grouped(rng):
    # x of 4 MiB at batch 128 (a core's whole L2 where L2 is at most that), ~105 scattered non-zeros
    # per row of x at 8% density: A x runs over groups of the batch's columns, with the one-shot
    # product's bits
    k, cols = 128, 8192
    ref = scipy.sparse.random(1310, cols, density=0.08, format="csr", dtype=np.float32, random_state=7)
    a = sf.CSRMatrix.from_scipy(ref)
    plan = a.plan(k)
    l2 = l2_cache_bytes()
    if l2 is not None and l2 <= cols * k * 4 and plan.panel_columns == 0:
        assert 0 < plan.batch_columns < k
        # whole 64-float vectors, their x within half of L2 unless that would take narrower groups
        assert plan.batch_columns % 64 == 0
        assert cols * plan.batch_columns * 4 <= l2 // 2 or plan.batch_columns == 64
    x = rng.standard_normal((cols, k)).astype(np.float32)
    got = plan(x)
    np.testing.assert_array_equal(got, a @ x)
    want = ref.astype(np.float64) @ x.astype(np.float64)
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4)
    assert a.plan(k // 8).batch_columns == 0  # x of 512 KiB
