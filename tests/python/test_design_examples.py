"""The design document's code examples for the formats, as written there except for the import line
(`from src.compute.sparse_formats import ...` -> `from sparse_formats import ...`). Each runs with exec in
a namespace that defines what the document leaves to the reader (weights, x, a data loader ...), and
the test then checks what the example computed. The selector and pruner examples live with them."""
import textwrap

import numpy as np
import pytest

import sparse_formats as sf


def run_example(source: str, **names) -> dict:
    namespace = {"np": np, **names}
    exec(textwrap.dedent(source), namespace)
    return namespace


def pruned_weights(rng, shape=(256, 512), keep=0.1, dtype=np.float32):
    w = rng.standard_normal(shape).astype(dtype)
    return w * (rng.random(shape) < keep)


CSR_USAGE = """
from sparse_formats import CSRMatrix

# Create from dense
dense = np.random.randn(256, 512).astype(np.float32)
mask = np.random.rand(256, 512) > 0.9  # 90% sparse
sparse_weights = dense * mask

csr = CSRMatrix.from_dense(sparse_weights)

# Forward pass
x = np.random.randn(512).astype(np.float32)
output = csr.sparse_matmul(x)  # Shape: (256,)

# Statistics
stats = csr.get_statistics()
print(f"Compression: {stats.compression_ratio:.2f}x")
print(f"Memory saved: {(stats.memory_dense - stats.memory_sparse) / 1024 / 1024:.2f} MB")

# Reconstruct
reconstructed = csr.to_dense()
assert np.allclose(reconstructed, sparse_weights)
"""

CSC_USAGE = """
from sparse_formats import CSCMatrix

# Create from dense
csc = CSCMatrix.from_dense(sparse_weights)

# Backward pass (transpose multiplication)
gradient = np.random.randn(256).astype(np.float32)
backprop = csc.transpose_matmul(gradient)  # A.T @ g - EFFICIENT!

# Convert from CSR
csr = CSRMatrix.from_dense(weights)
csc = CSCMatrix.from_csr(csr)

# Statistics
stats = csc.get_statistics()
print(f"Sparsity: {stats.sparsity*100:.1f}%")
"""

BLOCK_USAGE = """
from sparse_formats import BlockSparseMatrix

# Create block-sparse (8×8 for RX 580)
bsm = BlockSparseMatrix.from_dense(
    weights,
    block_size=8,        # RX 580 wavefront size
    threshold=0.20       # Keep blocks with 20%+ density
)

# Forward pass
output = bsm.sparse_matmul(x)

# Statistics
stats = bsm.get_statistics()
print(f"Blocks: {stats['num_blocks']}")
print(f"Wavefront aligned: {stats['wavefront_aligned']}")  # True for 8×8
print(f"Storage efficiency: {stats['storage_efficiency']*100:.1f}%")

# Try different block sizes
for bs in [4, 8, 16]:
    bsm = BlockSparseMatrix.from_dense(weights, block_size=bs, threshold=0.1)
    print(f"{bs}×{bs}: {bsm.num_blocks} blocks, "
          f"{bsm.get_statistics()['compression_ratio']:.2f}x compression")
"""

TRAINING_LOOP = """
# Setup
weights_csr = CSRMatrix.from_dense(weights)  # Forward
weights_csc = CSCMatrix.from_csr(weights_csr)  # Backward

for epoch in range(num_epochs):
    for batch_x, batch_y in dataloader:
        # Forward pass (CSR)
        hidden = weights_csr.sparse_matmul(batch_x.T).T  # (batch, hidden)
        
        # ... activation, loss ...
        
        # Backward pass (CSC)
        grad_input = weights_csc.transpose_matmul(grad_hidden.T).T
        
        # Update weights (maintain sparsity)
        # ... gradient descent with mask ...
"""

CONSTRUCTION_COST = """
# ✓ GOOD: Convert once, use many times
csr = CSRMatrix.from_dense(weights)
for i in range(1000):
    output = csr.sparse_matmul(inputs[i])

# ✗ BAD: Convert every time
for i in range(1000):
    csr = CSRMatrix.from_dense(weights)  # Unnecessary overhead!
    output = csr.sparse_matmul(inputs[i])
"""

