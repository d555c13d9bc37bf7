// The OpenCL backend against the reference kernels: the same shapes as the CPU backend's tests, on
// whatever OpenCL device exists (PoCL on the CPU in CI). Without a device every device test is
// skipped with the reason; the launch-plan tests need no device.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "kernels/opencl/plan.hpp"
#include "sparse_formats/device.hpp"
#include "sparse_formats/errors.hpp"
#include "sparse_formats/operations.hpp"

namespace sf = sparse_formats;

namespace {

const std::vector<sf::DeviceInfo>& devices() {
  static const auto list = sf::list_devices();
  return list;
}

#define SKIP_WITHOUT_DEVICE()                                                                    \
  if (devices().empty())                                                                         \
  GTEST_SKIP() << "no OpenCL device: the library was built without OpenCL, no ICD is installed " \
                  "(pocl-opencl-icd gives a CPU device), or OCL_ICD_VENDORS points at no driver"

bool device_fp64() { return !devices().empty() && sf::default_device().fp64; }

// Row lengths: `empty_every` rows are empty, `long_rows` rows hold `long_len` entries, the rest about
// density * cols.
template <typename V, typename I>
sf::CSRMatrix<V, I> random_csr(std::int64_t rows, std::int64_t cols, double density, std::uint32_t seed,
                               int empty_every = 0, int long_rows = 0, std::int64_t long_len = 0) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<double> value(-1.0, 1.0);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  std::vector<I> r, c;
  std::vector<V> v;
  for (std::int64_t i = 0; i < rows; ++i) {
    if (empty_every > 0 && i % empty_every == 0) continue;
    const bool is_long = i < long_rows;
    for (std::int64_t j = 0; j < cols; ++j) {
      const bool keep =
          is_long ? unit(gen) < static_cast<double>(long_len) / static_cast<double>(cols) : unit(gen) < density;
      if (!keep) continue;
      r.push_back(static_cast<I>(i));
      c.push_back(static_cast<I>(j));
      v.push_back(static_cast<V>(value(gen)));
    }
  }
  return sf::CSRMatrix<V, I>::from_coo(r, c, v, {rows, cols});
}

template <typename V>
sf::DenseMatrix<V> random_dense(std::int64_t rows, std::int64_t cols, std::uint32_t seed) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<double> value(-1.0, 1.0);
  sf::DenseMatrix<V> m(rows, cols);
  for (auto& e : m.data) e = static_cast<V>(value(gen));
  return m;
}

template <typename V>
sf::DenseMatrix<V> abs_of(const sf::DenseMatrix<V>& m) {
  auto out = m;
  for (auto& e : out.data) e = std::abs(e);
  return out;
}

// |got - want| <= tol * (|A| |x|)_ij elementwise: the bound on a sum's rounding error in any order.
template <typename V>
void expect_close(const sf::DenseMatrix<V>& got, const sf::DenseMatrix<V>& want, const sf::DenseMatrix<V>& scale,
                  const std::string& what) {
  ASSERT_EQ(got.rows, want.rows) << what;
  ASSERT_EQ(got.cols, want.cols) << what;
  const double tol = std::is_same_v<V, float> ? 2e-5 : 1e-12;
  int bad = 0;
  for (std::size_t i = 0; i < got.data.size() && bad < 5; ++i) {
    const double err = std::abs(static_cast<double>(got.data[i]) - static_cast<double>(want.data[i]));
    if (!(err <= tol * static_cast<double>(scale.data[i]) + 1e-30)) {
      ++bad;
      ADD_FAILURE() << what << ": element " << i / static_cast<std::size_t>(got.cols) << ","
                    << i % static_cast<std::size_t>(got.cols) << " got " << got.data[i] << " want " << want.data[i];
    }
  }
}

// The reference product and its |A||x| scale, for op(A) of any host format.
template <typename M, typename V>
std::pair<sf::DenseMatrix<V>, sf::DenseMatrix<V>> reference(const M& a, const M& abs_a, const sf::DenseMatrix<V>& x,
                                                            bool transposed) {
  const auto op = transposed ? sf::Transpose::yes : sf::Transpose::no;
  const std::int64_t rows = transposed ? a.ncols() : a.nrows();
  sf::DenseMatrix<V> y(rows, x.cols), s(rows, x.cols);
  const auto ax = abs_of(x);
  sf::spmm(a, x.view(), y.view(), op, sf::Backend::reference);
  sf::spmm(abs_a, ax.view(), s.view(), op, sf::Backend::reference);
  return {y, s};
}

