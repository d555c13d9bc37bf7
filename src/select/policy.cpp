// The decision: the design document's rules, then a guard that replaces a choice some
// alternative beats on both bytes and estimated time. A pure function of the features.
#include <string>

#include "select/describe.hpp"
#include "sparse_formats/errors.hpp"
#include "sparse_formats/selector.hpp"

namespace sparse_formats {

std::string to_string(Format format) {
  switch (format) {
    case Format::dense: return "dense";
    case Format::csr: return "csr";
    case Format::csc: return "csc";
    case Format::block_sparse: return "block_sparse";
  }
  return "unknown";
}

SelectOptions options_for(Context context) {
  SelectOptions o;
  o.preferred_op = context == Context::training ? PreferredOp::col : PreferredOp::row;
  return o;
}

DynamicFormatSelector::DynamicFormatSelector(double sparsity_threshold_dense, double sparsity_threshold_block,
                                             std::int64_t block_size, double block_density_threshold)
    : sparsity_threshold_dense_(sparsity_threshold_dense),
      sparsity_threshold_block_(sparsity_threshold_block),
      block_size_(block_size),
      block_density_threshold_(block_density_threshold) {
  auto in_unit = [](double v) { return v >= 0.0 && v <= 1.0; };
  if (!in_unit(sparsity_threshold_dense) || !in_unit(sparsity_threshold_block) ||
      sparsity_threshold_dense > sparsity_threshold_block)
    throw invalid_argument("DynamicFormatSelector: need 0 <= sparsity_threshold_dense (" +
                           detail::num(sparsity_threshold_dense, 3) + ") <= sparsity_threshold_block (" +
                           detail::num(sparsity_threshold_block, 3) + ") <= 1");
  if (block_size < 1) throw invalid_argument("DynamicFormatSelector: block_size must be >= 1, got " + std::to_string(block_size));
  if (!in_unit(block_density_threshold))
    throw invalid_argument("DynamicFormatSelector: block_density_threshold must be in [0, 1], got " +
                           detail::num(block_density_threshold, 3));
}

namespace {

void check_options(const SelectOptions& o) {
  if (o.op == Operation::spmm && o.batch < 1)
    throw invalid_argument("select_format: spmm batch must be >= 1, got " + std::to_string(o.batch));
  if (o.tune && !(o.tune_budget_seconds > 0.0))
    throw invalid_argument("select_format: tune_budget_seconds must be > 0");
}

Format sparse_for(PreferredOp op) { return op == PreferredOp::col ? Format::csc : Format::csr; }

std::string op_words(PreferredOp op) {
  return op == PreferredOp::col ? "CSC for transposed products (col / training backward pass)"
                                : "CSR for forward products (row / inference)";
}

}  // namespace

FormatRecommendation DynamicFormatSelector::recommend(const SparsityAnalysis& a, const SelectOptions& o) const {
  check_options(o);
  FormatRecommendation r;
  r.analysis = a;
  const double s = a.sparsity;
  const std::string sp = detail::pct(s);

  // 1. The design document's rules.
  std::string why;
  if (s < sparsity_threshold_dense_) {
    r.rule_format = Format::dense;
    why = "sparsity " + sp + " is below sparsity_threshold_dense " + detail::pct(sparsity_threshold_dense_) +
          ": dense (sparse overhead not worth it)";
  } else if (s < sparsity_threshold_block_) {
    const std::string blocks = detail::block_words(a, block_density_threshold_);
    if (a.has_block_structure) {
      r.rule_format = Format::block_sparse;
      why = "sparsity " + sp + " in [" + detail::pct(sparsity_threshold_dense_) + ", " +
            detail::pct(sparsity_threshold_block_) + ") with block structure (" + blocks + "): block-sparse";
    } else {
      r.rule_format = sparse_for(o.preferred_op);
      why = "sparsity " + sp + " in [" + detail::pct(sparsity_threshold_dense_) + ", " +
            detail::pct(sparsity_threshold_block_) + ") without block structure (" + blocks + "): " +
            op_words(o.preferred_op);
    }
  } else {
    r.rule_format = sparse_for(o.preferred_op);
    why = "sparsity " + sp + " >= sparsity_threshold_block " + detail::pct(sparsity_threshold_block_) + ": " +
          op_words(o.preferred_op);
  }
  Format f = r.rule_format;
  if (o.force_sparse && f == Format::dense) {
    f = sparse_for(o.preferred_op);
    why += "; force_sparse: " + op_words(o.preferred_op);
  }

  // 2. The guard: never keep a format that an alternative beats on bytes AND estimated time.
  for (const Format c : detail::kAllFormats) r.estimated_cost[c] = estimate_cost(a, c, o);
  for (;;) {
    Format better = f;
    for (const Format c : detail::kAllFormats) {
      if (o.force_sparse && c == Format::dense) continue;
      const bool dominates = a.bytes(c) < a.bytes(f) && r.estimated_cost[c] < r.estimated_cost[f];
      if (dominates && (better == f || r.estimated_cost[c] < r.estimated_cost[better])) better = c;
    }
    if (better == f) break;
    why += "; but " + detail::name(better) + " is both smaller (" + detail::bytes(a.bytes(better)) + " vs " +
           detail::bytes(a.bytes(f)) + ") and faster by the cost model (" +
           detail::num(r.estimated_cost[f] / r.estimated_cost[better], 2) + "x) than " + detail::name(f) +
           ", so " + detail::name(better);
    f = better;
  }

  r.format = f;
  detail::fill_savings(r);
  const double dense_cost = r.estimated_cost[Format::dense], chosen = r.estimated_cost[f];
  r.speedup = chosen > 0 ? dense_cost / chosen : 1.0;
  r.reason = why + ". " + detail::summary(r, detail::op_name(o) + ", estimated");
  return r;
}

}  // namespace sparse_formats
