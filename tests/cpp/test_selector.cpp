// DynamicFormatSelector: analysis against brute force and the real byte counts, the rules at
// their boundaries, the never-worse guard, force_sparse / col preferences, and tune mode.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

#include <sparse_formats/sparse_formats.hpp>

namespace sf = sparse_formats;

namespace {

template <typename V = float>
sf::DenseMatrix<V> random_normal(std::int64_t rows, std::int64_t cols, unsigned seed) {
  sf::DenseMatrix<V> m(rows, cols);
  std::mt19937 rng(seed);
  std::normal_distribution<V> normal;
  for (auto& v : m.data) v = normal(rng);
  return m;
}

// Unstructured: magnitude pruning of normal weights to exactly round(s * size) zeros.
template <typename V = float>
sf::DenseMatrix<V> unstructured(std::int64_t rows, std::int64_t cols, double s, unsigned seed) {
  return sf::MagnitudePruner(s).prune(random_normal<V>(rows, cols, seed)).weights;
}

template <typename V = float>
sf::DenseMatrix<V> block_structured(std::int64_t rows, std::int64_t cols, double s, unsigned seed, std::int64_t bs = 8) {
  return sf::StructuredPruner(s, sf::Granularity::block, bs).prune(random_normal<V>(rows, cols, seed)).weights;
}

// rows x cols with exactly `full_blocks` completely filled 8x8 blocks (row-major order).
sf::DenseMatrix<float> full_blocks(std::int64_t rows, std::int64_t cols, std::int64_t count) {
  sf::DenseMatrix<float> m(rows, cols);
  const std::int64_t bc = cols / 8;
  for (std::int64_t b = 0; b < count; ++b)
    for (std::int64_t i = 0; i < 8; ++i)
      for (std::int64_t j = 0; j < 8; ++j) m((b / bc) * 8 + i, (b % bc) * 8 + j) = 1.0f + float(b);
  return m;
}

sf::SelectOptions opts(sf::PreferredOp p, sf::Operation op = sf::Operation::spmv, std::int64_t batch = 1,
                       bool force_sparse = false) {
  sf::SelectOptions o;
  o.preferred_op = p;
  o.op = op;
  o.batch = batch;
  o.force_sparse = force_sparse;
  return o;
}

std::vector<sf::SelectOptions> all_ops() {
  std::vector<sf::SelectOptions> v;
  for (const auto p : {sf::PreferredOp::row, sf::PreferredOp::col})
    for (const bool force : {false, true}) {
      v.push_back(opts(p, sf::Operation::spmv, 1, force));
      v.push_back(opts(p, sf::Operation::spmm, 32, force));
    }
  return v;
}

template <typename V, typename I>
sf::Format format_of(const sf::AnyMatrix<V, I>& m) {
  return static_cast<sf::Format>(m.index());  // variant order is Format's order
}

template <typename V, typename I>
std::vector<V> dense_of(const sf::AnyMatrix<V, I>& m) {
  return std::visit(
      [](const auto& x) {
        if constexpr (std::is_same_v<std::decay_t<decltype(x)>, sf::DenseMatrix<V>>) return x.data;
        else return x.to_dense().data;
      },
      m);
}

void expect_not_dominated(const sf::FormatRecommendation& r, const sf::SelectOptions& o) {
  const auto& a = r.analysis;
  for (const auto& [f, cost] : r.estimated_cost) {
    if (o.force_sparse && f == sf::Format::dense) continue;
    EXPECT_FALSE(a.bytes(f) < a.bytes(r.format) && cost < r.estimated_cost.at(r.format))
        << sf::to_string(f) << " beats the chosen " << sf::to_string(r.format) << ": " << r.reason;
  }
}

}  // namespace