TRAINING_VS_INFERENCE = """
# ✓ GOOD: Different formats for different phases
weights_csr = CSRMatrix.from_dense(weights)  # Inference
weights_csc = CSCMatrix.from_csr(weights_csr)  # Training

# Forward: use CSR
output = weights_csr.sparse_matmul(x)

# Backward: use CSC
grad = weights_csc.transpose_matmul(grad_output)
"""

BLOCK_SIZE = """
# ✓ GOOD: Use 8×8 for RX 580
bsm = BlockSparseMatrix.from_dense(weights, block_size=8)

# ○ OK: Other sizes for specific cases
bsm_fine = BlockSparseMatrix.from_dense(weights, block_size=4)  # More flexible
bsm_coarse = BlockSparseMatrix.from_dense(weights, block_size=16)  # Less overhead

# ✗ BAD: Random block size
bsm = BlockSparseMatrix.from_dense(weights, block_size=7)  # Not power of 2!
"""

MEMORY_MANAGEMENT = """
# ✓ GOOD: Clear dense after conversion
dense_weights = load_weights()
sparse_weights = CSRMatrix.from_dense(dense_weights)
del dense_weights  # Free memory

# ✓ GOOD: Check compression ratio
stats = sparse_weights.get_statistics()
if stats.compression_ratio < 1.5:
    print("Warning: low compression, consider dense")
"""


def test_csr_usage(capsys):
    ns = run_example(CSR_USAGE)
    assert ns["output"].shape == (256,) and ns["output"].dtype == np.float32
    np.testing.assert_allclose(ns["output"], ns["sparse_weights"].astype(np.float64) @ ns["x"], rtol=1e-4, atol=1e-4)
    stats = ns["stats"]
    assert isinstance(stats, sf.SparseMatrixStats)
    # 8 bytes per non-zero (float32 value + int32 index) plus 257 int32 row pointers: true bytes, not the
    # document's table.
    assert stats.memory_sparse == 8 * stats.nnz + 4 * 257
    assert stats.memory_dense == 256 * 512 * 4
    assert "Compression:" in capsys.readouterr().out


def test_csc_usage(rng, capsys):
    weights = pruned_weights(rng)
    ns = run_example(CSC_USAGE, sparse_weights=weights, weights=weights, CSRMatrix=sf.CSRMatrix)
    assert ns["backprop"].shape == (512,)
    np.testing.assert_allclose(ns["backprop"], weights.T.astype(np.float64) @ ns["gradient"], rtol=1e-4, atol=1e-4)
    np.testing.assert_array_equal(ns["csc"].to_dense(), weights)
    assert abs(ns["stats"].sparsity - (1 - np.count_nonzero(weights) / weights.size)) < 1e-12
    assert "Sparsity:" in capsys.readouterr().out


def test_block_sparse_usage(rng, capsys):
    weights = pruned_weights(rng, keep=0.3)
    x = rng.standard_normal(512).astype(np.float32)
    ns = run_example(BLOCK_USAGE, weights=weights, x=x)
    stats = ns["stats"]
    assert stats["wavefront_aligned"] is True
    for key in ["num_blocks", "wavefront_aligned", "storage_efficiency", "compression_ratio", "dropped_nnz",
                "dropped_norm_fraction"]:
        assert key in stats
    # threshold=0.20 drops blocks under 20% density, and says what it dropped.
    kept = sf.BlockSparseMatrix.from_dense(weights, block_size=8, threshold=0.20).to_dense()
    dropped = weights[kept == 0]
    assert stats["dropped_nnz"] == np.count_nonzero(dropped)
    np.testing.assert_allclose(ns["output"], kept.astype(np.float64) @ x, rtol=1e-4, atol=1e-4)
    assert capsys.readouterr().out.count("compression") == 3


