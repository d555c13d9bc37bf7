// The CPU backend's threaded, vectorised products against the serial reference backend and a
// float64 dense product: every thread count 1..4, every SIMD level this CPU runs, edge shapes,
// batch sizes around the vector widths, and run-to-run determinism.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "test_helpers.hpp"  // lowers the size threshold for threads
#include "kernels/cpu/row_kernels.hpp"  // a kernel the automatic level takes only on large matrices
#include "kernels/cpu/threads.hpp"  // the phase barrier, tested directly
#include "sparse_formats/config.hpp"
#include "sparse_formats/errors.hpp"
#include "sparse_formats/operations.hpp"
#include "sparse_formats/plan.hpp"

namespace sf = sparse_formats;

namespace {

// A random rows x cols matrix: each row gets a density drawn around `density`; row_kind picks
// skewed shapes (every 7th row empty, one dense row, first rows long).
template <typename V, typename I>
sf::CSRMatrix<V, I> random_csr(std::int64_t rows, std::int64_t cols, double density, std::uint32_t seed,
                               bool skewed, std::int64_t tile = 0) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> val(-1.0, 1.0), u(0.0, 1.0);
  std::vector<I> ptr{0}, idx;
  std::vector<V> data;
  for (std::int64_t i = 0; i < rows; ++i) {
    double d = density;
    if (skewed) {
      if (i % 7 == 3) d = 0.0;
      if (i == rows / 2) d = 1.0;
      if (i < 3) d = std::min(1.0, density * 8);
    }
    if (tile > 0) {  // entries only inside a pseudo-random 1/8 of the tile x tile blocks
      for (std::int64_t j = 0; j < cols; ++j)
        if (((i / tile) * 7919 + (j / tile) * 104729) % 8 == 0 && u(rng) < d) {
          idx.push_back(static_cast<I>(j));
          data.push_back(static_cast<V>(val(rng)));
        }
      ptr.push_back(static_cast<I>(idx.size()));
      continue;
    }
    // geometric gaps between kept columns: O(entries) rather than O(cols)
    for (std::int64_t j = -1; d > 0.0;) {
      const double gap = d >= 1.0 ? 1.0 : 1.0 + std::floor(std::log(1.0 - u(rng)) / std::log(1.0 - d));
      if (gap >= static_cast<double>(cols - j)) break;
      j += static_cast<std::int64_t>(gap);
      idx.push_back(static_cast<I>(j));
      data.push_back(static_cast<V>(val(rng)));
    }
    ptr.push_back(static_cast<I>(idx.size()));
  }
  return sf::CSRMatrix<V, I>(std::move(data), std::move(idx), std::move(ptr), {rows, cols});
}

// A rows x cols matrix whose row i holds the columns columns_of(i) returns (sorted and deduplicated
// here), with values 1..5.
template <typename V, typename I, typename Columns>
sf::CSRMatrix<V, I> csr_of_rows(std::int64_t rows, std::int64_t cols, Columns&& columns_of) {
  std::vector<I> ptr{0}, idx;
  std::vector<V> val;
  for (std::int64_t i = 0; i < rows; ++i) {
    for (std::int64_t c : columns_of(i)) idx.push_back(static_cast<I>(c));
    std::sort(idx.begin() + ptr.back(), idx.end());
    idx.erase(std::unique(idx.begin() + ptr.back(), idx.end()), idx.end());
    while (val.size() < idx.size()) val.push_back(static_cast<V>(1 + val.size() % 5));
    ptr.push_back(static_cast<I>(idx.size()));
  }
  return sf::CSRMatrix<V, I>(std::move(val), std::move(idx), std::move(ptr), {rows, cols});
}

template <typename V>
std::vector<V> random_dense(std::int64_t n, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> val(-1.0, 1.0);
  std::vector<V> out(static_cast<std::size_t>(n));
  for (auto& v : out) v = static_cast<V>(val(rng));
  return out;
}

struct Expected {
  std::vector<double> value, bound;  // float64 product and sum of |a||x| (the rounding scale)
};

// op(A) x in float64, straight from the CSR arrays (independent of every kernel).
template <typename V, typename I>
Expected exact_product(const sf::CSRMatrix<V, I>& a, bool transpose, const std::vector<V>& x, std::int64_t k) {
  const std::int64_t m = transpose ? a.ncols() : a.nrows();
  Expected e{std::vector<double>(static_cast<std::size_t>(m * k), 0.0), std::vector<double>(m * k, 0.0)};
  for (std::int64_t i = 0; i < a.nrows(); ++i)
    for (I p = a.row_ptr()[i]; p < a.row_ptr()[i + 1]; ++p) {
      const double aij = a.values()[p];
      const std::int64_t j = a.col_indices()[p];
      const std::int64_t out = transpose ? j : i, in = transpose ? i : j;
      for (std::int64_t c = 0; c < k; ++c) {
        e.value[out * k + c] += aij * static_cast<double>(x[in * k + c]);
        e.bound[out * k + c] += std::fabs(aij * static_cast<double>(x[in * k + c]));
      }
    }
  return e;
}

template <typename V>
void expect_close(const std::vector<V>& got, const Expected& e, std::int64_t inner, const std::string& what) {
  ASSERT_EQ(got.size(), e.value.size()) << what;
  const double eps = std::is_same_v<V, float> ? 6e-8 : 1.2e-16;
  const double tol_scale = 2.0 * eps * static_cast<double>(inner + 2);
  int bad = 0;
  for (std::size_t i = 0; i < got.size() && bad < 5; ++i) {
    const double err = std::fabs(static_cast<double>(got[i]) - e.value[i]);
    if (!(err <= tol_scale * e.bound[i] + 1e-30)) {
      ++bad;
      ADD_FAILURE() << what << ": element " << i << " = " << got[i] << ", expected " << e.value[i];
    }
  }
}

// Runs every product of `a` (CSR, CSC of the same matrix, and its block-sparse forms) on the CPU
// backend for each SIMD level and thread count, against float64 and the reference backend.
template <typename V, typename I>
void check_all(const sf::CSRMatrix<V, I>& a, const std::vector<std::int64_t>& batches, const std::string& name,
               const std::vector<std::int64_t>& block_sizes = {4, 8, 16, 3}) {
  const auto csc = sf::CSCMatrix<V, I>::from_csr(a);
  std::vector<sf::BlockSparseMatrix<V, I>> bsrs;
  for (std::int64_t bs : block_sizes) bsrs.push_back(sf::BlockSparseMatrix<V, I>::from_csr(a, bs));
  for (std::int64_t k : batches) {
    for (bool t : {false, true}) {
      const std::int64_t in_rows = t ? a.nrows() : a.ncols(), out_rows = t ? a.ncols() : a.nrows();
      const auto x = random_dense<V>(in_rows * k, static_cast<std::uint32_t>(k * 31 + t));
      const auto e = exact_product(a, t, x, k);
      const auto xv = sf::DenseView<const V>::row_major(x.data(), in_rows, k);
      const auto op = t ? sf::Transpose::yes : sf::Transpose::no;
      std::vector<V> ref(static_cast<std::size_t>(out_rows * k));
      sf::spmm(a, xv, sf::DenseView<V>::row_major(ref.data(), out_rows, k), op, sf::Backend::reference);
      // every thread count on the best SIMD level, every other level at two threads
      const auto levels = sf::available_simd_levels();
      std::vector<std::pair<sf::SimdLevel, int>> combos;
      for (int threads = 1; threads <= 4; ++threads) combos.push_back({levels.back(), threads});
      for (std::size_t l = 0; l + 1 < levels.size(); ++l) combos.push_back({levels[l], 2});
      std::vector<V> first_csr;  // A x and wide A^T x do not depend on the thread count
      {
        for (auto [level, threads] : combos) {
          sf::set_simd_level(level);
          sf::set_num_threads(threads);
          if (level != levels.back()) first_csr.clear();
          const std::string tag = name + " k=" + std::to_string(k) + (t ? " A^T" : " A") + " simd=" +
                                  sf::to_string(level) + " threads=" + std::to_string(threads);
          std::vector<V> y(static_cast<std::size_t>(out_rows * k), V(-7)), again(y.size(), V(5));
          const auto yv = sf::DenseView<V>::row_major(y.data(), out_rows, k);
          const auto av = sf::DenseView<V>::row_major(again.data(), out_rows, k);
          sf::spmm(a, xv, yv, op, sf::Backend::cpu);
          expect_close(y, e, in_rows, "CSR " + tag);
          sf::spmm(a, xv, av, op, sf::Backend::cpu);
          EXPECT_EQ(y, again) << "CSR not deterministic: " << tag;
          if (!t || k >= 4) {
            if (first_csr.empty()) first_csr = y;
            else EXPECT_EQ(y, first_csr) << "CSR result changed with the thread count: " << tag;
          }
          if (threads == 1 && !t) {
            // one thread, one row at a time: the same sums as the reference up to FMA contraction
            expect_close(ref, e, in_rows, "reference " + tag);
          }
          if (k >= 2 && (threads == 1 || threads == 3)) {
            // the cache-blocked kernels with forced panels (1 column, and widths that split rows
            // unevenly), and with blocking off: same values, and where the plain kernel's result
            // does not depend on the thread count, neither does the blocked one's
            for (std::int64_t panel : {1, 5, 24, -1}) {
              sf::set_panel_columns(panel);
              std::vector<V> yp(y.size(), V(9)), yp1(y.size(), V(4));
              sf::spmm(a, xv, sf::DenseView<V>::row_major(yp.data(), out_rows, k), op, sf::Backend::cpu);
              expect_close(yp, e, in_rows, "CSR panel=" + std::to_string(panel) + " " + tag);
              sf::set_num_threads(1);
              sf::spmm(a, xv, sf::DenseView<V>::row_major(yp1.data(), out_rows, k), op, sf::Backend::cpu);
              sf::set_num_threads(threads);
              if (!t || k >= 4) EXPECT_EQ(yp, yp1) << "CSR panel=" << panel << " changed with the thread count: " << tag;
              // A^T x scatters in row order whatever the panels: bit-identical to the plain kernel
              if (t && k >= 4) EXPECT_EQ(yp, y) << "CSR A^T panel=" << panel << " differs from unblocked: " << tag;
            }
            sf::set_panel_columns(0);
          }
          if (!t && k >= 2 && (threads == 1 || threads == 3)) {
            // forced batch groups (the last one narrower where the width does not divide k): close
            // to float64, independent of the thread count, and with panels off each group's columns
            // are the bits of the same product on that slice of x alone
            sf::set_panel_columns(-1);
            for (std::int64_t group : {1, 5, 16}) {
              if (group >= k) continue;
              sf::set_batch_columns(group);
              std::vector<V> yg(y.size(), V(6)), yg1(y.size(), V(2));
              sf::spmm(a, xv, sf::DenseView<V>::row_major(yg.data(), out_rows, k), op, sf::Backend::cpu);
              expect_close(yg, e, in_rows, "CSR group=" + std::to_string(group) + " " + tag);
              sf::set_num_threads(1);
              sf::spmm(a, xv, sf::DenseView<V>::row_major(yg1.data(), out_rows, k), op, sf::Backend::cpu);
              sf::set_num_threads(threads);
              EXPECT_EQ(yg, yg1) << "CSR group=" << group << " changed with the thread count: " << tag;
              sf::set_batch_columns(-1);
              int differ = 0;
              for (std::int64_t c0 = 0; c0 < k; c0 += group) {
                const std::int64_t w = std::min(group, k - c0);
                std::vector<V> xs(static_cast<std::size_t>(in_rows * w)), ys(static_cast<std::size_t>(out_rows * w));
                for (std::int64_t r = 0; r < in_rows; ++r)
                  std::copy_n(x.begin() + r * k + c0, w, xs.begin() + r * w);
                sf::spmm(a, sf::DenseView<const V>::row_major(xs.data(), in_rows, w),
                         sf::DenseView<V>::row_major(ys.data(), out_rows, w), op, sf::Backend::cpu);
                for (std::int64_t r = 0; r < out_rows; ++r)
                  for (std::int64_t c = 0; c < w; ++c) differ += ys[r * w + c] != yg[r * k + c0 + c];
              }
              EXPECT_EQ(differ, 0) << "CSR group=" << group << " differs from its slices alone: " << tag;
            }
            sf::set_batch_columns(0);
            sf::set_panel_columns(0);
          }
          // CSC storage is the CSR of A^T: the other kernel on the same arrays.
          sf::spmm(csc, xv, av, op, sf::Backend::cpu);
          expect_close(again, e, in_rows, "CSC " + tag);
          for (const auto& b : bsrs) {
            if (k > 64 && &b != &bsrs.front()) continue;  // the widest batch once: keeps the suite fast
            std::vector<V> yb(y.size(), V(3)), yb2(y.size(), V(1));
            sf::spmm(b, xv, sf::DenseView<V>::row_major(yb.data(), out_rows, k), op, sf::Backend::cpu);
            expect_close(yb, e, in_rows, "BSR bs=" + std::to_string(b.block_size()) + " " + tag);
            sf::spmm(b, xv, sf::DenseView<V>::row_major(yb2.data(), out_rows, k), op, sf::Backend::cpu);
            EXPECT_EQ(yb, yb2) << "BSR not deterministic: bs=" << b.block_size() << " " << tag;
          }
        }
      }
    }
  }
  sf::set_num_threads(0);
  sf::set_simd_level(sf::SimdLevel::automatic);
}

