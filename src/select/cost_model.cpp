// Estimated time of one product per format, in nanoseconds of one thread of the development
// machine (x86-64, 2 cores, GCC -O3 without -march). Each constant is a per-entry or
// per-slice cost read off single-thread timings of our kernels and of the dense baseline
// (src/select/dense_product.cpp) on the 1000x1000 workloads of
// `SPARSE_FORMATS_NUM_THREADS=1 build/examples/selector_table --quick --csv`, where a cost
// c_entry + batch * c_column per stored entry fits both spmv (batch 1) and spmm (batch 32)
// within about 30%. They rank formats; tune=true measures the real machine instead.
#include <algorithm>
#include <cmath>

#include "sparse_formats/selector.hpp"

namespace sparse_formats {

namespace {

// The multiply-add per stored entry and column of x: vectorised across the batch by every
// kernel, so one value for all formats (dense spmm: 3.5 ns per entry at batch 32).
constexpr double kPerColumn = 0.11;
// Per stored entry, independent of the batch:
// dense rows stream contiguously with no index (dense spmv: 0.13 ns per entry);
constexpr double kDenseEntry = 0.02;
// CSR row gather y_i += a_ij x_j: value, index and indirect x loads, and at batch 1 a
// dependency through y_i in memory (CSR spmv: 2.0 ns per non-zero; ~0.4 once csr_rows keeps
// the batch-1 sum in a register, docs/selector.md);
constexpr double kGatherEntry = 1.9;
// scatter y_j += a_ij x_i, independent updates (CSC spmv, CSR A^T x: 0.9 ns per non-zero);
constexpr double kScatterEntry = 0.8;
// block-sparse, per stored value, padding included (BSR spmv: 0.85 ns per stored value).
constexpr double kBlockEntry = 0.75;
// Per block: its column index and loop setup.
constexpr double kPerBlock = 5.0;
// Per major slice (CSR row, CSC column, block row): pointer loads and loop setup (the
// 99%-sparse spmv times minus their per-entry part: about 4 ns per row).
constexpr double kPerSlice = 4.0;
// Per output element and column: zeroing y, and for scatter kernels the partial-result reduction.
constexpr double kPerOutput = 0.3;
// Beyond the cache a product cannot run faster than its matrix streams from memory: 4096x4096
// dense spmv (67 MB) took at best 5.5 ms = 0.083 ns per byte, against 0.033 ns per byte for the
// 4 MB 1000x1000 one, which stays in cache. The floor applies above kCacheBytes, a point between
// those two measurements.
constexpr double kStreamNsPerByte = 0.083;
constexpr double kCacheBytes = 32.0 * 1024 * 1024;

double stream_floor(std::size_t bytes) {
  const auto b = static_cast<double>(bytes);
  return b > kCacheBytes ? b * kStreamNsPerByte : 0.0;
}

double compute_cost(const SparsityAnalysis& a, Format f, const SelectOptions& o) {
  const double b = o.op == Operation::spmm ? static_cast<double>(std::max<std::int64_t>(o.batch, 1)) : 1.0;
  const bool t = o.preferred_op == PreferredOp::col;  // y = A^T x
  const double rows = static_cast<double>(a.shape.rows), cols = static_cast<double>(a.shape.cols);
  const double nnz = static_cast<double>(a.nnz);
  const double out = (t ? cols : rows) * b;  // elements of y
  switch (f) {
    case Format::dense:
      return rows * cols * (kDenseEntry + b * kPerColumn) + out * kPerOutput;
    case Format::csr:
    case Format::csc: {
      // CSR gathers for A x and scatters for A^T x; CSC is the other way round.
      const bool gather = (f == Format::csr) != t;
      const double slices = f == Format::csr ? rows : cols;
      const double scatter_outputs = gather ? 1.0 : 2.0;  // zeroing, plus the reduction
      return nnz * ((gather ? kGatherEntry : kScatterEntry) + b * kPerColumn) + slices * kPerSlice +
             out * kPerOutput * scatter_outputs;
    }
    case Format::block_sparse: {
      const double blocks = static_cast<double>(a.nonempty_blocks);
      const double stored = blocks * static_cast<double>(a.block_size * a.block_size);
      const double block_rows = a.block_size > 0 ? std::ceil(rows / static_cast<double>(a.block_size)) : 0.0;
      return stored * (kBlockEntry + b * kPerColumn) + blocks * kPerBlock + block_rows * kPerSlice +
             out * kPerOutput * (t ? 2.0 : 1.0);
    }
  }
  return 0.0;
}

}  // namespace

double estimate_cost(const SparsityAnalysis& a, Format f, const SelectOptions& o) {
  return std::max(compute_cost(a, f, o), stream_floor(a.bytes(f)));
}

}  // namespace sparse_formats
