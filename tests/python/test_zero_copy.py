"""Zero-copy across the boundary: stored arrays are read-only views of the C++ storage, contiguous
inputs of the right dtype are borrowed, transposes and scipy exports share memory, and every view
keeps the storage alive on its own."""
import gc

import numpy as np
import pytest

import sparse_formats as sf
from conftest import random_sparse


def csr_arrays(rng, dtype=np.float32, index=np.int32):
    dense = random_sparse(rng, (20, 30), 0.2, dtype)
    ref = sf.CSRMatrix.from_dense(dense)
    return dense, ref.values.copy(), ref.col_indices.astype(index), ref.row_ptr.astype(index)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("index", [np.int32, np.int64])
def test_contiguous_inputs_are_borrowed(rng, dtype, index):
    dense, values, cols, ptr = csr_arrays(rng, dtype, index)
    a = sf.CSRMatrix(values, cols, ptr, dense.shape)
    assert a.dtype == dtype and a.index_dtype == index
    assert np.shares_memory(a.values, values)
    assert np.shares_memory(a.col_indices, cols)
    assert np.shares_memory(a.row_ptr, ptr)
    # CSC view of the same memory, both ways
    assert np.shares_memory(a.T.values, values) and np.shares_memory(a.T.T.col_indices, cols)
    np.testing.assert_array_equal(a.to_dense(), dense)


def test_block_sparse_arrays_are_borrowed(rng):
    dense = random_sparse(rng, (16, 24), 0.3)
    ref = sf.BlockSparseMatrix.from_dense(dense, block_size=4)
    data, indices, indptr = ref.blocks.copy(), ref.indices.copy(), ref.indptr.copy()
    b = sf.BlockSparseMatrix.from_bsr_arrays(data, indices, indptr, 4, dense.shape)
    assert np.shares_memory(b.blocks, data) and np.shares_memory(b.indices, indices)
    assert np.shares_memory(b.indptr, indptr)
    np.testing.assert_array_equal(b.to_dense(), dense)


def test_other_inputs_are_copied_not_shared(rng):
    dense, values, cols, ptr = csr_arrays(rng, np.float64)
    strided = np.repeat(values, 2)[::2]  # right dtype, not contiguous
    a = sf.CSRMatrix(strided, cols, ptr, dense.shape)
    assert not np.shares_memory(a.values, strided)
    np.testing.assert_array_equal(a.to_dense(), dense)
    # int16 indices are converted (to int32), never reinterpreted
    b = sf.CSRMatrix(values, cols.astype(np.int16), ptr.astype(np.int16), dense.shape)
    assert b.index_dtype == np.int32
    np.testing.assert_array_equal(b.to_dense(), dense)


def test_views_are_read_only(rng):
    a = sf.CSRMatrix.from_dense(random_sparse(rng, (5, 6), 0.5))
    for arr in (a.values, a.col_indices, a.row_ptr, a.data, a.indices, a.indptr):
        assert not arr.flags.writeable
        with pytest.raises(ValueError):
            arr[...] = 0
    b = sf.BlockSparseMatrix.from_dense(random_sparse(rng, (5, 6), 0.5), block_size=2)
    assert b.blocks.shape == (b.num_blocks, 2, 2) and not b.blocks.flags.writeable


def test_views_outlive_the_matrix_and_inputs_outlive_their_names(rng):
    dense, values, cols, ptr = csr_arrays(rng, np.float64)
    expected = values.copy()
    a = sf.CSRMatrix(values, cols, ptr, dense.shape)
    del values, cols, ptr
    gc.collect()
    np.testing.assert_array_equal(a.to_dense(), dense)  # the matrix keeps its borrowed inputs alive
    view = a.values
    t = a.T
    del a
    gc.collect()
    np.testing.assert_array_equal(view, expected)  # the view keeps the storage alive
    np.testing.assert_array_equal(t.to_dense(), dense.T)


def test_scipy_round_trip_shares_memory(rng):
    sp = pytest.importorskip("scipy.sparse")
    dense = random_sparse(rng, (12, 9), 0.3, np.float32)
    ref = sp.csr_array(dense)
    ours = sf.CSRMatrix.from_scipy(ref)
    assert np.shares_memory(ours.values, ref.data) and np.shares_memory(ours.col_indices, ref.indices)
    back = ours.to_scipy()
    assert np.shares_memory(back.data, ours.values) and np.shares_memory(back.indices, ours.col_indices)
    csc = sp.csc_array(dense)
    assert np.shares_memory(sf.CSCMatrix.from_scipy(csc).values, csc.data)
    bsr = sp.bsr_array(dense, blocksize=(3, 3))
    bsr.sort_indices()  # scipy may build it unsorted; the core would then sort into a copy
    assert np.shares_memory(sf.BlockSparseMatrix.from_scipy(bsr).blocks, bsr.data)


def test_from_dense_reads_fortran_and_strided_input_in_place(rng):
    dense = random_sparse(rng, (40, 30), 0.2)
    for view in (np.asfortranarray(dense), dense[::2, 1::3], dense.T, dense[::-1]):
        np.testing.assert_array_equal(sf.CSRMatrix.from_dense(view).to_dense(), view)
        np.testing.assert_array_equal(sf.CSCMatrix.from_dense(view).to_dense(), view)
        np.testing.assert_array_equal(sf.BlockSparseMatrix.from_dense(view, block_size=4).to_dense(), view)


def test_inputs_are_never_modified(rng):
    dense = random_sparse(rng, (30, 20), 0.3)
    dense_before = dense.copy()
    a = sf.CSRMatrix.from_dense(dense)
    x = rng.standard_normal((20, 3))
    x_before = x.copy()
    a @ x
    a.T @ rng.standard_normal(30)
    np.testing.assert_array_equal(dense, dense_before)
    np.testing.assert_array_equal(x, x_before)
