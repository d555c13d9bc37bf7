"""Accelerator devices and device-resident matrices (the OpenCL backend).

    from sparse_formats import CSRMatrix, list_devices
    d = CSRMatrix.from_dense(w).to_device("opencl")   # upload once
    y = d.sparse_matmul(x)                             # numpy in, numpy out
    g = d.transpose_matmul(y)
    yd = d.sparse_matmul(x, resident=True)             # a DeviceArray: stays in device memory
    z = d.transpose_matmul(yd).to_host()

The device is SPARSE_FORMATS_OPENCL_DEVICE (an index or part of a name) or the first GPU unless `device`
is given. Without OpenCL or a device, uploads raise BackendUnavailableError and list_devices() is [].
"""
from __future__ import annotations

import numpy as np

from . import _core
from ._base import SparseMatrix, _dtypes_of, core_class
from ._dtypes import product_operand
from ._wrap import wrap

__all__ = ["list_devices", "describe_devices", "default_device", "to_device", "to_device_array", "DeviceMatrix",
           "DeviceArray"]


def list_devices() -> list:
    """One dict per OpenCL device (index, name, vendor, platform, type, compute_units, global_memory,
    local_memory, max_work_group_size, simd_width, fp64, ...); [] when there is none."""
    return _core.list_devices()


def describe_devices() -> str:
    """A readable table of list_devices() with the default device marked."""
    return _core.describe_devices()


def default_device() -> dict:
    """The device an upload without `device` uses; raises BackendUnavailableError when there is none."""
    return _core.default_device()


def _device_index(device) -> int:
    if device is None:
        return -1
    if isinstance(device, dict):
        device = device["index"]
    if not isinstance(device, (int, np.integer)) or isinstance(device, bool) or device < 0:
        raise _core.InvalidArgumentError(f"device must be an index from list_devices(), got {device!r}")
    return int(device)


def _check_backend(backend, what: str) -> None:
    if backend in ("opencl", _core.Backend.opencl):
        return
    if backend in ("cpu", "reference", "automatic", _core.Backend.cpu, _core.Backend.reference,
                   _core.Backend.automatic):
        raise _core.BackendUnavailableError(f"{what}: backend {backend!r} has no device memory; use 'opencl'")
    raise _core.InvalidArgumentError(f"{what}: unknown backend {backend!r}; expected 'opencl'")


class DeviceArray:
    """A dense row-major 2-D array in device memory: the operand and result of resident products."""

    __slots__ = ("_d", "_dtype")

    @classmethod
    def _wrap(cls, core, dtype):
        obj = cls.__new__(cls)
        obj._d = core
        obj._dtype = np.dtype(dtype)
        return obj

    @property
    def shape(self) -> tuple:
        return (self._d.rows, self._d.cols)

    @property
    def dtype(self) -> np.dtype:
        return self._dtype

    @property
    def device(self) -> int:
        return self._d.device

    def to_host(self) -> np.ndarray:
        """A new C-ordered numpy array (waits for the products queued before it)."""
        out = np.empty(self.shape, dtype=self._dtype)
        self._d.to_host_into(out)
        return out

    numpy = to_host

    def __array__(self, dtype=None, copy=None):
        out = self.to_host()
        return out if dtype is None else out.astype(dtype)

    def __repr__(self) -> str:
        return f"<DeviceArray shape={self.shape} dtype={self._dtype.name} device={self.device}>"


def to_device_array(x, dtype=np.float32, device=None) -> DeviceArray:
    """Uploads a 1-D (as a column) or 2-D array-like, converted to `dtype` (float32 or float64)."""
    dtype = np.dtype(dtype)
    if dtype not in (np.float32, np.float64):
        raise TypeError(f"to_device_array: dtype must be float32 or float64, got {dtype}")
    _, arr = product_operand(x, dtype, "to_device_array")
    core = getattr(_core, f"DeviceDenseMatrix_{dtype.name}").upload(arr, _device_index(device))
    return DeviceArray._wrap(core, dtype)


