// Input checks and the pruned-copy builder shared by the pruners.
#pragma once

#include <cmath>
#include <cstdint>
#include <span>
#include <string>

#include "sparse_formats/config.hpp"
#include "sparse_formats/errors.hpp"
#include "sparse_formats/pruning.hpp"

namespace sparse_formats::detail {

// A row-major copy of the weights; rejects bad views and NaN (naming the first position).
template <typename V>
DenseMatrix<V> checked_copy(const char* who, DenseView<const V> w) {
  if (w.rows < 0 || w.cols < 0)
    throw invalid_argument(std::string(who) + ": negative shape " + to_string(w.shape()));
  if (w.rows * w.cols > 0 && w.data == nullptr)
    throw invalid_argument(std::string(who) + ": null data pointer for a non-empty matrix");
  DenseMatrix<V> out(w.rows, w.cols);
  bool has_nan = false;
#pragma omp parallel for schedule(static) reduction(|| : has_nan) if (w.rows * w.cols > (1 << 16)) \
    num_threads(sparse_formats::num_threads())
  for (std::int64_t i = 0; i < w.rows; ++i) {
    V* o = out.data.data() + i * w.cols;
    bool row_nan = false;
    for (std::int64_t j = 0; j < w.cols; ++j) {
      const V v = w(i, j);
      row_nan |= v != v;
      o[j] = v;
    }
    has_nan = has_nan || row_nan;
  }
  if (has_nan)
    for (std::int64_t i = 0; i < w.rows; ++i)
      for (std::int64_t j = 0; j < w.cols; ++j)
        if (std::isnan(out(i, j)))
          throw invalid_argument(std::string(who) + ": weights contain NaN at (" + std::to_string(i) + ", " +
                                 std::to_string(j) + "); magnitudes of NaN cannot be ranked");
  return out;
}

// Zeroes the pruned entries of `weights` in place and fills the keep-mask.
template <typename V>
PruneResult<V> apply_pruned(DenseMatrix<V> weights, std::span<const std::uint8_t> pruned) {
  PruneResult<V> r;
  r.mask = DenseMatrix<std::uint8_t>(weights.rows, weights.cols);
  for (std::size_t p = 0; p < weights.data.size(); ++p) {
    const bool cut = pruned[p] != 0 || weights.data[p] == V(0);
    r.mask.data[p] = cut ? 0 : 1;
    if (cut) {
      weights.data[p] = V(0);  // also turns -0.0 into +0.0
      ++r.pruned;
    }
  }
  r.weights = std::move(weights);
  return r;
}

}  // namespace sparse_formats::detail
