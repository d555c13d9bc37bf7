// Shared test helpers: the typed-test type list, seeded random sparse matrices, a float64 dense
// reference product with its error bound, strided layouts, bit-exact comparison and error checks.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <limits>
#include <random>
#include <string>
#include <typeinfo>
#include <vector>

#include <sparse_formats/sparse_formats.hpp>

#include <stdlib.h>

// ctest runs these processes with OMP_WAIT_POLICY=passive, which raises the library's size
// threshold for threads (src/kernels/cpu/threads.cpp); the tests lower it to 2^14 units so that
// their shapes run the threaded paths. Set before main(), so before the library reads it.
inline const bool kTestsLowerParallelThreshold =
    ::setenv("SPARSE_FORMATS_MIN_PARALLEL_WORK", "16384", 0) == 0;

namespace sft {

namespace sf = sparse_formats;

// ---- typed tests over every <value, index> pair the library instantiates

template <typename V_, typename I_>
struct TypePair {
  using V = V_;
  using I = I_;
};
using AllTypes = ::testing::Types<TypePair<float, std::int32_t>, TypePair<float, std::int64_t>,
                                  TypePair<double, std::int32_t>, TypePair<double, std::int64_t>>;

struct TypePairNames {
  template <typename T>
  static std::string GetName(int) {
    return std::string(sizeof(typename T::V) == 4 ? "f32" : "f64") + (sizeof(typename T::I) == 4 ? "_i32" : "_i64");
  }
};

// Inside a TYPED_TEST: the value and index types and the three formats over them.
#define SFT_TYPES                              \
  using V [[maybe_unused]] = typename TypeParam::V; \
  using I [[maybe_unused]] = typename TypeParam::I; \
  using Csr [[maybe_unused]] = ::sparse_formats::CSRMatrix<V, I>; \
  using Csc [[maybe_unused]] = ::sparse_formats::CSCMatrix<V, I>; \
  using Bsr [[maybe_unused]] = ::sparse_formats::BlockSparseMatrix<V, I>

template <typename V>
constexpr double eps() {
  return static_cast<double>(std::numeric_limits<V>::epsilon());
}

// ---- seeded random numbers, independent of the standard library's distributions

class Rng {
 public:
  explicit Rng(std::uint64_t seed) : gen_(seed) {}
  double uniform() { return static_cast<double>(gen_() >> 11) * 0x1.0p-53; }  // [0, 1)
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
  std::int64_t below(std::int64_t n) { return static_cast<std::int64_t>(gen_() % static_cast<std::uint64_t>(n)); }
  bool chance(double p) { return uniform() < p; }

 private:
  std::mt19937_64 gen_;
};

// A value of magnitude in [0.25, 2) with a random sign: never zero, never below any small threshold.
template <typename V>
V random_value(Rng& rng) {
  const double m = rng.uniform(0.25, 2.0);
  return static_cast<V>(rng.chance(0.5) ? -m : m);
}

// A rows x cols dense matrix with about `density` non-zeros. With `empty_lines`, about a quarter of
// the rows and of the columns are forced empty (the cases where slices have no entries).
template <typename V>
sf::DenseMatrix<V> random_sparse(std::int64_t rows, std::int64_t cols, double density, std::uint64_t seed,
                                 bool empty_lines = false) {
  Rng rng(seed);
  sf::DenseMatrix<V> a(rows, cols);
  std::vector<char> dead_row(static_cast<std::size_t>(rows), 0), dead_col(static_cast<std::size_t>(cols), 0);
  if (empty_lines) {
    for (auto& d : dead_row) d = rng.chance(0.25);
    for (auto& d : dead_col) d = rng.chance(0.25);
  }
  for (std::int64_t i = 0; i < rows; ++i)
    for (std::int64_t j = 0; j < cols; ++j)
      if (!dead_row[i] && !dead_col[j] && rng.chance(density)) a(i, j) = random_value<V>(rng);
  return a;
}

// A dense operand with entries in [-1, 1].
template <typename V>
sf::DenseMatrix<V> random_dense(std::int64_t rows, std::int64_t cols, std::uint64_t seed) {
  Rng rng(seed);
  sf::DenseMatrix<V> x(rows, cols);
  for (auto& v : x.data) v = static_cast<V>(rng.uniform(-1.0, 1.0));
  return x;
}

// ---- strided layouts: the same logical matrix in memory other than row-major

enum class Layout { row_major, col_major, padded, row_padded };
inline const char* layout_name(Layout l) {
  switch (l) {
    case Layout::row_major: return "row_major";
    case Layout::col_major: return "col_major";
    case Layout::padded: return "padded";
    case Layout::row_padded: return "row_padded";
  }
  return "?";
}

// Owns memory holding a rows x cols view in `layout`; slots outside the view hold `fill`.
// padded: row_stride = 2 * cols + 3, col_stride = 2 (a numpy slice such as a[:, ::2]);
// row_padded: unit column stride, rows 5 elements longer than needed (a column slice a[:, :n]).
template <typename V>
struct StridedMatrix {
  std::vector<V> memory;
  sf::DenseView<V> view;

