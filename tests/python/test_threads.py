"""Several Python threads using the same and their own matrices at once get correct results (the GIL
is released inside the kernels, so these calls really overlap)."""
from concurrent.futures import ThreadPoolExecutor

import numpy as np

import sparse_formats as sf
from conftest import random_sparse


def test_threads_share_one_matrix(rng):
    dense = random_sparse(rng, (400, 300), 0.1, np.float32)
    shared = [sf.CSRMatrix.from_dense(dense), sf.CSCMatrix.from_dense(dense),
              sf.BlockSparseMatrix.from_dense(dense, block_size=8)]
    operands = [rng.standard_normal((300, 16)).astype(np.float32) for _ in range(8)]
    grads = [rng.standard_normal((400, 16)).astype(np.float32) for _ in range(8)]
    d64 = dense.astype(np.float64)

    def work(i):
        out = []
        for _ in range(10):
            for m in shared:
                out.append((m @ operands[i], m.transpose_matmul(grads[i])))
        return out

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(work, range(8)))
    for i, out in enumerate(results):
        for y, g in out:
            np.testing.assert_allclose(y, d64 @ operands[i], rtol=1e-4, atol=1e-4)
            np.testing.assert_allclose(g, d64.T @ grads[i], rtol=1e-4, atol=1e-4)


def test_threads_build_and_drop_their_own_matrices(rng):
    seeds = list(range(16))

    def work(seed):
        local = np.random.default_rng(seed)
        dense = random_sparse(local, (120, 90), 0.2)
        values = sf.CSRMatrix.from_dense(dense)
        borrowed = sf.CSRMatrix(values.values.copy(), values.col_indices.copy(), values.row_ptr.copy(), dense.shape)
        x = local.standard_normal(90)
        return dense @ x, borrowed @ x, (borrowed.T @ local.standard_normal(120)).shape

    with ThreadPoolExecutor(max_workers=4) as pool:
        for expected, got, shape in pool.map(work, seeds):
            np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)
            assert shape == (90,)


def test_products_release_the_gil(rng):
    """With a 5 s switch interval a thread that keeps the GIL blocks every other thread for its whole
    loop; the main thread wakes while the worker is still multiplying only if the kernels release it."""
    import sys
    import threading

    dense = random_sparse(rng, (600, 600), 0.2, np.float32)
    a = sf.CSRMatrix.from_dense(dense)
    x = rng.standard_normal((600, 8)).astype(np.float32)
    started = threading.Event()
    done = []

    def worker():
        started.set()
        for _ in range(300):
            a @ x
        done.append(True)

    previous = sys.getswitchinterval()
    sys.setswitchinterval(5.0)
    try:
        thread = threading.Thread(target=worker)
        thread.start()
        started.wait()
        worker_still_running = not done
        thread.join()
    finally:
        sys.setswitchinterval(previous)
    assert worker_still_running
