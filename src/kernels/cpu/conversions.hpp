// Parallel kernels behind the format conversions in src/formats (which keep all validation).
#pragma once

#include <cstdint>

#include "kernels/cpu/memory.hpp"
#include "sparse_formats/types.hpp"

namespace sparse_formats::kernels::cpu {

// counts[i] (i < rows) = entries of row i kept by detail::keep_entry(v, threshold):
// NaN, infinities and |v| > threshold. Row-major dense (col_stride 1) or any strides.
template <typename V>
void count_kept(DenseView<const V> dense, double threshold, std::int64_t* counts);

// Writes the kept entries of row i at offsets[i] .. offsets[i + 1] (from count_kept's prefix sum).
template <typename V, typename I>
void fill_kept(DenseView<const V> dense, double threshold, const std::int64_t* offsets, I* indices, V* data);

// The other orientation of compressed arrays (CSR <-> CSC): out_indptr[minor + 1],
// out_indices[nnz], out_data[nnz]; slices stay sorted (a stable counting sort per thread).
template <typename V, typename I>
void transpose_compressed(std::int64_t major, std::int64_t minor, const I* indptr, const I* indices, const V* data,
                          I* out_indptr, I* out_indices, V* out_data);

}  // namespace sparse_formats::kernels::cpu