TEST(Analysis, MatchesBruteForceAndEveryInputKind) {
  const sf::DynamicFormatSelector sel;
  unsigned seed = 10;
  for (const sf::Shape shape : {sf::Shape{0, 0}, sf::Shape{0, 7}, sf::Shape{1, 1}, sf::Shape{1, 40}, sf::Shape{40, 1},
                                sf::Shape{13, 29}, sf::Shape{64, 64}, sf::Shape{100, 37}})
    for (const double s : {0.0, 0.5, 0.9, 1.0}) {
      auto d = unstructured<double>(shape.rows, shape.cols, s, seed++);
      if (shape.rows > 2) for (std::int64_t j = 0; j < shape.cols; ++j) d(1, j) = 0.0;  // an empty row
      const auto a = sel.analyze_sparsity<double, std::int64_t>(d);
      std::int64_t nnz = 0, max_len = 0;
      for (std::int64_t i = 0; i < d.rows; ++i) {
        std::int64_t len = 0;
        for (std::int64_t j = 0; j < d.cols; ++j) len += d(i, j) != 0.0;
        nnz += len;
        max_len = std::max(max_len, len);
      }
      EXPECT_EQ(a.nnz, nnz);
      EXPECT_EQ(a.row_nnz_max, max_len);
      if (shape.rows * shape.cols > 0) EXPECT_DOUBLE_EQ(a.sparsity, 1.0 - double(nnz) / double(shape.rows * shape.cols));

      const auto csr = sf::CSRMatrix<double, std::int64_t>::from_dense(d.view(), 0.0);
      const auto csc = sf::CSCMatrix<double, std::int64_t>::from_dense(d.view(), 0.0);
      const auto bsr = sf::BlockSparseMatrix<double, std::int64_t>::from_dense(d.view(), 8);
      // The byte counts are exactly what the converted matrices take.
      EXPECT_EQ(a.bytes_csr, csr.memory_footprint().at("total"));
      EXPECT_EQ(a.bytes_csc, csc.memory_footprint().at("total"));
      EXPECT_EQ(a.bytes_block_sparse, bsr.memory_footprint().at("total"));
      EXPECT_EQ(a.bytes_dense, std::size_t(shape.rows * shape.cols) * sizeof(double));
      EXPECT_EQ(a.nonempty_blocks, bsr.num_blocks());
      for (const auto& b : {sel.analyze_sparsity(csr), sel.analyze_sparsity(csc), sel.analyze_sparsity(bsr)}) {
        EXPECT_EQ(b.nnz, a.nnz);
        EXPECT_EQ(b.nonempty_blocks, a.nonempty_blocks);
        EXPECT_EQ(b.row_nnz_max, a.row_nnz_max);
        EXPECT_NEAR(b.row_nnz_cv, a.row_nnz_cv, 1e-12);
        EXPECT_NEAR(b.mean_block_fill, a.mean_block_fill, 1e-12);
        EXPECT_EQ(b.bytes_csr, a.bytes_csr);
        EXPECT_EQ(b.bytes_block_sparse, a.bytes_block_sparse);
        EXPECT_EQ(b.has_block_structure, a.has_block_structure);
      }
    }
}

TEST(Analysis, RowStatistics) {
  sf::DenseMatrix<float> m(4, 10);
  for (std::int64_t j = 0; j < 10; ++j) m(0, j) = 1;  // lengths 10, 0, 2, 0
  m(2, 3) = m(2, 9) = -1;
  const auto a = sf::DynamicFormatSelector().analyze_sparsity(m);
  EXPECT_EQ(a.nnz, 12);
  EXPECT_DOUBLE_EQ(a.row_nnz_mean, 3.0);
  EXPECT_EQ(a.row_nnz_max, 10);
  EXPECT_NEAR(a.row_nnz_cv, std::sqrt((49.0 + 9 + 1 + 9) / 4) / 3.0, 1e-12);
}

TEST(Analysis, NonFiniteValuesAreNonZerosAndNegativeZeroIsNot) {
  sf::DenseMatrix<float> m(3, 5);
  m(0, 1) = std::nanf("");
  m(1, 4) = INFINITY;
  m(2, 0) = -INFINITY;
  m(2, 2) = -0.0f;  // a zero: not stored by from_dense, not counted here
  const sf::DynamicFormatSelector sel;
  EXPECT_EQ(sel.analyze_sparsity(m).nnz, 3);
  const auto csr = sf::CSRMatrix<float>::from_dense(m.view(), 0.0);
  EXPECT_EQ(sel.analyze_sparsity(csr).nnz, 3);
  EXPECT_EQ(sel.analyze_sparsity(sf::CSCMatrix<float>::from_csr(csr)).nnz, 3);
  EXPECT_EQ(sel.analyze_sparsity(sf::BlockSparseMatrix<float>::from_dense(m.view(), 2)).nnz, 3);
}

