// Accelerator devices and device-resident matrices (upload once, multiply many times).
// No OpenCL type appears here: a build without OpenCL links a stub whose functions throw
// backend_unavailable, so callers never need #ifdef.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "sparse_formats/block_sparse_matrix.hpp"
#include "sparse_formats/csc_matrix.hpp"
#include "sparse_formats/csr_matrix.hpp"
#include "sparse_formats/types.hpp"

namespace sparse_formats {

// One device as the backend reports it.
struct DeviceInfo {
  Backend backend = Backend::opencl;
  int index = 0;         // position in list_devices(): what to_device(..., device) takes
  std::string platform;  // e.g. "NVIDIA CUDA", "Portable Computing Language"
  std::string name;
  std::string vendor;
  std::string version;  // device version string
  std::string driver;
  std::string type;  // "gpu", "cpu", "accelerator" or "other"
  int compute_units = 0;
  std::int64_t global_memory = 0;  // bytes
  std::int64_t local_memory = 0;   // bytes
  int max_work_group_size = 0;
  int simd_width = 0;  // warp / wavefront width (vendor query, else the kernels' preferred multiple)
  bool fp64 = false;   // float64 products available
};

// The devices of a backend, empty when it is not compiled in or no device exists (never throws).
std::vector<DeviceInfo> list_devices(Backend backend = Backend::opencl);
// A human-readable table of list_devices() with the default marked (what `sparse-formats devices` prints).
std::string describe_devices(Backend backend = Backend::opencl);
// The device a request without an index gets: the environment variable SPARSE_FORMATS_OPENCL_DEVICE
// (an index, or a case-insensitive part of the device, vendor or platform name), else the first GPU,
// else the first device. Throws backend_unavailable when there is none.
DeviceInfo default_device(Backend backend = Backend::opencl);

// How the CSR SpMV (k == 1) work is spread; automatic chooses from row-length statistics.
enum class SpmvAlgorithm {
  automatic,
  scalar,    // one work-item per row: short, even rows
  vector,    // a power-of-two group of lanes per row: longer, even rows
  adaptive,  // row blocks of about equal non-zeros, long rows split across work-items and work-groups: skewed rows
};
std::string to_string(SpmvAlgorithm algorithm);

struct DeviceOptions {
  // Also upload the other orientation so that both products run from row slices: a CSR matrix gets
  // the CSR of A^T (its CSC) for transpose_matmul, a CSC matrix the CSR of A for sparse_matmul, a
  // block-sparse matrix the block-transposed BSR. It is built on the host at upload and doubles device
  // memory; without it the product that needs it throws unsupported.
  bool both_orientations = true;
  SpmvAlgorithm spmv = SpmvAlgorithm::automatic;
};

namespace detail {
struct DeviceMatrixState;  // defined by the backend
struct DeviceDenseState;
}  // namespace detail

// A row-major dense matrix in device memory: operand and result of the device-resident products.
template <typename V>
class DeviceDenseMatrix {
 public:
  DeviceDenseMatrix() = default;
  std::int64_t rows() const { return rows_; }
  std::int64_t cols() const { return cols_; }
  Shape shape() const { return {rows_, cols_}; }
  int device() const { return device_; }

  DenseMatrix<V> to_host() const;        // waits for queued work
  void to_host(DenseView<V> out) const;  // any strides; shape must match

  const std::shared_ptr<detail::DeviceDenseState>& state() const { return state_; }
  DeviceDenseMatrix(std::shared_ptr<detail::DeviceDenseState> state, std::int64_t rows, std::int64_t cols, int device)
      : state_(std::move(state)), rows_(rows), cols_(cols), device_(device) {}

