// Memory for the arrays the CPU kernels write: uninitialised, aligned, and large blocks reused.
#pragma once

#include <cstddef>
#include <memory>

#include "sparse_formats/types.hpp"

namespace sparse_formats::kernels::cpu {

// A block of uninitialised memory, 64-byte aligned; blocks of kLargeBlock and more are 2 MiB aligned
// and advised to use transparent huge pages. `capacity` (>= the bytes asked for) is what free_block
// needs back.
struct Block {
  void* data = nullptr;
  std::size_t capacity = 0;
};

// Freed large blocks are kept, up to kMaxCachedBytes in all, and handed to the next request they fit
// within 25%: fresh memory is page-faulted and cleared by the kernel on its first touch, which for a
// 64 MB output costs more than the conversion that fills it (glibc returns blocks over 32 MiB to the
// system on every free). Thread-safe.
inline constexpr std::size_t kLargeBlock = std::size_t{4} << 20;
inline constexpr std::size_t kMaxCachedBytes = std::size_t{256} << 20;
Block allocate_block(std::size_t bytes);
void free_block(Block block);

// Bytes held in freed blocks, and freeing them (sparse_formats::release_cached_memory).
std::size_t cached_bytes();
void release_cached_blocks();

// Uninitialised scratch memory of at least `bytes`, for use within one call.
class Scratch {
 public:
  explicit Scratch(std::size_t bytes) : block_(bytes == 0 ? Block{} : allocate_block(bytes)) {}
  ~Scratch() { free_block(block_); }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  void* data() const { return block_.data; }

 private:
  Block block_;
};

// Uninitialised storage for `n` values, kept alive by the returned Buffer (the kernels write
// every element; zero-filling first would cost a full extra pass over the output).
template <typename T>
struct RawArray {
  std::shared_ptr<T> owner;
  T* data = nullptr;
  std::size_t size = 0;
  explicit RawArray(std::size_t n) : owner(make(n)), data(owner.get()), size(n) {}
  Buffer<T> release() { return Buffer<T>::borrow(data, size, std::shared_ptr<const void>(owner, owner.get())); }

 private:
  static std::shared_ptr<T> make(std::size_t n) {
    const Block b = allocate_block(n * sizeof(T));
    try {
      return std::shared_ptr<T>(static_cast<T*>(b.data), [b](T*) { free_block(b); });
    } catch (...) {  // the control block's allocation failed
      free_block(b);
      throw;
    }
  }
};

}  // namespace sparse_formats::kernels::cpu
