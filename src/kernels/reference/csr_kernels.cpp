// Serial reference products for CSR (and CSC, seen as the CSR of its transpose).
#include "instantiate.hpp"
#include "kernels/kernels.hpp"

namespace sparse_formats::kernels::reference {

template <typename V, typename I>
void csr_spmm(const CsrView<V, I>& a, DenseView<const V> x, DenseView<V> y) {
  for (std::int64_t i = 0; i < a.rows; ++i) {
    for (std::int64_t c = 0; c < y.cols; ++c) {
      V sum = V(0);
      for (I p = a.indptr[i]; p < a.indptr[i + 1]; ++p) sum += a.data[p] * x(a.indices[p], c);
      y(i, c) = sum;
    }
  }
}

template <typename V, typename I>
void csr_spmm_transposed(const CsrView<V, I>& a, DenseView<const V> x, DenseView<V> y) {
  for (std::int64_t j = 0; j < y.rows; ++j)
    for (std::int64_t c = 0; c < y.cols; ++c) y(j, c) = V(0);
  for (std::int64_t i = 0; i < a.rows; ++i)
    for (I p = a.indptr[i]; p < a.indptr[i + 1]; ++p)
      for (std::int64_t c = 0; c < y.cols; ++c) y(a.indices[p], c) += a.data[p] * x(i, c);
}

#define INSTANTIATE(V, I)                                                                     \
  template void csr_spmm<V, I>(const CsrView<V, I>&, DenseView<const V>, DenseView<V>);       \
  template void csr_spmm_transposed<V, I>(const CsrView<V, I>&, DenseView<const V>, DenseView<V>);
SPARSE_FORMATS_FOR_EACH_TYPE(INSTANTIATE)
#undef INSTANTIATE

}  // namespace sparse_formats::kernels::reference
