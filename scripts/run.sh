#!/usr/bin/env bash
# The main job: build the library and run the basic workflow example.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DSPARSE_FORMATS_BUILD_TESTS=OFF >/dev/null
cmake --build build -j"$(nproc)" --target basic_workflow >/dev/null
./build/examples/basic_workflow
