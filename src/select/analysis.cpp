// analyze_sparsity for every input kind: one pass over the stored entries counting row
// lengths and non-empty blocks, then the derived statistics and exact byte counts.
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "instantiate.hpp"
#include "sparse_formats/errors.hpp"
#include "sparse_formats/selector.hpp"

namespace sparse_formats {

namespace {

// Counts row lengths and non-empty bs x bs blocks of one matrix as entries are visited.
// Blocks are found with a stamp per block column (or row) holding the last block row (or
// column) + 1 that touched it, so the visit must go through major slices in increasing order.
class PatternCounter {
 public:
  PatternCounter(Shape shape, std::int64_t bs, bool column_major)
      : shape_(shape), bs_(bs), column_major_(column_major), row_len_(static_cast<std::size_t>(shape.rows), 0),
        stamp_(static_cast<std::size_t>(column_major ? block_count(shape.rows) : block_count(shape.cols)), 0) {}

  // The entry (i, j) is a non-zero.
  void add(std::int64_t i, std::int64_t j) {
    ++row_len_[static_cast<std::size_t>(i)];
    ++nnz_;
    const std::int64_t major_block = (column_major_ ? j : i) / bs_ + 1;
    auto& s = stamp_[static_cast<std::size_t>((column_major_ ? i : j) / bs_)];
    if (s != major_block) {
      s = major_block;
      ++nonempty_;
      nonempty_area_ += area(i / bs_, j / bs_);
    }
  }
  // For block-sparse input, whose blocks are visited once each.
  void add_in_block(std::int64_t i, std::int64_t j, bool first_in_block) {
    ++row_len_[static_cast<std::size_t>(i)];
    ++nnz_;
    if (first_in_block) {
      ++nonempty_;
      nonempty_area_ += area(i / bs_, j / bs_);
    }
  }

  SparsityAnalysis finish(std::size_t value_bytes, std::size_t index_bytes, double fill_threshold) const;

 private:
  std::int64_t block_count(std::int64_t n) const { return (n + bs_ - 1) / bs_; }
  std::int64_t area(std::int64_t br, std::int64_t bc) const {
    return (std::min(bs_, shape_.rows - br * bs_)) * (std::min(bs_, shape_.cols - bc * bs_));
  }