template <typename V, typename I>
sf::CSRMatrix<V, I> abs_csr(const sf::CSRMatrix<V, I>& a) {
  std::vector<V> v(a.values().begin(), a.values().end());
  for (auto& e : v) e = std::abs(e);
  return sf::CSRMatrix<V, I>::from_storage(
      {sf::Buffer<V>(std::move(v)), a.storage().indices, a.storage().indptr, a.nrows(), a.ncols()});
}

// Both products of a device CSR matrix against the reference, host-memory and device-resident entry points.
template <typename V, typename I>
void check_csr(const sf::CSRMatrix<V, I>& a, const std::vector<std::int64_t>& batches, sf::SpmvAlgorithm spmv,
               const std::string& name) {
  const auto abs_a = abs_csr(a);
  const auto d = sf::to_device(a, sf::Backend::opencl, -1, {true, spmv});
  ASSERT_EQ(d.shape(), a.shape());
  ASSERT_EQ(d.nnz(), a.nnz());
  std::uint32_t seed = 7;
  for (const bool t : {false, true}) {
    for (const std::int64_t k : batches) {
      const auto x = random_dense<V>(t ? a.nrows() : a.ncols(), k, ++seed);
      const auto [want, scale] = reference(a, abs_a, x, t);
      const std::string what = name + (t ? " A^T" : " A") + " k=" + std::to_string(k);
      const auto got = t ? d.transpose_matmul(x.view()) : d.sparse_matmul(x.view());
      expect_close(got, want, scale, what);
      if (k == 1) {
        const auto v = t ? d.transpose_matmul(std::span<const V>(x.data)) : d.sparse_matmul(std::span<const V>(x.data));
        sf::DenseMatrix<V> got_v(want.rows, 1);
        got_v.data = v;
        expect_close(got_v, want, scale, what + " (vector)");
      }
    }
  }
}

}  // namespace

// ---------------------------------------------------------------- launch plans (no device needed)

TEST(OpenclPlan, RowBlocksCoverEveryRowOnceWithinLimits) {
  std::mt19937 gen(3);
  std::vector<std::int64_t> indptr{0};
  for (int r = 0; r < 5000; ++r) indptr.push_back(indptr.back() + (r % 97 == 0 ? 3000 : gen() % 9));
  for (const int slots : {1, 8, 256}) {
    const std::int64_t target = 200;
    const auto starts = sf::opencl::row_blocks(indptr, slots, target);
    ASSERT_GE(starts.size(), 2u);
    EXPECT_EQ(starts.front(), 0);
    EXPECT_EQ(starts.back(), 5000);
    for (std::size_t b = 0; b + 1 < starts.size(); ++b) {
      const auto n = starts[b + 1] - starts[b];
      ASSERT_GT(n, 0);
      EXPECT_LE(n, slots);
      if (n > 1) {
        EXPECT_LE(indptr[starts[b + 1]] - indptr[starts[b]], target) << "block " << b;
      }
    }
  }
  EXPECT_EQ(sf::opencl::row_blocks({0}, 8, 10), std::vector<std::int64_t>{0});
}

TEST(OpenclPlan, LongRowsAreCutIntoChunksThatCoverThemExactly) {
  std::vector<std::int64_t> indptr{0};
  for (int r = 0; r < 100; ++r) indptr.push_back(indptr.back() + (r == 3 ? 10000 : r == 50 ? 401 : 5));
  const auto c = sf::opencl::long_row_chunks(indptr, 100);
  EXPECT_EQ(c.threshold, sf::opencl::kLongRowFactor * 100);
  ASSERT_EQ(c.rows, std::vector<std::int64_t>({3, 50}));
  ASSERT_EQ(c.first.size(), 3u);
  for (std::size_t l = 0; l < c.rows.size(); ++l) {
    const auto row = c.rows[l];
    std::int64_t expect_begin = indptr[row];
    for (auto i = c.first[l]; i < c.first[l + 1]; ++i) {
      EXPECT_EQ(c.row[i], row);
      EXPECT_EQ(c.begin[i], expect_begin);  // contiguous, no gap or overlap
      EXPECT_GT(c.end[i], c.begin[i]);
      EXPECT_LE(c.end[i] - c.begin[i], 101);
      expect_begin = c.end[i];
    }
    EXPECT_EQ(expect_begin, indptr[row + 1]);
  }
  EXPECT_EQ(sf::opencl::long_row_chunks(std::vector<std::int64_t>(10, 0), 100).count(), 0);
}

