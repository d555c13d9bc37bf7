// Vector registers of the instruction set this translation unit is compiled for (chosen by the
// compiler flags of the including file), behind one small interface: Simd<V>::R holds N values.
// Everything lives in an ISA-named namespace, so no inline
// function compiled with wide instructions can be picked by the linker for baseline code.
#pragma once

#include <cstdint>

#if defined(__AVX512F__) || defined(__AVX2__) || defined(__SSE2__)
#include <immintrin.h>
#endif

#ifndef SPARSE_FORMATS_ISA
#error "define SPARSE_FORMATS_ISA (the namespace of this instruction set) before including simd.hpp"
#endif

namespace sparse_formats::kernels::cpu::SPARSE_FORMATS_ISA {

template <typename V>
struct Simd;

// Registers narrower than Simd's for batches of a few values (see the specialisations below).
template <typename V, int Bytes>
struct Short;

#if defined(__AVX512F__)
inline constexpr int kVectorRegisters = 32;

template <>
struct Simd<float> {
  using R = __m512;
  static constexpr int N = 16;
  static R zero() { return _mm512_setzero_ps(); }
  static R set1(float v) { return _mm512_set1_ps(v); }
  static R load(const float* p) { return _mm512_loadu_ps(p); }
  static void store(float* p, R v) { _mm512_storeu_ps(p, v); }
  static __mmask16 mask(int n) { return static_cast<__mmask16>((1u << n) - 1u); }
  // Lanes [lo, hi) (0 <= lo < hi <= N); the others are neither read nor written.
  using M = __mmask16;
  static M range(int lo, int hi) { return static_cast<M>(((1u << hi) - 1u) & ~((1u << lo) - 1u)); }
  static R load_m(const float* p, M m) { return _mm512_maskz_loadu_ps(m, p); }
  static void store_m(float* p, R v, M m) { _mm512_mask_storeu_ps(p, m, v); }
  static R fma(R a, R b, R c) { return _mm512_fmadd_ps(a, b, c); }
  static R add(R a, R b) { return _mm512_add_ps(a, b); }
};

template <>
struct Simd<double> {
  using R = __m512d;
  static constexpr int N = 8;
  static R zero() { return _mm512_setzero_pd(); }
  static R set1(double v) { return _mm512_set1_pd(v); }
  static R load(const double* p) { return _mm512_loadu_pd(p); }
  static void store(double* p, R v) { _mm512_storeu_pd(p, v); }
  static __mmask8 mask(int n) { return static_cast<__mmask8>((1u << n) - 1u); }
  using M = __mmask8;
  static M range(int lo, int hi) { return static_cast<M>(((1u << hi) - 1u) & ~((1u << lo) - 1u)); }
  static R load_m(const double* p, M m) { return _mm512_maskz_loadu_pd(m, p); }
  static void store_m(double* p, R v, M m) { _mm512_mask_storeu_pd(p, m, v); }
  static R fma(R a, R b, R c) { return _mm512_fmadd_pd(a, b, c); }
  static R add(R a, R b) { return _mm512_add_pd(a, b); }
};


// Registers of 16 or 32 bytes for batches of at most that many bytes (masked lanes as in Simd): a
// masked load or store of a full register spans, and pays for, every cache line under the whole
// register, not only under the lanes it reads (1.1-1.5x on batches of 3-8 floats,
// docs/performance.md).

template <>
struct Short<float, 16> {
  using R = __m128;
  using M = __mmask8;
  static constexpr int N = 4;
  static M mask(int n) { return static_cast<M>((1u << n) - 1u); }
  static R zero() { return _mm_setzero_ps(); }
  static R set1(float v) { return _mm_set1_ps(v); }
  static R load_m(const float* p, M m) { return _mm_maskz_loadu_ps(m, p); }
  static void store_m(float* p, R v, M m) { _mm_mask_storeu_ps(p, m, v); }
  static R fma(R a, R b, R c) { return _mm_fmadd_ps(a, b, c); }
  static R add(R a, R b) { return _mm_add_ps(a, b); }
};

template <>
struct Short<float, 32> {
  using R = __m256;
  using M = __mmask8;
  static constexpr int N = 8;
  static M mask(int n) { return static_cast<M>((1u << n) - 1u); }
  static R zero() { return _mm256_setzero_ps(); }
  static R set1(float v) { return _mm256_set1_ps(v); }
  static R load_m(const float* p, M m) { return _mm256_maskz_loadu_ps(m, p); }
  static void store_m(float* p, R v, M m) { _mm256_mask_storeu_ps(p, m, v); }
  static R fma(R a, R b, R c) { return _mm256_fmadd_ps(a, b, c); }
  static R add(R a, R b) { return _mm256_add_ps(a, b); }
};

template <>
struct Short<double, 16> {
  using R = __m128d;
  using M = __mmask8;
  static constexpr int N = 2;
  static M mask(int n) { return static_cast<M>((1u << n) - 1u); }
  static R zero() { return _mm_setzero_pd(); }
  static R set1(double v) { return _mm_set1_pd(v); }
  static R load_m(const double* p, M m) { return _mm_maskz_loadu_pd(m, p); }
  static void store_m(double* p, R v, M m) { _mm_mask_storeu_pd(p, m, v); }
  static R fma(R a, R b, R c) { return _mm_fmadd_pd(a, b, c); }
  static R add(R a, R b) { return _mm_add_pd(a, b); }
};

template <>
struct Short<double, 32> {
  using R = __m256d;
  using M = __mmask8;
  static constexpr int N = 4;
  static M mask(int n) { return static_cast<M>((1u << n) - 1u); }
  static R zero() { return _mm256_setzero_pd(); }
  static R set1(double v) { return _mm256_set1_pd(v); }
  static R load_m(const double* p, M m) { return _mm256_maskz_loadu_pd(m, p); }
  static void store_m(double* p, R v, M m) { _mm256_mask_storeu_pd(p, m, v); }
  static R fma(R a, R b, R c) { return _mm256_fmadd_pd(a, b, c); }
  static R add(R a, R b) { return _mm256_add_pd(a, b); }
};

#elif defined(__AVX2__) && defined(__FMA__)
inline constexpr int kVectorRegisters = 16;

template <>
struct Simd<float> {
  using R = __m256;
  static constexpr int N = 8;
  static R zero() { return _mm256_setzero_ps(); }
  static R set1(float v) { return _mm256_set1_ps(v); }
  static R load(const float* p) { return _mm256_loadu_ps(p); }
  static void store(float* p, R v) { _mm256_storeu_ps(p, v); }
  static __m256i mask(int n) { return _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7)); }
  using M = __m256i;
  static M range(int lo, int hi) { return _mm256_andnot_si256(mask(lo), mask(hi)); }
  static R load_m(const float* p, M m) { return _mm256_maskload_ps(p, m); }
  static void store_m(float* p, R v, M m) { _mm256_maskstore_ps(p, m, v); }
  static R fma(R a, R b, R c) { return _mm256_fmadd_ps(a, b, c); }
  static R add(R a, R b) { return _mm256_add_ps(a, b); }
};

