// Pruners: exact counts, the tie rule, NaN rejection, and the structure of structured masks.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>

#include <sparse_formats/pruning.hpp>
#include <sparse_formats/errors.hpp>

namespace sf = sparse_formats;

namespace {

template <typename V = float>
sf::DenseMatrix<V> random_matrix(std::int64_t rows, std::int64_t cols, unsigned seed) {
  sf::DenseMatrix<V> m(rows, cols);
  std::mt19937 rng(seed);
  std::normal_distribution<V> normal;
  for (auto& v : m.data) v = normal(rng);
  return m;
}

std::int64_t expected_count(double s, std::int64_t units) {
  return static_cast<std::int64_t>(std::floor(s * static_cast<double>(units) + 0.5));
}

template <typename V>
std::int64_t zeros(const sf::DenseMatrix<V>& m) {
  return std::count(m.data.begin(), m.data.end(), V(0));
}

// Kept values are untouched, pruned ones are zero, and the mask says which is which.
template <typename V>
void expect_consistent(const sf::DenseMatrix<V>& in, const sf::PruneResult<V>& r) {
  ASSERT_EQ(r.weights.shape(), in.shape());
  ASSERT_EQ(r.mask.shape(), in.shape());
  for (std::size_t p = 0; p < in.data.size(); ++p) {
    if (r.mask.data[p]) {
      EXPECT_EQ(r.weights.data[p], in.data[p]);
      EXPECT_NE(in.data[p], V(0));
    } else {
      EXPECT_EQ(r.weights.data[p], V(0));
    }
  }
  EXPECT_EQ(r.pruned, zeros(r.weights));
}

const sf::Shape kShapes[] = {{0, 0}, {0, 5}, {1, 1}, {1, 37}, {37, 1}, {17, 23}, {64, 64}, {100, 300}};
const double kSparsities[] = {0.0, 0.1, 0.5, 0.6, 0.9, 0.999, 1.0};

}  // namespace

TEST(MagnitudePruner, GlobalHitsExactCountAndKeepsLargest) {
  unsigned seed = 1;
  for (const auto shape : kShapes)
    for (const double s : kSparsities) {
      const auto w = random_matrix(shape.rows, shape.cols, seed++);
      const auto copy = w;
      const auto r = sf::MagnitudePruner(s).prune(w);
      EXPECT_EQ(w.data, copy.data);  // input untouched
      expect_consistent(w, r);
      EXPECT_EQ(r.pruned, expected_count(s, shape.rows * shape.cols)) << to_string(shape) << " s=" << s;
      float max_pruned = 0, min_kept = INFINITY;
      for (std::size_t p = 0; p < w.data.size(); ++p) {
        if (r.mask.data[p]) min_kept = std::min(min_kept, std::abs(w.data[p]));
        else max_pruned = std::max(max_pruned, std::abs(w.data[p]));
      }
      EXPECT_LE(max_pruned, min_kept);
    }
}

TEST(MagnitudePruner, RowScopeHitsCountInEveryRow) {
  for (const double s : kSparsities) {
    const auto w = random_matrix(31, 45, 7);
    const auto r = sf::MagnitudePruner(s, sf::PruneScope::row).prune(w);
    expect_consistent(w, r);
    for (std::int64_t i = 0; i < w.rows; ++i) {
      std::int64_t z = 0;
      for (std::int64_t j = 0; j < w.cols; ++j) z += r.weights(i, j) == 0.0f;
      EXPECT_EQ(z, expected_count(s, w.cols)) << "row " << i << " s=" << s;
    }
  }
}

