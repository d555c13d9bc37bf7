// What the OpenCL backend offers the device API, without any OpenCL type: opencl_backend.cpp implements
// it on a real runtime, opencl_stub.cpp (builds without OpenCL) throws backend_unavailable.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "kernels/kernels.hpp"
#include "sparse_formats/device.hpp"

namespace sparse_formats::opencl {

std::vector<DeviceInfo> list_devices();  // empty without a runtime or device
// -1: SPARSE_FORMATS_OPENCL_DEVICE or the default; otherwise checked against the list.
int resolve_device(int requested);

// A compressed operand: `forward` is CSR of A (used by A x), `transposed` CSR of A^T (used by A^T x);
// either may be null when not uploaded.
template <typename V, typename I>
std::shared_ptr<detail::DeviceMatrixState> upload_compressed(int device, const kernels::CsrView<V, I>* forward,
                                                             const kernels::CsrView<V, I>* transposed,
                                                             SpmvAlgorithm spmv);
template <typename V, typename I>
std::shared_ptr<detail::DeviceMatrixState> upload_block(int device, const kernels::BsrView<V, I>* forward,
                                                        const kernels::BsrView<V, I>* transposed);

// Arrays read back from the device; `transposed` picks which storage.
template <typename V, typename I>
struct HostArrays {
  std::vector<I> indptr;
  std::vector<I> indices;
  std::vector<V> data;
};
template <typename V, typename I>
HostArrays<V, I> download(const detail::DeviceMatrixState& state, bool transposed);
bool has_storage(const detail::DeviceMatrixState& state, bool transposed);
std::string describe(const detail::DeviceMatrixState& state);

template <typename V>
std::shared_ptr<detail::DeviceDenseState> upload_dense(int device, const V* row_major, std::int64_t rows,
                                                       std::int64_t cols);
template <typename V>
std::shared_ptr<detail::DeviceDenseState> empty_dense(int device, std::int64_t rows, std::int64_t cols);
template <typename V>
void download_dense(const detail::DeviceDenseState& state, V* row_major, std::int64_t count);

// y = op(A) x with x, y device row-major; shapes were checked by the caller.
template <typename V, typename I>
void spmm(const detail::DeviceMatrixState& a, bool transposed, const detail::DeviceDenseState& x,
          detail::DeviceDenseState& y, std::int64_t k);
void finish(int device);

}  // namespace sparse_formats::opencl
