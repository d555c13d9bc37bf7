"""BlockSparseMatrix: dense block_size x block_size blocks (BSR), edge blocks zero-padded."""
from __future__ import annotations

import operator

import numpy as np

from . import _core
from ._base import SparseMatrix, core_class, expect
from ._compressed import CSCMatrix, CSRMatrix
from ._dtypes import check_shape, dense_index_dtype, index_arrays, strided_ok, to_numpy, value_array


class BlockSparseMatrix(SparseMatrix):
    """Block-sparse matrix: `blocks[k]` is the dense block at block position `block_indices[k]`.

    BlockSparseMatrix(blocks, block_indices, block_size, shape): blocks is a (k, bs, bs) array or a
    list of k (bs, bs) arrays, block_indices a list of k (block row, block column) pairs in any order
    (duplicates are refused). Values follow the same dtype rule as CSRMatrix. Padding outside `shape`
    in edge blocks must be zero."""

    __slots__ = ()
    _kind = "BlockSparseMatrix"
    format = "bsr"

    def __init__(self, blocks, block_indices, block_size, shape):
        what = "BlockSparseMatrix()"
        rows, cols = check_shape(shape, what)
        bs = operator.index(block_size)
        if bs < 1:  # checked here because the blocks are reshaped with it before the core sees it
            raise _core.InvalidArgumentError(f"{what}: block_size must be positive, got {bs}")
        data = value_array(blocks, what)
        if data.size == 0:
            data = data.reshape(0, bs, bs)
        if data.ndim != 3 or data.shape[1:] != (bs, bs):
            raise _core.ShapeMismatchError(
                f"{what}: blocks must have shape (k, {bs}, {bs}), got {data.shape}")
        positions = to_numpy(block_indices)
        if positions.size == 0:
            positions = positions.reshape(0, 2)
        if positions.ndim != 2 or positions.shape[1] != 2 or positions.shape[0] != data.shape[0]:
            raise _core.ShapeMismatchError(
                f"{what}: block_indices must be {data.shape[0]} (block row, block column) pairs, "
                f"got shape {positions.shape}")
        (brows, bcols), idt = index_arrays([positions[:, 0], positions[:, 1]], max(rows, cols, data.shape[0]), what,
                                           borrow=False)
        flat = np.ascontiguousarray(data).reshape(-1)
        self._m = core_class(self._kind, data.dtype, idt).from_blocks(flat, brows, bcols, bs, rows, cols)

    # --- construction ------------------------------------------------------------------------
    @classmethod
    def from_bsr_arrays(cls, data, indices, indptr, block_size, shape, *, sort_and_sum: bool = False):
        """From BSR arrays as scipy stores them: data (k, bs, bs), block column indices (k,) and block
        row pointers. Contiguous numpy inputs of the right dtypes are borrowed, not copied."""
        what = "BlockSparseMatrix.from_bsr_arrays"
        rows, cols = check_shape(shape, what)
        values = np.ascontiguousarray(value_array(data, what))
        (idx, ptr), idt = index_arrays([indices, indptr], max(rows, cols, values.size), what)
        core = core_class(cls._kind, values.dtype, idt)
        return cls._wrap(core.from_arrays(values.reshape(-1), idx, ptr, int(block_size), rows, cols, sort_and_sum))

    @classmethod
    def from_dense(cls, dense, block_size: int = 8, threshold: float = 0.0):
        """Blocks of block_size x block_size; every entry is read (O(rows x cols)).

        threshold is the minimum density (non-zeros / block area) a block needs to be kept. The
        default 0.0 keeps every block holding a non-zero, so the conversion is lossless: the design
        document's default of 0.3 was changed because it silently drops weights. A positive threshold
        drops sparser blocks and get_statistics() reports the cost in dropped_nnz and
        dropped_norm_fraction. Blocks holding NaN or Inf are always kept."""
        what = "BlockSparseMatrix.from_dense"
        arr = value_array(dense, what)
        if arr.ndim != 2:
            raise _core.InvalidArgumentError(f"{what}: expected a 2-D array, got {arr.ndim}-D")
        core = core_class(cls._kind, arr.dtype, dense_index_dtype(arr.shape))
        return cls._wrap(core.from_dense(strided_ok(arr), int(block_size), float(threshold)))

    @classmethod
    def from_csr(cls, csr: CSRMatrix, block_size: int = 8) -> "BlockSparseMatrix":
        """Lossless: every block holding a stored entry is kept."""
        expect(csr, CSRMatrix, "BlockSparseMatrix.from_csr")
        return cls._wrap(core_class(cls._kind, csr.dtype, csr.index_dtype).from_csr(csr._m, int(block_size)))

    @classmethod
    def from_csc(cls, csc: CSCMatrix, block_size: int = 8) -> "BlockSparseMatrix":
        expect(csc, CSCMatrix, "BlockSparseMatrix.from_csc")
        return cls._wrap(core_class(cls._kind, csc.dtype, csc.index_dtype).from_csc(csc._m, int(block_size)))

    @classmethod
    def from_scipy(cls, m, block_size=None) -> "BlockSparseMatrix":
        """From any scipy.sparse array or matrix. A bsr input with square blocks and block_size None
        (or equal) is borrowed without a copy; other inputs go through CSR with block_size (8 if None)."""
        import scipy.sparse as sp

        if not sp.issparse(m):
            raise TypeError(f"BlockSparseMatrix.from_scipy: expected a scipy.sparse matrix, got {type(m).__name__}")
        if m.format == "bsr" and m.blocksize[0] == m.blocksize[1] and block_size in (None, m.blocksize[0]):
            # scipy's flag may be False for arrays that are sorted; the core only copies when they are not.
            return cls.from_bsr_arrays(m.data, m.indices, m.indptr, m.blocksize[0], m.shape,
                                       sort_and_sum=not m.has_canonical_format)
        return cls.from_csr(CSRMatrix.from_scipy(m), 8 if block_size is None else block_size)

    def to_csr(self) -> CSRMatrix:
        return CSRMatrix.from_block_sparse(self)

    def to_csc(self) -> CSCMatrix:
        return CSCMatrix.from_block_sparse(self)

    def to_scipy(self, matrix: bool = False):
        """A scipy.sparse bsr array (bsr_matrix with matrix=True) sharing this matrix's arrays.
        scipy requires the shape to be a multiple of the block size: otherwise InvalidArgumentError
        (use .to_csr().to_scipy())."""
        import scipy.sparse as sp

        bs = self.block_size
        rows, cols = self.shape
        if rows % bs or cols % bs:
            raise _core.InvalidArgumentError(
                f"BlockSparseMatrix.to_scipy: shape ({rows}, {cols}) is not a multiple of the block size {bs}, "
                "which scipy's bsr format requires; use .to_csr().to_scipy()")
        cls = sp.bsr_matrix if matrix else sp.bsr_array
        return cls((self.data, self.indices, self.indptr), shape=self.shape, blocksize=(bs, bs))

    # --- arrays ------------------------------------------------------------------------------
    @property
    def blocks(self) -> np.ndarray:
        """The stored blocks, (num_blocks, block_size, block_size): a read-only view."""
        return self._m.data

    @property
    def data(self) -> np.ndarray:
        """scipy's name for blocks."""
        return self._m.data

    @property
    def indices(self) -> np.ndarray:
        """Block column of each block (scipy bsr's indices): a read-only view."""
        return self._m.indices

    @property
    def indptr(self) -> np.ndarray:
        """Block row pointers (scipy bsr's indptr): a read-only view."""
        return self._m.indptr

    block_row_ptr = indptr

    @property
    def block_indices(self) -> np.ndarray:
        """(num_blocks, 2) array of (block row, block column) positions (a new array)."""
        ptr = self.indptr
        rows = np.repeat(np.arange(len(ptr) - 1, dtype=ptr.dtype), np.diff(ptr))
        return np.stack([rows, self.indices], axis=1)

    @property
    def block_size(self) -> int:
        return self._m.block_size

    @property
    def num_blocks(self) -> int:
        return self._m.num_blocks

    def get_statistics(self) -> dict:
        """The design document's keys (nnz, sparsity, density, shape, memory_dense, memory_sparse,
        compression_ratio, num_blocks, wavefront_aligned, storage_efficiency) plus block_size,
        stored_values, dropped_nnz and dropped_norm_fraction."""
        return dict(self._m.get_statistics())

    def __reduce__(self):  # pickling copies the arrays
        return (_unpickle, (np.array(self.data), np.array(self.indices), np.array(self.indptr), self.block_size,
                            self.shape))

    def _repr_extra(self) -> str:
        return f" block_size={self.block_size} num_blocks={self.num_blocks}"


def _unpickle(data, indices, indptr, block_size, shape):
    return BlockSparseMatrix.from_bsr_arrays(data, indices, indptr, block_size, shape)