class DeviceMatrix:
    """A CSR, CSC or block-sparse matrix in device memory; see to_device()."""

    __slots__ = ("_d", "_host")

    @property
    def shape(self) -> tuple:
        return (self._d.nrows, self._d.ncols)

    @property
    def nrows(self) -> int:
        return self._d.nrows

    @property
    def ncols(self) -> int:
        return self._d.ncols

    @property
    def nnz(self) -> int:
        return self._d.nnz

    @property
    def dtype(self) -> np.dtype:
        return self._host.dtype

    @property
    def index_dtype(self) -> np.dtype:
        return self._host.index_dtype

    @property
    def format(self) -> str:
        return self._host.format

    @property
    def device(self) -> int:
        return self._d.device

    @property
    def has_transpose_storage(self) -> bool:
        return self._d.has_transpose_storage

    def describe(self) -> str:
        """The kernels the products use and why (SpMV algorithm from the row statistics, ...)."""
        return self._d.describe()

    def finish(self) -> None:
        """Waits for every product queued on this matrix's device."""
        self._d.finish()

    def to_host(self):
        """Downloads the arrays into a new host matrix of the same format."""
        return wrap(self._d.to_host())

    def _product(self, other, transpose: bool, resident: bool, what: str):
        d = self._d
        if isinstance(other, DeviceArray):
            if other.dtype != self.dtype:
                raise TypeError(f"{what}: device operand is {other.dtype}, the matrix {self.dtype}")
            return DeviceArray._wrap(d.spmm_device(other._d, transpose), self.dtype)
        x, x2 = product_operand(other, self.dtype, what)
        if resident:
            dx = getattr(_core, f"DeviceDenseMatrix_{self.dtype.name}").upload(x2, d.device)
            return DeviceArray._wrap(d.spmm_device(dx, transpose), self.dtype)
        rows = d.ncols if transpose else d.nrows
        if x2.shape[0] != (d.nrows if transpose else d.ncols):
            op = (d.ncols, d.nrows) if transpose else (d.nrows, d.ncols)
            raise _core.ShapeMismatchError(f"{what}: matrix of shape {op} cannot multiply operand of shape "
                                           f"{tuple(x.shape)}")
        y = np.empty((rows, x2.shape[1]), dtype=self.dtype)
        d.spmm_into(x2, y, transpose)
        return y.reshape(rows) if x.ndim == 1 else y

    def sparse_matmul(self, other, resident: bool = False):
        """A @ other. A numpy array-like (ncols,) or (ncols, k) gives a numpy array; a DeviceArray, or
        resident=True, gives a DeviceArray that stays in device memory."""
        return self._product(other, False, resident, f"{type(self._host).__name__}(device).sparse_matmul")

    def transpose_matmul(self, other, resident: bool = False):
        """A.T @ other, from the transposed storage uploaded with the matrix (both_orientations=True)."""
        return self._product(other, True, resident, f"{type(self._host).__name__}(device).transpose_matmul")

    def __matmul__(self, other):
        return self.sparse_matmul(other)

    def __repr__(self) -> str:
        rows, cols = self.shape
        return (f"<DeviceMatrix format={self.format} shape=({rows}, {cols}) nnz={self.nnz} "
                f"dtype={self.dtype.name} device={self.device}>")


_SPMV = {"automatic", "scalar", "vector", "adaptive"}


def to_device(matrix: SparseMatrix, backend="opencl", device=None, *, both_orientations: bool = True,
              spmv: str = "automatic") -> DeviceMatrix:
    """Uploads a CSRMatrix, CSCMatrix or BlockSparseMatrix (same as matrix.to_device(...)).

    both_orientations also uploads the other orientation (built on the host: the CSC of a CSR matrix, ...)
    so that sparse_matmul and transpose_matmul both run; it doubles device memory. spmv forces the SpMV
    kernel ("scalar", "vector", "adaptive"); "automatic" chooses from the row-length statistics.
    Raises BackendUnavailableError without OpenCL or device, UnsupportedError for float64 on a device
    without fp64."""
    if not isinstance(matrix, SparseMatrix):
        raise TypeError(f"to_device: expected a CSRMatrix, CSCMatrix or BlockSparseMatrix, got "
                        f"{type(matrix).__name__}")
    _check_backend(backend, "to_device")
    if spmv not in _SPMV:
        raise _core.InvalidArgumentError(f"to_device: spmv must be one of {sorted(_SPMV)}, got {spmv!r}")
    value, index = _dtypes_of(matrix._m)
    cls = core_class("Device" + matrix._kind, value, index)
    obj = DeviceMatrix.__new__(DeviceMatrix)
    obj._d = cls.upload(matrix._m, _device_index(device), bool(both_orientations),
                        _core.SpmvAlgorithm.__members__[spmv])
    obj._host = matrix
    return obj
