// Threaded CSR products. Rows are split by non-zeros; A^T x accumulates per-thread partial
// results and reduces them in a fixed order, so results depend only on the thread count.
#include <algorithm>
#include <vector>

#include "instantiate.hpp"
#include "kernels/cpu/threads.hpp"
#include "kernels/kernels.hpp"

namespace sparse_formats::kernels::cpu {

template <typename V, typename I>
static void csr_rows(const CsrView<V, I>& a, DenseView<const V> x, DenseView<V> y, std::int64_t r0,
                     std::int64_t r1) {
  const std::int64_t k = y.cols;
  for (std::int64_t i = r0; i < r1; ++i) {
    V* yi = y.data + i * y.row_stride;
    std::fill(yi, yi + k, V(0));
    for (I p = a.indptr[i]; p < a.indptr[i + 1]; ++p) {
      const V v = a.data[p];
      const V* xr = x.data + static_cast<std::int64_t>(a.indices[p]) * x.row_stride;
      for (std::int64_t c = 0; c < k; ++c) yi[c] += v * xr[c];
    }
  }
}

template <typename V, typename I>
void csr_spmm(const CsrView<V, I>& a, DenseView<const V> x, DenseView<V> y) {
  const int threads = threads_for(static_cast<std::int64_t>(a.indptr[a.rows]) * std::max<std::int64_t>(y.cols, 1));
  if (threads <= 1) return csr_rows(a, x, y, 0, a.rows);
  const auto bounds = balanced_row_split(a.indptr, a.rows, threads);
#pragma omp parallel for num_threads(threads) schedule(static, 1)
  for (int t = 0; t < threads; ++t) csr_rows(a, x, y, bounds[t], bounds[t + 1]);
}

template <typename V, typename I>
static void csr_scatter_rows(const CsrView<V, I>& a, DenseView<const V> x, V* out, std::int64_t k, std::int64_t r0,
                             std::int64_t r1) {
  for (std::int64_t i = r0; i < r1; ++i) {
    const V* xi = x.data + i * x.row_stride;
    for (I p = a.indptr[i]; p < a.indptr[i + 1]; ++p) {
      const V v = a.data[p];
      V* o = out + static_cast<std::int64_t>(a.indices[p]) * k;
      for (std::int64_t c = 0; c < k; ++c) o[c] += v * xi[c];
    }
  }
}

template <typename V, typename I>
void csr_spmm_transposed(const CsrView<V, I>& a, DenseView<const V> x, DenseView<V> y) {
  const std::int64_t k = y.cols, n = a.cols;
  const int threads = threads_for(static_cast<std::int64_t>(a.indptr[a.rows]) * std::max<std::int64_t>(k, 1));
  const auto bounds = balanced_row_split(a.indptr, a.rows, threads);
  std::vector<V> partial(static_cast<std::size_t>(threads) * n * k, V(0));
#pragma omp parallel num_threads(threads)
  {
#pragma omp for schedule(static, 1)
    for (int t = 0; t < threads; ++t) csr_scatter_rows(a, x, partial.data() + t * n * k, k, bounds[t], bounds[t + 1]);
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
  template void csr_spmm<V, I>(const CsrView<V, I>&, DenseView<const V>, DenseView<V>);       \
  template void csr_spmm_transposed<V, I>(const CsrView<V, I>&, DenseView<const V>, DenseView<V>);
SPARSE_FORMATS_FOR_EACH_TYPE(INSTANTIATE)
#undef INSTANTIATE

}  // namespace sparse_formats::kernels::cpu