TEST(MagnitudePruner, TiesPruneEarlierPositionsFirst) {
  sf::DenseMatrix<float> w(4, 5);
  std::fill(w.data.begin(), w.data.end(), -2.0f);  // all magnitudes equal
  const auto r = sf::MagnitudePruner(0.5).prune(w);
  EXPECT_EQ(r.pruned, 10);
  for (std::size_t p = 0; p < 20; ++p) EXPECT_EQ(r.mask.data[p], p < 10 ? 0 : 1) << p;

  // Ties straddling the cut: 1s are all pruned, then the first 2s in row-major order.
  sf::DenseMatrix<float> v(2, 4);
  v.data = {2, 1, 2, -2, 1, 2, 3, 2};
  const auto q = sf::MagnitudePruner(0.5).prune(v);
  const std::vector<std::uint8_t> want = {0, 0, 0, 1, 0, 1, 1, 1};
  EXPECT_EQ(q.mask.data, want);
}

TEST(MagnitudePruner, RejectsNaNNamingThePosition) {
  auto w = random_matrix(3, 4, 2);
  w(2, 1) = std::numeric_limits<float>::quiet_NaN();
  for (const auto scope : {sf::PruneScope::global, sf::PruneScope::row}) {
    try {
      (void)sf::MagnitudePruner(0.5, scope).prune(w);
      FAIL() << "NaN accepted";
    } catch (const sf::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find("NaN at (2, 1)"), std::string::npos) << e.what();
    }
  }
  EXPECT_THROW((void)sf::StructuredPruner(0.5).prune(w), sf::invalid_argument);
}

TEST(MagnitudePruner, AllZeroRowsAndExistingZeros) {
  auto w = random_matrix(10, 20, 3);
  for (std::int64_t j = 0; j < 20; ++j) w(0, j) = w(5, j) = 0.0f;
  const auto r = sf::MagnitudePruner(0.5).prune(w);
  expect_consistent(w, r);
  EXPECT_EQ(r.pruned, 100);
  const auto rr = sf::MagnitudePruner(0.5, sf::PruneScope::row).prune(w);
  expect_consistent(w, rr);
  EXPECT_EQ(rr.pruned, 8 * 10 + 2 * 20);  // zero rows stay zero: sparser than the target
  const auto low = sf::MagnitudePruner(0.05).prune(w);  // fewer than the existing 40 zeros
  EXPECT_EQ(low.pruned, 40);
}

TEST(MagnitudePruner, RejectsBadSparsity) {
  EXPECT_THROW(sf::MagnitudePruner(-0.1), sf::invalid_argument);
  EXPECT_THROW(sf::MagnitudePruner(1.5), sf::invalid_argument);
  EXPECT_THROW(sf::MagnitudePruner(std::nan("")), sf::invalid_argument);
}

TEST(MagnitudePruner, DoubleAndStridedInput) {
  const auto w = random_matrix<double>(20, 30, 4);
  // A column-major view of the transpose: strides (1, 30).
  const sf::DenseView<const double> t{w.data.data(), 30, 20, 1, 30};
  const auto r = sf::MagnitudePruner(0.7).prune(t);
  EXPECT_EQ(r.pruned, 420);
  for (std::int64_t i = 0; i < 30; ++i)
    for (std::int64_t j = 0; j < 20; ++j)
      if (r.mask(i, j)) EXPECT_EQ(r.weights(i, j), w(j, i));
}

TEST(StructuredPruner, ChannelZeroesWholeRowsOfSmallestNorm) {
  for (const double s : kSparsities) {
    auto w = random_matrix(40, 24, 5);
    for (std::int64_t j = 0; j < 24; ++j) w(3, j) *= 0.01f;  // clearly the weakest row
    const auto r = sf::StructuredPruner(s, sf::Granularity::channel).prune(w);
    expect_consistent(w, r);
    std::int64_t zero_rows = 0;
    for (std::int64_t i = 0; i < 40; ++i) {
      std::int64_t kept = 0;
      for (std::int64_t j = 0; j < 24; ++j) kept += r.mask(i, j);
      EXPECT_TRUE(kept == 0 || kept == 24) << "row " << i << " partly pruned";
      zero_rows += kept == 0;
    }
    EXPECT_EQ(zero_rows, expected_count(s, 40));
    if (zero_rows > 0) EXPECT_EQ(r.mask(3, 0), 0);
  }
}

