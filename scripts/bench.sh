#!/usr/bin/env bash
# Builds and runs the peer benchmark (ours, Eigen, librsb, OpenBLAS, STREAM triad in one process),
# then scipy.sparse on the same workloads, and prints the ratio table (bench/report.py).
# Usage: scripts/bench.sh [--large] [extra Google Benchmark flags, e.g. --benchmark_filter=...]
# Results go to build-bench/results/: gbench.json, scipy.json, table.md, summary.json.
set -euo pipefail
cd "$(dirname "$0")/.."
LARGE=()
GB_ARGS=()
for a in "$@"; do
  if [ "$a" = "--large" ]; then LARGE=(--large); else GB_ARGS+=("$a"); fi
done
THREADS=${BENCH_THREADS:-2}
cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DSPARSE_FORMATS_BUILD_BENCHMARKS=ON \
  -DSPARSE_FORMATS_BUILD_TESTS=OFF -DSPARSE_FORMATS_BUILD_EXAMPLES=OFF >/dev/null
cmake --build build-bench -j2 --target peer_benchmark >/dev/null
OUT=build-bench/results
mkdir -p "$OUT"
# Every OpenMP contender (ours, Eigen, librsb) sleeps rather than spins between parallel regions:
# on a shared machine spinning threads starve the ones doing the work.
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-passive}
{ date -u; grep -m1 'model name' /proc/cpuinfo; uptime; } > "$OUT/machine.txt"
build-bench/bench/peer_benchmark "${LARGE[@]}" --threads="$THREADS" --benchmark_min_time=0.1 \
  --benchmark_repetitions=3 --benchmark_report_aggregates_only=true \
  --benchmark_out="$OUT/gbench.json" --benchmark_out_format=json "${GB_ARGS[@]}" > "$OUT/gbench.txt"
python3 bench/scipy_bench.py "$OUT/scipy.json" "${LARGE[@]}" --min-time 0.1
uptime >> "$OUT/machine.txt"
python3 bench/report.py "$OUT/gbench.json" --scipy "$OUT/scipy.json" --markdown "$OUT/table.md" --json "$OUT/summary.json"
