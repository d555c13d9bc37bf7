// Building and running the tiled copy (tiled.hpp). Both passes of the build and the product run
// one band per thread: bands own disjoint tiles and disjoint rows of y.
#include "kernels/cpu/tiled.hpp"

#include <algorithm>
#include <bit>

#include "instantiate.hpp"
#include "kernels/cpu/row_kernels.hpp"
#include "kernels/cpu/threads.hpp"
#include "sparse_formats/config.hpp"

namespace sparse_formats::kernels::cpu {

namespace {

// A tile's slice of x (kept in L2 while a thread sweeps its band) and of y (in L1). On the 2M x 2M
// graphs these ran faster than the earlier shape (64 KiB of x by 512 KiB of y, block rows taken
// one at a time), whose stores into y missed L1 (docs/performance.md).
constexpr std::int64_t kTileXBytes = std::int64_t{256} << 10;
constexpr std::int64_t kTileYBytes = std::int64_t{16} << 10;
// Automatic tiling needs x of at least this size, and each block row to reach more of x than L2
// holds (a banded matrix does not: the plain kernel already finds its x in cache).
constexpr std::int64_t kMinXBytes = std::int64_t{4} << 20;
// More tiles than this (mostly empty ones) cost more to walk than blocking saves.
constexpr std::int64_t kMaxTiles = std::int64_t{1} << 24;

int log2_of(std::int64_t v) { return std::bit_width(static_cast<std::uint64_t>(v)) - 1; }

// Where tile (rb, cb) of the band [r0, r1) of row blocks starts in tile_ptr.
inline std::int64_t tile_slot(std::int64_t rb, std::int64_t cb, std::int64_t r0, std::int64_t r1,
                              std::int64_t col_blocks) {
  return r0 * col_blocks + cb * (r1 - r0) + (rb - r0);
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
    t.row_bits = std::min(forced + 4, 32 - forced);
  } else {
    t.col_bits = log2_of(kTileXBytes / static_cast<std::int64_t>(sizeof(V)));
    t.row_bits = log2_of(kTileYBytes / static_cast<std::int64_t>(sizeof(V)));
  }
  t.row_blocks = ((a.rows - 1) >> t.row_bits) + 1;
  t.col_blocks = ((a.cols - 1) >> t.col_bits) + 1;
  if (t.row_blocks > kMaxTiles / t.col_blocks) return std::nullopt;
  const std::int64_t nb = t.col_blocks;
  auto row_of = [&](std::int64_t rb) { return std::min(a.rows, rb << t.row_bits); };
  // Bands of equal non-zeros, whole row blocks each (a skewed matrix gets bands of unequal rows).
  t.band_start = balanced_split(t.row_blocks, t.threads,
                                [&](std::int64_t rb) { return static_cast<std::int64_t>(a.indptr[row_of(rb)]); });
  t.tile_ptr.assign(static_cast<std::size_t>(t.row_blocks * nb + 1), 0);
  std::int64_t* tp = t.tile_ptr.data();
  run_parts(t.threads, [&](int b) {
    const std::int64_t b0 = t.band_start[b], b1 = t.band_start[b + 1];
    for (std::int64_t rb = b0; rb < b1; ++rb)
      for (std::int64_t p = a.indptr[row_of(rb)]; p < static_cast<std::int64_t>(a.indptr[row_of(rb + 1)]); ++p)
        ++tp[1 + tile_slot(rb, static_cast<std::int64_t>(a.indices[p]) >> t.col_bits, b0, b1, nb)];
  });
  if (forced == 0) {
    const std::int64_t touched = std::count_if(tp + 1, tp + t.tile_ptr.size(), [](std::int64_t c) { return c > 0; });
    const double x_per_block_row = static_cast<double>(touched) / static_cast<double>(t.row_blocks) *
                                   static_cast<double>(kTileXBytes);
    if (x_per_block_row <= static_cast<double>(l2_cache_bytes())) return std::nullopt;
  }
  for (std::size_t i = 1; i < t.tile_ptr.size(); ++i) tp[i] += tp[i - 1];
  t.index = RawArray<std::uint32_t>(static_cast<std::size_t>(nnz));
  t.values = RawArray<V>(static_cast<std::size_t>(nnz));
  std::uint32_t* index = t.index.data;
  V* values = t.values.data;
  const std::int64_t row_mask = (std::int64_t{1} << t.row_bits) - 1, col_mask = (std::int64_t{1} << t.col_bits) - 1;
  run_parts(t.threads, [&](int b) {
    const std::int64_t b0 = t.band_start[b], b1 = t.band_start[b + 1];
    std::vector<std::int64_t> cursor(tp + b0 * nb, tp + b1 * nb);  // the band's slots, from its first
    for (std::int64_t i = row_of(b0); i < row_of(b1); ++i) {
      const std::int64_t rb = i >> t.row_bits;
      const auto local_row = static_cast<std::uint32_t>(i & row_mask) << t.col_bits;
      for (std::int64_t p = a.indptr[i]; p < static_cast<std::int64_t>(a.indptr[i + 1]); ++p) {
        const std::int64_t c = a.indices[p];
        const std::int64_t q = cursor[static_cast<std::size_t>(tile_slot(rb, c >> t.col_bits, b0, b1, nb) - b0 * nb)]++;
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
  run_parts(t.threads, [&](int b) {
    const std::int64_t b0 = t.band_start[b], b1 = t.band_start[b + 1];
    const std::int64_t r0 = std::min(t.rows, b0 << t.row_bits), r1 = std::min(t.rows, b1 << t.row_bits);
    std::fill(out + r0, out + r1, V(0));
    for (std::int64_t cb = 0; cb < nb; ++cb) {
      for (std::int64_t rb = b0; rb < b1; ++rb) {
        const std::int64_t slot = tile_slot(rb, cb, b0, b1, nb);
        const std::int64_t begin = t.tile_ptr[slot], end = t.tile_ptr[slot + 1];
        if (begin < end)
          kernel(t.index.data + begin, t.values.data + begin, end - begin, t.col_bits, x + (cb << t.col_bits),
                 out + (rb << t.row_bits));
      }
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