TEST(Analysis, BlockStructureTestSeparatesRandomFromBlockPruning) {
  const sf::DynamicFormatSelector sel;
  unsigned seed = 100;
  for (const sf::Shape shape : {sf::Shape{64, 64}, sf::Shape{256, 256}, sf::Shape{200, 520}}) {
    for (const double s : {0.5, 0.6, 0.7, 0.75}) {
      const auto r = sel.analyze_sparsity(unstructured(shape.rows, shape.cols, s, seed++));
      EXPECT_FALSE(r.has_block_structure) << "random " << s << " on " << to_string(shape);
      const auto b = sel.analyze_sparsity(block_structured(shape.rows, shape.cols, s, seed++));
      EXPECT_TRUE(b.has_block_structure) << "blocks " << s << " on " << to_string(shape);
      EXPECT_NEAR(b.mean_block_fill, 1.0, 1e-12);
    }
    // Row (channel) pruning is not 8x8 block structure either.
    const auto c = sf::StructuredPruner(0.6).prune(random_normal(shape.rows, shape.cols, seed++)).weights;
    EXPECT_FALSE(sel.analyze_sparsity(c).has_block_structure);
  }
}

TEST(Analysis, FillThresholdBoundary) {
  // 40 of 100 blocks hold 16 of 64 entries each: fill exactly 25%.
  sf::DenseMatrix<float> m(80, 80);
  for (std::int64_t b = 0; b < 40; ++b)
    for (std::int64_t t = 0; t < 16; ++t) m((b / 10) * 8 + t / 4, (b % 10) * 8 + t % 4) = 1.0f;
  EXPECT_TRUE(sf::DynamicFormatSelector(0.5, 0.75, 8, 0.25).analyze_sparsity(m).has_block_structure);
  EXPECT_FALSE(sf::DynamicFormatSelector(0.5, 0.75, 8, 0.2501).analyze_sparsity(m).has_block_structure);
}

TEST(Rules, ThresholdBoundaries) {
  const sf::DynamicFormatSelector sel;  // 0.50 / 0.75
  const auto row = opts(sf::PreferredOp::row), col = opts(sf::PreferredOp::col);
  // 80x80 = 100 blocks of 8x8; k full blocks give sparsity exactly 1 - k/100.
  struct Case { std::int64_t blocks; sf::Format row, col; };
  for (const auto c : {Case{51, sf::Format::dense, sf::Format::dense},            // 49%: dense
                       Case{50, sf::Format::block_sparse, sf::Format::block_sparse},  // 50%: blocks
                       Case{26, sf::Format::block_sparse, sf::Format::block_sparse},  // 74%
                       Case{25, sf::Format::csr, sf::Format::csc}}) {             // 75%: CSR / CSC
    const auto m = full_blocks(80, 80, c.blocks);
    EXPECT_EQ(sel.recommend_format(m, row).rule_format, c.row) << c.blocks;
    EXPECT_EQ(sel.recommend_format(m, col).rule_format, c.col) << c.blocks;
  }
  // Unstructured at exactly 50% and just below.
  const auto half = unstructured(80, 80, 0.5, 3);
  EXPECT_EQ(sel.recommend_format(half, row).rule_format, sf::Format::csr);
  EXPECT_EQ(sel.recommend_format(half, col).rule_format, sf::Format::csc);
  EXPECT_EQ(sel.recommend_format(unstructured(80, 80, 0.4999, 3), row).rule_format, sf::Format::dense);
  // Custom thresholds move the boundaries.
  const sf::DynamicFormatSelector strict(0.9, 0.95);
  EXPECT_EQ(strict.recommend_format(unstructured(80, 80, 0.85, 4), row).rule_format, sf::Format::dense);
  EXPECT_EQ(strict.recommend_format(unstructured(80, 80, 0.9, 4), row).rule_format, sf::Format::csr);
}

TEST(Rules, ContextTrainingPrefersCsc) {
  const sf::DynamicFormatSelector sel;
  const auto w = unstructured(256, 256, 0.92, 5);
  const auto train = sel.recommend_format(w, sf::options_for(sf::Context::training));
  EXPECT_EQ(train.format, sf::Format::csc) << train.reason;
  EXPECT_NE(train.reason.find("92.0%"), std::string::npos) << train.reason;
  EXPECT_EQ(sel.recommend_format(w, sf::options_for(sf::Context::inference)).rule_format, sf::Format::csr);
}

