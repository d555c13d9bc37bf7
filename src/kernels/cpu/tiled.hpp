// A cache-blocked copy of a matrix for products with one vector whose x outgrows the caches, as
// in graphs: there the row-wise SpMV waits on a cache miss for nearly every non-zero (x[col] is a
// random read from a vector of many megabytes). The copy stores the matrix as tiles of
// 2^row_bits rows x 2^col_bits columns, each tile's entries in row order with both local indices
// packed in one uint32 (8 bytes per non-zero, as CSR). The rows are split into one band per
// thread (equal non-zeros); a thread sweeps its band one column of tiles at a time, so each
// tile's slice of x (256 KiB) stays in L2 for the whole band while its slice of y (16 KiB) sits
// in L1: the random loads go to L2, the stores to L1, and memory sees streams. librsb's recursive
// blocks do the same.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "kernels/cpu/memory.hpp"
#include "kernels/kernels.hpp"

namespace sparse_formats::kernels::cpu {

template <typename V>
struct TiledMatrix {
  std::int64_t rows = 0, cols = 0;
  int row_bits = 0, col_bits = 0;
  std::int64_t row_blocks = 0, col_blocks = 0;
  // band_start[b]..band_start[b + 1]: the row blocks of band b, one band per thread
  std::vector<std::int64_t> band_start;
  // [row_blocks * col_blocks + 1]: bands in order; within a band, its tiles column by column
  // (tile (rb, cb) of the band starting at r0 of length n at r0 * col_blocks + cb * n + rb - r0)
  std::vector<std::int64_t> tile_ptr;
  RawArray<std::uint32_t> index{0};    // (row mod 2^row_bits) << col_bits | (col mod 2^col_bits)
  RawArray<V> values{0};
  int threads = 1;                     // threads of the product (= bands), fixed when the copy is made
};

// Whether make_tiled may tile a matrix with `cols` columns (checks nothing else): lets a caller
// skip building the CSR arrays make_tiled would read.
template <typename V>
bool may_tile(std::int64_t cols);

// The tiled copy of `a` where it pays (see set_spmv_tiles in config.hpp), else nullopt. Entries of
// a row keep their order, so each output sums its terms in the order of `a`'s row.
template <typename V, typename I>
std::optional<TiledMatrix<V>> make_tiled(const CsrView<V, I>& a);

// y = A x, x[cols] and y[rows] with any element strides.
template <typename V>
void tiled_spmv(const TiledMatrix<V>& t, const V* x, std::int64_t ldx, V* y, std::int64_t ldy);

}  // namespace sparse_formats::kernels::cpu
