"""What the three format classes share: the core object, products, densification, repr."""
from __future__ import annotations

import numpy as np

from . import _core
from ._dtypes import operand_array, product_operand


def core_class(kind: str, value_dtype, index_dtype):
    """The compiled class for one (value, index) dtype pair, e.g. _core.CSRMatrix_float32_int32."""
    return getattr(_core, f"{kind}_{np.dtype(value_dtype).name}_{np.dtype(index_dtype).name}")


_DTYPES = {}  # compiled class -> (value dtype, index dtype)


def _dtypes_of(core) -> tuple:
    cls = type(core)
    found = _DTYPES.get(cls)
    if found is None:
        _, value, index = cls.__name__.rsplit("_", 2)
        found = _DTYPES[cls] = (np.dtype(value), np.dtype(index))
    return found


def backend_of(backend) -> "_core.Backend":
    """A Backend from its name ("automatic", "cpu", "reference", "opencl") or the enum itself."""
    if backend == "automatic":
        return _core.Backend.automatic
    if isinstance(backend, _core.Backend):
        return backend
    try:
        return _core.Backend.__members__[backend]
    except (KeyError, TypeError):
        names = ", ".join(_core.Backend.__members__)
        raise _core.InvalidArgumentError(f"unknown backend {backend!r}; expected one of {names}") from None


def expect(obj, cls, what: str) -> None:
    if not isinstance(obj, cls):
        raise TypeError(f"{what}: expected a {cls.__name__}, got {type(obj).__name__}")


class SparseMatrix:
    """Base of CSRMatrix, CSCMatrix and BlockSparseMatrix (not instantiated itself)."""

    __slots__ = ("_m",)
    _kind = ""      # the compiled class family: "CSRMatrix", ...
    format = ""     # scipy's name: "csr", "csc", "bsr"
    # numpy defers `ndarray @ matrix` to our __rmatmul__ instead of converting us to an object array.
    __array_ufunc__ = None

    @classmethod
    def _wrap(cls, core):
        obj = cls.__new__(cls)
        obj._m = core
        return obj

    # --- sizes -------------------------------------------------------------------------------
    @property
    def nnz(self) -> int:
        return self._m.nnz

    @property
    def nrows(self) -> int:
        return self._m.nrows

    @property
    def ncols(self) -> int:
        return self._m.ncols

    @property
    def shape(self) -> tuple:
        return (self._m.nrows, self._m.ncols)

    @property
    def ndim(self) -> int:
        return 2

    @property
    def dtype(self) -> np.dtype:
        return _dtypes_of(self._m)[0]

    @property
    def index_dtype(self) -> np.dtype:
        return _dtypes_of(self._m)[1]

    # --- products ----------------------------------------------------------------------------
    def _product(self, other, transpose: bool, backend, what: str) -> np.ndarray:
        m = self._m
        dtype = _dtypes_of(m)[0]
        x, x2 = product_operand(other, dtype, what)
        rows = m.ncols if transpose else m.nrows
        y = np.empty((rows, x2.shape[1]), dtype=dtype)
        m.spmm_into(x2, y, transpose, backend_of(backend))
        return y.reshape(rows) if x.ndim == 1 else y

    def sparse_matmul(self, other, backend="automatic") -> np.ndarray:
        """A @ other for a vector (ncols,) or a matrix (ncols, k) in any memory order.

        The operand is converted to the matrix's dtype; the result is a new array of that dtype.
        backend is "automatic", "cpu", "reference" or "opencl". The GIL is released while the
        kernel runs."""
        return self._product(other, False, backend, f"{type(self).__name__}.sparse_matmul")

    def transpose_matmul(self, other, backend="automatic") -> np.ndarray:
        """A.T @ other for a vector (nrows,) or a matrix (nrows, k), without forming A.T."""
        return self._product(other, True, backend, f"{type(self).__name__}.transpose_matmul")

    def plan(self, batch: int = 1, transpose: bool = False, backend="automatic") -> "Plan":
        """Prepares A @ X (or A.T @ X) for X of `batch` columns once, to run many times.

        The plan keeps the thread split and, where it pays, a copy of the arrays made for the
        kernel: for A.T on CSR the transposed arrays; with one vector (batch=1) a tiled copy when
        x outgrows the caches (graphs), a sliced copy when rows are short (at most 320 non-zeros
        on average, as pruned layers at 70-99%), or 16-bit column indices (at most 65536 columns).
        plan.extra_bytes says how much memory those copies take. See sparse_formats.Plan."""
        from ._plan import Plan
        core = self._m.plan(int(batch), bool(transpose), backend_of(backend))
        return Plan._wrap(core, self.dtype, f"{type(self).__name__}.plan")

    def __matmul__(self, other):
        if isinstance(other, SparseMatrix) or _is_scipy_sparse(other):
            return NotImplemented
        return self.sparse_matmul(other)

    def __rmatmul__(self, other):
        if isinstance(other, SparseMatrix) or _is_scipy_sparse(other):
            return NotImplemented
        x = operand_array(other, self.dtype, f"{type(self).__name__}.__rmatmul__")
        # x @ A == (A.T @ x.T).T
        return self.transpose_matmul(x) if x.ndim == 1 else self.transpose_matmul(x.T).T

    # --- devices -----------------------------------------------------------------------------
    def to_device(self, backend="opencl", device=None, **options):
        """Uploads the matrix to an OpenCL device; see sparse_formats.device.to_device."""
        from .device import to_device
        return to_device(self, backend, device, **options)

    # --- dense -------------------------------------------------------------------------------
    def to_dense(self) -> np.ndarray:
        """The dense matrix as a new C-ordered array of the matrix's dtype."""
        out = np.empty(self.shape, dtype=self.dtype)
        self._m.to_dense_into(out)
        return out

    def toarray(self) -> np.ndarray:
        """scipy's name for to_dense()."""
        return self.to_dense()

    # --- accounting --------------------------------------------------------------------------
    def memory_footprint(self) -> dict:
        """True bytes of each stored array, plus "total"."""
        return dict(self._m.memory_footprint())

    def __repr__(self) -> str:
        rows, cols = self.shape
        return (f"<{type(self).__name__} shape=({rows}, {cols}) nnz={self.nnz} dtype={self.dtype.name} "
                f"index_dtype={self.index_dtype.name} format={self.format}{self._repr_extra()}>")

    def _repr_extra(self) -> str:
        return ""

    def __len__(self):
        raise TypeError("sparse matrix length is ambiguous; use .shape or .nnz")


def _is_scipy_sparse(obj) -> bool:
    module = type(obj).__module__
    return module.startswith("scipy.sparse") and hasattr(obj, "tocsr")
