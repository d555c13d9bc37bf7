// Compressed Sparse Row: values, col_indices, row_ptr. The hub format: every other format
// converts through it, and CSC is the same arrays seen column-wise.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "sparse_formats/compressed_storage.hpp"
#include "sparse_formats/statistics.hpp"
#include "sparse_formats/types.hpp"

namespace sparse_formats {

template <typename V, typename I>
class CSCMatrix;
template <typename V, typename I>
class BlockSparseMatrix;

template <typename V = float, typename I = std::int32_t>
class CSRMatrix {
 public:
  using value_type = V;
  using index_type = I;

  CSRMatrix();  // an empty 0 x 0 matrix

  // From raw arrays, fully validated (lengths, pointer monotonicity, index range and order,
  // index-type overflow). The arrays are shared, never modified; with IndexOrder::sort_and_sum
  // unsorted or duplicate rows are fixed in a new copy.
  CSRMatrix(Buffer<V> values, Buffer<I> col_indices, Buffer<I> row_ptr, Shape shape,
            IndexOrder order = IndexOrder::require_sorted);

  // Keeps entries with |v| > threshold, and NaN/Inf always; threshold 0 keeps every non-zero.
  // Signed zeros are zeros: -0.0 is not stored and comes back as +0.0.
  static CSRMatrix from_dense(DenseView<const V> dense, double threshold = 1e-10);
  // COO triplets in any order; duplicates are summed.
  static CSRMatrix from_coo(std::span<const I> rows, std::span<const I> cols, std::span<const V> values,
                            Shape shape);
  static CSRMatrix from_csc(const CSCMatrix<V, I>& csc);
  static CSRMatrix from_block_sparse(const BlockSparseMatrix<V, I>& bsr);
  static CSRMatrix from_storage(CompressedStorage<V, I> storage);  // trusted: no validation

  DenseMatrix<V> to_dense() const;
  void to_dense(DenseView<V> out) const;  // writes every element of out (shape must match)

  // y = A x for a vector (length ncols) or a dense matrix (ncols x k).
  std::vector<V> sparse_matmul(std::span<const V> x, Backend backend = Backend::automatic) const;
  DenseMatrix<V> sparse_matmul(DenseView<const V> x, Backend backend = Backend::automatic) const;
  // y = A^T x for a vector (length nrows) or a dense matrix (nrows x k), without forming A^T.
  std::vector<V> transpose_matmul(std::span<const V> x, Backend backend = Backend::automatic) const;
  DenseMatrix<V> transpose_matmul(DenseView<const V> x, Backend backend = Backend::automatic) const;

  // A^T as a CSC view of the same arrays (no copy).
  CSCMatrix<V, I> transpose() const;

  MemoryFootprint memory_footprint() const;  // "values", "col_indices", "row_ptr", "total"
  SparseMatrixStats get_statistics() const;

  std::int64_t nnz() const { return storage_.nnz(); }
  std::int64_t nrows() const { return storage_.major; }
  std::int64_t ncols() const { return storage_.minor; }
  Shape shape() const { return {nrows(), ncols()}; }

  std::span<const V> values() const { return storage_.data.span(); }
  std::span<const I> col_indices() const { return storage_.indices.span(); }
  std::span<const I> row_ptr() const { return storage_.indptr.span(); }
  const CompressedStorage<V, I>& storage() const { return storage_; }

 private:
  CompressedStorage<V, I> storage_;
};

}  // namespace sparse_formats
