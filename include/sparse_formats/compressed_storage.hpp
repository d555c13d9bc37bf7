// The arrays CSR and CSC share (Eigen's CompressedStorage idea): CSR of A is CSC of A^T,
// so both formats are this storage with a different orientation and one set of kernels.
#pragma once

#include <cstdint>

#include "sparse_formats/types.hpp"

namespace sparse_formats {

template <typename V, typename I>
struct CompressedStorage {
  Buffer<V> data;       // length nnz
  Buffer<I> indices;    // length nnz: minor index of each value, strictly increasing per major slice
  Buffer<I> indptr;     // length major + 1: slice k is [indptr[k], indptr[k+1])
  std::int64_t major = 0;  // rows for CSR, columns for CSC
  std::int64_t minor = 0;  // columns for CSR, rows for CSC

  std::int64_t nnz() const { return static_cast<std::int64_t>(data.size()); }
};

}  // namespace sparse_formats