// Around every register width: 2-4 (16 bytes of float), 5-8 (32 bytes), 9-16 (a full AVX-512 vector).
const std::vector<std::int64_t> kAllBatches{1, 2, 3, 4, 5, 8, 9, 16, 17, 33, 128};

template <typename T>
class CpuKernels : public ::testing::Test {};
using Types = ::testing::Types<std::pair<float, std::int32_t>, std::pair<double, std::int64_t>,
                               std::pair<float, std::int64_t>, std::pair<double, std::int32_t>>;
TYPED_TEST_SUITE(CpuKernels, Types);

TYPED_TEST(CpuKernels, EdgeShapes) {
  using V = typename TypeParam::first_type;
  using I = typename TypeParam::second_type;
  check_all(random_csr<V, I>(0, 0, 0.5, 1, false), {1, 3}, "0x0");
  check_all(random_csr<V, I>(0, 5, 0.5, 1, false), {1, 17}, "0x5");
  check_all(random_csr<V, I>(6, 0, 0.5, 1, false), {1, 17}, "6x0");
  check_all(random_csr<V, I>(1, 1, 1.0, 2, false), kAllBatches, "1x1");
  check_all(random_csr<V, I>(1, 37, 0.6, 3, false), kAllBatches, "1x37");
  check_all(random_csr<V, I>(37, 1, 0.6, 4, false), kAllBatches, "37x1");
  check_all(random_csr<V, I>(23, 19, 0.0, 5, false), {1, 17}, "23x19 empty");
  check_all(random_csr<V, I>(45, 29, 0.3, 6, true), kAllBatches, "45x29 skewed");
}

// Batches that fit a 16- or 32-byte register run on registers of that width; their sums are those
// of the full-width kernel, so AVX2 and AVX-512 (both FMA, both two accumulator sets on these
// batches) give the same bits, with x and y rows at every offset from a cache line. The same for
// block-sparse products with 4x4 and 8x8 blocks (row tiles of equal height at both levels).
TYPED_TEST(CpuKernels, ShortBatchesMatchFullVectors) {
  using V = typename TypeParam::first_type;
  using I = typename TypeParam::second_type;
  const auto levels = sf::available_simd_levels();
  if (std::find(levels.begin(), levels.end(), sf::SimdLevel::avx512) == levels.end())
    GTEST_SKIP() << "no AVX-512 on this CPU";
  const auto a = random_csr<V, I>(70, 90, 0.3, 11, true);
  const auto b4 = sf::BlockSparseMatrix<V, I>::from_csr(a, 4), b8 = sf::BlockSparseMatrix<V, I>::from_csr(a, 8);
  sf::set_num_threads(1);
  const std::int64_t widest = 64 / static_cast<std::int64_t>(sizeof(V));  // narrow on AVX2 up to here
  for (std::int64_t k = 2; k <= widest; ++k) {
    if (std::is_same_v<V, float> && k == 2) continue;  // AVX-512 takes float pairs as SpMV (csr_dot2)
    for (bool t : {false, true}) {
      const std::int64_t in = t ? a.nrows() : a.ncols(), out = t ? a.ncols() : a.nrows();
      for (std::int64_t offset : {0, 1, 3}) {  // values past a 64-byte boundary
        const std::int64_t ld = k + 2;         // strided rows: every row at another offset
        std::vector<V> xs(static_cast<std::size_t>(in * ld + 32), V(0));
        const auto x = random_dense<V>(in * k, static_cast<std::uint32_t>(k + 7 * t));
        V* xb = xs.data() + (16 - reinterpret_cast<std::uintptr_t>(xs.data()) / sizeof(V) % 16) % 16 + offset;
        for (std::int64_t r = 0; r < in; ++r)
          for (std::int64_t c = 0; c < k; ++c) xb[r * ld + c] = x[r * k + c];
        const sf::DenseView<const V> xv{xb, in, k, ld, 1};
        std::vector<std::vector<V>> got;
        const auto product = [&](const auto& m, const std::string& what) {
          for (const auto level : {sf::SimdLevel::avx2, sf::SimdLevel::avx512}) {
            sf::set_simd_level(level);
            std::vector<V> y(static_cast<std::size_t>(out * ld), V(-3));
            sf::spmm(m, xv, sf::DenseView<V>{y.data(), out, k, ld, 1}, t ? sf::Transpose::yes : sf::Transpose::no,
                     sf::Backend::cpu);
            for (std::int64_t r = 0; r < out; ++r)  // the gaps between rows are untouched
              for (std::int64_t c = k; c < ld; ++c) ASSERT_EQ(y[r * ld + c], V(-3)) << what << " k=" << k;
            got.push_back(y);
          }
          EXPECT_EQ(got[got.size() - 2], got.back()) << what << " k=" << k << (t ? " A^T" : " A") << " offset " << offset;
        };
        product(b4, "BSR 4x4");
        product(b8, "BSR 8x8");
        got.clear();
        product(a, "CSR");
        std::vector<V> dense_y(static_cast<std::size_t>(out * k));
        for (std::int64_t r = 0; r < out; ++r)
          for (std::int64_t c = 0; c < k; ++c) dense_y[r * k + c] = got[1][r * ld + c];
        expect_close(dense_y, exact_product(a, t, x, k), in, "short batch k=" + std::to_string(k));
      }
    }
  }
  sf::set_simd_level(sf::SimdLevel::automatic);
  sf::set_num_threads(0);
}

// Row i holds i mod 71 entries: every length of a vectorised row's masked tail (1-15 of 16, 1-7
// of 8) after 0-4 full vectors, with the longest row last in the arrays.
TYPED_TEST(CpuKernels, EveryRowLength) {
  using V = typename TypeParam::first_type;
  using I = typename TypeParam::second_type;
  const std::int64_t rows = 2 * 71, cols = 97;
  std::mt19937 rng(41);
  std::vector<I> ptr{0}, idx;
  std::vector<V> val;
  std::vector<I> all(cols);
  for (std::int64_t j = 0; j < cols; ++j) all[j] = static_cast<I>(j);
  for (std::int64_t i = 0; i < rows; ++i) {
    std::shuffle(all.begin(), all.end(), rng);
    const std::int64_t len = (i + 2 * 71 + 70 - (rows - 1)) % 71;  // the last row holds 70
    std::vector<I> row(all.begin(), all.begin() + len);
    std::sort(row.begin(), row.end());
    for (I j : row) {
      idx.push_back(j);
      val.push_back(static_cast<V>(std::uniform_real_distribution<double>(-1.0, 1.0)(rng)));
    }
    ptr.push_back(static_cast<I>(idx.size()));
  }
  ASSERT_EQ(ptr[rows] - ptr[rows - 1], 70);
  check_all(sf::CSRMatrix<V, I>(std::move(val), std::move(idx), std::move(ptr), {rows, cols}), {1, 2, 3}, "row lengths",
            {8});
}

// The larger shapes on two type pairs (the index type only changes loads; both value types run).
template <typename T>
class CpuKernelsLarge : public ::testing::Test {};
using LargeTypes = ::testing::Types<std::pair<float, std::int32_t>, std::pair<double, std::int64_t>>;
TYPED_TEST_SUITE(CpuKernelsLarge, LargeTypes);

TYPED_TEST(CpuKernelsLarge, AboveThreadAndSimdThresholds) {
  using V = typename TypeParam::first_type;
  using I = typename TypeParam::second_type;
  // ~41K non-zeros: every batch size runs threaded; block shapes do not divide 8 or 16.
  check_all(random_csr<V, I>(603, 681, 0.1, 7, true), {1, 3, 16, 17, 33, 128}, "603x681 skewed", {8});
  // clustered in 8x8 tiles, so that every block size stores a sparse set of blocks
  check_all(random_csr<V, I>(1003, 1021, 0.6, 8, false, 8), {1, 8, 17, 128}, "1003x1021 8x8 tiles", {4, 8, 16, 5});
}

