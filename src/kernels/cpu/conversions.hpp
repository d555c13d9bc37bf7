// Parallel kernels behind the format conversions in src/formats (which keep all validation).
#pragma once

#include <cstdint>
#include <cstdlib>
#include <memory>

#include "sparse_formats/types.hpp"

namespace sparse_formats::kernels::cpu {

// Allocates `bytes` of uninitialised memory, released with std::free, 64-byte aligned. Arrays of
// 4 MiB and more are 2 MiB aligned and advised to use transparent huge pages: the first touch of a
// fresh 64 MB output is otherwise ~16K page faults, which cost more than the conversion that fills it.
void* allocate_output(std::size_t bytes);

// Uninitialised scratch memory of at least `bytes`, for use within one call. Fresh memory is
// page-faulted and cleared by the kernel on first touch in every call, so the last returned block
// of up to kMaxCachedScratch bytes is kept for the next call; a call while another holds it gets
// a fresh block.
class Scratch {
 public:
  static constexpr std::size_t kMaxCachedScratch = std::size_t{128} << 20;
  explicit Scratch(std::size_t bytes);
  ~Scratch();
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  void* data() const { return data_; }

 private:
  void* data_ = nullptr;
  std::size_t capacity_ = 0;
};

// Frees the kept scratch block (sparse_formats::release_cached_memory).
void release_scratch();

// Uninitialised storage for `n` values, kept alive by the returned Buffer (the kernels write
// every element; zero-filling first would cost a full extra pass over the output).
template <typename T>
struct RawArray {
  std::shared_ptr<T> owner;
  T* data = nullptr;
  std::size_t size = 0;
  explicit RawArray(std::size_t n)
      : owner(static_cast<T*>(allocate_output(n * sizeof(T))), [](T* p) { std::free(p); }),
        data(owner.get()),
        size(n) {}
  Buffer<T> release() { return Buffer<T>::borrow(data, size, std::shared_ptr<const void>(owner, owner.get())); }
};

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
