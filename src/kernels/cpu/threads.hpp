// Thread count and the non-zero balanced row partition shared by the CPU kernels.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

namespace sparse_formats::kernels::cpu {

// Threads to use for `work` multiply-adds: 1 below the size where a parallel region costs
// more than it saves (about 20 us of work measured on a 2-core x86 machine), else num_threads().
int threads_for(std::int64_t work);

// Splits [0, rows) into `parts` contiguous ranges holding about equal non-zeros (plus one per
// row, so long runs of empty rows are shared too). Returns parts + 1 boundaries.
template <typename I>
std::vector<std::int64_t> balanced_row_split(const I* indptr, std::int64_t rows, int parts) {
  std::vector<std::int64_t> bounds(static_cast<std::size_t>(parts) + 1, rows);
  bounds[0] = 0;
  const std::int64_t total = static_cast<std::int64_t>(indptr[rows]) + rows;
  std::int64_t row = 0;
  for (int p = 1; p < parts; ++p) {
    const std::int64_t target = total * p / parts;
    // first row whose prefix cost reaches the target
    std::int64_t lo = row, hi = rows;
    while (lo < hi) {
      const std::int64_t mid = lo + (hi - lo) / 2;
      if (static_cast<std::int64_t>(indptr[mid]) + mid < target) lo = mid + 1; else hi = mid;
    }
    row = lo;
    bounds[static_cast<std::size_t>(p)] = row;
  }
  return bounds;
}

}  // namespace sparse_formats::kernels::cpu
