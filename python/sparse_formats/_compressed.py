"""CSRMatrix and CSCMatrix: one compressed storage seen row-wise or column-wise."""
from __future__ import annotations

import numpy as np

from . import _core
from ._base import SparseMatrix, core_class, expect
from ._dtypes import check_shape, dense_index_dtype, index_arrays, strided_ok, value_array
from ._stats import SparseMatrixStats


class _Compressed(SparseMatrix):
    __slots__ = ()

    def __init__(self, values, indices, indptr, shape, *, sort_and_sum: bool = False):
        what = f"{type(self).__name__}()"
        rows, cols = check_shape(shape, what)
        data = np.ascontiguousarray(value_array(values, what))
        if data.ndim != 1:
            raise _core.InvalidArgumentError(f"{what}: values must be 1-D, got shape {data.shape}")
        (idx, ptr), idt = index_arrays([indices, indptr], max(rows, cols, data.size), what)
        self._m = core_class(self._kind, data.dtype, idt).from_arrays(data, idx, ptr, rows, cols, sort_and_sum)

    # --- construction ------------------------------------------------------------------------
    @classmethod
    def from_dense(cls, dense, threshold: float = 1e-10):
        """Keeps entries with |v| > threshold (NaN and Inf always); threshold 0 keeps every non-zero.

        Any 2-D array-like in any memory order; float32/float64 are kept, bool and integers become
        float64, float16 raises TypeError (see sparse_formats._dtypes). -0.0 counts as zero."""
        what = f"{cls.__name__}.from_dense"
        arr = value_array(dense, what)
        if arr.ndim != 2:
            raise _core.InvalidArgumentError(f"{what}: expected a 2-D array, got {arr.ndim}-D")
        core = core_class(cls._kind, arr.dtype, dense_index_dtype(arr.shape))
        return cls._wrap(core.from_dense(strided_ok(arr), float(threshold)))

    @classmethod
    def from_coo(cls, rows, cols, values, shape):
        """From (row, col, value) triplets in any order; duplicates are summed."""
        what = f"{cls.__name__}.from_coo"
        nrows, ncols = check_shape(shape, what)
        data = np.ascontiguousarray(value_array(values, what))
        (r, c), idt = index_arrays([rows, cols], max(nrows, ncols, data.size), what, borrow=False)
        return cls._wrap(core_class(cls._kind, data.dtype, idt).from_coo(r, c, data, nrows, ncols))

    @classmethod
    def from_block_sparse(cls, bsr):
        """Lossless conversion from a BlockSparseMatrix (padding zeros are not stored)."""
        expect(bsr, _block_sparse().BlockSparseMatrix, f"{cls.__name__}.from_block_sparse")
        return cls._wrap(core_class(cls._kind, bsr.dtype, bsr.index_dtype).from_block_sparse(bsr._m))

    # --- arrays (read-only views of the C++ storage) -------------------------------------------
    @property
    def values(self) -> np.ndarray:
        return self._m.data

    @property
    def data(self) -> np.ndarray:
        """scipy's name for values."""
        return self._m.data

    @property
    def indices(self) -> np.ndarray:
        """scipy's name for col_indices (CSR) or row_indices (CSC)."""
        return self._m.indices

    @property
    def indptr(self) -> np.ndarray:
        """scipy's name for row_ptr (CSR) or col_ptr (CSC)."""
        return self._m.indptr

    def __reduce__(self):  # pickling copies the arrays; the unpickled matrix borrows the copies
        return (type(self), (np.array(self.data), np.array(self.indices), np.array(self.indptr), self.shape))

    # --- statistics --------------------------------------------------------------------------
    def get_statistics(self) -> SparseMatrixStats:
        return SparseMatrixStats(**self._m.get_statistics())

    # --- scipy -------------------------------------------------------------------------------
    def to_scipy(self, matrix: bool = False):
        """A scipy.sparse csr/csc array (csr_matrix/csc_matrix with matrix=True) sharing this
        matrix's read-only arrays (scipy may narrow int64 indices to int32 with a copy)."""
        import scipy.sparse as sp

        cls = getattr(sp, f"{self.format}_{'matrix' if matrix else 'array'}")
        return cls((self.data, self.indices, self.indptr), shape=self.shape)