TYPED_TEST(CpuKernelsLarge, CacheBlockedWhereItPays) {
  using V = typename TypeParam::first_type;
  using I = typename TypeParam::second_type;
  // x of 900 x 128 values outgrows L1 and rows hold ~360 non-zeros: the automatic choice blocks.
  const auto a = random_csr<V, I>(700, 900, 0.4, 9, true);
  using Plan = sf::SpmmPlan<V, I>;
  const auto panel = [](const sf::CSRMatrix<V, I>& m, std::int64_t k) {
    return Plan(m, k, sf::Transpose::no, sf::Backend::cpu).panel_columns();
  };
  EXPECT_GT(panel(a, 128), 0);
  EXPECT_GT(panel(a, 32), 0);  // rows of x of 128+ bytes, x beyond L1
  EXPECT_EQ(panel(a, 1), 0);
  EXPECT_EQ(panel(random_csr<V, I>(700, 100, 0.4, 9, true), 32), 0);  // x of 100 rows stays in L1
  // rows of x of two lines (32 floats, 16 doubles) beyond 256 KB of x: the plain kernel; wider
  // rows still block
  const auto wide = random_csr<V, I>(300, 2100, 0.4, 9, false);
  const std::int64_t two_lines = 128 / static_cast<std::int64_t>(sizeof(V));
  EXPECT_EQ(panel(wide, two_lines), 0);
  EXPECT_GT(panel(wide, 2 * two_lines), 0);
  sf::set_panel_columns(-1);
  EXPECT_EQ(panel(a, 128), 0);
  sf::set_panel_columns(7);
  EXPECT_EQ(panel(a, 128), 7);
  EXPECT_THROW(sf::set_panel_columns(-2), sf::invalid_argument);
  sf::set_panel_columns(0);
  // threads start at 2^14 work units (non-zeros x vectors of the batch, plus rows) under these
  // tests' setting, one unit per non-zero with one vector as in the one-shot kernels
  if (sf::has_openmp()) {
    sf::set_num_threads(3);
    EXPECT_EQ(Plan(random_csr<V, I>(300, 300, 0.15, 9, false), 1, sf::Transpose::no, sf::Backend::cpu).threads(), 1);
    EXPECT_EQ(Plan(random_csr<V, I>(300, 300, 0.3, 9, false), 1, sf::Transpose::no, sf::Backend::cpu).threads(), 3);
    EXPECT_EQ(Plan(a, 1, sf::Transpose::no, sf::Backend::cpu).threads(), 3);
    sf::set_num_threads(0);
  }
  // a sparse layer (~9 per row) stays on the plain kernel
  EXPECT_EQ(panel(random_csr<V, I>(700, 900, 0.01, 9, false), 128), 0);
  check_all(a, {2, 64, 128}, "700x900 blocked", {8});
}

// x of exactly a core's L2 at k = 128, ~110 non-zeros per row of x, scattered at 8% density (too
// sparse for panels): the automatic choice groups the batch; with fewer non-zeros per row of x, in
// runs of adjacent columns (8x8 tiles) or with x of half of L2 it does not.
TYPED_TEST(CpuKernelsLarge, BatchGroupsWhereTheyPay) {
  using V = typename TypeParam::first_type;
  using I = typename TypeParam::second_type;
  using Plan = sf::SpmmPlan<V, I>;
  const std::int64_t k = 128, l2 = sf::kernels::cpu::l2_cache_bytes(), vb = sizeof(V);
  const std::int64_t cols = std::min<std::int64_t>(l2, 4 << 20) / (k * vb);
  const bool whole_l2 = cols * k * vb >= l2;  // L2 of at most 4 MiB
  const auto group = [&](const sf::CSRMatrix<V, I>& m, std::int64_t batch) {
    return Plan(m, batch, sf::Transpose::no, sf::Backend::cpu).batch_columns();
  };
  const auto a = random_csr<V, I>(1400, cols, 0.08, 12, false);
  ASSERT_GE(a.nnz(), 100 * cols);
  if (whole_l2 && Plan(a, k, sf::Transpose::no, sf::Backend::cpu).panel_columns() == 0) {
    const std::int64_t g = group(a, k);
    EXPECT_GT(g, 0);
    EXPECT_LT(g, k);
    EXPECT_EQ(g * vb % 256, 0);  // whole vectors: the packed rows stay aligned
    EXPECT_LE(cols * g * vb, l2 / 2);
  }
  EXPECT_EQ(group(a, k / 2), 0);                                             // x of half of L2
  EXPECT_EQ(group(random_csr<V, I>(1400, cols, 0.02, 12, false), k), 0);     // 28 non-zeros per row of x
  const auto tiles = random_csr<V, I>(1000, cols, 1.0, 12, false, 8);        // runs of 8 adjacent columns
  ASSERT_GE(tiles.nnz(), 100 * cols);
  EXPECT_EQ(group(tiles, k), 0);
  sf::set_batch_columns(-1);
  EXPECT_EQ(group(a, k), 0);
  sf::set_batch_columns(48);
  EXPECT_EQ(group(a, k), 48);
  EXPECT_EQ(group(a, 48), 0);  // one group: the whole batch
  EXPECT_THROW(sf::set_batch_columns(-2), sf::invalid_argument);
  sf::set_batch_columns(0);
  check_all(a, {k}, "grouped batch", {8});
}

TYPED_TEST(CpuKernelsLarge, GraphLikeShortRows) {
  using V = typename TypeParam::first_type;
  using I = typename TypeParam::second_type;
  // many rows with few entries: the transposed product takes the partial-buffer path for k < 4
  check_all(random_csr<V, I>(9000, 8000, 0.0008, 8, false), {1, 3, 17}, "9000x8000", {8});
}

// Values equal bit for bit, NaN equal to NaN.
template <typename V>
bool same_bits(const std::vector<V>& a, const std::vector<V>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (!(a[i] == b[i] || (std::isnan(a[i]) && std::isnan(b[i])))) return false;
  return true;
}

// NaN where b has NaN, the same infinities where b has them, finite where b is.
template <typename V>
bool same_specials(const std::vector<V>& a, const std::vector<V>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::isnan(a[i]) != std::isnan(b[i]) || std::isinf(a[i]) != std::isinf(b[i])) return false;
    if (std::isinf(b[i]) && a[i] != b[i]) return false;
  }
  return true;
}

// The copies a plan with one vector may keep of op(A): tiled (set_spmv_tiles forces small tiles,
// so that blocks split rows and columns unevenly and many tiles are empty) and sliced
// (set_spmv_slices(1) slices whatever the row lengths).
enum class Copy { tiled, sliced };

// Plans with one vector on such a copy, CSR and CSC, A and A^T: against float64, bit-identical to
// the reference backend on the baseline SIMD level (both sum each output in the order of its row
// of op(A), without FMA), the same for every thread count and both formats, and with strided x and y.
template <typename V, typename I>
void check_copy_plans(const sf::CSRMatrix<V, I>& a, const std::string& name, Copy copy) {
  const auto csc = sf::CSCMatrix<V, I>::from_csr(a);
  const auto levels = sf::available_simd_levels();
  const std::vector<int> settings = copy == Copy::tiled ? std::vector<int>{1, 2, 3, 5} : std::vector<int>{1};
  for (int bits : settings) {
    if (copy == Copy::tiled) sf::set_spmv_tiles(bits);
    else sf::set_spmv_slices(bits);
    for (bool t : {false, true}) {
      const auto op = t ? sf::Transpose::yes : sf::Transpose::no;
      const std::int64_t in = t ? a.nrows() : a.ncols(), out = t ? a.ncols() : a.nrows();
      auto x = random_dense<V>(in, static_cast<std::uint32_t>(bits * 7 + t));
      if (in > 2) x[1] = std::numeric_limits<V>::infinity();  // Inf and NaN reach the outputs as in the reference
      if (in > 3) x[2] = std::numeric_limits<V>::quiet_NaN();
      if (in > 4) x[0] = -std::numeric_limits<V>::infinity();  // where a slice's padding points
      const auto xv = sf::DenseView<const V>::row_major(x.data(), in, 1);
      const auto e = exact_product(a, t, x, 1);
      std::vector<V> ref(static_cast<std::size_t>(out));
      sf::spmm(a, xv, sf::DenseView<V>::row_major(ref.data(), out, 1), op, sf::Backend::reference);
      for (sf::SimdLevel level : levels) {
        sf::set_simd_level(level);
        std::vector<V> first;
        for (int threads = 1; threads <= 4; ++threads) {
          sf::set_num_threads(threads);
          const std::string tag = name + " bits=" + std::to_string(bits) + (t ? " A^T" : " A") + " simd=" +
                                  sf::to_string(level) + " threads=" + std::to_string(threads);
          for (int f = 0; f < 2; ++f) {
            std::vector<V> y(static_cast<std::size_t>(out), V(-3));
            const sf::SpmmPlan<V, I> plan = f == 0 ? sf::SpmmPlan<V, I>(a, 1, op, sf::Backend::cpu)
                                                   : sf::SpmmPlan<V, I>(csc, 1, op, sf::Backend::cpu);
            const char* fmt = f == 0 ? "CSR " : "CSC ";
            EXPECT_EQ(copy == Copy::tiled ? plan.tiled() : plan.sliced(), a.nnz() > 0) << fmt << tag;
            plan.run(xv, sf::DenseView<V>::row_major(y.data(), out, 1));
            if (in <= 3) expect_close(y, e, in, fmt + tag);
            if (level == sf::SimdLevel::baseline) EXPECT_TRUE(same_bits(y, ref)) << fmt << "differs from reference: " << tag;
            EXPECT_TRUE(same_specials(y, ref)) << fmt << "NaN or Inf differ from the reference: " << tag;
            if (first.empty()) first = y;
            else EXPECT_TRUE(same_bits(y, first)) << fmt << "changed with the thread count or format: " << tag;
          }
        }
      }
      // finite x against float64; strided x and y (every third element) give the same values
      sf::set_simd_level(sf::SimdLevel::automatic);
      sf::set_num_threads(2);
      const auto xf = random_dense<V>(in, 11);
      std::vector<V> xs(static_cast<std::size_t>(3 * in + 1), V(0)), ys(static_cast<std::size_t>(3 * out + 1), V(8));
      for (std::int64_t i = 0; i < in; ++i) xs[3 * i] = xf[i];
      const sf::SpmmPlan<V, I> plan(a, 1, op, sf::Backend::cpu);
      std::vector<V> y(static_cast<std::size_t>(out));
      plan.run(sf::DenseView<const V>::row_major(xf.data(), in, 1), sf::DenseView<V>::row_major(y.data(), out, 1));
      expect_close(y, exact_product(a, t, xf, 1), in, name + " finite x");
      plan.run(sf::DenseView<const V>{xs.data(), in, 1, 3, 1}, sf::DenseView<V>{ys.data(), out, 1, 3, 1});
      for (std::int64_t i = 0; i < out; ++i) EXPECT_EQ(ys[3 * i], y[i]) << name << " strided " << i;
      for (std::int64_t i = 0; i < out; ++i) EXPECT_EQ(ys[3 * i + 1], V(8)) << name << " wrote between strides";
    }
  }
  sf::set_spmv_tiles(0);
  sf::set_spmv_slices(0);
  sf::set_num_threads(0);
  sf::set_simd_level(sf::SimdLevel::automatic);
}

