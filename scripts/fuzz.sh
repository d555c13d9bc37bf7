#!/usr/bin/env bash
# Builds the libFuzzer targets with clang and runs each for SECONDS (default 10), seeded with the
# test files (the products' target builds its matrices from a few bytes: its seeds are the inputs of
# its findings).
# Usage: scripts/fuzz.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_EACH=${1:-10}
JOBS=${JOBS:-$(nproc)}
CXX=clang++ CC=clang cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSPARSE_FORMATS_BUILD_FUZZERS=ON \
  -DSPARSE_FORMATS_BUILD_TESTS=OFF -DSPARSE_FORMATS_BUILD_EXAMPLES=OFF -DSPARSE_FORMATS_BUILD_TOOLS=OFF >/dev/null
cmake --build build-fuzz -j"$JOBS" --target fuzz_matrix_market fuzz_npy fuzz_npz fuzz_safetensors fuzz_products
# The readers also start from the hostile files; the products' target reads at most 25 bytes.
declare -A SEEDS=([fuzz_matrix_market]="tests/data/mtx tests/data/invalid"
                  [fuzz_npy]="tests/data/npy tests/data/nn tests/data/invalid"
                  [fuzz_npz]="tests/data/npz tests/data/expected tests/data/invalid"
                  [fuzz_safetensors]="tests/data/nn tests/data/invalid" [fuzz_products]="tests/data/fuzz_products")
declare -A MAX_LEN=([fuzz_matrix_market]=65536 [fuzz_npy]=65536 [fuzz_npz]=65536 [fuzz_safetensors]=65536
                    [fuzz_products]=64)
for target in fuzz_matrix_market fuzz_npy fuzz_npz fuzz_safetensors fuzz_products; do
  corpus=build-fuzz/corpus/$target
  mkdir -p "$corpus"
  # New inputs go to the first folder (under build-fuzz); the seed folders are only read.
  # -rss_limit_mb and -malloc_limit_mb make an oversized allocation a finding, not a swap storm;
  # -timeout makes an input that runs over 10 s one, not a stalled run.
  log=build-fuzz/$target.log
  status=0
  build-fuzz/fuzz/$target -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=1024 \
    -max_len="${MAX_LEN[$target]}" -print_final_stats=1 -artifact_prefix=build-fuzz/ "$corpus" ${SEEDS[$target]} \
    >"$log" 2>&1 || status=$?
  echo "$target: $(grep -E '^stat::number_of_executed_units' "$log" | awk '{print $2}') executions"
  if [ "$status" -ne 0 ]; then
    grep -E "ERROR|SUMMARY|Test unit written" "$log" || tail -20 "$log"
    exit "$status"
  fi
done
