"""The package's public names and the design document's first CSR example."""
import pickle

import numpy as np
import pytest

import sparse_formats as sf


def test_public_names():
    for name in ["CSRMatrix", "CSCMatrix", "BlockSparseMatrix", "SparseMatrixStats", "num_threads",
                 "set_num_threads", "has_openmp", "release_cached_memory", "cached_memory_bytes"]:
        assert hasattr(sf, name), name


def test_storage_example_from_the_design_document():
    dense = np.array([[1, 0, 2], [0, 3, 0], [4, 0, 5]], dtype=np.float32)
    csr = sf.CSRMatrix.from_dense(dense)
    assert csr.values.tolist() == [1, 2, 3, 4, 5]
    assert csr.col_indices.tolist() == [0, 2, 1, 0, 2]
    assert csr.row_ptr.tolist() == [0, 2, 3, 5]
    csc = sf.CSCMatrix.from_dense(dense)
    assert csc.values.tolist() == [1, 4, 3, 2, 5]
    assert csc.row_indices.tolist() == [0, 2, 1, 0, 2]
    assert csc.col_ptr.tolist() == [0, 2, 3, 5]
    assert csr.dtype == np.float32 and csr.index_dtype == np.int32
    assert csr.shape == (3, 3) and csr.nnz == 5 and csr.nrows == 3 and csr.ncols == 3


def test_threads_setting_round_trips():
    before = sf.num_threads()
    try:
        sf.set_num_threads(1)
        assert sf.num_threads() == 1
    finally:
        sf.set_num_threads(0)
    assert sf.num_threads() == before


def test_repr_names_shape_nnz_dtype_and_format():
    a = sf.CSRMatrix.from_dense(np.eye(4, dtype=np.float32))
    text = repr(a)
    for part in ["CSRMatrix", "shape=(4, 4)", "nnz=4", "float32", "csr"]:
        assert part in text
    b = sf.BlockSparseMatrix.from_dense(np.eye(4), block_size=2)
    assert "block_size=2" in repr(b) and "bsr" in repr(b)


def test_product_matches_numpy(rng):
    w = rng.standard_normal((7, 5))
    w[w < 0.5] = 0
    x = rng.standard_normal(5)
    for cls in (sf.CSRMatrix, sf.CSCMatrix, sf.BlockSparseMatrix):
        np.testing.assert_allclose(cls.from_dense(w).sparse_matmul(x), w @ x, rtol=1e-12, atol=1e-12)


def test_error_is_typed():
    with pytest.raises(sf.InvalidStructureError) as info:
        sf.CSRMatrix(np.ones(2), np.array([0, 1], np.int32), np.array([0, 2, 1], np.int32), (2, 2))
    assert isinstance(info.value, ValueError)


def test_pickle_round_trip(rng):
    dense = rng.standard_normal((9, 7))
    dense[dense < 0.3] = 0
    for m in (sf.CSRMatrix.from_dense(dense), sf.CSCMatrix.from_dense(dense.astype(np.float32)),
              sf.BlockSparseMatrix.from_dense(dense, block_size=4)):
        back = pickle.loads(pickle.dumps(m))
        assert type(back) is type(m) and back.dtype == m.dtype and back.shape == m.shape
        np.testing.assert_array_equal(back.to_dense(), m.to_dense())


def test_conversions_check_their_argument_type():
    dense = np.eye(3)
    with pytest.raises(TypeError, match="CSRMatrix"):
        sf.CSCMatrix.from_csr(sf.CSCMatrix.from_dense(dense))
    with pytest.raises(TypeError, match="CSCMatrix"):
        sf.CSRMatrix.from_csc(dense)
    with pytest.raises(TypeError, match="BlockSparseMatrix"):
        sf.CSRMatrix.from_block_sparse(sf.CSRMatrix.from_dense(dense))


def test_wrap_gives_the_public_class_of_a_compiled_matrix():
    from sparse_formats._wrap import wrap

    dense = np.eye(3, dtype=np.float32)
    for cls in (sf.CSRMatrix, sf.CSCMatrix, sf.BlockSparseMatrix):
        m = cls.from_dense(dense)
        again = wrap(m._m)
        assert type(again) is cls and again._m is m._m
    assert wrap(dense) is dense


def test_wide_transpose_matches_scipy_and_survives_releasing_the_scratch():
    # 40000 columns and ~360K entries: the bucketed CSR -> CSC (scratch block kept, then freed)
    sp = pytest.importorskip("scipy.sparse")
    a = sp.random(300, 40000, density=0.03, format="csr", dtype=np.float32, random_state=5)
    a.sort_indices()
    ours = sf.CSRMatrix.from_scipy(a)
    for _ in range(2):
        c = ours.to_csc()
        want = a.tocsc()
        assert c.col_ptr.tolist() == want.indptr.tolist()
        assert np.array_equal(c.row_indices, want.indices)
        assert np.array_equal(c.values, want.data)
        sf.release_cached_memory()


def test_large_arrays_are_kept_for_reuse_until_released():
    # 1.35M kept entries: 5.4 MB index and value arrays, each in a 6 MiB block
    dense = np.arange(1, 1300 * 1300 + 1, dtype=np.float32).reshape(1300, 1300)
    dense[::5] = 0
    sf.release_cached_memory()
    assert sf.cached_memory_bytes() == 0
    first = sf.CSRMatrix.from_dense(dense)
    assert np.array_equal(first.to_dense(), dense)
    at = lambda m: {m.values.__array_interface__["data"][0], m.col_indices.__array_interface__["data"][0]}
    first_at = at(first)
    del first  # its arrays go back to the cache, not to the system
    assert sf.cached_memory_bytes() == 2 * (6 << 20)
    again = sf.CSRMatrix.from_dense(dense)
    assert sf.cached_memory_bytes() == 0
    assert at(again) == first_at
    assert np.array_equal(again.to_dense(), dense)
    del again
    sf.release_cached_memory()
    assert sf.cached_memory_bytes() == 0