class CSRMatrix(_Compressed):
    """Compressed Sparse Row: values, col_indices, row_ptr. Forward-pass format.

    CSRMatrix(values, col_indices, row_ptr, shape, *, sort_and_sum=False) validates the arrays
    (lengths, monotone pointers, index range, sorted unique indices per row; sort_and_sum=True sorts
    and sums duplicates into a copy instead of refusing). Contiguous numpy inputs of float32/float64
    values and int32/int64 indices are borrowed, not copied: do not modify them afterwards."""

    __slots__ = ()
    _kind = "CSRMatrix"
    format = "csr"

    def __init__(self, values, col_indices, row_ptr, shape, *, sort_and_sum: bool = False):
        super().__init__(values, col_indices, row_ptr, shape, sort_and_sum=sort_and_sum)

    @classmethod
    def from_csc(cls, csc: "CSCMatrix") -> "CSRMatrix":
        expect(csc, CSCMatrix, "CSRMatrix.from_csc")
        return cls._wrap(core_class(cls._kind, csc.dtype, csc.index_dtype).from_other(csc._m))

    @classmethod
    def from_scipy(cls, m) -> "CSRMatrix":
        """From any scipy.sparse array or matrix; csr input is borrowed without a copy when its
        dtypes allow (non-canonical input is sorted and summed into a copy)."""
        import scipy.sparse as sp

        if not sp.issparse(m):
            raise TypeError(f"CSRMatrix.from_scipy: expected a scipy.sparse matrix, got {type(m).__name__}")
        if m.format == "csc":
            return cls.from_csc(CSCMatrix.from_scipy(m))
        if m.format == "bsr" and m.blocksize[0] == m.blocksize[1]:
            return cls.from_block_sparse(_block_sparse().BlockSparseMatrix.from_scipy(m))
        if m.format != "csr":
            m = m.tocsr()
        return cls(m.data, m.indices, m.indptr, m.shape, sort_and_sum=not m.has_canonical_format)

    @property
    def col_indices(self) -> np.ndarray:
        return self._m.indices

    @property
    def row_ptr(self) -> np.ndarray:
        return self._m.indptr

    def transpose(self) -> "CSCMatrix":
        """A.T as a CSCMatrix sharing this matrix's arrays (no copy)."""
        return CSCMatrix._wrap(self._m.transpose())

    @property
    def T(self) -> "CSCMatrix":
        return self.transpose()

    def to_csc(self) -> "CSCMatrix":
        return CSCMatrix.from_csr(self)


class CSCMatrix(_Compressed):
    """Compressed Sparse Column: values, row_indices, col_ptr. Backward-pass format (A.T @ x).

    CSCMatrix(values, row_indices, col_ptr, shape, *, sort_and_sum=False): as CSRMatrix, with
    columns as the slices."""

    __slots__ = ()
    _kind = "CSCMatrix"
    format = "csc"

    def __init__(self, values, row_indices, col_ptr, shape, *, sort_and_sum: bool = False):
        super().__init__(values, row_indices, col_ptr, shape, sort_and_sum=sort_and_sum)

    @classmethod
    def from_csr(cls, csr: CSRMatrix) -> "CSCMatrix":
        expect(csr, CSRMatrix, "CSCMatrix.from_csr")
        return cls._wrap(core_class(cls._kind, csr.dtype, csr.index_dtype).from_other(csr._m))

    @classmethod
    def from_scipy(cls, m) -> "CSCMatrix":
        """From any scipy.sparse array or matrix; csc input is borrowed without a copy when its
        dtypes allow (non-canonical input is sorted and summed into a copy)."""
        import scipy.sparse as sp

        if not sp.issparse(m):
            raise TypeError(f"CSCMatrix.from_scipy: expected a scipy.sparse matrix, got {type(m).__name__}")
        if m.format in ("csr", "bsr"):
            return cls.from_csr(CSRMatrix.from_scipy(m))
        if m.format != "csc":
            m = m.tocsc()
        return cls(m.data, m.indices, m.indptr, m.shape, sort_and_sum=not m.has_canonical_format)

    @property
    def row_indices(self) -> np.ndarray:
        return self._m.indices

    @property
    def col_ptr(self) -> np.ndarray:
        return self._m.indptr

    def transpose(self) -> CSRMatrix:
        """A.T as a CSRMatrix sharing this matrix's arrays (no copy)."""
        return CSRMatrix._wrap(self._m.transpose())

    @property
    def T(self) -> CSRMatrix:
        return self.transpose()

    def to_csr(self) -> CSRMatrix:
        return CSRMatrix.from_csc(self)


def _block_sparse():
    from . import _block_sparse as module

    return module
