// Building and running the tiled copy (tiled.hpp). Both passes of the build and the product run
// one block row of tiles per task: block rows own disjoint tiles and disjoint rows of y.
#include "kernels/cpu/tiled.hpp"

#include <algorithm>
#include <bit>

#include "instantiate.hpp"
#include "kernels/cpu/row_kernels.hpp"
#include "kernels/cpu/threads.hpp"
#include "sparse_formats/config.hpp"

namespace sparse_formats::kernels::cpu {

namespace {

// A tile's slice of x and a block row's slice of y: on the 2M x 2M graphs this runs 3.8-4.1x
// faster than the row-wise SpMV (docs/performance.md); other shapes tried were no faster.
constexpr std::int64_t kTileXBytes = std::int64_t{64} << 10;
constexpr int kRowsPerColumnBits = 4;  // block rows 16x taller than tiles are wide: 1 MiB of y
// Automatic tiling needs x of at least this size, and each block row to reach more of x than L2
// holds (a banded matrix does not: the plain kernel already finds its x in cache).
constexpr std::int64_t kMinXBytes = std::int64_t{4} << 20;
constexpr std::int64_t kL2Bytes = std::int64_t{2} << 20;
// More tiles than this (mostly empty ones) cost more to walk than blocking saves.
constexpr std::int64_t kMaxTiles = std::int64_t{1} << 24;

template <typename Body>
void for_each_block_row(std::int64_t blocks, int threads, Body&& body) {
  if (threads <= 1) {
    for (std::int64_t rb = 0; rb < blocks; ++rb) body(rb);
    return;
  }
  // Dynamic: block rows of a skewed matrix differ in work; each is still done by one thread.
#pragma omp parallel for num_threads(threads) schedule(dynamic, 1)
  for (std::int64_t rb = 0; rb < blocks; ++rb) body(rb);
}

}  // namespace

template <typename V>
bool may_tile(std::int64_t cols) {
  const int forced = spmv_tiles();
  return forced > 0 || (forced == 0 && cols * static_cast<std::int64_t>(sizeof(V)) >= kMinXBytes);
}

template <typename V, typename I>
std::optional<TiledMatrix<V>> make_tiled(const CsrView<V, I>& a) {
  const int forced = spmv_tiles();
  const std::int64_t nnz = a.rows > 0 ? static_cast<std::int64_t>(a.indptr[a.rows]) : 0;
  if (!may_tile<V>(a.cols) || a.rows == 0 || nnz == 0) return std::nullopt;
  TiledMatrix<V> t;
  t.rows = a.rows;
  t.cols = a.cols;
  t.threads = threads_for(product_work(nnz, a.rows, 1));
  if (forced > 0) {
    t.col_bits = forced;
    t.row_bits = std::min(forced + kRowsPerColumnBits, 32 - forced);
  } else {
    t.col_bits = std::bit_width(static_cast<std::uint64_t>(kTileXBytes / sizeof(V))) - 1;
    t.row_bits = t.col_bits + kRowsPerColumnBits;
    // at least 4 block rows per thread, for the balance of the dynamic schedule
    while (t.row_bits > t.col_bits && (a.rows >> t.row_bits) < 4 * t.threads) --t.row_bits;
  }
  t.row_blocks = ((a.rows - 1) >> t.row_bits) + 1;
  t.col_blocks = ((a.cols - 1) >> t.col_bits) + 1;
  if (t.row_blocks > kMaxTiles / t.col_blocks) return std::nullopt;
  const std::int64_t nb = t.col_blocks;
  t.tile_ptr.assign(static_cast<std::size_t>(t.row_blocks * nb + 1), 0);
  std::int64_t* tp = t.tile_ptr.data();
  auto rows_of = [&](std::int64_t rb) {
    return std::pair{rb << t.row_bits, std::min(a.rows, (rb + 1) << t.row_bits)};
  };
  for_each_block_row(t.row_blocks, t.threads, [&](std::int64_t rb) {
    std::int64_t* count = tp + rb * nb + 1;
    const auto [r0, r1] = rows_of(rb);
    for (std::int64_t p = a.indptr[r0]; p < static_cast<std::int64_t>(a.indptr[r1]); ++p)
      ++count[static_cast<std::int64_t>(a.indices[p]) >> t.col_bits];
  });
  if (forced == 0) {
    const std::int64_t touched = std::count_if(tp + 1, tp + t.tile_ptr.size(), [](std::int64_t c) { return c > 0; });
    const double x_per_block_row = static_cast<double>(touched) / static_cast<double>(t.row_blocks) *
                                   static_cast<double>(kTileXBytes);
    if (x_per_block_row <= static_cast<double>(kL2Bytes)) return std::nullopt;
  }
  for (std::size_t i = 1; i < t.tile_ptr.size(); ++i) tp[i] += tp[i - 1];
  t.index = RawArray<std::uint32_t>(static_cast<std::size_t>(nnz));
  t.values = RawArray<V>(static_cast<std::size_t>(nnz));
  std::uint32_t* index = t.index.data;
  V* values = t.values.data;
  const std::int64_t row_mask = (std::int64_t{1} << t.row_bits) - 1, col_mask = (std::int64_t{1} << t.col_bits) - 1;
  for_each_block_row(t.row_blocks, t.threads, [&](std::int64_t rb) {
    std::vector<std::int64_t> cursor(tp + rb * nb, tp + (rb + 1) * nb);
    const auto [r0, r1] = rows_of(rb);
    for (std::int64_t i = r0; i < r1; ++i) {
      const auto local_row = static_cast<std::uint32_t>(i & row_mask) << t.col_bits;
      for (std::int64_t p = a.indptr[i]; p < static_cast<std::int64_t>(a.indptr[i + 1]); ++p) {
        const std::int64_t c = a.indices[p];
        const std::int64_t q = cursor[static_cast<std::size_t>(c >> t.col_bits)]++;
        index[q] = local_row | static_cast<std::uint32_t>(c & col_mask);
        values[q] = a.data[p];
      }
    }
  });
  return t;
}

template <typename V>
void tiled_spmv(const TiledMatrix<V>& t, const V* x, std::int64_t ldx, V* y, std::int64_t ldy) {
  // The tiles index x and y directly: other strides go through contiguous copies.
  std::vector<V> x_copy, y_copy;
  x = unit_stride(x, t.cols, ldx, x_copy);
  V* out = y;
  if (ldy != 1) {
    y_copy.resize(static_cast<std::size_t>(t.rows));
    out = y_copy.data();
  }
  const auto kernel = row_kernels<V, std::int32_t>().tile_entries;
  const std::int64_t nb = t.col_blocks;
  for_each_block_row(t.row_blocks, t.threads, [&](std::int64_t rb) {
    const std::int64_t r0 = rb << t.row_bits, r1 = std::min(t.rows, (rb + 1) << t.row_bits);
    std::fill(out + r0, out + r1, V(0));
    for (std::int64_t cb = 0; cb < nb; ++cb) {
      const std::int64_t b = t.tile_ptr[rb * nb + cb], e = t.tile_ptr[rb * nb + cb + 1];
      if (b < e) kernel(t.index.data + b, t.values.data + b, e - b, t.col_bits, x + (cb << t.col_bits), out + r0);
    }
  });
  if (ldy != 1)
    for (std::int64_t i = 0; i < t.rows; ++i) y[i * ldy] = y_copy[i];
}

#define INSTANTIATE(V, I) template std::optional<TiledMatrix<V>> make_tiled<V, I>(const CsrView<V, I>&);
SPARSE_FORMATS_FOR_EACH_TYPE(INSTANTIATE)
#undef INSTANTIATE
template bool may_tile<float>(std::int64_t);
template bool may_tile<double>(std::int64_t);
template void tiled_spmv<float>(const TiledMatrix<float>&, const float*, std::int64_t, float*, std::int64_t);
template void tiled_spmv<double>(const TiledMatrix<double>&, const double*, std::int64_t, double*, std::int64_t);

}  // namespace sparse_formats::kernels::cpu
