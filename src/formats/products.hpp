// The allocating product members of every format, written once over spmm().
#pragma once

#include <span>
#include <vector>

#include "sparse_formats/errors.hpp"
#include "sparse_formats/operations.hpp"

namespace sparse_formats::detail {

template <typename M, typename V>
DenseMatrix<V> dense_product(const M& a, DenseView<const V> x, Transpose op, Backend backend) {
  DenseMatrix<V> y(op == Transpose::yes ? a.ncols() : a.nrows(), x.cols);
  spmm(a, x, y.view(), op, backend);
  return y;
}

template <typename M, typename V>
std::vector<V> vector_product(const M& a, std::span<const V> x, Transpose op, Backend backend) {
  const std::int64_t rows = op == Transpose::yes ? a.ncols() : a.nrows();
  std::vector<V> y(static_cast<std::size_t>(rows));
  spmm(a, DenseView<const V>::column(x.data(), static_cast<std::int64_t>(x.size())),
       DenseView<V>::column(y.data(), rows), op, backend);
  return y;
}

// The same memory seen with rows and columns swapped.
template <typename T>
DenseView<T> transposed(DenseView<T> v) {
  return {v.data, v.cols, v.rows, v.col_stride, v.row_stride};
}

template <typename V>
void check_out_shape(DenseView<V> out, Shape expected, const char* what) {
  if (out.shape() != expected)
    throw shape_mismatch(std::string(what) + ".to_dense: output has shape " + to_string(out.shape()) + ", expected " +
                         to_string(expected));
}

}  // namespace sparse_formats::detail
