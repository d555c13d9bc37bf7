// y = op(A) x for every format: validate shapes and aliasing, pick the backend, call the kernel.
// This is the only place where backends are named.
#include <cstdint>
#include <string>
#include <vector>

#include "instantiate.hpp"
#include "ops/operands.hpp"
#include "kernels/kernels.hpp"
#include "sparse_formats/errors.hpp"
#include "sparse_formats/operations.hpp"

namespace sparse_formats {

namespace {

// Whether every element of y has its own address (strides are non-negative here): a dimension
// longer than 1 needs a non-zero stride, and the larger stride must step past the whole extent of
// the smaller one (rarer layouts that interleave without colliding are rejected too).
template <typename V>
bool distinct_elements(DenseView<V> y) {
  if (y.rows == 0 || y.cols == 0) return true;
  if (y.rows == 1) return y.cols <= 1 || y.col_stride != 0;
  if (y.cols <= 1) return y.row_stride != 0;
  const bool rows_inner = y.row_stride <= y.col_stride;
  const std::int64_t inner = rows_inner ? y.row_stride : y.col_stride, outer = rows_inner ? y.col_stride : y.row_stride;
  const std::int64_t inner_count = rows_inner ? y.rows : y.cols;
  return inner > 0 && outer > inner * (inner_count - 1);
}

template <typename V>
void check_operands(const char* what, Shape op_shape, DenseView<const V> x, DenseView<V> y) {
  if (x.rows != op_shape.cols)
    throw shape_mismatch(std::string(what) + ": matrix of shape " + to_string(op_shape) +
                         " cannot multiply operand of shape " + to_string(x.shape()));
  if (y.rows != op_shape.rows || y.cols != x.cols)
    throw shape_mismatch(std::string(what) + ": output has shape " + to_string(y.shape()) + ", expected " +
                         to_string(Shape{op_shape.rows, x.cols}));
  if ((x.rows * x.cols > 0 && x.data == nullptr) || (y.rows * y.cols > 0 && y.data == nullptr))
    throw invalid_argument(std::string(what) + ": null data pointer for a non-empty operand");
  if (x.row_stride < 0 || x.col_stride < 0 || y.row_stride < 0 || y.col_stride < 0)
    throw invalid_argument(std::string(what) + ": negative strides are not supported");
  if (!distinct_elements(y))
    throw invalid_argument(std::string(what) + ": output strides make elements overlap (row stride " +
                           std::to_string(y.row_stride) + ", column stride " + std::to_string(y.col_stride) + ")");
  if (y.rows * y.cols == 0 || x.rows * x.cols == 0) return;
  // Overlap of the address ranges spanned by x and y: the kernels read x while writing y.
  auto span_end = [](auto v) { return v.data + (v.rows - 1) * v.row_stride + (v.cols - 1) * v.col_stride + 1; };
  const auto* xb = reinterpret_cast<const unsigned char*>(x.data);
  const auto* xe = reinterpret_cast<const unsigned char*>(span_end(x));
  const auto* yb = reinterpret_cast<const unsigned char*>(y.data);
  const auto* ye = reinterpret_cast<const unsigned char*>(span_end(y));
  if (xb < ye && yb < xe) throw invalid_argument(std::string(what) + ": output memory overlaps the operand");
}

// True where no host kernel needs to run: y is empty, or op(A) has no columns (x has no rows, and
// its data may be null), where y is all zeros. Other backends still get their error.
template <typename V>
bool no_terms(DenseView<const V> x, DenseView<V> y, Backend backend) {
  if (y.rows * y.cols == 0) return true;
  if (x.rows > 0 || (backend != Backend::automatic && backend != Backend::cpu && backend != Backend::reference))
    return false;
  for (std::int64_t i = 0; i < y.rows; ++i)
    for (std::int64_t c = 0; c < y.cols; ++c) y(i, c) = V(0);
  return true;
}

// The CPU kernels want unit column stride; other layouts go through a contiguous copy.
template <typename V, typename Kernel>
void run_contiguous(DenseView<const V> x, DenseView<V> y, Kernel&& kernel) {
  std::vector<V> x_copy, y_copy;
  DenseView<const V> xc = x;
  DenseView<V> yc = y;
  if (x.col_stride != 1 && x.cols > 1) {
    x_copy.resize(static_cast<std::size_t>(x.rows * x.cols));
    for (std::int64_t i = 0; i < x.rows; ++i)
      for (std::int64_t c = 0; c < x.cols; ++c) x_copy[i * x.cols + c] = x(i, c);
    xc = DenseView<const V>::row_major(x_copy.data(), x.rows, x.cols);
  } else if (x.cols == 1) {
    xc.col_stride = 1;
  }
  if (y.col_stride != 1 && y.cols > 1) {
    y_copy.resize(static_cast<std::size_t>(y.rows * y.cols));
    yc = DenseView<V>::row_major(y_copy.data(), y.rows, y.cols);
  } else if (y.cols == 1) {
    yc.col_stride = 1;
  }
  kernel(xc, yc);
  if (!y_copy.empty())
    for (std::int64_t i = 0; i < y.rows; ++i)
      for (std::int64_t c = 0; c < y.cols; ++c) y(i, c) = y_copy[i * y.cols + c];
}

[[noreturn]] void no_host_backend(Backend backend, const char* format) {
  throw backend_unavailable(std::string("spmm: backend '") + to_string(backend) + "' does not run products on host " +
                            format + " matrices; use the 'cpu' or 'reference' backend" +
                            (backend == Backend::opencl ? ", or to_device(matrix, Backend::opencl) (sparse_formats/"
                                                          "device.hpp) and multiply the device matrix"
                                                        : ""));
}

template <typename V, typename I>
kernels::CsrView<V, I> csr_view(const CompressedStorage<V, I>& s) {
  return {s.major, s.minor, s.indptr.data(), s.indices.data(), s.data.data()};
}

// Compressed storage seen as CSR (rows = major); `transposed_kernel` selects A^T x on that view.
template <typename V, typename I>
void compressed_spmm(const char* what, const CompressedStorage<V, I>& s, bool transposed_kernel, Shape op_shape,
                     DenseView<const V> x, DenseView<V> y, Backend backend) {
  check_operands(what, op_shape, x, y);
  if (no_terms(x, y, backend)) return;
  const auto a = csr_view(s);
  switch (backend) {
    case Backend::reference:
      return transposed_kernel ? kernels::reference::csr_spmm_transposed(a, x, y)
                               : kernels::reference::csr_spmm(a, x, y);
    case Backend::automatic:
    case Backend::cpu:
      return run_contiguous<V>(x, y, [&](DenseView<const V> xc, DenseView<V> yc) {
        transposed_kernel ? kernels::cpu::csr_spmm_transposed(a, xc, yc) : kernels::cpu::csr_spmm(a, xc, yc);
      });
    default:
      no_host_backend(backend, what);
  }
}

}  // namespace

template <typename V, typename I>
void spmm(const CSRMatrix<V, I>& a, DenseView<const V> x, DenseView<V> y, Transpose op, Backend backend) {
  const bool t = op == Transpose::yes;
  const Shape op_shape = t ? Shape{a.ncols(), a.nrows()} : a.shape();
  compressed_spmm("CSR", a.storage(), t, op_shape, x, y, backend);
}

template <typename V, typename I>
void spmm(const CSCMatrix<V, I>& a, DenseView<const V> x, DenseView<V> y, Transpose op, Backend backend) {
  // CSC storage is the CSR of A^T: A x is the transposed kernel on it, A^T x the plain one.
  const bool t = op == Transpose::yes;
  const Shape op_shape = t ? Shape{a.ncols(), a.nrows()} : a.shape();
  compressed_spmm("CSC", a.storage(), !t, op_shape, x, y, backend);
}

template <typename V, typename I>
void spmm(const BlockSparseMatrix<V, I>& a, DenseView<const V> x, DenseView<V> y, Transpose op, Backend backend) {
  const bool t = op == Transpose::yes;
  const Shape op_shape = t ? Shape{a.ncols(), a.nrows()} : a.shape();
  check_operands("BlockSparse", op_shape, x, y);
  if (no_terms(x, y, backend)) return;
  const auto& s = a.storage();
  const kernels::BsrView<V, I> v{s.shape.rows,        s.shape.cols,           s.block_size, s.block_rows(),
                                 s.block_row_ptr.data(), s.block_indices.data(), s.blocks.data()};
  switch (backend) {
    case Backend::reference:
      return t ? kernels::reference::bsr_spmm_transposed(v, x, y) : kernels::reference::bsr_spmm(v, x, y);
    case Backend::automatic:
    case Backend::cpu:
      return run_contiguous<V>(x, y, [&](DenseView<const V> xc, DenseView<V> yc) {
        t ? kernels::cpu::bsr_spmm_transposed(v, xc, yc) : kernels::cpu::bsr_spmm(v, xc, yc);
      });
    default:
      no_host_backend(backend, "BlockSparse");
  }
}

#define INSTANTIATE(V, I)                                                                                  \
  template void spmm<V, I>(const CSRMatrix<V, I>&, DenseView<const V>, DenseView<V>, Transpose, Backend);  \
  template void spmm<V, I>(const CSCMatrix<V, I>&, DenseView<const V>, DenseView<V>, Transpose, Backend);  \
  template void spmm<V, I>(const BlockSparseMatrix<V, I>&, DenseView<const V>, DenseView<V>, Transpose, Backend);
SPARSE_FORMATS_FOR_EACH_TYPE(INSTANTIATE)
#undef INSTANTIATE

}  // namespace sparse_formats

// Shared with SpmmPlan (src/ops/plan.cpp): the same checks and copies as spmm().
namespace sparse_formats::detail {
template <typename V>
void check_product_operands(const char* what, Shape op_shape, DenseView<const V> x, DenseView<V> y) {
  check_operands(what, op_shape, x, y);
}
template <typename V>
bool no_product_terms(DenseView<const V> x, DenseView<V> y) {
  return no_terms(x, y, Backend::cpu);
}
template <typename V>
void run_on_contiguous(DenseView<const V> x, DenseView<V> y,
                       const std::function<void(DenseView<const V>, DenseView<V>)>& kernel) {
  run_contiguous<V>(x, y, kernel);
}
#define INSTANTIATE_V(V)                                                                      \
  template void check_product_operands<V>(const char*, Shape, DenseView<const V>, DenseView<V>); \
  template bool no_product_terms<V>(DenseView<const V>, DenseView<V>);                          \
  template void run_on_contiguous<V>(DenseView<const V>, DenseView<V>,                       \
                                     const std::function<void(DenseView<const V>, DenseView<V>)>&);
INSTANTIATE_V(float)
INSTANTIATE_V(double)
#undef INSTANTIATE_V
}  // namespace sparse_formats::detail
