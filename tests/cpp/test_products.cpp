// Products of every format against a float64 dense twin, for both host backends, A x and A^T x,
// batches k = 1, 2, 7, 33, strided and Fortran-order operands, sizes above the threading threshold,
// thread counts 1..4, repeatability and untouched inputs. The bound is in test_helpers.hpp:
//   |y - y64| <= (len + 2) * eps(V) * sum_j |a_ij x_j|   per output, len = terms summed.
#include <gtest/gtest.h>

#include <cstring>
#include <functional>
#include <vector>

#include "test_helpers.hpp"

namespace {

namespace sf = sparse_formats;

template <typename T>
class Products : public ::testing::Test {};
TYPED_TEST_SUITE(Products, sft::AllTypes, sft::TypePairNames);

struct ShapeCase {
  std::int64_t rows, cols;
  double density;
  bool empty_lines;
};

const ShapeCase kSmallShapes[] = {{0, 0, 0.5, false}, {0, 6, 0.5, false},  {6, 0, 0.5, false},
                                  {1, 9, 0.6, false}, {9, 1, 0.6, false},  {1, 1, 1.0, false},
                                  {5, 5, 0.0, false}, {17, 13, 0.3, true}, {24, 16, 0.25, false},
                                  {11, 37, 0.5, true}};
const std::int64_t kBatches[] = {1, 2, 7, 33};
const std::int64_t kBlockSizes[] = {1, 2, 3, 4, 8};
const sf::Backend kBackends[] = {sf::Backend::reference, sf::Backend::cpu};

// Calls f(matrix, name) for CSR, CSC and block-sparse with every block size, all built from d.
template <typename V, typename I, typename F>
void for_each_format(const sf::DenseMatrix<V>& d, F&& f) {
  f(sf::CSRMatrix<V, I>::from_dense(d.view(), 0.0), std::string("CSR"));
  f(sf::CSCMatrix<V, I>::from_dense(d.view(), 0.0), std::string("CSC"));
  for (std::int64_t bs : kBlockSizes)
    f(sf::BlockSparseMatrix<V, I>::from_dense(d.view(), bs), "BSR bs=" + std::to_string(bs));
}

// y = op(A) x through the free function, into a fresh output; the output's padding stays untouched.
template <typename M, typename V>
sf::DenseMatrix<V> spmm_into(const M& a, sf::DenseView<const V> x, bool transpose, sf::Backend backend,
                             sft::Layout y_layout) {
  const std::int64_t rows = transpose ? a.ncols() : a.nrows();
  const V sentinel = V(12345);
  sft::StridedMatrix<V> y(rows, x.cols, y_layout, sentinel);
  sf::spmm(a, x, y.view, transpose ? sf::Transpose::yes : sf::Transpose::no, backend);
  std::int64_t untouched = 0;
  for (V v : y.memory) untouched += v == sentinel;
  EXPECT_GE(untouched, static_cast<std::int64_t>(y.memory.size()) - rows * x.cols) << "wrote outside the output";
  sf::DenseMatrix<V> out(rows, x.cols);
  for (std::int64_t i = 0; i < rows; ++i)
    for (std::int64_t c = 0; c < x.cols; ++c) out(i, c) = y.view(i, c);
  return out;
}

TYPED_TEST(Products, MatchFloat64ForEveryShapeFormatBackendAndBatch) {
  SFT_TYPES;
  std::uint64_t seed = 1000;
  for (const auto& s : kSmallShapes) {
    const auto a = sft::random_sparse<V>(s.rows, s.cols, s.density, ++seed, s.empty_lines);
    for (bool transpose : {false, true}) {
      const std::int64_t n = transpose ? s.rows : s.cols;
      for (std::int64_t k : kBatches) {
        const auto x = sft::random_dense<V>(n, k, ++seed);
        const auto ref = sft::reference_product(a, transpose, x.view());
        for_each_format<V, I>(a, [&](const auto& m, const std::string& name) {
          for (auto backend : kBackends) {
            SCOPED_TRACE(::testing::Message() << name << " " << s.rows << "x" << s.cols << (transpose ? " A^T" : " A")
                                              << " k=" << k << " " << sf::to_string(backend));
            const auto y = transpose ? m.transpose_matmul(x.view(), backend) : m.sparse_matmul(x.view(), backend);
            EXPECT_TRUE(sft::product_matches(y, ref));
            if (k == 1) {
              const std::span<const V> xv(x.data);
              const auto yv = transpose ? m.transpose_matmul(xv, backend) : m.sparse_matmul(xv, backend);
              EXPECT_TRUE(sft::product_matches(yv, ref));
            }
          }
        });
      }
    }
  }
}

TYPED_TEST(Products, StridedAndFortranOrderOperands) {
  SFT_TYPES;
  const auto a = sft::random_sparse<V>(19, 14, 0.3, 77, true);
  const std::pair<sft::Layout, sft::Layout> layouts[] = {{sft::Layout::col_major, sft::Layout::col_major},
                                                         {sft::Layout::padded, sft::Layout::row_major},
                                                         {sft::Layout::row_major, sft::Layout::padded},
                                                         {sft::Layout::padded, sft::Layout::col_major},
                                                         {sft::Layout::row_padded, sft::Layout::row_padded}};
  std::uint64_t seed = 2000;
  for (bool transpose : {false, true}) {
    for (std::int64_t k : {1, 2, 7}) {
      const auto x = sft::random_dense<V>(transpose ? 19 : 14, k, ++seed);
      const auto ref = sft::reference_product(a, transpose, x.view());
      for (const auto& layout_pair : layouts) {
        const sft::Layout xl = layout_pair.first, yl = layout_pair.second;  // plain names: lambdas capture them
        const auto xs = sft::StridedMatrix<V>::copy_of(x, xl, V(-99));
        for_each_format<V, I>(a, [&](const auto& m, const std::string& name) {
          for (auto backend : kBackends) {
            SCOPED_TRACE(::testing::Message() << name << (transpose ? " A^T" : " A") << " k=" << k << " x "
                                              << sft::layout_name(xl) << " y " << sft::layout_name(yl) << " "
                                              << sf::to_string(backend));
            EXPECT_TRUE(sft::product_matches(spmm_into(m, xs.cview(), transpose, backend, yl), ref));
          }
        });
      }
    }
  }
}

TYPED_TEST(Products, ZeroSizedOperands) {
  SFT_TYPES;
  // A 4x0 times a 0xk operand is a 4xk zero; k = 0 gives an empty result. No kernel runs on
  // x's null data (fuzz_products found the batch kernel offsetting it).
  const sf::DenseMatrix<V> a(4, 0);
  for_each_format<V, I>(a, [&](const auto& m, const std::string& name) {
    {  // nothing to sum still does not run host matrices on OpenCL
      const sf::DenseMatrix<V> x31(0, 31);
      sf::DenseMatrix<V> y31(4, 31);
      EXPECT_THROW(sf::spmm(m, x31.view(), y31.view(), sf::Transpose::no, sf::Backend::opencl),
                   sf::backend_unavailable)
          << name;
    }
    for (auto backend : kBackends) {
      SCOPED_TRACE(name + " " + sf::to_string(backend));
      const sf::DenseMatrix<V> x(0, 3);
      const auto y = m.sparse_matmul(x.view(), backend);
      EXPECT_EQ(y.shape(), (sf::Shape{4, 3}));
      for (V v : y.data) EXPECT_TRUE(sft::same_bits(v, V(0)));
      // every batch kernel, one-shot and planned; x's data is null (an empty vector's)
      for (std::int64_t k : {1, 3, 31, 128}) {
        const sf::DenseMatrix<V> xk(0, k);
        sf::DenseMatrix<V> dirty(4, k);
        for (auto& v : dirty.data) v = V(5);
        sf::spmm(m, xk.view(), dirty.view(), sf::Transpose::no, backend);  // overwrites, not accumulates
        for (V v : dirty.data) EXPECT_EQ(v, V(0));
        for (auto& v : dirty.data) v = V(5);
        sf::SpmmPlan<V, I>(m, k, sf::Transpose::no, backend).run(xk.view(), dirty.view());
        for (V v : dirty.data) EXPECT_EQ(v, V(0));
      }
      const sf::DenseMatrix<V> x4(4, 0);
      EXPECT_EQ(m.transpose_matmul(x4.view(), backend).shape(), (sf::Shape{0, 0}));
      EXPECT_EQ(m.sparse_matmul(sf::DenseMatrix<V>(0, 0).view(), backend).shape(), (sf::Shape{4, 0}));
    }
  });
}

TYPED_TEST(Products, OutputIsOverwrittenNotAccumulated) {
  SFT_TYPES;
  const auto a = sft::random_sparse<V>(13, 9, 0.3, 5, true);
  const auto x = sft::random_dense<V>(9, 3, 6);
  const auto ref = sft::reference_product(a, false, x.view());
  for_each_format<V, I>(a, [&](const auto& m, const std::string& name) {
    for (auto backend : kBackends) {
      SCOPED_TRACE(name + " " + sf::to_string(backend));
      sf::DenseMatrix<V> y(13, 3);
      for (auto& v : y.data) v = std::numeric_limits<V>::quiet_NaN();
      sf::spmm(m, x.view(), y.view(), sf::Transpose::no, backend);
      EXPECT_TRUE(sft::product_matches(y, ref));
    }
  });
}

// Sizes above the tests' thread threshold (2^14 work units, test_helpers.hpp), for thread counts 1..4.
TYPED_TEST(Products, ThreadedMatchesReferenceAndFloat64) {
  SFT_TYPES;
  sft::ThreadGuard guard;
  const ShapeCase shapes[] = {{300, 200, 0.6, false}, {257, 190, 0.3, true}, {1, 40000, 0.9, false},
                              {40000, 1, 0.9, false}};
  std::uint64_t seed = 3000;
  for (const auto& s : shapes) {
    const auto a = sft::random_sparse<V>(s.rows, s.cols, s.density, ++seed, s.empty_lines);
    for (bool transpose : {false, true}) {
      for (std::int64_t k : {1, 7}) {
        const auto x = sft::random_dense<V>(transpose ? s.rows : s.cols, k, ++seed);
        const auto ref64 = sft::reference_product(a, transpose, x.view());
        for_each_format<V, I>(a, [&](const auto& m, const std::string& name) {
          const auto ref = transpose ? m.transpose_matmul(x.view(), sf::Backend::reference)
                                     : m.sparse_matmul(x.view(), sf::Backend::reference);
          EXPECT_TRUE(sft::product_matches(ref, ref64)) << name << " reference";
          for (int threads = 1; threads <= 4; ++threads) {
            sf::set_num_threads(threads);
            SCOPED_TRACE(::testing::Message() << name << " " << s.rows << "x" << s.cols
                                              << (transpose ? " A^T" : " A") << " k=" << k << " threads=" << threads);
            const auto y = transpose ? m.transpose_matmul(x.view(), sf::Backend::cpu)
                                     : m.sparse_matmul(x.view(), sf::Backend::cpu);
            EXPECT_TRUE(sft::product_matches(y, ref64));
            if (threads == 3) {  // strided operands on the threaded path
              for (auto layout : {sft::Layout::row_padded, sft::Layout::col_major}) {
                const auto xs = sft::StridedMatrix<V>::copy_of(x, layout, V(-99));
                EXPECT_TRUE(sft::product_matches(spmm_into(m, xs.cview(), transpose, sf::Backend::cpu, layout), ref64))
                    << sft::layout_name(layout);
              }
            }
            // Against the serial reference: both are within the bound of y64, so within twice it.
            ASSERT_EQ(y.data.size(), ref.data.size());
            for (std::size_t e = 0; e < y.data.size(); ++e) {
              const std::size_t i = e / static_cast<std::size_t>(k);
              const double bound = 2.0 * static_cast<double>(ref64.terms[i] + 2) * sft::eps<V>() * ref64.abs_sum[e];
              ASSERT_LE(std::abs(static_cast<double>(y.data[e]) - static_cast<double>(ref.data[e])), bound)
                  << "output " << e;
            }
          }
        });
      }
    }
  }
}

TYPED_TEST(Products, RepeatedRunsAreBitIdenticalForAThreadCount) {
  SFT_TYPES;
  sft::ThreadGuard guard;
  const auto a = sft::random_sparse<V>(400, 300, 0.4, 42, true);
  for (int threads : {2, 3, 4}) {
    sf::set_num_threads(threads);
    EXPECT_EQ(sf::num_threads(), sf::has_openmp() ? threads : 1);
    for (bool transpose : {false, true}) {
      const auto x = sft::random_dense<V>(transpose ? 400 : 300, 7, 43);
      for_each_format<V, I>(a, [&](const auto& m, const std::string& name) {
        SCOPED_TRACE(::testing::Message() << name << " threads=" << threads << (transpose ? " A^T" : " A"));
        auto run = [&] {
          return transpose ? m.transpose_matmul(x.view(), sf::Backend::cpu) : m.sparse_matmul(x.view(), sf::Backend::cpu);
        };
        const auto first = run();
        for (int rep = 0; rep < 3; ++rep) EXPECT_TRUE(sft::bit_equal(run(), first));
      });
    }
  }
}

TYPED_TEST(Products, InputsAreNeverModified) {
  SFT_TYPES;
  sft::ThreadGuard guard;
  sf::set_num_threads(3);
  const auto a = sft::random_sparse<V>(260, 180, 0.5, 17, true);
  const auto a_copy = a;
  // Raw arrays borrowed from caller memory: a product must not write to them.
  const auto csr0 = Csr::from_dense(a.view());
  const auto vals = sft::as_vector(csr0.values());
  const auto idx = sft::as_vector(csr0.col_indices());
  const auto ptr = sft::as_vector(csr0.row_ptr());
  auto keep = std::make_shared<int>(0);
  const Csr csr(sf::Buffer<V>::borrow(vals.data(), vals.size(), keep),
                sf::Buffer<I>::borrow(idx.data(), idx.size(), keep), sf::Buffer<I>::borrow(ptr.data(), ptr.size(), keep),
                a.shape());
  const Csc csc(sf::Buffer<V>::borrow(vals.data(), vals.size(), keep),
                sf::Buffer<I>::borrow(idx.data(), idx.size(), keep), sf::Buffer<I>::borrow(ptr.data(), ptr.size(), keep),
                {180, 260});
  const auto bsr0 = Bsr::from_dense(a.view(), 4);
  const auto blocks = sft::as_vector(bsr0.blocks());
  const auto bidx = sft::as_vector(bsr0.block_indices());
  const auto bptr = sft::as_vector(bsr0.block_row_ptr());
  const Bsr bsr(sf::Buffer<V>::borrow(blocks.data(), blocks.size(), keep),
                sf::Buffer<I>::borrow(bidx.data(), bidx.size(), keep),
                sf::Buffer<I>::borrow(bptr.data(), bptr.size(), keep), 4, a.shape());
  const auto vals0 = vals;
  const auto idx0 = idx;
  const auto ptr0 = ptr;
  const auto blocks0 = blocks;
  const auto bidx0 = bidx;
  const auto bptr0 = bptr;
  for (std::int64_t k : {1, 7}) {
    for (auto layout : {sft::Layout::row_major, sft::Layout::col_major}) {
      const auto x260 = sft::StridedMatrix<V>::copy_of(sft::random_dense<V>(260, k, 1), layout, V(3));
      const auto x180 = sft::StridedMatrix<V>::copy_of(sft::random_dense<V>(180, k, 2), layout, V(3));
      const auto m260 = x260.memory;
      const auto m180 = x180.memory;
      for (auto backend : kBackends) {
        (void)csr.sparse_matmul(x180.cview(), backend);
        (void)csr.transpose_matmul(x260.cview(), backend);
        (void)csc.sparse_matmul(x260.cview(), backend);
        (void)csc.transpose_matmul(x180.cview(), backend);
        (void)bsr.sparse_matmul(x180.cview(), backend);
        (void)bsr.transpose_matmul(x260.cview(), backend);
      }
      EXPECT_EQ(x260.memory, m260);
      EXPECT_EQ(x180.memory, m180);
    }
  }
  EXPECT_EQ(vals, vals0);
  EXPECT_EQ(idx, idx0);
  EXPECT_EQ(ptr, ptr0);
  EXPECT_EQ(blocks, blocks0);
  EXPECT_EQ(bidx, bidx0);
  EXPECT_EQ(bptr, bptr0);
  EXPECT_TRUE(sft::bit_equal(a, a_copy));
}

// Non-finite values propagate as IEEE arithmetic says; nothing is skipped as "zero".
TYPED_TEST(Products, NonFiniteEntriesPropagate) {
  SFT_TYPES;
  sf::DenseMatrix<V> a(2, 3);
  a(0, 1) = std::numeric_limits<V>::quiet_NaN();
  a(1, 2) = std::numeric_limits<V>::infinity();
  const std::vector<V> x{1, 2, 3};
  for_each_format<V, I>(a, [&](const auto& m, const std::string& name) {
    for (auto backend : kBackends) {
      const auto y = m.sparse_matmul(std::span<const V>(x), backend);
      EXPECT_TRUE(std::isnan(y[0])) << name;
      EXPECT_TRUE(std::isinf(y[1]) && y[1] > 0) << name;
    }
  });
}

}  // namespace
