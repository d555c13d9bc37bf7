// Building and running the sliced copy (sliced.hpp). Every row is one lane of one slice, so the
// result does not depend on the thread count.
#include "kernels/cpu/sliced.hpp"

#include <algorithm>
#include <limits>
#include <numeric>

#include "instantiate.hpp"
#include "kernels/cpu/threads.hpp"
#include "sparse_formats/config.hpp"

namespace sparse_formats::kernels::cpu {

namespace {

// Rows sorted by length together: the slices of a window write their outputs in an order of
// their own, and 4096 rows of y (16 KiB of float) take those writes in L1.
constexpr std::int64_t kSortWindow = 4096;
static_assert(kSortWindow % kSliceRows == 0, "a slice never straddles two windows");
// Automatic slicing needs rows of at most this mean length. Measured against the row-wise kernel
// with 16-bit indices (docs/performance.md): 1.1-2.7x faster up to ~300 entries per row (pruned
// layers at 70-99%), even to 0.84x slower from ~400 (4096x4096 at 50-90%, 768x3072 at 50%).
constexpr std::int64_t kMaxMeanRowLength = 320;
// Nor may padding (lanes idle while the longest row of their slice goes on) exceed this share of
// the non-zeros: a masked lane costs its gather slot all the same.
constexpr double kMaxPadding = 0.25;

}  // namespace

bool may_slice(std::int64_t rows, std::int64_t cols, std::int64_t nnz) {
  const int mode = spmv_slices();
  constexpr std::int64_t kMaxLane = std::numeric_limits<std::int32_t>::max();  // lanes hold int32 rows and columns
  if (mode < 0 || nnz == 0 || rows > kMaxLane || cols > kMaxLane) return false;
  // The baseline level has no gathers: its scalar lanes ran 0.74-0.88x the row-wise kernel.
  return mode > 0 || (nnz <= kMaxMeanRowLength * rows && simd_level() != SimdLevel::baseline);
}

template <typename V, typename I>
std::optional<SlicedMatrix<V>> make_sliced(const CsrView<V, I>& a) {
  const int mode = spmv_slices();
  const std::int64_t nnz = a.rows > 0 ? static_cast<std::int64_t>(a.indptr[a.rows]) : 0;
  if (!may_slice(a.rows, a.cols, nnz)) return std::nullopt;
  const auto length_of = [&](std::int64_t i) {
    return static_cast<std::int32_t>(static_cast<std::int64_t>(a.indptr[i + 1]) - static_cast<std::int64_t>(a.indptr[i]));
  };
  SlicedMatrix<V> s;
  s.rows = a.rows;
  s.cols = a.cols;
  s.slices = (a.rows + kSliceRows - 1) / kSliceRows;
  const std::int64_t lanes = s.slices * kSliceRows;
  // Longest first within each window; equal lengths keep their order.
  std::vector<std::int32_t> order(static_cast<std::size_t>(a.rows));
  std::iota(order.begin(), order.end(), 0);
  for (std::int64_t w0 = 0; w0 < a.rows; w0 += kSortWindow)
    std::stable_sort(order.begin() + w0, order.begin() + std::min(a.rows, w0 + kSortWindow),
                     [&](std::int32_t p, std::int32_t q) { return length_of(p) > length_of(q); });
  s.row = RawArray<std::int32_t>(static_cast<std::size_t>(lanes));
  s.length = RawArray<std::int32_t>(static_cast<std::size_t>(lanes));
  s.slice_ptr.assign(static_cast<std::size_t>(s.slices + 1), 0);
  for (std::int64_t sl = 0; sl < s.slices; ++sl) {
    std::int64_t width = 0;
    for (std::int64_t l = sl * kSliceRows; l < (sl + 1) * kSliceRows; ++l) {
      const bool real = l < a.rows;
      s.row.data[l] = real ? order[l] : -1;
      s.length.data[l] = real ? length_of(order[l]) : 0;
      width = std::max<std::int64_t>(width, s.length.data[l]);
    }
    s.slice_ptr[sl + 1] = s.slice_ptr[sl] + width * kSliceRows;
  }
  const std::int64_t entries = s.slice_ptr.back();
  if (mode == 0 && static_cast<double>(entries - nnz) > kMaxPadding * static_cast<double>(nnz)) return std::nullopt;
  // Forced slicing still refuses a copy that padding would blow up (long rows scattered over many
  // slices): at most 8 entries per non-zero beyond the first 2^20.
  if (entries > 8 * nnz + (std::int64_t{1} << 20)) return std::nullopt;
  const bool narrow = a.cols <= 65536;
  if (narrow) s.index16 = RawArray<std::uint16_t>(static_cast<std::size_t>(entries));
  else s.index32 = RawArray<std::int32_t>(static_cast<std::size_t>(entries));
  s.values = RawArray<V>(static_cast<std::size_t>(entries));
  s.threads = threads_for(product_work(nnz, a.rows, 1));
  auto fill = [&](std::int64_t sl) {
    const std::int64_t b = s.slice_ptr[sl], width = (s.slice_ptr[sl + 1] - b) / kSliceRows;
    for (int l = 0; l < kSliceRows; ++l) {
      const std::int64_t lane = sl * kSliceRows + l, n = s.length.data[lane];
      const std::int64_t p0 = n > 0 ? static_cast<std::int64_t>(a.indptr[s.row.data[lane]]) : 0;
      for (std::int64_t j = 0; j < width; ++j) {
        const std::int64_t q = b + j * kSliceRows + l;
        const std::int64_t c = j < n ? static_cast<std::int64_t>(a.indices[p0 + j]) : 0;  // padding: column 0, value 0
        if (narrow) s.index16.data[q] = static_cast<std::uint16_t>(c);
        else s.index32.data[q] = static_cast<std::int32_t>(c);
        s.values.data[q] = j < n ? a.data[p0 + j] : V(0);
      }
    }
  };
#pragma omp parallel for num_threads(s.threads) schedule(static) if (s.threads > 1)
  for (std::int64_t sl = 0; sl < s.slices; ++sl) fill(sl);
  // Threads take runs of slices holding about equal entries (padding included: it costs as much).
  s.bounds.assign(static_cast<std::size_t>(s.threads + 1), s.slices);
  s.bounds[0] = 0;
  for (int t = 1; t < s.threads; ++t) {
    const std::int64_t target = entries / s.threads * t;
    s.bounds[t] = std::lower_bound(s.slice_ptr.begin(), s.slice_ptr.end(), target) - s.slice_ptr.begin();
    s.bounds[t] = std::clamp(s.bounds[t], s.bounds[t - 1], s.slices);
  }
  return s;
}

template <typename V>
void sliced_spmv(const SlicedMatrix<V>& s, const V* x, std::int64_t ldx, V* y, std::int64_t ldy) {
  // The gathers index x directly: another stride goes through a contiguous copy.
  std::vector<V> x_copy;
  x = unit_stride(x, s.cols, ldx, x_copy);
  const auto kernel = row_kernels<V, std::int32_t>().sliced_rows;
  const SlicedView<V> v = s.view();
  if (s.threads <= 1) return kernel(v, x, y, ldy, 0, s.slices);
  run_parts(s.threads, [&](int t) { kernel(v, x, y, ldy, s.bounds[t], s.bounds[t + 1]); });
}

#define INSTANTIATE(V, I) template std::optional<SlicedMatrix<V>> make_sliced<V, I>(const CsrView<V, I>&);
SPARSE_FORMATS_FOR_EACH_TYPE(INSTANTIATE)
#undef INSTANTIATE
template void sliced_spmv<float>(const SlicedMatrix<float>&, const float*, std::int64_t, float*, std::int64_t);
template void sliced_spmv<double>(const SlicedMatrix<double>&, const double*, std::int64_t, double*, std::int64_t);

}  // namespace sparse_formats::kernels::cpu
