// Operations shared by CSR and CSC on CompressedStorage (major = slices, minor = indices).
// Callers orient dense views so that rows of the view are the slices.
#pragma once

#include <span>

#include "sparse_formats/compressed_storage.hpp"
#include "sparse_formats/statistics.hpp"
#include "sparse_formats/types.hpp"

namespace sparse_formats::detail {

// Names used in messages, so a CSC error speaks of col_ptr and row_indices.
struct CompressedNames {
  const char* format;   // "CSR"
  const char* indptr;   // "row_ptr"
  const char* indices;  // "col_indices"
  const char* major;    // "row"
  const char* minor;    // "column"
};
inline constexpr CompressedNames kCsrNames{"CSR", "row_ptr", "col_indices", "row", "column"};
inline constexpr CompressedNames kCscNames{"CSC", "col_ptr", "row_indices", "column", "row"};

template <typename V, typename I>
CompressedStorage<V, I> make_compressed(Buffer<V> data, Buffer<I> indices, Buffer<I> indptr, std::int64_t major,
                                        std::int64_t minor, IndexOrder order, const CompressedNames& names);

// dense is major x minor (a transposed view for CSC).
template <typename V, typename I>
CompressedStorage<V, I> compressed_from_dense(DenseView<const V> dense, double threshold, const CompressedNames& names);

template <typename V, typename I>
void compressed_to_dense(const CompressedStorage<V, I>& s, DenseView<V> out);

// The same matrix in the other orientation (CSR <-> CSC), a counting sort in O(nnz + major + minor).
template <typename V, typename I>
CompressedStorage<V, I> compressed_transpose(const CompressedStorage<V, I>& s);

// Triplets (major index, minor index, value) in any order; duplicates summed in input order.
template <typename V, typename I>
CompressedStorage<V, I> compressed_from_coo(std::span<const I> majors, std::span<const I> minors,
                                            std::span<const V> values, std::int64_t major, std::int64_t minor,
                                            const CompressedNames& names);

template <typename V, typename I>
MemoryFootprint compressed_footprint(const CompressedStorage<V, I>& s, const CompressedNames& names);

// Statistics from a shape, a non-zero count and the stored bytes.
SparseMatrixStats make_stats(Shape shape, std::int64_t nnz, std::size_t value_size, std::size_t sparse_bytes);

}  // namespace sparse_formats::detail
