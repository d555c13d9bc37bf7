"""Files in and out: Matrix Market (.mtx, .mtx.gz), scipy .npz, numpy .npy and safetensors.

The C++ readers do the work (include/sparse_formats/io.hpp, docs/io.md): declared sizes are checked
before anything is allocated, and a bad file raises ParseError (a ValueError) whose message starts
with the file name and line or byte offset; complex Matrix Market files raise UnsupportedError.

    from sparse_formats import io
    w = io.mmread("bcsstk13.mtx")              # CSRMatrix, float64, duplicates summed like scipy
    io.save_npz("w.npz", w)                    # scipy.sparse.load_npz reads it
    layers = io.list_tensors("model.safetensors")
    fc1 = io.load_safetensors_matrix("model.safetensors", "fc1.weight")   # float32 ndarray
"""
from __future__ import annotations

import os

import numpy as np

from . import _core
from ._block_sparse import BlockSparseMatrix
from ._compressed import CSCMatrix, CSRMatrix

__all__ = [
    "mmread",
    "mmwrite",
    "mminfo",
    "load_npz",
    "save_npz",
    "npz_info",
    "load_npy",
    "save_npy",
    "list_tensors",
    "load_safetensors_matrix",
    "load_safetensors_csr",
    "save_safetensors",
]

_INT32_MAX = np.iinfo(np.int32).max
_NUMPY_TO_ST = {"float32": "F32", "float64": "F64", "float16": "F16", "int8": "I8", "int16": "I16",
                "int32": "I32", "int64": "I64", "uint8": "U8", "uint16": "U16", "uint32": "U32",
                "uint64": "U64", "bool": "BOOL"}


def _path(p) -> str:
    return os.fspath(p)


def _value_name(dtype) -> str:
    name = np.dtype(dtype).name
    if name not in ("float32", "float64"):
        raise TypeError(f"dtype must be float32 or float64, got {name}")
    return name


def _index_name(index_dtype, *sizes) -> str:
    if index_dtype is None:
        return "int32" if max(sizes, default=0) <= _INT32_MAX else "int64"
    name = np.dtype(index_dtype).name
    if name not in ("int32", "int64"):
        raise TypeError(f"index dtype must be int32 or int64, got {name}")
    return name


def mminfo(path) -> dict:
    """The banner and size line: format, field, symmetry, shape, entries."""
    return _core._read_matrix_market_header(_path(path))


def mmread(path, *, dtype=np.float64, index_dtype=None, format: str = "csr", allow_non_finite: bool = False):
    """A Matrix Market file as a CSRMatrix (or CSCMatrix with format="csc").

    Equals scipy.io.mmread(path).tocsr(): symmetric files are expanded, duplicates summed, pattern
    values are 1. NaN and infinity raise ParseError unless allow_non_finite=True.
    """
    if format not in ("csr", "csc"):
        raise ValueError(f"format must be 'csr' or 'csc', not {format!r}")
    info = mminfo(path)
    index = _index_name(index_dtype, *info["shape"], 2 * info["entries"])
    core = _core._read_matrix_market(_path(path), _value_name(dtype), index, format == "csc", allow_non_finite)
    return (CSCMatrix if format == "csc" else CSRMatrix)._wrap(core)


def mmwrite(path, matrix, *, field: str = "real") -> None:
    """Writes a CSRMatrix or CSCMatrix (coordinate layout) or a 2-D numpy array (array layout).

    Values are written with the shortest text that reads back to the same float64; ".gz" compresses.
    """
    if isinstance(matrix, (CSRMatrix, CSCMatrix)):
        _core._write_matrix_market(_path(path), matrix._m, field)
    elif isinstance(matrix, BlockSparseMatrix):
        _core._write_matrix_market(_path(path), matrix.to_csr()._m, field)
    else:
        arr = np.asarray(matrix)
        if arr.ndim != 2:
            raise ValueError(f"expected a 2-D array, got {arr.ndim}-D")
        if arr.dtype not in (np.float32, np.float64):
            arr = arr.astype(np.float64)
        _core._write_matrix_market_dense(_path(path), arr)


def npz_info(path) -> dict:
    """format, is_array, shape, nnz, data_dtype and blocksize of a scipy .npz file."""
    return _core._read_npz_info(_path(path))


