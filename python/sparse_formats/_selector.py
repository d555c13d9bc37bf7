"""DynamicFormatSelector: picks dense, CSR, CSC or block-sparse for a weight matrix and says why.

The policy (docs/selector.md): the design document's rules (dense below 50% sparsity, block-sparse
between 50% and 75% when the matrix has block structure, else CSR/CSC; CSR for row products and CSC
for column/transposed products at 75% and above), guarded so that the choice is never both larger
and slower (by a cost model of the operation) than an alternative; or, with tune=True, the fastest
format measured on this machine.
"""
from __future__ import annotations

import numpy as np

from . import _core
from ._base import SparseMatrix
from ._compressed import CSRMatrix
from ._dtypes import dense_index_dtype, strided_ok, value_array
from ._wrap import wrap

_OPS = ("spmv", "spmm")
_PREFERRED = ("row", "col")
_CONTEXTS = {"inference": "row", "training": "col"}


def _is_scipy_sparse(obj) -> bool:
    return type(obj).__module__.startswith("scipy.sparse") and hasattr(obj, "tocsr")


class DynamicFormatSelector:
    """Format selection that explains itself.

    sparsity_threshold_dense:  below this sparsity, dense (sparse overhead not worth it).
    sparsity_threshold_block:  from here on, CSR (row products) or CSC (column products).
    block_size:                block edge for block-sparse and for the block-structure test.
    block_density_threshold:   minimum mean fill of the non-empty blocks for block structure.
    """

    def __init__(self, sparsity_threshold_dense: float = 0.50, sparsity_threshold_block: float = 0.75,
                 block_size: int = 8, block_density_threshold: float = 0.20):
        self._s = _core.DynamicFormatSelector(float(sparsity_threshold_dense), float(sparsity_threshold_block),
                                              int(block_size), float(block_density_threshold))
        #: The recommendation behind the last select_format() call (a dict as recommend_format returns).
        self.last_recommendation = None

    sparsity_threshold_dense = property(lambda self: self._s.sparsity_threshold_dense)
    sparsity_threshold_block = property(lambda self: self._s.sparsity_threshold_block)
    block_size = property(lambda self: self._s.block_size)
    block_density_threshold = property(lambda self: self._s.block_density_threshold)

    # --- inputs ------------------------------------------------------------------------------
    def _input(self, matrix, what: str):
        """(suffix of the compiled function, argument) for a dense array-like or one of our matrices."""
        if isinstance(matrix, SparseMatrix):
            return "", matrix._m
        if _is_scipy_sparse(matrix):
            return "", CSRMatrix.from_scipy(matrix)._m
        arr = value_array(matrix, what)
        if arr.ndim != 2:
            raise _core.InvalidArgumentError(f"{what}: expected a 2-D array, got {arr.ndim}-D")
        suffix = f"_dense_{arr.dtype.name}_{dense_index_dtype(arr.shape).name}"
        return suffix, strided_ok(arr)

    @staticmethod
    def _options(preferred_op, force_sparse, op, batch, tune, tune_budget_seconds, what):
        if preferred_op not in _PREFERRED:
            raise _core.InvalidArgumentError(f"{what}: preferred_op must be 'row' or 'col', got {preferred_op!r}")
        if op not in _OPS:
            raise _core.InvalidArgumentError(f"{what}: op must be 'spmv' or 'spmm', got {op!r}")
        return dict(col=preferred_op == "col", force_sparse=bool(force_sparse), spmm=op == "spmm",
                    batch=int(batch), tune=bool(tune), tune_budget_seconds=float(tune_budget_seconds))

    # --- the API of the design document --------------------------------------------------------
    def analyze_sparsity(self, matrix) -> dict:
        """Features measured in one pass: nnz, sparsity, row-length mean/max/coefficient of variation,
        non-empty blocks and their mean fill, block structure, and the exact bytes of each format."""
        suffix, arg = self._input(matrix, "DynamicFormatSelector.analyze_sparsity")
        return getattr(_core, "analyze_sparsity" + suffix)(self._s, arg)

    def select_format(self, matrix, preferred_op: str = "row", force_sparse: bool = False, tune: bool = False,
                      op: str = "spmv", batch: int = 32, tune_budget_seconds: float = 0.2):
        """The matrix converted (losslessly) to the chosen format: a numpy array for dense, else a
        CSRMatrix, CSCMatrix or BlockSparseMatrix. The recommendation is kept in last_recommendation.

        preferred_op: 'row' for forward products W @ x, 'col' for transposed products W.T @ g.
        force_sparse: never return dense.  op/batch: 'spmv' or 'spmm' with `batch` columns.
        tune: time the candidates for this operation here (cached per workload) and take the fastest."""
        what = "DynamicFormatSelector.select_format"
        suffix, arg = self._input(matrix, what)
        options = self._options(preferred_op, force_sparse, op, batch, tune, tune_budget_seconds, what)
        core, rec = getattr(_core, "select_format" + suffix)(self._s, arg, **options)
        self.last_recommendation = rec
        return wrap(core)

    def recommend_format(self, matrix, context: str = "inference", tune: bool = False, op: str = "spmv",
                         batch: int = 32, force_sparse: bool = False, tune_budget_seconds: float = 0.2) -> dict:
        """{'format', 'reason', 'compression_ratio', 'memory_savings_mb', 'speedup', 'measured', ...}.

        context 'inference' means forward products (CSR side), 'training' the backward pass's
        transposed products (CSC side). speedup is over dense, estimated or (tune=True) measured."""
        what = "DynamicFormatSelector.recommend_format"
        if context not in _CONTEXTS:
            raise _core.InvalidArgumentError(f"{what}: context must be 'inference' or 'training', got {context!r}")
        suffix, arg = self._input(matrix, what)
        options = self._options(_CONTEXTS[context], force_sparse, op, batch, tune, tune_budget_seconds, what)
        return getattr(_core, "recommend_format" + suffix)(self._s, arg, **options)

    def __repr__(self) -> str:
        return (f"DynamicFormatSelector(sparsity_threshold_dense={self.sparsity_threshold_dense}, "
                f"sparsity_threshold_block={self.sparsity_threshold_block}, block_size={self.block_size}, "
                f"block_density_threshold={self.block_density_threshold})")


def clear_tune_cache() -> None:
    """Forget every measured (tune=True) result."""
    _core.clear_tune_cache()
