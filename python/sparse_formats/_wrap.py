"""From a compiled matrix object (what a binding returns) to its public class."""
from __future__ import annotations

from ._block_sparse import BlockSparseMatrix
from ._compressed import CSCMatrix, CSRMatrix

_PUBLIC = {cls._kind: cls for cls in (CSRMatrix, CSCMatrix, BlockSparseMatrix)}


def wrap(core):
    """The CSRMatrix, CSCMatrix or BlockSparseMatrix around `core` (e.g. _core.CSRMatrix_float32_int32);
    anything else is returned unchanged (a dense numpy result, for instance)."""
    cls = _PUBLIC.get(type(core).__name__.rsplit("_", 2)[0])
    return core if cls is None else cls._wrap(core)
