// A cache-blocked copy of a matrix for products with one vector whose x outgrows the caches, as
// in graphs: there the row-wise SpMV waits on a cache miss for nearly every non-zero (x[col] is a
// random read from a vector of many megabytes). The copy stores the matrix as tiles of
// 2^row_bits rows x 2^col_bits columns, each tile's entries in row order with both local indices
// packed in one uint32 (8 bytes per non-zero, as CSR). A thread takes one block row of tiles at a
// time: its slice of y (1 MiB) stays in L2 and each tile's slice of x (64 KiB) in L1/L2, so the
// caches take the random accesses and memory sees streams. librsb's recursive blocks do the same.
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
  std::vector<std::int64_t> tile_ptr;  // [row_blocks * col_blocks + 1]; tile (rb, cb) at rb * col_blocks + cb
  RawArray<std::uint32_t> index{0};    // (row mod 2^row_bits) << col_bits | (col mod 2^col_bits)
  RawArray<V> values{0};
  int threads = 1;                     // threads of the product, fixed when the copy is made
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
