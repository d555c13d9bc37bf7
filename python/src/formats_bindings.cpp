// CSRMatrix, CSCMatrix and BlockSparseMatrix for every (value, index) pair of
// SPARSE_FORMATS_FOR_EACH_TYPE, as _core.CSRMatrix_float32_int32 and so on. These are thin:
// dtype rules, 1-D handling and scipy interop live in the Python wrappers. The GIL is
// released around everything that touches the arrays (validation, conversions, kernels).
#include <cstdint>
#include <nanobind/stl/map.h>
#include <nanobind/stl/string.h>
#include <string>

#include <sparse_formats/sparse_formats.hpp>

#include "arrays.hpp"
#include "bindings.hpp"
#include "instantiate.hpp"  // the one list of (value, index) types

namespace sparse_formats::python {
namespace {

template <typename V, typename I>
std::string suffix() {
  return std::string("_") + dtype_name<V>() + "_" + dtype_name<I>();
}

// The views carry their own owner (a copy of the Buffer), so no reference_internal.
constexpr auto kView = nb::rv_policy::reference;

IndexOrder order_of(bool sort_and_sum) {
  return sort_and_sum ? IndexOrder::sort_and_sum : IndexOrder::require_sorted;
}

nb::dict stats_dict(const SparseMatrixStats& s) {
  nb::dict d;
  d["nnz"] = s.nnz;
  d["sparsity"] = s.sparsity;
  d["density"] = s.density;
  d["shape"] = nb::make_tuple(s.shape.rows, s.shape.cols);
  d["memory_dense"] = s.memory_dense;
  d["memory_sparse"] = s.memory_sparse;
  d["compression_ratio"] = s.compression_ratio;
  return d;
}

nb::dict block_stats_dict(const BlockSparseStats& s) {
  nb::dict d = stats_dict(s);
  d["num_blocks"] = s.num_blocks;
  d["block_size"] = s.block_size;
  d["stored_values"] = s.stored_values;
  d["wavefront_aligned"] = s.wavefront_aligned;
  d["storage_efficiency"] = s.storage_efficiency;
  d["dropped_nnz"] = s.dropped_nnz;
  d["dropped_norm_fraction"] = s.dropped_norm_fraction;
  return d;
}

// Members every format shares: products, densification, accounting, sizes.
template <typename M, typename Class>
void bind_common(Class& cls) {
  using V = typename M::value_type;
  cls.def("to_dense_into",
          [](const M& a, Output2<V> out) {
            nb::gil_scoped_release nogil;
            a.to_dense(output_view(out));
          },
          nb::arg("out").noconvert())
      .def("spmm_into",
           [](const M& a, Strided2<V> x, Output2<V> y, bool transpose, Backend backend) {
             nb::gil_scoped_release nogil;
             spmm(a, strided_view(x), output_view(y), transpose ? Transpose::yes : Transpose::no, backend);
           },
           nb::arg("x"), nb::arg("y").noconvert(), nb::arg("transpose"), nb::arg("backend"))
      .def("plan",
           [](const M& a, std::int64_t k, bool transpose, Backend backend) {
             nb::gil_scoped_release nogil;  // the plan may copy the arrays (a transposed, tiled or sliced copy)
             return SpmmPlan<V, typename M::index_type>(a, k, transpose ? Transpose::yes : Transpose::no, backend);
           },
           nb::arg("k"), nb::arg("transpose"), nb::arg("backend"))
      .def("memory_footprint", &M::memory_footprint)
      .def_prop_ro("nnz", &M::nnz)
      .def_prop_ro("nrows", &M::nrows)
      .def_prop_ro("ncols", &M::ncols);
}

// CSR and CSC: one storage, two orientations (Other is the opposite one).
template <typename M, typename Other>
void bind_compressed(nb::module_& m, const char* base_name) {
  using V = typename M::value_type;
  using I = typename M::index_type;
  using Bsr = BlockSparseMatrix<V, I>;
  constexpr bool is_csr = std::is_same_v<M, CSRMatrix<V, I>>;
  nb::class_<M> cls(m, (std::string(base_name) + suffix<V, I>()).c_str());
  cls.def_static("from_arrays",
                 [](Array1<V> data, Array1<I> indices, Array1<I> indptr, std::int64_t rows, std::int64_t cols,
                    bool sort_and_sum) {
                   Buffer<V> d = borrow(data);
                   Buffer<I> i = borrow(indices);
                   Buffer<I> p = borrow(indptr);
                   nb::gil_scoped_release nogil;
                   return M(std::move(d), std::move(i), std::move(p), Shape{rows, cols}, order_of(sort_and_sum));
                 },
                 nb::arg("data"), nb::arg("indices"), nb::arg("indptr"), nb::arg("rows"), nb::arg("cols"),
                 nb::arg("sort_and_sum"))
      .def_static("from_dense",
                  [](Strided2<V> dense, double threshold) {
                    nb::gil_scoped_release nogil;
                    return M::from_dense(strided_view(dense), threshold);
                  },
                  nb::arg("dense"), nb::arg("threshold"))
      .def_static("from_coo",
                  [](Array1<I> rows, Array1<I> cols, Array1<V> values, std::int64_t nrows, std::int64_t ncols) {
                    nb::gil_scoped_release nogil;
                    return M::from_coo({rows.data(), rows.shape(0)}, {cols.data(), cols.shape(0)},
                                       {values.data(), values.shape(0)}, Shape{nrows, ncols});
                  },
                  nb::arg("rows"), nb::arg("cols"), nb::arg("values"), nb::arg("nrows"), nb::arg("ncols"))
      .def_static("from_block_sparse",
                  [](const Bsr& b) {
                    nb::gil_scoped_release nogil;
                    return M::from_block_sparse(b);
                  },
                  nb::arg("bsr"))
      .def("transpose", &M::transpose)
      .def("get_statistics", [](const M& a) { return stats_dict(a.get_statistics()); })
      .def_prop_ro("data", [](const M& a) { return view_of<1>(a.storage().data, {a.storage().data.size()}); }, kView)
      .def_prop_ro("indices",
                   [](const M& a) { return view_of<1>(a.storage().indices, {a.storage().indices.size()}); }, kView)
      .def_prop_ro("indptr", [](const M& a) { return view_of<1>(a.storage().indptr, {a.storage().indptr.size()}); }, kView);
  if constexpr (is_csr)
    cls.def_static("from_other", [](const Other& o) {
      nb::gil_scoped_release nogil;
      return M::from_csc(o);
    });
  else
    cls.def_static("from_other", [](const Other& o) {
      nb::gil_scoped_release nogil;
      return M::from_csr(o);
    });
  bind_common<M>(cls);
}

template <typename V, typename I>
void bind_block_sparse(nb::module_& m) {
  using M = BlockSparseMatrix<V, I>;
  nb::class_<M> cls(m, (std::string("BlockSparseMatrix") + suffix<V, I>()).c_str());
  cls.def_static("from_arrays",
                 [](Array1<V> blocks, Array1<I> indices, Array1<I> indptr, std::int64_t block_size, std::int64_t rows,
                    std::int64_t cols, bool sort_and_sum) {
                   Buffer<V> b = borrow(blocks);
                   Buffer<I> i = borrow(indices);
                   Buffer<I> p = borrow(indptr);
                   nb::gil_scoped_release nogil;
                   return M(std::move(b), std::move(i), std::move(p), block_size, Shape{rows, cols},
                            order_of(sort_and_sum));
                 },
                 nb::arg("blocks"), nb::arg("indices"), nb::arg("indptr"), nb::arg("block_size"), nb::arg("rows"),
                 nb::arg("cols"), nb::arg("sort_and_sum"))
      .def_static("from_blocks",
                  [](Array1<V> blocks, Array1<I> block_rows, Array1<I> block_cols, std::int64_t block_size,
                     std::int64_t rows, std::int64_t cols) {
                    nb::gil_scoped_release nogil;
                    return M::from_blocks({blocks.data(), blocks.shape(0)}, {block_rows.data(), block_rows.shape(0)},
                                          {block_cols.data(), block_cols.shape(0)}, block_size, Shape{rows, cols});
                  },
                  nb::arg("blocks"), nb::arg("block_rows"), nb::arg("block_cols"), nb::arg("block_size"),
                  nb::arg("rows"), nb::arg("cols"))
      .def_static("from_dense",
                  [](Strided2<V> dense, std::int64_t block_size, double threshold) {
                    nb::gil_scoped_release nogil;
                    return M::from_dense(strided_view(dense), block_size, threshold);
                  },
                  nb::arg("dense"), nb::arg("block_size"), nb::arg("threshold"))
      .def_static("from_csr",
                  [](const CSRMatrix<V, I>& a, std::int64_t block_size) {
                    nb::gil_scoped_release nogil;
                    return M::from_csr(a, block_size);
                  },
                  nb::arg("csr"), nb::arg("block_size"))
      .def_static("from_csc",
                  [](const CSCMatrix<V, I>& a, std::int64_t block_size) {
                    nb::gil_scoped_release nogil;
                    return M::from_csc(a, block_size);
                  },
                  nb::arg("csc"), nb::arg("block_size"))
      .def("get_statistics", [](const M& a) { return block_stats_dict(a.get_statistics()); })
      .def_prop_ro("num_blocks", &M::num_blocks)
      .def_prop_ro("block_size", &M::block_size)
      .def_prop_ro("data",
                   [](const M& a) {
                     auto bs = static_cast<std::size_t>(a.block_size());
                     return view_of<3>(a.storage().blocks, {static_cast<std::size_t>(a.num_blocks()), bs, bs});
                   }, kView)
      .def_prop_ro("indices",
                   [](const M& a) {
                     return view_of<1>(a.storage().block_indices, {a.storage().block_indices.size()});
                   }, kView)
      .def_prop_ro("indptr", [](const M& a) {
        return view_of<1>(a.storage().block_row_ptr, {a.storage().block_row_ptr.size()});
      }, kView);
  bind_common<M>(cls);
}

// SpmmPlan: a product prepared once (include/sparse_formats/plan.hpp), run many times.
template <typename V, typename I>
void bind_plan(nb::module_& m) {
  using P = SpmmPlan<V, I>;
  nb::class_<P>(m, (std::string("SpmmPlan") + suffix<V, I>()).c_str())
      .def("run_into",
           [](const P& p, Strided2<V> x, Output2<V> y) {
             nb::gil_scoped_release nogil;
             p.run(strided_view(x), output_view(y));
           },
           nb::arg("x"), nb::arg("y").noconvert())
      .def_prop_ro("shape", [](const P& p) { return nb::make_tuple(p.shape().rows, p.shape().cols); })
      .def_prop_ro("batch", &P::batch)
      .def_prop_ro("threads", &P::threads)
      .def_prop_ro("panel_columns", &P::panel_columns)
      .def_prop_ro("batch_columns", &P::batch_columns)
      .def_prop_ro("tiled", &P::tiled)
      .def_prop_ro("sliced", &P::sliced)
      .def_prop_ro("extra_bytes", &P::extra_bytes);
}

}  // namespace

void bind_formats(nb::module_& m) {
#define SPARSE_FORMATS_BIND(V, I)                                            \
  bind_plan<V, I>(m);                                                        \
  bind_compressed<CSRMatrix<V, I>, CSCMatrix<V, I>>(m, "CSRMatrix");         \
  bind_compressed<CSCMatrix<V, I>, CSRMatrix<V, I>>(m, "CSCMatrix");         \
  bind_block_sparse<V, I>(m);
  SPARSE_FORMATS_FOR_EACH_TYPE(SPARSE_FORMATS_BIND)
#undef SPARSE_FORMATS_BIND
}

}  // namespace sparse_formats::python