 private:
  std::shared_ptr<detail::DeviceDenseState> state_;
  std::int64_t rows_ = 0;
  std::int64_t cols_ = 0;
  int device_ = -1;
};

// Uploads dense data (any strides). device -1 means default_device().
template <typename V>
DeviceDenseMatrix<V> to_device(DenseView<const V> x, Backend backend = Backend::opencl, int device = -1);
template <typename V>
DeviceDenseMatrix<V> to_device(const DenseMatrix<V>& x, Backend backend = Backend::opencl, int device = -1) {
  return to_device<V>(x.view(), backend, device);
}
// An uninitialised rows x cols buffer, for results written by the products below.
template <typename V>
DeviceDenseMatrix<V> device_empty(std::int64_t rows, std::int64_t cols, Backend backend = Backend::opencl,
                                  int device = -1);

// A sparse matrix of format M (CSRMatrix, CSCMatrix or BlockSparseMatrix) in device memory.
// Products taking host memory upload the operand, run and read the result back (blocking);
// products taking DeviceDenseMatrix stay on the device and return once the work is queued.
template <typename M>
class DeviceMatrix {
 public:
  using value_type = typename M::value_type;
  using index_type = typename M::index_type;
  using V = value_type;

  DeviceMatrix() = default;

  M to_host() const;  // downloads the arrays (waits for queued work)

  std::vector<V> sparse_matmul(std::span<const V> x) const;
  DenseMatrix<V> sparse_matmul(DenseView<const V> x) const;
  std::vector<V> transpose_matmul(std::span<const V> x) const;
  DenseMatrix<V> transpose_matmul(DenseView<const V> x) const;

  DeviceDenseMatrix<V> sparse_matmul(const DeviceDenseMatrix<V>& x) const;
  DeviceDenseMatrix<V> transpose_matmul(const DeviceDenseMatrix<V>& x) const;
  void sparse_matmul(const DeviceDenseMatrix<V>& x, DeviceDenseMatrix<V>& y) const;  // y: nrows x k, existing
  void transpose_matmul(const DeviceDenseMatrix<V>& x, DeviceDenseMatrix<V>& y) const;

  void finish() const;  // waits until every product queued on this matrix's device is done

  // Which kernels the products use and why (SpMV algorithm and its reason, work-group shapes).
  std::string describe() const;

  std::int64_t nrows() const { return shape_.rows; }
  std::int64_t ncols() const { return shape_.cols; }
  Shape shape() const { return shape_; }
  std::int64_t nnz() const { return nnz_; }
  int device() const { return device_; }
  bool has_transpose_storage() const;  // transpose_matmul can run

  const std::shared_ptr<detail::DeviceMatrixState>& state() const { return state_; }
  DeviceMatrix(std::shared_ptr<detail::DeviceMatrixState> state, M skeleton, std::int64_t nnz, int device);

 private:
  void product(bool transposed, const DeviceDenseMatrix<V>& x, DeviceDenseMatrix<V>& y) const;
  DenseMatrix<V> host_product(bool transposed, DenseView<const V> x) const;

  std::shared_ptr<detail::DeviceMatrixState> state_;
  M skeleton_;  // the matrix's scalars (shape, block size, statistics) with empty arrays
  Shape shape_;
  std::int64_t nnz_ = 0;
  int device_ = -1;
};

template <typename V = float, typename I = std::int32_t>
using DeviceCSRMatrix = DeviceMatrix<CSRMatrix<V, I>>;
template <typename V = float, typename I = std::int32_t>
using DeviceCSCMatrix = DeviceMatrix<CSCMatrix<V, I>>;
template <typename V = float, typename I = std::int32_t>
using DeviceBlockSparseMatrix = DeviceMatrix<BlockSparseMatrix<V, I>>;

// Uploads a matrix; device -1 means default_device(). Throws backend_unavailable without a device,
// unsupported for float64 on a device without fp64.
template <typename V, typename I>
DeviceCSRMatrix<V, I> to_device(const CSRMatrix<V, I>& a, Backend backend = Backend::opencl, int device = -1,
                                DeviceOptions options = {});
template <typename V, typename I>
DeviceCSCMatrix<V, I> to_device(const CSCMatrix<V, I>& a, Backend backend = Backend::opencl, int device = -1,
                                DeviceOptions options = {});
template <typename V, typename I>
DeviceBlockSparseMatrix<V, I> to_device(const BlockSparseMatrix<V, I>& a, Backend backend = Backend::opencl,
                                        int device = -1, DeviceOptions options = {});

}  // namespace sparse_formats