TEST(Guard, NeverLargerAndSlowerOnCraftedCases) {
  const sf::DynamicFormatSelector sel;
  std::vector<std::pair<const char*, sf::DenseMatrix<float>>> cases;
  cases.emplace_back("unstructured 60%", unstructured(256, 256, 0.6, 1));
  cases.emplace_back("blocks 60%", block_structured(256, 256, 0.6, 2));
  cases.emplace_back("unstructured 99%", unstructured(512, 512, 0.99, 3));
  cases.emplace_back("blocks 90%", block_structured(256, 256, 0.9, 4));
  cases.emplace_back("tiny 4x4 60%", unstructured(4, 4, 0.6, 5));
  cases.emplace_back("tiny 1x1", unstructured(1, 1, 0.0, 6));
  cases.emplace_back("tall 2048x16 80%", unstructured(2048, 16, 0.8, 7));
  cases.emplace_back("wide 16x2048 80%", unstructured(16, 2048, 0.8, 8));
  cases.emplace_back("empty 0x0", sf::DenseMatrix<float>(0, 0));
  cases.emplace_back("all zero", sf::DenseMatrix<float>(30, 30));
  for (const auto& [name, m] : cases)
    for (const auto& o : all_ops()) {
      const auto r = sel.recommend_format(m, o);
      SCOPED_TRACE(std::string(name) + ": " + r.reason);
      expect_not_dominated(r, o);
      if (o.force_sparse) EXPECT_NE(r.format, sf::Format::dense);
      EXPECT_FALSE(r.reason.empty());
      EXPECT_GT(r.speedup, 0.0);
      EXPECT_NEAR(r.compression_ratio,
                  r.analysis.bytes(r.format) ? double(r.analysis.bytes_dense) / double(r.analysis.bytes(r.format)) : 1.0,
                  1e-12);
      EXPECT_NEAR(r.memory_savings_mb,
                  (double(r.analysis.bytes_dense) - double(r.analysis.bytes(r.format))) / 1e6, 1e-12);
    }
}

TEST(Guard, FiresWhereTheRulesAloneLose) {
  const sf::DynamicFormatSelector sel;
  const auto row = opts(sf::PreferredOp::row);
  // Tiny: CSR's pointers cost more than the 16 values; dense is smaller and faster.
  const auto tiny = sel.recommend_format(unstructured(4, 4, 0.6, 5), row);
  EXPECT_EQ(tiny.rule_format, sf::Format::csr);
  EXPECT_EQ(tiny.format, sf::Format::dense) << tiny.reason;
  EXPECT_NE(tiny.reason.find("smaller"), std::string::npos);
  // Block-structured 90%: the rules say CSR, block-sparse stores half the bytes and is faster.
  const auto blocks = sel.recommend_format(block_structured(256, 256, 0.9, 4), row);
  EXPECT_EQ(blocks.rule_format, sf::Format::csr);
  EXPECT_EQ(blocks.format, sf::Format::block_sparse) << blocks.reason;
  // Rules that took unstructured 70% for block structure (as a looser structure test would)
  // would store every 8x8 block: the guard falls back to a smaller, faster format.
  auto a = sel.analyze_sparsity(unstructured(256, 256, 0.7, 9));
  a.has_block_structure = true;
  const auto r = sel.recommend(a, row);
  EXPECT_EQ(r.rule_format, sf::Format::block_sparse);
  EXPECT_NE(r.format, sf::Format::block_sparse) << r.reason;
  expect_not_dominated(r, row);
}

