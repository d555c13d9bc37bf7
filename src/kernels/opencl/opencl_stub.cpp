// The backend interface in a build without OpenCL (Ginkgo's NotCompiled idea): no devices, and every
// request for one throws backend_unavailable, so callers compile and link the same way everywhere.
#include "instantiate.hpp"
#include "kernels/opencl/backend.hpp"
#include "sparse_formats/errors.hpp"

namespace sparse_formats {
namespace detail {
struct DeviceMatrixState {};
struct DeviceDenseState {};
}  // namespace detail

namespace opencl {

namespace {
[[noreturn]] void not_compiled() {
  throw backend_unavailable(
      "opencl: this build of sparse_formats has no OpenCL backend (configure with OpenCL headers and an ICD loader "
      "installed, or -DSPARSE_FORMATS_WITH_OPENCL=ON); use the 'cpu' backend");
}
}  // namespace

std::vector<DeviceInfo> list_devices() { return {}; }
int resolve_device(int) { not_compiled(); }
bool has_storage(const detail::DeviceMatrixState&, bool) { not_compiled(); }
std::string describe(const detail::DeviceMatrixState&) { not_compiled(); }
void finish(int) { not_compiled(); }

template <typename V, typename I>
std::shared_ptr<detail::DeviceMatrixState> upload_compressed(int, const kernels::CsrView<V, I>*,
                                                             const kernels::CsrView<V, I>*, SpmvAlgorithm) {
  not_compiled();
}
template <typename V, typename I>
std::shared_ptr<detail::DeviceMatrixState> upload_block(int, const kernels::BsrView<V, I>*,
                                                        const kernels::BsrView<V, I>*) {
  not_compiled();
}
template <typename V, typename I>
HostArrays<V, I> download(const detail::DeviceMatrixState&, bool) {
  not_compiled();
}
template <typename V>
std::shared_ptr<detail::DeviceDenseState> upload_dense(int, const V*, std::int64_t, std::int64_t) {
  not_compiled();
}
template <typename V>
std::shared_ptr<detail::DeviceDenseState> empty_dense(int, std::int64_t, std::int64_t) {
  not_compiled();
}
template <typename V>
void download_dense(const detail::DeviceDenseState&, V*, std::int64_t) {
  not_compiled();
}
template <typename V, typename I>
void spmm(const detail::DeviceMatrixState&, bool, const detail::DeviceDenseState&, detail::DeviceDenseState&,
          std::int64_t) {
  not_compiled();
}

#define INSTANTIATE(V, I)                                                                                    \
  template std::shared_ptr<detail::DeviceMatrixState> upload_compressed<V, I>(                               \
      int, const kernels::CsrView<V, I>*, const kernels::CsrView<V, I>*, SpmvAlgorithm);                     \
  template std::shared_ptr<detail::DeviceMatrixState> upload_block<V, I>(int, const kernels::BsrView<V, I>*, \
                                                                         const kernels::BsrView<V, I>*);     \
  template HostArrays<V, I> download<V, I>(const detail::DeviceMatrixState&, bool);                          \
  template void spmm<V, I>(const detail::DeviceMatrixState&, bool, const detail::DeviceDenseState&,          \
                           detail::DeviceDenseState&, std::int64_t);
SPARSE_FORMATS_FOR_EACH_TYPE(INSTANTIATE)
#undef INSTANTIATE

#define INSTANTIATE_DENSE(V)                                                                                     \
  template std::shared_ptr<detail::DeviceDenseState> upload_dense<V>(int, const V*, std::int64_t, std::int64_t); \
  template std::shared_ptr<detail::DeviceDenseState> empty_dense<V>(int, std::int64_t, std::int64_t);            \
  template void download_dense<V>(const detail::DeviceDenseState&, V*, std::int64_t);
INSTANTIATE_DENSE(float)
INSTANTIATE_DENSE(double)
#undef INSTANTIATE_DENSE

}  // namespace opencl
}  // namespace sparse_formats
