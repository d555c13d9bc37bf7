"""Sparse formats for pruned neural-network weights: CSR, CSC and block-sparse matrices on a C++ core.

    from sparse_formats import CSRMatrix, CSCMatrix, BlockSparseMatrix, SparseMatrixStats

Arrays are numpy arrays; see sparse_formats._dtypes for the dtype rules and docs/python.md.
"""
from ._core import (
    Backend,
    BackendUnavailableError,
    IndexOutOfRangeError,
    IndexOverflowError,
    InvalidArgumentError,
    InvalidStructureError,
    ParseError,
    ShapeMismatchError,
    SparseFormatsError,
    UnsupportedError,
    cached_memory_bytes,
    has_openmp,
    num_threads,
    release_cached_memory,
    set_num_threads,
)
from ._base import SparseMatrix
from ._plan import Plan
from ._block_sparse import BlockSparseMatrix
from ._compressed import CSCMatrix, CSRMatrix
from ._stats import SparseMatrixStats
from ._selector import DynamicFormatSelector, clear_tune_cache
from ._pruning import MagnitudePruner, StructuredPruner
from .device import DeviceArray, DeviceMatrix, describe_devices, list_devices, to_device, to_device_array

__version__ = "0.1.0"

__all__ = [
    "CSRMatrix",
    "CSCMatrix",
    "BlockSparseMatrix",
    "SparseMatrix",
    "Plan",
    "SparseMatrixStats",
    "DynamicFormatSelector",
    "clear_tune_cache",
    "MagnitudePruner",
    "StructuredPruner",
    "Backend",
    "num_threads",
    "release_cached_memory",
    "cached_memory_bytes",
    "set_num_threads",
    "has_openmp",
    "SparseFormatsError",
    "InvalidArgumentError",
    "ShapeMismatchError",
    "InvalidStructureError",
    "ParseError",
    "IndexOutOfRangeError",
    "IndexOverflowError",
    "UnsupportedError",
    "BackendUnavailableError",
    "list_devices",
    "describe_devices",
    "to_device",
    "to_device_array",
    "DeviceMatrix",
    "DeviceArray",
]
