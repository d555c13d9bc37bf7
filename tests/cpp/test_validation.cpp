// Every error path: the exact exception type (all derive from sparse_formats::error) and a message
// naming what is wrong. EXPECT_ERROR is defined in test_helpers.hpp.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "test_helpers.hpp"

namespace {

namespace sf = sparse_formats;

template <typename T>
class Validation : public ::testing::Test {};
TYPED_TEST_SUITE(Validation, sft::AllTypes, sft::TypePairNames);

TEST(ErrorTree, EverySubclassIsALibraryError) {
  static_assert(std::is_base_of_v<std::runtime_error, sf::error>);
  static_assert(std::is_base_of_v<sf::error, sf::invalid_argument>);
  static_assert(std::is_base_of_v<sf::invalid_argument, sf::shape_mismatch>);
  static_assert(std::is_base_of_v<sf::invalid_argument, sf::invalid_structure>);
  static_assert(std::is_base_of_v<sf::invalid_argument, sf::parse_error>);
  static_assert(std::is_base_of_v<sf::error, sf::index_out_of_range>);
  static_assert(std::is_base_of_v<sf::error, sf::index_overflow>);
  static_assert(std::is_base_of_v<sf::error, sf::unsupported>);
  static_assert(std::is_base_of_v<sf::error, sf::backend_unavailable>);
  static_assert(!std::is_base_of_v<sf::invalid_argument, sf::index_out_of_range>);
  // A caller catching the root sees every error.
  bool caught = false;
  try {
    (void)sf::CSRMatrix<float>(std::vector<float>{1}, std::vector<std::int32_t>{5}, std::vector<std::int32_t>{0, 1},
                               {1, 2});
  } catch (const sf::error&) {
    caught = true;
  }
  EXPECT_TRUE(caught);
}

// ---- CSR / CSC raw arrays

TYPED_TEST(Validation, CsrRowPointers) {
  SFT_TYPES;
  using VV = std::vector<V>;
  using IV = std::vector<I>;
  const VV v{1, 2, 3, 4, 5};
  const IV c{0, 2, 1, 0, 2};
  EXPECT_ERROR(sf::invalid_structure, Csr(v, c, IV{0, 2, 5}, {3, 3}), "row_ptr has length 3", "rows + 1 = 4");
  EXPECT_ERROR(sf::invalid_structure, Csr(v, c, IV{0, 2, 3, 5, 5}, {3, 3}), "row_ptr has length 5");
  EXPECT_ERROR(sf::invalid_structure, Csr(v, c, IV{}, {0, 3}), "row_ptr has length 0", "expected rows + 1 = 1");
  EXPECT_ERROR(sf::invalid_structure, Csr(v, c, IV{1, 2, 3, 5}, {3, 3}), "row_ptr[0] = 1, expected 0");
  EXPECT_ERROR(sf::invalid_structure, Csr(v, c, IV{0, 3, 2, 5}, {3, 3}), "row_ptr is not non-decreasing",
               "row_ptr[1] = 3 > row_ptr[2] = 2");
  EXPECT_ERROR(sf::invalid_structure, Csr(v, c, IV{0, 2, 3, 4}, {3, 3}), "row_ptr[3] = 4 does not equal nnz = 5");
  EXPECT_ERROR(sf::invalid_structure, Csr(v, c, IV{0, 2, 3, 6}, {3, 3}), "row_ptr[3] = 6 does not equal nnz = 5");
  EXPECT_ERROR(sf::invalid_structure, Csr(VV{1, 2, 3, 4}, c, IV{0, 2, 3, 5}, {3, 3}), "values has length 4",
               "col_indices has length 5");
  // Negative pointer hidden inside a monotone run.
  EXPECT_ERROR(sf::invalid_structure, Csr(v, c, IV{0, -1, 3, 5}, {3, 3}), "not non-decreasing");
}

TYPED_TEST(Validation, CscColumnPointersSpeakOfColumns) {
  SFT_TYPES;
  using VV = std::vector<V>;
  using IV = std::vector<I>;
  const VV v{1, 4, 3, 2, 5};
  const IV r{0, 2, 1, 0, 2};
  EXPECT_ERROR(sf::invalid_structure, Csc(v, r, IV{0, 2, 5}, {3, 3}), "CSC", "col_ptr has length 3",
               "columns + 1 = 4");
  EXPECT_ERROR(sf::invalid_structure, Csc(v, r, IV{2, 2, 3, 5}, {3, 3}), "col_ptr[0] = 2");
  EXPECT_ERROR(sf::invalid_structure, Csc(v, r, IV{0, 3, 2, 5}, {3, 3}), "col_ptr is not non-decreasing");
  EXPECT_ERROR(sf::invalid_structure, Csc(v, r, IV{0, 2, 3, 3}, {3, 3}), "col_ptr[3] = 3 does not equal nnz = 5");
  EXPECT_ERROR(sf::index_out_of_range, Csc(v, IV{0, 3, 1, 0, 2}, IV{0, 2, 3, 5}, {3, 3}), "row_indices[1] = 3",
               "out of range for 3 rows", "column 0");
  EXPECT_ERROR(sf::invalid_structure, Csc(v, IV{2, 0, 1, 0, 2}, IV{0, 2, 3, 5}, {3, 3}), "row_indices of column 0",
               "not sorted");
}

TYPED_TEST(Validation, CsrIndices) {
  SFT_TYPES;
  using VV = std::vector<V>;
  using IV = std::vector<I>;
  const VV v{1, 2, 3, 4, 5};
  const IV p{0, 2, 3, 5};
  EXPECT_ERROR(sf::index_out_of_range, Csr(v, IV{0, 3, 1, 0, 2}, p, {3, 3}), "col_indices[1] = 3",
               "out of range for 3 columns", "row 0");
  EXPECT_ERROR(sf::index_out_of_range, Csr(v, IV{0, 2, 1, -1, 2}, p, {3, 3}), "col_indices[3] = -1", "row 2");
  EXPECT_ERROR(sf::index_out_of_range, Csr(v, IV{0, 2, 1, 0, 2}, p, {3, 2}), "col_indices[1] = 2",
               "out of range for 2 columns");
  EXPECT_ERROR(sf::invalid_structure, Csr(v, IV{2, 0, 1, 0, 2}, p, {3, 3}), "col_indices of row 0 are not sorted",
               "IndexOrder::sort_and_sum");
  EXPECT_ERROR(sf::invalid_structure, Csr(v, IV{0, 2, 1, 2, 2}, p, {3, 3}), "col_indices of row 2 are duplicated",
               "col_indices[4] = 2");
  // Out-of-range indices are rejected even when sorting was requested.
  EXPECT_ERROR(sf::index_out_of_range, Csr(v, IV{5, 2, 1, 0, 2}, p, {3, 3}, sf::IndexOrder::sort_and_sum),
               "col_indices[0] = 5");
}

TYPED_TEST(Validation, NegativeShapes) {
  SFT_TYPES;
  using IV = std::vector<I>;
  EXPECT_ERROR(sf::invalid_argument, Csr(std::vector<V>{}, IV{}, IV{0}, {-1, 3}), "negative dimension");
  EXPECT_ERROR(sf::invalid_argument, Csc(std::vector<V>{}, IV{}, IV{0}, {3, -1}), "negative dimension");
  EXPECT_ERROR(sf::invalid_argument, Csr::from_coo({}, {}, {}, {2, -2}), "negative dimension");
  EXPECT_ERROR(sf::invalid_argument, Bsr(std::vector<V>{}, IV{}, IV{0}, 2, {-4, 4}), "negative dimension");
  const sf::DenseView<const V> bad{nullptr, -1, 2, 2, 1};
  EXPECT_ERROR(sf::invalid_argument, Csr::from_dense(bad), "negative dimension");
  EXPECT_ERROR(sf::invalid_argument, Bsr::from_dense(bad, 2), "negative dimension");
}

// ---- index-type overflow: never wrapped

TYPED_TEST(Validation, DimensionsBeyondTheIndexType) {
  SFT_TYPES;
  using IV = std::vector<I>;
  const std::int64_t big = 3'000'000'000;
  if constexpr (sizeof(I) == 4) {
    EXPECT_ERROR(sf::index_overflow, Csc(std::vector<V>{}, IV{}, IV{0, 0, 0}, {big, 2}), "3000000000",
                 "does not fit the int32 index type");
    EXPECT_ERROR(sf::index_overflow, Csr(std::vector<V>{}, IV{}, IV{0, 0, 0}, {2, big}), "CSR column count",
                 "int32");
    EXPECT_ERROR(sf::index_overflow, Csr::from_coo({}, {}, {}, {2, big}), "does not fit the int32");
    EXPECT_ERROR(sf::index_overflow, Csc::from_coo({}, {}, {}, {big, 2}), "does not fit the int32");
    EXPECT_ERROR(sf::index_overflow, Bsr(std::vector<V>{}, IV{}, IV{0, 0}, 2, {2, big}), "does not fit the int32");
    EXPECT_ERROR(sf::index_overflow, Bsr::from_blocks({}, {}, {}, 2, {big, 2}), "does not fit the int32");
    const sf::DenseView<const V> wide{nullptr, 0, big, big, 1};
    EXPECT_ERROR(sf::index_overflow, Csr::from_dense(wide), "does not fit the int32");
    EXPECT_ERROR(sf::index_overflow, Csc::from_dense(wide), "does not fit the int32");
    EXPECT_ERROR(sf::index_overflow, Bsr::from_dense(wide, 8), "does not fit the int32");
  } else {
    // The same requests with int64 indices are valid empty matrices.
    EXPECT_EQ(Csc(std::vector<V>{}, IV{}, IV{0, 0, 0}, {big, 2}).nrows(), big);
    EXPECT_EQ(Csr(std::vector<V>{}, IV{}, IV{0, 0, 0}, {2, big}).ncols(), big);
    EXPECT_EQ(Csr::from_coo({}, {}, {}, {2, big}).ncols(), big);
    EXPECT_EQ(Csc::from_coo({}, {}, {}, {big, 2}).nrows(), big);
    EXPECT_EQ(Bsr(std::vector<V>{}, IV{}, IV{0, 0}, 2, {2, big}).ncols(), big);
    EXPECT_EQ(Bsr::from_blocks({}, {}, {}, 2, {2, big}).ncols(), big);
    const sf::DenseView<const V> wide{nullptr, 0, big, big, 1};
    EXPECT_EQ(Csr::from_dense(wide).ncols(), big);
    EXPECT_EQ(Bsr::from_dense(wide, 8).ncols(), big);
  }
}

// ---- COO triplets

TYPED_TEST(Validation, CooTriplets) {
  SFT_TYPES;
  const std::vector<I> r{0, 1}, c{1, 0}, c3{1, 0, 2};
  const std::vector<V> v{1, 2}, v1{1};
  EXPECT_ERROR(sf::invalid_structure, Csr::from_coo(r, c3, v, {2, 3}), "COO arrays differ in length",
               "column indices 3", "values 2");
  EXPECT_ERROR(sf::invalid_structure, Csr::from_coo(r, c, v1, {2, 3}), "COO arrays differ in length", "values 1");
  EXPECT_ERROR(sf::invalid_structure, Csc::from_coo(r, c3, v, {2, 3}), "COO arrays differ in length");
  EXPECT_ERROR(sf::index_out_of_range, Csr::from_coo(std::vector<I>{0, 2}, c, v, {2, 3}), "row index 2",
               "position 1", "out of range for 2 rows");
  EXPECT_ERROR(sf::index_out_of_range, Csr::from_coo(r, std::vector<I>{-1, 0}, v, {2, 3}), "column index -1",
               "position 0");
  EXPECT_ERROR(sf::index_out_of_range, Csc::from_coo(r, std::vector<I>{1, 3}, v, {2, 3}), "column index 3",
               "out of range for 3 columns");
  EXPECT_ERROR(sf::index_out_of_range, Csc::from_coo(std::vector<I>{-5, 0}, c, v, {2, 3}), "row index -5");
}

// ---- thresholds

TYPED_TEST(Validation, Thresholds) {
  SFT_TYPES;
  const sf::DenseMatrix<V> d(2, 2);
  for (double t : {-1.0, -1e-30, std::nan(""), std::numeric_limits<double>::infinity(),
                   -std::numeric_limits<double>::infinity()}) {
    SCOPED_TRACE(t);
    EXPECT_ERROR(sf::invalid_argument, Csr::from_dense(d.view(), t), "CSR.from_dense",
                 "threshold must be a finite number >= 0");
    EXPECT_ERROR(sf::invalid_argument, Csc::from_dense(d.view(), t), "CSC.from_dense", "threshold");
    EXPECT_ERROR(sf::invalid_argument, Bsr::from_dense(d.view(), 2, t), "BlockSparse.from_dense",
                 "must be in [0, 1]");
  }
  EXPECT_ERROR(sf::invalid_argument, Bsr::from_dense(d.view(), 2, 1.5), "minimum block density",
               "must be in [0, 1], got 1.5");
  EXPECT_ERROR(sf::invalid_argument, Bsr::from_dense(d.view(), 2, 1.0000001), "must be in [0, 1]");
  EXPECT_NO_THROW((void)Bsr::from_dense(d.view(), 2, 1.0));
  EXPECT_NO_THROW((void)Csr::from_dense(d.view(), 1e30));
}

// ---- block sizes and block-sparse arrays

TYPED_TEST(Validation, BlockSizes) {
  SFT_TYPES;
  const sf::DenseMatrix<V> d(4, 4);
  const auto csr = Csr::from_dense(d.view());
  const auto csc = Csc::from_dense(d.view());
  for (std::int64_t bs : {std::int64_t{0}, std::int64_t{-3}, std::int64_t{1} << 15 | 1, std::int64_t{1} << 40,
                          std::numeric_limits<std::int64_t>::min()}) {
    SCOPED_TRACE(bs);
    const std::string got = "got " + std::to_string(bs);
    EXPECT_ERROR(sf::invalid_argument, Bsr::from_dense(d.view(), bs), "block_size must be between 1 and 32768", got);
    EXPECT_ERROR(sf::invalid_argument, Bsr::from_csr(csr, bs), "BlockSparse.from_csr", got);
    EXPECT_ERROR(sf::invalid_argument, Bsr::from_csc(csc, bs), "BlockSparse.from_csc", got);
    EXPECT_ERROR(sf::invalid_argument, Bsr(std::vector<V>{}, std::vector<I>{}, std::vector<I>{0}, bs, {0, 0}),
                 "block_size", got);
    EXPECT_ERROR(sf::invalid_argument, Bsr::from_blocks({}, {}, {}, bs, {4, 4}), "block_size", got);
  }
}

TYPED_TEST(Validation, BsrRawArrays) {
  SFT_TYPES;
  using VV = std::vector<V>;
  using IV = std::vector<I>;
  // 4x4 with 2x2 blocks: a 2x2 block grid; blocks at (0,0) and (1,1).
  const VV b{1, 2, 3, 4, 5, 6, 7, 8};
  const IV idx{0, 1}, ptr{0, 1, 2};
  EXPECT_NO_THROW((void)Bsr(b, idx, ptr, 2, {4, 4}));
  EXPECT_ERROR(sf::invalid_structure, Bsr(b, idx, IV{0, 2}, 2, {4, 4}), "block_row_ptr has length 2",
               "ceil(rows / block_size) + 1 = 3");
  EXPECT_ERROR(sf::invalid_structure, Bsr(VV{1, 2, 3, 4, 5, 6, 7}, idx, ptr, 2, {4, 4}), "blocks has 7 values");
  EXPECT_ERROR(sf::invalid_structure, Bsr(VV{1, 2, 3, 4}, idx, ptr, 2, {4, 4}), "blocks has 4 values");
  EXPECT_ERROR(sf::invalid_structure, Bsr(VV{1}, IV{}, IV{0, 0, 0}, 2, {4, 4}), "blocks has 1 values",
               "expected 0");
  EXPECT_ERROR(sf::invalid_structure, Bsr(b, idx, IV{1, 1, 2}, 2, {4, 4}), "block_row_ptr[0] = 1, expected 0");
  EXPECT_ERROR(sf::invalid_structure, Bsr(b, idx, IV{0, 3, 2}, 2, {4, 4}), "block_row_ptr is not non-decreasing",
               "block row 1");
  EXPECT_ERROR(sf::invalid_structure, Bsr(b, idx, IV{0, 1, 1}, 2, {4, 4}), "block_row_ptr[2] = 1",
               "does not equal num_blocks = 2");
  EXPECT_ERROR(sf::index_out_of_range, Bsr(b, IV{0, 2}, ptr, 2, {4, 4}), "block_indices[1] = 2",
               "out of range for 2 block columns", "block row 1");
  EXPECT_ERROR(sf::index_out_of_range, Bsr(b, IV{-1, 1}, ptr, 2, {4, 4}), "block_indices[0] = -1");
  EXPECT_ERROR(sf::invalid_structure, Bsr(b, IV{1, 0}, IV{0, 2, 2}, 2, {4, 4}), "block row 0 are not sorted",
               "IndexOrder::sort_and_sum");
  EXPECT_ERROR(sf::invalid_structure, Bsr(b, IV{1, 1}, IV{0, 2, 2}, 2, {4, 4}), "block row 0 are duplicated");
  // Duplicates with sort_and_sum are summed block-wise.
  const Bsr summed(b, IV{1, 1}, IV{0, 2, 2}, 2, {4, 4}, sf::IndexOrder::sort_and_sum);
  EXPECT_EQ(summed.num_blocks(), 1);
  EXPECT_EQ(sft::as_vector(summed.blocks()), (VV{6, 8, 10, 12}));
}

TYPED_TEST(Validation, BsrPaddingMustBeZero) {
  SFT_TYPES;
  using VV = std::vector<V>;
  using IV = std::vector<I>;
  // 3x3 with 2x2 blocks: block (1,1) covers only (2,2); its other three slots are padding.
  EXPECT_NO_THROW((void)Bsr(VV{9, 0, 0, 0}, IV{1}, IV{0, 0, 1}, 2, {3, 3}));
  EXPECT_ERROR(sf::invalid_structure, Bsr(VV{9, 1, 0, 0}, IV{1}, IV{0, 0, 1}, 2, {3, 3}),
               "holds a non-zero at (2, 3)", "outside the matrix shape (3, 3)", "padding must be zero");
  EXPECT_ERROR(sf::invalid_structure, Bsr(VV{9, 0, 1, 0}, IV{1}, IV{0, 0, 1}, 2, {3, 3}), "at (3, 2)");
  const V nan = std::numeric_limits<V>::quiet_NaN();
  EXPECT_ERROR(sf::invalid_structure, Bsr(VV{9, 0, 0, nan}, IV{1}, IV{0, 0, 1}, 2, {3, 3}), "at (3, 3)");
  // from_blocks checks padding too.
  const VV blk{9, 0, 0, 1};
  EXPECT_ERROR(sf::invalid_structure, Bsr::from_blocks(blk, IV{1}, IV{1}, 2, {3, 3}), "padding must be zero");
}

TYPED_TEST(Validation, FromBlocks) {
  SFT_TYPES;
  using VV = std::vector<V>;
  using IV = std::vector<I>;
  const VV b{1, 2, 3, 4, 5, 6, 7, 8};
  EXPECT_ERROR(sf::invalid_structure, Bsr::from_blocks(b, IV{0, 1}, IV{1, 1, 0}, 2, {4, 4}), "2 block rows",
               "3 block columns");
  EXPECT_ERROR(sf::invalid_structure, Bsr::from_blocks(VV{1, 2, 3}, IV{0}, IV{0}, 2, {4, 4}), "3 block values");
  EXPECT_ERROR(sf::invalid_structure, Bsr::from_blocks(b, IV{0, 0}, IV{1, 1}, 2, {4, 4}),
               "duplicate block at block position (0, 1)");
  EXPECT_ERROR(sf::index_out_of_range, Bsr::from_blocks(b, IV{0, 2}, IV{0, 0}, 2, {4, 4}),
               "block 1 at block position (2, 0)", "outside the 2 x 2 block grid");
  EXPECT_ERROR(sf::index_out_of_range, Bsr::from_blocks(b, IV{0, 0}, IV{0, -1}, 2, {4, 4}), "(0, -1)");
  // The caller's arrays are unchanged after sorting them.
  const VV blocks{5, 6, 7, 8, 1, 2, 3, 4};
  const IV brs{1, 0}, bcs{0, 1};
  const auto m = Bsr::from_blocks(blocks, brs, bcs, 2, {4, 4});
  EXPECT_EQ(blocks, (VV{5, 6, 7, 8, 1, 2, 3, 4}));
  EXPECT_EQ(brs, (IV{1, 0}));
  EXPECT_EQ(bcs, (IV{0, 1}));
  EXPECT_EQ(sft::as_vector(m.blocks()), (VV{1, 2, 3, 4, 5, 6, 7, 8}));
}

// ---- products

TYPED_TEST(Validation, ProductShapesNameBothShapes) {
  SFT_TYPES;
  const auto d = sft::random_sparse<V>(3, 4, 0.5, 1);
  const auto csr = Csr::from_dense(d.view());
  const auto csc = Csc::from_dense(d.view());
  const auto bsr = Bsr::from_dense(d.view(), 2);
  const std::vector<V> x3(3), x4(4), x5(5);
  const sf::DenseMatrix<V> m5(5, 2), m3(3, 2), m4(4, 2);
  auto check = [&](const auto& a, const char* name) {
    SCOPED_TRACE(name);
    EXPECT_ERROR(sf::shape_mismatch, a.sparse_matmul(std::span<const V>(x5)), name, "matrix of shape (3, 4)",
                 "operand of shape (5, 1)");
    EXPECT_ERROR(sf::shape_mismatch, a.sparse_matmul(std::span<const V>(x3)), "(3, 4)", "(3, 1)");
    EXPECT_ERROR(sf::shape_mismatch, a.transpose_matmul(std::span<const V>(x4)), "matrix of shape (4, 3)",
                 "operand of shape (4, 1)");
    EXPECT_ERROR(sf::shape_mismatch, a.sparse_matmul(m5.view()), "(3, 4)", "(5, 2)");
    EXPECT_ERROR(sf::shape_mismatch, a.transpose_matmul(m4.view()), "(4, 3)", "(4, 2)");
    for (auto backend : {sf::Backend::reference, sf::Backend::cpu}) {
      sf::DenseMatrix<V> y(2, 2);
      EXPECT_ERROR(sf::shape_mismatch, sf::spmm(a, m4.view(), y.view(), sf::Transpose::no, backend),
                   "output has shape (2, 2), expected (3, 2)");
      sf::DenseMatrix<V> y3(3, 3);
      EXPECT_ERROR(sf::shape_mismatch, sf::spmm(a, m4.view(), y3.view(), sf::Transpose::no, backend),
                   "output has shape (3, 3), expected (3, 2)");
      sf::DenseMatrix<V> yt(3, 2);
      EXPECT_ERROR(sf::shape_mismatch, sf::spmm(a, m3.view(), yt.view(), sf::Transpose::yes, backend),
                   "output has shape (3, 2), expected (4, 2)");
    }
    sf::DenseMatrix<V> wrong(4, 3);
    EXPECT_ERROR(sf::shape_mismatch, a.to_dense(wrong.view()), "output has shape (4, 3), expected (3, 4)");
  };
  check(csr, "CSR");
  check(csc, "CSC");
  check(bsr, "BlockSparse");
}

TYPED_TEST(Validation, ProductOperandsAndAliasing) {
  SFT_TYPES;
  const auto d = sft::random_sparse<V>(4, 4, 0.5, 2);
  auto check = [&](const auto& a, const char* name) {
    SCOPED_TRACE(name);
    for (auto backend : {sf::Backend::reference, sf::Backend::cpu}) {
      std::vector<V> buf(64, V(1));
      // y over x exactly, y shifted by one row, and y inside x's span.
      const auto x = sf::DenseView<const V>::row_major(buf.data(), 4, 2);
      EXPECT_ERROR(sf::invalid_argument, sf::spmm(a, x, sf::DenseView<V>::row_major(buf.data(), 4, 2),
                                                  sf::Transpose::no, backend),
                   "output memory overlaps the operand");
      EXPECT_ERROR(sf::invalid_argument, sf::spmm(a, x, sf::DenseView<V>::row_major(buf.data() + 2, 4, 2),
                                                  sf::Transpose::no, backend),
                   "overlaps");
      const sf::DenseView<const V> xs{buf.data(), 4, 2, 8, 1};  // rows 8 apart: y at buf + 2 sits between them
      EXPECT_ERROR(sf::invalid_argument,
                   sf::spmm(a, xs, sf::DenseView<V>{buf.data() + 2, 4, 2, 8, 1}, sf::Transpose::no, backend),
                   "overlaps");
      // Disjoint halves of one buffer are fine.
      EXPECT_NO_THROW(sf::spmm(a, x, sf::DenseView<V>::row_major(buf.data() + 8, 4, 2), sf::Transpose::no, backend));
      // Output strides that map two elements to one address.
      std::vector<V> out(64);
      EXPECT_ERROR(sf::invalid_argument, sf::spmm(a, x, sf::DenseView<V>{out.data(), 4, 2, 0, 1}, sf::Transpose::no, backend),
                   "output strides make elements overlap");
      EXPECT_ERROR(sf::invalid_argument, sf::spmm(a, x, sf::DenseView<V>{out.data(), 4, 2, 3, 3}, sf::Transpose::no, backend),
                   "overlap");
      // Rows one apart and columns two apart: y(2, 0) and y(0, 1) share an address.
      EXPECT_ERROR(sf::invalid_argument, sf::spmm(a, x, sf::DenseView<V>{out.data(), 4, 2, 1, 2}, sf::Transpose::no, backend),
                   "output strides make elements overlap");
      EXPECT_NO_THROW(sf::spmm(a, x, sf::DenseView<V>{out.data(), 4, 2, 1, 4}, sf::Transpose::no, backend));
      EXPECT_ERROR(sf::invalid_argument,
                   sf::spmm(a, sf::DenseView<const V>::column(buf.data(), 4), sf::DenseView<V>{out.data(), 4, 1, 0, 1},
                            sf::Transpose::no, backend),
                   "overlap");
      // Negative strides and null data.
      EXPECT_ERROR(sf::invalid_argument, sf::spmm(a, sf::DenseView<const V>{buf.data() + 40, 4, 2, -2, 1},
                                                  sf::DenseView<V>::row_major(out.data(), 4, 2), sf::Transpose::no, backend),
                   "negative strides");
      EXPECT_ERROR(sf::invalid_argument, sf::spmm(a, sf::DenseView<const V>{nullptr, 4, 2, 2, 1},
                                                  sf::DenseView<V>::row_major(out.data(), 4, 2), sf::Transpose::no, backend),
                   "null data pointer");
      EXPECT_ERROR(sf::invalid_argument, sf::spmm(a, x, sf::DenseView<V>{nullptr, 4, 2, 2, 1}, sf::Transpose::no, backend),
                   "null data pointer");
    }
    // A backend without host products.
    const std::vector<V> x4(4);
    EXPECT_ERROR(sf::backend_unavailable, a.sparse_matmul(std::span<const V>(x4), sf::Backend::opencl), "opencl");
  };
  check(Csr::from_dense(d.view()), "CSR");
  check(Csc::from_dense(d.view()), "CSC");
  check(Bsr::from_dense(d.view(), 3), "BlockSparse");
}

TEST(ValidationConfig, ThreadCount) {
  sft::ThreadGuard guard;
  EXPECT_ERROR(sf::invalid_argument, sf::set_num_threads(-1), "thread count must be >= 0, got -1");
  sf::set_num_threads(0);
  EXPECT_GE(sf::num_threads(), 1);
}

}  // namespace
