// Products as free functions writing into caller memory (no allocation): y = op(A) x.
// Each validates shapes and aliasing, picks a backend and calls its kernel.
#pragma once

#include "sparse_formats/block_sparse_matrix.hpp"
#include "sparse_formats/csc_matrix.hpp"
#include "sparse_formats/csr_matrix.hpp"
#include "sparse_formats/types.hpp"

namespace sparse_formats {

enum class Transpose { no, yes };

// x: (op(A).cols x k), y: (op(A).rows x k); any strides; y must not overlap x.
template <typename V, typename I>
void spmm(const CSRMatrix<V, I>& a, DenseView<const V> x, DenseView<V> y, Transpose op = Transpose::no,
          Backend backend = Backend::automatic);
template <typename V, typename I>
void spmm(const CSCMatrix<V, I>& a, DenseView<const V> x, DenseView<V> y, Transpose op = Transpose::no,
          Backend backend = Backend::automatic);
template <typename V, typename I>
void spmm(const BlockSparseMatrix<V, I>& a, DenseView<const V> x, DenseView<V> y, Transpose op = Transpose::no,
          Backend backend = Backend::automatic);

}  // namespace sparse_formats
