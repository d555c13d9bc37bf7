"""Regenerates default_layer.npz, the matrix `sparse-formats analyze` runs on when given no file.

Source: fc1.weight (500 x 784, float32) of the MNIST MLP in ggerganov/ggml (MIT licence), commit
73999158eee3d493585fad2262a6675e7de90f8b, extracted unchanged to ../shared/data/nn/ggml_mnist_mlp/fc1.weight.npy.
Pruning: global magnitude pruning to 90% sparsity with the library's rule (MagnitudePruner): the
round-half-up(0.9 * 392000) = 352800 entries of smallest |w| are zeroed, ties broken by row-major position.
Stored with scipy.sparse.save_npz (csr_matrix, float32 values, int32 indices, deflate-compressed).
Run from the repository root: python3 tools/data/make_default_layer.py
"""
import math
import pathlib

import numpy as np
import scipy.sparse as sp

here = pathlib.Path(__file__).parent
src = here.parent.parent.parent / "shared" / "data" / "nn" / "ggml_mnist_mlp" / "fc1.weight.npy"
w = np.load(src).astype(np.float32)
sparsity = 0.9
k = int(math.floor(sparsity * w.size + 0.5))
order = np.lexsort((np.arange(w.size), np.abs(w).ravel()))  # |w| ascending, then position
pruned = w.ravel().copy()
pruned[order[:k]] = 0
pruned = pruned.reshape(w.shape)
m = sp.csr_matrix(pruned)
m.indices = m.indices.astype(np.int32)
m.indptr = m.indptr.astype(np.int32)
sp.save_npz(here / "default_layer.npz", m, compressed=True)
print(m.shape, m.nnz, 1 - m.nnz / w.size)
