// DynamicFormatSelector and the pruners. Compiled functions take exact dtypes (suffix
// _float32_int32 ...) or our compiled matrix classes; the Python wrappers in
// sparse_formats/_selector.py and _pruning.py apply the dtype rules and build the public objects.
// The GIL is released while matrices are analysed, converted, timed or pruned.
#include <cstdint>
#include <optional>
#include <nanobind/stl/string.h>
#include <string>
#include <variant>
#include <vector>

#include <sparse_formats/sparse_formats.hpp>

#include "arrays.hpp"
#include "bindings.hpp"
#include "instantiate.hpp"

namespace sparse_formats::python {
namespace {

// An owning numpy array holding a DenseMatrix's values (moved, not copied).
template <typename T>
nb::ndarray<nb::numpy, T, nb::ndim<2>> to_numpy(DenseMatrix<T>&& m) {
  static T empty_storage{};  // numpy wants a valid pointer even for 0 elements
  auto* owned = new std::vector<T>(std::move(m.data));
  nb::capsule owner(owned, [](void* p) noexcept { delete static_cast<std::vector<T>*>(p); });
  T* data = owned->empty() ? &empty_storage : owned->data();
  return nb::ndarray<nb::numpy, T, nb::ndim<2>>(data, {static_cast<std::size_t>(m.rows), static_cast<std::size_t>(m.cols)},
                                                owner);
}

nb::dict analysis_dict(const SparsityAnalysis& a) {
  nb::dict d;
  d["shape"] = nb::make_tuple(a.shape.rows, a.shape.cols);
  d["nnz"] = a.nnz;
  d["sparsity"] = a.sparsity;
  d["density"] = a.density;
  d["row_nnz_mean"] = a.row_nnz_mean;
  d["row_nnz_max"] = a.row_nnz_max;
  d["row_nnz_cv"] = a.row_nnz_cv;
  d["block_size"] = a.block_size;
  d["total_blocks"] = a.total_blocks;
  d["nonempty_blocks"] = a.nonempty_blocks;
  d["mean_block_fill"] = a.mean_block_fill;
  d["expected_random_blocks"] = a.expected_random_blocks;
  d["has_block_structure"] = a.has_block_structure;
  nb::dict bytes;
  bytes["dense"] = a.bytes_dense;
  bytes["csr"] = a.bytes_csr;
  bytes["csc"] = a.bytes_csc;
  bytes["block_sparse"] = a.bytes_block_sparse;
  d["bytes"] = bytes;
  return d;
}

nb::dict per_format(const std::map<Format, double>& values) {
  nb::dict d;
  for (const auto& [f, v] : values) d[to_string(f).c_str()] = v;
  return d;
}

nb::dict recommendation_dict(const FormatRecommendation& r) {
  nb::dict d;
  d["format"] = to_string(r.format);
  d["reason"] = r.reason;
  d["compression_ratio"] = r.compression_ratio;
  d["memory_savings_mb"] = r.memory_savings_mb;
  d["speedup"] = r.speedup;
  d["measured"] = r.measured;
  d["rule_format"] = to_string(r.rule_format);
  d["estimated_cost_ns"] = per_format(r.estimated_cost);
  d["measured_seconds"] = per_format(r.measured_seconds);
  d["analysis"] = analysis_dict(r.analysis);
  return d;
}

SelectOptions make_options(bool col, bool force_sparse, bool spmm, std::int64_t batch, bool tune, double budget) {
  SelectOptions o;
  o.preferred_op = col ? PreferredOp::col : PreferredOp::row;
  o.force_sparse = force_sparse;
  o.op = spmm ? Operation::spmm : Operation::spmv;
  o.batch = batch;
  o.tune = tune;
  o.tune_budget_seconds = budget;
  return o;
}

template <typename V, typename I>
nb::object matrix_object(AnyMatrix<V, I>&& m) {
  return std::visit(
      [](auto&& x) -> nb::object {
        using M = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<M, DenseMatrix<V>>) return nb::cast(to_numpy(std::move(x)));
        else return nb::cast(std::move(x));
      },
      std::move(m));
}

#define SELECT_ARGS                                                                                        \
  nb::arg("selector"), nb::arg("matrix"), nb::arg("col"), nb::arg("force_sparse"), nb::arg("spmm"), \
      nb::arg("batch"), nb::arg("tune"), nb::arg("tune_budget_seconds")

// analyze / recommend / select for one input kind M (a compiled matrix class or a dense view).
template <typename V, typename I, typename Arg, typename Get>
void bind_input(nb::module_& m, const std::string& suffix, Get get) {
  m.def(("analyze_sparsity" + suffix).c_str(),
        [get](const DynamicFormatSelector& s, Arg a) {
          SparsityAnalysis r;
          {
            nb::gil_scoped_release nogil;
            r = s.analyze_sparsity<V, I>(get(a));
          }
          return analysis_dict(r);
        },
        nb::arg("selector"), nb::arg("matrix"));
  m.def(("recommend_format" + suffix).c_str(),
        [get](const DynamicFormatSelector& s, Arg a, bool col, bool force, bool spmm, std::int64_t batch, bool tune,
              double budget) {
          FormatRecommendation r;
          {
            nb::gil_scoped_release nogil;
            r = s.recommend_format<V, I>(get(a), make_options(col, force, spmm, batch, tune, budget));
          }
          return recommendation_dict(r);
        },
        SELECT_ARGS);
  m.def(("select_format" + suffix).c_str(),
        [get](const DynamicFormatSelector& s, Arg a, bool col, bool force, bool spmm, std::int64_t batch, bool tune,
              double budget) {
          std::optional<Selection<V, I>> r;
          {
            nb::gil_scoped_release nogil;
            r.emplace(s.select_format<V, I>(get(a), make_options(col, force, spmm, batch, tune, budget)));
          }
          nb::dict rec = recommendation_dict(r->recommendation);
          return nb::make_tuple(matrix_object<V, I>(std::move(r->matrix)), rec);
        },
        SELECT_ARGS);
}

template <typename V, typename I>
void bind_selector_types(nb::module_& m) {
  const std::string suffix = std::string("_") + dtype_name<V>() + "_" + dtype_name<I>();
  // Overloads on the compiled classes are unambiguous (one class per type pair); dense inputs
  // get a dtype suffix because numpy arrays would otherwise be converted between overloads.
  bind_input<V, I, Strided2<V>>(m, "_dense" + suffix, [](const Strided2<V>& a) { return strided_view(a); });
  bind_input<V, I, const CSRMatrix<V, I>&>(m, "", [](const CSRMatrix<V, I>& a) -> const auto& { return a; });
  bind_input<V, I, const CSCMatrix<V, I>&>(m, "", [](const CSCMatrix<V, I>& a) -> const auto& { return a; });
  bind_input<V, I, const BlockSparseMatrix<V, I>&>(m, "",
                                                   [](const BlockSparseMatrix<V, I>& a) -> const auto& { return a; });
}

// (pruned weights, keep-mask as uint8, number of zeros)
template <typename V, typename Pruner>
nb::tuple prune_array(const Pruner& p, const Strided2<V>& weights) {
  std::optional<PruneResult<V>> r;
  {
    nb::gil_scoped_release nogil;
    r.emplace(p.prune(strided_view(weights)));
  }
  const std::int64_t pruned = r->pruned;
  return nb::make_tuple(to_numpy(std::move(r->weights)), to_numpy(std::move(r->mask)), pruned);
}

template <typename Pruner, typename Class>
void bind_prune(Class& cls) {
  cls.def("prune_float32", &prune_array<float, Pruner>, nb::arg("weights"))
      .def("prune_float64", &prune_array<double, Pruner>, nb::arg("weights"));
}

Granularity granularity_of(const std::string& g) {
  if (g == "channel") return Granularity::channel;
  if (g == "block") return Granularity::block;
  if (g == "n:m") return Granularity::n_m;
  throw invalid_argument("StructuredPruner: granularity must be 'channel', 'block' or 'n:m', got '" + g + "'");
}

PruneScope scope_of(const std::string& s) {
  if (s == "global") return PruneScope::global;
  if (s == "row") return PruneScope::row;
  throw invalid_argument("MagnitudePruner: scope must be 'global' or 'row', got '" + s + "'");
}

}  // namespace

