// Structured pruning: whole rows (channels), whole tiles (blocks), or n of every m along rows.
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "prune/prune_input.hpp"
#include "prune/prune_order.hpp"
#include "sparse_formats/config.hpp"
#include "sparse_formats/pruning.hpp"

namespace sparse_formats {

StructuredPruner::StructuredPruner(double sparsity, Granularity granularity, std::int64_t block_size, std::int64_t n,
                                   std::int64_t m)
    : sparsity_(sparsity), granularity_(granularity), block_size_(block_size), n_(n), m_(m) {
  detail::check_sparsity("StructuredPruner", sparsity);
  if (granularity == Granularity::block && block_size < 1)
    throw invalid_argument("StructuredPruner: block_size must be >= 1, got " + std::to_string(block_size));
  if (granularity == Granularity::n_m) {
    if (m < 1 || n < 0 || n > m)
      throw invalid_argument("StructuredPruner: n:m needs 0 <= n <= m and m >= 1, got " + std::to_string(n) + ":" +
                             std::to_string(m));
    const double implied = 1.0 - static_cast<double>(n) / static_cast<double>(m);
    if (std::abs(implied - sparsity) > 1e-9)
      throw invalid_argument("StructuredPruner: " + std::to_string(n) + ":" + std::to_string(m) +
                             " pruning has sparsity " + std::to_string(implied) + ", but sparsity " +
                             std::to_string(sparsity) + " was requested");
  }
}

namespace {

template <typename V>
std::vector<std::uint8_t> channel_pruned(const DenseMatrix<V>& w, double sparsity) {
  std::vector<double> score(static_cast<std::size_t>(w.rows), 0.0);
  for (std::int64_t i = 0; i < w.rows; ++i) {
    double s = 0;
    for (std::int64_t j = 0; j < w.cols; ++j) s += static_cast<double>(w(i, j)) * w(i, j);
    score[i] = std::sqrt(s);
  }
  std::vector<std::uint8_t> row_cut(score.size());
  std::vector<double> scratch;
  detail::mark_smallest<double>(score, detail::prune_count(sparsity, w.rows), row_cut, scratch);
  std::vector<std::uint8_t> pruned(w.data.size());
  for (std::int64_t i = 0; i < w.rows; ++i)
    std::fill_n(pruned.begin() + i * w.cols, w.cols, row_cut[i]);
  return pruned;
}

template <typename V>
std::vector<std::uint8_t> block_pruned(const DenseMatrix<V>& w, double sparsity, std::int64_t bs) {
  const std::int64_t br = (w.rows + bs - 1) / bs, bc = (w.cols + bs - 1) / bs;
  std::vector<double> score(static_cast<std::size_t>(br * bc), 0.0);
  for (std::int64_t i = 0; i < w.rows; ++i)
    for (std::int64_t j = 0; j < w.cols; ++j) score[(i / bs) * bc + j / bs] += static_cast<double>(w(i, j)) * w(i, j);
  for (std::int64_t b = 0; b < br * bc; ++b) {
    const std::int64_t h = std::min(bs, w.rows - (b / bc) * bs), wd = std::min(bs, w.cols - (b % bc) * bs);
    score[b] = std::sqrt(score[b] / static_cast<double>(h * wd));  // RMS: edge tiles compete fairly
  }
  std::vector<std::uint8_t> block_cut(score.size());
  std::vector<double> scratch;
  detail::mark_smallest<double>(score, detail::prune_count(sparsity, br * bc), block_cut, scratch);
  std::vector<std::uint8_t> pruned(w.data.size());
  for (std::int64_t i = 0; i < w.rows; ++i)
    for (std::int64_t j = 0; j < w.cols; ++j) pruned[i * w.cols + j] = block_cut[(i / bs) * bc + j / bs];
  return pruned;
}

template <typename V>
std::vector<std::uint8_t> n_m_pruned(const DenseMatrix<V>& w, std::int64_t n, std::int64_t m) {
  std::vector<std::uint8_t> pruned(w.data.size());
  const auto cols = static_cast<std::size_t>(w.cols);
#pragma omp parallel for schedule(static) if (w.rows * w.cols > (1 << 16)) num_threads(sparse_formats::num_threads())
  for (std::int64_t i = 0; i < w.rows; ++i)
    detail::mark_n_of_m<V>(std::span<const V>(w.data).subspan(i * cols, cols), n, m,
                           std::span<std::uint8_t>(pruned).subspan(i * cols, cols));
  return pruned;
}

}  // namespace

template <typename V>
PruneResult<V> StructuredPruner::prune(DenseView<const V> weights) const {
  DenseMatrix<V> w = detail::checked_copy("StructuredPruner", weights);
  std::vector<std::uint8_t> pruned;
  switch (granularity_) {
    case Granularity::channel: pruned = channel_pruned(w, sparsity_); break;
    case Granularity::block: pruned = block_pruned(w, sparsity_, block_size_); break;
    case Granularity::n_m: pruned = n_m_pruned(w, n_, m_); break;
  }
  return detail::apply_pruned(std::move(w), pruned);
}

template PruneResult<float> StructuredPruner::prune<float>(DenseView<const float>) const;
template PruneResult<double> StructuredPruner::prune<double>(DenseView<const double>) const;

}  // namespace sparse_formats