template <>
struct Simd<double> {
  using R = __m256d;
  static constexpr int N = 4;
  static R zero() { return _mm256_setzero_pd(); }
  static R set1(double v) { return _mm256_set1_pd(v); }
  static R load(const double* p) { return _mm256_loadu_pd(p); }
  static void store(double* p, R v) { _mm256_storeu_pd(p, v); }
  static __m256i mask(int n) { return _mm256_cmpgt_epi64(_mm256_set1_epi64x(n), _mm256_setr_epi64x(0, 1, 2, 3)); }
  using M = __m256i;
  static M range(int lo, int hi) { return _mm256_andnot_si256(mask(lo), mask(hi)); }
  static R load_m(const double* p, M m) { return _mm256_maskload_pd(p, m); }
  static void store_m(double* p, R v, M m) { _mm256_maskstore_pd(p, m, v); }
  static R fma(R a, R b, R c) { return _mm256_fmadd_pd(a, b, c); }
  static R add(R a, R b) { return _mm256_add_pd(a, b); }
};


// Registers of 16 bytes for batches of at most 16 bytes (see the AVX-512 Short).

template <>
struct Short<float, 16> {
  using R = __m128;
  using M = __m128i;
  static constexpr int N = 4;
  static M mask(int n) { return _mm_cmpgt_epi32(_mm_set1_epi32(n), _mm_setr_epi32(0, 1, 2, 3)); }
  static R zero() { return _mm_setzero_ps(); }
  static R set1(float v) { return _mm_set1_ps(v); }
  static R load_m(const float* p, M m) { return _mm_maskload_ps(p, m); }
  static void store_m(float* p, R v, M m) { _mm_maskstore_ps(p, m, v); }
  static R fma(R a, R b, R c) { return _mm_fmadd_ps(a, b, c); }
  static R add(R a, R b) { return _mm_add_ps(a, b); }
};

