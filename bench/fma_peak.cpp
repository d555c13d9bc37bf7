// The most vector FMAs one core retires per second, with 512-bit (AVX-512) and 256-bit (AVX2)
// registers: twelve independent chains with no memory access. The goals of the block-sparse and
// dense-comparison products are judged against it (docs/performance.md), since this machine has
// no hardware counters to show how busy the FMA units are.
//   build-bench/bench/fma_peak
#include <immintrin.h>

#include <algorithm>
#include <chrono>
#include <cstdio>

namespace {

constexpr long kIterations = 50'000'000;

// Twelve chains of FMAs on registers of type R; the empty asm keeps them in registers and in the loop.
#define SPARSE_FORMATS_FMA_CHAINS(R, SET1, FMA)                                                                  \
  const R b = SET1(0.9999f), c = SET1(1e-7f);                                                                    \
  R a0 = b, a1 = b, a2 = b, a3 = b, a4 = b, a5 = b, a6 = b, a7 = b, a8 = b, a9 = b, a10 = b, a11 = b;          \
  const auto start = std::chrono::steady_clock::now();                                                          \
  for (long i = 0; i < kIterations; ++i) {                                                                      \
    a0 = FMA(a0, b, c), a1 = FMA(a1, b, c), a2 = FMA(a2, b, c), a3 = FMA(a3, b, c);                             \
    a4 = FMA(a4, b, c), a5 = FMA(a5, b, c), a6 = FMA(a6, b, c), a7 = FMA(a7, b, c);                             \
    a8 = FMA(a8, b, c), a9 = FMA(a9, b, c), a10 = FMA(a10, b, c), a11 = FMA(a11, b, c);                         \
    __asm__ volatile("" : "+v"(a0), "+v"(a1), "+v"(a2), "+v"(a3), "+v"(a4), "+v"(a5), "+v"(a6), "+v"(a7),       \
                     "+v"(a8), "+v"(a9), "+v"(a10), "+v"(a11));                                                  \
  }                                                                                                              \
  return static_cast<double>(kIterations) * 12 /                                                                 \
         std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

[[gnu::target("avx512f")]] double avx512_fmas_per_second() { SPARSE_FORMATS_FMA_CHAINS(__m512, _mm512_set1_ps, _mm512_fmadd_ps) }
[[gnu::target("avx2,fma")]] double avx2_fmas_per_second() { SPARSE_FORMATS_FMA_CHAINS(__m256, _mm256_set1_ps, _mm256_fmadd_ps) }

template <typename F>
double best_of_three(F&& f) {
  double best = 0;
  for (int r = 0; r < 3; ++r) best = std::max(best, f());
  return best;
}

}  // namespace

int main() {
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f"))
    std::printf("AVX-512: %.2f G vector FMAs/s per core (16 floats each)\n", best_of_three(avx512_fmas_per_second) / 1e9);
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
    std::printf("AVX2:    %.2f G vector FMAs/s per core (8 floats each)\n", best_of_three(avx2_fmas_per_second) / 1e9);
}
