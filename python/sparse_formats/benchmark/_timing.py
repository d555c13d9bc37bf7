"""Timing and thread accounting: median of repeated samples after a warm-up."""
from __future__ import annotations

import statistics
import time

import sparse_formats


def measure(fn, repeats: int, min_sample_s: float = 2e-3) -> float:
    """Median seconds per call of fn(). Each sample loops fn enough times to last about
    min_sample_s, so clock resolution does not matter for microsecond operations."""
    fn()  # warm-up: first-touch allocations, caches, thread pools
    start = time.perf_counter()
    fn()
    single = max(time.perf_counter() - start, 1e-7)
    number = max(1, int(min_sample_s / single))
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        samples.append((time.perf_counter() - start) / number)
    return statistics.median(samples)


def thread_counts() -> dict:
    """Threads each contender computes with: numpy's BLAS (threadpoolctl when installed),
    scipy.sparse (its sparse kernels are single-threaded) and ours."""
    blas = None
    try:
        from threadpoolctl import threadpool_info

        pools = [p for p in threadpool_info() if p.get("user_api") == "blas"]
        if pools:
            blas = max(p["num_threads"] for p in pools)
    except ImportError:
        pass
    return {"numpy": blas, "scipy": 1, "ours": sparse_formats.num_threads()}