template <>
struct Short<double, 16> {
  using R = __m128d;
  using M = __m128i;
  static constexpr int N = 2;
  static M mask(int n) { return _mm_cmpgt_epi64(_mm_set1_epi64x(n), _mm_set_epi64x(1, 0)); }
  static R zero() { return _mm_setzero_pd(); }
  static R set1(double v) { return _mm_set1_pd(v); }
  static R load_m(const double* p, M m) { return _mm_maskload_pd(p, m); }
  static void store_m(double* p, R v, M m) { _mm_maskstore_pd(p, m, v); }
  static R fma(R a, R b, R c) { return _mm_fmadd_pd(a, b, c); }
  static R add(R a, R b) { return _mm_add_pd(a, b); }
};

#else
// Portable fallback: a short array the compiler maps onto whatever vector unit the baseline
// target has (SSE2 on x86-64). Multiply then add, as the baseline has no FMA.
inline constexpr int kVectorRegisters = 16;

template <typename V, int W>
struct alignas(16) PortableVec {
  V v[W];
};

template <typename V>
struct PortableSimd {
  static constexpr int N = 16 / sizeof(V);
  using R = PortableVec<V, N>;
  static R zero() { R r; for (int i = 0; i < N; ++i) r.v[i] = V(0); return r; }
  static R set1(V s) { R r; for (int i = 0; i < N; ++i) r.v[i] = s; return r; }
  static R load(const V* p) { R r; for (int i = 0; i < N; ++i) r.v[i] = p[i]; return r; }
  static void store(V* p, R a) { for (int i = 0; i < N; ++i) p[i] = a.v[i]; }
  struct M {
    int lo, hi;
  };
  static M range(int lo, int hi) { return {lo, hi}; }
  static R load_m(const V* p, M m) { R r = zero(); for (int i = m.lo; i < m.hi; ++i) r.v[i] = p[i]; return r; }
  static void store_m(V* p, R a, M m) { for (int i = m.lo; i < m.hi; ++i) p[i] = a.v[i]; }
  static R fma(R a, R b, R c) { for (int i = 0; i < N; ++i) c.v[i] += a.v[i] * b.v[i]; return c; }
  static R add(R a, R b) { for (int i = 0; i < N; ++i) a.v[i] += b.v[i]; return a; }
};
template <>
struct Simd<float> : PortableSimd<float> {};
template <>
struct Simd<double> : PortableSimd<double> {};
#endif

#if defined(__AVX512F__) || (defined(__AVX2__) && defined(__FMA__))
// Two floats as one 64-bit access: masked 128-bit accesses to 8-byte rows overlap the next row.
template <>
struct Short<float, 8> {
  using R = __m128;
  using M = int;  // unused: the access is exactly two lanes
  static constexpr int N = 2;
  static M mask(int) { return 0; }
  static R zero() { return _mm_setzero_ps(); }
  static R set1(float v) { return _mm_set1_ps(v); }
  // movq through the unaligned integer forms: the rows are only 4-byte aligned
  static R load_m(const float* p, M) { return _mm_castsi128_ps(_mm_loadl_epi64(reinterpret_cast<const __m128i_u*>(p))); }
  static void store_m(float* p, R v, M) { _mm_storel_epi64(reinterpret_cast<__m128i_u*>(p), _mm_castps_si128(v)); }
  static R fma(R a, R b, R c) { return _mm_fmadd_ps(a, b, c); }
  static R add(R a, R b) { return _mm_add_ps(a, b); }
};
#endif

}  // namespace sparse_formats::kernels::cpu::SPARSE_FORMATS_ISA
