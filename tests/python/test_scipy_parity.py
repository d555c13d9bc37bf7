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
