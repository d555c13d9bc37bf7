// Kernel declarations, once for every backend. Kernels trust their inputs: shapes, index
// ranges and aliasing were checked in src/ops. Shapes are in the comments, scipy-style.
#pragma once

#include <cstdint>

#include "sparse_formats/types.hpp"

namespace sparse_formats::kernels {

// A CSR matrix (or a CSC matrix seen as the CSR of its transpose) as raw pointers.
template <typename V, typename I>
struct CsrView {
  std::int64_t rows = 0;
  std::int64_t cols = 0;
  const I* indptr = nullptr;   // [rows + 1]
  const I* indices = nullptr;  // [nnz]
  const V* data = nullptr;     // [nnz]
};

template <typename V, typename I>
struct BsrView {
  std::int64_t rows = 0;
  std::int64_t cols = 0;
  std::int64_t block_size = 1;
  std::int64_t block_rows = 0;  // ceil(rows / block_size)
  const I* block_row_ptr = nullptr;  // [block_rows + 1]
  const I* block_indices = nullptr;  // [num_blocks]
  const V* blocks = nullptr;         // [num_blocks * block_size^2], row-major blocks, zero padding
};

namespace reference {
// csr_spmm:            y[rows x k] = A x[cols x k]        O(nnz * k + rows * k)
// csr_spmm_transposed: y[cols x k] = A^T x[rows x k]      O(nnz * k + cols * k)
// bsr_spmm:            y[rows x k] = A x[cols x k]        O(num_blocks * bs^2 * k + rows * k)
// bsr_spmm_transposed: y[cols x k] = A^T x[rows x k]      O(num_blocks * bs^2 * k + cols * k)
// Serial, in storage order, accumulating in V; any strides.
template <typename V, typename I>
void csr_spmm(const CsrView<V, I>& a, DenseView<const V> x, DenseView<V> y);
template <typename V, typename I>
void csr_spmm_transposed(const CsrView<V, I>& a, DenseView<const V> x, DenseView<V> y);
template <typename V, typename I>
void bsr_spmm(const BsrView<V, I>& a, DenseView<const V> x, DenseView<V> y);
template <typename V, typename I>
void bsr_spmm_transposed(const BsrView<V, I>& a, DenseView<const V> x, DenseView<V> y);
}  // namespace reference

namespace cpu {
// Same contracts as reference::, threaded (work split by non-zeros) and vectorised.
// Require col_stride == 1 for x and y (src/ops makes contiguous copies otherwise).
// Results are deterministic for a given thread count.
template <typename V, typename I>
void csr_spmm(const CsrView<V, I>& a, DenseView<const V> x, DenseView<V> y);
template <typename V, typename I>
void csr_spmm_transposed(const CsrView<V, I>& a, DenseView<const V> x, DenseView<V> y);
template <typename V, typename I>
void bsr_spmm(const BsrView<V, I>& a, DenseView<const V> x, DenseView<V> y);
template <typename V, typename I>
void bsr_spmm_transposed(const BsrView<V, I>& a, DenseView<const V> x, DenseView<V> y);
}  // namespace cpu

}  // namespace sparse_formats::kernels
