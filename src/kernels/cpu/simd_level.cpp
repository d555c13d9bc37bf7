// Which instruction set the CPU kernels use: detected once, overridable by API or environment.
#include <atomic>
#include <cstdlib>
#include <cstring>

#include "instantiate.hpp"
#include "kernels/cpu/row_kernels.hpp"
#include "sparse_formats/config.hpp"
#include "sparse_formats/errors.hpp"

namespace sparse_formats {

namespace {

bool cpu_runs(SimdLevel level) {
  switch (level) {
    case SimdLevel::automatic:
    case SimdLevel::baseline: return true;
#ifdef SPARSE_FORMATS_X86_ISAS
    case SimdLevel::avx2:
      return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    case SimdLevel::avx512:
      return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
             __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
             __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq");
#endif
    default: return false;
  }
}

SimdLevel best_up_to(SimdLevel cap) {
  for (SimdLevel l : {SimdLevel::avx512, SimdLevel::avx2})
    if (static_cast<int>(l) <= static_cast<int>(cap) && cpu_runs(l)) return l;
  return SimdLevel::baseline;
}

SimdLevel default_level() {
  SimdLevel cap = SimdLevel::avx512;
  if (const char* env = std::getenv("SPARSE_FORMATS_SIMD"); env != nullptr && *env != '\0') {
    if (std::strcmp(env, "baseline") == 0) cap = SimdLevel::baseline;
    else if (std::strcmp(env, "avx2") == 0) cap = SimdLevel::avx2;
  }
  return best_up_to(cap);
}

std::atomic<int> g_level{-1};  // -1: not resolved yet

}  // namespace

std::string to_string(SimdLevel level) {
  switch (level) {
    case SimdLevel::automatic: return "automatic";
    case SimdLevel::baseline: return "baseline";
    case SimdLevel::avx2: return "avx2";
    case SimdLevel::avx512: return "avx512";
  }
  return "unknown";
}

void set_simd_level(SimdLevel level) {
  if (level == SimdLevel::automatic) {
    g_level = static_cast<int>(default_level());
    return;
  }
  if (!cpu_runs(level))
    throw unsupported("set_simd_level: '" + to_string(level) + "' is not available in this build on this CPU");
  g_level = static_cast<int>(level);
}

SimdLevel simd_level() {
  int l = g_level.load(std::memory_order_relaxed);
  if (l < 0) {
    l = static_cast<int>(default_level());
    g_level = l;
  }
  return static_cast<SimdLevel>(l);
}

std::vector<SimdLevel> available_simd_levels() {
  std::vector<SimdLevel> out;
  for (SimdLevel l : {SimdLevel::baseline, SimdLevel::avx2, SimdLevel::avx512})
    if (cpu_runs(l)) out.push_back(l);
  return out;
}

namespace kernels::cpu {

template <typename V, typename I>
const RowKernels<V, I>& row_kernels() {
  switch (simd_level()) {
#ifdef SPARSE_FORMATS_X86_ISAS
    case SimdLevel::avx512: return avx512::row_kernels<V, I>();
    case SimdLevel::avx2: return avx2::row_kernels<V, I>();
#endif
    default: return baseline::row_kernels<V, I>();
  }
}

#define INSTANTIATE(V, I) template const RowKernels<V, I>& row_kernels<V, I>();
SPARSE_FORMATS_FOR_EACH_TYPE(INSTANTIATE)
#undef INSTANTIATE

}  // namespace kernels::cpu

}  // namespace sparse_formats
