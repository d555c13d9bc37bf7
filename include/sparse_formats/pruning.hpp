// Pruners that produce the sparse weights the formats store. Inputs are never modified; the
// result is a pruned copy plus its mask.
//
// Counting and ties, for every pruner: the number of units (entries, rows, blocks) to prune is
// round-half-up(sparsity * units). Units are pruned in the order (score ascending, position
// ascending), so among equal scores the earlier position (row-major) is pruned first; the
// count is exact and the result deterministic. Entries that are already zero score 0 and are
// pruned first; an input with more zeros than the target keeps them (it cannot get denser).
// NaN anywhere in the input is rejected with invalid_argument naming its position.
#pragma once

#include <cstdint>

#include "sparse_formats/types.hpp"

namespace sparse_formats {

template <typename V>
struct PruneResult {
  DenseMatrix<V> weights;          // the pruned copy
  DenseMatrix<std::uint8_t> mask;  // 1 where the weight is kept, 0 where it was pruned
  std::int64_t pruned = 0;         // entries set to zero by the mask (already-zero ones included)
};

// Where the magnitude threshold is taken: over the whole matrix, or separately per row
// (each row keeps the same count).
enum class PruneScope { global, row };

// Unstructured: prune the entries of smallest |w|.
class MagnitudePruner {
 public:
  explicit MagnitudePruner(double sparsity, PruneScope scope = PruneScope::global);
  double sparsity() const { return sparsity_; }
  PruneScope scope() const { return scope_; }

  template <typename V>
  PruneResult<V> prune(DenseView<const V> weights) const;
  template <typename V>
  PruneResult<V> prune(const DenseMatrix<V>& weights) const { return prune(weights.view()); }

 private:
  double sparsity_;
  PruneScope scope_;
};

// channel: whole rows (output channels of a (out, in) weight), scored by their L2 norm.
// block:   block_size x block_size tiles (edge tiles smaller), scored by their root mean square,
//          so partial edge tiles compete fairly; the count is in tiles.
// n_m:     in each group of m consecutive entries along a row keep the n of largest |w|
//          (a trailing group of r < m entries keeps min(n, r)); the sparsity must equal 1 - n/m.
enum class Granularity { channel, block, n_m };

class StructuredPruner {
 public:
  explicit StructuredPruner(double sparsity, Granularity granularity = Granularity::channel,
                            std::int64_t block_size = 8, std::int64_t n = 2, std::int64_t m = 4);
  double sparsity() const { return sparsity_; }
  Granularity granularity() const { return granularity_; }
  std::int64_t block_size() const { return block_size_; }
  std::int64_t n() const { return n_; }
  std::int64_t m() const { return m_; }

  template <typename V>
  PruneResult<V> prune(DenseView<const V> weights) const;
  template <typename V>
  PruneResult<V> prune(const DenseMatrix<V>& weights) const { return prune(weights.view()); }

 private:
  double sparsity_;
  Granularity granularity_;
  std::int64_t block_size_;
  std::int64_t n_;
  std::int64_t m_;
};

}  // namespace sparse_formats