TYPED_TEST(CpuKernels, TiledAndSlicedPlans) {
  using V = typename TypeParam::first_type;
  using I = typename TypeParam::second_type;
  for (Copy copy : {Copy::tiled, Copy::sliced}) {
    check_copy_plans(random_csr<V, I>(0, 5, 0.5, 1, false), "0x5", copy);
    check_copy_plans(random_csr<V, I>(6, 0, 0.5, 1, false), "6x0", copy);
    check_copy_plans(random_csr<V, I>(1, 1, 1.0, 2, false), "1x1", copy);
    check_copy_plans(random_csr<V, I>(1, 37, 0.6, 3, false), "1x37", copy);
    check_copy_plans(random_csr<V, I>(37, 1, 0.6, 4, false), "37x1", copy);
    check_copy_plans(random_csr<V, I>(23, 19, 0.0, 5, false), "23x19 empty", copy);
    check_copy_plans(random_csr<V, I>(45, 29, 0.3, 6, true), "45x29 skewed", copy);
    check_copy_plans(random_csr<V, I>(603, 681, 0.1, 7, true), "603x681 skewed", copy);
  }
  // slices: exactly one, one and a lane, rows of every length 0..40 in one window
  check_copy_plans(random_csr<V, I>(16, 50, 0.2, 8, false), "16x50", Copy::sliced);
  check_copy_plans(random_csr<V, I>(17, 50, 0.2, 9, true), "17x50 skewed", Copy::sliced);
  const auto lengths = csr_of_rows<V, I>(82, 120, [](std::int64_t i) {
    std::vector<std::int64_t> c;
    for (std::int64_t j = 0; j < (i * 37) % 41; ++j) c.push_back((j * 3 + i) % 120);
    return c;
  });
  check_copy_plans(lengths, "82x120 lengths 0-40", Copy::sliced);
}

// Plans with one vector on arrays beyond L2 and at most 65536 columns read a 16-bit copy of the
// column indices: the same bits as spmm() on every SIMD level and thread count, 2 bytes per
// non-zero of extra memory (and 8 spare entries); the widest column index (65535) survives; 65537 columns do not narrow.
TYPED_TEST(CpuKernels, NarrowIndexPlans) {
  using V = typename TypeParam::first_type;
  using I = typename TypeParam::second_type;
  sf::set_spmv_slices(-1);  // the wide matrix below has short rows
  const auto a = random_csr<V, I>(1200, 900, 0.15, 13, true);
  const auto csc = sf::CSCMatrix<V, I>::from_csr(a);
  ASSERT_GE(a.nnz() * static_cast<std::int64_t>(sizeof(V) + sizeof(I)), std::int64_t{1} << 20);
  const auto levels = sf::available_simd_levels();
  for (bool t : {false, true}) {
    const auto op = t ? sf::Transpose::yes : sf::Transpose::no;
    const std::int64_t in = t ? a.nrows() : a.ncols(), out = t ? a.ncols() : a.nrows();
    const auto x = random_dense<V>(in, 21);
    const auto xv = sf::DenseView<const V>::row_major(x.data(), in, 1);
    const auto e = exact_product(a, t, x, 1);
    for (sf::SimdLevel level : levels) {
      sf::set_simd_level(level);
      for (int threads = 1; threads <= 4; ++threads) {
        sf::set_num_threads(threads);
        const std::string tag = std::string(t ? "A^T" : "A") + " simd=" + sf::to_string(level) +
                                " threads=" + std::to_string(threads);
        std::vector<V> one_shot(static_cast<std::size_t>(out)), y(one_shot.size(), V(4));
        // CSR A x and CSC A^T x run the row-wise kernel on the stored arrays
        if (t) {
          sf::spmm(csc, xv, sf::DenseView<V>::row_major(one_shot.data(), out, 1), op, sf::Backend::cpu);
          const sf::SpmmPlan<V, I> plan(csc, 1, op, sf::Backend::cpu);
          EXPECT_EQ(plan.extra_bytes(), 2 * (a.nnz() + 8)) << tag;
          plan.run(xv, sf::DenseView<V>::row_major(y.data(), out, 1));
        } else {
          sf::spmm(a, xv, sf::DenseView<V>::row_major(one_shot.data(), out, 1), op, sf::Backend::cpu);
          const sf::SpmmPlan<V, I> plan(a, 1, op, sf::Backend::cpu);
          EXPECT_EQ(plan.extra_bytes(), 2 * (a.nnz() + 8)) << tag;
          plan.run(xv, sf::DenseView<V>::row_major(y.data(), out, 1));
        }
        EXPECT_TRUE(same_bits(y, one_shot)) << "narrow plan differs from spmm(): " << tag;
        expect_close(y, e, in, "narrow plan " + tag);
      }
    }
  }
  sf::set_simd_level(sf::SimdLevel::automatic);
  sf::set_num_threads(0);
  // A^T x on CSR keeps the transposed arrays, and their 16-bit indices (A has 1200 rows)
  const std::int64_t transposed_bytes = (a.ncols() + 1 + a.nnz()) * static_cast<std::int64_t>(sizeof(I)) +
                                        a.nnz() * static_cast<std::int64_t>(sizeof(V));
  EXPECT_EQ((sf::SpmmPlan<V, I>(a, 1, sf::Transpose::yes, sf::Backend::cpu).extra_bytes()),
            transposed_bytes + 2 * (a.nnz() + 8));
  EXPECT_EQ((sf::SpmmPlan<V, I>(a, 3, sf::Transpose::yes, sf::Backend::cpu).extra_bytes()), transposed_bytes);
  // a batch, or the transposed kernel on the stored arrays, keeps no copy
  EXPECT_EQ((sf::SpmmPlan<V, I>(a, 2, sf::Transpose::no, sf::Backend::cpu).extra_bytes()), 0);
  EXPECT_EQ((sf::SpmmPlan<V, I>(csc, 1, sf::Transpose::no, sf::Backend::cpu).extra_bytes()), 0);
  // column 65535 is the widest a 16-bit index holds
  for (std::int64_t cols : {std::int64_t{65536}, std::int64_t{65537}}) {
    const std::int64_t rows = 3000, per_row = 48;
    const auto wide = csr_of_rows<V, I>(rows, cols, [&](std::int64_t i) {
      std::vector<std::int64_t> c;
      for (std::int64_t j = 0; j < per_row; ++j) c.push_back(cols - 1 - (i * 131 + j * 977) % 9000);
      return c;
    });
    const sf::SpmmPlan<V, I> plan(wide, 1, sf::Transpose::no, sf::Backend::cpu);
    EXPECT_EQ(plan.extra_bytes(), cols <= 65536 ? 2 * (wide.nnz() + 8) : 0) << cols;
    const auto x = random_dense<V>(cols, 3);
    std::vector<V> y(static_cast<std::size_t>(rows)), ref(y.size());
    plan.run(sf::DenseView<const V>::row_major(x.data(), cols, 1), sf::DenseView<V>::row_major(y.data(), rows, 1));
    sf::spmm(wide, sf::DenseView<const V>::row_major(x.data(), cols, 1), sf::DenseView<V>::row_major(ref.data(), rows, 1),
             sf::Transpose::no, sf::Backend::cpu);
    EXPECT_TRUE(same_bits(y, ref)) << cols;
  }
  sf::set_spmv_slices(0);
}

// The automatic choice of the sliced copy: short rows are sliced (16-bit indices up to 65536
// columns, 32-bit beyond, the widest index surviving both), long rows and heavy padding (one dense
// row among short ones) are not, nor batches; the setting's bounds; CSC A x slices A's rows.
TYPED_TEST(CpuKernels, SlicedWherePays) {
  using V = typename TypeParam::first_type;
  using I = typename TypeParam::second_type;
  using Plan = sf::SpmmPlan<V, I>;
  const auto a = random_csr<V, I>(1000, 1000, 0.01, 31, false);
  // the baseline level has no gathers: automatic plans made there do not slice
  sf::set_simd_level(sf::SimdLevel::baseline);
  EXPECT_FALSE(Plan(a, 1).sliced());
  sf::set_simd_level(sf::SimdLevel::automatic);
  if (sf::simd_level() == sf::SimdLevel::baseline) GTEST_SKIP() << "this CPU has no gathers";
  const Plan plan(a, 1);
  EXPECT_TRUE(plan.sliced());
  EXPECT_FALSE(plan.tiled());
  EXPECT_EQ(plan.panel_columns(), 0);
  // 2-byte indices and the values, padded to whole slices, and the per-lane rows and lengths
  EXPECT_GE(plan.extra_bytes(), a.nnz() * static_cast<std::int64_t>(2 + sizeof(V)) + 8 * 1000);
  EXPECT_LE(plan.extra_bytes(), a.nnz() * static_cast<std::int64_t>(2 + sizeof(V)) * 5 / 4 + 8 * 1008 + 8 * 64);
  EXPECT_FALSE(Plan(a, 2).sliced());
  EXPECT_TRUE(Plan(random_csr<V, I>(200, 2000, 0.15, 9, false), 1).sliced());   // ~300 per row
  EXPECT_FALSE(Plan(random_csr<V, I>(200, 2000, 0.25, 9, false), 1).sliced());  // ~500 per row
  EXPECT_FALSE(Plan(random_csr<V, I>(1000, 1000, 0.01, 31, true), 1).sliced());  // a dense row: padding
  const auto csc = sf::CSCMatrix<V, I>::from_csr(a);
  for (bool t : {false, true}) {
    const auto op = t ? sf::Transpose::yes : sf::Transpose::no;
    const auto x = random_dense<V>(1000, 5);
    const auto e = exact_product(a, t, x, 1);
    for (int f = 0; f < 2; ++f) {
      const Plan p = f == 0 ? Plan(a, 1, op) : Plan(csc, 1, op);
      EXPECT_TRUE(p.sliced()) << f << t;
      std::vector<V> y(1000);
      p.run(sf::DenseView<const V>::row_major(x.data(), 1000, 1), sf::DenseView<V>::row_major(y.data(), 1000, 1));
      expect_close(y, e, 1000, std::string(f == 0 ? "CSR" : "CSC") + (t ? " A^T" : " A"));
    }
  }
  sf::set_spmv_slices(-1);
  EXPECT_FALSE(Plan(a, 1).sliced());
  sf::set_spmv_slices(0);
  EXPECT_EQ(sf::spmv_slices(), 0);
  EXPECT_THROW(sf::set_spmv_slices(-2), sf::invalid_argument);
  EXPECT_THROW(sf::set_spmv_slices(2), sf::invalid_argument);
  // the widest column a 16-bit index holds, and one past it (forced: these few rows pad much)
  sf::set_spmv_slices(1);
  // even forced, no copy 16x the non-zeros: one full row per window of 4096 rows pads its slice
  const auto lonely = csr_of_rows<V, I>(4 * 4096, 40000, [](std::int64_t i) {
    std::vector<std::int64_t> c;
    if (i % 4096 == 5)
      for (std::int64_t j = 0; j < 40000; ++j) c.push_back(j);
    return c;
  });
  EXPECT_FALSE(Plan(lonely, 1).sliced());
  EXPECT_TRUE(Plan(random_csr<V, I>(45, 29, 0.3, 6, true), 1).sliced());  // small padding is allowed
  for (std::int64_t cols : {std::int64_t{65536}, std::int64_t{65537}}) {
    const std::int64_t rows = 40;
    const auto wide = csr_of_rows<V, I>(rows, cols, [&](std::int64_t i) {
      std::vector<std::int64_t> c{cols - 1};  // the widest index in every row
      for (std::int64_t j = 0; j < i % 9; ++j) c.push_back(cols - 2 - (i * 7919 + j * 4099) % (cols - 1));
      return c;
    });
    const Plan p(wide, 1, sf::Transpose::no, sf::Backend::cpu);
    EXPECT_TRUE(p.sliced()) << cols;
    auto x = random_dense<V>(cols, 3);
    x[cols - 1] = V(1000);
    std::vector<V> y(static_cast<std::size_t>(rows));
    p.run(sf::DenseView<const V>::row_major(x.data(), cols, 1), sf::DenseView<V>::row_major(y.data(), rows, 1));
    expect_close(y, exact_product(wide, false, x, 1), cols, "wide " + std::to_string(cols));
  }
  sf::set_spmv_slices(0);
}

