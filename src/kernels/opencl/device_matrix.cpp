// The device API (sparse_formats/device.hpp): validation at the boundary, then the backend interface,
// which is the OpenCL runtime or, in builds without OpenCL, a stub that throws backend_unavailable.
#include <cstdio>
#include <string>
#include <vector>

#include "instantiate.hpp"
#include "kernels/opencl/backend.hpp"
#include "kernels/opencl/bsr_transpose.hpp"
#include "sparse_formats/device.hpp"
#include "sparse_formats/errors.hpp"

namespace sparse_formats {

namespace {

void check_backend(Backend backend, const char* what) {
  if (backend != Backend::opencl && backend != Backend::automatic)
    throw backend_unavailable(std::string(what) + ": backend '" + to_string(backend) +
                              "' has no device memory; use Backend::opencl");
}

template <typename V>
std::vector<V> row_major_copy(DenseView<const V> x) {
  std::vector<V> out(static_cast<std::size_t>(x.rows * x.cols));
  for (std::int64_t i = 0; i < x.rows; ++i)
    for (std::int64_t j = 0; j < x.cols; ++j) out[static_cast<std::size_t>(i * x.cols + j)] = x(i, j);
  return out;
}

template <typename V>
void check_view(DenseView<const V> x, const char* what) {
  if (x.rows < 0 || x.cols < 0) throw invalid_argument(std::string(what) + ": negative shape");
  if (x.rows * x.cols > 0 && x.data == nullptr)
    throw invalid_argument(std::string(what) + ": null data pointer for a non-empty operand");
  if (x.row_stride < 0 || x.col_stride < 0) throw invalid_argument(std::string(what) + ": negative strides");
}

template <typename V, typename I>
kernels::CsrView<V, I> csr_view(const CompressedStorage<V, I>& s) {
  return {s.major, s.minor, s.indptr.data(), s.indices.data(), s.data.data()};
}

template <typename V, typename I>
CompressedStorage<V, I> compressed_from(opencl::HostArrays<V, I> a, std::int64_t major, std::int64_t minor) {
  return {Buffer<V>(std::move(a.data)), Buffer<I>(std::move(a.indices)), Buffer<I>(std::move(a.indptr)), major, minor};
}

}  // namespace

std::string to_string(SpmvAlgorithm algorithm) {
  switch (algorithm) {
    case SpmvAlgorithm::automatic:
      return "automatic";
    case SpmvAlgorithm::scalar:
      return "scalar";
    case SpmvAlgorithm::vector:
      return "vector";
    case SpmvAlgorithm::adaptive:
      return "adaptive";
  }
  return "unknown";
}

std::vector<DeviceInfo> list_devices(Backend backend) {
  if (backend != Backend::opencl && backend != Backend::automatic) return {};
  return opencl::list_devices();
}

std::string describe_devices(Backend backend) {
  const auto devices = list_devices(backend);
  if (devices.empty())
    return "no OpenCL device (the library was built without OpenCL, no ICD is installed, or no platform has a "
           "device)\n";
  int chosen = -1;
  std::string note;
  try {
    chosen = opencl::resolve_device(-1);
  } catch (const error& e) {
    note = std::string("  (default: ") + e.what() + ")\n";
  }
  std::string out;
  char line[512];
  for (const auto& d : devices) {
    std::snprintf(
        line, sizeof line,
        "%s %d: %s [%s] %s, platform %s\n     %s, %d compute units, %.1f GiB, local %lld KiB, "
        "max work-group %d, simd width %d, fp64 %s\n",
        d.index == chosen ? "*" : " ", d.index, d.name.c_str(), d.type.c_str(), d.vendor.c_str(), d.platform.c_str(),
        d.version.c_str(), d.compute_units, static_cast<double>(d.global_memory) / (1024.0 * 1024.0 * 1024.0),
        static_cast<long long>(d.local_memory / 1024), d.max_work_group_size, d.simd_width, d.fp64 ? "yes" : "no");
    out += line;
  }
  out += note.empty() ? "* default device (SPARSE_FORMATS_OPENCL_DEVICE=index or name overrides)\n" : note;
  return out;
}

DeviceInfo default_device(Backend backend) {
  check_backend(backend, "default_device");
  const int index = opencl::resolve_device(-1);
  return opencl::list_devices().at(static_cast<std::size_t>(index));
}

// ---- dense device matrices

template <typename V>
DeviceDenseMatrix<V> to_device(DenseView<const V> x, Backend backend, int device) {
  check_backend(backend, "to_device");
  check_view(x, "to_device");
  const int d = opencl::resolve_device(device);
  if (x.is_row_major_contiguous() || x.rows * x.cols == 0)
    return {opencl::upload_dense<V>(d, x.data, x.rows, x.cols), x.rows, x.cols, d};
  const auto copy = row_major_copy(x);
  return {opencl::upload_dense<V>(d, copy.data(), x.rows, x.cols), x.rows, x.cols, d};
}

template <typename V>
DeviceDenseMatrix<V> device_empty(std::int64_t rows, std::int64_t cols, Backend backend, int device) {
  check_backend(backend, "device_empty");
  if (rows < 0 || cols < 0) throw invalid_argument("device_empty: negative shape " + to_string(Shape{rows, cols}));
  const int d = opencl::resolve_device(device);
  return {opencl::empty_dense<V>(d, rows, cols), rows, cols, d};
}

template <typename V>
DenseMatrix<V> DeviceDenseMatrix<V>::to_host() const {
  DenseMatrix<V> out(rows_, cols_);
  if (state_) opencl::download_dense<V>(*state_, out.data.data(), rows_ * cols_);
  return out;
}

template <typename V>
void DeviceDenseMatrix<V>::to_host(DenseView<V> out) const {
  if (out.shape() != shape())
    throw shape_mismatch("DeviceDenseMatrix::to_host: output has shape " + to_string(out.shape()) + ", expected " +
                         to_string(shape()));
  const auto host = to_host();
  for (std::int64_t i = 0; i < rows_; ++i)
    for (std::int64_t j = 0; j < cols_; ++j) out(i, j) = host(i, j);
}

// ---- sparse device matrices

template <typename M>
DeviceMatrix<M>::DeviceMatrix(std::shared_ptr<detail::DeviceMatrixState> state, M skeleton, std::int64_t nnz,
                              int device)
    : state_(std::move(state)), skeleton_(std::move(skeleton)), shape_(skeleton_.shape()), nnz_(nnz), device_(device) {}

template <typename M>
bool DeviceMatrix<M>::has_transpose_storage() const {
  return state_ && opencl::has_storage(*state_, true);
}

template <typename M>
std::string DeviceMatrix<M>::describe() const {
  return state_ ? opencl::describe(*state_) : "empty device matrix";
}

template <typename M>
void DeviceMatrix<M>::finish() const {
  if (state_) opencl::finish(device_);
}

template <typename M>
M DeviceMatrix<M>::to_host() const {
  using I = index_type;
  if (!state_) return M();
  if constexpr (std::is_same_v<M, CSRMatrix<V, I>>) {
    return M::from_storage(compressed_from(opencl::download<V, I>(*state_, false), nrows(), ncols()));
  } else if constexpr (std::is_same_v<M, CSCMatrix<V, I>>) {
    return M::from_storage(compressed_from(opencl::download<V, I>(*state_, true), ncols(), nrows()));
  } else {
    auto a = opencl::download<V, I>(*state_, false);
    BlockStorage<V, I> s = skeleton_.storage();
    s.blocks = Buffer<V>(std::move(a.data));
    s.block_indices = Buffer<I>(std::move(a.indices));
    s.block_row_ptr = Buffer<I>(std::move(a.indptr));
    return M::from_storage(std::move(s));
  }
}

template <typename M>
void DeviceMatrix<M>::product(bool transposed, const DeviceDenseMatrix<V>& x, DeviceDenseMatrix<V>& y) const {
  const char* what = transposed ? "transpose_matmul" : "sparse_matmul";
  if (!state_) throw invalid_argument(std::string(what) + ": empty (default-constructed) device matrix");
  const Shape op = transposed ? Shape{ncols(), nrows()} : shape();
  if (x.rows() != op.cols)
    throw shape_mismatch(std::string(what) + ": matrix of shape " + to_string(op) +
                         " cannot multiply operand of shape " + to_string(x.shape()));
  if (y.rows() != op.rows || y.cols() != x.cols())
    throw shape_mismatch(std::string(what) + ": output has shape " + to_string(y.shape()) + ", expected " +
                         to_string(Shape{op.rows, x.cols()}));
  if (!x.state() || !y.state()) throw invalid_argument(std::string(what) + ": empty device operand");
  if (x.device() != device_ || y.device() != device_)
    throw invalid_argument(std::string(what) + ": operands live on device " + std::to_string(x.device()) + "/" +
                           std::to_string(y.device()) + ", the matrix on device " + std::to_string(device_));
  if (x.state() == y.state()) throw invalid_argument(std::string(what) + ": output is the operand");
  opencl::spmm<V, index_type>(*state_, transposed, *x.state(), *y.state(), x.cols());
}

template <typename M>
DenseMatrix<typename M::value_type> DeviceMatrix<M>::host_product(bool transposed, DenseView<const V> x) const {
  const char* what = transposed ? "transpose_matmul" : "sparse_matmul";
  check_view(x, what);
  if (!state_) throw invalid_argument(std::string(what) + ": empty (default-constructed) device matrix");
  const Shape op = transposed ? Shape{ncols(), nrows()} : shape();
  if (x.rows != op.cols)
    throw shape_mismatch(std::string(what) + ": matrix of shape " + to_string(op) +
                         " cannot multiply operand of shape " + to_string(x.shape()));
  if (!opencl::has_storage(*state_, transposed))
    throw unsupported(std::string(what) +
                      ": the device matrix was uploaded without this orientation "
                      "(DeviceOptions::both_orientations = false)");
  DenseMatrix<V> out(op.rows, x.cols);
  if (op.rows * x.cols == 0) return out;
  const auto dx = to_device<V>(x, Backend::opencl, device_);
  auto dy = device_empty<V>(op.rows, x.cols, Backend::opencl, device_);
  product(transposed, dx, dy);
  opencl::download_dense<V>(*dy.state(), out.data.data(), op.rows * x.cols);
  return out;
}

template <typename M>
std::vector<typename M::value_type> DeviceMatrix<M>::sparse_matmul(std::span<const V> x) const {
  if (static_cast<std::int64_t>(x.size()) != ncols())
    throw shape_mismatch("sparse_matmul: matrix of shape " + to_string(shape()) +
                         " cannot multiply a vector of length " + std::to_string(x.size()));
  return std::move(host_product(false, DenseView<const V>::column(x.data(), ncols())).data);
}
template <typename M>
std::vector<typename M::value_type> DeviceMatrix<M>::transpose_matmul(std::span<const V> x) const {
  if (static_cast<std::int64_t>(x.size()) != nrows())
    throw shape_mismatch("transpose_matmul: matrix of shape " + to_string(Shape{ncols(), nrows()}) +
                         " (the transpose) cannot multiply a vector of length " + std::to_string(x.size()));
  return std::move(host_product(true, DenseView<const V>::column(x.data(), nrows())).data);
}
template <typename M>
DenseMatrix<typename M::value_type> DeviceMatrix<M>::sparse_matmul(DenseView<const V> x) const {
  return host_product(false, x);
}
template <typename M>
DenseMatrix<typename M::value_type> DeviceMatrix<M>::transpose_matmul(DenseView<const V> x) const {
  return host_product(true, x);
}
template <typename M>
DeviceDenseMatrix<typename M::value_type> DeviceMatrix<M>::sparse_matmul(const DeviceDenseMatrix<V>& x) const {
  auto y = device_empty<V>(nrows(), x.cols(), Backend::opencl, device_);
  product(false, x, y);
  return y;
}
template <typename M>
DeviceDenseMatrix<typename M::value_type> DeviceMatrix<M>::transpose_matmul(const DeviceDenseMatrix<V>& x) const {
  auto y = device_empty<V>(ncols(), x.cols(), Backend::opencl, device_);
  product(true, x, y);
  return y;
}
template <typename M>
void DeviceMatrix<M>::sparse_matmul(const DeviceDenseMatrix<V>& x, DeviceDenseMatrix<V>& y) const {
  product(false, x, y);
}
template <typename M>
void DeviceMatrix<M>::transpose_matmul(const DeviceDenseMatrix<V>& x, DeviceDenseMatrix<V>& y) const {
  product(true, x, y);
}

// ---- uploads

template <typename V, typename I>
DeviceCSRMatrix<V, I> to_device(const CSRMatrix<V, I>& a, Backend backend, int device, DeviceOptions options) {
  check_backend(backend, "to_device");
  const int d = opencl::resolve_device(device);
  const auto forward = csr_view(a.storage());
  std::shared_ptr<detail::DeviceMatrixState> state;
  if (options.both_orientations) {
    const auto csc = CSCMatrix<V, I>::from_csr(a);  // its storage is the CSR of A^T
    const auto transposed = csr_view(csc.storage());
    state = opencl::upload_compressed<V, I>(d, &forward, &transposed, options.spmv);
  } else {
    state = opencl::upload_compressed<V, I>(d, &forward, nullptr, options.spmv);
  }
  CompressedStorage<V, I> skeleton{{}, {}, {}, a.nrows(), a.ncols()};
  auto m = CSRMatrix<V, I>::from_storage(std::move(skeleton));
  return {std::move(state), std::move(m), a.nnz(), d};
}

template <typename V, typename I>
DeviceCSCMatrix<V, I> to_device(const CSCMatrix<V, I>& a, Backend backend, int device, DeviceOptions options) {
  check_backend(backend, "to_device");
  const int d = opencl::resolve_device(device);
  const auto transposed = csr_view(a.storage());  // CSC of A is the CSR of A^T
  std::shared_ptr<detail::DeviceMatrixState> state;
  if (options.both_orientations) {
    const auto csr = CSRMatrix<V, I>::from_csc(a);
    const auto forward = csr_view(csr.storage());
    state = opencl::upload_compressed<V, I>(d, &forward, &transposed, options.spmv);
  } else {
    state = opencl::upload_compressed<V, I>(d, nullptr, &transposed, options.spmv);
  }
  CompressedStorage<V, I> skeleton{{}, {}, {}, a.ncols(), a.nrows()};
  return {std::move(state), CSCMatrix<V, I>::from_storage(std::move(skeleton)), a.nnz(), d};
}

template <typename V, typename I>
DeviceBlockSparseMatrix<V, I> to_device(const BlockSparseMatrix<V, I>& a, Backend backend, int device,
                                        DeviceOptions options) {
  check_backend(backend, "to_device");
  const int d = opencl::resolve_device(device);
  const auto& s = a.storage();
  const kernels::BsrView<V, I> forward{s.shape.rows,           s.shape.cols,           s.block_size,   s.block_rows(),
                                       s.block_row_ptr.data(), s.block_indices.data(), s.blocks.data()};
  std::shared_ptr<detail::DeviceMatrixState> state;
  if (options.both_orientations) {
    opencl::BsrArrays<V, I> t;
    opencl::bsr_transpose(forward, t);
    state = opencl::upload_block<V, I>(d, &forward, &t.view);
  } else {
    state = opencl::upload_block<V, I>(d, &forward, nullptr);
  }
  BlockStorage<V, I> skeleton = s;
  skeleton.blocks = {};
  skeleton.block_indices = {};
  skeleton.block_row_ptr = {};
  return {std::move(state), BlockSparseMatrix<V, I>::from_storage(std::move(skeleton)), a.nnz(), d};
}

#define INSTANTIATE(V, I)                                                                              \
  template class DeviceMatrix<CSRMatrix<V, I>>;                                                        \
  template class DeviceMatrix<CSCMatrix<V, I>>;                                                        \
  template class DeviceMatrix<BlockSparseMatrix<V, I>>;                                                \
  template DeviceCSRMatrix<V, I> to_device<V, I>(const CSRMatrix<V, I>&, Backend, int, DeviceOptions); \
  template DeviceCSCMatrix<V, I> to_device<V, I>(const CSCMatrix<V, I>&, Backend, int, DeviceOptions); \
  template DeviceBlockSparseMatrix<V, I> to_device<V, I>(const BlockSparseMatrix<V, I>&, Backend, int, DeviceOptions);
SPARSE_FORMATS_FOR_EACH_TYPE(INSTANTIATE)
#undef INSTANTIATE

#define INSTANTIATE_DENSE(V)                                                    \
  template class DeviceDenseMatrix<V>;                                          \
  template DeviceDenseMatrix<V> to_device<V>(DenseView<const V>, Backend, int); \
  template DeviceDenseMatrix<V> device_empty<V>(std::int64_t, std::int64_t, Backend, int);
INSTANTIATE_DENSE(float)
INSTANTIATE_DENSE(double)
#undef INSTANTIATE_DENSE

}  // namespace sparse_formats