TEST(OpenclPlan, SpmvChoiceFollowsRowStatistics) {
  sf::DeviceInfo gpu;
  gpu.type = "gpu";
  gpu.simd_width = 32;
  auto stats_of = [](std::vector<std::int64_t> lengths) {
    std::vector<std::int64_t> indptr{0};
    for (auto l : lengths) indptr.push_back(indptr.back() + l);
    return sf::opencl::row_length_stats(indptr);
  };
  const auto even_short = stats_of(std::vector<std::int64_t>(1000, 2));
  const auto even_long = stats_of(std::vector<std::int64_t>(1000, 40));
  auto skewed_lengths = std::vector<std::int64_t>(1000, 2);
  skewed_lengths[10] = 5000;
  const auto skewed = stats_of(skewed_lengths);
  using A = sf::SpmvAlgorithm;
  EXPECT_EQ(sf::opencl::choose_spmv(even_short, gpu, A::automatic).algorithm, A::scalar);
  const auto v = sf::opencl::choose_spmv(even_long, gpu, A::automatic);
  EXPECT_EQ(v.algorithm, A::vector);
  EXPECT_EQ(v.lanes, 32);
  EXPECT_EQ(sf::opencl::choose_spmv(skewed, gpu, A::automatic).algorithm, A::adaptive);
  EXPECT_FALSE(sf::opencl::choose_spmv(skewed, gpu, A::automatic).reason.empty());
  sf::DeviceInfo cpu = gpu;
  cpu.type = "cpu";
  EXPECT_EQ(sf::opencl::choose_spmv(even_long, cpu, A::automatic).algorithm, A::scalar);
  EXPECT_EQ(sf::opencl::choose_spmv(even_long, cpu, A::vector).algorithm, A::vector);
  // A wavefront of 64 allows up to 64 lanes per row.
  sf::DeviceInfo amd = gpu;
  amd.simd_width = 64;
  EXPECT_EQ(sf::opencl::choose_spmv(stats_of(std::vector<std::int64_t>(100, 100)), amd, A::automatic).lanes, 64);
}

TEST(OpenclPlan, Int32IndicesLeaveTheLoopCountersRoom) {
  // A counter steps up to one work-group past a row's end: int32 storage stops short of 2^31 by that much.
  EXPECT_NO_THROW(sf::opencl::check_index_headroom(sf::opencl::kInt32MaxNnz, false));
  EXPECT_THROW(sf::opencl::check_index_headroom(sf::opencl::kInt32MaxNnz + 1, false), sf::index_overflow);
  EXPECT_THROW(sf::opencl::check_index_headroom(std::int64_t{1} << 31, false), sf::index_overflow);
  EXPECT_NO_THROW(sf::opencl::check_index_headroom(std::int64_t{1} << 40, true));
  EXPECT_LE(sf::opencl::kInt32MaxNnz + sf::opencl::kPreferredWorkGroup, std::int64_t{2147483647});
}