def load_npz(path, *, dtype=None, index_dtype=None):
    """A file written by scipy.sparse.save_npz: csr gives a CSRMatrix, csc a CSCMatrix, bsr a CSRMatrix.

    dtype defaults to the file's (float32 stays float32, anything else becomes float64).
    """
    info = npz_info(path)
    if dtype is None:
        dtype = np.float32 if info["data_dtype"][1:] == "f4" else np.float64
    index = _index_name(index_dtype, *info["shape"], info["nnz"])
    csc = info["format"] == "csc"
    core = _core._read_npz(_path(path), _value_name(dtype), index, csc)
    return (CSCMatrix if csc else CSRMatrix)._wrap(core)


def save_npz(path, matrix, *, compressed: bool = True, array: bool = False) -> None:
    """Writes what scipy.sparse.save_npz writes; array=True makes load_npz return a sparse array (csr_array)."""
    if not isinstance(matrix, (CSRMatrix, CSCMatrix, BlockSparseMatrix)):
        raise TypeError(f"expected a CSRMatrix, CSCMatrix or BlockSparseMatrix, got {type(matrix).__name__}")
    _core._write_npz(_path(path), matrix._m, compressed, array)


def load_npy(path, *, dtype=None) -> np.ndarray:
    """A 2-D (or 1-D, as n x 1) float32/float64 .npy file as a C-ordered array."""
    if dtype is None:
        descr = _core._read_npy_header(_path(path))["descr"]
        dtype = np.float32 if descr[1:] == "f4" else np.float64
    return _core._read_npy(_path(path), _value_name(dtype))


def save_npy(path, array, *, fortran_order: bool = False) -> None:
    """A 2-D float32/float64 array as .npy (np.load reads it)."""
    arr = np.asarray(array)
    if arr.ndim != 2:
        raise ValueError(f"expected a 2-D array, got {arr.ndim}-D")
    _value_name(arr.dtype)
    _core._write_npy(_path(path), arr, fortran_order)


def list_tensors(path) -> dict:
    """{"tensors": [{name, dtype, shape, data_offsets}], "metadata": {...}, "sparse": [names]} of a safetensors file."""
    tensors, metadata, sparse = _core._read_safetensors_index(_path(path))
    return {"tensors": tensors, "metadata": metadata, "sparse": sparse}


def load_safetensors_matrix(path, name: str) -> np.ndarray:
    """A 2-D F32/F16/BF16/F64 tensor as float32 (F16 and BF16 widen exactly; F64 is rounded)."""
    return _core._read_safetensors_matrix(_path(path), name)


def load_safetensors_csr(path, name: str, *, index_dtype=None) -> CSRMatrix:
    """A sparse matrix stored as <name>.values, <name>.col_indices and <name>.row_ptr tensors."""
    info = list_tensors(path)
    by_name = {t["name"]: t for t in info["tensors"]}
    values = by_name.get(name + ".values")
    indices = by_name.get(name + ".col_indices")
    dtype = "float32" if values is not None and values["dtype"] == "F32" else "float64"
    index = index_dtype or ("int64" if indices is not None and indices["dtype"] == "I64" else "int32")
    return CSRMatrix._wrap(_core._read_safetensors_csr(_path(path), name, dtype, np.dtype(index).name))


def save_safetensors(path, tensors: dict, metadata: dict | None = None) -> None:
    """Writes numpy arrays as plain tensors and CSRMatrix values as <name>.values/.col_indices/.row_ptr
    with "<name>.shape" and "<name>.format" = "csr" in __metadata__."""
    raw, meta = [], dict(metadata or {})
    for name, value in tensors.items():
        if isinstance(value, CSCMatrix) or isinstance(value, BlockSparseMatrix):
            value = value.to_csr()
        if isinstance(value, CSRMatrix):
            parts, extra = _core._csr_tensors(name, value._m)
            raw.extend(parts)
            meta.update(extra)
            continue
        arr = np.ascontiguousarray(value)
        if arr.dtype.name not in _NUMPY_TO_ST:
            raise TypeError(f"tensor {name!r}: dtype {arr.dtype} has no safetensors equivalent")
        arr = arr.astype(arr.dtype.newbyteorder("<"), copy=False)
        raw.append((name, _NUMPY_TO_ST[arr.dtype.name], list(arr.shape), arr.tobytes()))
    _core._write_safetensors(_path(path), raw, {str(k): str(v) for k, v in meta.items()})
