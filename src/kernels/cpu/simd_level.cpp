// Which instruction set the CPU kernels use: detected once, overridable by API or environment.
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <type_traits>
#include <utility>

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

// 512-bit gathers are slow on AMD's cores (Zen 4: SpMV on the layers of docs/performance.md ran
// 1.1-1.3x faster with AVX2's 256-bit gathers, while SpMM with 512-bit vectors ran 1.1-2.2x
// faster than with 256-bit ones).
bool slow_wide_gathers() {
#ifdef SPARSE_FORMATS_X86_ISAS
  return __builtin_cpu_is("amd");
#else
  return false;
#endif
}

// The default level, and whether it takes its float kernels for one vector from the lower levels
// (only where nothing forced the level).
std::pair<SimdLevel, bool> default_level() {
  SimdLevel cap = SimdLevel::avx512;
  bool forced = false;
  if (const char* env = std::getenv("SPARSE_FORMATS_SIMD"); env != nullptr && *env != '\0') {
    forced = true;
    if (std::strcmp(env, "baseline") == 0) cap = SimdLevel::baseline;
    else if (std::strcmp(env, "avx2") == 0) cap = SimdLevel::avx2;
  }
  const SimdLevel level = best_up_to(cap);
  return {level, level == SimdLevel::avx512 && !forced && slow_wide_gathers()};
}

std::atomic<int> g_level{-1};  // -1: not resolved yet
std::atomic<bool> g_narrow_gathers{false};  // float kernels for one vector from the lower levels

void set_default_level() {
  const auto [level, narrow_gathers] = default_level();
  g_narrow_gathers = narrow_gathers;
  g_level = static_cast<int>(level);
}

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
  if (level == SimdLevel::automatic) return set_default_level();
  if (!cpu_runs(level))
    throw unsupported("set_simd_level: '" + to_string(level) + "' is not available in this build on this CPU");
  g_narrow_gathers = false;
  g_level = static_cast<int>(level);
}

SimdLevel simd_level() {
  int l = g_level.load(std::memory_order_relaxed);
  if (l < 0) {
    set_default_level();
    l = g_level.load();
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

#ifdef SPARSE_FORMATS_X86_ISAS
namespace {

// On those CPUs the scalar four-stream SpMV of the baseline level beat AVX2's gathers while the
// matrix's arrays stayed within about 16 MiB (1.05-1.6x on the layers and DLMC matrices), and lost
// beyond (0.7-0.9x on 4096x4096 at 50-80%: 27-67 MB streamed from memory).
constexpr std::int64_t kScalarSpmvMaxBytes = std::int64_t{16} << 20;

template <typename V, typename I>
bool scalar_spmv(const CsrView<V, I>& a) {
  const std::int64_t nnz = a.rows > 0 ? static_cast<std::int64_t>(a.indptr[a.rows]) : 0;
  return nnz * static_cast<std::int64_t>(sizeof(V) + sizeof(I)) <= kScalarSpmvMaxBytes;
}

template <typename V, typename I>
void csr_rows_amd(const CsrView<V, I>& a, const V* x, std::int64_t ldx, V* y, std::int64_t ldy, std::int64_t k,
                  std::int64_t r0, std::int64_t r1) {
  if (k != 1) return avx512::row_kernels<V, I>().csr_rows(a, x, ldx, y, ldy, k, r0, r1);
  if (scalar_spmv(a)) return baseline::row_kernels<V, I>().csr_rows(a, x, ldx, y, ldy, k, r0, r1);
  avx512::row_kernels<V, I>().csr_rows_gather256(a, x, ldx, y, ldy, k, r0, r1);
}

template <typename V, typename I>
void csr_rows_narrow_amd(const CsrView<V, I>& a, const std::uint16_t* indices, const V* x, std::int64_t ldx, V* y,
                         std::int64_t ldy, std::int64_t r0, std::int64_t r1) {
  const auto& table = scalar_spmv(a) ? baseline::row_kernels<V, I>() : avx2::row_kernels<V, I>();
  table.csr_rows_narrow(a, indices, x, ldx, y, ldy, r0, r1);
}

// The AVX-512 table with the kernels for one vector that gather x taken from the other levels:
// SpMV on CSR from the baseline (scalar streams) or, beyond 16 MiB, csr_rows_gather256 (256-bit
// gathers); on its 16-bit copy from the baseline or AVX2 by size; the sliced copy from AVX2.
// Float only, which is what was measured.
template <typename V, typename I>
const RowKernels<V, I>& avx512_with_narrow_gathers() {
  if constexpr (!std::is_same_v<V, float>) {
    return avx512::row_kernels<V, I>();
  } else {
    static const RowKernels<V, I> table = [] {
      RowKernels<V, I> t = avx512::row_kernels<V, I>();
      t.csr_rows = &csr_rows_amd<V, I>;
      t.csr_rows_narrow = &csr_rows_narrow_amd<V, I>;
      t.sliced_rows = avx2::row_kernels<V, I>().sliced_rows;
      return t;
    }();
    return table;
  }
}

}  // namespace
#endif

template <typename V, typename I>
const RowKernels<V, I>& row_kernels() {
  switch (simd_level()) {
#ifdef SPARSE_FORMATS_X86_ISAS
    case SimdLevel::avx512:
      return g_narrow_gathers.load(std::memory_order_relaxed) ? avx512_with_narrow_gathers<V, I>()
                                                            : avx512::row_kernels<V, I>();
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
