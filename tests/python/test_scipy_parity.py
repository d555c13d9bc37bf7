"""Parity with scipy.sparse on random matrices of many shapes, densities and dtypes: every conversion
is exact (same arrays as scipy, same dense matrix), every product matches a float64 dense reference
within the value type's rounding."""
import numpy as np
import pytest

import sparse_formats as sf
from conftest import random_sparse

sp = pytest.importorskip("scipy.sparse")

# Empty, one row, one column, empty rows, shapes not divisible by the block sizes, and one large enough
# for the threaded kernels.
SHAPES = [(0, 0), (0, 5), (4, 0), (1, 1), (1, 17), (19, 1), (33, 65), (64, 64), (300, 257)]
DENSITIES = [0.0, 0.07, 0.5, 1.0]
DTYPES = [np.float32, np.float64]
TOL = {np.float32: 2e-5, np.float64: 1e-12}


def _cases():
    for shape in SHAPES:
        for dtype in DTYPES:
            yield pytest.param(shape, dtype, id=f"{shape[0]}x{shape[1]}-{np.dtype(dtype).name}")


CASES = list(_cases())


def check_product(actual, expected64, dtype):
    scale = max(1.0, float(np.abs(expected64).max(initial=0.0)))
    assert actual.dtype == dtype
    assert actual.shape == expected64.shape
    np.testing.assert_allclose(actual, expected64, rtol=TOL[dtype], atol=TOL[dtype] * scale)


@pytest.mark.parametrize("shape,dtype", CASES)
def test_compressed_formats_match_scipy(rng, shape, dtype):
    for density in DENSITIES:
        dense = random_sparse(rng, shape, density, dtype)
        ref_csr, ref_csc = sp.csr_array(dense), sp.csc_array(dense)
        csr, csc = sf.CSRMatrix.from_dense(dense), sf.CSCMatrix.from_dense(dense)
        for ours, ref in [(csr, ref_csr), (csc, ref_csc)]:
            assert ours.shape == ref.shape and ours.nnz == ref.nnz
            np.testing.assert_array_equal(ours.data, ref.data)
            np.testing.assert_array_equal(ours.indices, ref.indices)
            np.testing.assert_array_equal(ours.indptr, ref.indptr)
            np.testing.assert_array_equal(ours.to_dense(), dense)
            np.testing.assert_array_equal(ours.toarray(), ref.toarray())
            # memory: the same arrays as scipy's, so the same true bytes
            expected = ref.data.nbytes + ref.indices.astype(np.int32).nbytes + ref.indptr.astype(np.int32).nbytes
            assert ours.memory_footprint()["total"] == expected == ours.get_statistics().memory_sparse
        # conversions between the two, both ways, and the transpose views
        np.testing.assert_array_equal(sf.CSCMatrix.from_csr(csr).indices, ref_csr.tocsc().indices)
        np.testing.assert_array_equal(sf.CSRMatrix.from_csc(csc).to_dense(), dense)
        np.testing.assert_array_equal(csr.T.to_dense(), dense.T)
        np.testing.assert_array_equal(csc.T.to_dense(), dense.T)
        # products
        d64 = dense.astype(np.float64)
        rows, cols = shape
        for k in (None, 1, 3, 40):
            x = rng.standard_normal(cols if k is None else (cols, k))
            g = rng.standard_normal(rows if k is None else (rows, k))
            for m in (csr, csc):
                check_product(m.sparse_matmul(x.astype(dtype)), d64 @ x.astype(dtype), dtype)
                check_product(m.transpose_matmul(g.astype(dtype)), d64.T @ g.astype(dtype), dtype)
                check_product(m @ x.astype(dtype), (ref_csr @ x.astype(dtype)).astype(np.float64), dtype)