TEST(OpenclPlan, LaunchShapesFitTheWorkGroup) {
  for (const int simd : {8, 32, 64}) {
    for (const std::int64_t k : {1, 2, 3, 31, 32, 100, 128, 1024}) {
      const auto s = sf::opencl::csr_spmm_shape(k, 256, simd);
      EXPECT_LE(s.lanes * s.slots, 256);
      EXPECT_LE(s.lanes, simd);
      EXPECT_GE(s.cols_per_lane, 1);
      EXPECT_LE(s.cols_per_lane, sf::opencl::kMaxColsPerLane);
      EXPECT_GE(static_cast<std::int64_t>(s.lanes) * s.cols_per_lane, std::min<std::int64_t>(k, s.lanes * 4));
      for (const std::int64_t bs : {1, 3, 8, 16, 64}) {
        const auto b = sf::opencl::bsr_shape(k, bs, 256, simd, 32768, 4);
        EXPECT_LE(b.groups * b.lanes * bs, 256);
        EXPECT_LE(b.groups, sf::opencl::kMaxBlockRowsPerGroup);
        EXPECT_LE(b.groups * bs * b.lanes * b.cols_per_lane * 4, 16384);
      }
    }
  }
  // Wide batches are several column tiles, each a work-group per row block: blocks grow with the tiles
  // (so that rows keep whole slots) while the work-groups stay as many.
  sf::DeviceInfo gpu;
  gpu.compute_units = 132;
  const std::int64_t one = sf::opencl::target_block_nnz(1 << 22, 8, gpu, 1);
  const std::int64_t eight = sf::opencl::target_block_nnz(1 << 22, 8, gpu, 8);
  EXPECT_GE(eight, 8 * one - 8);
  EXPECT_LE(eight, 8 * one + 8);
  EXPECT_GE((std::int64_t{1} << 22) / eight * 8, 132 * sf::opencl::kBlocksPerComputeUnit - 8);
  EXPECT_EQ(sf::opencl::target_block_nnz(100, 8, gpu, 64), 8 * sf::opencl::kMinNnzPerSlot);
  // An 8x8 block on a 64-wide wavefront: a work-group of whole wavefronts.
  EXPECT_EQ(sf::opencl::bsr_shape(128, 8, 256, 64, 32768, 4).lanes * 8 % 64, 0);
  // SpMV (k = 1) on 8x8 blocks: block rows side by side fill whole 32-wide warps.
  const auto spmv = sf::opencl::bsr_shape(1, 8, 256, 32, 32768, 4);
  EXPECT_EQ(spmv.lanes, 1);
  EXPECT_EQ(spmv.groups * 8 % 32, 0);
  EXPECT_THROW(sf::opencl::bsr_shape(4, 512, 256, 32, 32768, 4), sf::unsupported);
  // A kernel limit below the SIMD width still gives a group within the limit.
  const auto small = sf::opencl::bsr_shape(64, 8, 32, 64, 32768, 4);
  EXPECT_LE(small.lanes * small.groups * 8, 32);
}

// ---------------------------------------------------------------- devices

TEST(OpenclDevices, ListAndDescribe) {
  const std::string text = sf::describe_devices();
  EXPECT_FALSE(text.empty());
  SKIP_WITHOUT_DEVICE();
  for (std::size_t i = 0; i < devices().size(); ++i) {
    const auto& d = devices()[i];
    EXPECT_EQ(d.index, static_cast<int>(i));
    EXPECT_EQ(d.backend, sf::Backend::opencl);
    EXPECT_FALSE(d.name.empty());
    EXPECT_GT(d.compute_units, 0);
    EXPECT_GT(d.max_work_group_size, 0);
    EXPECT_GT(d.simd_width, 0);
    EXPECT_NE(text.find(d.name), std::string::npos);
  }
  EXPECT_NE(text.find('*'), std::string::npos);  // the default is marked
  EXPECT_TRUE(sf::list_devices(sf::Backend::cpu).empty());
}

TEST(OpenclDevices, ChoiceByIndexAndEnvironment) {
  SKIP_WITHOUT_DEVICE();
  const auto a = random_csr<float, std::int32_t>(5, 4, 0.5, 1);
  EXPECT_THROW(sf::to_device(a, sf::Backend::opencl, static_cast<int>(devices().size())), sf::backend_unavailable);
  EXPECT_THROW(sf::to_device(a, sf::Backend::cpu), sf::backend_unavailable);
  const char* old = std::getenv("SPARSE_FORMATS_OPENCL_DEVICE");
  const std::string saved = old ? old : "";
  setenv("SPARSE_FORMATS_OPENCL_DEVICE", "no such device anywhere", 1);
  EXPECT_THROW(sf::default_device(), sf::backend_unavailable);
  setenv("SPARSE_FORMATS_OPENCL_DEVICE", "0", 1);
  EXPECT_EQ(sf::default_device().index, 0);
  setenv("SPARSE_FORMATS_OPENCL_DEVICE", devices()[0].name.substr(0, 4).c_str(), 1);
  EXPECT_EQ(sf::to_device(a).device(), 0);
  if (old)
    setenv("SPARSE_FORMATS_OPENCL_DEVICE", saved.c_str(), 1);
  else
    unsetenv("SPARSE_FORMATS_OPENCL_DEVICE");
}

TEST(OpenclDevices, WithoutADeviceEveryRequestIsBackendUnavailable) {
  if (!devices().empty()) GTEST_SKIP() << "a device exists: this checks the build or machine without one";
  const auto a = random_csr<float, std::int32_t>(5, 4, 0.5, 1);
  EXPECT_THROW(sf::to_device(a), sf::backend_unavailable);
  EXPECT_THROW(sf::default_device(), sf::backend_unavailable);
  EXPECT_THROW(sf::device_empty<float>(2, 2), sf::backend_unavailable);
  EXPECT_NE(sf::describe_devices().find("no OpenCL device"), std::string::npos);
}

