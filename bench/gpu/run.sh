#!/usr/bin/env bash
# Builds the GPU benchmark, checks every result against the CPU backend and times our OpenCL kernels
# on the chosen OpenCL device, with cuSPARSE and dense cuBLAS fp32 beside them where CUDA is available.
#   bench/gpu/run.sh                 the full grid (2M x 2M SpMV; 768x3072, 3072x768, 4096x4096 layers)
#   bench/gpu/run.sh --quick         a small grid for CPU OpenCL devices (PoCL)
#   SPARSE_FORMATS_OPENCL_DEVICE=1 bench/gpu/run.sh --csv out.csv
# Environment: BUILD_DIR (default build-gpu-bench), JOBS (default: all cores), CUDA=OFF to skip the peers.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
BUILD="${BUILD_DIR:-$ROOT/build-gpu-bench}"
JOBS="${JOBS:-$(nproc)}"
PATH="$PATH:/usr/local/cuda/bin"
cmake -S "$HERE" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DGPU_BENCH_WITH_CUDA="${CUDA:-ON}" >/dev/null
cmake --build "$BUILD" -j"$JOBS" --target gpu_bench >/dev/null
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv,noheader || true
exec "$BUILD/gpu_bench" "$@"
