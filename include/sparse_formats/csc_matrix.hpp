// Compressed Sparse Column: values, row_indices, col_ptr. Column slices make A^T x a
// row-wise gather, which is why it is the backward-pass format.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "sparse_formats/compressed_storage.hpp"
#include "sparse_formats/statistics.hpp"
#include "sparse_formats/types.hpp"

namespace sparse_formats {

template <typename V, typename I>
class CSRMatrix;
template <typename V, typename I>
class BlockSparseMatrix;

template <typename V = float, typename I = std::int32_t>
class CSCMatrix {
 public:
  using value_type = V;
  using index_type = I;

  CSCMatrix();  // an empty 0 x 0 matrix

  // From raw arrays, validated as CSRMatrix's constructor (columns are the slices).
  CSCMatrix(Buffer<V> values, Buffer<I> row_indices, Buffer<I> col_ptr, Shape shape,
            IndexOrder order = IndexOrder::require_sorted);

  static CSCMatrix from_dense(DenseView<const V> dense, double threshold = 1e-10);
  static CSCMatrix from_coo(std::span<const I> rows, std::span<const I> cols, std::span<const V> values,
                            Shape shape);
  static CSCMatrix from_csr(const CSRMatrix<V, I>& csr);
  static CSCMatrix from_block_sparse(const BlockSparseMatrix<V, I>& bsr);
  static CSCMatrix from_storage(CompressedStorage<V, I> storage);  // trusted: no validation

  DenseMatrix<V> to_dense() const;
  void to_dense(DenseView<V> out) const;

  std::vector<V> sparse_matmul(std::span<const V> x, Backend backend = Backend::automatic) const;
  DenseMatrix<V> sparse_matmul(DenseView<const V> x, Backend backend = Backend::automatic) const;
  std::vector<V> transpose_matmul(std::span<const V> x, Backend backend = Backend::automatic) const;
  DenseMatrix<V> transpose_matmul(DenseView<const V> x, Backend backend = Backend::automatic) const;

  // A^T as a CSR view of the same arrays (no copy).
  CSRMatrix<V, I> transpose() const;

  MemoryFootprint memory_footprint() const;  // "values", "row_indices", "col_ptr", "total"
  SparseMatrixStats get_statistics() const;

  std::int64_t nnz() const { return storage_.nnz(); }
  std::int64_t nrows() const { return storage_.minor; }
  std::int64_t ncols() const { return storage_.major; }
  Shape shape() const { return {nrows(), ncols()}; }

  std::span<const V> values() const { return storage_.data.span(); }
  std::span<const I> row_indices() const { return storage_.indices.span(); }
  std::span<const I> col_ptr() const { return storage_.indptr.span(); }
  const CompressedStorage<V, I>& storage() const { return storage_; }

 private:
  CompressedStorage<V, I> storage_;
};

}  // namespace sparse_formats
