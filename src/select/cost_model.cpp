// Estimated time of one product per format, in nanoseconds of one thread of the development
// machine (x86-64 with AVX-512, 2 cores, GCC -O3 without -march; the kernels pick their SIMD
// level at run time). Each constant is a per-entry or per-slice cost read off single-thread
// timings of the CPU kernels (src/kernels/cpu) and of the dense baseline
// (src/select/dense_product.cpp) on the 1000x1000 workloads of
// `SPARSE_FORMATS_NUM_THREADS=1 build/examples/selector_table --quick --csv`: per stored entry,
// c_entry (the product with one column, spmv) + (batch - 1) * c_column, fitted to spmv and to
// spmm with batch 32. They rank formats;
// tune=true measures the real machine instead.
#include <algorithm>
#include <cmath>

#include "sparse_formats/selector.hpp"

namespace sparse_formats {

namespace {

// Per stored entry and kernel kind: c_entry (spmv) and c_column (each further column of x).
// The 1000x1000 timings, per stored entry, at 50..95% sparsity:
// dense row-major loop (dense_product.cpp): spmv 0.16-0.20 ns; spmm b=32 5.0-6.0 ns (it loads and
// stores the batch row of y for every entry, so it scales with the batch);
constexpr double kDenseEntry = 0.165;
constexpr double kDenseColumn = 0.165;
// A dense matrix that fits the core's L2 (2 MiB, lscpu) streams from there about twice as fast,
// while the sparse kernels, bound by their index and gather work, do not speed up: the 1.5 MB
// 500x784 layer of `SPARSE_FORMATS_NUM_THREADS=1 sparse-formats analyze --tune` measured dense spmv
// 33.8 us = 0.086 ns per entry, and CSR 10.0 us = 0.255 ns per non-zero as on 1000x1000.
constexpr double kDenseEntryInL2 = 0.086;
constexpr double kL2Bytes = 2.0 * 1024 * 1024;
// gather y_i += a_ij x_j (CSR A x, CSC A^T x): spmv 0.21-0.31 ns per non-zero (SIMD gathers of
// x); spmm b=32 0.8-1.4 ns (the batch row of y stays in registers while x rows stream);
constexpr double kGatherEntry = 0.25;
constexpr double kGatherColumn = 0.024;
// scatter y_j += a_ij x_i (CSC A x, CSR A^T x): spmv 0.40-0.58 ns per non-zero; spmm b=32
// 1.8-3.3 ns (every non-zero loads and stores a batch row of y);
constexpr double kScatterEntry = 0.44;
constexpr double kScatterColumn = 0.06;
// block-sparse A x, per stored value (padding included): spmv 0.12-0.20 ns; spmm b=32 0.35-0.47 ns
// (unrolled 8x8 blocks, accumulators in registers);
constexpr double kBlockEntry = 0.13;
constexpr double kBlockColumn = 0.009;
// block-sparse A^T x, per stored value: spmv 0.48-0.53 ns (the transposed block loop scatters
// into y).
// Its batch term is not measured by the table; kBlockColumn is assumed.
constexpr double kBlockScatterEntry = 0.50;
// Per block: its column index and loop setup (99%-sparse block-pruned BSR spmv: 1.45 us for
// 156 blocks, against 1.2 us for their values).
constexpr double kPerBlock = 1.0;
// Per major slice (CSR row, CSC column, block row): pointer loads, loop setup and the SIMD tail
// of a short row (99%-sparse CSR spmv: 5.5 us, of which 2.5 us for its 10K non-zeros, over 1000
// rows).
constexpr double kPerSlice = 3.0;
// Per output element and column: zeroing y (twice for scatter kernels: zeroing, and with
// several threads the partial-result reduction).
constexpr double kPerOutput = 0.1;
// Beyond the cache a product cannot run faster than its matrix streams from memory. In the
// full `SPARSE_FORMATS_NUM_THREADS=1 build/examples/selector_table`, 4096x4096 dense spmv (67 MB)
// took 3.3-3.8 ms = 0.051 ns per byte, and block-sparse streams its values the same way; CSR and
// CSC, whose x accesses follow the indices, took 5.2-5.4 ms for 67 MB at 50% sparsity = 0.08 ns
// per byte. The 9.4 MB 768x3072 layers still ran at in-cache speed (CSR spmv at 50%: 0.038 ns
// per byte), so the floor applies above kCacheBytes, a point between 9.4 MB and 33 MB.
constexpr double kStreamNsPerByte = 0.051;
constexpr double kIndexedStreamNsPerByte = 0.08;
constexpr double kCacheBytes = 16.0 * 1024 * 1024;

double stream_floor(std::size_t bytes, Format f) {
  const auto b = static_cast<double>(bytes);
  const bool indexed = f == Format::csr || f == Format::csc;
  return b > kCacheBytes ? b * (indexed ? kIndexedStreamNsPerByte : kStreamNsPerByte) : 0.0;
}

double compute_cost(const SparsityAnalysis& a, Format f, const SelectOptions& o) {
  const double b = o.op == Operation::spmm ? static_cast<double>(std::max<std::int64_t>(o.batch, 1)) : 1.0;
  const bool t = o.preferred_op == PreferredOp::col;  // y = A^T x
  const double rows = static_cast<double>(a.shape.rows), cols = static_cast<double>(a.shape.cols);
  const double nnz = static_cast<double>(a.nnz);
  const double out = (t ? cols : rows) * b;  // elements of y
  const double more = b - 1.0;                // columns beyond the first
  switch (f) {
    case Format::dense: {
      const double entry = static_cast<double>(a.bytes_dense) <= kL2Bytes ? kDenseEntryInL2 : kDenseEntry;
      return rows * cols * (entry + more * kDenseColumn) + out * kPerOutput;
    }
    case Format::csr:
    case Format::csc: {
      // CSR gathers for A x and scatters for A^T x; CSC is the other way round.
      const bool gather = (f == Format::csr) != t;
      const double slices = f == Format::csr ? rows : cols;
      const double per_entry = gather ? kGatherEntry + more * kGatherColumn : kScatterEntry + more * kScatterColumn;
      return nnz * per_entry + slices * kPerSlice + out * kPerOutput * (gather ? 1.0 : 2.0);
    }
    case Format::block_sparse: {
      const double blocks = static_cast<double>(a.nonempty_blocks);
      const double stored = blocks * static_cast<double>(a.block_size * a.block_size);
      const double block_rows = a.block_size > 0 ? std::ceil(rows / static_cast<double>(a.block_size)) : 0.0;
      return stored * ((t ? kBlockScatterEntry : kBlockEntry) + more * kBlockColumn) + blocks * kPerBlock +
             block_rows * kPerSlice + out * kPerOutput * (t ? 2.0 : 1.0);
    }
  }
  return 0.0;
}

}  // namespace

double estimate_cost(const SparsityAnalysis& a, Format f, const SelectOptions& o) {
  return std::max(compute_cost(a, f, o), stream_floor(a.bytes(f), f));
}

}  // namespace sparse_formats
