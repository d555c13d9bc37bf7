// Format selection that explains itself: measure the sparsity pattern once, apply the design
// document's rules, guard them with byte counts and a cost model of the operation so that the
// choice is never both larger and slower than an alternative, or time the candidates (tune).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <variant>

#include "sparse_formats/block_sparse_matrix.hpp"
#include "sparse_formats/csc_matrix.hpp"
#include "sparse_formats/csr_matrix.hpp"
#include "sparse_formats/types.hpp"

namespace sparse_formats {

enum class Format { dense, csr, csc, block_sparse };
std::string to_string(Format format);  // "dense", "csr", "csc", "block_sparse"

// What the weights are used for: y = W x (row, forward pass) or y = W^T x (col, backward pass).
enum class PreferredOp { row, col };
// spmv multiplies one vector; spmm a dense block of `batch` columns.
enum class Operation { spmv, spmm };

// Everything the decision needs, measured in one pass over the stored entries.
// An entry is a non-zero when it is != 0 (NaN and Inf count); explicit zeros stored in a
// sparse input are not counted.
struct SparsityAnalysis {
  Shape shape;
  std::int64_t nnz = 0;
  double sparsity = 0.0;  // 1 - nnz / (rows * cols); 0 for an empty shape
  double density = 0.0;
  double row_nnz_mean = 0.0;
  std::int64_t row_nnz_max = 0;
  double row_nnz_cv = 0.0;  // coefficient of variation (std / mean) of the row lengths; 0 when mean is 0

  std::int64_t block_size = 0;
  std::int64_t total_blocks = 0;     // ceil(rows / bs) * ceil(cols / bs)
  std::int64_t nonempty_blocks = 0;  // blocks holding at least one non-zero
  double mean_block_fill = 0.0;      // nnz / area (inside the matrix) of the non-empty blocks
  // Non-empty blocks that uniform random placement of nnz non-zeros would give on average:
  // sum over blocks of 1 - (1 - density)^area.
  double expected_random_blocks = 0.0;
  // Block structure: the non-zeros sit in blocks that are well filled (mean_block_fill >=
  // block_density_threshold) AND in clearly fewer blocks than random placement would occupy
  // (nonempty_blocks <= kBlockConcentration * expected_random_blocks). Unstructured pruning at
  // 50-75% sparsity touches nearly every 8x8 block, so it fails the second test.
  bool has_block_structure = false;

  // Exact bytes of each format for the analysed value and index types (as memory_footprint()).
  std::size_t bytes_dense = 0;
  std::size_t bytes_csr = 0;
  std::size_t bytes_csc = 0;
  std::size_t bytes_block_sparse = 0;
  std::size_t value_bytes = 0;
  std::size_t index_bytes = 0;

  std::size_t bytes(Format f) const;
};

// The block-structure test's second condition (see SparsityAnalysis::has_block_structure).
// 0.8: structured pruning at the document's 50-75% band empties 25-50% of the blocks, random
// pruning empties almost none (0.75^64 ~ 1e-8 at 75% sparsity with 8x8 blocks), so any value
// well between 0.5 and 1 separates them; 0.8 leaves room for sampling noise on small matrices.
inline constexpr double kBlockConcentration = 0.8;

struct SelectOptions {
  PreferredOp preferred_op = PreferredOp::row;
  bool force_sparse = false;  // never return dense
  Operation op = Operation::spmv;
  std::int64_t batch = 1;     // columns of x for spmm (ignored for spmv)
  bool tune = false;          // time the candidates instead of estimating
  double tune_budget_seconds = 0.2;  // total timing budget of one tune call (conversions excluded)
};

// Options for the document's contexts: inference = forward products (row), training = the
// backward pass's transposed products (col).
enum class Context { inference, training };
SelectOptions options_for(Context context);

struct FormatRecommendation {
  Format format = Format::dense;
  std::string reason;               // plain words with the numbers behind the choice
  double compression_ratio = 1.0;   // dense bytes / bytes of the chosen format
  double memory_savings_mb = 0.0;   // (dense - chosen) bytes / 1e6; negative when larger
  double speedup = 1.0;             // time of dense / time of the chosen format, for the stated op
  bool measured = false;            // speedup and times measured (tune) rather than estimated
  Format rule_format = Format::dense;  // what the document's rules alone picked
  // Per candidate: estimated cost (model nanoseconds) and, with tune, measured seconds per call.
  std::map<Format, double> estimated_cost;
  std::map<Format, double> measured_seconds;
  SparsityAnalysis analysis;
};

template <typename V, typename I>
using AnyMatrix = std::variant<DenseMatrix<V>, CSRMatrix<V, I>, CSCMatrix<V, I>, BlockSparseMatrix<V, I>>;

template <typename V, typename I>
struct Selection {
  AnyMatrix<V, I> matrix;  // the input converted losslessly to the chosen format
  FormatRecommendation recommendation;
};

// Estimated time of op on a matrix with these features, in nanoseconds of one thread of the
// development machine (src/select/cost_model.cpp has the constants and where they come from).
double estimate_cost(const SparsityAnalysis& a, Format f, const SelectOptions& options);

class DynamicFormatSelector {
 public:
  explicit DynamicFormatSelector(double sparsity_threshold_dense = 0.50, double sparsity_threshold_block = 0.75,
                                 std::int64_t block_size = 8, double block_density_threshold = 0.20);

