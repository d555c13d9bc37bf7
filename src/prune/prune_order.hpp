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

// mark_smallest with score |w|, computed on the fly (no score array).
template <typename V>
void mark_smallest_magnitudes(std::span<const V> w, std::int64_t k, std::span<std::uint8_t> pruned,
                              std::vector<V>& scratch) {
  const auto n = static_cast<std::int64_t>(w.size());
  if (k <= 0 || k >= n) {
    std::fill(pruned.begin(), pruned.end(), std::uint8_t{k > 0});
    return;
  }
  scratch.resize(w.size());
  for (std::int64_t i = 0; i < n; ++i) scratch[i] = std::abs(w[i]);
  std::nth_element(scratch.begin(), scratch.begin() + (k - 1), scratch.end());
  const V t = scratch[static_cast<std::size_t>(k - 1)];
  std::int64_t below = 0;
  for (std::int64_t i = 0; i < n; ++i) below += std::abs(w[i]) < t;
  std::int64_t ties_to_prune = k - below;
  for (std::int64_t i = 0; i < n; ++i) {
    const V a = std::abs(w[i]);
    const bool tie = a == t && ties_to_prune > 0;
    ties_to_prune -= tie;
    pruned[i] = static_cast<std::uint8_t>(a < t || tie);
  }
}

// In each group of m consecutive entries of a row, keep the n first in the order (|w| descending,
// position descending) and prune the rest, i.e. prune the m - n first in (|w|, position)
// ascending. Each entry's rank is counted directly: O(m^2) per group, no sorting.
template <typename V>
void mark_n_of_m(std::span<const V> row, std::int64_t n, std::int64_t m, std::span<std::uint8_t> pruned) {
  const auto cols = static_cast<std::int64_t>(row.size());
  for (std::int64_t j0 = 0; j0 < cols; j0 += m) {
    const std::int64_t len = std::min(m, cols - j0);
    const std::int64_t keep = std::min(n, len);
    for (std::int64_t t = j0; t < j0 + len; ++t) {
      const V a = std::abs(row[t]);
      std::int64_t ahead = 0;  // entries kept before t
      for (std::int64_t u = j0; u < j0 + len; ++u) {
        const V b = std::abs(row[u]);
        ahead += (b > a) || (b == a && u > t);
      }
      pruned[t] = static_cast<std::uint8_t>(ahead >= keep);
    }
  }
}

}  // namespace sparse_formats::detail
