"""Command line of the benchmark suite (the design document's options plus --json and --plot)."""
from __future__ import annotations

import argparse
import os
import platform
import sys

import numpy as np

import sparse_formats as sf

from . import _report, _suites
from ._timing import thread_counts

MEMORY_SPARSITIES = (0.5, 0.7, 0.8, 0.9, 0.95)


def parse(argv):
    p = argparse.ArgumentParser(prog="python -m sparse_formats.benchmark", description=__doc__)
    p.add_argument("--all", action="store_true", help="run every benchmark (the default when none is named)")
    p.add_argument("--benchmark", action="append", choices=["memory", "matvec", "construction"],
                   help="run this benchmark (repeatable)")
    p.add_argument("--size", type=int, default=1000, help="matrix is size x size (default 1000)")
    p.add_argument("--sparsity", type=float, default=None,
                   help="fraction of zeros (default 0.9; memory runs 50%%..95%% unless given)")
    p.add_argument("--repeats", type=int, default=15, help="timed samples per measurement (median reported)")
    p.add_argument("--threads", type=int, default=None,
                   help="threads for ours and for numpy's BLAS (BLAS needs threadpoolctl); default: as configured")
    p.add_argument("--json", metavar="FILE", help="also write every result to FILE as JSON")
    p.add_argument("--plot", metavar="FILE.png", help="also draw the results (needs matplotlib)")
    args = p.parse_args(argv)
    if args.size < 1:
        p.error("--size must be positive")
    if args.sparsity is not None and not 0.0 <= args.sparsity < 1.0:
        p.error("--sparsity must be in [0, 1)")
    if args.repeats < 1:
        p.error("--repeats must be positive")
    if args.threads is not None and args.threads < 1:
        p.error("--threads must be positive")
    return args


def machine(threads) -> dict:
    import scipy

    return {
        "platform": platform.platform(), "processor": platform.processor() or platform.machine(),
        "cpus": os.cpu_count(), "python": platform.python_version(), "numpy": np.__version__,
        "scipy": scipy.__version__, "sparse_formats": sf.__version__, "openmp": sf.has_openmp(), "threads": threads,
    }


def main(argv=None) -> int:
    args = parse(sys.argv[1:] if argv is None else argv)
    if args.threads is None:
        return run(args)
    previous = sf.num_threads()
    sf.set_num_threads(args.threads)
    try:
        try:
            from threadpoolctl import threadpool_limits
        except ImportError:
            print("threadpoolctl is not installed: numpy's BLAS keeps its own thread count", file=sys.stderr)
            return run(args)
        with threadpool_limits(limits=args.threads, user_api="blas"):
            return run(args)
    finally:
        sf.set_num_threads(previous)


def run(args) -> int:
    try:
        import scipy.sparse  # noqa: F401  (every table compares with it)
    except ImportError:
        print("the benchmark compares with scipy.sparse: pip install scipy", file=sys.stderr)
        return 1
    chosen = set(args.benchmark or [])
    if args.all or not chosen:
        chosen = {"memory", "matvec", "construction"}
    sparsity = 0.9 if args.sparsity is None else args.sparsity
    threads = thread_counts()
    report = {
        "machine": machine(threads),
        "config": {"size": args.size, "sparsity": sparsity, "repeats": args.repeats, "dtype": "float32",
                   "index_dtype": "int32", "block_size": _suites.BLOCK_SIZE},
    }
    blas = "unknown (install threadpoolctl)" if threads["numpy"] is None else threads["numpy"]
    print(f"sparse_formats {sf.__version__} benchmark: {args.size}x{args.size} float32, int32 indices, "
          f"median of {args.repeats} runs after warm-up")
    print(f"threads: dense numpy (BLAS) = {blas}, scipy.sparse = 1, sparse_formats = {threads['ours']}; "
          f"{report['machine']['cpus']} CPUs, {report['machine']['processor']}")

    if "memory" in chosen:
        sparsities = MEMORY_SPARSITIES if args.sparsity is None else (args.sparsity,)
        report["memory"] = _suites.memory(args.size, sparsities)
        print(f"\n## Memory (true bytes of the stored arrays, block-sparse {_suites.BLOCK_SIZE}x{_suites.BLOCK_SIZE})")
        print(_report.memory_table(report["memory"]))
    if "matvec" in chosen:
        report["products"] = _suites.products(args.size, sparsity, args.repeats)
        print(f"\n## Products at {sparsity:.0%} sparsity (batch 1 is a vector; time per call)")
        print(_report.products_table(report["products"]))
    if "construction" in chosen:
        report["construction"] = _suites.construction(args.size, sparsity, args.repeats)
        print(f"\n## Construction at {sparsity:.0%} sparsity")
        print(_report.construction_table(report["construction"]))

    if args.json:
        _report.write_json(args.json, report)
        print(f"\nwrote {args.json}")
    if args.plot:
        try:
            _report.plot(args.plot, report)
        except ImportError:
            print("--plot needs matplotlib (pip install matplotlib)", file=sys.stderr)
            return 1
        print(f"wrote {args.plot}")
    return 0
