"""Every error path raises the specific Python exception, carrying the C++ message."""
import numpy as np
import pytest

import sparse_formats as sf
from sparse_formats import _core

I32 = np.int32


def csr(values, cols, ptr, shape, **kw):
    return sf.CSRMatrix(np.asarray(values, np.float64), np.asarray(cols, I32), np.asarray(ptr, I32), shape, **kw)


@pytest.mark.parametrize("cpp_type,py_type,builtin", [
    ("invalid_argument", sf.InvalidArgumentError, ValueError),
    ("shape_mismatch", sf.ShapeMismatchError, ValueError),
    ("invalid_structure", sf.InvalidStructureError, ValueError),
    ("parse_error", sf.ParseError, ValueError),
    ("index_out_of_range", sf.IndexOutOfRangeError, IndexError),
    ("index_overflow", sf.IndexOverflowError, OverflowError),
    ("unsupported", sf.UnsupportedError, NotImplementedError),
    ("backend_unavailable", sf.BackendUnavailableError, RuntimeError),
    ("error", sf.SparseFormatsError, Exception),
])
def test_every_cpp_error_type_is_translated(cpp_type, py_type, builtin):
    with pytest.raises(py_type, match="^the message$") as info:
        _core._throw_for_test(cpp_type, "the message")
    assert type(info.value) is py_type
    assert isinstance(info.value, builtin) and isinstance(info.value, sf.SparseFormatsError)


def test_specific_errors_are_also_their_parents():
    assert issubclass(sf.ShapeMismatchError, sf.InvalidArgumentError)
    assert issubclass(sf.InvalidStructureError, sf.InvalidArgumentError)
    assert issubclass(sf.ParseError, sf.InvalidArgumentError)


def test_other_cpp_exceptions_are_not_swallowed():
    with pytest.raises(RuntimeError, match="unknown error type") as info:
        _core._throw_for_test("nonsense", "")
    assert not isinstance(info.value, sf.SparseFormatsError)


@pytest.mark.parametrize("build,error,message", [
    (lambda: csr([1, 2], [0, 1], [0, 1], (2, 2)), sf.InvalidStructureError, "row_ptr has length 2"),
    (lambda: csr([1, 2], [0, 1], [1, 1, 2], (2, 2)), sf.InvalidStructureError, "expected 0"),
    (lambda: csr([1, 2], [0, 1], [0, 2, 1], (2, 2)), sf.InvalidStructureError, "non-decreasing"),
    (lambda: csr([1, 2], [1, 0], [0, 2, 2], (2, 2)), sf.InvalidStructureError, "not sorted"),
    (lambda: csr([1, 2], [1, 1], [0, 2, 2], (2, 2)), sf.InvalidStructureError, "duplicated"),
    (lambda: csr([1], [0, 1], [0, 1, 2], (2, 2)), sf.InvalidStructureError, "values has length 1"),
    (lambda: csr([1, 2], [0, 5], [0, 1, 2], (2, 2)), sf.IndexOutOfRangeError, "out of range"),
    (lambda: csr([1, 2], [0, -1], [0, 1, 2], (2, 2)), sf.IndexOutOfRangeError, "out of range"),
    (lambda: csr([], [], [0], (-1, 2)), sf.InvalidArgumentError, "negative"),
    (lambda: sf.CSCMatrix([1.0], [3], [0, 1], (2, 1)), sf.IndexOutOfRangeError, "out of range"),
    (lambda: sf.CSRMatrix.from_dense(np.eye(2), threshold=-1), sf.InvalidArgumentError, "threshold"),
    (lambda: sf.CSRMatrix.from_dense(np.eye(2), threshold=float("nan")), sf.InvalidArgumentError, "threshold"),
    (lambda: sf.CSRMatrix.from_coo([0, 2], [0, 0], [1.0, 1.0], (2, 2)), sf.IndexOutOfRangeError, "index 2"),
    (lambda: sf.CSRMatrix.from_coo([0], [0, 1], [1.0, 1.0], (2, 2)), sf.InvalidStructureError, "differ"),
    (lambda: sf.BlockSparseMatrix.from_dense(np.eye(4), block_size=0), sf.InvalidArgumentError, "block_size"),
    (lambda: sf.BlockSparseMatrix.from_dense(np.eye(4), threshold=1.5), sf.InvalidArgumentError, "threshold"),
    (lambda: sf.BlockSparseMatrix(np.ones((1, 2, 2)), [(1, 1)], 2, (3, 3)), sf.InvalidStructureError, "padding"),
    (lambda: sf.BlockSparseMatrix(np.ones((2, 2, 2)), [(0, 0), (0, 0)], 2, (4, 4)), sf.InvalidStructureError,
     "duplicate"),
    (lambda: sf.BlockSparseMatrix(np.ones((1, 2, 2)), [(0, 5)], 2, (4, 4)), sf.IndexOutOfRangeError, "block"),
    (lambda: sf.BlockSparseMatrix(np.ones((1, 2, 3)), [(0, 0)], 2, (4, 4)), sf.ShapeMismatchError, "blocks"),
    (lambda: sf.BlockSparseMatrix(np.ones((1, 2, 2)), [(0, 0)], 0, (4, 4)), sf.InvalidArgumentError, "block_size"),
    (lambda: sf.BlockSparseMatrix([], [], -3, (4, 4)), sf.InvalidArgumentError, "block_size"),
    (lambda: sf.BlockSparseMatrix.from_bsr_arrays(np.ones((1, 2, 2)), [0], [0, 1], 0, (2, 2)),
     sf.InvalidArgumentError, "block_size"),
    (lambda: sf.BlockSparseMatrix(np.ones((1, 2, 2)), [(0, 0), (1, 1)], 2, (4, 4)), sf.ShapeMismatchError,
     "block_indices"),
    (lambda: sf.BlockSparseMatrix.from_dense(np.eye(5), block_size=2).to_scipy(), sf.InvalidArgumentError,
     "multiple of the block size"),
    (lambda: sf.CSRMatrix.from_dense(np.ones((2, 2, 2))), sf.InvalidArgumentError, "2-D"),
    (lambda: sf.CSRMatrix.from_dense(np.eye(2)) @ np.ones((2, 2, 2)), sf.InvalidArgumentError, "1-D or 2-D"),
    (lambda: sf.CSRMatrix.from_dense(np.eye(2)).sparse_matmul(np.ones(3)), sf.ShapeMismatchError, "(2, 2)"),
    (lambda: sf.CSCMatrix.from_dense(np.eye(2, 3)).transpose_matmul(np.ones(3)), sf.ShapeMismatchError, "(3, 2)"),
    (lambda: sf.BlockSparseMatrix.from_dense(np.eye(4)).sparse_matmul(np.ones((5, 2))), sf.ShapeMismatchError,
     "(4, 4)"),
    (lambda: sf.CSRMatrix.from_dense(np.eye(2)).sparse_matmul(np.ones(2), backend="gpu"), sf.InvalidArgumentError,
     "unknown backend"),
    (lambda: sf.CSRMatrix.from_dense(np.eye(2)).sparse_matmul(np.ones(2), backend="opencl"),
     sf.BackendUnavailableError, "opencl"),
    (lambda: sf.CSRMatrix([1.0], np.array([2**64 - 1], np.uint64), [0, 1], (1, 1)), sf.IndexOverflowError, "int64"),
    (lambda: csr([], [], [0], (2**64, 1)), sf.IndexOverflowError, "int64"),
])
def test_error_paths(build, error, message):
    with pytest.raises(error) as info:
        build()
    assert type(info.value) is error
    assert message in str(info.value)


