#!/usr/bin/env bash
# The main job: build the library and the sparse-formats program, and analyze its embedded default layer.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DSPARSE_FORMATS_BUILD_TESTS=OFF >/dev/null
cmake --build build -j"$(nproc)" --target sparse-formats >/dev/null
./build/tools/sparse-formats analyze