  StridedMatrix(std::int64_t rows, std::int64_t cols, Layout layout, V fill) {
    std::int64_t rs = cols, cs = 1;
    if (layout == Layout::col_major) rs = 1, cs = rows;
    if (layout == Layout::padded) rs = 2 * cols + 3, cs = 2;
    if (layout == Layout::row_padded) rs = cols + 5;
    memory.assign(static_cast<std::size_t>(std::max<std::int64_t>(rows * rs + cols * cs, 1)), fill);
    view = {memory.data(), rows, cols, rs, cs};
  }
  static StridedMatrix copy_of(const sf::DenseMatrix<V>& m, Layout layout, V fill) {
    StridedMatrix s(m.rows, m.cols, layout, fill);
    for (std::int64_t i = 0; i < m.rows; ++i)
      for (std::int64_t j = 0; j < m.cols; ++j) s.view(i, j) = m(i, j);
    return s;
  }
  sf::DenseView<const V> cview() const { return view; }
};

// ---- float64 dense reference product and the error bound products are tested against

// y64 = op(A) x in float64 from the V-valued A and x (exact products, float64 sums), with per output
// sum|a_ij x_j| and the number of non-zero terms summed.
struct Reference64 {
  std::int64_t rows = 0, cols = 0;
  std::vector<double> y, abs_sum;
  std::vector<std::int64_t> terms;  // per output row
};

template <typename V>
Reference64 reference_product(const sf::DenseMatrix<V>& a, bool transpose, sf::DenseView<const V> x) {
  Reference64 r;
  const std::int64_t m = transpose ? a.cols : a.rows, n = transpose ? a.rows : a.cols;
  r.rows = m;
  r.cols = x.cols;
  r.y.assign(static_cast<std::size_t>(m * x.cols), 0.0);
  r.abs_sum.assign(r.y.size(), 0.0);
  r.terms.assign(static_cast<std::size_t>(m), 0);
  for (std::int64_t i = 0; i < m; ++i)
    for (std::int64_t j = 0; j < n; ++j) {
      const double aij = static_cast<double>(transpose ? a(j, i) : a(i, j));
      if (aij == 0.0) continue;
      ++r.terms[i];
      for (std::int64_t c = 0; c < x.cols; ++c) {
        const double t = aij * static_cast<double>(x(j, c));
        r.y[i * x.cols + c] += t;
        r.abs_sum[i * x.cols + c] += std::abs(t);
      }
    }
  return r;
}

// The bound tested for every product output:
//   |y - y64| <= (len + 2) * eps(V) * sum_j |a_ij x_j|
// where len is the number of non-zero terms summed for that output. Any summation order of len
// rounded products satisfies |error| <= len * (eps/2) * sum|a_ij x_j| / (1 - len * eps/2), so the
// bound holds for every kernel (threaded, vectorised, fused multiply-add) while still catching a
// wrong, missing or duplicated term. An output row with no terms must be exactly 0.
template <typename V>
::testing::AssertionResult product_matches(sf::DenseView<const V> y, const Reference64& r) {
  if (y.rows != r.rows || y.cols != r.cols)
    return ::testing::AssertionFailure() << "shape " << sf::to_string(y.shape()) << ", expected "
                                         << sf::to_string(sf::Shape{r.rows, r.cols});
  for (std::int64_t i = 0; i < r.rows; ++i)
    for (std::int64_t c = 0; c < r.cols; ++c) {
      const std::size_t k = static_cast<std::size_t>(i * r.cols + c);
      const double got = static_cast<double>(y(i, c));
      const double bound = static_cast<double>(r.terms[i] + 2) * eps<V>() * r.abs_sum[k];
      if (!(std::abs(got - r.y[k]) <= bound))
        return ::testing::AssertionFailure() << "y(" << i << ", " << c << ") = " << got << ", float64 reference "
                                             << r.y[k] << ", |diff| " << std::abs(got - r.y[k]) << " > bound "
                                             << bound << " (" << r.terms[i] << " terms)";
    }
  return ::testing::AssertionSuccess();
}

template <typename V>
::testing::AssertionResult product_matches(const sf::DenseMatrix<V>& y, const Reference64& r) {
  return product_matches<V>(y.view(), r);
}

template <typename V>
::testing::AssertionResult product_matches(const std::vector<V>& y, const Reference64& r) {
  return product_matches<V>(sf::DenseView<const V>::column(y.data(), static_cast<std::int64_t>(y.size())), r);
}

// ---- bit-exact comparison (NaN payloads, signed zeros and denormals included)

template <typename V>
bool same_bits(V a, V b) {
  return std::memcmp(&a, &b, sizeof(V)) == 0;
}

template <typename V>
::testing::AssertionResult bit_equal(const sf::DenseMatrix<V>& got, const sf::DenseMatrix<V>& want) {
  if (got.shape() != want.shape())
    return ::testing::AssertionFailure() << "shape " << sf::to_string(got.shape()) << ", expected "
                                         << sf::to_string(want.shape());
  for (std::int64_t i = 0; i < got.rows; ++i)
    for (std::int64_t j = 0; j < got.cols; ++j)
      if (!same_bits(got(i, j), want(i, j)))
        return ::testing::AssertionFailure() << "element (" << i << ", " << j << ") = " << got(i, j) << ", expected "
                                             << want(i, j) << " (bits differ)";
  return ::testing::AssertionSuccess();
}

// What from_dense(threshold) followed by to_dense() must give, from the documented rule:
// keep NaN, +-Inf and |v| > threshold; everything else, -0.0 included, becomes +0.0.
template <typename V>
sf::DenseMatrix<V> expected_after_threshold(const sf::DenseMatrix<V>& a, double threshold) {
  sf::DenseMatrix<V> out(a.rows, a.cols);
  for (std::size_t k = 0; k < a.data.size(); ++k) {
    const V v = a.data[k];
    const bool keep = std::isnan(v) || std::isinf(v) || std::abs(static_cast<double>(v)) > threshold;
    out.data[k] = keep ? v : V(0);
  }
  return out;
}

template <typename V>
std::int64_t count_nonzero(const sf::DenseMatrix<V>& a) {
  return std::count_if(a.data.begin(), a.data.end(), [](V v) { return v != V(0); });  // NaN counts
}

template <typename T>
std::vector<T> as_vector(std::span<const T> s) {
  return std::vector<T>(s.begin(), s.end());
}

// ---- errors: exact type, derived from sparse_formats::error, message holding every part

template <typename E, typename F>
::testing::AssertionResult throws_error(F&& f, std::initializer_list<std::string> parts) {
  static_assert(std::is_base_of_v<sf::error, E>);
  try {
    f();
  } catch (const sf::error& e) {
    const std::string msg = e.what();
    if (typeid(e) != typeid(E))
      return ::testing::AssertionFailure() << "threw " << typeid(e).name() << " (\"" << msg << "\"), expected "
                                           << typeid(E).name();
    for (const auto& p : parts)
      if (msg.find(p) == std::string::npos)
        return ::testing::AssertionFailure() << "message \"" << msg << "\" does not contain \"" << p << "\"";
    return ::testing::AssertionSuccess();
  } catch (const std::exception& e) {
    return ::testing::AssertionFailure() << "threw a non-library exception: " << e.what();
  }
  return ::testing::AssertionFailure() << "did not throw";
}

// EXPECT_ERROR(Type, statement, "part of the message", ...)
#define EXPECT_ERROR(Type, statement, ...) \
  EXPECT_TRUE(::sft::throws_error<Type>([&] { (void)(statement); }, {__VA_ARGS__}))

// Restores the default thread count when a test that changed it ends.
struct ThreadGuard {
  ~ThreadGuard() { sf::set_num_threads(0); }
};

}  // namespace sft
