// Conversions: dense -> format -> dense is bit-exact (NaN, +-Inf, denormals, signed zeros), every
// pair CSR <-> CSC <-> BSR is lossless, and block-sparse thresholds drop exactly what they report.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "test_helpers.hpp"

namespace {

namespace sf = sparse_formats;
using sft::as_vector;

template <typename T>
class Conversions : public ::testing::Test {};
TYPED_TEST_SUITE(Conversions, sft::AllTypes, sft::TypePairNames);

struct ShapeCase {
  std::int64_t rows, cols;
  double density;
  bool empty_lines;
};

// Edge shapes, empty rows and columns, and shapes not divisible by any tested block size.
const ShapeCase kShapes[] = {{0, 0, 0.5, false},  {0, 7, 0.5, false},  {7, 0, 0.5, false},  {1, 1, 1.0, false},
                             {1, 13, 0.5, false}, {13, 1, 0.5, false}, {9, 9, 0.0, false},  {16, 16, 0.3, false},
                             {17, 23, 0.2, true}, {33, 10, 0.6, true}, {40, 65, 0.05, true}, {5, 70, 1.0, false}};
const std::int64_t kBlockSizes[] = {1, 2, 3, 4, 8, 16};

// A random matrix seeded with special values: NaN, +-Inf, denormals, -0.0, values at and below thresholds.
template <typename V>
sf::DenseMatrix<V> with_special_values(const ShapeCase& s, std::uint64_t seed) {
  auto d = sft::random_sparse<V>(s.rows, s.cols, s.density, seed, s.empty_lines);
  const V specials[] = {std::numeric_limits<V>::quiet_NaN(),
                        std::numeric_limits<V>::infinity(),
                        -std::numeric_limits<V>::infinity(),
                        std::numeric_limits<V>::denorm_min(),
                        -std::numeric_limits<V>::denorm_min() * V(3),
                        V(-0.0),
                        V(1e-11),
                        V(-1e-10),
                        V(0.3),
                        static_cast<V>(-0.30000001)};
  sft::Rng rng(seed + 1);
  if (d.data.empty()) return d;
  for (const V v : specials) d.data[static_cast<std::size_t>(rng.below(static_cast<std::int64_t>(d.data.size())))] = v;
  return d;
}

TYPED_TEST(Conversions, DenseRoundTripIsBitExact) {
  SFT_TYPES;
  std::uint64_t seed = 100;
  for (const auto& s : kShapes) {
    SCOPED_TRACE(::testing::Message() << s.rows << "x" << s.cols);
    const auto d = with_special_values<V>(s, ++seed);
    const auto d_copy = d;
    for (double threshold : {0.0, 1e-10, 0.3}) {
      SCOPED_TRACE(threshold);
      const auto want = sft::expected_after_threshold(d, threshold);
      const auto csr = Csr::from_dense(d.view(), threshold);
      const auto csc = Csc::from_dense(d.view(), threshold);
      EXPECT_TRUE(sft::bit_equal(csr.to_dense(), want));
      EXPECT_TRUE(sft::bit_equal(csc.to_dense(), want));
      EXPECT_EQ(csr.nnz(), sft::count_nonzero(want));
      EXPECT_EQ(csc.nnz(), csr.nnz());
    }
    // Block-sparse with threshold 0 keeps every non-zero, however small; -0.0 comes back as +0.0.
    const auto want = sft::expected_after_threshold(d, 0.0);
    for (std::int64_t bs : kBlockSizes) {
      const auto bsr = Bsr::from_dense(d.view(), bs);
      EXPECT_TRUE(sft::bit_equal(bsr.to_dense(), want)) << "block size " << bs;
      EXPECT_EQ(bsr.nnz(), sft::count_nonzero(want));
      EXPECT_EQ(bsr.get_statistics().dropped_nnz, 0);
    }
    EXPECT_TRUE(sft::bit_equal(d, d_copy)) << "from_dense modified its input";
  }
}

// Above from_dense's parallel threshold (65536 entries): the result must not depend on the thread count.
TYPED_TEST(Conversions, LargeFromDenseIsIndependentOfThreadCount) {
  SFT_TYPES;
  sft::ThreadGuard guard;
  const auto d = with_special_values<V>({410, 300, 0.1, true}, 77);
  const auto want = sft::expected_after_threshold(d, 1e-10);
  const auto want0 = sft::expected_after_threshold(d, 0.0);
  sf::set_num_threads(1);
  const auto thinned = Bsr::from_dense(d.view(), 8, 0.3);
  const auto thinned_st = thinned.get_statistics();
  EXPECT_GT(thinned_st.dropped_nnz, 0);
  for (int threads = 1; threads <= 4; ++threads) {
    SCOPED_TRACE(threads);
    sf::set_num_threads(threads);
    const auto csr = Csr::from_dense(d.view());
    const auto csc = Csc::from_dense(d.view());
    EXPECT_TRUE(sft::bit_equal(csr.to_dense(), want));
    EXPECT_TRUE(sft::bit_equal(csc.to_dense(), want));
    EXPECT_EQ(as_vector(Csr::from_csc(csc).col_indices()), as_vector(csr.col_indices()));
    EXPECT_TRUE(sft::bit_equal(Bsr::from_dense(d.view(), 8).to_dense(), want0));
    const auto t = Bsr::from_dense(d.view(), 8, 0.3);
    EXPECT_TRUE(sft::bit_equal(t.to_dense(), thinned.to_dense()));
    EXPECT_EQ(as_vector(t.block_indices()), as_vector(thinned.block_indices()));
    EXPECT_EQ(t.get_statistics().dropped_nnz, thinned_st.dropped_nnz);
    EXPECT_EQ(t.get_statistics().dropped_norm_fraction, thinned_st.dropped_norm_fraction);
  }
}

TYPED_TEST(Conversions, ToDenseIntoStridedOutput) {
  SFT_TYPES;
  const auto d = sft::random_sparse<V>(6, 11, 0.3, 3);
  for (auto layout : {sft::Layout::row_major, sft::Layout::col_major, sft::Layout::padded, sft::Layout::row_padded}) {
    SCOPED_TRACE(sft::layout_name(layout));
    auto check = [&](const auto& m) {
      sft::StridedMatrix<V> out(6, 11, layout, V(-7));
      m.to_dense(out.view);
      for (std::int64_t i = 0; i < 6; ++i)
        for (std::int64_t j = 0; j < 11; ++j) EXPECT_TRUE(sft::same_bits(out.view(i, j), d(i, j)));
      // Slots outside the view are untouched.
      std::int64_t untouched = 0;
      for (V v : out.memory) untouched += v == V(-7);
      EXPECT_EQ(untouched, static_cast<std::int64_t>(out.memory.size()) - 66);
    };
    check(Csr::from_dense(d.view()));
    check(Csc::from_dense(d.view()));
    check(Bsr::from_dense(d.view(), 4));
  }
}

TYPED_TEST(Conversions, EveryPairIsLossless) {
  SFT_TYPES;
  std::uint64_t seed = 200;
  for (const auto& s : kShapes) {
    SCOPED_TRACE(::testing::Message() << s.rows << "x" << s.cols);
    const auto d = with_special_values<V>(s, ++seed);
    const auto want = sft::expected_after_threshold(d, 0.0);
    const auto csr = Csr::from_dense(d.view(), 0.0);
    const auto csc = Csc::from_dense(d.view(), 0.0);

    const auto csc_from_csr = Csc::from_csr(csr);
    const auto csr_from_csc = Csr::from_csc(csc);
    EXPECT_TRUE(sft::bit_equal(csc_from_csr.to_dense(), want));
    EXPECT_TRUE(sft::bit_equal(csr_from_csc.to_dense(), want));
    // The canonical arrays do not depend on the path taken.
    EXPECT_EQ(as_vector(csr_from_csc.row_ptr()), as_vector(csr.row_ptr()));
    EXPECT_EQ(as_vector(csr_from_csc.col_indices()), as_vector(csr.col_indices()));
    EXPECT_EQ(as_vector(csc_from_csr.col_ptr()), as_vector(csc.col_ptr()));
    EXPECT_EQ(as_vector(csc_from_csr.row_indices()), as_vector(csc.row_indices()));
    EXPECT_TRUE(sft::bit_equal(Csr::from_csc(Csc::from_csr(csr)).to_dense(), want));

    for (std::int64_t bs : kBlockSizes) {
      SCOPED_TRACE(bs);
      const auto direct = Bsr::from_dense(d.view(), bs);
      const auto from_csr = Bsr::from_csr(csr, bs);
      const auto from_csc = Bsr::from_csc(csc, bs);
      for (const auto* b : {&from_csr, &from_csc}) {
        EXPECT_TRUE(sft::bit_equal(b->to_dense(), want));
        EXPECT_EQ(b->nnz(), direct.nnz());
        EXPECT_EQ(b->block_size(), bs);
        EXPECT_EQ(as_vector(b->block_row_ptr()), as_vector(direct.block_row_ptr()));
        EXPECT_EQ(as_vector(b->block_indices()), as_vector(direct.block_indices()));
        ASSERT_EQ(b->blocks().size(), direct.blocks().size());
        for (std::size_t k = 0; k < direct.blocks().size(); ++k)
          ASSERT_TRUE(sft::same_bits(b->blocks()[k], direct.blocks()[k])) << "block value " << k;
      }
      const auto csr_back = Csr::from_block_sparse(direct);
      const auto csc_back = Csc::from_block_sparse(direct);
      EXPECT_TRUE(sft::bit_equal(csr_back.to_dense(), want));
      EXPECT_TRUE(sft::bit_equal(csc_back.to_dense(), want));
      EXPECT_EQ(as_vector(csr_back.row_ptr()), as_vector(csr.row_ptr()));
      EXPECT_EQ(as_vector(csr_back.col_indices()), as_vector(csr.col_indices()));
      EXPECT_EQ(as_vector(csc_back.col_ptr()), as_vector(csc.col_ptr()));
      EXPECT_EQ(as_vector(csc_back.row_indices()), as_vector(csc.row_indices()));
      // BSR -> CSR -> BSR with another block size, and back.
      const auto other = Bsr::from_csr(csr_back, bs == 1 ? 5 : bs - 1);
      EXPECT_TRUE(sft::bit_equal(Csc::from_block_sparse(other).to_dense(), want));
    }
  }
}

TYPED_TEST(Conversions, ConversionsNeverModifyTheSource) {
  SFT_TYPES;
  const auto d = sft::random_sparse<V>(12, 14, 0.3, 9, true);
  const auto csr = Csr::from_dense(d.view());
  const auto vals = as_vector(csr.values());
  const auto idx = as_vector(csr.col_indices());
  const auto ptr = as_vector(csr.row_ptr());
  (void)Csc::from_csr(csr);
  (void)Bsr::from_csr(csr, 3);
  (void)csr.transpose();
  EXPECT_EQ(as_vector(csr.values()), vals);
  EXPECT_EQ(as_vector(csr.col_indices()), idx);
  EXPECT_EQ(as_vector(csr.row_ptr()), ptr);
}

// ---- block-sparse threshold: minimum block density (non-zeros / block area inside the matrix)

TYPED_TEST(Conversions, BlockThresholdHandChecked) {
  SFT_TYPES;
  // 6x6 with 4x4 blocks: block (0,0) is 4x4, (0,1) is 4x2, (1,0) is 2x4, (1,1) is 2x2 (edge areas).
  sf::DenseMatrix<V> d(6, 6);
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 4; ++j) d(i, j) = V(1);  // (0,0): density 1
  d(0, 4) = V(3);                                // (0,1): 2 of 8 -> density 0.25
  d(1, 5) = V(-4);
  d(5, 0) = std::numeric_limits<V>::quiet_NaN();  // (1,0): 1 of 8, but NaN: never dropped
  d(4, 4) = V(2);                                 // (1,1): 1 of 4 -> density 0.25
  const double total_sq = 16 * 1.0 + 9 + 16 + 4;  // NaN is not part of the norm

