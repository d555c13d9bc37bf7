// Dense -> compressed in two parallel passes over the dense rows (count, then fill), and a
// parallel stable transpose (per-thread column counts, each thread scatters its rows as
// (index, value) pairs, then the pairs are split into the two output arrays).
#include "kernels/cpu/conversions.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <utility>
#include <vector>

#include "instantiate.hpp"
#include "kernels/cpu/row_kernels.hpp"
#include "kernels/cpu/threads.hpp"
#include "sparse_formats/config.hpp"

namespace sparse_formats::kernels::cpu {

namespace {

// The largest V not above `threshold`: for V = float, !(|v| <= t_v) in V is exactly
// keep_entry's !(double(|v|) <= threshold), and it vectorises.
template <typename V>
V threshold_in(double threshold) {
  if constexpr (std::is_same_v<V, double>) {
    return threshold;
  } else {
    if (threshold >= static_cast<double>(std::numeric_limits<V>::max())) return std::numeric_limits<V>::max();
    V t = static_cast<V>(threshold);
    if (static_cast<double>(t) > threshold) t = std::nextafter(t, V(0));
    return t;
  }
}

template <typename V>
inline bool keep(V v, V t) {
  return !(std::fabs(v) <= t);  // NaN compares false: kept
}

// Dense rows are equal work: threads take equal row ranges.
int conversion_threads(std::int64_t cells) {
  constexpr std::int64_t kMinCells = 1 << 17;  // below ~100 us of scanning one thread wins
  return cells < kMinCells ? 1 : num_threads();
}

// One scattered entry of a transpose.
template <typename V, typename I>
struct IndexValue {
  I index;
  V value;
};

// An entry of a wide transpose, placed first by its column's bucket.
template <typename V, typename I>
struct Bucketed {
  I index;
  I col;
  V value;
};

// How a transpose scatters. Past L1 a scatter is bound by its stores missing the cache, and each
// column being filled holds a line of each output array:
// - direct: outputs up to kDirectScatterBytes stay in L1;
// - paired: (index, value) pairs go to one scratch array, one line per column, then a plain
//   stream splits them;
// - bucketed: with more columns than L2 holds lines for (graphs), entries are first placed by
//   column bucket (few streams), then each bucket is scattered within its stretch of the output,
//   which stays in L2.
enum class TransposeMode { direct, paired, bucketed };
constexpr std::int64_t kDirectScatterBytes = 32 << 10;
constexpr std::int64_t kBucketedMinColumns = 1 << 15;  // 2 MiB of lines being filled
constexpr std::int64_t kBucketBytes = 512 << 10;       // a bucket's stretch of both outputs

TransposeMode transpose_mode(std::int64_t nnz, std::int64_t minor, std::size_t pair_bytes) {
  const std::int64_t bytes = nnz * static_cast<std::int64_t>(pair_bytes);
  if (bytes <= kDirectScatterBytes) return TransposeMode::direct;
  return minor >= kBucketedMinColumns && bytes > 4 * kBucketBytes ? TransposeMode::bucketed : TransposeMode::paired;
}

// Columns per bucket: a power of two whose average output fits kBucketBytes.
std::int64_t bucket_columns(std::int64_t nnz, std::int64_t minor, std::size_t entry_bytes) {
  const std::int64_t column_bytes = std::max<std::int64_t>(1, nnz * static_cast<std::int64_t>(entry_bytes) / minor);
  const auto w = std::bit_floor(static_cast<std::uint64_t>(std::max<std::int64_t>(1, kBucketBytes / column_bytes)));
  return std::clamp<std::int64_t>(static_cast<std::int64_t>(w), 64, std::int64_t{1} << 16);
}

// Column blocks of the paired scatter. Each column being filled keeps a page of the pairs open; a
// page is used again once the rows have filled about `distance` other columns, and where both
// outgrow the second-level TLB every store walks the page tables: on 4096x4096 at 50% the
// scatter's store took 69% of the transpose. Blocks of 1024 columns ran 1.2-1.5x faster there
// (4096 columns, 3277-16384 pages of pairs), and no faster on 768x3072 at 50% (2304 pages) or
// on block-structured rows, which repeat the row before's columns (docs/performance.md).
constexpr std::int64_t kScatterPages = 1024;
constexpr std::int64_t kScatterReusePages = 3072;

template <typename I>
std::int64_t scatter_blocks(std::int64_t major, std::int64_t minor, const I* indptr, const I* indices,
                            std::size_t pair_bytes) {
  const std::int64_t nnz = indptr[major];
  const std::int64_t open = std::min(minor, nnz * static_cast<std::int64_t>(pair_bytes) / 4096);
  if (open <= kScatterReusePages || major < 2) return 1;
  // distance = entries per row / share of a row's columns that the row before also has, over up
  // to 64 row pairs spread over the matrix
  std::int64_t seen = 0, shared = 0, sampled = 0;
  const std::int64_t step = std::max<std::int64_t>(1, (major - 1) / 64);
  for (std::int64_t i = 1; i < major; i += step, ++sampled) {
    std::int64_t p = indptr[i], q = indptr[i - 1];
    const std::int64_t e = indptr[i + 1], f = indptr[i];
    seen += e - p;
    while (p < e && q < f) {
      if (indices[p] == indices[q]) {
        ++shared;
        ++p;
        ++q;
      } else if (indices[p] < indices[q]) {
        ++p;
      } else {
        ++q;
      }
    }
  }
  if (seen == 0) return 1;
  const double per_row = static_cast<double>(seen) / static_cast<double>(sampled);
  const double distance = shared > 0 ? per_row * static_cast<double>(seen) / static_cast<double>(shared)
                                     : static_cast<double>(minor);
  if (distance <= static_cast<double>(kScatterReusePages)) return 1;
  return (open + kScatterPages - 1) / kScatterPages;
}

// A transpose moves each entry through a cache-missing store, several times the cost
// of a product's non-zero: threads pay from half of a product's threshold.
int transpose_threads(std::int64_t nnz, std::int64_t major, std::int64_t minor) {
  const int threads = threads_for(2 * nnz + minor);
  // one thread where the per-thread column counts dominate
  return threads > 1 && static_cast<std::int64_t>(threads) * minor > 4 * (nnz + major) ? 1 : threads;
}

// counts[t * n + j] (entries of slot j in thread t's rows) becomes where thread t writes its first
// entry of slot j: slots in order, threads in row order within each (a stable scatter). Calls
// first(j, at) with each slot's start; returns the total.
template <typename C, typename First>
std::int64_t thread_offsets(C* counts, int threads, std::int64_t n, First&& first) {
  std::int64_t run = 0;
  for (std::int64_t j = 0; j < n; ++j) {
    first(j, run);
    for (int t = 0; t < threads; ++t)
      run += std::exchange(counts[static_cast<std::int64_t>(t) * n + j], static_cast<C>(run));
  }
  return run;
}

// An (index, value) pair written with one store where it fits 8 bytes: the scatter's stores miss
// L1, and two 4-byte stores to one line cost two of them.
template <typename V, typename I>
inline void store_pair(IndexValue<V, I>* to, I index, V value) {
  if constexpr (sizeof(IndexValue<V, I>) == 8 && sizeof(I) == 4 && sizeof(V) == 4 &&
                std::endian::native == std::endian::little) {
    const std::uint64_t bits = static_cast<std::uint64_t>(std::bit_cast<std::uint32_t>(value)) << 32 |
                               static_cast<std::uint32_t>(index);
    std::memcpy(to, &bits, sizeof bits);  // IndexValue is {index, value}: index in the low half
  } else {
    *to = {index, value};
  }
}

// Rows [r0, r1) scattered as pairs over `blocks` blocks of columns, each row continuing from its
// cursor into the next block (indices are sorted): within a column, rows stay in order.
template <typename V, typename I>
[[gnu::noinline]] void scatter_pairs_blocked(std::int64_t r0, std::int64_t r1, std::int64_t minor, std::int64_t blocks,
                                             const I* indptr, const I* indices, const V* data, I* pos,
                                             IndexValue<V, I>* pairs) {
  std::vector<std::int64_t> cur(indptr + r0, indptr + r1);
  for (std::int64_t b = 1; b <= blocks; ++b) {
    const std::int64_t c1 = minor * b / blocks;
    for (std::int64_t i = r0; i < r1; ++i) {
      std::int64_t p = cur[i - r0];
      for (const std::int64_t e = indptr[i + 1]; p < e && indices[p] < c1; ++p)
        store_pair(pairs + pos[indices[p]]++, static_cast<I>(i), data[p]);
      cur[i - r0] = p;
    }
  }
}

}  // namespace

template <typename V>
void count_kept(DenseView<const V> d, double threshold, std::int64_t* counts) {
  if (d.cols == 0) return std::fill(counts, counts + d.rows, std::int64_t{0});  // d.data may be null
  const V t = threshold_in<V>(threshold);
  const int threads = conversion_threads(d.rows * d.cols);
  run_parts(threads, [&](int part) {
    for (std::int64_t i = d.rows * part / threads, last = d.rows * (part + 1) / threads; i < last; ++i) {
      std::int64_t c = 0;
      if (d.col_stride == 1) {
        const V* row = d.data + i * d.row_stride;
        for (std::int64_t j = 0; j < d.cols; ++j) c += keep(row[j], t) ? 1 : 0;
      } else {
        for (std::int64_t j = 0; j < d.cols; ++j) c += keep(d(i, j), t) ? 1 : 0;
      }
      counts[i] = c;
    }
  });
}

template <typename V, typename I>
void fill_kept(DenseView<const V> d, double threshold, const std::int64_t* offsets, I* indices, V* data) {
  const V t = threshold_in<V>(threshold);
  const int threads = conversion_threads(d.rows * d.cols);
  const auto fill_row = row_kernels<V, I>().dense_row_fill;
  run_parts(threads, [&](int part) {
    for (std::int64_t i = d.rows * part / threads, last = d.rows * (part + 1) / threads; i < last; ++i) {
      std::int64_t p = offsets[i];
      const std::int64_t end = offsets[i + 1];
      if (p == end) continue;
      if (d.col_stride == 1) {
        // vectorised per instruction set; never writes past the row's slots
        fill_row(d.data + i * d.row_stride, d.cols, t, indices + p, data + p, end - p);
      } else {
        for (std::int64_t j = 0; j < d.cols && p < end; ++j) {
          const V v = d(i, j);
          if (keep(v, t)) {
            indices[p] = static_cast<I>(j);
            data[p] = v;
            ++p;
          }
        }
      }
    }
  });
}

// Wide transposes (TransposeMode::bucketed) never count per column over the whole matrix: with
// millions of columns that histogram misses the cache on every entry. Threads count entries per
// bucket, place them by bucket, and each bucket counts and scatters its own columns in L2.
template <typename V, typename I>
void transpose_bucketed(std::int64_t major, std::int64_t minor, const I* indptr, const I* indices, const V* data,
                        I* out_indptr, I* out_indices, V* out_data, int threads) {
  const std::int64_t nnz = indptr[major];
  const auto rb = balanced_row_split(indptr, major, threads);
  const std::int64_t width = bucket_columns(nnz, minor, sizeof(I) + sizeof(V));
  const std::int64_t buckets = (minor + width - 1) / width;
  const int shift = std::countr_zero(static_cast<std::uint64_t>(width));
  const Scratch scratch(static_cast<std::size_t>(nnz) * sizeof(Bucketed<V, I>));
  auto* const placed = static_cast<Bucketed<V, I>*>(scratch.data());
  // next[t][b]: where thread t places its next entry of bucket b (each thread's entries of a
  // bucket follow the previous thread's, in row order: the scatter below is stable)
  std::vector<std::int64_t> next(static_cast<std::size_t>(threads) * buckets), start(buckets + 1);
#pragma omp parallel num_threads(threads) if (threads > 1)
  {
#pragma omp for schedule(static, 1)
    for (int t = 0; t < threads; ++t) {
      std::int64_t* cnt = next.data() + static_cast<std::int64_t>(t) * buckets;
      std::fill(cnt, cnt + buckets, 0);
      const std::int64_t p0 = indptr[rb[t]], p1 = indptr[rb[t + 1]];
      for (std::int64_t p = p0; p < p1; ++p) ++cnt[indices[p] >> shift];
    }
#pragma omp single
    {
      start[buckets] =
          thread_offsets(next.data(), threads, buckets, [&](std::int64_t b, std::int64_t at) { start[b] = at; });
      out_indptr[minor] = static_cast<I>(start[buckets]);
    }
#pragma omp for schedule(static, 1)
    for (int t = 0; t < threads; ++t) {
      std::int64_t* pos = next.data() + static_cast<std::int64_t>(t) * buckets;
      for (std::int64_t i = rb[t]; i < rb[t + 1]; ++i)
        for (std::int64_t p = indptr[i], e = indptr[i + 1]; p < e; ++p)
          placed[pos[indices[p] >> shift]++] = {static_cast<I>(i), indices[p], data[p]};
    }
    std::vector<std::int64_t> pos(static_cast<std::size_t>(width));
#pragma omp for schedule(dynamic, 1)
    for (std::int64_t b = 0; b < buckets; ++b) {
      const std::int64_t c0 = b << shift, columns = std::min(minor, c0 + width) - c0;
      std::fill(pos.begin(), pos.begin() + columns, 0);
      for (std::int64_t q = start[b]; q < start[b + 1]; ++q) ++pos[static_cast<std::int64_t>(placed[q].col) - c0];
      std::int64_t run = start[b];
      for (std::int64_t j = 0; j < columns; ++j) {
        out_indptr[c0 + j] = static_cast<I>(run);
        run += std::exchange(pos[j], run);
      }
      for (std::int64_t q = start[b]; q < start[b + 1]; ++q) {
        const std::int64_t dst = pos[static_cast<std::int64_t>(placed[q].col) - c0]++;
        out_indices[dst] = placed[q].index;
        out_data[dst] = placed[q].value;
      }
    }
  }
}

template <typename V, typename I>
void transpose_compressed(std::int64_t major, std::int64_t minor, const I* indptr, const I* indices, const V* data,
                          I* out_indptr, I* out_indices, V* out_data) {
  const std::int64_t nnz = indptr[major];
  const int threads = transpose_threads(nnz, major, minor);
  const TransposeMode mode = transpose_mode(nnz, minor, sizeof(IndexValue<V, I>));
  if (mode == TransposeMode::bucketed)
    return transpose_bucketed(major, minor, indptr, indices, data, out_indptr, out_indices, out_data, threads);
  const auto rb = balanced_row_split(indptr, major, threads);
  const std::int64_t blocks =
      mode == TransposeMode::paired ? scatter_blocks(major, minor, indptr, indices, sizeof(IndexValue<V, I>)) : 1;
  const Scratch scratch(mode == TransposeMode::paired ? static_cast<std::size_t>(nnz) * sizeof(IndexValue<V, I>) : 0);
  auto* const pairs = static_cast<IndexValue<V, I>*>(scratch.data());
  // next[t][j]: where thread t writes its next entry of column j. Of type I, which holds nnz (the
  // output's indptr does): half the cache lines of 64-bit counters at 32-bit indices.
  std::vector<I> next(static_cast<std::size_t>(threads) * minor);
  SpinBarrier barrier;
#pragma omp parallel num_threads(threads) if (threads > 1)
  {
    const int me = team_rank(), team = team_size();
    for (int t = me; t < threads; t += team) {
      I* cnt = next.data() + static_cast<std::int64_t>(t) * minor;
      std::fill(cnt, cnt + minor, I(0));
      const std::int64_t p0 = indptr[rb[t]], p1 = indptr[rb[t + 1]];  // locals: cnt may alias them
      for (std::int64_t p = p0; p < p1; ++p) ++cnt[indices[p]];
    }
    barrier.wait(team);
    // column starts, and each thread's offset within every column
    if (me == 0)
      out_indptr[minor] = static_cast<I>(thread_offsets(
          next.data(), threads, minor, [&](std::int64_t j, std::int64_t at) { out_indptr[j] = static_cast<I>(at); }));
    barrier.wait(team);
    for (int t = me; t < threads; t += team) {
      I* pos = next.data() + static_cast<std::int64_t>(t) * minor;
      // one block keeps the plain loop: no cursors, no column test per entry
      if (mode == TransposeMode::paired && blocks > 1) {
        scatter_pairs_blocked(rb[t], rb[t + 1], minor, blocks, indptr, indices, data, pos, pairs);
      } else if (mode == TransposeMode::paired) {
        for (std::int64_t i = rb[t]; i < rb[t + 1]; ++i)
          for (std::int64_t p = indptr[i], e = indptr[i + 1]; p < e; ++p)
            store_pair(pairs + pos[indices[p]]++, static_cast<I>(i), data[p]);
      } else {
        for (std::int64_t i = rb[t]; i < rb[t + 1]; ++i)
          for (std::int64_t p = indptr[i], e = indptr[i + 1]; p < e; ++p) {
            const I dst = pos[indices[p]]++;
            out_indices[dst] = static_cast<I>(i);
            out_data[dst] = data[p];
          }
      }
    }
    if (mode == TransposeMode::paired) {
      barrier.wait(team);
      for (std::int64_t p = nnz * me / team, e = nnz * (me + 1) / team; p < e; ++p) {
        out_indices[p] = pairs[p].index;
        out_data[p] = pairs[p].value;
      }
    }
    barrier.wait(team);  // the first to finish spins here rather than sleeping in OpenMP's join
  }
}

#define INSTANTIATE_V(V) template void count_kept<V>(DenseView<const V>, double, std::int64_t*);
INSTANTIATE_V(float)
INSTANTIATE_V(double)
#undef INSTANTIATE_V
#define INSTANTIATE(V, I)                                                                                        \
  template void fill_kept<V, I>(DenseView<const V>, double, const std::int64_t*, I*, V*);                        \
  template void transpose_compressed<V, I>(std::int64_t, std::int64_t, const I*, const I*, const V*, I*, I*, V*);
SPARSE_FORMATS_FOR_EACH_TYPE(INSTANTIATE)
#undef INSTANTIATE

}  // namespace sparse_formats::kernels::cpu
