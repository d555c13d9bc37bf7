// Threaded block-sparse products over the per-ISA inner loops (row_kernels.hpp).
// A x: block rows split by block count. A^T x: the output's rows (block columns of A) split
// by block count, each thread walking every block row for its own block columns. Every output
// value is summed by one thread in storage order, so results do not depend on the thread count.
#include <algorithm>
#include <vector>

#include "instantiate.hpp"
#include "kernels/cpu/memory.hpp"
#include "kernels/cpu/partition.hpp"
#include "kernels/cpu/row_kernels.hpp"
#include "kernels/cpu/threads.hpp"
#include "kernels/kernels.hpp"

namespace sparse_formats::kernels::cpu {

template <typename V, typename I>
Partition bsr_partition(const BsrView<V, I>& a, bool transposed, std::int64_t k) {
  Partition p;
  const std::int64_t bs = a.block_size, nbc = (a.cols + bs - 1) / bs;
  const std::int64_t stored = static_cast<std::int64_t>(a.block_row_ptr[a.block_rows]) * bs * bs;
  p.threads = threads_for(product_work(stored, transposed ? a.cols : a.rows, k));
  p.column_split = transposed;
  if (p.threads <= 1) {
    p.threads = 1;
    p.bounds = {0, transposed ? nbc : a.block_rows};
  } else if (transposed) {
    p.bounds = balanced_column_split(a.block_row_ptr, a.block_indices, a.block_rows, nbc, p.threads);
  } else {
    p.bounds = balanced_row_split(a.block_row_ptr, a.block_rows, p.threads);
  }
  return p;
}

template <typename V, typename I>
void bsr_spmm(const BsrView<V, I>& a, DenseView<const V> x, DenseView<V> y, const Partition& part) {
  const auto& kern = row_kernels<V, I>();
  const std::int64_t k = y.cols;
  const auto& b = part.bounds;
  if (part.threads <= 1) return kern.bsr_rows(a, x.data, x.row_stride, y.data, y.row_stride, k, 0, a.block_rows);
  run_parts(part.threads,
            [&](int t) { kern.bsr_rows(a, x.data, x.row_stride, y.data, y.row_stride, k, b[t], b[t + 1]); });
}

template <typename V, typename I>
void bsr_spmm_transposed(const BsrView<V, I>& a, DenseView<const V> x, DenseView<V> y, const Partition& part) {
  const auto& kern = row_kernels<V, I>();
  const std::int64_t k = y.cols, bs = a.block_size;
  // A block updates adjacent rows of y: where the registers that update one row span into the
  // next, scatter into rows of `span` values and copy the k values out (scatter_span).
  const std::int64_t span = scatter_span<V>(k);
  const bool pad = span > y.row_stride;
  const Scratch padded(pad ? static_cast<std::size_t>(a.cols * span) * sizeof(V) : 0);
  V* const out = pad ? static_cast<V*>(padded.data()) : y.data;
  const std::int64_t ld = pad ? span : y.row_stride;
  auto run = [&](std::int64_t bc0, std::int64_t bc1) {
    const std::int64_t r0 = std::min(bc0 * bs, a.cols), r1 = std::min(bc1 * bs, a.cols);
    zero_rows(out, ld, k, r0, r1);
    if (bc0 < bc1) kern.bsr_scatter(a, x.data, x.row_stride, out, ld, k, 0, a.block_rows, bc0, bc1);
    if (pad) copy_rows(out, span, y.data, y.row_stride, k, r0, r1);
  };
  const auto& b = part.bounds;
  if (part.threads <= 1) return run(b.front(), b.back());
  run_parts(part.threads, [&](int t) { run(b[t], b[t + 1]); });
}

template <typename V, typename I>
void bsr_spmm(const BsrView<V, I>& a, DenseView<const V> x, DenseView<V> y) {
  bsr_spmm(a, x, y, bsr_partition(a, false, y.cols));
}

template <typename V, typename I>
void bsr_spmm_transposed(const BsrView<V, I>& a, DenseView<const V> x, DenseView<V> y) {
  bsr_spmm_transposed(a, x, y, bsr_partition(a, true, y.cols));
}

#define INSTANTIATE(V, I)                                                                                    \
  template Partition bsr_partition<V, I>(const BsrView<V, I>&, bool, std::int64_t);                           \
  template void bsr_spmm<V, I>(const BsrView<V, I>&, DenseView<const V>, DenseView<V>);                       \
  template void bsr_spmm_transposed<V, I>(const BsrView<V, I>&, DenseView<const V>, DenseView<V>);            \
  template void bsr_spmm<V, I>(const BsrView<V, I>&, DenseView<const V>, DenseView<V>, const Partition&);     \
  template void bsr_spmm_transposed<V, I>(const BsrView<V, I>&, DenseView<const V>, DenseView<V>, const Partition&);
SPARSE_FORMATS_FOR_EACH_TYPE(INSTANTIATE)
#undef INSTANTIATE

}  // namespace sparse_formats::kernels::cpu