  Shape shape_;
  std::int64_t bs_;
  bool column_major_;
  std::vector<std::int64_t> row_len_;
  std::vector<std::int64_t> stamp_;
  std::int64_t nnz_ = 0;
  std::int64_t nonempty_ = 0;
  std::int64_t nonempty_area_ = 0;
};

SparsityAnalysis PatternCounter::finish(std::size_t value_bytes, std::size_t index_bytes,
                                        double fill_threshold) const {
  SparsityAnalysis a;
  const std::int64_t rows = shape_.rows, cols = shape_.cols, bs = bs_;
  const double elements = static_cast<double>(rows) * static_cast<double>(cols);
  a.shape = shape_;
  a.nnz = nnz_;
  a.density = elements > 0 ? static_cast<double>(nnz_) / elements : 0.0;
  a.sparsity = elements > 0 ? 1.0 - a.density : 0.0;
  if (rows > 0) {
    a.row_nnz_mean = static_cast<double>(nnz_) / static_cast<double>(rows);
    double var = 0;
    for (const auto len : row_len_) {
      a.row_nnz_max = std::max(a.row_nnz_max, len);
      const double d = static_cast<double>(len) - a.row_nnz_mean;
      var += d * d;
    }
    var /= static_cast<double>(rows);
    a.row_nnz_cv = a.row_nnz_mean > 0 ? std::sqrt(var) / a.row_nnz_mean : 0.0;
  }

  a.block_size = bs;
  const std::int64_t brows = block_count(rows), bcols = block_count(cols);
  a.total_blocks = brows * bcols;
  a.nonempty_blocks = nonempty_;
  a.mean_block_fill = nonempty_area_ > 0 ? static_cast<double>(nnz_) / static_cast<double>(nonempty_area_) : 0.0;
  // Expected non-empty blocks under uniform random placement, grouped by the four tile areas.
  const std::int64_t full_r = rows / bs, full_c = cols / bs, rem_r = rows % bs, rem_c = cols % bs;
  const double log_empty = a.density < 1.0 ? std::log1p(-a.density) : -INFINITY;
  auto p_nonempty = [&](std::int64_t area) { return area > 0 ? 1.0 - std::exp(static_cast<double>(area) * log_empty) : 0.0; };
  a.expected_random_blocks = static_cast<double>(full_r * full_c) * p_nonempty(bs * bs) +
                             static_cast<double>(full_r * (rem_c > 0)) * p_nonempty(bs * rem_c) +
                             static_cast<double>(full_c * (rem_r > 0)) * p_nonempty(rem_r * bs) +
                             static_cast<double>(rem_r > 0 && rem_c > 0) * p_nonempty(rem_r * rem_c);
  a.has_block_structure = nnz_ > 0 && a.mean_block_fill >= fill_threshold &&
                          static_cast<double>(nonempty_) <= kBlockConcentration * a.expected_random_blocks;

  const auto nnz = static_cast<std::size_t>(nnz_);
  a.value_bytes = value_bytes;
  a.index_bytes = index_bytes;
  a.bytes_dense = static_cast<std::size_t>(rows) * static_cast<std::size_t>(cols) * value_bytes;
  a.bytes_csr = nnz * (value_bytes + index_bytes) + static_cast<std::size_t>(rows + 1) * index_bytes;
  a.bytes_csc = nnz * (value_bytes + index_bytes) + static_cast<std::size_t>(cols + 1) * index_bytes;
  a.bytes_block_sparse = static_cast<std::size_t>(nonempty_) * (static_cast<std::size_t>(bs * bs) * value_bytes + index_bytes) +
                         static_cast<std::size_t>(brows + 1) * index_bytes;
  return a;
}

void check_dense_view(const char* who, Shape s, const void* data) {
  if (s.rows < 0 || s.cols < 0) throw invalid_argument(std::string(who) + ": negative shape " + to_string(s));
  if (s.rows * s.cols > 0 && data == nullptr)
    throw invalid_argument(std::string(who) + ": null data pointer for a non-empty matrix");
}

}  // namespace

std::size_t SparsityAnalysis::bytes(Format f) const {
  switch (f) {
    case Format::dense: return bytes_dense;
    case Format::csr: return bytes_csr;
    case Format::csc: return bytes_csc;
    case Format::block_sparse: return bytes_block_sparse;
  }
  return bytes_dense;
}

// A stored entry counts when v != 0, which holds for NaN too (as in from_dense).
template <typename V, typename I>
SparsityAnalysis DynamicFormatSelector::analyze_sparsity(DenseView<const V> dense) const {
  check_dense_view("analyze_sparsity", dense.shape(), dense.data);
  PatternCounter c(dense.shape(), block_size_, false);
  for (std::int64_t i = 0; i < dense.rows; ++i)
    for (std::int64_t j = 0; j < dense.cols; ++j)
      if (dense(i, j) != V(0)) c.add(i, j);
  return c.finish(sizeof(V), sizeof(I), block_density_threshold_);
}

template <typename V, typename I>
SparsityAnalysis DynamicFormatSelector::analyze_sparsity(const CSRMatrix<V, I>& m) const {
  PatternCounter c(m.shape(), block_size_, false);
  const auto ptr = m.row_ptr();
  const auto idx = m.col_indices();
  const auto val = m.values();
  for (std::int64_t i = 0; i < m.nrows(); ++i)
    for (auto p = static_cast<std::int64_t>(ptr[i]); p < static_cast<std::int64_t>(ptr[i + 1]); ++p)
      if (val[p] != V(0)) c.add(i, static_cast<std::int64_t>(idx[p]));
  return c.finish(sizeof(V), sizeof(I), block_density_threshold_);
}

template <typename V, typename I>
SparsityAnalysis DynamicFormatSelector::analyze_sparsity(const CSCMatrix<V, I>& m) const {
  PatternCounter c(m.shape(), block_size_, true);
  const auto ptr = m.col_ptr();
  const auto idx = m.row_indices();
  const auto val = m.values();
  for (std::int64_t j = 0; j < m.ncols(); ++j)
    for (auto p = static_cast<std::int64_t>(ptr[j]); p < static_cast<std::int64_t>(ptr[j + 1]); ++p)
      if (val[p] != V(0)) c.add(static_cast<std::int64_t>(idx[p]), j);
  return c.finish(sizeof(V), sizeof(I), block_density_threshold_);
}

template <typename V, typename I>
SparsityAnalysis DynamicFormatSelector::analyze_sparsity(const BlockSparseMatrix<V, I>& m) const {
  if (m.block_size() == block_size_) {
    // Visit the stored blocks directly: each is one block of the configured grid.
    PatternCounter c(m.shape(), block_size_, false);
    const auto bs = m.block_size();
    const auto ptr = m.block_row_ptr();
    const auto idx = m.block_indices();
    const auto blocks = m.blocks();
    const std::int64_t brows = m.storage().block_rows();
    for (std::int64_t br = 0; br < brows; ++br)
      for (auto b = static_cast<std::int64_t>(ptr[br]); b < static_cast<std::int64_t>(ptr[br + 1]); ++b) {
        const V* blk = blocks.data() + b * bs * bs;
        const std::int64_t c0 = static_cast<std::int64_t>(idx[b]) * bs;
        bool first = true;
        for (std::int64_t r = 0; r < bs && br * bs + r < m.nrows(); ++r)
          for (std::int64_t q = 0; q < bs && c0 + q < m.ncols(); ++q) {
            const V v = blk[r * bs + q];
            if (v != V(0)) {
              c.add_in_block(br * bs + r, c0 + q, first);
              first = false;
            }
          }
      }
    return c.finish(sizeof(V), sizeof(I), block_density_threshold_);
  }
  // A different block grid: go through CSR (rows in order, as the counter needs).
  return analyze_sparsity(CSRMatrix<V, I>::from_block_sparse(m));
}

#define INSTANTIATE(V, I)                                                                                       \
  template SparsityAnalysis DynamicFormatSelector::analyze_sparsity<V, I>(DenseView<const V>) const;            \
  template SparsityAnalysis DynamicFormatSelector::analyze_sparsity<V, I>(const CSRMatrix<V, I>&) const;        \
  template SparsityAnalysis DynamicFormatSelector::analyze_sparsity<V, I>(const CSCMatrix<V, I>&) const;        \
  template SparsityAnalysis DynamicFormatSelector::analyze_sparsity<V, I>(const BlockSparseMatrix<V, I>&) const;
SPARSE_FORMATS_FOR_EACH_TYPE(INSTANTIATE)
#undef INSTANTIATE

}  // namespace sparse_formats
