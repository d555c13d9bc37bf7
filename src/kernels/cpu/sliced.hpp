// A sliced-ELLPACK copy (SELL-C-sigma, Kreutzer et al., SIAM J. Sci. Comput. 2014) for products
// with one vector on matrices with short rows, as pruned layers at 70-99% sparsity have (5-300
// non-zeros per row). The row-wise SpMV gathers a row's x values into vectors and then sums
// their lanes: that reduction and the row's loop exit cost as much as the gathers of a row that
// fills one or two vectors.
// Here a slice of kSliceRows rows is one vector: lane l holds row l of the slice, and step j
// gathers the j-th entry of every row at once, so each lane accumulates one row and nothing is
// reduced. Rows are sorted by length (longest first) within windows of kSortWindow rows, so the
// rows of a slice have nearly equal lengths; a lane whose row has ended is masked off (its
// padding entries are never read into the sum: 0 * Inf would be NaN).
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "kernels/cpu/memory.hpp"
#include "kernels/cpu/row_kernels.hpp"
#include "kernels/kernels.hpp"

namespace sparse_formats::kernels::cpu {

template <typename V>
struct SlicedMatrix {
  std::int64_t rows = 0, cols = 0;
  std::int64_t slices = 0;
  std::vector<std::int64_t> slice_ptr;  // [slices + 1]: slice s's entries start at slice_ptr[s]
  RawArray<std::int32_t> row{0};        // [slices * kSliceRows]: output row of each lane, -1 past the last row
  RawArray<std::int32_t> length{0};     // [slices * kSliceRows]: entries in each lane's row
  // Entry j of lane l of slice s at slice_ptr[s] + j * kSliceRows + l; padding: column 0, value 0.
  // Column indices as 16 bits where the matrix has at most 65536 columns, else 32.
  RawArray<std::uint16_t> index16{0};
  RawArray<std::int32_t> index32{0};
  RawArray<V> values{0};
  std::vector<std::int64_t> bounds;     // thread t takes slices [bounds[t], bounds[t + 1])
  int threads = 1;                      // fixed when the copy is made

  SlicedView<V> view() const {
    return {slice_ptr.data(), row.data, length.data, index16.size > 0 ? index16.data : nullptr,
            index16.size > 0 ? nullptr : index32.data, values.data};
  }
  std::int64_t bytes() const {
    return static_cast<std::int64_t>(slice_ptr.size() * sizeof(std::int64_t) + (row.size + length.size) * 4 +
                                     index16.size * 2 + index32.size * 4 + values.size * sizeof(V));
  }
};

// Whether make_sliced may slice a matrix of this shape and non-zeros (checks nothing else): lets a
// caller skip building the CSR arrays make_sliced would read.
bool may_slice(std::int64_t rows, std::int64_t cols, std::int64_t nnz);

// The sliced copy of `a` where it pays (see set_spmv_slices in config.hpp), else nullopt. Each
// output sums its row's terms in the row's order.
template <typename V, typename I>
std::optional<SlicedMatrix<V>> make_sliced(const CsrView<V, I>& a);

// y = A x, x[cols] and y[rows] with any element strides.
template <typename V>
void sliced_spmv(const SlicedMatrix<V>& s, const V* x, std::int64_t ldx, V* y, std::int64_t ldy);

}  // namespace sparse_formats::kernels::cpu
