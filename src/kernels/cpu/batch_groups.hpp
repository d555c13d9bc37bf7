// A x over groups of the batch's columns (Partition::group, batch_group): each group's columns of
// x are first copied side by side into a scratch block. Computing on the group's slice of x in
// place used 256 of every 512 bytes of x's rows at k = 128, so the slice filled only half of L2's
// sets and gave nothing back (0.79-0.97x on 4096x4096, docs/performance.md); packed, the slice is
// contiguous and fits half of L2 as a batch of its own width would.
#pragma once

#include <algorithm>
#include <cstdint>

#include "kernels/cpu/memory.hpp"
#include "kernels/cpu/threads.hpp"

namespace sparse_formats::kernels::cpu {

// f(t, c0, w, xg, ldxg) for each part t in [0, parts) and each group of columns [c0, c0 + w) of
// x (x_rows rows of k values, row stride ldx), xg being the packed copy of that group (row stride
// ldxg). Groups run in order; part t runs on thread t (as run_parts). For each group the threads
// pack the copy together, meet at a barrier, run their parts, and meet again before the next group
// reuses the scratch: it holds one group (about half of L2), not a second copy of all of x.
template <typename V, typename F>
void run_batch_groups(int parts, std::int64_t group, const V* x, std::int64_t ldx, std::int64_t x_rows,
                      std::int64_t k, F&& f) {
  const Scratch scratch(static_cast<std::size_t>(x_rows * std::min(group, k)) * sizeof(V));
  V* const packed = static_cast<V*>(scratch.data());
  auto pack = [&](std::int64_t c0, std::int64_t w, std::int64_t j0, std::int64_t j1) {
    for (std::int64_t j = j0; j < j1; ++j) std::copy(x + j * ldx + c0, x + j * ldx + c0 + w, packed + j * w);
  };
  if (parts <= 1) {
    for (std::int64_t c0 = 0; c0 < k; c0 += group) {
      const std::int64_t w = std::min(group, k - c0);
      pack(c0, w, 0, x_rows);
      if (parts == 1) f(0, c0, w, static_cast<const V*>(packed), w);
    }
    return;
  }
  SpinBarrier barrier;
#pragma omp parallel num_threads(parts)
  {
    const int me = team_rank(), team = team_size();
    for (std::int64_t c0 = 0; c0 < k; c0 += group) {
      const std::int64_t w = std::min(group, k - c0);
      pack(c0, w, x_rows * me / team, x_rows * (me + 1) / team);
      barrier.wait(team);
      for (int t = me; t < parts; t += team) f(t, c0, w, static_cast<const V*>(packed), w);
      barrier.wait(team);  // the group's copy is free again; after the last, no sleep in OpenMP's join
    }
  }
}

}  // namespace sparse_formats::kernels::cpu
