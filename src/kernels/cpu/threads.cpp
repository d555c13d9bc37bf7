#include "kernels/cpu/threads.hpp"

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <optional>
#include <string>

#include <strings.h>
#include <unistd.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

#include "kernels/cpu/memory.hpp"
#include "sparse_formats/config.hpp"
#include "sparse_formats/errors.hpp"

#ifdef _OPENMP
#include <omp.h>
#endif

namespace sparse_formats {

namespace {
std::atomic<int> g_threads{0};  // 0: not set through the API
std::atomic<std::int64_t> g_panel{0};  // 0: not set through the API (SPARSE_FORMATS_PANEL_COLUMNS or automatic)
std::atomic<std::int64_t> g_batch{0};  // 0: not set through the API (SPARSE_FORMATS_BATCH_COLUMNS or automatic)
std::atomic<int> g_slices{0};          // 0: not set through the API (SPARSE_FORMATS_SPMV_SLICES or automatic)
std::atomic<int> g_tiles{0};           // 0: not set through the API (SPARSE_FORMATS_SPMV_TILES or automatic)

// The integer in environment variable `name` if it is set, whole and within [lo, hi].
std::optional<long long> env_integer(const char* name, long long lo, long long hi) {
  const char* env = std::getenv(name);
  if (env == nullptr || *env == '\0') return std::nullopt;
  char* end = nullptr;
  const long long n = std::strtoll(env, &end, 10);
  if (*end != '\0' || n < lo || n > hi) return std::nullopt;
  return n;
}

int default_threads() {
  if (const auto n = env_integer("SPARSE_FORMATS_NUM_THREADS", 1, 4096)) return static_cast<int>(*n);
#ifdef _OPENMP
  return omp_get_max_threads();
#else
  return 1;
#endif
}
}  // namespace

void set_num_threads(int threads) {
  if (threads < 0) throw invalid_argument("set_num_threads: thread count must be >= 0, got " + std::to_string(threads));
  g_threads = threads;
}

int num_threads() {
#ifdef _OPENMP
  const int set = g_threads.load();
  return set > 0 ? set : default_threads();
#else
  return 1;
#endif
}

void set_panel_columns(std::int64_t columns) {
  if (columns < -1)
    throw invalid_argument("set_panel_columns: expected -1 (off), 0 (automatic) or a column count, got " +
                           std::to_string(columns));
  g_panel = columns;
}

std::int64_t panel_columns() {
  if (const std::int64_t set = g_panel.load(); set != 0) return set;
  static const std::int64_t from_env =
      env_integer("SPARSE_FORMATS_PANEL_COLUMNS", -1, std::numeric_limits<long long>::max()).value_or(0);
  return from_env;
}

void set_batch_columns(std::int64_t columns) {
  if (columns < -1)
    throw invalid_argument("set_batch_columns: expected -1 (off), 0 (automatic) or a column count, got " +
                           std::to_string(columns));
  g_batch = columns;
}

std::int64_t batch_columns() {
  if (const std::int64_t set = g_batch.load(); set != 0) return set;
  static const std::int64_t from_env =
      env_integer("SPARSE_FORMATS_BATCH_COLUMNS", -1, std::numeric_limits<long long>::max()).value_or(0);
  return from_env;
}

void set_spmv_tiles(int log2_columns) {
  if (log2_columns < -1 || log2_columns > 16)
    throw invalid_argument("set_spmv_tiles: expected -1 (off), 0 (automatic) or a column exponent in [1, 16], got " +
                           std::to_string(log2_columns));
  g_tiles = log2_columns;
}

int spmv_tiles() {
  if (const int set = g_tiles.load(); set != 0) return set;
  static const int from_env = static_cast<int>(env_integer("SPARSE_FORMATS_SPMV_TILES", -1, 16).value_or(0));
  return from_env;
}

void set_spmv_slices(int mode) {
  if (mode < -1 || mode > 1)
    throw invalid_argument("set_spmv_slices: expected -1 (off), 0 (automatic) or 1 (always), got " +
                           std::to_string(mode));
  g_slices = mode;
}

int spmv_slices() {
  if (const int set = g_slices.load(); set != 0) return set;
  static const int from_env = static_cast<int>(env_integer("SPARSE_FORMATS_SPMV_SLICES", -1, 1).value_or(0));
  return from_env;
}

std::size_t cached_memory_bytes() { return kernels::cpu::cached_bytes(); }

void release_cached_memory() { kernels::cpu::release_cached_blocks(); }

bool has_openmp() {
#ifdef _OPENMP
  return true;
#else
  return false;
#endif
}

namespace kernels::cpu {
namespace {
// Work units (threads.hpp: non-zeros x vector registers of the batch) below which one thread
// wins. While OpenMP's threads still spin from the previous region (its default wait policy),
// waking them is cheap and 2^15 units (some tens of microseconds of one core) is the boundary:
// SpMV of 1000x1000 at 99% (10K non-zeros) took 16 us on one thread and at 95% (50K) 20 us on
// two. With OMP_WAIT_POLICY=passive (or GOMP_SPINCOUNT=0) a thread that waits in an OpenMP
// barrier or join sleeps (run_parts and SpinBarrier spin instead), and the worker starts late:
// 10-25 us on an Intel Xeon guest, where one thread won up to ~2^18 units, and 10-11 us on an AMD
// EPYC guest, where 2^16 won 1.1-1.8x over 2^18 on the small layers, losing 0.89x on one transpose
// and nothing beyond the noise elsewhere (docs/performance.md, "Threads"). 2^16 is the default; SPARSE_FORMATS_MIN_PARALLEL_WORK
// sets the boundary.
std::int64_t min_parallel_work() {
  static const std::int64_t units = [] {
    if (const auto n = env_integer("SPARSE_FORMATS_MIN_PARALLEL_WORK", 0, std::numeric_limits<long long>::max()))
      return static_cast<std::int64_t>(*n);
    const char* policy = std::getenv("OMP_WAIT_POLICY");
    const char* spin = std::getenv("GOMP_SPINCOUNT");
    const bool passive = (policy != nullptr && strcasecmp(policy, "passive") == 0) ||
                         (spin != nullptr && std::strcmp(spin, "0") == 0);
    return std::int64_t{1} << (passive ? 16 : 15);
  }();
  return units;
}
}  // namespace

std::int64_t l2_cache_bytes() {
  // What the C library reads from the CPU (cpuid); 1 MiB, a common size, where it cannot tell.
  static const std::int64_t bytes = [] {
#ifdef _SC_LEVEL2_CACHE_SIZE
    const long n = sysconf(_SC_LEVEL2_CACHE_SIZE);
#else
    const long n = 0;
#endif
    return n > 0 ? static_cast<std::int64_t>(n) : std::int64_t{1} << 20;
  }();
  return bytes;
}

int threads_for(std::int64_t work) { return work < min_parallel_work() ? 1 : num_threads(); }

int team_rank() {
#ifdef _OPENMP
  return omp_get_thread_num();
#else
  return 0;
#endif
}

int team_size() {
#ifdef _OPENMP
  return omp_get_num_threads();
#else
  return 1;
#endif
}

void SpinBarrier::wait(int n) {
  if (n <= 1) return;
  const unsigned generation = generation_.load(std::memory_order_acquire);
  if (arrived_.fetch_add(1, std::memory_order_acq_rel) + 1 == n) {
    arrived_.store(0, std::memory_order_relaxed);
    generation_.store(generation + 1, std::memory_order_release);
    generation_.notify_all();
    return;
  }
  for (int i = 0; i < kSpins; ++i) {
    if (generation_.load(std::memory_order_acquire) != generation) return;
#if defined(__x86_64__) || defined(__i386__)
    _mm_pause();
#endif
  }
  while (generation_.load(std::memory_order_acquire) == generation) generation_.wait(generation, std::memory_order_acquire);
}

}  // namespace kernels::cpu

}  // namespace sparse_formats
