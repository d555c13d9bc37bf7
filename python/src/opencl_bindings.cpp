// Devices and device-resident matrices (sparse_formats/device.hpp) as _core.DeviceCSRMatrix_float32_int32,
// ..., _core.DeviceDenseMatrix_float32 / _float64, list_devices() and describe_devices(). Thin, like the
// format bindings: the Python API is python/sparse_formats/device.py. In a build without OpenCL every
// upload raises BackendUnavailableError and list_devices() is empty.
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include <cstring>
#include <sparse_formats/device.hpp>
#include <sparse_formats/errors.hpp>
#include <string>

#include "arrays.hpp"
#include "bindings.hpp"
#include "instantiate.hpp"

namespace sparse_formats::python {
namespace {

nb::dict device_dict(const DeviceInfo& d) {
  nb::dict out;
  out["backend"] = to_string(d.backend);
  out["index"] = d.index;
  out["platform"] = d.platform;
  out["name"] = d.name;
  out["vendor"] = d.vendor;
  out["version"] = d.version;
  out["driver"] = d.driver;
  out["type"] = d.type;
  out["compute_units"] = d.compute_units;
  out["global_memory"] = d.global_memory;
  out["local_memory"] = d.local_memory;
  out["max_work_group_size"] = d.max_work_group_size;
  out["simd_width"] = d.simd_width;
  out["fp64"] = d.fp64;
  return out;
}

template <typename V>
void bind_dense(nb::module_& m) {
  using D = DeviceDenseMatrix<V>;
  nb::class_<D>(m, (std::string("DeviceDenseMatrix_") + dtype_name<V>()).c_str())
      .def_static(
          "upload",
          [](Strided2<V> x, int device) {
            nb::gil_scoped_release nogil;
            return to_device<V>(strided_view(x), Backend::opencl, device);
          },
          nb::arg("x"), nb::arg("device"))
      .def_static(
          "empty",
          [](std::int64_t rows, std::int64_t cols, int device) {
            nb::gil_scoped_release nogil;
            return device_empty<V>(rows, cols, Backend::opencl, device);
          },
          nb::arg("rows"), nb::arg("cols"), nb::arg("device"))
      .def(
          "to_host_into",
          [](const D& d, Output2<V> out) {
            nb::gil_scoped_release nogil;
            d.to_host(output_view(out));
          },
          nb::arg("out"))
      .def_prop_ro("rows", &D::rows)
      .def_prop_ro("cols", &D::cols)
      .def_prop_ro("device", &D::device);
}

template <typename M>
void bind_device_matrix(nb::module_& m, const char* base_name) {
  using V = typename M::value_type;
  using I = typename M::index_type;
  using D = DeviceMatrix<M>;
  using Dense = DeviceDenseMatrix<V>;
  const std::string name = std::string("Device") + base_name + "_" + dtype_name<V>() + "_" + dtype_name<I>();
  nb::class_<D>(m, name.c_str())
      .def_static(
          "upload",
          [](const M& a, int device, bool both_orientations, SpmvAlgorithm spmv) {
            nb::gil_scoped_release nogil;
            return to_device(a, Backend::opencl, device, DeviceOptions{both_orientations, spmv});
          },
          nb::arg("matrix"), nb::arg("device"), nb::arg("both_orientations"), nb::arg("spmv"))
      .def(
          "spmm_into",
          [](const D& d, Strided2<V> x, Output2<V> y, bool transpose) {
            nb::gil_scoped_release nogil;
            const auto view = strided_view(x);
            const auto r = transpose ? d.transpose_matmul(view) : d.sparse_matmul(view);
            if (r.rows != static_cast<std::int64_t>(y.shape(0)) || r.cols != static_cast<std::int64_t>(y.shape(1)))
              throw shape_mismatch(
                  "device product: output has shape " +
                  to_string(Shape{static_cast<std::int64_t>(y.shape(0)), static_cast<std::int64_t>(y.shape(1))}) +
                  ", expected " + to_string(r.shape()));
            if (!r.data.empty()) std::memcpy(y.data(), r.data.data(), r.data.size() * sizeof(V));
          },
          nb::arg("x"), nb::arg("y"), nb::arg("transpose"))
      .def(
          "spmm_device",
          [](const D& d, const Dense& x, bool transpose) {
            nb::gil_scoped_release nogil;
            return transpose ? d.transpose_matmul(x) : d.sparse_matmul(x);
          },
          nb::arg("x"), nb::arg("transpose"))
      .def(
          "spmm_device_into",
          [](const D& d, const Dense& x, Dense& y, bool transpose) {
            nb::gil_scoped_release nogil;
            transpose ? d.transpose_matmul(x, y) : d.sparse_matmul(x, y);
          },
          nb::arg("x"), nb::arg("y"), nb::arg("transpose"))
      .def("to_host",
           [](const D& d) {
             nb::gil_scoped_release nogil;
             return d.to_host();
           })
      .def("finish",
           [](const D& d) {
             nb::gil_scoped_release nogil;
             d.finish();
           })
      .def("describe", &D::describe)
      .def_prop_ro("has_transpose_storage", &D::has_transpose_storage)
      .def_prop_ro("nrows", &D::nrows)
      .def_prop_ro("ncols", &D::ncols)
      .def_prop_ro("nnz", &D::nnz)
      .def_prop_ro("device", &D::device);
}

}  // namespace

void bind_opencl(nb::module_& m) {
  nb::enum_<SpmvAlgorithm>(m, "SpmvAlgorithm")
      .value("automatic", SpmvAlgorithm::automatic)
      .value("scalar", SpmvAlgorithm::scalar)
      .value("vector", SpmvAlgorithm::vector)
      .value("adaptive", SpmvAlgorithm::adaptive);
  m.def("list_devices", [] {
    nb::list out;
    for (const auto& d : list_devices(Backend::opencl)) out.append(device_dict(d));
    return out;
  });
  m.def("describe_devices", [] { return describe_devices(Backend::opencl); });
  m.def("default_device", [] { return device_dict(default_device(Backend::opencl)); });
  bind_dense<float>(m);
  bind_dense<double>(m);
#define BIND(V, I)                                     \
  bind_device_matrix<CSRMatrix<V, I>>(m, "CSRMatrix"); \
  bind_device_matrix<CSCMatrix<V, I>>(m, "CSCMatrix"); \
  bind_device_matrix<BlockSparseMatrix<V, I>>(m, "BlockSparseMatrix");
  SPARSE_FORMATS_FOR_EACH_TYPE(BIND)
#undef BIND
}

}  // namespace sparse_formats::python
