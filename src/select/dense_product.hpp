// The dense baseline the selector compares against: a plain row-major product, threaded like
// our sparse kernels, written so that the compiler vectorises it without fast-math.
#pragma once

#include "sparse_formats/types.hpp"

namespace sparse_formats::detail {

// y = A x (transposed = false) or y = A^T x, A row-major contiguous; x and y row-major
// contiguous with op(A).cols x k and op(A).rows x k. O(rows * cols * k).
template <typename V>
void dense_product(const DenseMatrix<V>& a, DenseView<const V> x, DenseView<V> y, bool transposed);

}  // namespace sparse_formats::detail
