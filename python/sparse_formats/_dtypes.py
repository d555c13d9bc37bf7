"""How Python inputs become the arrays the C++ core takes.

Value dtype rule (matrices and ``from_dense``):
  * float32 and float64 are kept as they are;
  * bool and integers up to 32 bits become float64 (exact);
  * 64-bit integers become float64 when every value is exactly representable (|v| <= 2**53),
    otherwise InvalidArgumentError (ValueError) is raised: nothing is silently rounded;
  * float16 raises TypeError until half precision is supported (convert with ``.astype(np.float32)``);
  * complex, long double, object and string arrays raise TypeError (they cannot be kept exactly).

Operand rule (``sparse_matmul``, ``transpose_matmul``, ``@``): real numeric operands (bool, integers,
float16/32/64) are converted to the matrix's dtype and the result has the matrix's dtype, like a BLAS
call of that precision; complex operands raise TypeError.

Index dtype rule: int32 unless a dimension, nnz or an index value needs int64 (chosen automatically,
never wrapped). Index arrays that are already numpy int32 or int64 arrays of one dtype are kept
(borrowed without a copy).
"""
from __future__ import annotations

import operator

import numpy as np

from . import _core

INT32_MAX = np.iinfo(np.int32).max
INT64_MAX = np.iinfo(np.int64).max
_EXACT_FLOAT64_INT = 2**53


def to_numpy(obj) -> np.ndarray:
    """Any array-like (numpy, lists, objects with __array__ or __array_interface__, DLPack producers
    such as torch tensors) as a numpy array, without copying when the layout allows."""
    if isinstance(obj, np.ndarray):
        return obj
    if type(obj).__module__.split(".")[0] == "torch" and hasattr(obj, "detach"):
        obj = obj.detach().cpu()  # a tensor that requires grad or lives on a GPU refuses __array__
    if not (hasattr(obj, "__array__") or hasattr(obj, "__array_interface__")) and hasattr(obj, "__dlpack__"):
        return np.from_dlpack(obj)
    return np.asarray(obj)


def value_array(obj, what: str) -> np.ndarray:
    """Applies the value dtype rule; the result is float32 or float64 (a view when already so)."""
    arr = to_numpy(obj)
    dt = arr.dtype
    if dt == np.float32 or dt == np.float64:
        return arr
    if dt == np.float16:
        raise TypeError(f"{what}: float16 values are not supported yet; convert with .astype(np.float32)")
    if dt.kind == "b" or (dt.kind in "iu" and dt.itemsize <= 4):
        return arr.astype(np.float64)
    if dt.kind in "iu":
        if arr.size and (arr.max() > _EXACT_FLOAT64_INT or arr.min() < -_EXACT_FLOAT64_INT):
            raise _core.InvalidArgumentError(
                f"{what}: {dt} values above 2**53 in magnitude cannot be stored exactly as float64")
        return arr.astype(np.float64)
    raise TypeError(f"{what}: values of dtype {dt} are not supported (float32 and float64 are; "
                    "bool and integers are converted to float64)")


def operand_array(obj, dtype: np.dtype, what: str) -> np.ndarray:
    """Applies the operand rule: a 1-D or 2-D array of `dtype` whose strides the core accepts."""
    arr = to_numpy(obj)
    dt = arr.dtype
    if dt != dtype:
        if dt.kind not in "biuf":
            raise TypeError(f"{what}: operand of dtype {dt} is not supported (real numbers only)")
        arr = arr.astype(dtype)
    if arr.ndim not in (1, 2):
        raise _core.InvalidArgumentError(f"{what}: operand must be 1-D or 2-D, got {arr.ndim}-D")
    return arr


def product_operand(obj, dtype: np.dtype, what: str) -> tuple:
    """(x, x2): the operand under the operand rule and its 2-D form with strides the core takes."""
    x = obj
    if not (type(x) is np.ndarray and x.dtype == dtype and 1 <= x.ndim <= 2):  # fast path: nothing to do
        x = operand_array(obj, dtype, what)
    return x, strided_ok(x[:, None] if x.ndim == 1 else x)


def strided_ok(arr: np.ndarray) -> np.ndarray:
    """The core takes any non-negative element strides; negative or misaligned ones are copied."""
    if (arr.flags.c_contiguous or arr.flags.f_contiguous) and min(arr.strides) >= 0:
        return arr
    if any(s < 0 or s % arr.itemsize for s in arr.strides):
        return arr.copy(order="C")  # not ascontiguousarray: it keeps a contiguous array's odd strides
    return arr


def index_arrays(arrays, bound: int, what: str, borrow: bool = True):
    """Applies the index dtype rule to several index arrays that must share one dtype.

    bound is the largest dimension or count the index type has to hold. Returns the contiguous
    arrays and their dtype. With borrow (arrays the matrix will store), numpy int32/int64 inputs of
    one dtype that fit are kept so they can be borrowed; otherwise (COO triplets, block positions,
    which are only read) the smallest index type that holds them is chosen."""
    converted = []
    for a in arrays:
        arr = to_numpy(a)
        if arr.dtype.kind not in "iu":
            if arr.size:
                raise TypeError(f"{what}: index arrays must hold integers, got dtype {arr.dtype}")
            arr = arr.astype(np.int32)
        if arr.ndim != 1:
            raise _core.InvalidArgumentError(f"{what}: index arrays must be 1-D, got shape {arr.shape}")
        converted.append(arr)
    dtypes = {arr.dtype for arr in converted}
    given = borrow and all(isinstance(a, np.ndarray) for a in arrays)
    if given and len(dtypes) == 1:
        dt = dtypes.pop()
        if dt == np.int64 or (dt == np.int32 and bound <= INT32_MAX):
            return [np.ascontiguousarray(arr) for arr in converted], dt
    need64 = bound > INT32_MAX
    for arr in converted:
        if arr.size:
            hi, lo = int(arr.max()), int(arr.min())
            if hi > INT64_MAX:
                raise _core.IndexOverflowError(f"{what}: index {hi} does not fit int64")
            need64 = need64 or hi > INT32_MAX or lo < -INT32_MAX - 1
    dt = np.dtype(np.int64 if need64 else np.int32)
    return [np.ascontiguousarray(arr, dtype=dt) for arr in converted], dt


def dense_index_dtype(shape) -> np.dtype:
    """Index dtype for a matrix built from a dense array: int32 unless it has 2**31 or more elements."""
    rows, cols = shape
    return np.dtype(np.int32 if rows * cols <= INT32_MAX else np.int64)


def check_shape(shape, what: str):
    try:
        rows, cols = shape
        rows, cols = operator.index(rows), operator.index(cols)
    except (TypeError, ValueError):
        raise TypeError(f"{what}: shape must be a pair of integers (rows, cols), got {shape!r}") from None
    if max(rows, cols) > INT64_MAX:
        raise _core.IndexOverflowError(f"{what}: shape ({rows}, {cols}) does not fit int64")
    return rows, cols
