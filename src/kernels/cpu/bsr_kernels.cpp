// Threaded block-sparse products over the per-ISA inner loops (row_kernels.hpp).
// A x: block rows split by block count. A^T x: the output's rows (block columns of A) split
// by block count, each thread walking every block row for its own block columns. Every output
// value is summed by one thread in storage order, so results do not depend on the thread count.
#include <algorithm>
#include <vector>

#include "instantiate.hpp"
#include "kernels/cpu/row_kernels.hpp"
#include "kernels/cpu/threads.hpp"
#include "kernels/kernels.hpp"

namespace sparse_formats::kernels::cpu {

template <typename V, typename I>
static std::int64_t bsr_work(const BsrView<V, I>& a, std::int64_t out_rows, std::int64_t k) {
  return product_work(static_cast<std::int64_t>(a.block_row_ptr[a.block_rows]) * a.block_size * a.block_size,
                      out_rows, k);
}

template <typename V, typename I>
void bsr_spmm(const BsrView<V, I>& a, DenseView<const V> x, DenseView<V> y) {
  const auto& kern = row_kernels<V, I>();
  const std::int64_t k = y.cols;
  const int threads = threads_for(bsr_work(a, a.rows, k));
  if (threads <= 1) return kern.bsr_rows(a, x.data, x.row_stride, y.data, y.row_stride, k, 0, a.block_rows);
  const auto bounds = balanced_row_split(a.block_row_ptr, a.block_rows, threads);
#pragma omp parallel for num_threads(threads) schedule(static, 1)
  for (int t = 0; t < threads; ++t)
    kern.bsr_rows(a, x.data, x.row_stride, y.data, y.row_stride, k, bounds[t], bounds[t + 1]);
}

template <typename V, typename I>
void bsr_spmm_transposed(const BsrView<V, I>& a, DenseView<const V> x, DenseView<V> y) {
  const auto& kern = row_kernels<V, I>();
  const std::int64_t k = y.cols, bs = a.block_size, nbc = (a.cols + bs - 1) / bs;
  const int threads = threads_for(bsr_work(a, a.cols, k));
  auto run = [&](std::int64_t bc0, std::int64_t bc1) {
    const std::int64_t r0 = bc0 * bs, r1 = std::min(bc1 * bs, a.cols);
    for (std::int64_t j = r0; j < r1; ++j) std::fill(y.data + j * y.row_stride, y.data + j * y.row_stride + k, V(0));
    if (bc0 < bc1) kern.bsr_scatter(a, x.data, x.row_stride, y.data, y.row_stride, k, 0, a.block_rows, bc0, bc1);
  };
  if (threads <= 1) return run(0, nbc);
  const auto cb = balanced_column_split(a.block_row_ptr, a.block_indices, a.block_rows, nbc, threads);
#pragma omp parallel for num_threads(threads) schedule(static, 1)
  for (int t = 0; t < threads; ++t) run(cb[t], cb[t + 1]);
}

#define INSTANTIATE(V, I)                                                                     \
  template void bsr_spmm<V, I>(const BsrView<V, I>&, DenseView<const V>, DenseView<V>);       \
  template void bsr_spmm_transposed<V, I>(const BsrView<V, I>&, DenseView<const V>, DenseView<V>);
SPARSE_FORMATS_FOR_EACH_TYPE(INSTANTIATE)
#undef INSTANTIATE

}  // namespace sparse_formats::kernels::cpu
