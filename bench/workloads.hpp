// The benchmark workloads, generated from a counter-based hash so that bench/scipy_bench.py
// builds bit-identical matrices in numpy (same formulas, see workloads.py).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace bench {

// splitmix64: the hash every random draw comes from.
inline std::uint64_t mix(std::uint64_t x) {
  std::uint64_t z = x + 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}
inline double unit(std::uint64_t h) { return static_cast<double>(h >> 11) * 0x1.0p-53; }  // [0, 1)

enum class Kind { layer, blocks, graph_uniform, graph_powerlaw, dlmc };

struct Workload {
  std::string name;        // machine-readable: "layer:4096x4096/sparsity:0.9"
  Kind kind = Kind::layer;
  std::int64_t rows = 0, cols = 0;
  double sparsity = 0;     // layer: fraction of zeros; blocks: 1 - block density
  std::string path;        // dlmc: the .smtx file
  bool large = false;      // only with --large (the 2M x 2M graphs)
};

// CSR arrays (float values, int32 indices) of a workload.
struct Csr {
  std::int64_t rows = 0, cols = 0;
  std::vector<std::int32_t> indptr, indices;
  std::vector<float> data;
};

std::vector<Workload> all_workloads(const std::string& dlmc_root);
Csr make_csr(const Workload& w);
// The dense form (rows x cols, row-major) of a layer or block workload.
std::vector<float> make_dense(const Workload& w);

}  // namespace bench
