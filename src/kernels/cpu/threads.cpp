#include "kernels/cpu/threads.hpp"

#include <atomic>
#include <cstdlib>
#include <string>

#include "sparse_formats/config.hpp"
#include "sparse_formats/errors.hpp"

#ifdef _OPENMP
#include <omp.h>
#endif

namespace sparse_formats {

namespace {
std::atomic<int> g_threads{0};  // 0: not set through the API
std::atomic<std::int64_t> g_panel{0};  // 0: not set through the API (SPARSE_FORMATS_PANEL_COLUMNS or automatic)

int default_threads() {
  if (const char* env = std::getenv("SPARSE_FORMATS_NUM_THREADS"); env != nullptr && *env != '\0') {
    char* end = nullptr;
    const long n = std::strtol(env, &end, 10);
    if (*end == '\0' && n > 0 && n <= 4096) return static_cast<int>(n);
  }
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
  static const std::int64_t from_env = [] {
    const char* env = std::getenv("SPARSE_FORMATS_PANEL_COLUMNS");
    if (env == nullptr || *env == '\0') return std::int64_t{0};
    char* end = nullptr;
    const long long n = std::strtoll(env, &end, 10);
    return *end == '\0' && n >= -1 ? static_cast<std::int64_t>(n) : std::int64_t{0};
  }();
  return from_env;
}

bool has_openmp() {
#ifdef _OPENMP
  return true;
#else
  return false;
#endif
}

namespace kernels::cpu {
int threads_for(std::int64_t work) {
  // Work units (threads.hpp: non-zeros x vector registers of the batch) below which one thread
  // wins: 2^15 units are some tens of microseconds of one core, several times the cost of waking
  // a second thread. In docs/performance.md, SpMV of 1000x1000 at 99% (10K non-zeros, one thread)
  // takes 16 us and at 95% (50K, two threads) 20 us: the boundary sits between them.
  constexpr std::int64_t kMinParallelWork = 1 << 15;
  return work < kMinParallelWork ? 1 : num_threads();
}

}  // namespace kernels::cpu

}  // namespace sparse_formats
