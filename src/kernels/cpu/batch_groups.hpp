// A x over groups of the batch's columns (Partition::group, batch_group): each group's columns of
// x are first copied side by side into one scratch block. Computing on the group's slice of x in
// place left that slice's rows 1/k-th of every wider row apart, so it filled only part of L2's
// sets and gave nothing back (0.79-0.97x on 4096x4096 at k = 128, docs/performance.md); packed,
// the slice is contiguous and fits half of L2 as a batch of its own width would.
#pragma once

#include <algorithm>
#include <cstdint>

#include "kernels/cpu/memory.hpp"
#include "kernels/cpu/threads.hpp"

namespace sparse_formats::kernels::cpu {

// f(t, c0, w, xg, ldxg) for each part t in [0, parts) and each group of columns [c0, c0 + w) of
// x (x_rows rows of k values, row stride ldx), xg being the packed copy of that group (row stride
// ldxg). Groups run in order within a part; part t runs on thread t (as run_parts). The threads
// pack the copy together, meet at a barrier, then run their parts.
template <typename V, typename F>
void run_batch_groups(int parts, std::int64_t group, const V* x, std::int64_t ldx, std::int64_t x_rows,
                      std::int64_t k, F&& f) {
  const Scratch scratch(static_cast<std::size_t>(x_rows * k) * sizeof(V));
  V* const packed = static_cast<V*>(scratch.data());
  // group g (columns [g * group, ...)) starts at packed + x_rows * g * group, rows of its width
  auto pack = [&](std::int64_t j0, std::int64_t j1) {
    for (std::int64_t c0 = 0; c0 < k; c0 += group) {
      const std::int64_t w = std::min(group, k - c0);
      V* dst = packed + x_rows * c0;
      for (std::int64_t j = j0; j < j1; ++j) std::copy(x + j * ldx + c0, x + j * ldx + c0 + w, dst + j * w);
    }
  };
  auto run = [&](int t) {
    for (std::int64_t c0 = 0; c0 < k; c0 += group) {
      const std::int64_t w = std::min(group, k - c0);
      f(t, c0, w, static_cast<const V*>(packed + x_rows * c0), w);
    }
  };
  if (parts <= 1) {
    pack(0, x_rows);
    if (parts == 1) run(0);
    return;
  }
  SpinBarrier barrier;
#pragma omp parallel num_threads(parts)
  {
    const int me = team_rank(), team = team_size();
    pack(x_rows * me / team, x_rows * (me + 1) / team);
    barrier.wait(team);
    for (int t = me; t < parts; t += team) run(t);
    barrier.wait(team);  // the first to finish spins here rather than sleeping in OpenMP's join
  }
}

}  // namespace sparse_formats::kernels::cpu
