"""Statistics objects returned by get_statistics()."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Tuple


@dataclass(frozen=True)
class SparseMatrixStats:
    """Statistics of a CSR or CSC matrix. Memory figures are true byte counts of the stored arrays."""

    nnz: int
    sparsity: float           # 1 - density (0 for an empty shape)
    density: float            # nnz / (rows * cols) (0 for an empty shape)
    shape: Tuple[int, int]
    memory_dense: int         # rows * cols * itemsize
    memory_sparse: int        # sum of memory_footprint() arrays
    compression_ratio: float  # memory_dense / memory_sparse