TEST(Select, ConvertsLosslesslyFromEveryInputKind) {
  const sf::DynamicFormatSelector sel;
  for (const double s : {0.3, 0.6, 0.95})
    for (const bool blocked : {false, true}) {
      const auto d = blocked ? block_structured<double>(45, 61, s, 20) : unstructured<double>(45, 61, s, 21);
      const auto csr = sf::CSRMatrix<double, std::int64_t>::from_dense(d.view(), 0.0);
      const auto csc = sf::CSCMatrix<double, std::int64_t>::from_csr(csr);
      const auto bsr = sf::BlockSparseMatrix<double, std::int64_t>::from_csr(csr, 4);  // other block size
      for (const auto& o : all_ops()) {
        std::vector<sf::Selection<double, std::int64_t>> picks;
        picks.push_back(sel.select_format<double, std::int64_t>(d, o));
        picks.push_back(sel.select_format(csr, o));
        picks.push_back(sel.select_format(csc, o));
        picks.push_back(sel.select_format(bsr, o));
        for (const auto& p : picks) {
          EXPECT_EQ(format_of(p.matrix), p.recommendation.format);
          EXPECT_EQ(p.recommendation.format, picks[0].recommendation.format);
          EXPECT_EQ(dense_of(p.matrix), d.data);
          if (o.force_sparse) EXPECT_NE(p.recommendation.format, sf::Format::dense);
        }
        if (const auto* b = std::get_if<sf::BlockSparseMatrix<double, std::int64_t>>(&picks[3].matrix))
          EXPECT_EQ(b->block_size(), 8);
      }
    }
}

TEST(Select, ForceSparseAndPreferredOp) {
  const sf::DynamicFormatSelector sel;
  const auto dense_ish = unstructured(64, 64, 0.2, 30);
  EXPECT_EQ(sel.recommend_format(dense_ish).format, sf::Format::dense);
  const auto forced = sel.select_format(dense_ish, opts(sf::PreferredOp::row, sf::Operation::spmv, 1, true));
  EXPECT_NE(forced.recommendation.format, sf::Format::dense);
  EXPECT_NE(forced.recommendation.reason.find("force_sparse"), std::string::npos);
  const auto sparse = unstructured(300, 300, 0.95, 31);
  EXPECT_EQ(sel.select_format(sparse, opts(sf::PreferredOp::col)).recommendation.format, sf::Format::csc);
  EXPECT_EQ(sel.select_format(sparse, opts(sf::PreferredOp::row)).recommendation.format, sf::Format::csr);
}

TEST(Select, RejectsBadArguments) {
  EXPECT_THROW(sf::DynamicFormatSelector(0.8, 0.5), sf::invalid_argument);
  EXPECT_THROW(sf::DynamicFormatSelector(0.5, 0.75, 0), sf::invalid_argument);
  EXPECT_THROW(sf::DynamicFormatSelector(0.5, 0.75, 8, 1.5), sf::invalid_argument);
  const sf::DynamicFormatSelector sel;
  EXPECT_THROW((void)sel.recommend_format(sf::DenseMatrix<float>(3, 3), opts(sf::PreferredOp::row, sf::Operation::spmm, 0)),
               sf::invalid_argument);
  const sf::DenseView<const float> null_view{nullptr, 2, 2, 2, 1};
  EXPECT_THROW((void)sel.analyze_sparsity(null_view), sf::invalid_argument);
}

TEST(Tune, ReturnsFastestMeasuredAndCaches) {
  sf::clear_tune_cache();
  const sf::DynamicFormatSelector sel;
  for (const auto& w : {unstructured(200, 150, 0.9, 40), block_structured(128, 128, 0.6, 41), unstructured(5, 7, 0.3, 42)})
    for (auto o : all_ops()) {
      o.tune = true;
      o.tune_budget_seconds = 0.01;
      const auto r = sel.recommend_format(w, o);
      SCOPED_TRACE(r.reason);
      ASSERT_TRUE(r.measured);
      ASSERT_EQ(r.measured_seconds.size(), 4u);
      for (const auto& [f, t] : r.measured_seconds) {
        EXPECT_GT(t, 0.0);
        if (!(o.force_sparse && f == sf::Format::dense)) EXPECT_LE(r.measured_seconds.at(r.format), t);
      }
      if (o.force_sparse) EXPECT_NE(r.format, sf::Format::dense);
      EXPECT_DOUBLE_EQ(r.speedup, r.measured_seconds.at(sf::Format::dense) / r.measured_seconds.at(r.format));
      EXPECT_NE(r.reason.find("measured"), std::string::npos);
      // Same workload again: served from the cache, identical times.
      const auto again = sel.select_format(w, o);
      EXPECT_EQ(again.recommendation.measured_seconds, r.measured_seconds);
      EXPECT_EQ(format_of(again.matrix), r.format);
    }
}