def test_training_loop(rng):
    weights = pruned_weights(rng)
    batches = [(rng.standard_normal((16, 512)).astype(np.float32), None) for _ in range(2)]
    grad_hidden = rng.standard_normal((16, 256)).astype(np.float32)
    ns = run_example(TRAINING_LOOP, weights=weights, num_epochs=2, dataloader=batches, grad_hidden=grad_hidden,
                     CSRMatrix=sf.CSRMatrix, CSCMatrix=sf.CSCMatrix)
    w64 = weights.astype(np.float64)
    np.testing.assert_allclose(ns["hidden"], batches[-1][0] @ w64.T, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(ns["grad_input"], grad_hidden @ w64, rtol=1e-4, atol=1e-4)
    assert ns["hidden"].shape == (16, 256) and ns["grad_input"].shape == (16, 512)


def test_construction_cost_best_practice(rng):
    weights = pruned_weights(rng, shape=(32, 64))
    inputs = rng.standard_normal((1000, 64)).astype(np.float32)
    ns = run_example(CONSTRUCTION_COST, weights=weights, inputs=inputs, CSRMatrix=sf.CSRMatrix)
    np.testing.assert_allclose(ns["output"], weights.astype(np.float64) @ inputs[999], rtol=1e-4, atol=1e-4)


def test_training_vs_inference_best_practice(rng):
    weights = pruned_weights(rng)
    x = rng.standard_normal(512).astype(np.float32)
    grad_output = rng.standard_normal(256).astype(np.float32)
    ns = run_example(TRAINING_VS_INFERENCE, weights=weights, x=x, grad_output=grad_output,
                     CSRMatrix=sf.CSRMatrix, CSCMatrix=sf.CSCMatrix)
    np.testing.assert_allclose(ns["grad"], weights.T.astype(np.float64) @ grad_output, rtol=1e-4, atol=1e-4)


def test_block_size_best_practice(rng):
    weights = pruned_weights(rng, keep=0.3)
    ns = run_example(BLOCK_SIZE, weights=weights, BlockSparseMatrix=sf.BlockSparseMatrix)
    # Any block size works (7 is legal, only not a power of two); every conversion is lossless by default.
    for name, bs in [("bsm", 7), ("bsm_fine", 4), ("bsm_coarse", 16)]:
        assert ns[name].block_size == bs
        np.testing.assert_array_equal(ns[name].to_dense(), weights)


@pytest.mark.parametrize("keep", [0.05, 0.9])
def test_memory_management_best_practice(rng, capsys, keep):
    weights = pruned_weights(rng, keep=keep)
    ns = run_example(MEMORY_MANAGEMENT, load_weights=lambda: weights.copy(), CSRMatrix=sf.CSRMatrix)
    assert "dense_weights" not in ns
    warned = "Warning: low compression" in capsys.readouterr().out
    assert warned == (ns["stats"].compression_ratio < 1.5)
    assert warned == (keep == 0.9)


def test_block_diagonal_storage_example(rng):
    # "blocks = [B1, B2, B3]; block_indices = [(0,0), (1,1), (2,2)]; block_size = 8"
    blocks = [rng.standard_normal((8, 8)) for _ in range(3)]
    bsm = sf.BlockSparseMatrix(blocks, [(0, 0), (1, 1), (2, 2)], 8, (24, 24))
    expected = np.zeros((24, 24))
    for k, b in enumerate(blocks):
        expected[8 * k:8 * k + 8, 8 * k:8 * k + 8] = b
    np.testing.assert_array_equal(bsm.to_dense(), expected)
    assert bsm.num_blocks == 3 and bsm.block_indices.tolist() == [[0, 0], [1, 1], [2, 2]]
    assert bsm.get_statistics()["wavefront_aligned"] is True
    # positions in any order give the same matrix; an empty list gives an empty matrix
    shuffled = sf.BlockSparseMatrix(blocks[::-1], [(2, 2), (1, 1), (0, 0)], 8, (24, 24))
    np.testing.assert_array_equal(shuffled.to_dense(), expected)
    assert sf.BlockSparseMatrix([], [], 8, (24, 24)).nnz == 0