  double sparsity_threshold_dense() const { return sparsity_threshold_dense_; }
  double sparsity_threshold_block() const { return sparsity_threshold_block_; }
  std::int64_t block_size() const { return block_size_; }
  double block_density_threshold() const { return block_density_threshold_; }

  // One pass over the input. I is the index type the byte counts assume for a dense input.
  template <typename V, typename I = std::int32_t>
  SparsityAnalysis analyze_sparsity(DenseView<const V> dense) const;
  template <typename V, typename I = std::int32_t>
  SparsityAnalysis analyze_sparsity(const DenseMatrix<V>& dense) const {
    return analyze_sparsity<V, I>(dense.view());
  }
  template <typename V, typename I>
  SparsityAnalysis analyze_sparsity(const CSRMatrix<V, I>& m) const;
  template <typename V, typename I>
  SparsityAnalysis analyze_sparsity(const CSCMatrix<V, I>& m) const;
  template <typename V, typename I>
  SparsityAnalysis analyze_sparsity(const BlockSparseMatrix<V, I>& m) const;

  // The estimated decision: a pure function of the features and the options (tune is ignored).
  FormatRecommendation recommend(const SparsityAnalysis& analysis, const SelectOptions& options = {}) const;

  // recommend(), or with options.tune the fastest measured candidate (cached per shape, nnz,
  // non-empty blocks, op, batch, transpose and types).
  template <typename V, typename I = std::int32_t>
  FormatRecommendation recommend_format(DenseView<const V> dense, const SelectOptions& options = {}) const;
  template <typename V, typename I = std::int32_t>
  FormatRecommendation recommend_format(const DenseMatrix<V>& dense, const SelectOptions& options = {}) const {
    return recommend_format<V, I>(dense.view(), options);
  }
  template <typename V, typename I>
  FormatRecommendation recommend_format(const CSRMatrix<V, I>& m, const SelectOptions& options = {}) const;
  template <typename V, typename I>
  FormatRecommendation recommend_format(const CSCMatrix<V, I>& m, const SelectOptions& options = {}) const;
  template <typename V, typename I>
  FormatRecommendation recommend_format(const BlockSparseMatrix<V, I>& m, const SelectOptions& options = {}) const;

  // The recommendation plus the input converted to its format (lossless: every non-zero kept).
  template <typename V, typename I = std::int32_t>
  Selection<V, I> select_format(DenseView<const V> dense, const SelectOptions& options = {}) const;
  template <typename V, typename I = std::int32_t>
  Selection<V, I> select_format(const DenseMatrix<V>& dense, const SelectOptions& options = {}) const {
    return select_format<V, I>(dense.view(), options);
  }
  template <typename V, typename I>
  Selection<V, I> select_format(const CSRMatrix<V, I>& m, const SelectOptions& options = {}) const;
  template <typename V, typename I>
  Selection<V, I> select_format(const CSCMatrix<V, I>& m, const SelectOptions& options = {}) const;
  template <typename V, typename I>
  Selection<V, I> select_format(const BlockSparseMatrix<V, I>& m, const SelectOptions& options = {}) const;

 private:
  double sparsity_threshold_dense_;
  double sparsity_threshold_block_;
  std::int64_t block_size_;
  double block_density_threshold_;
};

// Drops every cached tune result (for tests and after changing the thread count).
void clear_tune_cache();

}  // namespace sparse_formats
