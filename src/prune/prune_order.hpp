// The one selection rule every pruner uses: prune the k units first in the order
// (score ascending, position ascending). O(units) with nth_element, no full sort.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "sparse_formats/errors.hpp"

namespace sparse_formats::detail {

// round-half-up(sparsity * units), clamped to [0, units].
inline std::int64_t prune_count(double sparsity, std::int64_t units) {
  const auto k = static_cast<std::int64_t>(std::floor(sparsity * static_cast<double>(units) + 0.5));
  return std::clamp<std::int64_t>(k, 0, units);
}

inline void check_sparsity(const char* who, double sparsity) {
  if (!(sparsity >= 0.0 && sparsity <= 1.0))
    throw invalid_argument(std::string(who) + ": sparsity must be in [0, 1], got " + std::to_string(sparsity));
}

// Marks pruned[i] = 1 for the k units first in (score[i], i) order. `scratch` avoids reallocation
// when called per row. Scores must not be NaN.
template <typename S>
void mark_smallest(std::span<const S> score, std::int64_t k, std::span<std::uint8_t> pruned, std::vector<S>& scratch) {
  const auto n = static_cast<std::int64_t>(score.size());
  std::fill(pruned.begin(), pruned.end(), std::uint8_t{0});
  if (k <= 0) return;
  if (k >= n) {
    std::fill(pruned.begin(), pruned.end(), std::uint8_t{1});
    return;
  }
  scratch.assign(score.begin(), score.end());
  std::nth_element(scratch.begin(), scratch.begin() + (k - 1), scratch.end());
  const S t = scratch[static_cast<std::size_t>(k - 1)];  // the k-th smallest score
  std::int64_t below = 0;
  for (std::int64_t i = 0; i < n; ++i) below += score[i] < t;
  std::int64_t ties_to_prune = k - below;  // >= 1: t itself is among the k smallest
  for (std::int64_t i = 0; i < n; ++i) {
    if (score[i] < t) {
      pruned[i] = 1;
    } else if (score[i] == t && ties_to_prune > 0) {
      pruned[i] = 1;
      --ties_to_prune;
    }
  }
}

}  // namespace sparse_formats::detail
