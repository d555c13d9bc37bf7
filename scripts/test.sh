#!/usr/bin/env bash
# Every test: installs what they need, builds, runs the C++ suite (plain and under
# AddressSanitizer + UndefinedBehaviorSanitizer), runs each libFuzzer target for 10 s when clang is installed,
# checks the installed CMake package, then the Python suite.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
JOBS=$(nproc)
scripts/install-deps.sh

echo "== C++ tests (Release)"
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$JOBS"
ctest --test-dir build --output-on-failure -j"$JOBS"

echo "== C++ tests under AddressSanitizer + UndefinedBehaviorSanitizer"
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DSPARSE_FORMATS_SANITIZE=ON -DSPARSE_FORMATS_BUILD_EXAMPLES=OFF >/dev/null
cmake --build build-asan -j"$JOBS"
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 ctest --test-dir build-asan --output-on-failure -j"$JOBS"

if command -v clang++ >/dev/null 2>&1; then
  echo "== fuzz targets (10 s each)"
  JOBS="$JOBS" scripts/fuzz.sh 10
fi

echo "== installed CMake package: find_package(sparse_formats) from another project"
rm -rf build/install-test && cmake --install build --prefix build/install-test/prefix >/dev/null
cmake -S tests/install -B build/install-test/build -DCMAKE_PREFIX_PATH="$ROOT/build/install-test/prefix" >/dev/null
cmake --build build/install-test/build -j"$JOBS" >/dev/null
build/install-test/build/consumer

if [ -f pyproject.toml ]; then
  echo "== Python tests"
  python3 -m pip install -q --disable-pip-version-check .
  (cd tests/python && python3 -m pytest -q)
fi
