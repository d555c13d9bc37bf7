// Front ends for every input kind: analyse, decide (estimated or measured), convert losslessly.
#include <string>

#include "instantiate.hpp"
#include "select/describe.hpp"
#include "select/tuning.hpp"
#include "sparse_formats/selector.hpp"

namespace sparse_formats {

namespace {

template <typename V, typename I>
AnyMatrix<V, I> convert(DenseView<const V> d, Format f, std::int64_t bs) {
  switch (f) {
    case Format::csr: return CSRMatrix<V, I>::from_dense(d, 0.0);
    case Format::csc: return CSCMatrix<V, I>::from_dense(d, 0.0);
    case Format::block_sparse: return BlockSparseMatrix<V, I>::from_dense(d, bs, 0.0);
    case Format::dense: break;
  }
  DenseMatrix<V> out(d.rows, d.cols);
  for (std::int64_t i = 0; i < d.rows; ++i)
    for (std::int64_t j = 0; j < d.cols; ++j) out(i, j) = d(i, j);
  return out;
}

template <typename V, typename I>
AnyMatrix<V, I> convert(const CSRMatrix<V, I>& m, Format f, std::int64_t bs) {
  switch (f) {
    case Format::csr: return m;
    case Format::csc: return CSCMatrix<V, I>::from_csr(m);
    case Format::block_sparse: return BlockSparseMatrix<V, I>::from_csr(m, bs);
    case Format::dense: break;
  }
  return m.to_dense();
}

template <typename V, typename I>
AnyMatrix<V, I> convert(const CSCMatrix<V, I>& m, Format f, std::int64_t bs) {
  switch (f) {
    case Format::csr: return CSRMatrix<V, I>::from_csc(m);
    case Format::csc: return m;
    case Format::block_sparse: return BlockSparseMatrix<V, I>::from_csc(m, bs);
    case Format::dense: break;
  }
  return m.to_dense();
}

template <typename V, typename I>
AnyMatrix<V, I> convert(const BlockSparseMatrix<V, I>& m, Format f, std::int64_t bs) {
  switch (f) {
    case Format::csr: return CSRMatrix<V, I>::from_block_sparse(m);
    case Format::csc: return CSCMatrix<V, I>::from_block_sparse(m);
    case Format::block_sparse:
      if (m.block_size() == bs) return m;
      return BlockSparseMatrix<V, I>::from_csr(CSRMatrix<V, I>::from_block_sparse(m), bs);
    case Format::dense: break;
  }
  return m.to_dense();
}

// Replaces the estimate's choice by the fastest measured candidate.
void apply_measurements(FormatRecommendation& r, const std::map<Format, double>& times, const SelectOptions& o) {
  r.measured = true;
  r.measured_seconds = times;
  Format best = o.force_sparse ? Format::csr : Format::dense;
  for (const auto& [f, t] : times) {
    if (o.force_sparse && f == Format::dense) continue;
    if (t < times.at(best)) best = f;
  }
  std::string list;
  for (const auto& [f, t] : times) list += (list.empty() ? "" : ", ") + detail::name(f) + " " + detail::seconds(t);
  const std::string estimate = "the estimate picked " + detail::name(r.format);
  r.format = best;
  detail::fill_savings(r);
  r.speedup = times.at(best) > 0 ? times.at(Format::dense) / times.at(best) : 1.0;
  r.reason = "measured " + detail::op_name(o) + " per call on this machine: " + list + "; fastest " +
             (o.force_sparse ? "sparse format " : "") + detail::name(best) + " (" + estimate + "). " +
             detail::summary(r, "measured");
}

template <typename V, typename I, typename M>
FormatRecommendation decide(const DynamicFormatSelector& s, const M& m, const SparsityAnalysis& a,
                            const SelectOptions& o) {
  FormatRecommendation r = s.recommend(a, o);
  if (!o.tune) return r;
  const std::int64_t bs = s.block_size();
  const auto times = detail::measure_formats<V, I>(a, o, [&](Format f) { return convert<V, I>(m, f, bs); });
  apply_measurements(r, times, o);
  return r;
}

}  // namespace

template <typename V, typename I>
FormatRecommendation DynamicFormatSelector::recommend_format(DenseView<const V> d, const SelectOptions& o) const {
  return decide<V, I>(*this, d, analyze_sparsity<V, I>(d), o);
}
template <typename V, typename I>
FormatRecommendation DynamicFormatSelector::recommend_format(const CSRMatrix<V, I>& m, const SelectOptions& o) const {
  return decide<V, I>(*this, m, analyze_sparsity(m), o);
}
template <typename V, typename I>
FormatRecommendation DynamicFormatSelector::recommend_format(const CSCMatrix<V, I>& m, const SelectOptions& o) const {
  return decide<V, I>(*this, m, analyze_sparsity(m), o);
}
template <typename V, typename I>
FormatRecommendation DynamicFormatSelector::recommend_format(const BlockSparseMatrix<V, I>& m,
                                                             const SelectOptions& o) const {
  return decide<V, I>(*this, m, analyze_sparsity(m), o);
}

template <typename V, typename I>
Selection<V, I> DynamicFormatSelector::select_format(DenseView<const V> d, const SelectOptions& o) const {
  auto r = recommend_format<V, I>(d, o);
  return {convert<V, I>(d, r.format, block_size_), std::move(r)};
}
template <typename V, typename I>
Selection<V, I> DynamicFormatSelector::select_format(const CSRMatrix<V, I>& m, const SelectOptions& o) const {
  auto r = recommend_format(m, o);
  return {convert<V, I>(m, r.format, block_size_), std::move(r)};
}
template <typename V, typename I>
Selection<V, I> DynamicFormatSelector::select_format(const CSCMatrix<V, I>& m, const SelectOptions& o) const {
  auto r = recommend_format(m, o);
  return {convert<V, I>(m, r.format, block_size_), std::move(r)};
}
template <typename V, typename I>
Selection<V, I> DynamicFormatSelector::select_format(const BlockSparseMatrix<V, I>& m, const SelectOptions& o) const {
  auto r = recommend_format(m, o);
  return {convert<V, I>(m, r.format, block_size_), std::move(r)};
}

#define INSTANTIATE(V, I)                                                                                             \
  template FormatRecommendation DynamicFormatSelector::recommend_format<V, I>(DenseView<const V>, const SelectOptions&) \
      const;                                                                                                          \
  template FormatRecommendation DynamicFormatSelector::recommend_format<V, I>(const CSRMatrix<V, I>&,                 \
                                                                              const SelectOptions&) const;            \
  template FormatRecommendation DynamicFormatSelector::recommend_format<V, I>(const CSCMatrix<V, I>&,                 \
                                                                              const SelectOptions&) const;            \
  template FormatRecommendation DynamicFormatSelector::recommend_format<V, I>(const BlockSparseMatrix<V, I>&,         \
                                                                              const SelectOptions&) const;            \
  template Selection<V, I> DynamicFormatSelector::select_format<V, I>(DenseView<const V>, const SelectOptions&) const; \
  template Selection<V, I> DynamicFormatSelector::select_format<V, I>(const CSRMatrix<V, I>&, const SelectOptions&)   \
      const;                                                                                                          \
  template Selection<V, I> DynamicFormatSelector::select_format<V, I>(const CSCMatrix<V, I>&, const SelectOptions&)   \
      const;                                                                                                          \
  template Selection<V, I> DynamicFormatSelector::select_format<V, I>(const BlockSparseMatrix<V, I>&,                 \
                                                                      const SelectOptions&) const;
SPARSE_FORMATS_FOR_EACH_TYPE(INSTANTIATE)
#undef INSTANTIATE

}  // namespace sparse_formats
