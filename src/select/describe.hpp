// Plain-words pieces of the selector's reasons, with the numbers formatted one way.
#pragma once

#include <array>
#include <cstdio>
#include <string>

#include "sparse_formats/selector.hpp"

namespace sparse_formats::detail {

inline constexpr std::array<Format, 4> kAllFormats = {Format::dense, Format::csr, Format::csc, Format::block_sparse};

inline std::string num(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}
inline std::string pct(double fraction) { return num(100.0 * fraction, 1) + "%"; }

inline std::string name(Format f) {
  switch (f) {
    case Format::dense: return "dense";
    case Format::csr: return "CSR";
    case Format::csc: return "CSC";
    case Format::block_sparse: return "block-sparse";
  }
  return "?";
}

inline std::string bytes(std::size_t b) {
  if (b >= 100000) return num(static_cast<double>(b) / 1e6, 2) + " MB";
  return std::to_string(b) + " B";
}

inline std::string seconds(double s) {
  if (s >= 1e-3) return num(s * 1e3, 2) + " ms";
  return num(s * 1e6, 1) + " us";
}

inline std::string op_name(const SelectOptions& o) {
  std::string s = o.op == Operation::spmm ? "spmm (batch " + std::to_string(o.batch) + ")" : std::string("spmv");
  if (o.preferred_op == PreferredOp::col) s += " transposed";
  return s;
}

inline std::string block_words(const SparsityAnalysis& a, double fill_threshold) {
  const std::string bs = std::to_string(a.block_size);
  return std::to_string(a.nonempty_blocks) + " of " + std::to_string(a.total_blocks) + " " + bs + "x" + bs +
         " blocks non-empty, " + pct(a.mean_block_fill) + " filled (threshold " + pct(fill_threshold) +
         "); random placement would fill " + num(a.expected_random_blocks, 0);
}

inline void fill_savings(FormatRecommendation& r) {
  const auto& a = r.analysis;
  const double chosen = static_cast<double>(a.bytes(r.format)), dense = static_cast<double>(a.bytes_dense);
  r.compression_ratio = chosen > 0 ? dense / chosen : 1.0;
  r.memory_savings_mb = (dense - chosen) / 1e6;
}

inline std::string summary(const FormatRecommendation& r, const std::string& how) {
  if (r.format == Format::dense)
    return "dense takes " + bytes(r.analysis.bytes_dense) + " (" + how + ")";
  return name(r.format) + " takes " + bytes(r.analysis.bytes(r.format)) + " vs " + bytes(r.analysis.bytes_dense) +
         " dense (" + num(r.compression_ratio, 2) + "x compression); " + how + " speed-up over dense " +
         num(r.speedup, 2) + "x";
}

}  // namespace sparse_formats::detail
