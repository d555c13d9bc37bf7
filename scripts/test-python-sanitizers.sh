#!/usr/bin/env bash
# The Python suite against an extension built with AddressSanitizer + UndefinedBehaviorSanitizer
# (checks the zero-copy lifetimes: borrowed inputs, views, keep-alive handles). Python itself is not
# instrumented, so the sanitizer runtimes are preloaded and leak checking is off.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
PY=${PYTHON:-python3}
cmake -S . -B build-py-asan -DCMAKE_BUILD_TYPE=Debug -DSPARSE_FORMATS_SANITIZE=ON -DSPARSE_FORMATS_BUILD_PYTHON=ON \
  -DSPARSE_FORMATS_BUILD_TESTS=OFF -DSPARSE_FORMATS_BUILD_EXAMPLES=OFF -DPython_EXECUTABLE="$(command -v "$PY")" >/dev/null
cmake --build build-py-asan -j"$(nproc)"
STAGE=$ROOT/build-py-asan/stage
rm -rf "$STAGE" && mkdir -p "$STAGE"
cp -r python/sparse_formats "$STAGE/"
cp build-py-asan/python/_core*.so "$STAGE/sparse_formats/"
cd tests/python
PYTHONPATH="$STAGE" LD_PRELOAD="$(gcc -print-file-name=libasan.so) $(gcc -print-file-name=libubsan.so)" \
  ASAN_OPTIONS=detect_leaks=0 UBSAN_OPTIONS=print_stacktrace=1 "$PY" -m pytest -q -p no:cacheprovider
