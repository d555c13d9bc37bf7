#!/usr/bin/env bash
# One prepared run for a machine with a GPU: builds, runs the OpenCL test suite on the GPU (the same
# tests CI runs on PoCL), then the benchmark with its peers, and leaves the outputs in OUT (default
# build-gpu-check/). Needs the packages of scripts/install-deps.sh plus the vendor's OpenCL ICD.
#   OUT=/tmp/out bench/gpu/device_check.sh [benchmark options, e.g. --quick]
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
OUT="${OUT:-$ROOT/build-gpu-check}"
JOBS="${JOBS:-$(nproc)}"
mkdir -p "$OUT"
clinfo -l 2>&1 | tee "$OUT/clinfo.txt" || true
cmake -S "$ROOT" -B "$ROOT/build-gpu-tests" -DCMAKE_BUILD_TYPE=Release -DSPARSE_FORMATS_WITH_OPENCL=ON \
      -DSPARSE_FORMATS_BUILD_EXAMPLES=OFF >/dev/null
cmake --build "$ROOT/build-gpu-tests" -j"$JOBS" --target sparse_formats_opencl_tests >/dev/null
# The default device is the first GPU (SPARSE_FORMATS_OPENCL_DEVICE overrides).
"$ROOT/build-gpu-tests/tests/cpp/sparse_formats_opencl_tests" 2>&1 | tee "$OUT/opencl_tests.txt" | tail -5
BUILD_DIR="$ROOT/build-gpu-bench" "$HERE/run.sh" --csv "$OUT/gpu_bench.csv" "$@" 2>&1 | tee "$OUT/gpu_bench.txt"
