"""Plan: a sparse product prepared once (SpmmPlan in C++) and run many times."""
from __future__ import annotations

import numpy as np

from . import _core
from ._dtypes import product_operand


class Plan:
    """A @ X or A.T @ X prepared for one batch size; made by SparseMatrix.plan().

        plan = A.plan(batch=1)        # once: thread split, and a copy of the arrays where it pays
        y = plan(x)                   # many times; plan.run(x, out=y) reuses an output array

    Results equal A @ x to rounding (bit for bit where the plan keeps no reordering copy). The
    plan keeps A's arrays alive. The GIL is released while it runs."""

    __slots__ = ("_p", "_dtype", "_what")

    @classmethod
    def _wrap(cls, core, dtype, what: str):
        obj = cls.__new__(cls)
        obj._p, obj._dtype, obj._what = core, np.dtype(dtype), what
        return obj

    def run(self, x, out=None) -> np.ndarray:
        """op(A) @ x for x of shape (n,) (batch 1) or (n, batch); into `out` when given (a
        C-contiguous array of the result's shape and the matrix's dtype)."""
        p = self._p
        rows, cols = p.shape
        xa, x2 = product_operand(x, self._dtype, f"{self._what}.run")
        if xa.ndim == 1 and p.batch != 1:
            raise _core.ShapeMismatchError(
                f"{self._what}.run: planned for {p.batch} columns, got a vector of shape {xa.shape}")
        shape = (rows,) if xa.ndim == 1 else (rows, x2.shape[1])
        if out is None:
            y = np.empty(shape, dtype=self._dtype)
        else:
            if not isinstance(out, np.ndarray) or out.dtype != self._dtype or out.shape != shape \
                    or not out.flags.c_contiguous or not out.flags.writeable:
                raise _core.InvalidArgumentError(
                    f"{self._what}.run: out must be a writeable C-contiguous {self._dtype} array of shape {shape}")
            y = out
        p.run_into(x2, y.reshape(rows, x2.shape[1]))
        return y

    __call__ = run

    @property
    def shape(self) -> tuple:
        """Shape of op(A)."""
        return tuple(self._p.shape)

    @property
    def batch(self) -> int:
        return self._p.batch

    @property
    def threads(self) -> int:
        """Threads the CPU kernels use for this plan."""
        return self._p.threads

    @property
    def panel_columns(self) -> int:
        """Cache-blocking panel width of the CSR kernels with a batch (0: the plain kernel)."""
        return self._p.panel_columns

    @property
    def batch_columns(self) -> int:
        """Columns per batch group of CSR A x whose x takes a core's whole L2 cache (0: the
        whole batch at once): x is copied in groups that each fit half of L2."""
        return self._p.batch_columns

    @property
    def tiled(self) -> bool:
        """Whether the plan runs on a tiled copy of op(A) (one vector, x beyond the caches)."""
        return self._p.tiled

    @property
    def sliced(self) -> bool:
        """Whether the plan runs on a sliced copy of op(A) (one vector, short rows: 16 rows per
        vector, one row per lane; each output sums its row's terms in the row's order)."""
        return self._p.sliced

    @property
    def extra_bytes(self) -> int:
        """Memory held by the plan's copies, besides the matrix's own arrays."""
        return self._p.extra_bytes

    def __repr__(self) -> str:
        return (f"<Plan of {self._what.split('.')[0]} op shape {self.shape}, batch {self.batch}, "
                f"{self.threads} threads, tiled={self.tiled}, sliced={self.sliced}, extra_bytes={self.extra_bytes}>")
