#!/usr/bin/env python3
"""Before/after timings of peer_benchmark cases: two or more builds (or settings) run in turn.

Each configuration is a space-separated list of KEY=VALUE: BIN=path picks the peer_benchmark
binary (default build-bench/bench/peer_benchmark), an item starting with -- is passed to it as a
flag (e.g. --operand_offset=16), any other key is set in the environment
(e.g. SPARSE_FORMATS_PANEL_COLUMNS=-1). The configurations run one after the other, twice
round, and each case keeps its fastest time: on a shared machine that is the least disturbed.
The last columns are the first configuration's time / each other configuration's time.

Usage: compare.py FILTER THREADS CONFIG [CONFIG ...]
  python3 bench/compare.py 'op:spmm/format:csr/n:128/layer:4096x4096' 2 \\
      BIN=/tmp/old/bench/peer_benchmark BIN=build-bench/bench/peer_benchmark
"""
import json
import os
import subprocess
import sys

DEFAULT_BIN = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "build-bench", "bench",
                           "peer_benchmark")
UNIT_US = {"ns": 1e-3, "us": 1.0, "ms": 1e3, "s": 1e6}


def run(config, case_filter, threads):
    binary, env = DEFAULT_BIN, dict(os.environ, OMP_WAIT_POLICY=os.environ.get("OMP_WAIT_POLICY", "passive"))
    flags = []
    for item in config.split():
        key, value = item.split("=", 1)
        if key.startswith("--"):
            flags.append(item)
        elif key == "BIN":
            binary = value
        else:
            env[key] = value
    out = subprocess.run([binary, "--large", f"--threads={threads}", f"--benchmark_filter={case_filter}",
                          "--benchmark_min_time=0.1", "--benchmark_repetitions=3", "--benchmark_format=json"] + flags,
                         capture_output=True, text=True, env=env, check=True).stdout
    times = {}
    if not out.strip():  # no case matched the filter
        return times
    for b in json.loads(out)["benchmarks"]:
        if b.get("run_type") != "iteration":
            continue
        name = b["run_name"].removesuffix("/real_time")
        t = b["real_time"] * UNIT_US[b["time_unit"]]
        times[name] = min(times.get(name, t), t)
    return times


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    case_filter, threads, configs = sys.argv[1], sys.argv[2], sys.argv[3:]
    best = [{} for _ in configs]  # by position: the same configuration may be listed twice
    for _ in range(2):
        for i, c in enumerate(configs):
            for name, t in run(c, case_filter, threads).items():
                best[i][name] = min(best[i].get(name, t), t)
    names = sorted(set().union(*(b.keys() for b in best)))
    if not names:
        sys.exit(f"no benchmark matches {case_filter!r}")
    print("case | " + " | ".join(f"[{i}] us" for i in range(len(configs))) + " | " +
          " | ".join(f"[0]/[{i}]" for i in range(1, len(configs))))
    for i, c in enumerate(configs):
        print(f"  [{i}] {c}")
    for n in names:
        t = [b.get(n) for b in best]
        ratios = [f"{t[0] / x:.2f}" if t[0] and x else "-" for x in t[1:]]
        print(f"{n} | " + " | ".join(f"{x:.0f}" if x else "-" for x in t) + " | " + " | ".join(ratios))


if __name__ == "__main__":
    main()
