#include "select/dense_product.hpp"

#include <algorithm>
#include <cstdint>

#include "kernels/cpu/threads.hpp"

namespace sparse_formats::detail {

namespace {

// Row i of A times a vector: eight independent partial sums so the loop vectorises.
template <typename V>
V dot(const V* a, const V* x, std::int64_t n) {
  V acc[8] = {};
  std::int64_t j = 0;
  for (; j + 8 <= n; j += 8)
    for (int u = 0; u < 8; ++u) acc[u] += a[j + u] * x[j + u];
  V s = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
  for (; j < n; ++j) s += a[j] * x[j];
  return s;
}

}  // namespace

template <typename V>
void dense_product(const DenseMatrix<V>& a, DenseView<const V> x, DenseView<V> y, bool transposed) {
  const std::int64_t m = a.rows, n = a.cols, k = x.cols;
  // threads_for counts entries x vector registers of the batch, as for the sparse kernels.
  const int threads = kernels::cpu::threads_for(kernels::cpu::product_work(m * n, transposed ? n : m, k));
  const V* ad = a.data.data();
  if (!transposed) {
#pragma omp parallel for num_threads(threads) schedule(static)
    for (std::int64_t i = 0; i < m; ++i) {
      const V* ai = ad + i * n;
      V* yi = y.data + i * y.row_stride;
      if (k == 1) {
        yi[0] = dot(ai, x.data, n);
        continue;
      }
      std::fill(yi, yi + k, V(0));
      for (std::int64_t j = 0; j < n; ++j) {
        const V v = ai[j];
        const V* xj = x.data + j * x.row_stride;
        for (std::int64_t c = 0; c < k; ++c) yi[c] += v * xj[c];
      }
    }
    return;
  }
  // y = A^T x: each thread owns a range of output rows (columns of A) and streams A's rows.
  const std::int64_t chunk = std::max<std::int64_t>(64, (n + threads - 1) / std::max(threads, 1));
  const std::int64_t chunks = (n + chunk - 1) / chunk;
#pragma omp parallel for num_threads(threads) schedule(static)
  for (std::int64_t q = 0; q < chunks; ++q) {
    const std::int64_t j0 = q * chunk, j1 = std::min(n, j0 + chunk);
    kernels::cpu::zero_rows(y.data, y.row_stride, k, j0, j1);
    for (std::int64_t i = 0; i < m; ++i) {
      const V* ai = ad + i * n;
      const V* xi = x.data + i * x.row_stride;
      if (k == 1) {
        const V xv = xi[0];
        for (std::int64_t j = j0; j < j1; ++j) y.data[j * y.row_stride] += ai[j] * xv;
        continue;
      }
      for (std::int64_t j = j0; j < j1; ++j) {
        const V v = ai[j];
        V* yj = y.data + j * y.row_stride;
        for (std::int64_t c = 0; c < k; ++c) yj[c] += v * xi[c];
      }
    }
  }
}

template void dense_product<float>(const DenseMatrix<float>&, DenseView<const float>, DenseView<float>, bool);
template void dense_product<double>(const DenseMatrix<double>&, DenseView<const double>, DenseView<double>, bool);

}  // namespace sparse_formats::detail
