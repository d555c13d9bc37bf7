// Threaded block-sparse products: block rows split by block count; A^T x reduces
// per-thread partial results in a fixed order.
#include <algorithm>
#include <vector>

#include "instantiate.hpp"
#include "kernels/cpu/threads.hpp"
#include "kernels/kernels.hpp"

namespace sparse_formats::kernels::cpu {

template <typename V, typename I>
static void bsr_block_rows(const BsrView<V, I>& a, DenseView<const V> x, DenseView<V> y, std::int64_t br0,
                           std::int64_t br1) {
  const std::int64_t bs = a.block_size, k = y.cols;
  for (std::int64_t br = br0; br < br1; ++br) {
    const std::int64_t r0 = br * bs, r_end = std::min(r0 + bs, a.rows);
    for (std::int64_t r = r0; r < r_end; ++r) std::fill(y.data + r * y.row_stride, y.data + r * y.row_stride + k, V(0));
    for (I b = a.block_row_ptr[br]; b < a.block_row_ptr[br + 1]; ++b) {
      const V* block = a.blocks + static_cast<std::int64_t>(b) * bs * bs;
      const std::int64_t c0 = static_cast<std::int64_t>(a.block_indices[b]) * bs;
      const std::int64_t c_end = std::min(c0 + bs, a.cols);
      for (std::int64_t r = r0; r < r_end; ++r) {
        V* yr = y.data + r * y.row_stride;
        const V* brow = block + (r - r0) * bs;
        for (std::int64_t col = c0; col < c_end; ++col) {
          const V v = brow[col - c0];
          const V* xr = x.data + col * x.row_stride;
          for (std::int64_t c = 0; c < k; ++c) yr[c] += v * xr[c];
        }
      }
    }
  }
}

template <typename V, typename I>
static void bsr_scatter_block_rows(const BsrView<V, I>& a, DenseView<const V> x, V* out, std::int64_t k,
                                   std::int64_t br0, std::int64_t br1) {
  const std::int64_t bs = a.block_size;
  for (std::int64_t br = br0; br < br1; ++br) {
    const std::int64_t r0 = br * bs, r_end = std::min(r0 + bs, a.rows);
    for (I b = a.block_row_ptr[br]; b < a.block_row_ptr[br + 1]; ++b) {
      const V* block = a.blocks + static_cast<std::int64_t>(b) * bs * bs;
      const std::int64_t c0 = static_cast<std::int64_t>(a.block_indices[b]) * bs;
      const std::int64_t c_end = std::min(c0 + bs, a.cols);
      for (std::int64_t r = r0; r < r_end; ++r) {
        const V* xr = x.data + r * x.row_stride;
        const V* brow = block + (r - r0) * bs;
        for (std::int64_t col = c0; col < c_end; ++col) {
          const V v = brow[col - c0];
          V* o = out + col * k;
          for (std::int64_t c = 0; c < k; ++c) o[c] += v * xr[c];
        }
      }
    }
  }
}

template <typename V, typename I>
static std::int64_t bsr_work(const BsrView<V, I>& a, std::int64_t k) {
  return static_cast<std::int64_t>(a.block_row_ptr[a.block_rows]) * a.block_size * a.block_size *
         std::max<std::int64_t>(k, 1);
}

template <typename V, typename I>
void bsr_spmm(const BsrView<V, I>& a, DenseView<const V> x, DenseView<V> y) {
  const int threads = threads_for(bsr_work(a, y.cols));
  if (threads <= 1) return bsr_block_rows(a, x, y, 0, a.block_rows);
  const auto bounds = balanced_row_split(a.block_row_ptr, a.block_rows, threads);
#pragma omp parallel for num_threads(threads) schedule(static, 1)
  for (int t = 0; t < threads; ++t) bsr_block_rows(a, x, y, bounds[t], bounds[t + 1]);
}

template <typename V, typename I>
void bsr_spmm_transposed(const BsrView<V, I>& a, DenseView<const V> x, DenseView<V> y) {
  const std::int64_t k = y.cols, n = a.cols;
  const int threads = threads_for(bsr_work(a, k));
  const auto bounds = balanced_row_split(a.block_row_ptr, a.block_rows, threads);
  std::vector<V> partial(static_cast<std::size_t>(threads) * n * k, V(0));
#pragma omp parallel num_threads(threads)
  {
#pragma omp for schedule(static, 1)
    for (int t = 0; t < threads; ++t)
      bsr_scatter_block_rows(a, x, partial.data() + t * n * k, k, bounds[t], bounds[t + 1]);
#pragma omp for schedule(static)
    for (std::int64_t j = 0; j < n; ++j) {
      V* yj = y.data + j * y.row_stride;
      for (std::int64_t c = 0; c < k; ++c) {
        V sum = partial[j * k + c];
        for (int t = 1; t < threads; ++t) sum += partial[(t * n + j) * k + c];
        yj[c] = sum;
      }
    }
  }
}

#define INSTANTIATE(V, I)                                                                     \
  template void bsr_spmm<V, I>(const BsrView<V, I>&, DenseView<const V>, DenseView<V>);       \
  template void bsr_spmm_transposed<V, I>(const BsrView<V, I>&, DenseView<const V>, DenseView<V>);
SPARSE_FORMATS_FOR_EACH_TYPE(INSTANTIATE)
#undef INSTANTIATE

}  // namespace sparse_formats::kernels::cpu
