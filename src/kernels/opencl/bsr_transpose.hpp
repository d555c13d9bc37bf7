// The block-sparse storage of A^T, built on the host for upload: device products of A^T x then use the
// same kernel as A x. O(num_blocks * bs^2 + block_cols).
#pragma once

#include <vector>

#include "kernels/kernels.hpp"

namespace sparse_formats::opencl {

template <typename V, typename I>
struct BsrArrays {
  std::vector<I> block_row_ptr;
  std::vector<I> block_indices;
  std::vector<V> blocks;
  kernels::BsrView<V, I> view;  // points into the vectors above: do not copy a BsrArrays
};

template <typename V, typename I>
void bsr_transpose(const kernels::BsrView<V, I>& a, BsrArrays<V, I>& out);

}  // namespace sparse_formats::opencl
