"""Pruners: magnitude (unstructured) and structured (channel, block, n:m), on the C++ core.

prune(weights) returns the pruned copy (the input is never modified) and keeps the keep-mask in
`.mask` (True where a weight survives); prune(weights, return_mask=True) returns both.
The count of pruned units is round-half-up(sparsity * units); ties in magnitude are broken by
position (the earlier entry, row-major, is pruned first), so results are exact and deterministic.
NaN weights raise InvalidArgumentError (ValueError).

float32 and float64 are pruned as they are; bool, integer and float16 weights (e.g. int8 quantized
weights) are ranked through an exact float64 copy and returned in their own dtype.
"""
from __future__ import annotations

import numpy as np

from . import _core
from ._dtypes import strided_ok, to_numpy


def _prune(core, weights, what: str):
    arr = to_numpy(weights)
    if arr.ndim == 1:
        pruned, mask = _prune(core, arr[None, :], what)
        return pruned[0], mask[0]
    if arr.ndim != 2:
        raise _core.InvalidArgumentError(f"{what}: expected a 1-D or 2-D array, got {arr.ndim}-D")
    dt = arr.dtype
    if dt == np.float32 or dt == np.float64:
        work = arr
    elif dt.kind in "biu" and dt.itemsize <= 4 or dt == np.float16:
        work = arr.astype(np.float64)  # exact
    else:
        raise TypeError(f"{what}: weights of dtype {dt} are not supported (real floats, integers up to 32 bits, bool)")
    pruned, mask, _ = getattr(core, f"prune_{work.dtype.name}")(strided_ok(work))
    if pruned.dtype != dt:
        pruned = pruned.astype(dt)
    return pruned, mask.astype(bool)


class MagnitudePruner:
    """Zeroes the fraction `sparsity` of weights with the smallest |w|, over the whole matrix
    (scope='global') or separately in each row (scope='row')."""

    def __init__(self, sparsity: float, scope: str = "global"):
        self._p = _core.MagnitudePruner(float(sparsity), str(scope))
        self.sparsity = float(sparsity)
        self.scope = scope
        self.mask = None  #: keep-mask of the last prune() call

    def prune(self, weights, return_mask: bool = False):
        pruned, self.mask = _prune(self._p, weights, "MagnitudePruner.prune")
        return (pruned, self.mask) if return_mask else pruned

    def __repr__(self) -> str:
        return f"MagnitudePruner(sparsity={self.sparsity}, scope={self.scope!r})"


class StructuredPruner:
    """Structured pruning of a (out, in) weight matrix.

    granularity='channel': whole rows (output channels) of smallest L2 norm;
    'block': whole block_size x block_size tiles of smallest root mean square;
    'n:m': in every group of m consecutive weights of a row keep the n largest (sparsity must be 1 - n/m)."""

    def __init__(self, sparsity: float, granularity: str = "channel", block_size: int = 8, n: int = 2, m: int = 4):
        self._p = _core.StructuredPruner(float(sparsity), str(granularity), int(block_size), int(n), int(m))
        self.sparsity = float(sparsity)
        self.granularity = granularity
        self.block_size, self.n, self.m = int(block_size), int(n), int(m)
        self.mask = None  #: keep-mask of the last prune() call

    def prune(self, weights, return_mask: bool = False):
        pruned, self.mask = _prune(self._p, weights, "StructuredPruner.prune")
        return (pruned, self.mask) if return_mask else pruned

    def __repr__(self) -> str:
        return (f"StructuredPruner(sparsity={self.sparsity}, granularity={self.granularity!r}, "
                f"block_size={self.block_size}, n={self.n}, m={self.m})")
