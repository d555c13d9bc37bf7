// The single-thread inner loops of the CPU kernels, compiled once per instruction set
// (row_kernels_{baseline,avx2,avx512}.cpp) and picked at run time through a table.
// The threaded drivers (csr_kernels.cpp, bsr_kernels.cpp) split the work and call these.
#pragma once

#include <cstdint>

#include "instantiate.hpp"
#include "kernels/kernels.hpp"

namespace sparse_formats::kernels::cpu {

// Rows per slice of a SlicedMatrix (sliced.hpp): one vector of float lanes at the widest level.
inline constexpr int kSliceRows = 16;

// A SlicedMatrix as the kernels read it.
template <typename V>
struct SlicedView {
  const std::int64_t* slice_ptr;  // [slices + 1]
  const std::int32_t* row;        // [slices * kSliceRows], -1: no row
  const std::int32_t* length;     // [slices * kSliceRows]
  const std::uint16_t* index16;   // one of index16 and index32 is set
  const std::int32_t* index32;
  const V* values;
};

// Dense operands are row-major with unit column stride: element (i, c) at p[i * ld + c].
template <typename V, typename I>
struct RowKernels {
  // Batch values of the widest tile of csr_rows_panels (the width of one panel row of x).
  std::int64_t panel_tile_values;
  // y[i, :k] = A[i, :] x for i in [r0, r1).
  void (*csr_rows)(const CsrView<V, I>& a, const V* x, std::int64_t ldx, V* y, std::int64_t ldy, std::int64_t k,
                   std::int64_t r0, std::int64_t r1);
  // The same for k >= 2, cache-blocked: A's columns in panels of `panel` (see csr_rows_panels).
  void (*csr_rows_panels)(const CsrView<V, I>& a, const V* x, std::int64_t ldx, V* y, std::int64_t ldy,
                          std::int64_t k, std::int64_t r0, std::int64_t r1, std::int64_t panel);
  // y[j, :k] += A[i, j] x[i, :k] for i in [r0, r1) and j in [c0, c1) (only those entries).
  void (*csr_scatter)(const CsrView<V, I>& a, const V* x, std::int64_t ldx, V* y, std::int64_t ldy, std::int64_t k,
                      std::int64_t r0, std::int64_t r1, std::int64_t c0, std::int64_t c1);
  // The same for k >= 2 and all rows i, cache-blocked: y's rows in panels of `panel`.
  void (*csr_scatter_panels)(const CsrView<V, I>& a, const V* x, std::int64_t ldx, V* y, std::int64_t ldy,
                             std::int64_t k, std::int64_t c0, std::int64_t c1, std::int64_t panel);
  // Block rows [br0, br1) of y = A x.
  void (*bsr_rows)(const BsrView<V, I>& a, const V* x, std::int64_t ldx, V* y, std::int64_t ldy, std::int64_t k,
                   std::int64_t br0, std::int64_t br1);
  // y += A^T x restricted to block rows [br0, br1) and block columns [bc0, bc1).
  void (*bsr_scatter)(const BsrView<V, I>& a, const V* x, std::int64_t ldx, V* y, std::int64_t ldy, std::int64_t k,
                      std::int64_t br0, std::int64_t br1, std::int64_t bc0, std::int64_t bc1);
  // y[r] += v * x[c] over the n entries of one tile of a TiledMatrix (tiled.hpp), in order;
  // index[p] packs r << col_bits | c.
  void (*tile_entries)(const std::uint32_t* index, const V* values, std::int64_t n, int col_bits, const V* x, V* y);
  // csr_rows for k = 1 with the column indices read from a 16-bit copy (same results).
  void (*csr_rows_narrow)(const CsrView<V, I>& a, const std::uint16_t* indices, const V* x, std::int64_t ldx, V* y,
                          std::int64_t ldy, std::int64_t r0, std::int64_t r1);
  // y[row] = its row of A times x for the rows of slices [s0, s1) of a SlicedMatrix (x unit
  // stride, y with element stride ldy); each row's terms summed in the row's order.
  void (*sliced_rows)(const SlicedView<V>& a, const V* x, V* y, std::int64_t ldy, std::int64_t s0, std::int64_t s1);
  // Dense -> CSR fill of one row (unit stride, `cols` values): the entries with !(|v| <= t), in
  // order, written to indices/data, at most `room` of them; returns how many were written.
  std::int64_t (*dense_row_fill)(const V* row, std::int64_t cols, V t, I* indices, V* data, std::int64_t room);
  // csr_rows with float k = 1 taking 256-bit gathers and one masked 512-bit gather per row (the
  // AVX-512 level; elsewhere csr_rows): for CPUs with slow 512-bit gathers (simd_level.cpp).
  void (*csr_rows_gather256)(const CsrView<V, I>& a, const V* x, std::int64_t ldx, V* y, std::int64_t ldy,
                             std::int64_t k, std::int64_t r0, std::int64_t r1);
};

// The table for the level set by set_simd_level() (or detected).
template <typename V, typename I>
const RowKernels<V, I>& row_kernels();

#define SPARSE_FORMATS_DECLARE_ISA(NS)                       \
  namespace NS {                                             \
  template <typename V, typename I>                          \
  const RowKernels<V, I>& row_kernels();                     \
  }
SPARSE_FORMATS_DECLARE_ISA(baseline)
SPARSE_FORMATS_DECLARE_ISA(avx2)
SPARSE_FORMATS_DECLARE_ISA(avx512)
#undef SPARSE_FORMATS_DECLARE_ISA

}  // namespace sparse_formats::kernels::cpu