// The automatic choice: a graph-like matrix whose x (2^20 values) outgrows L2 is tiled, a banded
// one of the same size and a small one are not; the setting's bounds.
TYPED_TEST(CpuKernelsLarge, TiledWherePays) {
  using V = typename TypeParam::first_type;
  using I = typename TypeParam::second_type;
  const std::int64_t n = std::int64_t{1} << 20;
  std::mt19937 rng(3);
  std::vector<I> ptr{0}, idx, band_ptr{0}, band_idx;
  std::vector<V> val, band_val;
  for (std::int64_t i = 0; i < n; ++i) {
    std::int64_t c0 = rng() % n, c1 = rng() % n;
    if (c0 > c1) std::swap(c0, c1);
    idx.push_back(static_cast<I>(c0));
    if (c1 != c0) idx.push_back(static_cast<I>(c1));
    while (val.size() < idx.size()) val.push_back(static_cast<V>(1 + rng() % 7));
    ptr.push_back(static_cast<I>(idx.size()));
    for (std::int64_t c = std::max<std::int64_t>(0, i - 1); c <= std::min(n - 1, i + 1); ++c) {
      band_idx.push_back(static_cast<I>(c));
      band_val.push_back(V(1));
    }
    band_ptr.push_back(static_cast<I>(band_idx.size()));
  }
  const sf::CSRMatrix<V, I> graph(std::move(val), std::move(idx), std::move(ptr), {n, n});
  const sf::CSRMatrix<V, I> band(std::move(band_val), std::move(band_idx), std::move(band_ptr), {n, n});
  using Plan = sf::SpmmPlan<V, I>;
  for (bool t : {false, true}) {
    const auto op = t ? sf::Transpose::yes : sf::Transpose::no;
    const Plan plan(graph, 1, op, sf::Backend::cpu);
    EXPECT_TRUE(plan.tiled()) << t;
    EXPECT_FALSE(Plan(band, 1, op, sf::Backend::cpu).tiled()) << t;
    EXPECT_FALSE(Plan(graph, 2, op, sf::Backend::cpu).tiled()) << t;
    const auto x = random_dense<V>(n, 4);
    std::vector<V> y(static_cast<std::size_t>(n));
    plan.run(sf::DenseView<const V>::row_major(x.data(), n, 1), sf::DenseView<V>::row_major(y.data(), n, 1));
    expect_close(y, exact_product(graph, t, x, 1), n, t ? "graph A^T" : "graph A");
    // one band of rows per thread, fixed when the plan is made: the same bits for every count
    for (int threads = 1; threads <= 4; ++threads) {
      sf::set_num_threads(threads);
      const Plan p(graph, 1, op, sf::Backend::cpu);
      std::vector<V> yt(static_cast<std::size_t>(n), V(-1));
      p.run(sf::DenseView<const V>::row_major(x.data(), n, 1), sf::DenseView<V>::row_major(yt.data(), n, 1));
      EXPECT_TRUE(same_bits(yt, y)) << "threads=" << threads << (t ? " A^T" : " A");
    }
    sf::set_num_threads(0);
  }
  {
    // skewed: the first 64 rows hold half of the entries, so the bands differ in rows (and with
    // more threads than row blocks of that weight, some are empty)
    std::vector<I> sp{0}, si;
    std::vector<V> sv;
    for (std::int64_t i = 0; i < n; ++i) {
      const std::int64_t len = i < 64 ? 16384 : (i % 3 == 0 ? 1 : 0);
      for (std::int64_t j = 0; j < len; ++j) si.push_back(static_cast<I>((j * 64 + i * 7919) % n));
      std::sort(si.end() - len, si.end());
      while (sv.size() < si.size()) sv.push_back(static_cast<V>(1 + sv.size() % 5));
      sp.push_back(static_cast<I>(si.size()));
    }
    const sf::CSRMatrix<V, I> skewed(std::move(sv), std::move(si), std::move(sp), {n, n});
    const auto x = random_dense<V>(n, 6);
    std::vector<V> first;
    for (int threads = 1; threads <= 4; ++threads) {
      sf::set_num_threads(threads);
      const Plan p(skewed, 1, sf::Transpose::no, sf::Backend::cpu);
      EXPECT_TRUE(p.tiled()) << threads;
      std::vector<V> y(static_cast<std::size_t>(n), V(-1));
      p.run(sf::DenseView<const V>::row_major(x.data(), n, 1), sf::DenseView<V>::row_major(y.data(), n, 1));
      if (first.empty()) {
        expect_close(y, exact_product(skewed, false, x, 1), n, "skewed graph A");
        first = y;
      } else {
        EXPECT_TRUE(same_bits(y, first)) << "skewed threads=" << threads;
      }
    }
    sf::set_num_threads(0);
  }
  {
    // one-shot A^T x into y of 2^20 values (4 MiB and more): the scatter that fetches the matrix ahead
    const auto x = random_dense<V>(n, 5);
    std::vector<V> y(static_cast<std::size_t>(n), V(7));
    sf::spmm(graph, sf::DenseView<const V>::row_major(x.data(), n, 1), sf::DenseView<V>::row_major(y.data(), n, 1),
             sf::Transpose::yes, sf::Backend::cpu);
    expect_close(y, exact_product(graph, true, x, 1), n, "graph A^T one-shot");
  }
  EXPECT_FALSE(Plan(random_csr<V, I>(300, 300, 0.3, 9, false), 1).tiled());
  sf::set_spmv_tiles(-1);
  EXPECT_FALSE(Plan(graph, 1).tiled());
  sf::set_spmv_tiles(0);
  EXPECT_EQ(sf::spmv_tiles(), 0);
  EXPECT_THROW(sf::set_spmv_tiles(-2), sf::invalid_argument);
  EXPECT_THROW(sf::set_spmv_tiles(17), sf::invalid_argument);
}

// A sliced copy whose slices take over 1 MiB per thread is read with prefetches, a smaller one
// without: here 1-2 threads prefetch and 3-4 do not. Prefetches change no value: every thread
// count gives the same bits, close to float64.
TYPED_TEST(CpuKernelsLarge, PrefetchedSlices) {
  using V = typename TypeParam::first_type;
  using I = typename TypeParam::second_type;
  const std::int64_t n = 4000;
  const auto a = random_csr<V, I>(n, n, 0.03, 12, false);  // ~120 per row: sliced
  const auto x = random_dense<V>(n, 6);
  const auto e = exact_product(a, false, x, 1);
  std::vector<V> first;
  for (int threads = 1; threads <= 4; ++threads) {
    sf::set_num_threads(threads);
    const sf::SpmmPlan<V, I> plan(a, 1, sf::Transpose::no, sf::Backend::cpu);
    if (sf::simd_level() == sf::SimdLevel::baseline) GTEST_SKIP() << "this CPU has no gathers";
    ASSERT_TRUE(plan.sliced());
    std::vector<V> y(static_cast<std::size_t>(n));
    plan.run(sf::DenseView<const V>::row_major(x.data(), n, 1), sf::DenseView<V>::row_major(y.data(), n, 1));
    expect_close(y, e, n, "sliced threads=" + std::to_string(threads));
    if (first.empty()) first = y;
    else EXPECT_TRUE(same_bits(y, first)) << "changed with the thread count: " << threads;
  }
  sf::set_num_threads(0);
}