def test_index_overflow_in_the_core_is_an_overflow_error():
    # the Python layer picks int64 by itself; the int32 core refuses sizes that would wrap
    core = _core.CSRMatrix_float64_int32
    with pytest.raises(sf.IndexOverflowError, match="int32"):
        core.from_coo(np.zeros(0, np.int32), np.zeros(0, np.int32), np.zeros(0), 1, 2**31)


@pytest.mark.parametrize("build,error", [
    (lambda: sf.CSRMatrix.from_dense(np.eye(2, dtype=np.float16)), TypeError),
    (lambda: sf.CSRMatrix.from_dense(np.eye(2, dtype=np.complex64)), TypeError),
    (lambda: sf.CSRMatrix.from_dense(np.array([["a", "b"]])), TypeError),
    (lambda: sf.CSRMatrix.from_dense(np.eye(2)) @ np.ones(2, dtype=np.complex128), TypeError),
    (lambda: csr([1.0], [0], [0, 1], (1,)), TypeError),
    (lambda: csr([1.0], [0], [0, 1], (1.5, 1)), TypeError),
    (lambda: sf.CSRMatrix([1.0], [0.0], [0, 1], (1, 1)), TypeError),
    (lambda: sf.CSRMatrix.from_scipy(np.eye(2)), TypeError),
    (lambda: len(sf.CSRMatrix.from_dense(np.eye(2))), TypeError),
])
def test_python_side_type_errors(build, error):
    with pytest.raises(error):
        build()


def test_failed_construction_leaves_inputs_untouched():
    values, cols, ptr = np.array([1.0, 2.0]), np.array([1, 0], I32), np.array([0, 2, 2], I32)
    with pytest.raises(sf.InvalidStructureError):
        sf.CSRMatrix(values, cols, ptr, (2, 2))
    assert cols.tolist() == [1, 0]
    fixed = sf.CSRMatrix(values, cols, ptr, (2, 2), sort_and_sum=True)  # explicit opt-in sorts a copy
    assert fixed.col_indices.tolist() == [0, 1] and fixed.values.tolist() == [2.0, 1.0]
    assert cols.tolist() == [1, 0] and values.tolist() == [1.0, 2.0]
