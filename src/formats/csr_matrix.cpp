#include "sparse_formats/csr_matrix.hpp"

#include "formats/block.hpp"
#include "formats/compressed.hpp"
#include "formats/products.hpp"
#include "instantiate.hpp"
#include "sparse_formats/block_sparse_matrix.hpp"
#include "sparse_formats/csc_matrix.hpp"
#include "sparse_formats/errors.hpp"

namespace sparse_formats {

using detail::kCsrNames;

template <typename V, typename I>
CSRMatrix<V, I>::CSRMatrix() : storage_{{}, {}, std::vector<I>{0}, 0, 0} {}

template <typename V, typename I>
CSRMatrix<V, I>::CSRMatrix(Buffer<V> values, Buffer<I> col_indices, Buffer<I> row_ptr, Shape shape, IndexOrder order)
    : storage_(detail::make_compressed(std::move(values), std::move(col_indices), std::move(row_ptr), shape.rows,
                                       shape.cols, order, kCsrNames)) {}

template <typename V, typename I>
CSRMatrix<V, I> CSRMatrix<V, I>::from_storage(CompressedStorage<V, I> storage) {
  CSRMatrix m;
  m.storage_ = std::move(storage);
  return m;
}

template <typename V, typename I>
CSRMatrix<V, I> CSRMatrix<V, I>::from_dense(DenseView<const V> dense, double threshold) {
  return from_storage(detail::compressed_from_dense<V, I>(dense, threshold, kCsrNames));
}

template <typename V, typename I>
CSRMatrix<V, I> CSRMatrix<V, I>::from_coo(std::span<const I> rows, std::span<const I> cols, std::span<const V> values,
                                          Shape shape) {
  return from_storage(detail::compressed_from_coo<V, I>(rows, cols, values, shape.rows, shape.cols, kCsrNames));
}

template <typename V, typename I>
CSRMatrix<V, I> CSRMatrix<V, I>::from_csc(const CSCMatrix<V, I>& csc) {
  return from_storage(detail::compressed_transpose(csc.storage()));
}

template <typename V, typename I>
CSRMatrix<V, I> CSRMatrix<V, I>::from_block_sparse(const BlockSparseMatrix<V, I>& bsr) {
  return from_storage(detail::bsr_to_compressed(bsr.storage()));
}

template <typename V, typename I>
DenseMatrix<V> CSRMatrix<V, I>::to_dense() const {
  DenseMatrix<V> out(nrows(), ncols());
  detail::compressed_to_dense(storage_, out.view());
  return out;
}

template <typename V, typename I>
void CSRMatrix<V, I>::to_dense(DenseView<V> out) const {
  detail::check_out_shape(out, shape(), "CSR");
  detail::compressed_to_dense(storage_, out);
}

template <typename V, typename I>
std::vector<V> CSRMatrix<V, I>::sparse_matmul(std::span<const V> x, Backend backend) const {
  return detail::vector_product(*this, x, Transpose::no, backend);
}
template <typename V, typename I>
DenseMatrix<V> CSRMatrix<V, I>::sparse_matmul(DenseView<const V> x, Backend backend) const {
  return detail::dense_product(*this, x, Transpose::no, backend);
}
template <typename V, typename I>
std::vector<V> CSRMatrix<V, I>::transpose_matmul(std::span<const V> x, Backend backend) const {
  return detail::vector_product(*this, x, Transpose::yes, backend);
}
template <typename V, typename I>
DenseMatrix<V> CSRMatrix<V, I>::transpose_matmul(DenseView<const V> x, Backend backend) const {
  return detail::dense_product(*this, x, Transpose::yes, backend);
}

template <typename V, typename I>
CSCMatrix<V, I> CSRMatrix<V, I>::transpose() const {
  return CSCMatrix<V, I>::from_storage(storage_);
}

template <typename V, typename I>
MemoryFootprint CSRMatrix<V, I>::memory_footprint() const {
  return detail::compressed_footprint(storage_, kCsrNames);
}

template <typename V, typename I>
SparseMatrixStats CSRMatrix<V, I>::get_statistics() const {
  return detail::make_stats(shape(), nnz(), sizeof(V), memory_footprint().at("total"));
}

#define INSTANTIATE(V, I) template class CSRMatrix<V, I>;
SPARSE_FORMATS_FOR_EACH_TYPE(INSTANTIATE)
#undef INSTANTIATE

}  // namespace sparse_formats
