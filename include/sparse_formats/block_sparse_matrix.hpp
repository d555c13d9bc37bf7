// Block-sparse (BSR): dense block_size x block_size blocks, located by block row pointers
// and block column indices. Edge blocks are zero-padded; to_dense() returns the true shape.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "sparse_formats/statistics.hpp"
#include "sparse_formats/types.hpp"

namespace sparse_formats {

template <typename V, typename I>
class CSRMatrix;
template <typename V, typename I>
class CSCMatrix;

template <typename V, typename I>
struct BlockStorage {
  Buffer<V> blocks;          // num_blocks * block_size^2 values, each block row-major
  Buffer<I> block_indices;   // length num_blocks: block column of each block, increasing per block row
  Buffer<I> block_row_ptr;   // length ceil(rows / block_size) + 1
  std::int64_t block_size = 1;
  Shape shape;
  std::int64_t nnz = 0;      // non-zeros inside the stored blocks (NaN counts as non-zero)
  std::int64_t dropped_nnz = 0;        // set by from_dense with a positive threshold
  double dropped_norm_fraction = 0.0;  // ||dropped||_F / ||original||_F

  std::int64_t num_blocks() const { return static_cast<std::int64_t>(block_indices.size()); }
  std::int64_t block_rows() const { return (shape.rows + block_size - 1) / block_size; }
  std::int64_t block_cols() const { return (shape.cols + block_size - 1) / block_size; }
};

template <typename V = float, typename I = std::int32_t>
class BlockSparseMatrix {
 public:
  using value_type = V;
  using index_type = I;

  BlockSparseMatrix();  // an empty 0 x 0 matrix with block size 1

  // From BSR arrays, validated: lengths, pointers, block column range and order, and zero padding
  // outside the shape (a value there would be lost by to_dense()).
  BlockSparseMatrix(Buffer<V> blocks, Buffer<I> block_indices, Buffer<I> block_row_ptr, std::int64_t block_size,
                    Shape shape, IndexOrder order = IndexOrder::require_sorted);

  // The design document's form: blocks with (block row, block column) positions in any order.
  // Duplicate positions are rejected.
  static BlockSparseMatrix from_blocks(std::span<const V> blocks, std::span<const I> block_rows,
                                       std::span<const I> block_cols, std::int64_t block_size, Shape shape);

  // threshold is the minimum block density (non-zeros / block area inside the matrix) to keep a
  // block. 0 (the default) keeps every block holding a non-zero: lossless. A positive value drops
  // sparser blocks and records what was lost in get_statistics(); blocks holding NaN or Inf are
  // always kept.
  static BlockSparseMatrix from_dense(DenseView<const V> dense, std::int64_t block_size = 8, double threshold = 0.0);
  static BlockSparseMatrix from_csr(const CSRMatrix<V, I>& csr, std::int64_t block_size = 8);
  static BlockSparseMatrix from_csc(const CSCMatrix<V, I>& csc, std::int64_t block_size = 8);
  static BlockSparseMatrix from_storage(BlockStorage<V, I> storage);  // trusted: no validation

  DenseMatrix<V> to_dense() const;
  void to_dense(DenseView<V> out) const;

  std::vector<V> sparse_matmul(std::span<const V> x, Backend backend = Backend::automatic) const;
  DenseMatrix<V> sparse_matmul(DenseView<const V> x, Backend backend = Backend::automatic) const;
  std::vector<V> transpose_matmul(std::span<const V> x, Backend backend = Backend::automatic) const;
  DenseMatrix<V> transpose_matmul(DenseView<const V> x, Backend backend = Backend::automatic) const;

  MemoryFootprint memory_footprint() const;  // "blocks", "block_indices", "block_row_ptr", "total"
  BlockSparseStats get_statistics() const;

  std::int64_t nnz() const { return storage_.nnz; }
  std::int64_t nrows() const { return storage_.shape.rows; }
  std::int64_t ncols() const { return storage_.shape.cols; }
  Shape shape() const { return storage_.shape; }
  std::int64_t num_blocks() const { return storage_.num_blocks(); }
  std::int64_t block_size() const { return storage_.block_size; }

  std::span<const V> blocks() const { return storage_.blocks.span(); }
  std::span<const I> block_indices() const { return storage_.block_indices.span(); }
  std::span<const I> block_row_ptr() const { return storage_.block_row_ptr.span(); }
  const BlockStorage<V, I>& storage() const { return storage_; }

 private:
  BlockStorage<V, I> storage_;
};

}  // namespace sparse_formats