// from_dense against a plain per-element rule, and CSR <-> CSC against a serial counting sort,
// for every thread count (the parallel paths start above 2^17 cells / 2^13 entries).
TYPED_TEST(CpuKernels, Conversions) {
  using V = typename TypeParam::first_type;
  using I = typename TypeParam::second_type;
  const auto levels = sf::available_simd_levels();
  // widths around the vector widths (8, 16) so the vector fill meets every tail
  for (auto [rows, cols] : {std::pair<std::int64_t, std::int64_t>{0, 0}, {1, 1}, {3, 0}, {1, 700}, {700, 1},
                            {5, 8}, {4, 16}, {3, 17}, {6, 31}, {517, 389}}) {
    std::vector<V> d = random_dense<V>(rows * cols, 21);
    for (std::int64_t p = 0; p < rows * cols; ++p) {
      if (p % 3 == 0) d[p] = V(0);
      if (p % 11 == 0) d[p] = V(-0.0);
      if (p % 97 == 5) d[p] = std::numeric_limits<V>::quiet_NaN();
      if (p % 101 == 7) d[p] = -std::numeric_limits<V>::infinity();
      if (p % 13 == 1) d[p] = static_cast<V>(0.25);  // exactly at one of the thresholds below
      if (p % 17 == 2) d[p] = static_cast<V>(-0.25);
      if (p % 19 == 3) d[p] = std::numeric_limits<V>::denorm_min();
    }
    const auto dv = sf::DenseView<const V>::row_major(d.data(), rows, cols);
    for (double threshold : {0.0, 0.25, 0.5, 1e300}) {
      std::vector<I> want_ptr{0}, want_idx;
      std::vector<V> want_val;
      for (std::int64_t i = 0; i < rows; ++i) {
        for (std::int64_t j = 0; j < cols; ++j) {
          const V v = d[i * cols + j];
          if (std::isnan(v) || std::isinf(v) || std::fabs(static_cast<double>(v)) > threshold) {
            want_idx.push_back(static_cast<I>(j));
            want_val.push_back(v);
          }
        }
        want_ptr.push_back(static_cast<I>(want_idx.size()));
      }
      for (int run = 0; run < 4 + static_cast<int>(levels.size()); ++run) {
        // every thread count on the best SIMD level, then every level (the fill is vectorised) on two
        const int threads = run < 4 ? run + 1 : 2;
        const sf::SimdLevel level = run < 4 ? levels.back() : levels[static_cast<std::size_t>(run - 4)];
        sf::set_num_threads(threads);
        sf::set_simd_level(level);
        const auto a = sf::CSRMatrix<V, I>::from_dense(dv, threshold);
        const std::string tag = std::to_string(rows) + "x" + std::to_string(cols) + " t=" + std::to_string(threshold) +
                                " threads=" + std::to_string(threads) + " simd=" + sf::to_string(level);
        ASSERT_EQ(std::vector<I>(a.row_ptr().begin(), a.row_ptr().end()), want_ptr) << tag;
        ASSERT_EQ(std::vector<I>(a.col_indices().begin(), a.col_indices().end()), want_idx) << tag;
        ASSERT_EQ(a.nnz(), static_cast<std::int64_t>(want_val.size())) << tag;
        for (std::size_t p = 0; p < want_val.size(); ++p) {
          if (std::isnan(want_val[p])) EXPECT_TRUE(std::isnan(a.values()[p])) << tag;
          else EXPECT_EQ(a.values()[p], want_val[p]) << tag;
        }
        // transpose: column j of A lists its rows in increasing order
        const auto c = sf::CSCMatrix<V, I>::from_csr(a);
        std::vector<I> cptr(static_cast<std::size_t>(cols) + 1, 0);
        for (I j : want_idx) ++cptr[static_cast<std::size_t>(j) + 1];
        for (std::int64_t j = 0; j < cols; ++j) cptr[j + 1] += cptr[j];
        std::vector<I> next(cptr.begin(), cptr.end() - 1), ridx(want_idx.size());
        for (std::int64_t i = 0; i < rows; ++i)
          for (I p = want_ptr[i]; p < want_ptr[i + 1]; ++p) ridx[next[want_idx[p]]++] = static_cast<I>(i);
        ASSERT_EQ(std::vector<I>(c.col_ptr().begin(), c.col_ptr().end()), cptr) << tag;
        ASSERT_EQ(std::vector<I>(c.row_indices().begin(), c.row_indices().end()), ridx) << tag;
        const auto back = sf::CSRMatrix<V, I>::from_csc(c);
        ASSERT_EQ(std::vector<I>(back.col_indices().begin(), back.col_indices().end()), want_idx) << tag;
        for (std::size_t p = 0; p < want_val.size(); ++p)
          if (!std::isnan(want_val[p])) EXPECT_EQ(back.values()[p], want_val[p]) << tag;
      }
    }
  }
  sf::set_num_threads(0);
  sf::set_simd_level(sf::SimdLevel::automatic);
}

// CSR -> CSC against a plain stable counting sort: every scatter mode (direct, paired, paired in
// column blocks, bucketed), skewed and wide/tall shapes, 1-4 threads, the kept scratch block reused
// by smaller and larger conversions, released, and lent to conversions running at the same time.
TYPED_TEST(CpuKernels, TransposeScratch) {
  using V = typename TypeParam::first_type;
  using I = typename TypeParam::second_type;
  const auto check = [](const sf::CSRMatrix<V, I>& a, const std::string& tag) {
    const auto ptr = a.row_ptr();
    const auto idx = a.col_indices();
    const auto val = a.values();
    std::vector<I> cptr(static_cast<std::size_t>(a.ncols()) + 1, 0), ridx(idx.size());
    std::vector<V> cval(idx.size());
    for (I j : idx) ++cptr[static_cast<std::size_t>(j) + 1];
    for (std::int64_t j = 0; j < a.ncols(); ++j) cptr[j + 1] += cptr[j];
    std::vector<I> next(cptr.begin(), cptr.end() - 1);
    for (std::int64_t i = 0; i < a.nrows(); ++i)
      for (I p = ptr[i]; p < ptr[i + 1]; ++p) {
        const I dst = next[idx[p]]++;
        ridx[dst] = static_cast<I>(i);
        cval[dst] = val[p];
      }
    const auto c = sf::CSCMatrix<V, I>::from_csr(a);
    EXPECT_EQ(std::vector<I>(c.col_ptr().begin(), c.col_ptr().end()), cptr) << tag;
    EXPECT_EQ(std::vector<I>(c.row_indices().begin(), c.row_indices().end()), ridx) << tag;
    EXPECT_EQ(std::vector<V>(c.values().begin(), c.values().end()), cval) << tag;
  };
  struct Shape {
    std::int64_t rows, cols;
    double density;
    bool skewed;
  };
  const std::vector<Shape> shapes{{40, 30, 0.2, false},  {600, 500, 0.3, true}, {3, 70000, 0.5, false},
                                  {70000, 3, 0.5, true}, {2000, 40, 0.9, false}, {300, 9000, 0.02, true},
                                  // bucketed (>= 32768 columns, > 2 MiB): a partial last bucket
                                  {300, 40000, 0.03, true}, {20, 100001, 0.2, false},
                                  // paired in column blocks (> 3072 pages of pairs, random columns)
                                  {600, 4000, 0.7, false}};
  std::vector<sf::CSRMatrix<V, I>> mats;
  for (std::size_t s = 0; s < shapes.size(); ++s)
    mats.push_back(random_csr<V, I>(shapes[s].rows, shapes[s].cols, shapes[s].density,
                                    static_cast<std::uint32_t>(40 + s), shapes[s].skewed));
  for (int threads = 1; threads <= 4; ++threads) {
    sf::set_num_threads(threads);
    for (std::size_t s = 0; s < mats.size(); ++s)
      check(mats[s], "shape " + std::to_string(s) + " threads=" + std::to_string(threads));
    sf::release_cached_memory();
    for (std::size_t s = mats.size(); s-- > 0;)  // large first: smaller ones reuse its block
      check(mats[s], "reversed shape " + std::to_string(s) + " threads=" + std::to_string(threads));
  }
  sf::set_num_threads(2);
  std::vector<std::thread> callers;
  for (int t = 0; t < 3; ++t)
    callers.emplace_back([&, t] {
      for (int r = 0; r < 4; ++r) check(mats[static_cast<std::size_t>(1 + (t + r) % 7)], "concurrent");
    });
  for (auto& c : callers) c.join();
  sf::release_cached_memory();
  sf::set_num_threads(0);
}

// x and y placed at every offset from a 64-byte boundary (the CSR batch loops then load in a
// shifted frame of vectors with masked edges): the same bits as at offset 0 and nothing written
// outside y, for A x and A^T x, the plain, cache-blocked and block-sparse (4, 8, 16, 3) kernels,
// batches narrow and wide, every SIMD level; NaN and Inf in x.
TYPED_TEST(CpuKernels, OperandAlignmentDoesNotChangeResults) {
  using V = typename TypeParam::first_type;
  using I = typename TypeParam::second_type;
  const auto a = random_csr<V, I>(70, 90, 0.3, 17, true);
  std::vector<sf::BlockSparseMatrix<V, I>> bsrs;
  for (std::int64_t bs : {4, 8, 16, 3}) bsrs.push_back(sf::BlockSparseMatrix<V, I>::from_csr(a, bs));
  constexpr std::int64_t per_line = 64 / sizeof(V);
  for (std::int64_t k : {std::int64_t{2}, per_line, per_line + 1, 2 * per_line, 4 * per_line, 8 * per_line + 3}) {
    for (bool t : {false, true}) {
      const std::int64_t in = t ? a.nrows() : a.ncols(), out = t ? a.ncols() : a.nrows();
      auto x0 = random_dense<V>(in * k, 23);
      x0[5] = std::numeric_limits<V>::quiet_NaN();
      x0[in * k - 1] = std::numeric_limits<V>::infinity();
      const auto op = t ? sf::Transpose::yes : sf::Transpose::no;
      const auto e = exact_product(a, t, x0, k);
      for (sf::SimdLevel level : sf::available_simd_levels()) {
        sf::set_simd_level(level);
        for (std::int64_t panel : {std::int64_t{0}, std::int64_t{5}}) {  // automatic (plain here), forced panels
          sf::set_panel_columns(panel);
          for (int threads : {1, 3}) {
            sf::set_num_threads(threads);
            std::vector<V> at_zero;
            for (std::int64_t off = 0; off < per_line; ++off) {
              // 64-byte aligned buffers, operands `off` values in, and guard values around y
              auto aligned = [](std::int64_t values) {
                const std::size_t bytes = static_cast<std::size_t>(values) * sizeof(V);
                return static_cast<V*>(std::aligned_alloc(64, (bytes + 63) / 64 * 64));
              };
              V* xb = aligned(per_line + in * k);
              V* yb = aligned(per_line + out * k + per_line);
              std::copy(x0.begin(), x0.end(), xb + off);
              std::fill(yb, yb + per_line + out * k + per_line, V(-3));
              const auto xv = sf::DenseView<const V>::row_major(xb + off, in, k);
              const auto yv = sf::DenseView<V>::row_major(yb + off, out, k);
              sf::spmm(a, xv, yv, op, sf::Backend::cpu);
              std::vector<V> y(yb + off, yb + off + out * k);
              for (const auto& b : bsrs) {  // the block kernels' results follow the CSR one's
                sf::spmm(b, xv, yv, op, sf::Backend::cpu);
                y.insert(y.end(), yb + off, yb + off + out * k);
              }
              bool guards = true;
              for (std::int64_t g = 0; g < off; ++g) guards &= yb[g] == V(-3);
              for (std::int64_t g = off + out * k; g < per_line + out * k + per_line; ++g) guards &= yb[g] == V(-3);
              std::free(xb);
              std::free(yb);
              const std::string tag = std::string(t ? "A^T" : "A") + " k=" + std::to_string(k) + " simd=" +
                                      sf::to_string(level) + " panel=" + std::to_string(panel) + " threads=" +
                                      std::to_string(threads) + " offset=" + std::to_string(off);
              EXPECT_TRUE(guards) << "wrote outside y: " << tag;
              if (off == 0) {
                at_zero = y;
                for (std::size_t q = 0; q < static_cast<std::size_t>(out * k); ++q) {  // the NaN and the Inf spread
                  const double err = std::fabs(static_cast<double>(y[q]) - e.value[q]);
                  if (std::isfinite(e.value[q]))
                    EXPECT_LE(err, 4e-7 * (in + 2) * e.bound[q] + 1e-30) << tag << " element " << q;
                  else
                    EXPECT_TRUE(std::isnan(e.value[q]) ? std::isnan(y[q]) : y[q] == e.value[q])
                        << tag << " element " << q;
                }
              } else {
                EXPECT_TRUE(same_bits(y, at_zero)) << "result depends on the operands' alignment: " << tag;
              }
            }
          }
        }
      }
    }
  }
  sf::set_panel_columns(0);
  sf::set_num_threads(0);
  sf::set_simd_level(sf::SimdLevel::automatic);
}

