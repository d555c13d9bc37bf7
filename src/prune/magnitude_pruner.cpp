// Unstructured magnitude pruning, globally or per row.
#include <cmath>
#include <vector>

#include "prune/prune_input.hpp"
#include "prune/prune_order.hpp"
#include "sparse_formats/config.hpp"
#include "sparse_formats/pruning.hpp"

namespace sparse_formats {

MagnitudePruner::MagnitudePruner(double sparsity, PruneScope scope) : sparsity_(sparsity), scope_(scope) {
  detail::check_sparsity("MagnitudePruner", sparsity);
}

template <typename V>
PruneResult<V> MagnitudePruner::prune(DenseView<const V> weights) const {
  DenseMatrix<V> w = detail::checked_copy("MagnitudePruner", weights);
  std::vector<std::uint8_t> pruned(w.data.size());
  if (scope_ == PruneScope::global) {
    std::vector<V> scratch;
    const auto k = detail::prune_count(sparsity_, static_cast<std::int64_t>(w.data.size()));
    detail::mark_smallest_magnitudes<V>(w.data, k, pruned, scratch);
  } else {
    const auto k = detail::prune_count(sparsity_, w.cols);
    const auto cols = static_cast<std::size_t>(w.cols);
#pragma omp parallel if (w.rows * w.cols > (1 << 16)) num_threads(sparse_formats::num_threads())
    {
      std::vector<V> scratch;  // per thread
#pragma omp for schedule(static)
      for (std::int64_t i = 0; i < w.rows; ++i)
        detail::mark_smallest_magnitudes<V>(std::span<const V>(w.data).subspan(i * cols, cols), k,
                                            std::span<std::uint8_t>(pruned).subspan(i * cols, cols), scratch);
    }
  }
  return detail::apply_pruned(std::move(w), pruned);
}

template PruneResult<float> MagnitudePruner::prune<float>(DenseView<const float>) const;
template PruneResult<double> MagnitudePruner::prune<double>(DenseView<const double>) const;

}  // namespace sparse_formats