void bind_select(nb::module_& m) {
  nb::class_<DynamicFormatSelector>(m, "DynamicFormatSelector")
      .def(nb::init<double, double, std::int64_t, double>(), nb::arg("sparsity_threshold_dense"),
           nb::arg("sparsity_threshold_block"), nb::arg("block_size"), nb::arg("block_density_threshold"))
      .def_prop_ro("sparsity_threshold_dense", &DynamicFormatSelector::sparsity_threshold_dense)
      .def_prop_ro("sparsity_threshold_block", &DynamicFormatSelector::sparsity_threshold_block)
      .def_prop_ro("block_size", &DynamicFormatSelector::block_size)
      .def_prop_ro("block_density_threshold", &DynamicFormatSelector::block_density_threshold);
#define BIND(V, I) bind_selector_types<V, I>(m);
  SPARSE_FORMATS_FOR_EACH_TYPE(BIND)
#undef BIND
  m.def("clear_tune_cache", &clear_tune_cache);

  nb::class_<MagnitudePruner> mag(m, "MagnitudePruner");
  mag.def("__init__",
          [](MagnitudePruner* self, double sparsity, const std::string& scope) {
            new (self) MagnitudePruner(sparsity, scope_of(scope));
          },
          nb::arg("sparsity"), nb::arg("scope"));
  bind_prune<MagnitudePruner>(mag);

  nb::class_<StructuredPruner> st(m, "StructuredPruner");
  st.def("__init__",
         [](StructuredPruner* self, double sparsity, const std::string& granularity, std::int64_t block_size,
            std::int64_t n, std::int64_t mm) {
           new (self) StructuredPruner(sparsity, granularity_of(granularity), block_size, n, mm);
         },
         nb::arg("sparsity"), nb::arg("granularity"), nb::arg("block_size"), nb::arg("n"), nb::arg("m"));
  bind_prune<StructuredPruner>(st);
}

}  // namespace sparse_formats::python