TEST(OpenclDevices, HostSpmmOnOpenclPointsToDeviceMatrices) {
  const auto a = random_csr<float, std::int32_t>(3, 3, 0.5, 1);
  std::vector<float> x(3, 1.0f);
  try {
    (void)a.sparse_matmul(x, sf::Backend::opencl);
    FAIL() << "expected backend_unavailable";
  } catch (const sf::backend_unavailable& e) {
    EXPECT_NE(std::string(e.what()).find("to_device"), std::string::npos);
  }
}

// ---------------------------------------------------------------- CSR / CSC products

TEST(OpenclCsr, EdgeShapes) {
  SKIP_WITHOUT_DEVICE();
  using M = sf::CSRMatrix<float, std::int32_t>;
  check_csr(random_csr<float, std::int32_t>(1, 1, 1.0, 1), {1, 3}, sf::SpmvAlgorithm::automatic, "1x1");
  check_csr(random_csr<float, std::int32_t>(1, 300, 0.3, 2), {1, 5}, sf::SpmvAlgorithm::automatic, "1x300");
  check_csr(random_csr<float, std::int32_t>(300, 1, 0.5, 3), {1, 5}, sf::SpmvAlgorithm::automatic, "300x1");
  check_csr(M::from_coo({}, {}, {}, {40, 30}), {1, 7}, sf::SpmvAlgorithm::automatic, "all zero");
  // Zero-sized dimensions: nothing to launch, correctly shaped zero results.
  const auto empty_rows = sf::to_device(M::from_coo({}, {}, {}, {0, 6}));
  EXPECT_EQ(empty_rows.sparse_matmul(random_dense<float>(6, 3, 1).view()).rows, 0);
  const auto t = empty_rows.transpose_matmul(random_dense<float>(0, 3, 1).view());
  EXPECT_EQ(t.rows, 6);
  for (float v : t.data) EXPECT_EQ(v, 0.0f);
  const auto no_cols = sf::to_device(M::from_coo({}, {}, {}, {4, 0}));
  const auto z = no_cols.sparse_matmul(random_dense<float>(0, 2, 1).view());
  ASSERT_EQ(z.rows, 4);
  for (float v : z.data) EXPECT_EQ(v, 0.0f);
}

TEST(OpenclCsr, EverySpmvAlgorithmAboveTheWorkGroupSize) {
  SKIP_WITHOUT_DEVICE();
  // 1100 rows > any work-group; every 7th row empty; rows of ~45 entries.
  const auto a = random_csr<float, std::int32_t>(1100, 900, 0.05, 11, 7);
  for (auto alg : {sf::SpmvAlgorithm::automatic, sf::SpmvAlgorithm::scalar, sf::SpmvAlgorithm::vector,
                   sf::SpmvAlgorithm::adaptive})
    check_csr(a, {1}, alg, "1100x900 spmv " + sf::to_string(alg));
}

TEST(OpenclCsr, SkewedRowsUseTheAdaptiveKernel) {
  SKIP_WITHOUT_DEVICE();
  // Five rows of ~3000 entries among 2000 rows of ~2: one row is a hundred times the mean.
  const auto a = random_csr<float, std::int32_t>(2000, 4000, 0.0005, 12, 0, 5, 3000);
  const auto d = sf::to_device(a);
  EXPECT_NE(d.describe().find("SpMV adaptive"), std::string::npos) << d.describe();
  check_csr(a, {1, 17, 64}, sf::SpmvAlgorithm::automatic, "skewed");
  check_csr(a, {1}, sf::SpmvAlgorithm::vector, "skewed vector");
}

TEST(OpenclCsr, AVeryLongRowIsSplitAcrossWorkGroups) {
  SKIP_WITHOUT_DEVICE();
  // Row 2 holds ~24,000 of ~30,000 non-zeros: far above four times any block target on this device.
  const auto a = random_csr<float, std::int32_t>(1200, 30000, 0.0002, 71, 9, 3, 24000);
  const auto info = sf::default_device();
  std::vector<std::int64_t> indptr(a.row_ptr().begin(), a.row_ptr().end());
  for (const std::int64_t k : {1, 17}) {
    const auto shape = sf::opencl::csr_spmm_shape(k, 256, info.simd_width);
    const auto target = sf::opencl::target_block_nnz(a.nnz(), shape.slots, info, shape.tiles(k));
    EXPECT_GT(sf::opencl::long_row_chunks(indptr, target).count(), 1)
        << "the test matrix must exercise the chunked path";
  }
  check_csr(a, {1, 17, 64}, sf::SpmvAlgorithm::adaptive, "long row");
}

