// Products on matrices built from the input: every format, op, batch, stride, index and value
// type, shape (up to 99x99, larger with a last byte), thread count, SIMD level and blocking
// setting the input picks, one-shot and through a plan, after the conversions that built the
// matrix from A in the layout and with the threshold the input picks (each must give back what
// the threshold keeps of A, bit for bit). Values are multiples of 1/4 in [-2, 2], with up to
// three entries of A NaN or +-Inf, so every sum is exact in float whatever its order: each result
// must equal the float64 product of the dense matrices bit for bit (NaN where that is NaN), x
// must come back unchanged and the padding between y's rows untouched. Threads are used from the
// smallest product (SPARSE_FORMATS_MIN_PARALLEL_WORK=0), so the threaded splits meet the edge
// shapes too.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <vector>

#include "sparse_formats/sparse_formats.hpp"

namespace sf = sparse_formats;

namespace {

struct Input {
  const std::uint8_t* p;
  std::size_t n;
  std::uint8_t byte() {
    if (n == 0) return 0;
    --n;
    return *p++;
  }
};

// Values and patterns come from a small generator seeded by the input, so a short input still
// describes a large matrix.
struct Rng {
  std::uint64_t s;
  std::uint32_t next() {
    s = s * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<std::uint32_t>(s >> 33);
  }
};

[[noreturn]] void fail(const char* what, long long i, long long j, double got, double want) {
  std::fprintf(stderr, "%s at (%lld, %lld): got %.17g, want %.17g\n", what, i, j, got, want);
  std::abort();
}

constexpr std::int64_t kBatches[] = {0, 1, 1, 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 128, 129, 140};
constexpr std::int64_t kBlockSizes[] = {1, 2, 3, 4, 5, 8, 16};

template <typename V, typename I>
void check(Input& in) {
  const std::uint8_t how = in.byte();
  const int format = how % 3;  // CSR, CSC, block-sparse
  const sf::Transpose op = (how >> 2) & 1 ? sf::Transpose::yes : sf::Transpose::no;
  const bool plan = (how >> 3) & 1;
  const bool fortran_x = (how >> 4) & 1, fortran_y = (how >> 5) & 1;
  std::int64_t rows = in.byte() % 100, cols = in.byte() % 100;
  const std::int64_t k = kBatches[in.byte() % std::size(kBatches)];
  double density = in.byte() / 255.0;
  const std::uint8_t specials = in.byte();  // entries of A set to NaN or +-Inf: up to 3
  const std::int64_t pad_x = in.byte() % 4, pad_y = in.byte() % 4;
  const std::int64_t block = kBlockSizes[in.byte() % std::size(kBlockSizes)];

  const std::uint8_t settings = in.byte();
  sf::set_num_threads(1 + settings % 4);
  const auto levels = sf::available_simd_levels();
  sf::set_simd_level(levels[(settings >> 2) % levels.size()]);
  const std::int64_t panel_choices[] = {0, -1, 1, 2, 3, 8};
  sf::set_panel_columns(panel_choices[in.byte() % std::size(panel_choices)]);
  const std::int64_t group_choices[] = {0, -1, 1, 3, 16, 17};
  sf::set_batch_columns(group_choices[in.byte() % std::size(group_choices)]);
  const int tile_choices[] = {0, -1, 1, 2, 4};
  sf::set_spmv_tiles(tile_choices[in.byte() % std::size(tile_choices)]);
  const int slice_choices[] = {0, 1, -1};
  sf::set_spmv_slices(slice_choices[in.byte() % std::size(slice_choices)]);

  // how A reaches the conversions: row-major or Fortran order with padding, and the threshold
  // of from_dense (|v| <= t dropped, NaN kept)
  const std::uint8_t layout = in.byte();
  const double thresholds[] = {0.0, 0.25, 0.5};
  const double threshold = thresholds[layout % 3];
  const std::int64_t pad_a = (layout >> 2) % 4;
  const bool fortran_a = (layout >> 4) & 1;

  Rng rng{0x9E3779B97F4A7C15ULL};
  for (int b = 0; b < 8; ++b) rng.s = rng.s * 257 + in.byte();
  // Larger shapes, read last so that shorter inputs keep their meaning: up to 693 x 693 with at
  // most ~20K non-zeros (the panels' chunks of 512 rows, sampled column splits), or one side up
  // to 9901 and the other up to 4 (the column split's buckets past 4096 columns).
  const std::uint8_t size = in.byte();
  if (size % 4 == 2) {
    rows *= 7;
    cols *= 7;
  } else if (size % 4 == 3) {
    const std::int64_t side = rows * 100 + 1, other = cols % 5;
    rows = (size >> 2) & 1 ? side : other;
    cols = (size >> 2) & 1 ? other : side;
  }
  if (rows * cols > 0) density = std::min(density, 20000.0 / static_cast<double>(rows * cols));
  auto value = [&] { return static_cast<V>(static_cast<int>(rng.next() % 17) - 8) / V(4); };

  // A, dense: a whole row empty now and then (empty columns come with low densities)
  std::vector<V> dense(static_cast<std::size_t>(rows * cols), V(0));
  const std::uint32_t cut = static_cast<std::uint32_t>(density * 4294967295.0);
  for (std::int64_t i = 0; i < rows; ++i) {
    if (rng.next() % 8 == 0) continue;
    for (std::int64_t j = 0; j < cols; ++j)
      if ((rng.next() << 1) < cut) dense[i * cols + j] = value();
  }
  if (rows * cols > 0)
    for (int s = 0; s < specials % 4; ++s) {
      const V special[] = {std::numeric_limits<V>::quiet_NaN(), std::numeric_limits<V>::infinity(),
                           -std::numeric_limits<V>::infinity()};
      dense[rng.next() % (rows * cols)] = special[(specials >> (2 + s)) % 3];
    }
  // A, x and y in buffers of exactly their extent, so that a read or write past them is a sanitizer
  // report; what lies between rows (or columns) is NaN
  auto view_of = [](std::vector<V>& buf, std::int64_t r, std::int64_t c, std::int64_t pad, bool fortran) {
    sf::DenseView<V> v{nullptr, r, c, fortran ? 1 : c + pad, fortran ? r + pad : 1};
    const std::int64_t extent = r == 0 || c == 0 ? 0 : (r - 1) * v.row_stride + (c - 1) * v.col_stride + 1;
    buf.assign(static_cast<std::size_t>(extent), std::numeric_limits<V>::quiet_NaN());
    v.data = buf.data();
    return v;
  };
  // A in the chosen layout, then `dense` becomes what the conversions keep of it
  auto laid_out = [&](const std::vector<V>& d, std::vector<V>& buf) {
    const sf::DenseView<V> v = view_of(buf, rows, cols, pad_a, fortran_a);
    for (std::int64_t i = 0; i < rows; ++i)
      for (std::int64_t j = 0; j < cols; ++j) v(i, j) = d[i * cols + j];
    return sf::DenseView<const V>(v);
  };
  std::vector<V> source_buf, kept_buf;
  const sf::DenseView<const V> source = laid_out(dense, source_buf);
  for (V& v : dense)
    if (std::fabs(v) <= threshold) v = V(0);
  const sf::DenseView<const V> kept = laid_out(dense, kept_buf);
  const std::vector<V> source_before = source_buf, kept_before = kept_buf;

  // op(A) is out_rows x inner; x is inner x k, y out_rows x k
  const bool t = op == sf::Transpose::yes;  // (shapes are final from here on)
  const std::int64_t out_rows = t ? cols : rows, inner = t ? rows : cols;
  std::vector<V> xbuf, ybuf;
  const sf::DenseView<V> x = view_of(xbuf, inner, k, pad_x, fortran_x);
  for (std::int64_t i = 0; i < inner; ++i)
    for (std::int64_t c = 0; c < k; ++c) x(i, c) = value();
  const std::vector<V> x_before = xbuf;
  sf::DenseView<V> y = view_of(ybuf, out_rows, k, pad_y, fortran_y);

  // float64 op(A) x over the dense A (NaN and Inf propagate as in any summation order)
  std::vector<double> want(static_cast<std::size_t>(out_rows * k), 0.0);
  for (std::int64_t i = 0; i < rows; ++i)
    for (std::int64_t j = 0; j < cols; ++j) {
      const double a = dense[i * cols + j];
      if (a == 0) continue;
      const std::int64_t r = t ? j : i, q = t ? i : j;
      for (std::int64_t c = 0; c < k; ++c) want[r * k + c] += a * static_cast<double>(x(q, c));
    }

  std::vector<bool> inside(ybuf.size(), false);  // y's elements, not its padding
  for (std::int64_t i = 0; i < out_rows; ++i)
    for (std::int64_t c = 0; c < k; ++c) inside[i * y.row_stride + c * y.col_stride] = true;
  auto expect = [&](const char* what) {
    for (std::int64_t i = 0; i < out_rows; ++i)
      for (std::int64_t c = 0; c < k; ++c) {
        const double got = y(i, c), w = want[i * k + c];
        if (std::isnan(w) ? !std::isnan(got) : got != w) fail(what, i, c, got, w);
      }
    // the padding between y's rows (or columns) keeps what was there
    for (std::size_t p = 0; p < ybuf.size(); ++p)
      if (!inside[p] && !std::isnan(ybuf[p])) fail("padding of y written", static_cast<long long>(p), 0, ybuf[p], NAN);
    if (!xbuf.empty() && std::memcmp(xbuf.data(), x_before.data(), xbuf.size() * sizeof(V)) != 0)
      fail("x changed", 0, 0, 0, 0);
  };
  auto run = [&](const auto& a) {
    const sf::DenseView<const V> xc = x;
    sf::spmm(a, xc, y, op, sf::Backend::cpu);
    expect("spmm");
    std::fill(ybuf.begin(), ybuf.end(), std::numeric_limits<V>::quiet_NaN());
    sf::spmm(a, xc, y, op, sf::Backend::reference);
    expect("reference spmm");
    if (plan) {
      std::fill(ybuf.begin(), ybuf.end(), std::numeric_limits<V>::quiet_NaN());
      const sf::SpmmPlan<V, I> p(a, k, op, sf::Backend::cpu);
      p.run(xc, y);
      expect("SpmmPlan::run");
    }
  };
  // conversions on the way: every one gives back A bit for bit (NaN and Inf included)
  auto same_as_a = [&](const auto& m, const char* what) {
    const sf::DenseMatrix<V> back = m.to_dense();
    if (back.rows != rows || back.cols != cols ||
        (!dense.empty() && std::memcmp(back.data.data(), dense.data(), dense.size() * sizeof(V)) != 0))
      fail(what, rows, cols, 0, 0);
  };
  if (format == 0) {
    const auto a = sf::CSRMatrix<V, I>::from_dense(source, threshold);
    same_as_a(a, "CSR from dense");
    same_as_a(sf::CSCMatrix<V, I>::from_csr(a), "CSC from CSR");
    run(a);
  } else if (format == 1) {
    const auto a = sf::CSCMatrix<V, I>::from_dense(source, threshold);
    same_as_a(a, "CSC from dense");
    same_as_a(sf::CSRMatrix<V, I>::from_csc(a), "CSR from CSC");
    run(a);
  } else {
    // a block density threshold of 0 keeps every block that holds a non-zero: lossless
    const auto a = sf::BlockSparseMatrix<V, I>::from_dense(kept, block, 0.0);
    same_as_a(a, "block-sparse from dense");
    same_as_a(sf::BlockSparseMatrix<V, I>::from_csc(sf::CSCMatrix<V, I>::from_dense(source, threshold), block),
              "block-sparse from CSC");
    run(a);
  }
  // the conversions left their inputs as they were
  auto unchanged = [](const std::vector<V>& now, const std::vector<V>& before) {
    return now.empty() || std::memcmp(now.data(), before.data(), now.size() * sizeof(V)) == 0;
  };
  if (!unchanged(source_buf, source_before) || !unchanged(kept_buf, kept_before)) fail("dense input changed", 0, 0, 0, 0);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  setenv("SPARSE_FORMATS_MIN_PARALLEL_WORK", "0", 1);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Input in{data, size};
  switch (in.byte() % 4) {
    case 0: check<float, std::int32_t>(in); break;
    case 1: check<float, std::int64_t>(in); break;
    case 2: check<double, std::int32_t>(in); break;
    default: check<double, std::int64_t>(in); break;
  }
  return 0;
}
