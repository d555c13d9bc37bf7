"""The benchmark suite: sparse_formats against dense numpy and scipy.sparse, measured in one process.

    python -m sparse_formats.benchmark --all
    python -m sparse_formats.benchmark --benchmark memory --size 1000
    python -m sparse_formats.benchmark --benchmark matvec --sparsity 0.9
    python -m sparse_formats.benchmark --benchmark construction
    python -m sparse_formats.benchmark --size 5000 --sparsity 0.95 --json out.json --plot out.png

Tables: memory per format in true bytes; A @ X and A.T @ X for batch 1, 32 and 128; construction from
dense and CSR -> CSC conversion. Times are medians of repeated runs after a warm-up, with
speed-up columns (scipy time / our time, dense time / our time), and the threads each contender used.
"""
from ._cli import main

__all__ = ["main"]