TEST(OpenclCsr, SpmmEdgeShapes) {
  SKIP_WITHOUT_DEVICE();
  // Rows whose length is and is not a multiple of the unrolled step (SPMM_UNROLL non-zeros per slot),
  // empty rows, a single row or column, 1..4 columns per lane with a ragged last tile.
  const std::vector<std::int64_t> batches{2, 3, 31, 32, 33, 100, 127, 128, 129, 300};
  check_csr(random_csr<float, std::int32_t>(301, 1037, 0.3, 81, 5), batches, sf::SpmvAlgorithm::automatic,
            "301x1037");
  check_csr(random_csr<float, std::int32_t>(1, 700, 0.5, 82), {2, 33}, sf::SpmvAlgorithm::automatic, "1x700");
  check_csr(random_csr<float, std::int32_t>(700, 1, 0.5, 83), {2, 33}, sf::SpmvAlgorithm::automatic, "700x1");
  check_csr(random_csr<float, std::int32_t>(130, 90, 0.02, 84, 3), {5, 64}, sf::SpmvAlgorithm::automatic, "sparse");
}

// Run by ctest with SPARSE_FORMATS_OPENCL_OPTIONS set (tests/cpp/CMakeLists.txt); skipped without it.
TEST(OpenclOptions, BuildOptionsFromTheEnvironment) {
  SKIP_WITHOUT_DEVICE();
  const char* env = std::getenv("SPARSE_FORMATS_OPENCL_OPTIONS");
  if (!env || !*env) GTEST_SKIP() << "SPARSE_FORMATS_OPENCL_OPTIONS is not set";
  const std::string options(env);
  const auto a = random_csr<float, std::int32_t>(40, 30, 0.3, 91);
  if (options.find("SPMM_UNROLL=0") != std::string::npos) {
    try {
      (void)sf::to_device(a);
      FAIL() << "an invalid SPMM_UNROLL must stop the kernels' build";
    } catch (const sf::error& e) {
      EXPECT_NE(std::string(e.what()).find("SPMM_UNROLL=0"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("must be at least 1"), std::string::npos) << e.what();
    }
  } else {
    check_csr(a, {1, 7, 64}, sf::SpmvAlgorithm::automatic, "options " + options);
  }
}

TEST(OpenclCsr, BatchesOneTo1024) {
  SKIP_WITHOUT_DEVICE();
  // The batches of the benchmark and the non-multiples around the tile widths.
  const auto a = random_csr<float, std::int32_t>(300, 260, 0.08, 13, 11);
  check_csr(a, {1, 2, 3, 4, 5, 31, 32, 33, 127, 128, 129, 1024}, sf::SpmvAlgorithm::automatic, "300x260");
  // A wide layer shape (few rows, long rows), scaled down: rows split across a work-group.
  check_csr(random_csr<float, std::int32_t>(48, 1536, 0.5, 14), {1, 32, 128}, sf::SpmvAlgorithm::automatic,
            "48x1536 dense rows");
}

TEST(OpenclCsc, BothProductsAndRoundTrip) {
  SKIP_WITHOUT_DEVICE();
  const auto csr = random_csr<float, std::int32_t>(700, 333, 0.04, 15, 5);
  const auto csc = sf::CSCMatrix<float, std::int32_t>::from_csr(csr);
  const auto d = sf::to_device(csc);
  const auto abs_a = abs_csr(csr);
  for (const std::int64_t k : {1, 9, 64}) {
    for (const bool t : {false, true}) {
      const auto x = random_dense<float>(t ? 700 : 333, k, static_cast<std::uint32_t>(k + t));
      const auto [want, scale] = reference(csr, abs_a, x, t);
      expect_close(t ? d.transpose_matmul(x.view()) : d.sparse_matmul(x.view()), want, scale,
                   std::string("CSC ") + (t ? "A^T" : "A") + " k=" + std::to_string(k));
    }
  }
  const auto one = sf::to_device(csc, sf::Backend::opencl, -1, {false, sf::SpmvAlgorithm::automatic});
  EXPECT_THROW((void)one.sparse_matmul(random_dense<float>(333, 2, 1).view()), sf::unsupported);
  EXPECT_NO_THROW((void)one.transpose_matmul(random_dense<float>(700, 2, 1).view()));  // its own orientation
  const auto back = one.to_host();
  EXPECT_EQ(back.shape(), csc.shape());
  EXPECT_TRUE(std::equal(back.values().begin(), back.values().end(), csc.values().begin(), csc.values().end()));
  EXPECT_TRUE(std::equal(back.row_indices().begin(), back.row_indices().end(), csc.row_indices().begin(),
                         csc.row_indices().end()));
  EXPECT_TRUE(std::equal(back.col_ptr().begin(), back.col_ptr().end(), csc.col_ptr().begin(), csc.col_ptr().end()));
}

TEST(OpenclCsr, RoundTripAndOneOrientation) {
  SKIP_WITHOUT_DEVICE();
  const auto a = random_csr<float, std::int32_t>(90, 70, 0.1, 16, 3);
  const auto d = sf::to_device(a, sf::Backend::opencl, -1, {false, sf::SpmvAlgorithm::automatic});
  EXPECT_FALSE(d.has_transpose_storage());
  const auto back = d.to_host();
  EXPECT_TRUE(std::equal(back.values().begin(), back.values().end(), a.values().begin(), a.values().end()));
  EXPECT_TRUE(
      std::equal(back.col_indices().begin(), back.col_indices().end(), a.col_indices().begin(), a.col_indices().end()));
  EXPECT_TRUE(std::equal(back.row_ptr().begin(), back.row_ptr().end(), a.row_ptr().begin(), a.row_ptr().end()));
  EXPECT_THROW((void)d.transpose_matmul(random_dense<float>(90, 2, 1).view()), sf::unsupported);
  EXPECT_NO_THROW((void)d.sparse_matmul(random_dense<float>(70, 2, 1).view()));
}

TEST(OpenclCsr, DeviceResidentOperandsAndStridedInput) {
  SKIP_WITHOUT_DEVICE();
  const auto a = random_csr<float, std::int32_t>(400, 250, 0.05, 17, 9);
  const auto abs_a = abs_csr(a);
  const auto d = sf::to_device(a);
  const auto x = random_dense<float>(250, 20, 18);
  const auto x_before = x.data;
  const auto dx = sf::to_device(x);
  auto dy = sf::device_empty<float>(400, 20);
  d.sparse_matmul(dx, dy);  // into an existing buffer, twice: same result
  d.sparse_matmul(dx, dy);
  const auto [want, scale] = reference(a, abs_a, x, false);
  expect_close(dy.to_host(), want, scale, "device-resident A x");
  // A^T (A x) without leaving the device.
  const auto back = d.transpose_matmul(dy);
  const auto [want_t, unused] = reference(a, abs_a, want, true);
  auto scale_t = reference(abs_a, abs_a, scale, true).first;  // |A|^T |A| |x|: the error of A x carried through
  for (auto& e : scale_t.data) e *= 2;
  expect_close(back.to_host(), want_t, scale_t, "A^T A x");
  EXPECT_EQ(x.data, x_before);  // inputs are never modified
  // A column-major operand (a transposed view of row-major memory).
  const auto xt = random_dense<float>(20, 250, 19);
  const sf::DenseView<const float> col_major{xt.data.data(), 250, 20, 1, 250};
  sf::DenseMatrix<float> x_copy(250, 20);
  for (int i = 0; i < 250; ++i)
    for (int j = 0; j < 20; ++j) x_copy(i, j) = col_major(i, j);
  const auto [want_s, scale_s] = reference(a, abs_a, x_copy, false);
  expect_close(d.sparse_matmul(col_major), want_s, scale_s, "strided x");
  // Shape errors name the shapes.
  EXPECT_THROW((void)d.sparse_matmul(random_dense<float>(251, 2, 1).view()), sf::shape_mismatch);
  EXPECT_THROW((void)d.transpose_matmul(std::vector<float>(250)), sf::shape_mismatch);
  auto wrong = sf::device_empty<float>(399, 20);
  EXPECT_THROW(d.sparse_matmul(dx, wrong), sf::shape_mismatch);
}

TEST(OpenclCsr, ProductsFromSeveralThreads) {
  SKIP_WITHOUT_DEVICE();
  const auto a = random_csr<float, std::int32_t>(300, 200, 0.05, 61, 5);
  const auto abs_a = abs_csr(a);
  const auto d = sf::to_device(a);
  const auto x = random_dense<float>(200, 9, 62);
  const auto [want, scale] = reference(a, abs_a, x, false);
  std::vector<sf::DenseMatrix<float>> results(4);
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < results.size(); ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 5; ++i) results[t] = d.sparse_matmul(x.view());
    });
  for (auto& t : threads) t.join();
  for (const auto& r : results) expect_close(r, want, scale, "threaded A x");
}

