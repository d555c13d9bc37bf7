// Block-sparse construction and its conversions to and from row-compressed storage.
#pragma once

#include "sparse_formats/block_sparse_matrix.hpp"
#include "sparse_formats/compressed_storage.hpp"

namespace sparse_formats::detail {

// Row-compressed (CSR) storage of the non-zeros held in the blocks; explicit zeros are not kept.
template <typename V, typename I>
CompressedStorage<V, I> bsr_to_compressed(const BlockStorage<V, I>& b);

// Blocks covering every stored entry of CSR storage, in O(nnz + num_blocks * bs^2).
template <typename V, typename I>
BlockStorage<V, I> bsr_from_compressed(const CompressedStorage<V, I>& s, std::int64_t block_size);

}  // namespace sparse_formats::detail