TEST(StructuredPruner, BlockZeroesWholeTiles) {
  for (const sf::Shape shape : {sf::Shape{64, 64}, sf::Shape{50, 37}, sf::Shape{7, 9}})
    for (const std::int64_t bs : {4, 8})
      for (const double s : kSparsities) {
        const auto w = random_matrix(shape.rows, shape.cols, 6);
        const auto r = sf::StructuredPruner(s, sf::Granularity::block, bs).prune(w);
        expect_consistent(w, r);
        const std::int64_t br = (shape.rows + bs - 1) / bs, bc = (shape.cols + bs - 1) / bs;
        std::int64_t zero_blocks = 0;
        for (std::int64_t a = 0; a < br; ++a)
          for (std::int64_t b = 0; b < bc; ++b) {
            std::int64_t kept = 0, area = 0;
            for (std::int64_t i = a * bs; i < std::min(shape.rows, (a + 1) * bs); ++i)
              for (std::int64_t j = b * bs; j < std::min(shape.cols, (b + 1) * bs); ++j, ++area) kept += r.mask(i, j);
            EXPECT_TRUE(kept == 0 || kept == area) << "tile (" << a << ", " << b << ") partly pruned";
            zero_blocks += kept == 0;
          }
        EXPECT_EQ(zero_blocks, expected_count(s, br * bc)) << to_string(shape) << " bs=" << bs << " s=" << s;
      }
}

TEST(StructuredPruner, NMKeepsAtMostNLargestPerGroup) {
  for (const auto [n, m] : {std::pair<int, int>{2, 4}, {1, 4}, {4, 8}, {3, 3}})
    for (const std::int64_t cols : {1, 3, 8, 13, 64}) {
      const auto w = random_matrix(9, cols, 8);
      const auto r = sf::StructuredPruner(1.0 - double(n) / m, sf::Granularity::n_m, 8, n, m).prune(w);
      expect_consistent(w, r);
      for (std::int64_t i = 0; i < w.rows; ++i)
        for (std::int64_t j0 = 0; j0 < cols; j0 += m) {
          const std::int64_t len = std::min<std::int64_t>(m, cols - j0);
          std::int64_t kept = 0;
          float min_kept = INFINITY, max_cut = 0;
          for (std::int64_t j = j0; j < j0 + len; ++j) {
            kept += r.mask(i, j);
            if (r.mask(i, j)) min_kept = std::min(min_kept, std::abs(w(i, j)));
            else max_cut = std::max(max_cut, std::abs(w(i, j)));
          }
          EXPECT_EQ(kept, std::min<std::int64_t>(n, len));
          EXPECT_LE(max_cut, min_kept);
        }
    }
}

TEST(StructuredPruner, NMTiesKeepLaterPositions) {
  sf::DenseMatrix<float> w(1, 4);
  w.data = {1, 1, 1, 1};
  const auto r = sf::StructuredPruner(0.5, sf::Granularity::n_m).prune(w);
  const std::vector<std::uint8_t> want = {0, 0, 1, 1};
  EXPECT_EQ(r.mask.data, want);
}

TEST(StructuredPruner, RejectsBadArguments) {
  EXPECT_THROW(sf::StructuredPruner(0.6, sf::Granularity::n_m, 8, 2, 4), sf::invalid_argument);  // 2:4 is 50%
  EXPECT_THROW(sf::StructuredPruner(0.5, sf::Granularity::n_m, 8, 5, 4), sf::invalid_argument);
  EXPECT_THROW(sf::StructuredPruner(0.5, sf::Granularity::n_m, 8, 0, 0), sf::invalid_argument);
  EXPECT_THROW(sf::StructuredPruner(0.5, sf::Granularity::block, 0), sf::invalid_argument);
  EXPECT_THROW(sf::StructuredPruner(2.0), sf::invalid_argument);
}
