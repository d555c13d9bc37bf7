// The most vector FMAs one core retires per second, with 512-bit (AVX-512) and 256-bit (AVX2)
// registers: twelve independent chains with no memory access. The goals of the block-sparse and
// dense-comparison products are judged against it (docs/performance.md), since this machine has
// no hardware counters to show how busy the FMA units are.
// Then the two inner loops of the CSR products with a batch of 128 floats, on rows held in L1:
// A x's (load a row of x, FMA into registers) and A^T x's (load a row of y, FMA, store it back),
// in vector FMAs per second; the transposed product's goal is judged against their ratio.
//   build-bench/bench/fma_peak
#include <immintrin.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>
#include <vector>

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

// Rows of 128 floats (8 registers), 32 of them (16 KB, in L1), visited in a shuffled order with no
// row twice in a row, as the columns of one CSR row.
constexpr int kRows = 32;
constexpr int kRowFloats = 128;
constexpr long kVisits = 4096;
constexpr long kSweeps = 20'000;

std::vector<int> row_order() {
  std::mt19937 rng(7);
  std::vector<int> order(kVisits);
  for (long p = 0; p < kVisits; ++p) {
    do order[p] = static_cast<int>(rng() % kRows);
    while (p > 0 && order[p] == order[p - 1]);
  }
  return order;
}

// acc[u] += v * x[row][u]: y = A x's loop, one output row accumulating in registers.
[[gnu::target("avx512f")]] double avx512_gather_rows_per_second() {
  alignas(64) static float x[kRows * kRowFloats];
  std::fill(x, x + kRows * kRowFloats, 1e-3f);
  const auto order = row_order();
  const __m512 v = _mm512_set1_ps(0.5f);
  __m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
  const auto start = std::chrono::steady_clock::now();
  for (long s = 0; s < kSweeps; ++s)
    for (long p = 0; p < kVisits; ++p) {
      const float* xr = x + order[p] * kRowFloats;
      a0 = _mm512_fmadd_ps(v, _mm512_load_ps(xr), a0), a1 = _mm512_fmadd_ps(v, _mm512_load_ps(xr + 16), a1);
      a2 = _mm512_fmadd_ps(v, _mm512_load_ps(xr + 32), a2), a3 = _mm512_fmadd_ps(v, _mm512_load_ps(xr + 48), a3);
      a4 = _mm512_fmadd_ps(v, _mm512_load_ps(xr + 64), a4), a5 = _mm512_fmadd_ps(v, _mm512_load_ps(xr + 80), a5);
      a6 = _mm512_fmadd_ps(v, _mm512_load_ps(xr + 96), a6), a7 = _mm512_fmadd_ps(v, _mm512_load_ps(xr + 112), a7);
    }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  __asm__ volatile("" : : "v"(a0), "v"(a1), "v"(a2), "v"(a3), "v"(a4), "v"(a5), "v"(a6), "v"(a7));
  return static_cast<double>(kSweeps) * kVisits * 8 / seconds;
}

// y[row][u] += v * x[u]: y += A^T x's loop, x's row in registers and each output row loaded and stored.
[[gnu::target("avx512f")]] double avx512_scatter_rows_per_second() {
  alignas(64) static float y[kRows * kRowFloats];
  std::fill(y, y + kRows * kRowFloats, 0.0f);
  const auto order = row_order();
  const __m512 v = _mm512_set1_ps(1e-9f);
  __m512 xv[8];
  for (auto& a : xv) a = _mm512_set1_ps(0.5f);
  const auto start = std::chrono::steady_clock::now();
  for (long s = 0; s < kSweeps; ++s)
    for (long p = 0; p < kVisits; ++p) {
      float* yr = y + order[p] * kRowFloats;
      for (int u = 0; u < 8; ++u) _mm512_store_ps(yr + 16 * u, _mm512_fmadd_ps(v, xv[u], _mm512_load_ps(yr + 16 * u)));
    }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  __asm__ volatile("" : : "r"(y) : "memory");
  return static_cast<double>(kSweeps) * kVisits * 8 / seconds;
}

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
  if (__builtin_cpu_supports("avx512f")) {
    const double gather = best_of_three(avx512_gather_rows_per_second);
    const double scatter = best_of_three(avx512_scatter_rows_per_second);
    std::printf("AVX-512, rows of 128 floats in L1: A x's loop (load, FMA) %.2f G vector FMAs/s, "
                "A^T x's loop (load, FMA, store) %.2f G/s: %.2fx\n", gather / 1e9, scatter / 1e9, gather / scatter);
  }
}
