// File readers and writers (include/sparse_formats/io.hpp) for sparse_formats.io. Readers take the
// value and index dtype by name and return the compiled matrix classes; writers are overloaded
// on every compiled class. The GIL is released while files are parsed or written.
#include <cstdint>
#include <cstring>
#include <nanobind/stl/map.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/tuple.h>
#include <nanobind/stl/vector.h>
#include <string>
#include <tuple>
#include <vector>

#include <sparse_formats/sparse_formats.hpp>

#include "arrays.hpp"
#include "bindings.hpp"
#include "instantiate.hpp"

namespace sparse_formats::python {
namespace {

using Released = nb::call_guard<nb::gil_scoped_release>;

// Calls f.template operator()<V, I>() for the named dtypes.
template <typename F>
nb::object dispatch(const std::string& dtype, const std::string& index, F&& f) {
  const bool single = dtype == "float32";
  const bool wide = index == "int64";
  if (!single && dtype != "float64") throw invalid_argument("dtype must be float32 or float64, not " + dtype);
  if (!wide && index != "int32") throw invalid_argument("index dtype must be int32 or int64, not " + index);
  if (single) return wide ? f.template operator()<float, std::int64_t>() : f.template operator()<float, std::int32_t>();
  return wide ? f.template operator()<double, std::int64_t>() : f.template operator()<double, std::int32_t>();
}

template <typename V>
nb::ndarray<nb::numpy, V, nb::ndim<2>> to_numpy(DenseMatrix<V>&& d) {
  auto* owned = new std::vector<V>(std::move(d.data));
  nb::capsule owner(owned, [](void* p) noexcept { delete static_cast<std::vector<V>*>(p); });
  static V empty{};
  return nb::ndarray<nb::numpy, V, nb::ndim<2>>(owned->empty() ? &empty : owned->data(),
                                                 {static_cast<std::size_t>(d.rows), static_cast<std::size_t>(d.cols)},
                                                 owner);
}

MatrixMarketField field_of(const std::string& f) {
  if (f == "real") return MatrixMarketField::real;
  if (f == "integer") return MatrixMarketField::integer;
  if (f == "pattern") return MatrixMarketField::pattern;
  throw invalid_argument("field must be real, integer or pattern, not " + f);
}

using RawTensor = std::tuple<std::string, std::string, std::vector<std::int64_t>, nb::bytes>;

template <typename V, typename I>
void bind_writers(nb::module_& m) {
  m.def(
      "_write_matrix_market",
      [](const std::string& path, const CSRMatrix<V, I>& a, const std::string& field) {
        const auto f = field_of(field);
        nb::gil_scoped_release release;
        write_matrix_market(path, a, f);
      },
      nb::arg("path"), nb::arg("matrix"), nb::arg("field"));
  m.def(
      "_write_matrix_market",
      [](const std::string& path, const CSCMatrix<V, I>& a, const std::string& field) {
        const auto f = field_of(field);
        nb::gil_scoped_release release;
        write_matrix_market(path, a, f);
      },
      nb::arg("path"), nb::arg("matrix"), nb::arg("field"));
  m.def("_write_npz",
        [](const std::string& path, const CSRMatrix<V, I>& a, bool compressed, bool array_kind) {
          write_npz(path, a, NpzWriteOptions{compressed, array_kind});
        },
        Released());
  m.def("_write_npz",
        [](const std::string& path, const CSCMatrix<V, I>& a, bool compressed, bool array_kind) {
          write_npz(path, a, NpzWriteOptions{compressed, array_kind});
        },
        Released());
  m.def("_write_npz",
        [](const std::string& path, const BlockSparseMatrix<V, I>& a, bool compressed, bool array_kind) {
          write_npz(path, a, NpzWriteOptions{compressed, array_kind});
        },
        Released());
  // The three tensors of a CSR matrix and their metadata entries, for save_safetensors.
  m.def("_csr_tensors", [](const std::string& name, const CSRMatrix<V, I>& a) {
    std::vector<Tensor> tensors;
    std::map<std::string, std::string> metadata;
    append_csr_tensors(tensors, metadata, name, a);
    std::vector<RawTensor> out;
    for (auto& t : tensors)
      out.emplace_back(t.name, t.dtype, t.shape, nb::bytes(reinterpret_cast<const char*>(t.bytes.data()), t.bytes.size()));
    return std::make_tuple(out, metadata);
  });
}

template <typename V>
void bind_dense(nb::module_& m) {
  m.def("_write_npy", [](const std::string& path, const Strided2<V>& a, bool fortran_order) {
    const DenseView<const V> view = strided_view(a);
    nb::gil_scoped_release release;
    write_npy<V>(path, view, fortran_order);
  });
  m.def("_write_matrix_market_dense", [](const std::string& path, const Strided2<V>& a) {
    const DenseView<const V> view = strided_view(a);
    nb::gil_scoped_release release;
    write_matrix_market_dense<V>(path, view);
  });
}

}  // namespace

void bind_io(nb::module_& m) {
  m.def("_read_matrix_market",
        [](const std::string& path, const std::string& dtype, const std::string& index, bool csc, bool allow) {
          return dispatch(dtype, index, [&]<typename V, typename I>() -> nb::object {
            if (csc) {
              CSCMatrix<V, I> a;
              {
                nb::gil_scoped_release release;
                a = read_matrix_market_csc<V, I>(path, {allow});
              }
              return nb::cast(std::move(a));
            }
            CSRMatrix<V, I> a;
            {
              nb::gil_scoped_release release;
              a = read_matrix_market<V, I>(path, {allow});
            }
            return nb::cast(std::move(a));
          });
        });
  m.def("_read_matrix_market_header", [](const std::string& path) {
    const MatrixMarketHeader h = read_matrix_market_header(path);
    nb::dict d;
    d["format"] = h.format;
    d["field"] = h.field;
    d["symmetry"] = h.symmetry;
    d["shape"] = nb::make_tuple(h.shape.rows, h.shape.cols);
    d["entries"] = h.entries;
    return d;
  });
  m.def("_read_npz", [](const std::string& path, const std::string& dtype, const std::string& index, bool csc) {
    return dispatch(dtype, index, [&]<typename V, typename I>() -> nb::object {
      if (csc) {
        CSCMatrix<V, I> a;
        {
          nb::gil_scoped_release release;
          a = read_npz_csc<V, I>(path);
        }
        return nb::cast(std::move(a));
      }
      CSRMatrix<V, I> a;
      {
        nb::gil_scoped_release release;
        a = read_npz<V, I>(path);
      }
      return nb::cast(std::move(a));
    });
  });
  m.def("_read_npz_info", [](const std::string& path) {
    const NpzInfo info = read_npz_info(path);
    nb::dict d;
    d["format"] = info.format;
    d["is_array"] = info.is_array;
    d["shape"] = nb::make_tuple(info.shape.rows, info.shape.cols);
    d["nnz"] = info.nnz;
    d["data_dtype"] = info.data_descr;
    d["blocksize"] = nb::make_tuple(info.block_rows, info.block_cols);
    return d;
  });
  m.def("_read_npy_header", [](const std::string& path) {
    const NpyHeader h = read_npy_header(path);
    nb::dict d;
    d["descr"] = h.descr;
    d["fortran_order"] = h.fortran_order;
    nb::list shape;
    for (auto s : h.shape) shape.append(s);
    d["shape"] = nb::tuple(shape);
    return d;
  });
  m.def("_read_npy", [](const std::string& path, const std::string& dtype) -> nb::object {
    if (dtype == "float32") {
      DenseMatrix<float> d;
      {
        nb::gil_scoped_release release;
        d = read_npy<float>(path);
      }
      return nb::cast(to_numpy(std::move(d)));
    }
    if (dtype != "float64") throw invalid_argument("dtype must be float32 or float64, not " + dtype);
    DenseMatrix<double> d;
    {
      nb::gil_scoped_release release;
      d = read_npy<double>(path);
    }
    return nb::cast(to_numpy(std::move(d)));
  });
  m.def("_read_safetensors_index", [](const std::string& path) {
    const SafetensorsIndex index = read_safetensors_index(path);
    nb::list tensors;
    for (const auto& t : index.tensors) {
      nb::dict d;
      d["name"] = t.name;
      d["dtype"] = t.dtype;
      nb::list shape;
      for (auto s : t.shape) shape.append(s);
      d["shape"] = nb::tuple(shape);
      d["data_offsets"] = nb::make_tuple(t.begin, t.end);
      tensors.append(d);
    }
    return nb::make_tuple(tensors, index.metadata, safetensors_sparse_names(index));
  });
  m.def("_read_safetensors_matrix", [](const std::string& path, const std::string& name) {
    DenseMatrix<float> d;
    {
      nb::gil_scoped_release release;
      d = read_safetensors_matrix(path, name);
    }
    return to_numpy(std::move(d));
  });
  m.def("_read_safetensors_tensor", [](const std::string& path, const std::string& name) {
    Tensor t = read_safetensors_tensor(path, name);
    return RawTensor(t.name, t.dtype, t.shape, nb::bytes(reinterpret_cast<const char*>(t.bytes.data()), t.bytes.size()));
  });
  m.def("_read_safetensors_csr",
        [](const std::string& path, const std::string& name, const std::string& dtype, const std::string& index) {
          return dispatch(dtype, index, [&]<typename V, typename I>() -> nb::object {
            CSRMatrix<V, I> a;
            {
              nb::gil_scoped_release release;
              a = read_safetensors_csr<V, I>(path, name);
            }
            return nb::cast(std::move(a));
          });
        });
  m.def("_write_safetensors", [](const std::string& path, const std::vector<RawTensor>& raw,
                                 const std::map<std::string, std::string>& metadata) {
    std::vector<Tensor> tensors;
    for (const auto& [name, dtype, shape, bytes] : raw) {
      const auto* p = static_cast<const unsigned char*>(static_cast<const void*>(bytes.c_str()));
      tensors.push_back({name, dtype, shape, std::vector<unsigned char>(p, p + bytes.size())});
    }
    nb::gil_scoped_release release;
    write_safetensors(path, tensors, metadata);
  });
#define SPARSE_FORMATS_BIND_WRITERS(V, I) bind_writers<V, I>(m);
  SPARSE_FORMATS_FOR_EACH_TYPE(SPARSE_FORMATS_BIND_WRITERS)
#undef SPARSE_FORMATS_BIND_WRITERS
  bind_dense<float>(m);
  bind_dense<double>(m);
}

}  // namespace sparse_formats::python