// A plan gives bit-identical results to spmm() (same thread count), for every format and op.
TYPED_TEST(CpuKernels, PlanMatchesOneShot) {
  using V = typename TypeParam::first_type;
  using I = typename TypeParam::second_type;
  const auto a = random_csr<V, I>(703, 611, 0.08, 12, true);
  const auto csc = sf::CSCMatrix<V, I>::from_csr(a);
  const auto bsr = sf::BlockSparseMatrix<V, I>::from_csr(a, 8);
  for (int threads : {1, 3}) {
    sf::set_num_threads(threads);
    for (std::int64_t k : {1, 3, 17}) {
      for (bool t : {false, true}) {
        const auto op = t ? sf::Transpose::yes : sf::Transpose::no;
        const std::int64_t in = t ? a.nrows() : a.ncols(), out = t ? a.ncols() : a.nrows();
        const auto x = random_dense<V>(in * k, 5);
        const auto xv = sf::DenseView<const V>::row_major(x.data(), in, k);
        auto check = [&](const auto& m, const char* name) {
          std::vector<V> y1(out * k), y2(out * k, V(9));
          sf::spmm(m, xv, sf::DenseView<V>::row_major(y1.data(), out, k), op, sf::Backend::cpu);
          const sf::SpmmPlan<V, I> plan(m, k, op, sf::Backend::cpu);
          EXPECT_EQ(plan.shape(), (sf::Shape{out, in}));
          EXPECT_EQ(plan.batch(), k);
          EXPECT_GE(plan.threads(), 1);
          EXPECT_LE(plan.threads(), threads);
          plan.run(xv, sf::DenseView<V>::row_major(y2.data(), out, k));
          // the plan runs on a transposed or sliced copy: each output sums in another order
          const bool copy = (t && std::string(name) == "CSR") || plan.sliced();
          if (!copy) EXPECT_EQ(y1, y2) << name << " k=" << k << " t=" << t << " threads=" << threads;
          expect_close(y2, exact_product(a, t, x, k), in, std::string(name) + " plan");
          std::vector<V> y3(out * k);
          sf::SpmmPlan<V, I>(m, k, op, sf::Backend::reference).run(xv, sf::DenseView<V>::row_major(y3.data(), out, k));
          const auto e = exact_product(a, t, x, k);
          expect_close(y3, e, in, std::string(name) + " reference plan");
        };
        check(a, "CSR");
        check(csc, "CSC");
        check(bsr, "BSR");
      }
    }
  }
  sf::set_num_threads(0);
  const sf::SpmmPlan<V, I> plan(a, 4);
  std::vector<V> x(a.ncols() * 5), y(a.nrows() * 5);
  EXPECT_THROW(plan.run(sf::DenseView<const V>::row_major(x.data(), a.ncols(), 5),
                        sf::DenseView<V>::row_major(y.data(), a.nrows(), 5)),
               sf::shape_mismatch);
  EXPECT_THROW(plan.run(sf::DenseView<const V>::row_major(x.data(), a.ncols() - 1, 4),
                        sf::DenseView<V>::row_major(y.data(), a.nrows(), 4)),
               sf::shape_mismatch);
  EXPECT_THROW((sf::SpmmPlan<V, I>(a, -1)), sf::invalid_argument);
  const sf::SpmmPlan<V, I> gpu_plan(a, 4, sf::Transpose::no, sf::Backend::opencl);
  EXPECT_THROW(gpu_plan.run(sf::DenseView<const V>::row_major(x.data(), a.ncols(), 4),
                            sf::DenseView<V>::row_major(y.data(), a.nrows(), 4)),
               sf::backend_unavailable);
}

TEST(CpuKernelsConfig, SimdLevels) {
  const auto levels = sf::available_simd_levels();
  ASSERT_FALSE(levels.empty());
  EXPECT_EQ(levels.front(), sf::SimdLevel::baseline);
  for (sf::SimdLevel l : levels) {
    sf::set_simd_level(l);
    EXPECT_EQ(sf::simd_level(), l);
  }
  for (sf::SimdLevel l : {sf::SimdLevel::avx2, sf::SimdLevel::avx512})
    if (std::find(levels.begin(), levels.end(), l) == levels.end())
      EXPECT_THROW(sf::set_simd_level(l), sf::unsupported);
  sf::set_simd_level(sf::SimdLevel::automatic);
  EXPECT_NE(sf::simd_level(), sf::SimdLevel::automatic);
  EXPECT_EQ(sf::to_string(sf::SimdLevel::avx2), "avx2");
}

// The automatic level on a CPU with AVX-512: float products with one vector on a small matrix run
// the baseline kernels on AMD CPUs (slow 512-bit gathers) and the AVX-512 ones elsewhere; batches
// and double always run AVX-512; a forced avx512 level is AVX-512 throughout. (Matrices beyond
// 16 MiB take csr_rows_gather256 there: Gather256RowsMatchTheProduct.)
TEST(CpuKernelsConfig, AutomaticLevelTakesNarrowGathersOnAmd) {
  const auto levels = sf::available_simd_levels();
  if (std::find(levels.begin(), levels.end(), sf::SimdLevel::avx512) == levels.end())
    GTEST_SKIP() << "no AVX-512 on this CPU";
#if defined(__x86_64__) || defined(__i386__)
  const bool amd = __builtin_cpu_is("amd");
#else
  const bool amd = false;
#endif
  // rows of 0..200 entries: full vectors and every tail length
  const auto af = random_csr<float, std::int32_t>(300, 400, 0.25, 21, true);
  const auto ad = random_csr<double, std::int32_t>(300, 400, 0.25, 21, true);
  auto run = [](const auto& a, std::int64_t k, sf::SimdLevel level) {
    using V = typename std::decay_t<decltype(a)>::value_type;
    sf::set_simd_level(level);
    const auto x = random_dense<V>(a.ncols() * k, 5);
    std::vector<V> y(static_cast<std::size_t>(a.nrows() * k));
    sf::spmm(a, sf::DenseView<const V>::row_major(x.data(), a.ncols(), k),
             sf::DenseView<V>::row_major(y.data(), a.nrows(), k), sf::Transpose::no, sf::Backend::cpu);
    return y;
  };
  for (std::int64_t k : {1, 32}) {
    const auto f0 = run(af, k, sf::SimdLevel::baseline), f5 = run(af, k, sf::SimdLevel::avx512);
    const auto fa = run(af, k, sf::SimdLevel::automatic);
    ASSERT_FALSE(same_bits(f0, f5)) << "the two levels must differ for this test to tell them apart, k=" << k;
    EXPECT_TRUE(same_bits(fa, amd && k == 1 ? f0 : f5)) << "float k=" << k << " amd=" << amd;
    const auto d0 = run(ad, k, sf::SimdLevel::baseline), d5 = run(ad, k, sf::SimdLevel::avx512);
    const auto da = run(ad, k, sf::SimdLevel::automatic);
    ASSERT_FALSE(same_bits(d0, d5)) << "the two levels must differ for this test to tell them apart, double k=" << k;
    EXPECT_TRUE(same_bits(da, d5)) << "double k=" << k;
  }
  EXPECT_EQ(sf::simd_level(), sf::SimdLevel::avx512);
  sf::set_simd_level(sf::SimdLevel::automatic);
}

