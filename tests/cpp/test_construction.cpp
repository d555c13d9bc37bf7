// Construction: hand-checked arrays (the design document's 3x3 example and a 5x5 case), raw
// arrays and COO triplets, threshold semantics, transpose views, statistics and memory footprints.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "test_helpers.hpp"

namespace {

namespace sf = sparse_formats;
using sft::as_vector;

template <typename T>
class Construction : public ::testing::Test {};
TYPED_TEST_SUITE(Construction, sft::AllTypes, sft::TypePairNames);

template <typename V>
sf::DenseMatrix<V> dense_of(std::int64_t rows, std::int64_t cols, std::initializer_list<double> values) {
  sf::DenseMatrix<V> d(rows, cols);
  std::size_t k = 0;
  for (double v : values) d.data[k++] = static_cast<V>(v);
  return d;
}

// The design document's example.
template <typename V>
sf::DenseMatrix<V> doc3() {
  return dense_of<V>(3, 3, {1, 0, 2, 0, 3, 0, 4, 0, 5});
}

// A 5x5 case with an empty row, an edge column and every kind of 2x2 block (full, partial, empty, padded).
template <typename V>
sf::DenseMatrix<V> case5() {
  return dense_of<V>(5, 5, {1, 0, 0, 2, 0,  //
                            0, 0, 3, 0, 0,  //
                            0, 0, 0, 0, 0,  //
                            4, 5, 0, 0, 6,  //
                            0, 0, 0, 7, 8});
}

TYPED_TEST(Construction, DesignDocumentCsrArrays) {
  SFT_TYPES;
  const auto d = doc3<V>();
  const auto csr = Csr::from_dense(d.view());
  EXPECT_EQ(as_vector(csr.values()), (std::vector<V>{1, 2, 3, 4, 5}));
  EXPECT_EQ(as_vector(csr.col_indices()), (std::vector<I>{0, 2, 1, 0, 2}));
  EXPECT_EQ(as_vector(csr.row_ptr()), (std::vector<I>{0, 2, 3, 5}));
  EXPECT_EQ(csr.nnz(), 5);
  EXPECT_EQ(csr.nrows(), 3);
  EXPECT_EQ(csr.ncols(), 3);
  EXPECT_EQ(csr.shape(), (sf::Shape{3, 3}));
  EXPECT_TRUE(sft::bit_equal(csr.to_dense(), d));
}

TYPED_TEST(Construction, DesignDocumentCscArrays) {
  SFT_TYPES;
  const auto d = doc3<V>();
  const auto csc = Csc::from_dense(d.view());
  EXPECT_EQ(as_vector(csc.values()), (std::vector<V>{1, 4, 3, 2, 5}));
  EXPECT_EQ(as_vector(csc.row_indices()), (std::vector<I>{0, 2, 1, 0, 2}));
  EXPECT_EQ(as_vector(csc.col_ptr()), (std::vector<I>{0, 2, 3, 5}));
  EXPECT_EQ(csc.nnz(), 5);
  EXPECT_TRUE(sft::bit_equal(csc.to_dense(), d));
  // The same arrays given by hand build the same matrix.
  const Csc raw(std::vector<V>{1, 4, 3, 2, 5}, std::vector<I>{0, 2, 1, 0, 2}, std::vector<I>{0, 2, 3, 5}, {3, 3});
  EXPECT_TRUE(sft::bit_equal(raw.to_dense(), d));
}

TYPED_TEST(Construction, DesignDocumentProducts) {
  SFT_TYPES;
  const auto d = doc3<V>();
  const std::vector<V> x{1, 2, 3};
  // A x = [1+6, 6, 4+15], A^T x = [1+12, 6, 2+15]: small integers, exact in every type.
  const std::vector<V> ax{7, 6, 19}, atx{13, 6, 17};
  const auto csr = Csr::from_dense(d.view());
  const auto csc = Csc::from_dense(d.view());
  EXPECT_EQ(csr.sparse_matmul(x), ax);
  EXPECT_EQ(csr.transpose_matmul(x), atx);
  EXPECT_EQ(csc.sparse_matmul(x), ax);
  EXPECT_EQ(csc.transpose_matmul(x), atx);
  for (std::int64_t bs : {1, 2, 3, 4, 8}) {
    const auto bsr = Bsr::from_dense(d.view(), bs);
    EXPECT_EQ(bsr.sparse_matmul(x), ax) << "block size " << bs;
    EXPECT_EQ(bsr.transpose_matmul(x), atx) << "block size " << bs;
  }
}

TYPED_TEST(Construction, FiveByFiveArrays) {
  SFT_TYPES;
  const auto d = case5<V>();
  const auto csr = Csr::from_dense(d.view());
  EXPECT_EQ(as_vector(csr.values()), (std::vector<V>{1, 2, 3, 4, 5, 6, 7, 8}));
  EXPECT_EQ(as_vector(csr.col_indices()), (std::vector<I>{0, 3, 2, 0, 1, 4, 3, 4}));
  EXPECT_EQ(as_vector(csr.row_ptr()), (std::vector<I>{0, 2, 3, 3, 6, 8}));
  const auto csc = Csc::from_dense(d.view());
  EXPECT_EQ(as_vector(csc.values()), (std::vector<V>{1, 4, 5, 3, 2, 7, 6, 8}));
  EXPECT_EQ(as_vector(csc.row_indices()), (std::vector<I>{0, 3, 3, 1, 0, 4, 3, 4}));
  EXPECT_EQ(as_vector(csc.col_ptr()), (std::vector<I>{0, 2, 3, 4, 6, 8}));
  // 2x2 blocks on a 3x3 block grid; the last block row and column are padded.
  const auto bsr = Bsr::from_dense(d.view(), 2);
  EXPECT_EQ(bsr.num_blocks(), 6);
  EXPECT_EQ(bsr.block_size(), 2);
  EXPECT_EQ(bsr.nnz(), 8);
  EXPECT_EQ(as_vector(bsr.block_row_ptr()), (std::vector<I>{0, 2, 4, 6}));
  EXPECT_EQ(as_vector(bsr.block_indices()), (std::vector<I>{0, 1, 0, 2, 1, 2}));
  EXPECT_EQ(as_vector(bsr.blocks()), (std::vector<V>{1, 0, 0, 0,  //
                                                     0, 2, 3, 0,  //
                                                     0, 0, 4, 5,  //
                                                     0, 0, 6, 0,  //
                                                     0, 7, 0, 0,  //
                                                     8, 0, 0, 0}));
  EXPECT_TRUE(sft::bit_equal(csr.to_dense(), d));
  EXPECT_TRUE(sft::bit_equal(csc.to_dense(), d));
  EXPECT_TRUE(sft::bit_equal(bsr.to_dense(), d));
}

TYPED_TEST(Construction, FiveByFiveEveryBlockSizeAndProducts) {
  SFT_TYPES;
  const auto d = case5<V>();
  // X = [[1, 1], [2, -1], [3, 2], [4, 0], [5, 1]] row-major; A X and A^T X worked by hand.
  sf::DenseMatrix<V> x = dense_of<V>(5, 2, {1, 1, 2, -1, 3, 2, 4, 0, 5, 1});
  const sf::DenseMatrix<V> ax = dense_of<V>(5, 2, {9, 1, 9, 6, 0, 0, 44, 5, 68, 8});
  const sf::DenseMatrix<V> atx = dense_of<V>(5, 2, {17, 1, 20, 0, 6, -3, 37, 9, 64, 8});
  auto check = [&](const auto& m, const std::string& name) {
    for (auto backend : {sf::Backend::reference, sf::Backend::cpu, sf::Backend::automatic}) {
      SCOPED_TRACE(name + " " + sf::to_string(backend));
      EXPECT_TRUE(sft::bit_equal(m.sparse_matmul(x.view(), backend), ax));
      EXPECT_TRUE(sft::bit_equal(m.transpose_matmul(x.view(), backend), atx));
      const std::vector<V> x0{1, 2, 3, 4, 5};
      EXPECT_EQ(m.sparse_matmul(std::span<const V>(x0), backend), (std::vector<V>{9, 9, 0, 44, 68}));
      EXPECT_EQ(m.transpose_matmul(std::span<const V>(x0), backend), (std::vector<V>{17, 20, 6, 37, 64}));
    }
  };
  check(Csr::from_dense(d.view()), "CSR");
  check(Csc::from_dense(d.view()), "CSC");
  for (std::int64_t bs : {1, 2, 3, 4, 8}) {
    const auto bsr = Bsr::from_dense(d.view(), bs);
    // Expected block count from the dense matrix: blocks holding a non-zero.
    std::int64_t blocks = 0;
    for (std::int64_t br = 0; br * bs < 5; ++br)
      for (std::int64_t bc = 0; bc * bs < 5; ++bc) {
        bool any = false;
        for (std::int64_t i = br * bs; i < std::min<std::int64_t>(5, br * bs + bs); ++i)
          for (std::int64_t j = bc * bs; j < std::min<std::int64_t>(5, bc * bs + bs); ++j) any |= d(i, j) != V(0);
        blocks += any;
      }
    EXPECT_EQ(bsr.num_blocks(), blocks) << "block size " << bs;
    EXPECT_EQ(static_cast<std::int64_t>(bsr.block_row_ptr().size()), (5 + bs - 1) / bs + 1);
    EXPECT_EQ(static_cast<std::int64_t>(bsr.blocks().size()), blocks * bs * bs);
    EXPECT_EQ(bsr.nnz(), 8);
    EXPECT_EQ(bsr.shape(), (sf::Shape{5, 5}));
    EXPECT_TRUE(sft::bit_equal(bsr.to_dense(), d)) << "block size " << bs;
    check(bsr, "BSR bs=" + std::to_string(bs));
  }
}

TYPED_TEST(Construction, ThresholdKeepsAboveAndNonFinite) {
  SFT_TYPES;
  const V nan = std::numeric_limits<V>::quiet_NaN(), inf = std::numeric_limits<V>::infinity();
  const V denorm = std::numeric_limits<V>::denorm_min();
  // 1 x 8: below, at and above the threshold 0.5, NaN, +-Inf, -0.0 and a denormal.
  sf::DenseMatrix<V> d(1, 8);
  d.data = {V(0.25), V(0.5), V(-0.75), nan, inf, -inf, V(-0.0), denorm};
  for (double threshold : {0.0, 1e-10, 0.5}) {
    SCOPED_TRACE(threshold);
    const auto want = sft::expected_after_threshold(d, threshold);
    const auto csr = Csr::from_dense(d.view(), threshold);
    const auto csc = Csc::from_dense(d.view(), threshold);
    EXPECT_TRUE(sft::bit_equal(csr.to_dense(), want));
    EXPECT_TRUE(sft::bit_equal(csc.to_dense(), want));
    EXPECT_EQ(csr.nnz(), sft::count_nonzero(want));
    EXPECT_EQ(csc.nnz(), sft::count_nonzero(want));
  }
  // Spelled out for 0.5: 0.25 and 0.5 dropped (not > 0.5), -0.75, NaN, +-Inf kept; -0.0 never stored.
  const auto csr = Csr::from_dense(d.view(), 0.5);
  EXPECT_EQ(as_vector(csr.col_indices()), (std::vector<I>{2, 3, 4, 5}));
  // threshold 0 keeps the denormal and drops -0.0, which comes back as +0.0.
  const auto keep_all = Csr::from_dense(d.view(), 0.0);
  EXPECT_EQ(as_vector(keep_all.col_indices()), (std::vector<I>{0, 1, 2, 3, 4, 5, 7}));
  const auto back = keep_all.to_dense();
  EXPECT_FALSE(std::signbit(back(0, 6)));
  EXPECT_TRUE(sft::same_bits(back(0, 7), denorm));
  // The default threshold 1e-10 drops the denormal.
  EXPECT_EQ(Csr::from_dense(d.view()).nnz(), 6);
}

TYPED_TEST(Construction, FromDenseReadsStridedViews) {
  SFT_TYPES;
  const auto d = sft::random_sparse<V>(7, 5, 0.4, 11);
  for (auto layout : {sft::Layout::col_major, sft::Layout::padded}) {
    SCOPED_TRACE(sft::layout_name(layout));
    const auto s = sft::StridedMatrix<V>::copy_of(d, layout, V(99));
    EXPECT_TRUE(sft::bit_equal(Csr::from_dense(s.cview()).to_dense(), d));
    EXPECT_TRUE(sft::bit_equal(Csc::from_dense(s.cview()).to_dense(), d));
    EXPECT_TRUE(sft::bit_equal(Bsr::from_dense(s.cview(), 3).to_dense(), d));
  }
}

TYPED_TEST(Construction, FromCooSumsDuplicatesInAnyOrder) {
  SFT_TYPES;
  // (1,2) given three times, (0,0) twice, out of order.
  const std::vector<I> rows{1, 0, 2, 1, 0, 1};
  const std::vector<I> cols{2, 0, 1, 2, 0, 2};
  const std::vector<V> vals{1, 2, 3, 4, 5, 0.5};
  const auto rows0 = rows;
  const auto cols0 = cols;
  const auto vals0 = vals;
  sf::DenseMatrix<V> want(3, 4);
  want(0, 0) = 7;
  want(1, 2) = 5.5;
  want(2, 1) = 3;
  const auto csr = Csr::from_coo(rows, cols, vals, {3, 4});
  const auto csc = Csc::from_coo(rows, cols, vals, {3, 4});
  EXPECT_EQ(csr.nnz(), 3);
  EXPECT_EQ(csc.nnz(), 3);
  EXPECT_EQ(as_vector(csr.col_indices()), (std::vector<I>{0, 2, 1}));
  EXPECT_EQ(as_vector(csr.values()), (std::vector<V>{7, 5.5, 3}));
  EXPECT_EQ(as_vector(csc.row_indices()), (std::vector<I>{0, 2, 1}));
  EXPECT_TRUE(sft::bit_equal(csr.to_dense(), want));
  EXPECT_TRUE(sft::bit_equal(csc.to_dense(), want));
  EXPECT_EQ(rows, rows0);
  EXPECT_EQ(cols, cols0);
  EXPECT_EQ(vals, vals0);
  // No triplets: an all-zero matrix of the given shape.
  const auto empty = Csr::from_coo({}, {}, {}, {4, 2});
  EXPECT_EQ(empty.nnz(), 0);
  EXPECT_EQ(as_vector(empty.row_ptr()), (std::vector<I>{0, 0, 0, 0, 0}));
}

TYPED_TEST(Construction, RawArraysAreSharedNotCopied) {
  SFT_TYPES;
  const std::vector<V> vals{1, 2, 3, 4, 5};
  const std::vector<I> idx{0, 2, 1, 0, 2}, ptr{0, 2, 3, 5};
  auto keep = std::make_shared<int>(0);
  const Csr csr(sf::Buffer<V>::borrow(vals.data(), vals.size(), keep), sf::Buffer<I>::borrow(idx.data(), 5, keep),
                sf::Buffer<I>::borrow(ptr.data(), 4, keep), {3, 3});
  EXPECT_EQ(csr.values().data(), vals.data());
  EXPECT_EQ(csr.col_indices().data(), idx.data());
  EXPECT_EQ(csr.row_ptr().data(), ptr.data());
  EXPECT_TRUE(sft::bit_equal(csr.to_dense(), doc3<V>()));
}

TYPED_TEST(Construction, SortAndSumFixesRowsInACopy) {
  SFT_TYPES;
  // Row 0: columns 2, 0, 2 (unsorted, duplicate); row 1: column 1; row 2: 2, 0 (unsorted).
  const std::vector<V> vals{2, 1, 10, 3, 5, 4};
  const std::vector<I> idx{2, 0, 2, 1, 2, 0}, ptr{0, 3, 4, 6};
  const auto vals0 = vals;
  const auto idx0 = idx;
  const auto ptr0 = ptr;
  auto keep = std::make_shared<int>(0);
  auto b = [&](const auto& v) { return sf::Buffer<typename std::decay_t<decltype(v)>::value_type>::borrow(v.data(), v.size(), keep); };
  const Csr csr(b(vals), b(idx), b(ptr), {3, 3}, sf::IndexOrder::sort_and_sum);
  EXPECT_EQ(as_vector(csr.col_indices()), (std::vector<I>{0, 2, 1, 0, 2}));
  EXPECT_EQ(as_vector(csr.values()), (std::vector<V>{1, 12, 3, 4, 5}));
  EXPECT_EQ(as_vector(csr.row_ptr()), (std::vector<I>{0, 2, 3, 5}));
  EXPECT_NE(csr.values().data(), vals.data());
  EXPECT_EQ(vals, vals0);
  EXPECT_EQ(idx, idx0);
  EXPECT_EQ(ptr, ptr0);
  // CSC: the same arrays read as columns.
  const Csc csc(b(vals), b(idx), b(ptr), {3, 3}, sf::IndexOrder::sort_and_sum);
  EXPECT_EQ(as_vector(csc.row_indices()), (std::vector<I>{0, 2, 1, 0, 2}));
  EXPECT_EQ(as_vector(csc.values()), (std::vector<V>{1, 12, 3, 4, 5}));
  EXPECT_EQ(vals, vals0);
  EXPECT_EQ(idx, idx0);
  // Already sorted input with sort_and_sum keeps the caller's memory.
  const std::vector<V> sv{1, 2, 3, 4, 5};
  const std::vector<I> si{0, 2, 1, 0, 2}, sp{0, 2, 3, 5};
  const Csr sorted(b(sv), b(si), b(sp), {3, 3}, sf::IndexOrder::sort_and_sum);
  EXPECT_TRUE(sft::bit_equal(sorted.to_dense(), doc3<V>()));
}

TYPED_TEST(Construction, BsrRawArraysAndFromBlocks) {
  SFT_TYPES;
  const auto d = case5<V>();
  const std::vector<V> blocks{1, 0, 0, 0, 0, 2, 3, 0, 0, 0, 4, 5, 0, 0, 6, 0, 0, 7, 0, 0, 8, 0, 0, 0};
  const Bsr raw(blocks, std::vector<I>{0, 1, 0, 2, 1, 2}, std::vector<I>{0, 2, 4, 6}, 2, {5, 5});
  EXPECT_TRUE(sft::bit_equal(raw.to_dense(), d));
  EXPECT_EQ(raw.nnz(), 8);
  // from_blocks: the same blocks listed in reverse order by (block row, block column).
  std::vector<V> rev;
  for (int b = 5; b >= 0; --b) rev.insert(rev.end(), blocks.begin() + 4 * b, blocks.begin() + 4 * b + 4);
  const std::vector<I> brs{2, 2, 1, 1, 0, 0}, bcs{2, 1, 2, 0, 1, 0};
  const auto fb = Bsr::from_blocks(rev, brs, bcs, 2, {5, 5});
  EXPECT_TRUE(sft::bit_equal(fb.to_dense(), d));
  EXPECT_EQ(as_vector(fb.block_indices()), (std::vector<I>{0, 1, 0, 2, 1, 2}));
  EXPECT_EQ(as_vector(fb.blocks()), blocks);
  // Unsorted block columns in a block row with sort_and_sum: sorted; the caller's arrays unchanged.
  const std::vector<V> ub{0, 2, 3, 0, 1, 0, 0, 0, 0, 0, 4, 5, 0, 0, 6, 0, 0, 7, 0, 0, 8, 0, 0, 0};
  const std::vector<I> ui{1, 0, 0, 2, 1, 2};
  const auto ub0 = ub;
  const auto ui0 = ui;
  const Bsr fixed(ub, ui, std::vector<I>{0, 2, 4, 6}, 2, {5, 5}, sf::IndexOrder::sort_and_sum);
  EXPECT_TRUE(sft::bit_equal(fixed.to_dense(), d));
  EXPECT_EQ(as_vector(fixed.block_indices()), (std::vector<I>{0, 1, 0, 2, 1, 2}));
  EXPECT_EQ(ub, ub0);
  EXPECT_EQ(ui, ui0);
}

TYPED_TEST(Construction, TransposeIsAViewOfTheSameMemory) {
  SFT_TYPES;
  const auto d = sft::random_sparse<V>(6, 9, 0.3, 5);
  const auto csr = Csr::from_dense(d.view());
  const auto t = csr.transpose();
  EXPECT_EQ(t.values().data(), csr.values().data());
  EXPECT_EQ(t.row_indices().data(), csr.col_indices().data());
  EXPECT_EQ(t.col_ptr().data(), csr.row_ptr().data());
  EXPECT_EQ(t.shape(), (sf::Shape{9, 6}));
  const auto td = t.to_dense();
  for (std::int64_t i = 0; i < 6; ++i)
    for (std::int64_t j = 0; j < 9; ++j) EXPECT_TRUE(sft::same_bits(td(j, i), d(i, j)));
  const auto csc = Csc::from_dense(d.view());
  const auto tt = csc.transpose();
  EXPECT_EQ(tt.values().data(), csc.values().data());
  EXPECT_EQ(tt.col_indices().data(), csc.row_indices().data());
  EXPECT_EQ(tt.row_ptr().data(), csc.col_ptr().data());
  EXPECT_TRUE(sft::bit_equal(tt.transpose().to_dense(), d));
  // Products through the view are the transposed products.
  const std::vector<V> x6{1, -2, 3, 0.5, 2, -1};
  const std::vector<V> x9{1, 2, 3, 4, 5, 6, 7, 8, 9};
  for (auto backend : {sf::Backend::reference, sf::Backend::cpu}) {
    EXPECT_EQ(t.sparse_matmul(std::span<const V>(x6), backend), csr.transpose_matmul(std::span<const V>(x6), backend));
    EXPECT_EQ(t.transpose_matmul(std::span<const V>(x9), backend), csr.sparse_matmul(std::span<const V>(x9), backend));
    EXPECT_EQ(tt.sparse_matmul(std::span<const V>(x6), backend), csc.transpose_matmul(std::span<const V>(x6), backend));
  }
}

TYPED_TEST(Construction, EmptyMatrices) {
  SFT_TYPES;
  const Csr csr;
  const Csc csc;
  const Bsr bsr;
  EXPECT_EQ(csr.shape(), (sf::Shape{0, 0}));
  EXPECT_EQ(csc.shape(), (sf::Shape{0, 0}));
  EXPECT_EQ(bsr.shape(), (sf::Shape{0, 0}));
  EXPECT_EQ(csr.nnz() + csc.nnz() + bsr.nnz() + bsr.num_blocks(), 0);
  EXPECT_EQ(as_vector(csr.row_ptr()), (std::vector<I>{0}));
  EXPECT_EQ(csr.to_dense().data.size(), 0u);
  EXPECT_EQ(bsr.to_dense().data.size(), 0u);
  EXPECT_EQ(csr.get_statistics().density, 0.0);
  EXPECT_EQ(bsr.get_statistics().storage_efficiency, 1.0);
  // Int64 indices accept dimensions beyond int32 when nothing is stored.
  if constexpr (sizeof(I) == 8) {
    const std::int64_t big = 3'000'000'000;
    const Csc tall(std::vector<V>{}, std::vector<I>{}, std::vector<I>{0, 0, 0}, {big, 2});
    EXPECT_EQ(tall.shape(), (sf::Shape{big, 2}));
    const Csr wide(std::vector<V>{}, std::vector<I>{}, std::vector<I>{0, 0, 0}, {2, big});
    EXPECT_EQ(wide.ncols(), big);
    EXPECT_EQ(Csr::from_coo({}, {}, {}, {2, big}).ncols(), big);
    const Bsr bwide(std::vector<V>{}, std::vector<I>{}, std::vector<I>{0, 0}, 2, {2, big});
    EXPECT_EQ(bwide.ncols(), big);
    EXPECT_EQ(tall.get_statistics().memory_dense, static_cast<std::size_t>(big) * 2 * sizeof(V));
    // A dense twin beyond 2^64 bytes: memory_dense saturates instead of wrapping around.
    const std::int64_t huge = 4'000'000'000, bs = 32768;
    const Bsr vast(std::vector<V>{}, std::vector<I>{}, std::vector<I>(static_cast<std::size_t>((huge + bs - 1) / bs + 1), 0),
                   bs, {huge, huge});
    const auto st = vast.get_statistics();
    EXPECT_EQ(st.memory_dense, std::numeric_limits<std::size_t>::max());
    EXPECT_DOUBLE_EQ(st.compression_ratio, 1.6e19 * sizeof(V) / static_cast<double>(st.memory_sparse));
  }
}

TYPED_TEST(Construction, MemoryFootprintIsTrueByteCounts) {
  SFT_TYPES;
  const std::int64_t rows = 37, cols = 23;
  const auto d = sft::random_sparse<V>(rows, cols, 0.2, 8);
  const auto nnz = static_cast<std::size_t>(sft::count_nonzero(d));
  const auto csr = Csr::from_dense(d.view());
  auto f = csr.memory_footprint();
  EXPECT_EQ(f.at("values"), sizeof(V) * nnz);
  EXPECT_EQ(f.at("col_indices"), sizeof(I) * nnz);
  EXPECT_EQ(f.at("row_ptr"), sizeof(I) * (rows + 1));
  EXPECT_EQ(f.at("total"), (sizeof(V) + sizeof(I)) * nnz + sizeof(I) * (rows + 1));
  EXPECT_EQ(f.size(), 4u);
  const auto csc = Csc::from_dense(d.view());
  f = csc.memory_footprint();
  EXPECT_EQ(f.at("values"), sizeof(V) * nnz);
  EXPECT_EQ(f.at("row_indices"), sizeof(I) * nnz);
  EXPECT_EQ(f.at("col_ptr"), sizeof(I) * (cols + 1));
  EXPECT_EQ(f.at("total"), (sizeof(V) + sizeof(I)) * nnz + sizeof(I) * (cols + 1));
  for (std::int64_t bs : {1, 3, 4, 8, 16}) {
    const auto bsr = Bsr::from_dense(d.view(), bs);
    const auto nb = static_cast<std::size_t>(bsr.num_blocks());
    const auto nbr = static_cast<std::size_t>((rows + bs - 1) / bs);
    f = bsr.memory_footprint();
    EXPECT_EQ(f.at("blocks"), sizeof(V) * nb * bs * bs);
    EXPECT_EQ(f.at("block_indices"), sizeof(I) * nb);
    EXPECT_EQ(f.at("block_row_ptr"), sizeof(I) * (nbr + 1));
    EXPECT_EQ(f.at("total"), sizeof(V) * nb * bs * bs + sizeof(I) * (nb + nbr + 1));
  }
}

// The design document's arithmetic, corrected: float32/int32 CSR of a 1000x1000 matrix with
// 100,000 non-zeros takes 8 * nnz + 4 * 1001 bytes (0.80 MB), about 5x smaller than dense.
TEST(ConstructionStats, CsrFloatInt32ByteCount) {
  const std::int64_t n = 1000;
  std::vector<std::int32_t> rows, cols;
  std::vector<float> vals;
  for (std::int64_t i = 0; i < n; ++i)
    for (std::int64_t j = 0; j < 100; ++j) {
      rows.push_back(static_cast<std::int32_t>(i));
      cols.push_back(static_cast<std::int32_t>((i * 7 + j * 10) % n));
      vals.push_back(1.0f);
    }
  const auto csr = sf::CSRMatrix<float, std::int32_t>::from_coo(rows, cols, vals, {n, n});
  ASSERT_EQ(csr.nnz(), 100'000);
  const auto st = csr.get_statistics();
  EXPECT_EQ(st.memory_sparse, 8u * 100'000 + 4u * 1001);
  EXPECT_EQ(st.memory_dense, 4'000'000u);
  EXPECT_NEAR(st.compression_ratio, 4'000'000.0 / 804'004.0, 1e-12);
  EXPECT_DOUBLE_EQ(st.density, 0.1);
  EXPECT_DOUBLE_EQ(st.sparsity, 0.9);
}

TYPED_TEST(Construction, StatisticsOfEveryFormat) {
  SFT_TYPES;
  const std::int64_t rows = 20, cols = 30;
  const auto d = sft::random_sparse<V>(rows, cols, 0.15, 21, true);
  const std::int64_t nnz = sft::count_nonzero(d);
  const double density = static_cast<double>(nnz) / (rows * cols);
  auto common = [&](const sf::SparseMatrixStats& st, std::size_t sparse_bytes) {
    EXPECT_EQ(st.nnz, nnz);
    EXPECT_EQ(st.shape, (sf::Shape{rows, cols}));
    EXPECT_DOUBLE_EQ(st.density, density);
    EXPECT_DOUBLE_EQ(st.sparsity, 1.0 - density);
    EXPECT_EQ(st.memory_dense, static_cast<std::size_t>(rows * cols) * sizeof(V));
    EXPECT_EQ(st.memory_sparse, sparse_bytes);
    EXPECT_DOUBLE_EQ(st.compression_ratio, static_cast<double>(rows * cols * sizeof(V)) / sparse_bytes);
  };
  const auto csr = Csr::from_dense(d.view());
  common(csr.get_statistics(), csr.memory_footprint().at("total"));
  const auto csc = Csc::from_dense(d.view());
  common(csc.get_statistics(), csc.memory_footprint().at("total"));
  for (std::int64_t bs : {1, 2, 4, 8, 16}) {
    SCOPED_TRACE(bs);
    const auto bsr = Bsr::from_dense(d.view(), bs);
    const auto st = bsr.get_statistics();
    common(st, bsr.memory_footprint().at("total"));
    // Blocks holding a non-zero, counted here from the dense matrix.
    std::int64_t blocks = 0;
    for (std::int64_t br = 0; br * bs < rows; ++br)
      for (std::int64_t bc = 0; bc * bs < cols; ++bc) {
        bool any = false;
        for (std::int64_t i = br * bs; i < std::min(rows, br * bs + bs); ++i)
          for (std::int64_t j = bc * bs; j < std::min(cols, bc * bs + bs); ++j) any |= d(i, j) != V(0);
        blocks += any;
      }
    EXPECT_EQ(st.num_blocks, blocks);
    EXPECT_EQ(st.block_size, bs);
    EXPECT_EQ(st.stored_values, blocks * bs * bs);
    EXPECT_EQ(st.wavefront_aligned, bs == 8 || bs == 16);  // bs^2 a multiple of 64
    EXPECT_DOUBLE_EQ(st.storage_efficiency, static_cast<double>(nnz) / static_cast<double>(blocks * bs * bs));
    EXPECT_EQ(st.dropped_nnz, 0);
    EXPECT_EQ(st.dropped_norm_fraction, 0.0);
  }
  // Block size 1 stores exactly the non-zeros.
  EXPECT_DOUBLE_EQ(Bsr::from_dense(d.view(), 1).get_statistics().storage_efficiency, 1.0);
}

}  // namespace
