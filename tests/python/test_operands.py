"""Operands of products and inputs of constructors: every memory layout, dtype rule and array-like."""
import numpy as np
import pytest

import sparse_formats as sf
from conftest import random_sparse

FORMATS = [sf.CSRMatrix, sf.CSCMatrix, lambda d: sf.BlockSparseMatrix.from_dense(d, block_size=3)]


def build(fmt, dense):
    return fmt.from_dense(dense) if hasattr(fmt, "from_dense") else fmt(dense)


def layouts(base):
    """The same values in every memory layout numpy can produce."""
    n = base.shape[0]
    return {
        "C": base,
        "F": np.asfortranarray(base),
        "column slice": base[:, ::3],
        "row slice": np.vstack([base, base])[::2],
        "negative strides": base[::-1, ::-1].copy()[::-1, ::-1],
        "transposed": np.ascontiguousarray(base.T).T,
        "broadcast": np.broadcast_to(base[:, :1], (n, 5)),
        "vector": base[:, 0].copy(),
        "strided vector": base[:, 4],
        "reversed vector": base[::-1, 2],
        "read-only": np.frombuffer(base.tobytes(), dtype=base.dtype).reshape(base.shape),
    }


@pytest.mark.parametrize("fmt", FORMATS)
def test_operand_layouts(rng, fmt):
    dense = random_sparse(rng, (23, 17), 0.3)
    a = build(fmt, dense)
    for name, x in layouts(rng.standard_normal((17, 12))).items():
        np.testing.assert_allclose(a @ x, dense @ x, rtol=1e-12, atol=1e-12, err_msg=name)
    for name, g in layouts(rng.standard_normal((23, 12))).items():
        np.testing.assert_allclose(a.transpose_matmul(g), dense.T @ g, rtol=1e-12, atol=1e-12, err_msg=name)


def test_single_element_operands_with_negative_strides():
    a = sf.CSRMatrix.from_dense([[2.0]])
    for x in (np.array([3.0])[::-1], np.array([[3.0]])[::-1, ::-1], np.array([[3.0, 4.0]])[:, ::-1]):
        np.testing.assert_array_equal(a @ x, 2.0 * x)
        np.testing.assert_array_equal(a.transpose_matmul(x), 2.0 * x)


@pytest.mark.parametrize("fmt", FORMATS)
def test_operand_dtype_is_converted_to_the_matrix_dtype(rng, fmt):
    dense = random_sparse(rng, (8, 6), 0.5, np.float32)
    a = build(fmt, dense)
    for x in (np.arange(6), np.arange(6, dtype=np.int8), np.ones(6, dtype=bool), np.arange(6, dtype=np.float16),
              np.arange(6, dtype=np.float64), list(range(6))):
        y = a @ x
        assert y.dtype == np.float32
        np.testing.assert_allclose(y, dense.astype(np.float64) @ np.asarray(x, dtype=np.float64), rtol=1e-5)
    with pytest.raises(TypeError):
        a @ np.ones(6, dtype=np.complex64)


def test_left_multiplication_and_matmul_operator(rng):
    dense = random_sparse(rng, (9, 7), 0.4)
    a = sf.CSRMatrix.from_dense(dense)
    x = rng.standard_normal((4, 9))
    np.testing.assert_allclose(x @ a, x @ dense, rtol=1e-12)
    np.testing.assert_allclose(x[0] @ a, x[0] @ dense, rtol=1e-12)
    np.testing.assert_allclose(a.T @ x.T, dense.T @ x.T, rtol=1e-12)
    np.testing.assert_allclose(a.T @ x.T[:, 0], dense.T @ x[0], rtol=1e-12)
    np.testing.assert_allclose(a @ x[:, :7].T, dense @ x[:, :7].T, rtol=1e-12)
    with pytest.raises(TypeError):
        a @ a


class ArrayLike:
    """Anything with __array__ (a torch CPU tensor takes this path too)."""

    def __init__(self, arr):
        self._arr = arr

    def __array__(self, dtype=None, copy=None):
        return self._arr if dtype is None else self._arr.astype(dtype)


class DLPackOnly:
    """An object that offers only the DLPack protocol."""

    def __init__(self, arr):
        self._arr = arr

    def __dlpack__(self, **kwargs):
        return self._arr.__dlpack__(**kwargs)

    def __dlpack_device__(self):
        return self._arr.__dlpack_device__()


