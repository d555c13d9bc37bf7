// Thread count, work estimates and the partitions shared by the CPU kernels.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <type_traits>
#include <vector>

namespace sparse_formats::kernels::cpu {

// Threads to use for a product of `work` units (one unit: one non-zero times one vector
// register of the batch, see product_work): 1 below kMinParallelWork, else num_threads().
int threads_for(std::int64_t work);

// A core's L2 cache as the C library reports it (sysconf), 1 MiB where it does not.
std::int64_t l2_cache_bytes();

// This thread's number in the enclosing parallel region, and the region's thread count (0 and 1
// outside one, or without OpenMP).
int team_rank();
int team_size();

// A barrier between the phases of one parallel region that spins before it sleeps. Under
// OMP_WAIT_POLICY=passive an OpenMP barrier puts the early threads to sleep at once, and waking
// them costs 20-35 us here, a large part of a small conversion; phases split into equal parts
// arrive within microseconds of each other. Every thread of the team calls wait(n) with the
// team's size n.
class SpinBarrier {
 public:
  // Pauses a waiting thread spins before it sleeps: ~40 us here (a pause takes 40-140 cycles by
  // CPU; bench/omp_wait_cost times them), longer than the wake-up it saves, short enough that a
  // descheduled thread on a machine with more threads than free cores costs little.
  static constexpr int kSpins = 4096;

  void wait(int n);

