// Aligned blocks, and a small cache of freed large ones (see memory.hpp for why).
#include "kernels/cpu/memory.hpp"

#include <algorithm>
#include <cstdlib>
#include <mutex>
#include <new>
#include <vector>

#include <sys/mman.h>

namespace sparse_formats::kernels::cpu {

namespace {

constexpr std::size_t kHuge = std::size_t{2} << 20;

struct Cache {
  std::mutex mutex;
  std::vector<Block> blocks;  // oldest first
  std::size_t bytes = 0;
};

// Never destroyed: arrays freed during static destruction still find it, and what it holds at
// exit stays reachable (not a leak to sanitizers).
Cache& cache() {
  static Cache* const c = new Cache;
  return *c;
}

Block fresh_block(std::size_t capacity, std::size_t alignment) {
  void* p = std::aligned_alloc(alignment, capacity);
  if (p == nullptr) throw std::bad_alloc();
#ifdef MADV_HUGEPAGE
  if (alignment == kHuge) ::madvise(p, capacity, MADV_HUGEPAGE);  // advice only: failure is harmless
#endif
  return {p, capacity};
}

}  // namespace

Block allocate_block(std::size_t bytes) {
  if (bytes < kLargeBlock)  // cache-line aligned: the product kernels load rows of their copies in vectors
    return fresh_block((std::max<std::size_t>(bytes, 1) + 63) / 64 * 64, 64);
  const std::size_t capacity = (bytes + kHuge - 1) / kHuge * kHuge;
  {
    Cache& c = cache();
    const std::lock_guard<std::mutex> lock(c.mutex);
    // the smallest kept block that fits within 25% (more would hold memory no array accounts for)
    auto best = c.blocks.end();
    for (auto it = c.blocks.begin(); it != c.blocks.end(); ++it)
      if (it->capacity >= capacity && it->capacity <= capacity + capacity / 4 &&
          (best == c.blocks.end() || it->capacity < best->capacity))
        best = it;
    if (best != c.blocks.end()) {
      const Block b = *best;
      c.blocks.erase(best);
      c.bytes -= b.capacity;
      return b;
    }
  }
  return fresh_block(capacity, kHuge);
}

void free_block(Block block) {
  if (block.data == nullptr) return;
  if (block.capacity >= kLargeBlock && block.capacity <= kMaxCachedBytes) {
    std::vector<void*> evicted;
    {
      Cache& c = cache();
      const std::lock_guard<std::mutex> lock(c.mutex);
      while (c.bytes + block.capacity > kMaxCachedBytes) {  // the oldest go first
        evicted.push_back(c.blocks.front().data);
        c.bytes -= c.blocks.front().capacity;
        c.blocks.erase(c.blocks.begin());
      }
      c.blocks.push_back(block);
      c.bytes += block.capacity;
    }
    for (void* p : evicted) std::free(p);
    return;
  }
  std::free(block.data);
}

std::size_t cached_bytes() {
  Cache& c = cache();
  const std::lock_guard<std::mutex> lock(c.mutex);
  return c.bytes;
}

void release_cached_blocks() {
  std::vector<Block> kept;
  {
    Cache& c = cache();
    const std::lock_guard<std::mutex> lock(c.mutex);
    kept.swap(c.blocks);
    c.bytes = 0;
  }
  for (const Block& b : kept) std::free(b.data);
}

}  // namespace sparse_formats::kernels::cpu
