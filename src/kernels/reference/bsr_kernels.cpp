// Serial reference products for block-sparse matrices; padding outside the shape is skipped.
#include <algorithm>

#include "instantiate.hpp"
#include "kernels/kernels.hpp"

namespace sparse_formats::kernels::reference {

template <typename V, typename I>
void bsr_spmm(const BsrView<V, I>& a, DenseView<const V> x, DenseView<V> y) {
  const std::int64_t bs = a.block_size;
  for (std::int64_t i = 0; i < y.rows; ++i)
    for (std::int64_t c = 0; c < y.cols; ++c) y(i, c) = V(0);
  for (std::int64_t br = 0; br < a.block_rows; ++br) {
    const std::int64_t r0 = br * bs, r_end = std::min(r0 + bs, a.rows);
    for (I b = a.block_row_ptr[br]; b < a.block_row_ptr[br + 1]; ++b) {
      const V* block = a.blocks + static_cast<std::int64_t>(b) * bs * bs;
      const std::int64_t c0 = static_cast<std::int64_t>(a.block_indices[b]) * bs;
      const std::int64_t c_end = std::min(c0 + bs, a.cols);
      for (std::int64_t r = r0; r < r_end; ++r)
        for (std::int64_t col = c0; col < c_end; ++col)
          for (std::int64_t c = 0; c < y.cols; ++c) y(r, c) += block[(r - r0) * bs + (col - c0)] * x(col, c);
    }
  }
}

template <typename V, typename I>
void bsr_spmm_transposed(const BsrView<V, I>& a, DenseView<const V> x, DenseView<V> y) {
  const std::int64_t bs = a.block_size;
  for (std::int64_t j = 0; j < y.rows; ++j)
    for (std::int64_t c = 0; c < y.cols; ++c) y(j, c) = V(0);
  for (std::int64_t br = 0; br < a.block_rows; ++br) {
    const std::int64_t r0 = br * bs, r_end = std::min(r0 + bs, a.rows);
    for (I b = a.block_row_ptr[br]; b < a.block_row_ptr[br + 1]; ++b) {
      const V* block = a.blocks + static_cast<std::int64_t>(b) * bs * bs;
      const std::int64_t c0 = static_cast<std::int64_t>(a.block_indices[b]) * bs;
      const std::int64_t c_end = std::min(c0 + bs, a.cols);
      for (std::int64_t r = r0; r < r_end; ++r)
        for (std::int64_t col = c0; col < c_end; ++col)
          for (std::int64_t c = 0; c < y.cols; ++c) y(col, c) += block[(r - r0) * bs + (col - c0)] * x(r, c);
    }
  }
}

#define INSTANTIATE(V, I)                                                                     \
  template void bsr_spmm<V, I>(const BsrView<V, I>&, DenseView<const V>, DenseView<V>);       \
  template void bsr_spmm_transposed<V, I>(const BsrView<V, I>&, DenseView<const V>, DenseView<V>);
SPARSE_FORMATS_FOR_EACH_TYPE(INSTANTIATE)
#undef INSTANTIATE

}  // namespace sparse_formats::kernels::reference