  // At exactly 0.25 every block is kept (density >= threshold keeps).
  auto keep = Bsr::from_dense(d.view(), 4, 0.25);
  EXPECT_EQ(keep.num_blocks(), 4);
  EXPECT_EQ(keep.get_statistics().dropped_nnz, 0);
  EXPECT_TRUE(sft::bit_equal(keep.to_dense(), d));

  // Above it, (0,1) and (1,1) go: 3 non-zeros, norm share sqrt((9 + 16 + 4) / total).
  const auto drop = Bsr::from_dense(d.view(), 4, 0.3);
  const auto st = drop.get_statistics();
  EXPECT_EQ(st.num_blocks, 2);
  EXPECT_EQ(st.dropped_nnz, 3);
  EXPECT_EQ(st.nnz, 17);
  EXPECT_NEAR(st.dropped_norm_fraction, std::sqrt(29.0 / total_sq), 1e-12);
  auto want = d;
  want(0, 4) = want(1, 5) = want(4, 4) = V(0);
  EXPECT_TRUE(sft::bit_equal(drop.to_dense(), want));

  // Threshold 1: only full blocks and the non-finite one survive.
  const auto full = Bsr::from_dense(d.view(), 4, 1.0);
  EXPECT_EQ(full.num_blocks(), 2);
  EXPECT_EQ(full.get_statistics().dropped_nnz, 3);