// The AVX-512 SpMV rows with 256-bit gathers, which the automatic level takes on AMD CPUs for
// float matrices beyond 16 MiB: row lengths 0..70 (whole blocks of 16 and every rest) against a
// float64 product, only rows [r0, r1) written, y strided; batches, strided x and double fall back
// to csr_rows with the same bits; and the dispatch on a matrix just over 16 MiB.
TEST(CpuKernelsConfig, Gather256RowsMatchTheProduct) {
  const auto levels = sf::available_simd_levels();
  if (std::find(levels.begin(), levels.end(), sf::SimdLevel::avx512) == levels.end())
    GTEST_SKIP() << "no AVX-512 on this CPU";
#if defined(__x86_64__)
  namespace cpu = sf::kernels::cpu;
  const std::int64_t rows = 3 * 71, cols = 5000;
  std::mt19937 rng(4);
  std::uniform_real_distribution<float> val(-1.0f, 1.0f);
  std::vector<std::int32_t> ptr{0}, idx;
  std::vector<float> data;
  for (std::int64_t i = 0; i < rows; ++i) {
    std::set<std::int32_t> row;
    while (static_cast<std::int64_t>(row.size()) < i % 71) row.insert(static_cast<std::int32_t>(rng() % cols));
    for (std::int32_t c : row) idx.push_back(c), data.push_back(val(rng));
    ptr.push_back(static_cast<std::int32_t>(idx.size()));
  }
  const sf::kernels::CsrView<float, std::int32_t> a{rows, cols, ptr.data(), idx.data(), data.data()};
  const auto x = random_dense<float>(cols * 3, 6);
  const auto& kern = cpu::avx512::row_kernels<float, std::int32_t>();
  const std::int64_t r0 = 5, r1 = rows - 3;
  std::vector<float> y(static_cast<std::size_t>(rows * 2), -7.0f);
  kern.csr_rows_gather256(a, x.data(), 1, y.data(), 2, 1, r0, r1);
  for (std::int64_t i = 0; i < rows; ++i) {
    EXPECT_EQ(y[static_cast<std::size_t>(2 * i + 1)], -7.0f) << "stride gap of row " << i;
    if (i < r0 || i >= r1) {
      EXPECT_EQ(y[static_cast<std::size_t>(2 * i)], -7.0f) << "row " << i << " is outside [r0, r1)";
      continue;
    }
    double exact = 0, scale = 0;
    for (std::int32_t p = ptr[i]; p < ptr[i + 1]; ++p) {
      exact += static_cast<double>(data[p]) * x[static_cast<std::size_t>(idx[p])];
      scale += std::fabs(static_cast<double>(data[p]) * x[static_cast<std::size_t>(idx[p])]);
    }
    EXPECT_NEAR(y[static_cast<std::size_t>(2 * i)], exact, 1e-6 * (scale + 1)) << "row " << i << " of length " << i % 71;
  }
  for (const auto [k, ldx] : {std::pair<std::int64_t, std::int64_t>{3, 3}, {1, 3}}) {
    std::vector<float> got(static_cast<std::size_t>(rows * k)), want(got.size());
    kern.csr_rows_gather256(a, x.data(), ldx, got.data(), k, k, 0, rows);
    kern.csr_rows(a, x.data(), ldx, want.data(), k, k, 0, rows);
    EXPECT_TRUE(same_bits(got, want)) << "k=" << k << " ldx=" << ldx;
  }
  // the automatic level's dispatch: a float matrix of 2^21 + 6 non-zeros (16 MiB and a little more)
  // takes these rows on AMD CPUs and AVX-512's csr_rows elsewhere
  {
    const std::int64_t big_rows = 174763, big_cols = 1 << 20;  // 12 per row, and 6 rows of 13
    std::vector<std::int32_t> bp{0}, bi;
    std::vector<float> bv;
    for (std::int64_t i = 0; i < big_rows; ++i) {
      const std::int64_t len = i < 6 ? 13 : 12;
      for (std::int64_t j = 0; j < len; ++j)
        bi.push_back(static_cast<std::int32_t>((i * 7919 + j * 86477) % big_cols)), bv.push_back(val(rng));
      std::sort(bi.end() - len, bi.end());
      bp.push_back(static_cast<std::int32_t>(bi.size()));
    }
    ASSERT_GT(bi.size() * 8, std::size_t{16} << 20);
    const sf::CSRMatrix<float, std::int32_t> big(std::move(bv), std::move(bi), std::move(bp), {big_rows, big_cols});
    const auto bx = random_dense<float>(big_cols, 8);
    std::vector<float> got(static_cast<std::size_t>(big_rows)), want(got.size());
    sf::set_simd_level(sf::SimdLevel::automatic);
    sf::spmm(big, sf::DenseView<const float>::row_major(bx.data(), big_cols, 1),
             sf::DenseView<float>::row_major(got.data(), big_rows, 1), sf::Transpose::no, sf::Backend::cpu);
    const sf::kernels::CsrView<float, std::int32_t> bview{big_rows, big_cols, big.row_ptr().data(),
                                                          big.col_indices().data(), big.values().data()};
    const bool amd = __builtin_cpu_is("amd");
    (amd ? kern.csr_rows_gather256 : kern.csr_rows)(bview, bx.data(), 1, want.data(), 1, 1, 0, big_rows);
    EXPECT_TRUE(same_bits(got, want)) << "amd=" << amd;
  }
  std::vector<double> data64(data.begin(), data.end()), x64(x.begin(), x.end());
  const sf::kernels::CsrView<double, std::int32_t> a64{rows, cols, ptr.data(), idx.data(), data64.data()};
  const auto& kern64 = cpu::avx512::row_kernels<double, std::int32_t>();
  std::vector<double> got(static_cast<std::size_t>(rows)), want(got.size());
  kern64.csr_rows_gather256(a64, x64.data(), 1, got.data(), 1, 1, 0, rows);
  kern64.csr_rows(a64, x64.data(), 1, want.data(), 1, 1, 0, rows);
  EXPECT_TRUE(same_bits(got, want));
#endif
}

TEST(CpuKernelsConfig, StridedOperandsGoThroughCopies) {
  // Fortran-ordered x and y (col_stride != 1) still give the reference result.
  const auto a = random_csr<float, std::int32_t>(300, 200, 0.2, 9, true);
  const std::int64_t k = 19;
  const auto x = random_dense<float>(200 * k, 10);
  std::vector<float> y(300 * k), ref(300 * k);
  const sf::DenseView<const float> xf{x.data(), 200, k, 1, 200};
  sf::spmm(a, xf, sf::DenseView<float>{y.data(), 300, k, 1, 300}, sf::Transpose::no, sf::Backend::cpu);
  sf::spmm(a, xf, sf::DenseView<float>{ref.data(), 300, k, 1, 300}, sf::Transpose::no, sf::Backend::reference);
  for (std::size_t i = 0; i < y.size(); ++i) EXPECT_NEAR(y[i], ref[i], 1e-4f) << i;
}

}  // namespace

// Freed arrays of 4 MiB and more are kept (cached_memory_bytes) and reused by the next array that
// fits them within 25%; smaller ones and much smaller requests are not served from them; results
// are unchanged; release_cached_memory() empties the cache.
TEST(CpuKernelsConfig, LargeArraysAreReused) {
  sf::release_cached_memory();
  EXPECT_EQ(sf::cached_memory_bytes(), 0u);
  const auto dense_of = [](std::int64_t n) {
    sf::DenseMatrix<float> d(n, n);
    for (std::size_t i = 0; i < d.data.size(); ++i) d.data[i] = (i % 7 == 3) ? 0.0f : static_cast<float>(i % 1000) + 0.5f;
    d.data[5] = std::numeric_limits<float>::quiet_NaN();
    d.data[9] = -std::numeric_limits<float>::infinity();
    return d;
  };
  const auto same = [](const sf::DenseMatrix<float>& a, const sf::DenseMatrix<float>& b) {
    return a.data.size() == b.data.size() &&
           std::memcmp(a.data.data(), b.data.data(), a.data.size() * sizeof(float)) == 0;
  };
  using Csr = sf::CSRMatrix<float, std::int32_t>;
  const auto arrays = [](const Csr& m) { return std::set<const void*>{m.col_indices().data(), m.values().data()}; };
  const auto big = dense_of(1500);  // 1.93M entries kept: 7.7 MB per array, 8 MiB blocks
  std::set<const void*> first;
  {
    const auto a = Csr::from_dense(big.view());
    first = arrays(a);
    EXPECT_TRUE(same(a.to_dense(), big));
  }
  const std::size_t kept = sf::cached_memory_bytes();
  EXPECT_EQ(kept, 2 * (std::size_t{8} << 20));
  {
    const auto a = Csr::from_dense(big.view());
    EXPECT_EQ(arrays(a), first);
    EXPECT_EQ(sf::cached_memory_bytes(), 0u);  // both blocks lent out again
    EXPECT_TRUE(same(a.to_dense(), big));
  }
  EXPECT_EQ(sf::cached_memory_bytes(), kept);
  {
    const auto small = dense_of(1150);  // 4.5 MB per array (6 MiB blocks): 8 MiB is more than 25% over
    const auto b = Csr::from_dense(small.view());
    for (const void* p : arrays(b)) EXPECT_EQ(first.count(p), 0u);
    EXPECT_EQ(sf::cached_memory_bytes(), kept);
    EXPECT_TRUE(same(b.to_dense(), small));
  }
  EXPECT_EQ(sf::cached_memory_bytes(), kept + 2 * (std::size_t{6} << 20));
  {
    const auto tiny = dense_of(600);  // under 4 MiB: never kept
    const auto c = Csr::from_dense(tiny.view());
    EXPECT_TRUE(same(c.to_dense(), tiny));
  }
  EXPECT_EQ(sf::cached_memory_bytes(), kept + 2 * (std::size_t{6} << 20));
  sf::release_cached_memory();
  EXPECT_EQ(sf::cached_memory_bytes(), 0u);
}

// The barrier between the phases of one parallel region (the transpose, A^T x's partial sums):
// every thread sees every write of the phase before, for 1-4 threads (more threads than cores,
// so spinning waiters go on to sleep), with phases where one thread is late by a millisecond
// (longer than the spin).
TEST(CpuKernelsConfig, SpinBarrierOrdersPhases) {
  namespace cpu = sf::kernels::cpu;
  for (int threads = 1; threads <= 4; ++threads) {
    std::vector<std::int64_t> slot(static_cast<std::size_t>(threads), -1);
    std::atomic<int> errors{0}, team_sizes{0};
    cpu::SpinBarrier barrier;
#pragma omp parallel num_threads(threads)
    {
      const int me = cpu::team_rank(), team = cpu::team_size();
      if (me == 0) team_sizes = team;
      for (int phase = 0; phase < 3000; ++phase) {
        if (phase % 500 == 7 && me == team - 1) std::this_thread::sleep_for(std::chrono::milliseconds(1));
        slot[static_cast<std::size_t>(me)] = phase;
        barrier.wait(team);
        for (int t = 0; t < team; ++t) errors += slot[static_cast<std::size_t>(t)] != phase;
        barrier.wait(team);
      }
    }
    EXPECT_EQ(errors.load(), 0) << threads << " threads";
#ifdef _OPENMP
    EXPECT_EQ(team_sizes.load(), threads);
#endif
  }
}

// Products and conversions called from inside the caller's own parallel region (nested regions
// get one thread by default, so each part of a partition runs on the calling thread): the same
// bits as the same calls made outside, with the same thread count.
TEST(CpuKernelsConfig, CallsFromInsideAParallelRegion) {
  using V = float;
  using I = std::int32_t;
  sf::set_num_threads(3);
  const auto a = random_csr<V, I>(900, 700, 0.1, 5, true);
  struct Result {
    std::vector<I> csc_ptr, csc_idx;
    std::vector<V> csc_val, y;
  };
  const auto compute = [&a]() {
    Result r;
    const auto c = sf::CSCMatrix<V, I>::from_csr(a);
    r.csc_ptr.assign(c.col_ptr().begin(), c.col_ptr().end());
    r.csc_idx.assign(c.row_indices().begin(), c.row_indices().end());
    r.csc_val.assign(c.values().begin(), c.values().end());
    for (std::int64_t k : {1, 3, 17})
      for (bool t : {false, true}) {
        const std::int64_t in = t ? a.nrows() : a.ncols(), out = t ? a.ncols() : a.nrows();
        const auto x = random_dense<V>(in * k, 9);
        std::vector<V> y(static_cast<std::size_t>(out * k));
        sf::spmm(a, sf::DenseView<const V>::row_major(x.data(), in, k), sf::DenseView<V>::row_major(y.data(), out, k),
                 t ? sf::Transpose::yes : sf::Transpose::no, sf::Backend::cpu);
        r.y.insert(r.y.end(), y.begin(), y.end());
      }
    return r;
  };
  const Result want = compute();
  std::atomic<int> differ{0}, callers{0};
#pragma omp parallel num_threads(2)
  {
    ++callers;
    const Result got = compute();
    differ += got.csc_ptr != want.csc_ptr || got.csc_idx != want.csc_idx ||
              std::memcmp(got.csc_val.data(), want.csc_val.data(), want.csc_val.size() * sizeof(V)) != 0 ||
              got.y.size() != want.y.size() ||
              std::memcmp(got.y.data(), want.y.data(), want.y.size() * sizeof(V)) != 0;
  }
  EXPECT_EQ(differ.load(), 0);
#ifdef _OPENMP
  EXPECT_EQ(callers.load(), 2);
#endif
  sf::set_num_threads(0);
}