 private:
  std::atomic<int> arrived_{0};
  std::atomic<unsigned> generation_{0};
};

// f(t) for t in [0, parts), part t on thread t, ending in a SpinBarrier: under the passive policy
// a thread that reaches OpenMP's join first sleeps there, and the wake-up costs the call 20-30 us
// (bench/omp_wait_cost).
template <typename F>
void run_parts(int parts, F&& f) {
  if (parts <= 1) {
    if (parts == 1) f(0);
    return;
  }
  SpinBarrier done;
#pragma omp parallel num_threads(parts)
  {
    const int team = team_size();
    for (int t = team_rank(); t < parts; t += team) f(t);
    done.wait(team);
  }
}

// Work units of a product with `entries` stored values and batch k: the vector FMAs it issues,
// plus one per output row for the loop and store overhead. With one vector (k = 1) a non-zero is
// a scalar or gathered FMA and counts a full unit, as in the plans' sliced and 16-bit copies: with
// half a unit they stayed on one thread where the one-shot kernels took two, 1.1-1.8x slower
// (docs/performance.md, "Threads"). csr_partition weighs its kernels' work against these units.
inline std::int64_t product_work(std::int64_t entries, std::int64_t out_rows, std::int64_t k) {
  const std::int64_t vectors = (std::max<std::int64_t>(k, 1) + 15) / 16;
  return (entries + out_rows) * vectors;
}

// x[0], x[ld], ... x[(n - 1) ld] at unit stride: x itself when ld is 1, else a copy kept in `copy`
// (for the one-vector kernels that index x directly).
template <typename V>
const V* unit_stride(const V* x, std::int64_t n, std::int64_t ld, std::vector<V>& copy) {
  if (ld == 1) return x;
  copy.resize(static_cast<std::size_t>(n));
  for (std::int64_t j = 0; j < n; ++j) copy[j] = x[j * ld];
  return copy.data();
}

// Zeroes columns [0, k) of rows [r0, r1) of y (row stride ldy): the outputs the scatter kernels add
// into. Nothing where r1 <= r0 (a thread's empty part past the last column).
template <typename V>
void zero_rows(V* y, std::int64_t ldy, std::int64_t k, std::int64_t r0, std::int64_t r1) {
  if (r1 <= r0) return;
  // One fill where the rows are contiguous, and no fill per value for one column: std::fill of a
  // row becomes a call to memset, which for A^T x took 40% of a 21 us call (768x3072 at 99%).
  if (ldy == k) return std::fill(y + r0 * ldy, y + r1 * ldy, V(0));
  if (k == 1) {
    for (std::int64_t j = r0; j < r1; ++j) y[j * ldy] = V(0);
    return;
  }
  for (std::int64_t j = r0; j < r1; ++j) std::fill(y + j * ldy, y + j * ldy + k, V(0));
}

// Copies columns [0, k) of rows [r0, r1) from src (row stride lds) to dst (row stride ldd).
template <typename V>
void copy_rows(const V* src, std::int64_t lds, V* dst, std::int64_t ldd, std::int64_t k, std::int64_t r0,
               std::int64_t r1) {
  for (std::int64_t j = r0; j < r1; ++j) std::copy(src + j * lds, src + j * lds + k, dst + j * ldd);
}

// Values that the scatter's register accesses to one row of y span: the batch rounded up to the
// register that holds it (16 or 32 bytes, a 64-bit pair of floats) or to whole 64-byte vectors.
// A masked access spans its whole register; when that reaches into the next row, the next
// non-zero's load of that row (the next column, often) overlaps a store still in flight and
// waits for it: A^T x with batches of 2-3 and 5-7 floats took 3x as long as with 4 or 8.
template <typename V>
std::int64_t scatter_span(std::int64_t k) {
  constexpr std::int64_t kVector = 64 / sizeof(V);
  if (k <= 1 || (std::is_same_v<V, float> && k == 2)) return k;
  if (k * static_cast<std::int64_t>(sizeof(V)) <= 16) return 16 / sizeof(V);
  if (k * static_cast<std::int64_t>(sizeof(V)) <= 32) return 32 / sizeof(V);
  return (k + kVector - 1) / kVector * kVector;
}

// Splits [0, n) into `parts` contiguous ranges of about equal cost, cost(i) being the cost of
// [0, i) (non-decreasing; cost(n) the total). Returns parts + 1 boundaries.
template <typename Cost>
std::vector<std::int64_t> balanced_split(std::int64_t n, int parts, Cost&& cost) {
  std::vector<std::int64_t> bounds(static_cast<std::size_t>(parts) + 1, n);
  bounds[0] = 0;
  const std::int64_t total = cost(n);
  std::int64_t at = 0;
  for (int p = 1; p < parts; ++p) {
    const std::int64_t target = total * p / parts;
    // first i whose prefix cost reaches the target
    std::int64_t lo = at, hi = n;
    while (lo < hi) {
      const std::int64_t mid = lo + (hi - lo) / 2;
      if (cost(mid) < target) lo = mid + 1; else hi = mid;
    }
    at = lo;
    bounds[static_cast<std::size_t>(p)] = at;
  }
  return bounds;
}

// Splits [0, rows) into `parts` contiguous ranges holding about equal non-zeros (plus one per
// row, so long runs of empty rows are shared too). Returns parts + 1 boundaries.
template <typename I>
std::vector<std::int64_t> balanced_row_split(const I* indptr, std::int64_t rows, int parts) {
  return balanced_split(rows, parts, [&](std::int64_t i) { return static_cast<std::int64_t>(indptr[i]) + i; });
}

// Splits the columns [0, cols) of a row-compressed matrix into `parts` contiguous ranges
// holding about equal non-zeros, estimated from a fixed sample of rows (about 32K entries, so
// the cost stays small next to the product). Returns parts + 1 boundaries; deterministic.
template <typename I>
std::vector<std::int64_t> balanced_column_split(const I* indptr, const I* indices, std::int64_t rows,
                                                std::int64_t cols, int parts) {
  constexpr std::int64_t kSample = 1 << 15, kBuckets = 4096;
  const std::int64_t nnz = indptr[rows];
  // Buckets of a power of two of columns: a shift per sampled entry, where a division took a
  // tenth of a 512x512 layer's A^T X (n = 128) on two threads.
  int shift = 0;
  while ((cols >> shift) > kBuckets) ++shift;
  const std::int64_t width = std::int64_t{1} << shift;
  const std::int64_t buckets = (cols + width - 1) / width;
  const std::int64_t step = std::max<std::int64_t>(1, nnz / kSample);
  std::vector<std::int64_t> cost(static_cast<std::size_t>(buckets) + 1, 0);
  std::int64_t sampled = 0;
  for (std::int64_t i = 0; i < rows; i += step)
    for (I p = indptr[i]; p < indptr[i + 1]; ++p, ++sampled)
      ++cost[static_cast<std::size_t>(static_cast<std::int64_t>(indices[p]) >> shift) + 1];
  // scale the sample to the full count and add one unit per column (clearing y)
  const std::int64_t scale = sampled > 0 ? std::max<std::int64_t>(1, nnz / sampled) : 0;
  for (std::int64_t b = 0; b < buckets; ++b) cost[b + 1] = cost[b] + cost[b + 1] * scale + width;
  std::vector<std::int64_t> bounds(static_cast<std::size_t>(parts) + 1, cols);
  bounds[0] = 0;
  for (int p = 1; p < parts; ++p) {
    const std::int64_t target = cost[buckets] * p / parts;
    const auto it = std::lower_bound(cost.begin(), cost.end(), target);
    bounds[p] = std::min(cols, static_cast<std::int64_t>(it - cost.begin()) * width);
    bounds[p] = std::max(bounds[p], bounds[p - 1]);
  }
  return bounds;
}

}  // namespace sparse_formats::kernels::cpu
