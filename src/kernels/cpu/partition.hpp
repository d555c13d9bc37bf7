// How a CPU product is split between threads, computed once per (matrix, batch size, op):
// the one-shot kernels compute it on every call, a SpmmPlan keeps it.
#pragma once

#include <cstdint>
#include <vector>

#include "kernels/kernels.hpp"

namespace sparse_formats::kernels::cpu {

struct Partition {
  int threads = 1;
  // A x: row (block-row) ranges. A^T x with column_split: output-row ranges (columns or block
  // columns of A); otherwise row ranges whose partial results are summed in thread order.
  std::vector<std::int64_t> bounds{0, 0};
  bool column_split = false;
  // CSR products with a batch (A x, and A^T x on one thread or the column split): 0 runs the plain
  // kernels; > 0 the cache-blocked ones with panels of this many columns of A (choose_panel).
  std::int64_t panel = 0;
  // CSR A x with a batch: columns of the batch per group (run_batch_groups); 0 takes the whole
  // batch at once.
  std::int64_t group = 0;
};

template <typename V, typename I>
Partition csr_partition(const CsrView<V, I>& a, bool transposed, std::int64_t k);
template <typename V, typename I>
Partition bsr_partition(const BsrView<V, I>& a, bool transposed, std::int64_t k);

// The kernels of kernels.hpp with a partition made for the same matrix and batch size.
template <typename V, typename I>
void csr_spmm(const CsrView<V, I>& a, DenseView<const V> x, DenseView<V> y, const Partition& part);
template <typename V, typename I>
void csr_spmm_transposed(const CsrView<V, I>& a, DenseView<const V> x, DenseView<V> y, const Partition& part);
// csr_spmm for k = 1 reading the column indices from `narrow`, a 16-bit copy of a.indices
// (a.cols <= 65536): 6 bytes per non-zero streamed instead of 8; the same result.
template <typename V, typename I>
void csr_spmv_narrow(const CsrView<V, I>& a, const std::uint16_t* narrow, DenseView<const V> x, DenseView<V> y,
                     const Partition& part);
template <typename V, typename I>
void bsr_spmm(const BsrView<V, I>& a, DenseView<const V> x, DenseView<V> y, const Partition& part);
template <typename V, typename I>
void bsr_spmm_transposed(const BsrView<V, I>& a, DenseView<const V> x, DenseView<V> y, const Partition& part);

}  // namespace sparse_formats::kernels::cpu