// ---------------------------------------------------------------- block-sparse

TEST(OpenclBlockSparse, NonDivisibleShapesAndBlockSizes) {
  SKIP_WITHOUT_DEVICE();
  for (const std::int64_t bs : {1, 3, 4, 8, 16, 32}) {
    const auto csr = random_csr<float, std::int32_t>(77, 53, 0.06, static_cast<std::uint32_t>(20 + bs), 4);
    const auto bsr = sf::BlockSparseMatrix<float, std::int32_t>::from_csr(csr, bs);
    const auto abs_a = abs_csr(csr);
    const auto d = sf::to_device(bsr);
    for (const std::int64_t k : {1, 5, 64, 130}) {
      for (const bool t : {false, true}) {
        const auto x = random_dense<float>(t ? 77 : 53, k, static_cast<std::uint32_t>(k * 3 + t));
        const auto [want, scale] = reference(csr, abs_a, x, t);
        expect_close(t ? d.transpose_matmul(x.view()) : d.sparse_matmul(x.view()), want, scale,
                     "BSR bs=" + std::to_string(bs) + (t ? " A^T" : " A") + " k=" + std::to_string(k));
      }
    }
    const auto back = d.to_host();
    EXPECT_EQ(back.block_size(), bs);
    EXPECT_EQ(back.nnz(), bsr.nnz());
    EXPECT_TRUE(std::equal(back.blocks().begin(), back.blocks().end(), bsr.blocks().begin(), bsr.blocks().end()));
    EXPECT_TRUE(std::equal(back.block_indices().begin(), back.block_indices().end(), bsr.block_indices().begin(),
                           bsr.block_indices().end()));
  }
}