class FakeTorchTensor:
    """Behaves as a torch tensor that requires grad: __array__ refuses until detach()."""

    __module__ = "torch"

    def __init__(self, arr, attached=True):
        self._arr, self._attached = arr, attached

    def detach(self):
        return FakeTorchTensor(self._arr, attached=False)

    def cpu(self):
        return self

    def __array__(self, dtype=None, copy=None):
        if self._attached:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad")
        return self._arr


@pytest.mark.parametrize("wrap", [ArrayLike, DLPackOnly, FakeTorchTensor, lambda a: a.tolist()])
def test_array_likes_in_and_out(rng, wrap):
    dense = random_sparse(rng, (6, 5), 0.5)
    for cls in (sf.CSRMatrix, sf.CSCMatrix, sf.BlockSparseMatrix):
        a = cls.from_dense(wrap(dense))
        np.testing.assert_array_equal(a.to_dense(), dense)
        x = rng.standard_normal(5)
        np.testing.assert_allclose(a @ wrap(x), dense @ x, rtol=1e-12)


def test_value_dtype_rules():
    ints = np.array([[0, 3], [-2, 0]], dtype=np.int32)
    for dtype in (np.int8, np.uint16, np.int32, np.int64, np.uint64, bool):
        a = sf.CSRMatrix.from_dense(np.abs(ints).astype(dtype))
        assert a.dtype == np.float64
        np.testing.assert_array_equal(a.to_dense(), np.abs(ints).astype(dtype).astype(np.float64))
    assert sf.CSRMatrix.from_dense(ints.astype(np.float32)).dtype == np.float32
    with pytest.raises(TypeError, match="float16"):
        sf.CSRMatrix.from_dense(ints.astype(np.float16))
    with pytest.raises(TypeError):
        sf.CSCMatrix.from_dense(ints.astype(np.complex128))
    with pytest.raises(TypeError):
        sf.BlockSparseMatrix.from_dense(ints.astype(np.longdouble))
    # never silently rounded: 2**53 + 1 has no float64
    with pytest.raises(ValueError, match="2\\*\\*53"):
        sf.CSRMatrix.from_dense(np.array([[2**53 + 1]], dtype=np.int64))


def test_index_dtype_rules(rng):
    v = np.array([1.0, 2.0])
    # lists and small integer types: int32
    assert sf.CSRMatrix(v, [0, 1], [0, 1, 2], (2, 2)).index_dtype == np.int32
    assert sf.CSRMatrix(v, np.array([0, 1], np.uint8), np.array([0, 1, 2], np.int16), (2, 2)).index_dtype == np.int32
    # a dimension beyond int32: int64 chosen automatically
    big = sf.CSRMatrix(v, [0, 3_000_000_000], [0, 1, 2], (2, 3_000_000_001))
    assert big.index_dtype == np.int64
    assert big.col_indices.tolist() == [0, 3_000_000_000]
    ones = np.broadcast_to(np.float64(1.0), (3_000_000_001,))  # stride 0: no memory
    np.testing.assert_array_equal(big @ ones, [1.0, 2.0])
    # mixed int32/int64 inputs: the smallest type that holds them
    assert sf.CSRMatrix(v, np.array([0, 1], np.int64), np.array([0, 1, 2], np.int32), (2, 2)).index_dtype == np.int32
    with pytest.raises(TypeError):
        sf.CSRMatrix(v, np.array([0.0, 1.0]), [0, 1, 2], (2, 2))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_operand_address_does_not_change_result_bits(rng, dtype):
    # x at every offset from a 64-byte boundary: the kernels load it in a shifted frame of
    # aligned vectors, and every value is summed in the same order as for aligned x.
    dense = random_sparse(rng, (40, 70), 0.3).astype(dtype)
    a = sf.CSRMatrix.from_dense(dense)
    k = 64 // np.dtype(dtype).itemsize * 2
    x0 = rng.standard_normal((70, k)).astype(dtype)
    raw = np.zeros(x0.nbytes + 128, dtype=np.uint8)
    base = (-raw.ctypes.data) % 64
    results = []
    for off in range(0, 64, np.dtype(dtype).itemsize):
        x = raw[base + off: base + off + x0.nbytes].view(dtype).reshape(x0.shape)
        x[...] = x0
        assert x.ctypes.data % 64 == off
        results.append((a @ x, a.transpose_matmul(x[:40])))
    for y, yt in results[1:]:
        assert np.array_equal(y, results[0][0]) and np.array_equal(yt, results[0][1])
    np.testing.assert_allclose(results[0][0], dense.astype(np.float64) @ x0, rtol=1e-5, atol=1e-5)