  // An Inf in an otherwise sparse block keeps it too.
  d(0, 4) = std::numeric_limits<V>::infinity();
  const auto inf = Bsr::from_dense(d.view(), 4, 1.0);
  EXPECT_EQ(inf.num_blocks(), 3);
  EXPECT_TRUE(std::isinf(inf.to_dense()(0, 4)));
  EXPECT_EQ(inf.get_statistics().dropped_nnz, 1);  // only (4,4)
  EXPECT_NEAR(inf.get_statistics().dropped_norm_fraction, std::sqrt(4.0 / (16 + 16 + 4)), 1e-12);
}

TYPED_TEST(Conversions, BlockThresholdMatchesIndependentCount) {
  SFT_TYPES;
  std::uint64_t seed = 300;
  for (const ShapeCase s : {ShapeCase{30, 41, 0.15, true}, ShapeCase{64, 64, 0.1, false}, ShapeCase{7, 50, 0.4, false}}) {
    auto d = sft::random_sparse<V>(s.rows, s.cols, s.density, ++seed, s.empty_lines);
    d(s.rows - 1, 0) = std::numeric_limits<V>::infinity();
    for (std::int64_t bs : {2, 3, 4, 8}) {
      for (double threshold : {0.05, 0.2, 0.5}) {
        SCOPED_TRACE(::testing::Message() << s.rows << "x" << s.cols << " bs " << bs << " t " << threshold);
        std::int64_t kept_blocks = 0, kept_nnz = 0, dropped_nnz = 0;
        double total_sq = 0, dropped_sq = 0;
        auto want = d;
        for (std::int64_t r0 = 0; r0 < s.rows; r0 += bs)
          for (std::int64_t c0 = 0; c0 < s.cols; c0 += bs) {
            const std::int64_t r1 = std::min(s.rows, r0 + bs), c1 = std::min(s.cols, c0 + bs);
            std::int64_t count = 0;
            bool nonfinite = false;
            double sq = 0;
            for (std::int64_t i = r0; i < r1; ++i)
              for (std::int64_t j = c0; j < c1; ++j) {
                const double v = static_cast<double>(d(i, j));
                if (v == 0) continue;
                ++count;
                if (std::isfinite(v)) sq += v * v;
                else nonfinite = true;
              }
            total_sq += sq;
            if (count == 0) continue;
            const double density = static_cast<double>(count) / static_cast<double>((r1 - r0) * (c1 - c0));
            if (nonfinite || density >= threshold) {
              ++kept_blocks;
              kept_nnz += count;
            } else {
              dropped_nnz += count;
              dropped_sq += sq;
              for (std::int64_t i = r0; i < r1; ++i)
                for (std::int64_t j = c0; j < c1; ++j) want(i, j) = V(0);
            }
          }
        const auto bsr = Bsr::from_dense(d.view(), bs, threshold);
        const auto st = bsr.get_statistics();
        EXPECT_EQ(st.num_blocks, kept_blocks);
        EXPECT_EQ(st.nnz, kept_nnz);
        EXPECT_EQ(st.dropped_nnz, dropped_nnz);
        EXPECT_NEAR(st.dropped_norm_fraction, std::sqrt(dropped_sq / total_sq), 1e-12);
        EXPECT_TRUE(sft::bit_equal(bsr.to_dense(), want));
        // Conversions of a thresholded matrix carry what was kept.
        EXPECT_TRUE(sft::bit_equal(Csr::from_block_sparse(bsr).to_dense(), want));
      }
    }
  }
}

}  // namespace