TEST(OpenclBlockSparse, ManyBlockRowsAndEmptyMatrix) {
  SKIP_WITHOUT_DEVICE();
  const auto csr = random_csr<float, std::int32_t>(1030, 500, 0.01, 31, 6);
  const auto d = sf::to_device(sf::BlockSparseMatrix<float, std::int32_t>::from_csr(csr, 8));
  const auto x = random_dense<float>(500, 33, 32);
  const auto [want, scale] = reference(csr, abs_csr(csr), x, false);
  expect_close(d.sparse_matmul(x.view()), want, scale, "BSR 1030x500");
  const auto empty = sf::to_device(sf::BlockSparseMatrix<float, std::int32_t>::from_csr(
      sf::CSRMatrix<float, std::int32_t>::from_coo({}, {}, {}, {10, 12}), 4));
  const auto z = empty.transpose_matmul(random_dense<float>(10, 3, 1).view());
  ASSERT_EQ(z.rows, 12);
  for (float v : z.data) EXPECT_EQ(v, 0.0f);
}

// ---------------------------------------------------------------- float64 and int64 indices

TEST(OpenclFloat64, CsrAndBlockSparse) {
  SKIP_WITHOUT_DEVICE();
  if (!device_fp64()) {
    const auto a = random_csr<double, std::int32_t>(5, 5, 0.5, 1);
    EXPECT_THROW(sf::to_device(a), sf::unsupported);
    GTEST_SKIP() << "device has no cl_khr_fp64: float64 uploads throw unsupported (checked)";
  }
  const auto a = random_csr<double, std::int64_t>(600, 310, 0.04, 41, 8, 2, 250);
  check_csr(a, {1, 6, 40}, sf::SpmvAlgorithm::automatic, "float64/int64");
  check_csr(random_csr<double, std::int32_t>(300, 200, 0.05, 42), {1, 33}, sf::SpmvAlgorithm::vector, "float64/int32");
  const auto csr = random_csr<double, std::int32_t>(45, 38, 0.1, 43);
  const auto d = sf::to_device(sf::BlockSparseMatrix<double, std::int32_t>::from_csr(csr, 8));
  const auto x = random_dense<double>(45, 7, 44);
  const auto [want, scale] = reference(csr, abs_csr(csr), x, true);
  expect_close(d.transpose_matmul(x.view()), want, scale, "float64 BSR A^T");
}

TEST(OpenclInt64, FloatValuesInt64Indices) {
  SKIP_WITHOUT_DEVICE();
  check_csr(random_csr<float, std::int64_t>(520, 300, 0.03, 51, 4), {1, 16}, sf::SpmvAlgorithm::adaptive,
            "float/int64");
}