@pytest.mark.parametrize("shape,dtype", CASES)
@pytest.mark.parametrize("block_size", [1, 3, 8])
def test_block_sparse_matches_dense_and_scipy(rng, shape, dtype, block_size):
    for density in DENSITIES:
        dense = random_sparse(rng, shape, density, dtype)
        bsr = sf.BlockSparseMatrix.from_dense(dense, block_size=block_size)
        assert bsr.nnz == np.count_nonzero(dense) and bsr.dtype == dtype
        np.testing.assert_array_equal(bsr.to_dense(), dense)
        stats = bsr.get_statistics()
        assert stats["dropped_nnz"] == 0 and stats["dropped_norm_fraction"] == 0.0
        assert stats["memory_sparse"] == bsr.memory_footprint()["total"] == (
            bsr.blocks.nbytes + bsr.indices.nbytes + bsr.indptr.nbytes)
        # every stored block holds a non-zero, and no block holding one is missing
        rows, cols = shape
        nbr, nbc = -(-rows // block_size), -(-cols // block_size)
        padded = np.zeros((nbr * block_size, nbc * block_size), dtype=bool)
        padded[:rows, :cols] = dense != 0
        occupied = padded.reshape(nbr, block_size, nbc, block_size).any(axis=(1, 3))
        stored = np.zeros((nbr, nbc), dtype=bool)
        stored[tuple(bsr.block_indices.T)] = True
        np.testing.assert_array_equal(stored, occupied)
        # conversions through CSR/CSC agree
        np.testing.assert_array_equal(bsr.to_csr().to_dense(), dense)
        np.testing.assert_array_equal(bsr.to_csc().to_dense(), dense)
        via_csr = sf.BlockSparseMatrix.from_csr(sf.CSRMatrix.from_dense(dense), block_size=block_size)
        np.testing.assert_array_equal(via_csr.blocks, bsr.blocks)
        np.testing.assert_array_equal(via_csr.indices, bsr.indices)
        # scipy bsr when the shape allows it
        if rows % block_size == 0 and cols % block_size == 0 and rows and cols:
            ref = sp.bsr_array(dense, blocksize=(block_size, block_size))
            ref.eliminate_zeros()
            mine = bsr.to_scipy()
            np.testing.assert_array_equal(mine.toarray(), dense)
            np.testing.assert_array_equal(sf.BlockSparseMatrix.from_scipy(ref).to_dense(), dense)
        d64 = dense.astype(np.float64)
        for k in (None, 5):
            x = rng.standard_normal(cols if k is None else (cols, k)).astype(dtype)
            g = rng.standard_normal(rows if k is None else (rows, k)).astype(dtype)
            check_product(bsr.sparse_matmul(x), d64 @ x, dtype)
            check_product(bsr.transpose_matmul(g), d64.T @ g, dtype)


@pytest.mark.parametrize("kind", ["array", "matrix"])
@pytest.mark.parametrize("fmt", ["csr", "csc", "bsr", "coo"])
def test_from_scipy_and_back(rng, kind, fmt):
    dense = random_sparse(rng, (24, 16), 0.2)
    ref = getattr(sp, f"{fmt}_{kind}")(dense)
    for cls in (sf.CSRMatrix, sf.CSCMatrix, sf.BlockSparseMatrix):
        ours = cls.from_scipy(ref)
        np.testing.assert_array_equal(ours.to_dense(), dense)
        back = ours.to_scipy(matrix=(kind == "matrix"))
        assert back.format == ours.format
        assert sp.isspmatrix(back) == (kind == "matrix")
        np.testing.assert_array_equal(back.toarray(), dense)
        # scipy can compute with what we handed it
        x = rng.standard_normal(16)
        np.testing.assert_allclose(back @ x, dense @ x, rtol=1e-12)


def test_from_scipy_non_canonical_input_is_sorted_and_summed():
    # duplicates and unsorted column indices, as scipy allows
    m = sp.csr_array((np.array([1.0, 2.0, 5.0, 4.0]), np.array([2, 0, 2, 1]), np.array([0, 3, 4])), shape=(2, 3))
    assert not m.has_canonical_format
    ours = sf.CSRMatrix.from_scipy(m)
    np.testing.assert_array_equal(ours.to_dense(), m.toarray())
    assert ours.indices.tolist() == [0, 2, 1]


def test_int64_scipy_indices_are_kept(rng):
    dense = random_sparse(rng, (10, 12), 0.3)
    ref = sp.csr_array(dense)
    ref.indices = ref.indices.astype(np.int64)
    ref.indptr = ref.indptr.astype(np.int64)
    ours = sf.CSRMatrix.from_scipy(ref)
    assert ours.index_dtype == np.int64
    np.testing.assert_array_equal(ours.to_dense(), dense)


@pytest.mark.parametrize("shape", [(0, 0), (0, 3), (3, 0)])
def test_empty_shapes_round_trip_through_scipy(shape):
    for cls in (sf.CSRMatrix, sf.CSCMatrix):
        m = cls.from_dense(np.zeros(shape))
        back = cls.from_scipy(m.to_scipy())
        assert back.shape == shape and back.nnz == 0 and m.to_scipy().shape == shape


def test_bsr_with_rectangular_blocks_goes_through_csr():
    dense = np.arange(16, dtype=np.float64).reshape(4, 4) % 3
    ref = sp.bsr_array(dense, blocksize=(2, 1))
    b = sf.BlockSparseMatrix.from_scipy(ref, block_size=2)
    assert b.block_size == 2
    np.testing.assert_array_equal(b.to_dense(), dense)
    np.testing.assert_array_equal(sf.CSRMatrix.from_scipy(ref).to_dense(), dense)


def test_nan_inf_and_signed_zero_follow_the_core_semantics():
    dense = np.array([[np.nan, -0.0, 1e-12], [np.inf, 0.0, -2.0]])
    for cls in (sf.CSRMatrix, sf.CSCMatrix):
        m = cls.from_dense(dense)
        assert m.nnz == 3  # NaN, Inf and -2 kept; -0.0 and entries under the threshold are not stored
        back = m.to_dense()
        assert np.isnan(back[0, 0]) and back[1, 0] == np.inf and back[1, 2] == -2.0
        assert back[0, 1] == 0.0 and not np.signbit(back[0, 1]) and back[0, 2] == 0.0
    assert sf.CSRMatrix.from_dense(dense, threshold=0).nnz == 4  # threshold 0 keeps every non-zero


@pytest.mark.parametrize("dtype", DTYPES)
def test_from_coo_matches_scipy_with_duplicates(rng, dtype):
    rows = rng.integers(0, 30, 200)
    cols = rng.integers(0, 20, 200)
    vals = rng.standard_normal(200).astype(dtype)
    ref = sp.coo_array((vals, (rows, cols)), shape=(30, 20)).tocsr()  # sums duplicates
    ref.sum_duplicates()
    for cls in (sf.CSRMatrix, sf.CSCMatrix):
        ours = cls.from_coo(rows, cols, vals, (30, 20))
        assert ours.dtype == dtype and ours.index_dtype == np.int32
        np.testing.assert_allclose(ours.to_dense(), ref.toarray(), rtol=TOL[dtype], atol=TOL[dtype])


@pytest.mark.parametrize("dtype", DTYPES)
def test_int64_index_instantiations_match_int32(rng, dtype):
    dense = random_sparse(rng, (70, 45), 0.2, dtype)
    small = sf.CSRMatrix.from_dense(dense)
    big = sf.CSRMatrix(small.values, small.col_indices.astype(np.int64), small.row_ptr.astype(np.int64), dense.shape)
    assert big.index_dtype == np.int64
    x, g = rng.standard_normal((45, 6)).astype(dtype), rng.standard_normal(70).astype(dtype)
    for a in (big, big.T.T, sf.CSCMatrix.from_csr(big)):
        np.testing.assert_array_equal(a.to_dense(), dense)
        check_product(a @ x, dense.astype(np.float64) @ x, dtype)
        check_product(a.transpose_matmul(g), dense.T.astype(np.float64) @ g, dtype)
    b = sf.BlockSparseMatrix.from_csr(big, block_size=4)
    assert b.index_dtype == np.int64
    np.testing.assert_array_equal(b.to_dense(), dense)
    check_product(b @ x, dense.astype(np.float64) @ x, dtype)
    assert big.memory_footprint()["total"] == small.memory_footprint()["total"] + 4 * (small.nnz + 71)
    ref = big.to_scipy()
    np.testing.assert_array_equal(ref.toarray(), dense)


def test_reference_and_cpu_backends_agree(rng):
    dense = random_sparse(rng, (500, 400), 0.1, np.float64)
    x = rng.standard_normal((400, 9))
    for a in (sf.CSRMatrix.from_dense(dense), sf.CSCMatrix.from_dense(dense),
              sf.BlockSparseMatrix.from_dense(dense, block_size=8)):
        ref = a.sparse_matmul(x, backend="reference")
        np.testing.assert_allclose(a.sparse_matmul(x, backend="cpu"), ref, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(ref, dense @ x, rtol=1e-12, atol=1e-12)
