// The inner loops of the CPU kernels, written once over Simd<V> and compiled once per
// instruction set: row_kernels_{baseline,avx2,avx512}.cpp define SPARSE_FORMATS_ISA and include
// this file. SpMM is vectorised over the batch (columns of x and y): each output row is a tile of
// U vector registers that stays in registers while the row's non-zeros stream through.
// Nothing from std:: is instantiated here (see simd.hpp).
#pragma once

#include "kernels/cpu/row_kernels.hpp"
#include "kernels/cpu/simd.hpp"

#include <type_traits>
#include <utility>

// GCC 12 warns inside its own gather intrinsics (the unused source operand).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#define SPARSE_FORMATS_NO_AUTOVECTORIZE __attribute__((optimize("no-tree-vectorize")))
#else
#define SPARSE_FORMATS_NO_AUTOVECTORIZE
#endif

namespace sparse_formats::kernels::cpu::SPARSE_FORMATS_ISA {

using i64 = std::int64_t;

// Widest register tile of an output row: a quarter of the register file.
inline constexpr int kMaxTile = kVectorRegisters / 4;

template <typename T>
inline constexpr T min_of(T a, T b) {
  return a < b ? a : b;
}
template <typename T>
inline constexpr T max_of(T a, T b) {
  return a < b ? b : a;
}

// The matrix's own streams (indices, values) are fetched kStreamAhead bytes early, one prefetch per
// cache line consumed (the short-batch kernels: per 16 non-zeros, so every other line of 8-byte
// values or indices): past L2 they come from L3 or memory, and the hardware prefetcher alone left
// the one-vector products 1.1-1.3x short of that (docs/performance.md).
inline constexpr i64 kStreamAhead = 2048;
template <bool On = true, typename T>
inline void prefetch_stream(const T* p) {
  if constexpr (On) __builtin_prefetch(reinterpret_cast<const char*>(p) + kStreamAhead, 0, 3);
}

// Prefetching pays once a thread's part of the matrix outgrows what L2 keeps between calls; below
// that it cost the sliced SpMV 0.92-0.96x (docs/performance.md).
inline constexpr i64 kPrefetchMinBytes = i64{1} << 20;
// A^T x with one vector prefetches a line at a time where y takes at least this (csr_scatter).
inline constexpr i64 kScatterPrefetchMinBytes = i64{4} << 20;

// The batch loops work in a frame of whole vectors that starts on the vector-size boundary at
// or before the row of the operand they load per non-zero (x for A x, y for A^T x), so that no such
// load spans two cache lines (glibc's malloc and numpy give rows 16-byte aligned: every vector
// load of a 512-byte row then spans two lines, 1.1-2.2x slower on the layer products). A tile of U
// vectors may cover lanes of the frame outside the batch in its first and last vector: Edges
// says which lanes are inside (first vector from lo, last vector up to hi), the rest are
// neither read nor written.
struct Edges {
  int lo = 0, hi = 0;
};

// Masks of a tile's first and last vector (one vector: both edges in it).
template <typename V, int U>
struct EdgeMasks {
  typename Simd<V>::M first, last;
  explicit EdgeMasks(Edges e)
      : first(Simd<V>::range(e.lo, U == 1 ? e.hi : Simd<V>::N)), last(Simd<V>::range(0, e.hi)) {}
};

// Vector u of the tile at p (Masked: the tile has edges).
template <typename V, bool Masked, int U>
inline typename Simd<V>::R load_vec(const V* p, int u, const EdgeMasks<V, U>& m) {
  using S = Simd<V>;
  if constexpr (Masked) {
    if (u == 0) return S::load_m(p, m.first);
    if (u == U - 1) return S::load_m(p + u * S::N, m.last);
  }
  return S::load(p + u * S::N);
}
template <typename V, bool Masked, int U>
inline void store_vec(V* p, int u, typename Simd<V>::R v, const EdgeMasks<V, U>& m) {
  using S = Simd<V>;
  if constexpr (Masked) {
    if (u == 0) return S::store_m(p, v, m.first);
    if (u == U - 1) return S::store_m(p + u * S::N, v, m.last);
  }
  S::store(p + u * S::N, v);
}

// Values from the vector-size boundary (64 bytes on AVX-512) at or before each row of an operand
// to the row's start, when that is the same for every row (stride a whole number of vectors),
// else 0.
template <typename V>
inline int frame_shift(const V* p, i64 ld) {
  constexpr int N = Simd<V>::N;
  // Baseline vectors are 16 bytes, malloc's alignment: no frame (GCC 12 at -O3 also miscompiled
  // the portable masked loop with a shifted frame, which Clang and -O2 did not).
  if constexpr (N * sizeof(V) <= 16) return 0;
  const auto addr = reinterpret_cast<std::uintptr_t>(p);
  if (ld % N != 0 || addr % sizeof(V) != 0) return 0;
  return static_cast<int>(addr / sizeof(V) % N);
}

// First position in idx[lo, hi) whose index is >= value.
template <typename I>
inline i64 lower_bound_of(const I* idx, i64 lo, i64 hi, i64 value) {
  while (lo < hi) {
    const i64 mid = lo + (hi - lo) / 2;
    if (static_cast<i64>(idx[mid]) < value) lo = mid + 1; else hi = mid;
  }
  return lo;
}

// ---------------------------------------------------------------- CSR, y = A x

// Batches of at most this many vectors are narrow: their tiles keep two accumulator sets.
inline constexpr int kNarrowBatch = kMaxTile / 2;

// y[tile] = sum over p of val[p] * x[idx[p], tile], the tile's U vectors within `edges`.
// With kTwo (a narrow batch), two accumulator sets take alternate non-zeros, so that the FMA
// latency is hidden by independent chains. kTwo follows the batch, not the tile width, so each
// value's sum is the same whatever the frame (and so the operands' alignment).
template <typename V, typename I, int U, bool Masked, bool kTwo>
inline void csr_tile(const I* idx, const V* val, i64 p0, i64 p1, const V* x, i64 ldx, V* y, Edges edges) {
  using S = Simd<V>;
  using R = typename S::R;
  constexpr int N = S::N;
  const EdgeMasks<V, U> m(edges);
  R a[U], b[U];
  for (int u = 0; u < U; ++u) a[u] = b[u] = S::zero();
  i64 p = p0;
  // Rows of x of 4+ cache lines are fetched kAhead non-zeros early: they are scattered through a
  // matrix that often outgrows L2, and the hardware prefetcher cannot guess them (A/B numbers in
  // docs/performance.md).
  constexpr int kRowBytes = U * N * static_cast<int>(sizeof(V));
  constexpr i64 kAhead = 8;
  auto prefetch = [&](i64 q) {
    if constexpr (kRowBytes >= 256) {
      if (q < p1) {
        const char* r = reinterpret_cast<const char*>(x + static_cast<i64>(idx[q]) * ldx);
        for (int off = 0; off < kRowBytes; off += 64) __builtin_prefetch(r + off, 0, 3);
      }
    }
  };
  if constexpr (kTwo) {
    for (; p + 1 < p1; p += 2) {
      prefetch(p + kAhead);
      prefetch(p + kAhead + 1);
      const V* x0 = x + static_cast<i64>(idx[p]) * ldx;
      const V* x1 = x + static_cast<i64>(idx[p + 1]) * ldx;
      const R v0 = S::set1(val[p]), v1 = S::set1(val[p + 1]);
      for (int u = 0; u < U; ++u) a[u] = S::fma(v0, load_vec<V, Masked>(x0, u, m), a[u]);
      for (int u = 0; u < U; ++u) b[u] = S::fma(v1, load_vec<V, Masked>(x1, u, m), b[u]);
    }
  }
  for (; p < p1; ++p) {
    prefetch(p + kAhead);
    const V* x0 = x + static_cast<i64>(idx[p]) * ldx;
    const R v0 = S::set1(val[p]);
    for (int u = 0; u < U; ++u) a[u] = S::fma(v0, load_vec<V, Masked>(x0, u, m), a[u]);
  }
  for (int u = 0; u < U; ++u) store_vec<V, Masked>(y, u, kTwo ? S::add(a[u], b[u]) : a[u], m);
}

// SpMV row, scalar: four independent streams (kept scalar: GCC's own gathers here were slower).
// Stride is a template constant for the unit-stride case, so no multiply per non-zero.
template <typename V, typename I, bool Unit>
SPARSE_FORMATS_NO_AUTOVECTORIZE inline V csr_dot_streams(const I* idx, const V* val, i64 p0, i64 p1, const V* x,
                                                         i64 ldx) {
  const auto at = [&](i64 p) -> V { return Unit ? x[static_cast<i64>(idx[p])] : x[static_cast<i64>(idx[p]) * ldx]; };
  V s0 = V(0), s1 = V(0), s2 = V(0), s3 = V(0);
  i64 p = p0;
  for (; p + 3 < p1; p += 4) {
    s0 += val[p] * at(p);
    s1 += val[p + 1] * at(p + 1);
    s2 += val[p + 2] * at(p + 2);
    s3 += val[p + 3] * at(p + 3);
  }
  for (; p < p1; ++p) s0 += val[p] * at(p);
  return (s0 + s1) + (s2 + s3);
}

template <typename V, typename I>
inline V csr_dot_scalar(const I* idx, const V* val, i64 p0, i64 p1, const V* x, i64 ldx) {
  return ldx == 1 ? csr_dot_streams<V, I, true>(idx, val, p0, p1, x, 1)
                  : csr_dot_streams<V, I, false>(idx, val, p0, p1, x, ldx);
}

#if defined(__AVX512F__)
// 16 column indices as int32 lanes, from int32 or 16-bit storage.
template <typename I>
inline __m512i load_index16(const I* idx) {
  if constexpr (std::is_same_v<I, std::uint16_t>)
    return _mm512_cvtepu16_epi32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(idx)));
  else
    return _mm512_loadu_si512(idx);
}
// The first lanes of those, as m selects (no read past them); the rest zero.
template <typename I>
inline __m512i load_index16_n(const I* idx, __mmask16 m) {
  if constexpr (std::is_same_v<I, std::uint16_t>)
    return _mm512_cvtepu16_epi32(_mm256_maskz_loadu_epi16(m, idx));
  else
    return _mm512_maskz_loadu_epi32(m, idx);
}
template <typename I>
inline __m256i load_index8_n(const I* idx, __mmask8 m) {
  if constexpr (std::is_same_v<I, std::uint16_t>)
    return _mm256_cvtepu16_epi32(_mm_maskz_loadu_epi16(m, idx));
  else
    return _mm256_maskz_loadu_epi32(m, idx);
}
#endif
#if defined(__AVX2__)
// 8 column indices as int32 lanes, from int32 or 16-bit storage.
template <typename I>
inline __m256i load_index8(const I* idx) {
  if constexpr (std::is_same_v<I, std::uint16_t>)
    return _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(idx)));
  else
    return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(idx));
}
// The sum of 8 float lanes: halves, then pairs, then the last two.
inline float sum_lanes8(__m256 s) {
  const __m128 h = _mm_add_ps(_mm256_castps256_ps128(s), _mm256_extractf128_ps(s, 1));
  const __m128 q = _mm_add_ps(h, _mm_movehl_ps(h, h));
  return _mm_cvtss_f32(_mm_add_ss(q, _mm_shuffle_ps(q, q, 1)));
}
#endif

// SpMV row with hardware gathers of x where the instruction set has them (unit stride only;
// float on AVX2, float and double on AVX-512), two vector accumulators; the row's last partial vector is one masked gather (rows of DNN layers
// at 95-99% sparsity are 5-40 long: a scalar tail, with its mispredicted exit, was most of them).
// I may also be uint16_t (an SpmmPlan's narrow copy of the column indices): Path, the matrix's own
// index type, then picks the code path, so the sums and their order are those of the matrix's own
// indices.
template <typename V, typename I, typename Path = I>
inline V csr_dot(const I* idx, const V* val, i64 p0, i64 p1, const V* x, i64 ldx) {
#if defined(__AVX512F__)
  if constexpr (std::is_same_v<V, float> && std::is_same_v<Path, std::int32_t>) {
    if (ldx == 1) {
      __m512 a = _mm512_setzero_ps(), b = _mm512_setzero_ps();
      i64 p = p0;
      for (; p + 32 <= p1; p += 32) {
        prefetch_stream(idx + p);
        prefetch_stream(idx + p + 16);
        prefetch_stream(val + p);
        prefetch_stream(val + p + 16);
        const __m512i i0 = load_index16(idx + p), i1 = load_index16(idx + p + 16);
        a = _mm512_fmadd_ps(_mm512_loadu_ps(val + p), _mm512_i32gather_ps(i0, x, 4), a);
        b = _mm512_fmadd_ps(_mm512_loadu_ps(val + p + 16), _mm512_i32gather_ps(i1, x, 4), b);
      }
      if (p + 16 <= p1) {
        a = _mm512_fmadd_ps(_mm512_loadu_ps(val + p), _mm512_i32gather_ps(load_index16(idx + p), x, 4), a);
        p += 16;
      }
      if (p < p1) {
        const __mmask16 m = Simd<float>::mask(static_cast<int>(p1 - p));
        const __m512i i0 = load_index16_n(idx + p, m);
        b = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, val + p),
                            _mm512_mask_i32gather_ps(_mm512_setzero_ps(), m, i0, x, 4), b);
      }
      return _mm512_reduce_add_ps(_mm512_add_ps(a, b));
    }
  }
  if constexpr (std::is_same_v<V, double>) {
    if (ldx == 1) {
      __m512d a = _mm512_setzero_pd(), b = _mm512_setzero_pd();
      // Eight values of x at idx[q, q + 8), lanes outside m left zero.
      auto gather8 = [&](i64 q, __mmask8 m) {
        if constexpr (sizeof(I) <= 4)
          return _mm512_mask_i32gather_pd(_mm512_setzero_pd(), m, load_index8_n(idx + q, m), x, 8);
        else
          return _mm512_mask_i64gather_pd(_mm512_setzero_pd(), m, _mm512_maskz_loadu_epi64(m, idx + q), x, 8);
      };
      i64 p = p0;
      for (; p + 16 <= p1; p += 16) {
        for (int q = 0; q < 16; q += 64 / static_cast<int>(sizeof(I))) prefetch_stream(idx + p + q);
        prefetch_stream(val + p);
        prefetch_stream(val + p + 8);
        a = _mm512_fmadd_pd(_mm512_loadu_pd(val + p), gather8(p, 0xff), a);
        b = _mm512_fmadd_pd(_mm512_loadu_pd(val + p + 8), gather8(p + 8, 0xff), b);
      }
      if (p + 8 <= p1) {
        a = _mm512_fmadd_pd(_mm512_loadu_pd(val + p), gather8(p, 0xff), a);
        p += 8;
      }
      if (p < p1) {
        const __mmask8 m = Simd<double>::mask(static_cast<int>(p1 - p));
        b = _mm512_fmadd_pd(_mm512_maskz_loadu_pd(m, val + p), gather8(p, m), b);
      }
      return _mm512_reduce_add_pd(_mm512_add_pd(a, b));
    }
  }
#elif defined(__AVX2__)
  if constexpr (std::is_same_v<V, float> && std::is_same_v<Path, std::int32_t>) {
    if (ldx == 1) {
      // The indices of a partial vector (lanes m): the matrix's own are read masked (nothing past
      // the row); a narrow copy keeps spare entries past its end (narrow_copy), so its eight are
      // read whole.
      const auto tail_index8 = [&](i64 p, __m256i m) {
        if constexpr (std::is_same_v<I, std::uint16_t>)
          return load_index8(idx + p);
        else
          return _mm256_maskload_epi32(reinterpret_cast<const int*>(idx + p), m);
      };
      __m256 a = _mm256_setzero_ps(), b = _mm256_setzero_ps();
      i64 p = p0;
      for (; p + 16 <= p1; p += 16) {
        prefetch_stream(idx + p);
        prefetch_stream(val + p);
        a = _mm256_fmadd_ps(_mm256_loadu_ps(val + p), _mm256_i32gather_ps(x, load_index8(idx + p), 4), a);
        b = _mm256_fmadd_ps(_mm256_loadu_ps(val + p + 8), _mm256_i32gather_ps(x, load_index8(idx + p + 8), 4), b);
      }
      // the rest, up to 15, as at most two masked gathers
      for (; p < p1; p += 8) {
        const __m256i m = Simd<float>::mask(static_cast<int>(min_of<i64>(8, p1 - p)));
        const __m256 g = _mm256_mask_i32gather_ps(_mm256_setzero_ps(), x, tail_index8(p, m), _mm256_castsi256_ps(m), 4);
        a = _mm256_fmadd_ps(_mm256_maskload_ps(val + p, m), g, a);
      }
      return sum_lanes8(_mm256_add_ps(a, b));
    }
  }
#endif
  return csr_dot_scalar(idx, val, p0, p1, x, ldx);
}

#if defined(__AVX512F__)
// A row times a batch of two (x's rows are float pairs, gathered as one 64-bit lane each): eight
// non-zeros per gather with each value spread to both lanes of its pair, where the batch loop
// spends a vector load and a broadcast on every non-zero's two floats (2-3x slower).
inline void csr_dot2(const std::int32_t* idx, const float* val, i64 p0, i64 p1, const float* x, float* y) {
  const __m512i spread = _mm512_set_epi32(7, 7, 6, 6, 5, 5, 4, 4, 3, 3, 2, 2, 1, 1, 0, 0);
  const auto values = [&](__m256 v) { return _mm512_permutexvar_ps(spread, _mm512_castps256_ps512(v)); };
  const auto pairs = [&](__m256i i, __mmask8 m) {
    return _mm512_castpd_ps(_mm512_mask_i32gather_pd(_mm512_setzero_pd(), m, i, x, 8));
  };
  __m512 a = _mm512_setzero_ps(), b = _mm512_setzero_ps();
  i64 p = p0;
  for (; p + 16 <= p1; p += 16) {
    const __m256i i0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(idx + p));
    const __m256i i1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(idx + p + 8));
    a = _mm512_fmadd_ps(values(_mm256_loadu_ps(val + p)), pairs(i0, 0xff), a);
    b = _mm512_fmadd_ps(values(_mm256_loadu_ps(val + p + 8)), pairs(i1, 0xff), b);
  }
  for (; p < p1; p += 8) {  // masked lanes add 0 x 0
    const __mmask8 m = Simd<double>::mask(static_cast<int>(min_of<i64>(8, p1 - p)));
    a = _mm512_fmadd_ps(values(_mm256_maskz_loadu_ps(m, val + p)), pairs(_mm256_maskz_loadu_epi32(m, idx + p), m), a);
  }
  const __m512 s = _mm512_add_ps(a, b);
  const __m256 h = _mm256_add_ps(_mm512_castps512_ps256(s), _mm512_extractf32x8_ps(s, 1));
  const __m128 q = _mm_add_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1));
  const __m128 r = _mm_add_ps(q, _mm_movehl_ps(q, q));  // lanes 0 and 1: the two outputs
  y[0] = _mm_cvtss_f32(r);
  y[1] = _mm_cvtss_f32(_mm_shuffle_ps(r, r, 1));
}
#endif

// run.operator()<r>() for r in [U, Last], as one compiled tile width per r.
template <int U, int Last, typename Run>
inline void run_exact(int r, Run& run) {
  if constexpr (U <= Last) {
    if (r == U) return run.template operator()<U>();
    run_exact<U + 1, Last>(r, run);
  }
}

// Calls tile.operator()<U, Masked>(c, edges) over the batch [0, k) taken in the frame of a row
// that starts `shift` values past a vector boundary (frame_shift): tiles of MaxU vectors, then the
// rest (at most MaxLast vectors) as one tile, so that a row's non-zeros are walked once per tile.
// c is the tile's first value relative to the row's start (negative for a first tile with edges).
template <typename V, int MaxU = kMaxTile, int MaxLast = MaxU + 1, typename F>
inline void for_each_tile(i64 k, int shift, F&& tile) {
  constexpr int N = Simd<V>::N;
  const i64 vectors = (shift + k + N - 1) / N;
  const int hi = static_cast<int>(shift + k - (vectors - 1) * N);
  i64 v = 0;
  // Tile of U vectors starting at frame vector v.
  auto run = [&]<int U>() {
    const bool first = v == 0, last = v + U == vectors;
    const Edges e{first ? shift : 0, last ? hi : N};
    if ((first && shift > 0) || (last && hi < N)) tile.template operator()<U, true>(v * N - shift, e);
    else tile.template operator()<U, false>(v * N - shift, e);
    v += U;
  };
  while (vectors - v > MaxLast) run.template operator()<MaxU>();
  if (vectors > v) run_exact<1, MaxLast>(static_cast<int>(vectors - v), run);
}

// Rows per block of the plain batch kernels, which take every tile of the batch over a block.
inline constexpr i64 kTileRowBlock = 32;

// ---------------------------------------------------------------- batches of one short register

// Calls f.template operator()<S>() with the Short register (simd.hpp) that holds a batch of k
// values and returns true; false where the batch needs full vectors or the level has none.
template <typename V, typename F>
inline bool with_short(i64 k, F&& f) {
#if defined(__AVX512F__) || (defined(__AVX2__) && defined(__FMA__))
  if constexpr (std::is_same_v<V, float>)
    if (k <= 2) return f.template operator()<Short<float, 8>>(), true;
  if (k * static_cast<i64>(sizeof(V)) <= 16) return f.template operator()<Short<V, 16>>(), true;
#endif
#if defined(__AVX512F__)
  if (k * static_cast<i64>(sizeof(V)) <= 32) return f.template operator()<Short<V, 32>>(), true;
#endif
  static_cast<void>(k);
  static_cast<void>(f);
  return false;
}

// Rows [r0, r1) of y = A x for a batch in one Short register: csr_tile's two accumulator sets
// (every Short batch is narrow), the same sums and so the same bits, on registers of its width.
template <typename S, typename V, typename I>
[[gnu::noinline]] void csr_rows_short(const CsrView<V, I>& a, const V* x, i64 ldx, V* y, i64 ldy, i64 k, i64 r0, i64 r1) {
  using R = typename S::R;
  const auto m = S::mask(static_cast<int>(k));
  const I* idx = a.indices;
  const V* val = a.data;
  auto term = [&](i64 p, R acc) { return S::fma(S::set1(val[p]), S::load_m(x + static_cast<i64>(idx[p]) * ldx, m), acc); };
  for (i64 i = r0; i < r1; ++i) {
    R s0 = S::zero(), s1 = S::zero();
    i64 p = a.indptr[i];
    const i64 e = a.indptr[i + 1];
    for (; p + 15 < e; p += 16) {
      prefetch_stream(idx + p);
      prefetch_stream(val + p);
      for (int q = 0; q < 16; q += 2) {
        s0 = term(p + q, s0);
        s1 = term(p + q + 1, s1);
      }
    }
    for (; p + 1 < e; p += 2) {
      s0 = term(p, s0);
      s1 = term(p + 1, s1);
    }
    if (p < e) s0 = term(p, s0);
    S::store_m(y + i * ldy, S::add(s0, s1), m);
  }
}

template <typename V, typename I>
void csr_rows_narrow(const CsrView<V, I>& a, const std::uint16_t* idx, const V* x, i64 ldx, V* y, i64 ldy, i64 r0,
                     i64 r1) {
  for (i64 i = r0; i < r1; ++i)
    y[i * ldy] = csr_dot<V, std::uint16_t, I>(idx, a.data, a.indptr[i], a.indptr[i + 1], x, ldx);
}

template <typename V, typename I>
void csr_rows(const CsrView<V, I>& a, const V* x, i64 ldx, V* y, i64 ldy, i64 k, i64 r0, i64 r1) {
  const I* ip = a.indptr;
  const I* idx = a.indices;
  const V* val = a.data;
  if (k == 1) {
    for (i64 i = r0; i < r1; ++i) y[i * ldy] = csr_dot(idx, val, ip[i], ip[i + 1], x, ldx);
    return;
  }
#if defined(__AVX512F__)
  if constexpr (std::is_same_v<V, float> && std::is_same_v<I, std::int32_t>) {
    if (k == 2 && ldx == 2) {
      for (i64 i = r0; i < r1; ++i) csr_dot2(idx, val, ip[i], ip[i + 1], x, y + i * ldy);
      return;
    }
  }
#endif
  if (with_short<V>(k, [&]<typename S>() { csr_rows_short<S>(a, x, ldx, y, ldy, k, r0, r1); })) return;
  const int shift = frame_shift(x, ldx);
  const bool narrow = k <= kNarrowBatch * Simd<V>::N;
  // Tiles inside blocks of rows: the tile dispatch is paid once per block, not per (short) row.
  for (i64 b0 = r0; b0 < r1; b0 += kTileRowBlock) {
    const i64 b1 = min_of(b0 + kTileRowBlock, r1);
    for_each_tile<V>(k, shift, [&]<int U, bool Masked>(i64 c, Edges e) {
      // a narrow batch spans at most kNarrowBatch + 1 vectors in its frame
      if constexpr (U <= kNarrowBatch + 1)
        if (narrow) {
          for (i64 i = b0; i < b1; ++i)
            csr_tile<V, I, U, Masked, true>(idx, val, ip[i], ip[i + 1], x + c, ldx, y + i * ldy + c, e);
          return;
        }
      for (i64 i = b0; i < b1; ++i)
        csr_tile<V, I, U, Masked, false>(idx, val, ip[i], ip[i + 1], x + c, ldx, y + i * ldy + c, e);
    });
  }
}

// SpMV rows for CPUs whose 512-bit gathers are slow (AMD: simd_level.cpp), on matrices whose
// arrays outgrow the caches: whole blocks of 16 non-zeros as two 256-bit gathers, as AVX2's
// csr_dot, and the row's rest as one masked 512-bit gather, so a row under 16 long takes no loop.
// AVX2's rest, a loop of one or two masked 256-bit gathers, ends in a branch whose outcome varies
// with the row length: on the power-law graph (rows of 8 and more) those rows took 1.4x as long
// (docs/performance.md). Elsewhere, and for k > 1, csr_rows.
template <typename V, typename I>
void csr_rows_gather256(const CsrView<V, I>& a, const V* x, i64 ldx, V* y, i64 ldy, i64 k, i64 r0, i64 r1) {
#if defined(__AVX512F__)
  if constexpr (std::is_same_v<V, float> && std::is_same_v<I, std::int32_t>) {
    if (k == 1 && ldx == 1) {
      const I* ip = a.indptr;
      const I* idx = a.indices;
      const V* val = a.data;
      for (i64 i = r0; i < r1; ++i) {
        const i64 p1 = ip[i + 1];
        i64 p = ip[i];
        __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
        for (; p + 16 <= p1; p += 16) {
          prefetch_stream(idx + p);
          prefetch_stream(val + p);
          s0 = _mm256_fmadd_ps(_mm256_loadu_ps(val + p), _mm256_i32gather_ps(x, load_index8(idx + p), 4), s0);
          s1 = _mm256_fmadd_ps(_mm256_loadu_ps(val + p + 8), _mm256_i32gather_ps(x, load_index8(idx + p + 8), 4), s1);
        }
        if (p < p1) {
          const __mmask16 m = Simd<float>::mask(static_cast<int>(p1 - p));
          const __m512 t = _mm512_mul_ps(_mm512_maskz_loadu_ps(m, val + p),
                                         _mm512_mask_i32gather_ps(_mm512_setzero_ps(), m, load_index16_n(idx + p, m), x, 4));
          s0 = _mm256_add_ps(s0, _mm512_castps512_ps256(t));
          s1 = _mm256_add_ps(s1, _mm512_extractf32x8_ps(t, 1));
        }
        y[i * ldy] = sum_lanes8(_mm256_add_ps(s0, s1));
      }
      return;
    }
  }
#endif
  csr_rows(a, x, ldx, y, ldy, k, r0, r1);
}

// ---------------------------------------------------------------- CSR, y = A x, cache-blocked

// The panels visit each row's indices and values a few entries at a time, as hundreds of
// interleaved streams that the hardware prefetcher does not follow: where the matrix outgrows L3,
// every visit waited on memory. So each visit fetches the lines of the row's next visits, two
// lines from `from` on in both arrays (into L2: a chunk's rows take more than L1).
template <typename I, typename V>
inline void prefetch_row_lines(const I* idx, const V* val, int from) {
  for (int l = from; l < from + 2; ++l) {
    __builtin_prefetch(reinterpret_cast<const char*>(idx) + 64 * l, 0, 2);
    __builtin_prefetch(reinterpret_cast<const char*>(val) + 64 * l, 0, 2);
  }
}

// Rows [r0, r1) of y = A x for the batch columns of one tile (x and y offset to it), with A's
// columns taken in panels of `panel`: the rows of x one panel touches (panel x tile values) stay
// in L1 while all the chunk's rows pass over them, where the plain kernel pulls a whole row of x
// from L2 for every non-zero. Each row keeps a cursor into its (sorted) non-zeros; y's tile rows
// (also in L1) take one partial sum per panel.
template <typename V, typename I, int U, bool Masked>
inline void csr_panel_tile(const I* ip, const I* idx, const V* val, i64 r0, i64 r1, i64 cols, i64 panel,
                           const V* x, i64 ldx, V* y, i64 ldy, Edges edges, i64* cur) {
  using S = Simd<V>;
  using R = typename S::R;
  const EdgeMasks<V, U> m(edges);
  auto ld = [&](const V* p, int u) { return load_vec<V, Masked>(p, u, m); };
  for (i64 i = r0; i < r1; ++i) {
    cur[i - r0] = ip[i];
    prefetch_row_lines(idx + ip[i], val + ip[i], 0);
    for (int u = 0; u < U; ++u) store_vec<V, Masked>(y + i * ldy, u, S::zero(), m);
  }
  for (i64 j0 = 0; j0 < cols; j0 += panel) {
    const i64 j1 = j0 + panel;
    for (i64 i = r0; i < r1; ++i) {
      i64 p = cur[i - r0];
      const i64 e = ip[i + 1];
      if (p == e || static_cast<i64>(idx[p]) >= j1) continue;
      V* yi = y + i * ldy;
      R a[U], b[U];
      for (int u = 0; u < U; ++u) {
        a[u] = ld(yi, u);
        b[u] = S::zero();
      }
      for (; p + 1 < e && static_cast<i64>(idx[p + 1]) < j1; p += 2) {
        const V* x0 = x + static_cast<i64>(idx[p]) * ldx;
        const V* x1 = x + static_cast<i64>(idx[p + 1]) * ldx;
        const R v0 = S::set1(val[p]), v1 = S::set1(val[p + 1]);
        for (int u = 0; u < U; ++u) a[u] = S::fma(v0, ld(x0, u), a[u]);
        for (int u = 0; u < U; ++u) b[u] = S::fma(v1, ld(x1, u), b[u]);
      }
      if (p < e && static_cast<i64>(idx[p]) < j1) {
        const V* x0 = x + static_cast<i64>(idx[p]) * ldx;
        const R v0 = S::set1(val[p]);
        for (int u = 0; u < U; ++u) a[u] = S::fma(v0, ld(x0, u), a[u]);
        ++p;
      }
      for (int u = 0; u < U; ++u) store_vec<V, Masked>(yi, u, S::add(a[u], b[u]), m);
      cur[i - r0] = p;
      prefetch_row_lines(idx + p, val + p, 1);
    }
  }
}

// Widest register tile of the cache-blocked kernel: narrower than the plain kernel's, so a
// panel's rows of x are short and the panel can span more columns of A.
inline constexpr int kPanelTile = kMaxTile / 2;

// Panel width in columns of A for every tile of batch k, given `panel` for the widest tile: a
// batch narrower than that tile takes proportionally more columns. The same for every tile (and
// so every frame), since the panels group each value's partial sums.
template <typename V>
inline i64 panel_width(i64 panel, i64 k) {
  constexpr int N = Simd<V>::N;
  const i64 vectors = min_of<i64>(kPanelTile, (k + N - 1) / N);
  return max_of<i64>(1, panel * kPanelTile / vectors);
}

// frame_shift for the cache-blocked kernels: from L1 a line-split load costs less than the frame's
// extra vector on narrow batches (3 vectors for 2 at n = 32 floats measured slower), so only
// batches of 4+ vectors take the frame.
template <typename V>
inline int panel_frame_shift(const V* p, i64 ld, i64 k) {
  return k >= 4 * Simd<V>::N ? frame_shift(p, ld) : 0;
}

// Chunks of this many rows sweep over each panel: their y tiles (64 x 64 floats on AVX-512, 16 KB)
// stay in L1 beside the panel's 16 KB of x.
inline constexpr i64 kPanelChunkRows = 64;
// Batches of at least a full register tile (AVX-512: 8 vectors, 128 floats) take full-width tiles
// instead: the matrix is walked once, not once per half-width tile (1.08x median on the layers at
// n = 128, docs/performance.md). A^T x takes them over chunks of this many rows (y: 8 KB; the
// chunk's x: 8 KB) ...
inline constexpr i64 kFullPanelChunkRows = 16;
// ... and A x over chunks of this many: the panel's 32 KB of x then serves more rows before the
// next panel, while each row's tile of y (512 bytes) comes from L2 once per panel.
inline constexpr i64 kFullPanelChunkRowsAx = 512;
inline constexpr i64 kMaxPanelChunkRows = max_of(kPanelChunkRows, max_of(kFullPanelChunkRows, kFullPanelChunkRowsAx));

// Calls tile.operator()<U, Masked>(c, edges, c0, c1) for every chunk [c0, c1) of rows [r0, r1) and
// every tile of the batch (for_each_tile), as the cache-blocked kernels take them; full-width
// tiles over chunks of `full_rows`.
template <typename V, typename F>
inline void for_each_panel_tile(i64 k, int shift, i64 r0, i64 r1, i64 full_rows, F&& tile) {
  auto chunks = [&]<int MaxU>(i64 rows) {
    for (i64 c0 = r0; c0 < r1; c0 += rows) {
      const i64 c1 = min_of(c0 + rows, r1);
      for_each_tile<V, MaxU>(k, shift, [&]<int U, bool Masked>(i64 c, Edges e) {
        tile.template operator()<U, Masked>(c, e, c0, c1);
      });
    }
  };
  if constexpr (kMaxTile >= 8) {
    if (k >= kMaxTile * Simd<V>::N) return chunks.template operator()<kMaxTile>(full_rows);
  }
  chunks.template operator()<kPanelTile>(kPanelChunkRows);
}

// y = A x for rows [r0, r1), batch k >= 2, cache-blocked with panels of `panel` columns for the
// widest tile (narrower tail tiles take proportionally more columns).
template <typename V, typename I>
void csr_rows_panels(const CsrView<V, I>& a, const V* x, i64 ldx, V* y, i64 ldy, i64 k, i64 r0, i64 r1,
                     i64 panel) {
  if (panel < 1) panel = 1;
  i64 cur[kMaxPanelChunkRows];
  const int shift = panel_frame_shift(x, ldx, k);
  const i64 width = panel_width<V>(panel, k);
  for_each_panel_tile<V>(k, shift, r0, r1, kFullPanelChunkRowsAx, [&]<int U, bool Masked>(i64 c, Edges e, i64 c0, i64 c1) {
    csr_panel_tile<V, I, U, Masked>(a.indptr, a.indices, a.data, c0, c1, a.cols, width, x + c, ldx, y + c, ldy, e, cur);
  });
}

// ---------------------------------------------------------------- CSR, y += A^T x

// x[i, tile] stays in registers; every non-zero of row i updates one row of y.
template <typename V, typename I, int U, bool Masked>
inline void scatter_tile(const I* idx, const V* val, i64 p0, i64 p1, const V* xi, V* y, i64 ldy, Edges edges) {
  using S = Simd<V>;
  using R = typename S::R;
  const EdgeMasks<V, U> m(edges);
  R xv[U];
  for (int u = 0; u < U; ++u) xv[u] = load_vec<V, Masked>(xi, u, m);
  for (i64 p = p0; p < p1; ++p) {
    V* yr = y + static_cast<i64>(idx[p]) * ldy;
    const R v = S::set1(val[p]);
    for (int u = 0; u < U; ++u) store_vec<V, Masked>(yr, u, S::fma(v, xv[u], load_vec<V, Masked>(yr, u, m)), m);
  }
}

// scatter_tile for a batch in one Short register.
template <typename S, typename V, typename I>
inline void scatter_short(const I* idx, const V* val, i64 p0, i64 p1, const V* xi, V* y, i64 ldy, typename S::M m) {
  const typename S::R xv = S::load_m(xi, m);
  auto one = [&](i64 p) {
    V* yr = y + static_cast<i64>(idx[p]) * ldy;
    S::store_m(yr, S::fma(S::set1(val[p]), xv, S::load_m(yr, m)), m);
  };
  i64 p = p0;
  for (; p + 15 < p1; p += 16) {
    prefetch_stream(idx + p);
    prefetch_stream(val + p);
    for (int q = 0; q < 16; ++q) one(p + q);
  }
  for (; p < p1; ++p) one(p);
}

// y[idx[p] ldy] += val[p] xs for p in [p0, p1): A^T x with one vector, one row of A. With FMA the
// values are loaded a vector at a time and moved to the low lane by a shuffle: a non-zero then
// costs three memory operations (its index, y's load and store) instead of four, the bound of this
// loop. The same fused multiply-add per term, so the same bits.
template <typename V, typename I>
SPARSE_FORMATS_NO_AUTOVECTORIZE inline void scatter_scalars(const I* idx, const V* val, i64 p0, i64 p1, V xs, V* y,
                                                            i64 ldy) {
  i64 p = p0;
#if defined(__AVX2__) && defined(__FMA__)
  if constexpr (std::is_same_v<V, float>) {
    const __m128 xv = _mm_set_ss(xs);
    auto one = [&](__m128 s, i64 q) {
      V* yq = y + static_cast<i64>(idx[q]) * ldy;
      _mm_store_ss(yq, _mm_fmadd_ss(s, xv, _mm_load_ss(yq)));
    };
    auto four = [&](__m128 v, i64 q) {
      one(v, q), one(_mm_movehdup_ps(v), q + 1), one(_mm_movehl_ps(v, v), q + 2), one(_mm_shuffle_ps(v, v, 3), q + 3);
    };
    for (; p + 8 <= p1; p += 8) {
      const __m256 v = _mm256_loadu_ps(val + p);
      four(_mm256_castps256_ps128(v), p), four(_mm256_extractf128_ps(v, 1), p + 4);
    }
    if (p + 4 <= p1) four(_mm_loadu_ps(val + p), p), p += 4;
  } else {
    const __m128d xv = _mm_set_sd(xs);
    auto one = [&](__m128d s, i64 q) {
      V* yq = y + static_cast<i64>(idx[q]) * ldy;
      _mm_store_sd(yq, _mm_fmadd_sd(s, xv, _mm_load_sd(yq)));
    };
    auto two = [&](__m128d v, i64 q) { one(v, q), one(_mm_unpackhi_pd(v, v), q + 1); };
    for (; p + 4 <= p1; p += 4) {
      const __m256d v = _mm256_loadu_pd(val + p);
      two(_mm256_castpd256_pd128(v), p), two(_mm256_extractf128_pd(v, 1), p + 2);
    }
    if (p + 2 <= p1) two(_mm_loadu_pd(val + p), p), p += 2;
  }
#endif
  for (; p < p1; ++p) y[static_cast<i64>(idx[p]) * ldy] += val[p] * xs;
}

// The positions [first, second) of row i's non-zeros in columns [c0, c1).
template <typename V, typename I>
inline std::pair<i64, i64> entries_within(const CsrView<V, I>& a, i64 i, i64 c0, i64 c1) {
  i64 p0 = a.indptr[i], p1 = a.indptr[i + 1];
  if (c0 > 0) p0 = lower_bound_of(a.indices, p0, p1, c0);
  if (c1 < a.cols) p1 = lower_bound_of(a.indices, p0, p1, c1);
  return {p0, p1};
}

// csr_scatter for a batch in one Short register. Its own function: the short tiles inside the
// full-width kernel's loop cost that loop 0.8-0.95x on batches of 16 floats.
template <typename S, typename V, typename I>
[[gnu::noinline]] void csr_scatter_short(const CsrView<V, I>& a, const V* x, i64 ldx, V* y, i64 ldy, i64 k, i64 r0,
                                         i64 r1, i64 c0, i64 c1) {
  const auto m = S::mask(static_cast<int>(k));
  for (i64 i = r0; i < r1; ++i) {
    const auto [p0, p1] = entries_within(a, i, c0, c1);
    if (p0 < p1) scatter_short<S>(a.indices, a.data, p0, p1, x + i * ldx, y, ldy, m);
  }
}

// A^T x with one vector where y outgrows L2 (graphs): y's random updates crowd out the hardware
// prefetcher, and the matrix's streams are fetched ahead by hand, a line at a time: 1.6-1.7x
// there, while on layers such chunks cost 0.7-0.9x (docs/performance.md). Its own function, so
// that the layers' loop in csr_scatter compiles as before (0.85-0.99x otherwise).
template <typename V, typename I>
[[gnu::noinline]] void csr_scatter_far(const CsrView<V, I>& a, const V* x, i64 ldx, V* y, i64 ldy, i64 r0, i64 r1,
                                       i64 c0, i64 c1) {
  constexpr i64 kLine = 64 / sizeof(V);  // values per line (indices: at least as many)
  const I* idx = a.indices;
  const V* val = a.data;
  for (i64 i = r0; i < r1; ++i) {
    const std::pair<i64, i64> range = entries_within(a, i, c0, c1);
    const V xs = x[i * ldx];
    for (i64 q0 = range.first; q0 < range.second; q0 += kLine) {
      prefetch_stream(idx + q0);
      prefetch_stream(val + q0);
      for (i64 p = q0, e = min_of(range.second, q0 + kLine); p < e; ++p) y[static_cast<i64>(idx[p]) * ldy] += val[p] * xs;
    }
  }
}

// A^T x with one vector on rows of A that average under kShortRow non-zeros, all columns: one loop
// over the non-zeros that moves to the next row where one ends, so a row costs one mispredicted
// branch rather than one per loop of scatter_scalars.
inline constexpr i64 kShortRow = 12;
template <typename V, typename I>
[[gnu::noinline]] void csr_scatter_short_rows(const CsrView<V, I>& a, const V* x, i64 ldx, V* y, i64 ldy, i64 r0,
                                              i64 r1) {
  const I* ip = a.indptr;
  const I* idx = a.indices;
  const V* val = a.data;
  i64 i = r0, next = ip[r0 + 1];
  V xs = x[r0 * ldx];
  for (i64 p = ip[r0], end = ip[r1]; p < end; ++p) {
    while (p == next) xs = x[++i * ldx], next = ip[i + 1];
    y[static_cast<i64>(idx[p]) * ldy] += val[p] * xs;
  }
}

template <typename V, typename I>
void csr_scatter(const CsrView<V, I>& a, const V* x, i64 ldx, V* y, i64 ldy, i64 k, i64 r0, i64 r1, i64 c0, i64 c1) {
  if (k > 1 && with_short<V>(k, [&]<typename S>() { csr_scatter_short<S>(a, x, ldx, y, ldy, k, r0, r1, c0, c1); }))
    return;
  const I* idx = a.indices;
  const V* val = a.data;
  if (k == 1 && (c1 - c0) * ldy * static_cast<i64>(sizeof(V)) >= kScatterPrefetchMinBytes)
    return csr_scatter_far(a, x, ldx, y, ldy, r0, r1, c0, c1);
  if (k == 1 && c0 == 0 && c1 == a.cols && r0 < r1 &&
      static_cast<i64>(a.indptr[r1] - a.indptr[r0]) < kShortRow * (r1 - r0))
    return csr_scatter_short_rows(a, x, ldx, y, ldy, r0, r1);
  const int shift = frame_shift(y, ldy);
  i64 lo[kTileRowBlock], hi[kTileRowBlock];  // each row's non-zeros in columns [c0, c1)
  for (i64 b0 = r0; b0 < r1; b0 += kTileRowBlock) {
    const i64 b1 = min_of(b0 + kTileRowBlock, r1);
    for (i64 i = b0; i < b1; ++i) {
      const auto [p0, p1] = entries_within(a, i, c0, c1);
      lo[i - b0] = p0;
      hi[i - b0] = p1;
      if (k == 1) scatter_scalars(idx, val, p0, p1, x[i * ldx], y, ldy);
    }
    if (k == 1) continue;
    // Tiles inside blocks of rows, as in csr_rows; each output value still takes its terms in row order.
    for_each_tile<V>(k, shift, [&]<int U, bool Masked>(i64 c, Edges e) {
      for (i64 i = b0; i < b1; ++i)
        if (lo[i - b0] < hi[i - b0])
          scatter_tile<V, I, U, Masked>(idx, val, lo[i - b0], hi[i - b0], x + i * ldx + c, y + c, ldy, e);
    });
  }
}

// y += A^T x for rows [r0, r1) of A and output rows (columns of A) [j0, j1), cache-blocked the
// same way as csr_rows_panels: a panel of y's rows (panel x tile values) stays in L1 while a chunk
// of A's rows scatters into it, where the plain scatter loads and stores a whole row of y from
// L2 or memory for every non-zero. x's tile rows of the chunk stay in L1 too.
template <typename V, typename I, int U, bool Masked>
inline void scatter_panel_tile(const I* ip, const I* idx, const V* val, i64 r0, i64 r1, i64 j0, i64 j1, i64 panel,
                               const V* x, i64 ldx, V* y, i64 ldy, Edges edges, i64* cur) {
  using S = Simd<V>;
  using R = typename S::R;
  const EdgeMasks<V, U> m(edges);
  auto ld = [&](const V* p, int u) { return load_vec<V, Masked>(p, u, m); };
  for (i64 i = r0; i < r1; ++i) cur[i - r0] = j0 > 0 ? lower_bound_of(idx, ip[i], ip[i + 1], j0) : ip[i];
  for (i64 q0 = j0; q0 < j1; q0 += panel) {
    const i64 q1 = min_of(q0 + panel, j1);
    for (i64 i = r0; i < r1; ++i) {
      i64 p = cur[i - r0];
      const i64 e = ip[i + 1];
      if (p == e || static_cast<i64>(idx[p]) >= q1) continue;
      R xv[U];
      for (int u = 0; u < U; ++u) xv[u] = ld(x + i * ldx, u);
      for (; p < e && static_cast<i64>(idx[p]) < q1; ++p) {
        V* yr = y + static_cast<i64>(idx[p]) * ldy;
        const R v = S::set1(val[p]);
        for (int u = 0; u < U; ++u) store_vec<V, Masked>(yr, u, S::fma(v, xv[u], ld(yr, u)), m);
      }
      cur[i - r0] = p;
      prefetch_row_lines(idx + p, val + p, 1);
    }
  }
}

// y += A^T x for output rows [j0, j1), batch k >= 2, cache-blocked with panels of `panel` output
// rows for the widest tile; every row of A is visited (the caller zeroes y's rows first).
template <typename V, typename I>
void csr_scatter_panels(const CsrView<V, I>& a, const V* x, i64 ldx, V* y, i64 ldy, i64 k, i64 j0, i64 j1,
                        i64 panel) {
  if (panel < 1) panel = 1;
  i64 cur[kMaxPanelChunkRows];
  const int shift = panel_frame_shift(y, ldy, k);
  const i64 width = panel_width<V>(panel, k);
  for_each_panel_tile<V>(k, shift, 0, a.rows, kFullPanelChunkRows, [&]<int U, bool Masked>(i64 c, Edges e, i64 c0, i64 c1) {
    scatter_panel_tile<V, I, U, Masked>(a.indptr, a.indices, a.data, c0, c1, j0, j1, width, x + c, ldx, y + c, ldy, e,
                                        cur);
  });
}

// ---------------------------------------------------------------- block-sparse

// Register tile sizes for a block size known at compile time (0: runtime size, one row at a time).
template <int BS>
struct BlockTile {
  static constexpr int rows = BS == 0 ? 1 : min_of(BS, kVectorRegisters / 2);
  static constexpr int vectors = BS == 0 ? 1 : (kVectorRegisters / 2 / BS > 0 ? kVectorRegisters / 2 / BS : 1);
};

// Rows [rr0, rr0 + RH) of block row br of y = A x, U vectors of the batch starting at column c
// (x and y already offset by c). Padding columns beyond a.cols are never read from x.
template <typename V, typename I, int BS, int RH, int U, bool Masked>
inline void bsr_tile(const BsrView<V, I>& a, i64 br, i64 rr0, const V* x, i64 ldx, V* y, i64 ldy, Edges edges) {
  using S = Simd<V>;
  using R = typename S::R;
  constexpr int N = S::N;
  const EdgeMasks<V, U> m(edges);
  const i64 bs = BS > 0 ? BS : a.block_size;
  R acc[RH][U];
  for (int r = 0; r < RH; ++r)
    for (int u = 0; u < U; ++u) acc[r][u] = S::zero();
  const I b_end = a.block_row_ptr[br + 1];
  for (I b = a.block_row_ptr[br]; b < b_end; ++b) {
    if constexpr (BS > 0) {
      // x's rows for the block kBlockAhead further on: scattered, so the hardware cannot guess them
      constexpr int kBlockAhead = 2;
      if (b + kBlockAhead < b_end) {
        const V* xf = x + static_cast<i64>(a.block_indices[b + kBlockAhead]) * BS * ldx;
        for (int c = 0; c < BS; ++c)
          for (int off = 0; off < U * N * static_cast<int>(sizeof(V)); off += 64)
            __builtin_prefetch(reinterpret_cast<const char*>(xf + c * ldx) + off, 0, 3);
      }
    }
    const V* blk = a.blocks + static_cast<i64>(b) * bs * bs + rr0 * bs;
    const i64 c0 = static_cast<i64>(a.block_indices[b]) * bs;
    const i64 w = min_of(bs, a.cols - c0);
    auto step = [&](i64 c) {
      const V* xr = x + (c0 + c) * ldx;
      R xv[U];
      for (int u = 0; u < U; ++u) xv[u] = load_vec<V, Masked>(xr, u, m);
      for (int r = 0; r < RH; ++r) {
        const R v = S::set1(blk[r * bs + c]);
        for (int u = 0; u < U; ++u) acc[r][u] = S::fma(v, xv[u], acc[r][u]);
      }
    };
    if (w == bs) {
      for (i64 c = 0; c < bs; ++c) step(c);  // fully unrolled when BS is a constant
    } else {
      for (i64 c = 0; c < w; ++c) step(c);
    }
  }
  const i64 row0 = br * bs + rr0;
  const i64 rows_here = min_of<i64>(RH, a.rows - row0);
  for (i64 r = 0; r < rows_here; ++r)
    for (int u = 0; u < U; ++u) store_vec<V, Masked>(y + (row0 + r) * ldy, u, acc[r][u], m);
}

// bsr_tile for a batch in one Short register (U = 1): the same sums, on registers of its width.
template <typename S, typename V, typename I, int BS, int RH>
inline void bsr_tile_short(const BsrView<V, I>& a, i64 br, i64 rr0, const V* x, i64 ldx, V* y, i64 ldy,
                           typename S::M m) {
  using R = typename S::R;
  R acc[RH];
  for (int r = 0; r < RH; ++r) acc[r] = S::zero();
  const I b_end = a.block_row_ptr[br + 1];
  for (I b = a.block_row_ptr[br]; b < b_end; ++b) {
    const V* blk = a.blocks + static_cast<i64>(b) * BS * BS + rr0 * BS;
    const i64 c0 = static_cast<i64>(a.block_indices[b]) * BS;
    const i64 w = min_of<i64>(BS, a.cols - c0);
    auto step = [&](i64 c) {
      const R xv = S::load_m(x + (c0 + c) * ldx, m);
      for (int r = 0; r < RH; ++r) acc[r] = S::fma(S::set1(blk[r * BS + c]), xv, acc[r]);
    };
    if (w == BS) {
      for (i64 c = 0; c < BS; ++c) step(c);
    } else {
      for (i64 c = 0; c < w; ++c) step(c);
    }
  }
  const i64 row0 = br * BS + rr0;
  const i64 rows_here = min_of<i64>(RH, a.rows - row0);
  for (i64 r = 0; r < rows_here; ++r) S::store_m(y + (row0 + r) * ldy, acc[r], m);
}

// y = A x for one vector: x's slice for the block is copied (zero past a.cols) and each block
// row is a short dot product the compiler unrolls for a constant BS.
template <typename V, typename I, int BS>
inline void bsr_vector_row(const BsrView<V, I>& a, i64 br, const V* x, i64 ldx, V* y, i64 ldy) {
  constexpr int kMax = BS > 0 ? BS : 1;
  const i64 bs = BS > 0 ? BS : a.block_size;
  const i64 row0 = br * bs, rows_here = min_of(bs, a.rows - row0);
  if constexpr (BS > 0) {
    V acc[kMax] = {};
    V xs[kMax];
    for (I b = a.block_row_ptr[br]; b < a.block_row_ptr[br + 1]; ++b) {
      const V* blk = a.blocks + static_cast<i64>(b) * BS * BS;
      const i64 c0 = static_cast<i64>(a.block_indices[b]) * BS;
      const i64 w = min_of<i64>(BS, a.cols - c0);
      for (int c = 0; c < BS; ++c) xs[c] = c < w ? x[(c0 + c) * ldx] : V(0);
      for (int r = 0; r < BS; ++r) {
        V s = V(0);
        for (int c = 0; c < BS; ++c) s += blk[r * BS + c] * xs[c];
        acc[r] += s;
      }
    }
    for (i64 r = 0; r < rows_here; ++r) y[(row0 + r) * ldy] = acc[r];
  } else {
    for (i64 r = 0; r < rows_here; ++r) {
      V s = V(0);
      for (I b = a.block_row_ptr[br]; b < a.block_row_ptr[br + 1]; ++b) {
        const V* brow = a.blocks + static_cast<i64>(b) * bs * bs + r * bs;
        const i64 c0 = static_cast<i64>(a.block_indices[b]) * bs;
        const i64 w = min_of(bs, a.cols - c0);
        for (i64 c = 0; c < w; ++c) s += brow[c] * x[(c0 + c) * ldx];
      }
      y[(row0 + r) * ldy] = s;
    }
  }
}

// Block rows [br0, br1) of y = A x for a batch in one Short register (its own function, as
// csr_scatter_short; with_short_blocks picks it).
template <typename S, typename V, typename I, int BS, int RH>
[[gnu::noinline]] void bsr_rows_short(const BsrView<V, I>& a, const V* x, i64 ldx, V* y, i64 ldy, i64 k, i64 br0,
                                      i64 br1) {
  const auto m = S::mask(static_cast<int>(k));
  for (i64 br = br0; br < br1; ++br) {
    const i64 rows_here = min_of<i64>(BS, a.rows - br * BS);
    for (i64 rr0 = 0; rr0 < rows_here; rr0 += RH) bsr_tile_short<S, V, I, BS, RH>(a, br, rr0, x, ldx, y, ldy, m);
  }
}

template <typename V, typename I, int BS>
void bsr_rows_fixed(const BsrView<V, I>& a, const V* x, i64 ldx, V* y, i64 ldy, i64 k, i64 br0, i64 br1) {
  constexpr int RH = BlockTile<BS>::rows;
  constexpr int UW = BlockTile<BS>::vectors;
  const i64 bs = BS > 0 ? BS : a.block_size;
  for (i64 br = br0; br < br1; ++br) {
    if (k == 1) {
      bsr_vector_row<V, I, BS>(a, br, x, ldx, y, ldy);
      continue;
    }
    const i64 rows_here = min_of(bs, a.rows - br * bs);
    // no frame (shift 0): the block kernels are bound by their FMAs (docs/performance.md)
    for (i64 rr0 = 0; rr0 < rows_here; rr0 += RH) {
      for_each_tile<V, UW, UW>(k, 0, [&]<int U, bool Masked>(i64 c, Edges e) {
        bsr_tile<V, I, BS, RH, U, Masked>(a, br, rr0, x + c, ldx, y + c, ldy, e);
      });
    }
  }
}

// Calls f.template operator()<S, BS, RH>() for a batch in one Short register and a block size the
// kernels unroll (4, 8, 16) and returns true; else false.
template <typename V, typename F>
inline bool with_short_blocks(i64 k, i64 block_size, F&& f) {
  if (k < 2) return false;
  auto sized = [&]<typename S>() {
    switch (block_size) {
      case 4: return f.template operator()<S, 4, BlockTile<4>::rows>();
      case 8: return f.template operator()<S, 8, BlockTile<8>::rows>();
      default: return f.template operator()<S, 16, BlockTile<16>::rows>();
    }
  };
  return (block_size == 4 || block_size == 8 || block_size == 16) && with_short<V>(k, sized);
}

template <typename V, typename I>
void bsr_rows(const BsrView<V, I>& a, const V* x, i64 ldx, V* y, i64 ldy, i64 k, i64 br0, i64 br1) {
  if (with_short_blocks<V>(k, a.block_size, [&]<typename S, int BS, int RH>() {
        bsr_rows_short<S, V, I, BS, RH>(a, x, ldx, y, ldy, k, br0, br1);
      }))
    return;
  switch (a.block_size) {
    case 4: return bsr_rows_fixed<V, I, 4>(a, x, ldx, y, ldy, k, br0, br1);
    case 8: return bsr_rows_fixed<V, I, 8>(a, x, ldx, y, ldy, k, br0, br1);
    case 16: return bsr_rows_fixed<V, I, 16>(a, x, ldx, y, ldy, k, br0, br1);
    default: return bsr_rows_fixed<V, I, 0>(a, x, ldx, y, ldy, k, br0, br1);
  }
}

// y += A^T x for rows [rr0, rr0 + RH) of block row br, block columns [b0, b1) of the row's list.
// x's rows stay in registers; each block column updates `w` rows of y.
template <typename V, typename I, int BS, int RH, int U, bool Masked>
inline void bsr_scatter_tile(const BsrView<V, I>& a, i64 br, i64 rr0, i64 b0, i64 b1, const V* x, i64 ldx, V* y,
                             i64 ldy, Edges edges) {
  using S = Simd<V>;
  using R = typename S::R;
  const EdgeMasks<V, U> m(edges);
  const i64 bs = BS > 0 ? BS : a.block_size;
  const i64 row0 = br * bs + rr0;
  const i64 rows_here = min_of<i64>(RH, a.rows - row0);
  R xv[RH][U];
  for (int r = 0; r < RH; ++r)
    for (int u = 0; u < U; ++u) {
      xv[r][u] = r < rows_here ? load_vec<V, Masked>(x + (row0 + r) * ldx, u, m) : S::zero();
    }
  for (i64 b = b0; b < b1; ++b) {
    const V* blk = a.blocks + b * bs * bs + rr0 * bs;
    const i64 c0 = static_cast<i64>(a.block_indices[b]) * bs;
    const i64 w = min_of(bs, a.cols - c0);
    for (i64 c = 0; c < w; ++c) {
      V* yr = y + (c0 + c) * ldy;
      for (int u = 0; u < U; ++u) {
        R s0 = S::zero(), s1 = S::zero();  // two chains over the block's rows
        for (int r = 0; r + 1 < RH; r += 2) {
          s0 = S::fma(S::set1(blk[r * bs + c]), xv[r][u], s0);
          s1 = S::fma(S::set1(blk[(r + 1) * bs + c]), xv[r + 1][u], s1);
        }
        if constexpr (RH % 2 == 1) s0 = S::fma(S::set1(blk[(RH - 1) * bs + c]), xv[RH - 1][u], s0);
        store_vec<V, Masked>(yr, u, S::add(load_vec<V, Masked>(yr, u, m), S::add(s0, s1)), m);
      }
    }
  }
}

// bsr_scatter_tile for a batch in one Short register (U = 1): the same sums, on registers of its width.
template <typename S, typename V, typename I, int BS, int RH>
inline void bsr_scatter_tile_short(const BsrView<V, I>& a, i64 br, i64 rr0, i64 b0, i64 b1, const V* x, i64 ldx, V* y,
                                   i64 ldy, typename S::M m) {
  using R = typename S::R;
  const i64 row0 = br * BS + rr0;
  const i64 rows_here = min_of<i64>(RH, a.rows - row0);
  R xv[RH];
  for (int r = 0; r < RH; ++r) xv[r] = r < rows_here ? S::load_m(x + (row0 + r) * ldx, m) : S::zero();
  for (i64 b = b0; b < b1; ++b) {
    const V* blk = a.blocks + b * BS * BS + rr0 * BS;
    const i64 c0 = static_cast<i64>(a.block_indices[b]) * BS;
    const i64 w = min_of<i64>(BS, a.cols - c0);
    for (i64 c = 0; c < w; ++c) {
      V* yr = y + (c0 + c) * ldy;
      R s0 = S::zero(), s1 = S::zero();
      for (int r = 0; r + 1 < RH; r += 2) {
        s0 = S::fma(S::set1(blk[r * BS + c]), xv[r], s0);
        s1 = S::fma(S::set1(blk[(r + 1) * BS + c]), xv[r + 1], s1);
      }
      if constexpr (RH % 2 == 1) s0 = S::fma(S::set1(blk[(RH - 1) * BS + c]), xv[RH - 1], s0);
      S::store_m(yr, S::add(S::load_m(yr, m), S::add(s0, s1)), m);
    }
  }
}

template <typename V, typename I, int BS>
inline void bsr_vector_scatter(const BsrView<V, I>& a, i64 br, i64 b0, i64 b1, const V* x, i64 ldx, V* y, i64 ldy) {
  const i64 bs = BS > 0 ? BS : a.block_size;
  const i64 row0 = br * bs, rows_here = min_of(bs, a.rows - row0);
  if constexpr (BS > 0) {
    V xs[BS];
    for (int r = 0; r < BS; ++r) xs[r] = r < rows_here ? x[(row0 + r) * ldx] : V(0);
    for (i64 b = b0; b < b1; ++b) {
      const V* blk = a.blocks + b * BS * BS;
      const i64 c0 = static_cast<i64>(a.block_indices[b]) * BS;
      const i64 w = min_of<i64>(BS, a.cols - c0);
      V t[BS] = {};
      for (int r = 0; r < BS; ++r)
        for (int c = 0; c < BS; ++c) t[c] += blk[r * BS + c] * xs[r];
      for (i64 c = 0; c < w; ++c) y[(c0 + c) * ldy] += t[c];
    }
  } else {
    for (i64 b = b0; b < b1; ++b) {
      const V* blk = a.blocks + b * bs * bs;
      const i64 c0 = static_cast<i64>(a.block_indices[b]) * bs;
      const i64 w = min_of(bs, a.cols - c0);
      for (i64 c = 0; c < w; ++c) {
        V s = V(0);
        for (i64 r = 0; r < rows_here; ++r) s += blk[r * bs + c] * x[(row0 + r) * ldx];
        y[(c0 + c) * ldy] += s;
      }
    }
  }
}

// The positions [first, second) in block row br's list of its blocks in block columns [bc0, bc1).
template <typename V, typename I>
inline std::pair<i64, i64> blocks_within(const BsrView<V, I>& a, i64 br, i64 bc0, i64 bc1) {
  const i64 nbc = (a.cols + a.block_size - 1) / a.block_size;
  i64 b0 = a.block_row_ptr[br], b1 = a.block_row_ptr[br + 1];
  if (bc0 > 0) b0 = lower_bound_of(a.block_indices, b0, b1, bc0);
  if (bc1 < nbc) b1 = lower_bound_of(a.block_indices, b0, b1, bc1);
  return {b0, b1};
}

// bsr_scatter_fixed for a batch in one Short register (its own function, as csr_scatter_short).
template <typename S, typename V, typename I, int BS, int RH>
[[gnu::noinline]] void bsr_scatter_short(const BsrView<V, I>& a, const V* x, i64 ldx, V* y, i64 ldy, i64 k, i64 br0,
                                         i64 br1, i64 bc0, i64 bc1) {
  const auto m = S::mask(static_cast<int>(k));
  for (i64 br = br0; br < br1; ++br) {
    const std::pair<i64, i64> range = blocks_within(a, br, bc0, bc1);
    const i64 b0 = range.first, b1 = range.second;
    if (b0 == b1) continue;
    const i64 rows_here = min_of<i64>(BS, a.rows - br * BS);
    for (i64 rr0 = 0; rr0 < rows_here; rr0 += RH)
      bsr_scatter_tile_short<S, V, I, BS, RH>(a, br, rr0, b0, b1, x, ldx, y, ldy, m);
  }
}

template <typename V, typename I, int BS>
void bsr_scatter_fixed(const BsrView<V, I>& a, const V* x, i64 ldx, V* y, i64 ldy, i64 k, i64 br0, i64 br1, i64 bc0,
                       i64 bc1) {
  constexpr int RH = BlockTile<BS>::rows;
  constexpr int UW = BlockTile<BS>::vectors;
  const i64 bs = BS > 0 ? BS : a.block_size;
  for (i64 br = br0; br < br1; ++br) {
    const std::pair<i64, i64> range = blocks_within(a, br, bc0, bc1);
    const i64 b0 = range.first, b1 = range.second;
    if (b0 == b1) continue;
    if (k == 1) {
      bsr_vector_scatter<V, I, BS>(a, br, b0, b1, x, ldx, y, ldy);
      continue;
    }
    const i64 rows_here = min_of(bs, a.rows - br * bs);
    for (i64 rr0 = 0; rr0 < rows_here; rr0 += RH) {  // no frame, as in bsr_rows_fixed
      for_each_tile<V, UW, UW>(k, 0, [&]<int U, bool Masked>(i64 c, Edges e) {
        bsr_scatter_tile<V, I, BS, RH, U, Masked>(a, br, rr0, b0, b1, x + c, ldx, y + c, ldy, e);
      });
    }
  }
}

template <typename V, typename I>
void bsr_scatter(const BsrView<V, I>& a, const V* x, i64 ldx, V* y, i64 ldy, i64 k, i64 br0, i64 br1, i64 bc0,
                 i64 bc1) {
  if (with_short_blocks<V>(k, a.block_size, [&]<typename S, int BS, int RH>() {
        bsr_scatter_short<S, V, I, BS, RH>(a, x, ldx, y, ldy, k, br0, br1, bc0, bc1);
      }))
    return;
  switch (a.block_size) {
    case 4: return bsr_scatter_fixed<V, I, 4>(a, x, ldx, y, ldy, k, br0, br1, bc0, bc1);
    case 8: return bsr_scatter_fixed<V, I, 8>(a, x, ldx, y, ldy, k, br0, br1, bc0, bc1);
    case 16: return bsr_scatter_fixed<V, I, 16>(a, x, ldx, y, ldy, k, br0, br1, bc0, bc1);
    default: return bsr_scatter_fixed<V, I, 0>(a, x, ldx, y, ldy, k, br0, br1, bc0, bc1);
  }
}

// ---------------------------------------------------------------- tiles of a TiledMatrix

// Scalar on purpose: the tile's rows rarely repeat within a vector's width, and AVX-512
// gather + scatter measured slower than this loop (docs/performance.md).
template <typename V>
SPARSE_FORMATS_NO_AUTOVECTORIZE void tile_entries(const std::uint32_t* index, const V* val, i64 n, int col_bits,
                                                  const V* x, V* y) {
  const std::uint32_t mask = (std::uint32_t{1} << col_bits) - 1;
  constexpr i64 kLine = 64 / sizeof(V);  // entries per line of values (indices: at least as many)
  for (i64 p0 = 0; p0 < n; p0 += kLine) {
    for (i64 q = 0; q < kLine; q += 16) prefetch_stream(index + p0 + q);
    prefetch_stream(val + p0);
    for (i64 p = p0, e = min_of(n, p0 + kLine); p < e; ++p) {
      const std::uint32_t w = index[p];
      y[w >> col_bits] += val[p] * x[w & mask];
    }
  }
}

// ---------------------------------------------------------------- slices of a SlicedMatrix

// One slice into out[kSliceRows]: lane l sums the terms of row l in order; a lane whose row has
// ended (j >= len[l]) is neither read nor summed. Scalar lanes on the baseline level (no gathers;
// it multiplies then adds, as the reference backend does).
template <typename V, typename J>
SPARSE_FORMATS_NO_AUTOVECTORIZE inline void slice_lanes(const J* index, const V* val, const std::int32_t* len,
                                                        i64 width, const V* x, V* out) {
  for (int l = 0; l < kSliceRows; ++l) out[l] = V(0);
  for (i64 j = 0; j < width; ++j) {
    const J* ij = index + j * kSliceRows;
    const V* vj = val + j * kSliceRows;
    for (int l = 0; l < kSliceRows; ++l)
      if (j < len[l]) out[l] += vj[l] * x[static_cast<i64>(ij[l])];
  }
}

template <bool kPrefetch, typename V, typename J>
inline void slice(const J* index, const V* val, const std::int32_t* len, i64 width, const V* x, V* out) {
#if defined(__AVX512F__)
  static_assert(kSliceRows == 16);
  const __m512i n = _mm512_loadu_si512(len);
  if constexpr (std::is_same_v<V, float>) {
    __m512 acc = _mm512_setzero_ps();
    for (i64 j = 0; j < width; ++j) {
      prefetch_stream<kPrefetch>(index + j * 16);
      prefetch_stream<kPrefetch>(val + j * 16);
      const __mmask16 m = _mm512_cmpgt_epi32_mask(n, _mm512_set1_epi32(static_cast<int>(j)));
      const __m512 g = _mm512_mask_i32gather_ps(_mm512_setzero_ps(), m, load_index16(index + j * 16), x, 4);
      acc = _mm512_mask3_fmadd_ps(_mm512_loadu_ps(val + j * 16), g, acc, m);
    }
    return _mm512_storeu_ps(out, acc);
  } else {
    const __m256i n0 = _mm512_castsi512_si256(n), n1 = _mm512_extracti64x4_epi64(n, 1);
    __m512d a0 = _mm512_setzero_pd(), a1 = _mm512_setzero_pd();
    for (i64 j = 0; j < width; ++j) {
      prefetch_stream<kPrefetch>(index + j * 16);
      prefetch_stream<kPrefetch>(val + j * 16);
      prefetch_stream<kPrefetch>(val + j * 16 + 8);
      const __m256i t = _mm256_set1_epi32(static_cast<int>(j));
      const __mmask8 m0 = _mm256_cmpgt_epi32_mask(n0, t), m1 = _mm256_cmpgt_epi32_mask(n1, t);
      const __m512i i = load_index16(index + j * 16);
      const __m512d g0 = _mm512_mask_i32gather_pd(_mm512_setzero_pd(), m0, _mm512_castsi512_si256(i), x, 8);
      const __m512d g1 = _mm512_mask_i32gather_pd(_mm512_setzero_pd(), m1, _mm512_extracti64x4_epi64(i, 1), x, 8);
      a0 = _mm512_mask3_fmadd_pd(_mm512_loadu_pd(val + j * 16), g0, a0, m0);
      a1 = _mm512_mask3_fmadd_pd(_mm512_loadu_pd(val + j * 16 + 8), g1, a1, m1);
    }
    _mm512_storeu_pd(out, a0);
    return _mm512_storeu_pd(out + 8, a1);
  }
#elif defined(__AVX2__)
  // A masked lane keeps its sum through the blend, whatever its padding holds.
  if constexpr (std::is_same_v<V, float>) {
    const __m256i n0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(len));
    const __m256i n1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(len + 8));
    __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps();
    for (i64 j = 0; j < width; ++j) {
      prefetch_stream<kPrefetch>(index + j * 16);
      prefetch_stream<kPrefetch>(val + j * 16);
      const __m256i t = _mm256_set1_epi32(static_cast<int>(j));
      const __m256 m0 = _mm256_castsi256_ps(_mm256_cmpgt_epi32(n0, t));
      const __m256 m1 = _mm256_castsi256_ps(_mm256_cmpgt_epi32(n1, t));
      const __m256 g0 = _mm256_mask_i32gather_ps(_mm256_setzero_ps(), x, load_index8(index + j * 16), m0, 4);
      const __m256 g1 = _mm256_mask_i32gather_ps(_mm256_setzero_ps(), x, load_index8(index + j * 16 + 8), m1, 4);
      a0 = _mm256_blendv_ps(a0, _mm256_fmadd_ps(_mm256_loadu_ps(val + j * 16), g0, a0), m0);
      a1 = _mm256_blendv_ps(a1, _mm256_fmadd_ps(_mm256_loadu_ps(val + j * 16 + 8), g1, a1), m1);
    }
    _mm256_storeu_ps(out, a0);
    return _mm256_storeu_ps(out + 8, a1);
  } else {
    __m256d a[4] = {_mm256_setzero_pd(), _mm256_setzero_pd(), _mm256_setzero_pd(), _mm256_setzero_pd()};
    for (i64 j = 0; j < width; ++j) {
      prefetch_stream<kPrefetch>(index + j * 16);
      prefetch_stream<kPrefetch>(val + j * 16);
      prefetch_stream<kPrefetch>(val + j * 16 + 8);
      const __m128i t = _mm_set1_epi32(static_cast<int>(j));
      for (int q = 0; q < 2; ++q) {
        const __m256i i8 = load_index8(index + j * 16 + 8 * q);
        for (int h = 0; h < 2; ++h) {
          const int lane = 8 * q + 4 * h;
          const __m128i n = _mm_loadu_si128(reinterpret_cast<const __m128i*>(len + lane));
          const __m256d m = _mm256_castsi256_pd(_mm256_cvtepi32_epi64(_mm_cmpgt_epi32(n, t)));
          const __m128i i4 = h == 0 ? _mm256_castsi256_si128(i8) : _mm256_extracti128_si256(i8, 1);
          const __m256d g = _mm256_mask_i32gather_pd(_mm256_setzero_pd(), x, i4, m, 8);
          __m256d& acc = a[2 * q + h];
          acc = _mm256_blendv_pd(acc, _mm256_fmadd_pd(_mm256_loadu_pd(val + j * 16 + lane), g, acc), m);
        }
      }
    }
    for (int r = 0; r < 4; ++r) _mm256_storeu_pd(out + 4 * r, a[r]);
  }
#else
  slice_lanes(index, val, len, width, x, out);
#endif
}

template <typename V>
void sliced_rows(const SlicedView<V>& a, const V* x, V* y, i64 ldy, i64 s0, i64 s1) {
  const i64 bytes = (a.slice_ptr[s1] - a.slice_ptr[s0]) * static_cast<i64>(sizeof(V) + (a.index16 ? 2 : 4));
  auto run = [&]<bool kPrefetch>() {
    alignas(64) V out[kSliceRows];
    for (i64 s = s0; s < s1; ++s) {
      const i64 b = a.slice_ptr[s], width = (a.slice_ptr[s + 1] - b) / kSliceRows;
      const std::int32_t* len = a.length + s * kSliceRows;
      if (a.index16 != nullptr) slice<kPrefetch>(a.index16 + b, a.values + b, len, width, x, out);
      else slice<kPrefetch>(a.index32 + b, a.values + b, len, width, x, out);
      const std::int32_t* row = a.row + s * kSliceRows;
      for (int l = 0; l < kSliceRows; ++l)
        if (row[l] >= 0) y[static_cast<i64>(row[l]) * ldy] = out[l];
    }
  };
  if (bytes > kPrefetchMinBytes) run.template operator()<true>();
  else run.template operator()<false>();
}

// ---------------------------------------------------------------- dense row -> kept entries

// Kept: !(|v| <= t), so NaN is kept (conversions.cpp's rule). Scalar form, branch-free: every
// entry is written at p and p advances past kept ones; it stops once `room` entries are written.
template <typename V, typename I>
inline i64 fill_scalar(const V* row, i64 j, i64 cols, V t, I* indices, V* data, i64 p, i64 room) {
  for (; j < cols && p < room; ++j) {
    const V v = row[j];
    indices[p] = static_cast<I>(j);
    data[p] = v;
    p += (v < V(0) ? -v : v) <= t ? 0 : 1;
  }
  return p;
}

#if defined(__AVX2__) && !defined(__AVX512F__)
// Lane permutations that move the set lanes of an 8-bit mask to the front, in order.
struct CompressTable {
  alignas(32) int lanes[256][8];
  constexpr CompressTable() : lanes{} {
    for (int m = 0; m < 256; ++m) {
      int n = 0;
      for (int b = 0; b < 8; ++b)
        if (m & (1 << b)) lanes[m][n++] = b;
    }
  }
};
inline constexpr CompressTable kCompress{};
#endif

// Writes the kept entries of a dense row (unit stride) to indices/data, at most `room`; returns
// how many. Vectorised with compress instructions (AVX-512) or a permutation table (AVX2, float):
// a register of kept entries is stored with a mask of its count, so nothing lands past `room`.
template <typename V, typename I>
i64 dense_row_fill(const V* row, i64 cols, V t, I* indices, V* data, i64 room) {
  i64 p = 0, j = 0;
#if defined(__AVX512F__)
  if constexpr (std::is_same_v<V, float>) {
    const __m512 tv = _mm512_set1_ps(t);
    const __m512i lane = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    for (; j + 16 <= cols && p < room; j += 16) {
      const __m512 v = _mm512_loadu_ps(row + j);
      const auto kept = static_cast<__mmask16>(~_mm512_cmp_ps_mask(_mm512_abs_ps(v), tv, _CMP_LE_OQ));
      const i64 n = min_of<i64>(__builtin_popcount(kept), room - p);
      const auto first = static_cast<__mmask16>((1u << n) - 1);
      _mm512_mask_storeu_ps(data + p, first, _mm512_maskz_compress_ps(kept, v));
      const __m512i c = _mm512_add_epi32(_mm512_maskz_compress_epi32(kept, lane), _mm512_set1_epi32(static_cast<int>(j)));
      if constexpr (sizeof(I) == 4) {
        _mm512_mask_storeu_epi32(indices + p, first, c);
      } else {
        _mm512_mask_storeu_epi64(indices + p, static_cast<__mmask8>(first), _mm512_cvtepi32_epi64(_mm512_castsi512_si256(c)));
        _mm512_mask_storeu_epi64(indices + p + 8, static_cast<__mmask8>(first >> 8),
                                 _mm512_cvtepi32_epi64(_mm512_extracti64x4_epi64(c, 1)));
      }
      p += n;
    }
  } else {
    const __m512d tv = _mm512_set1_pd(t);
    for (; j + 8 <= cols && p < room; j += 8) {
      const __m512d v = _mm512_loadu_pd(row + j);
      const auto kept = static_cast<__mmask8>(~_mm512_cmp_pd_mask(_mm512_abs_pd(v), tv, _CMP_LE_OQ));
      const i64 n = min_of<i64>(__builtin_popcount(kept), room - p);
      const auto first = static_cast<__mmask8>((1u << n) - 1);
      _mm512_mask_storeu_pd(data + p, first, _mm512_maskz_compress_pd(kept, v));
      if constexpr (sizeof(I) == 4) {
        const __m256i c = _mm256_maskz_compress_epi32(kept, _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
        _mm256_mask_storeu_epi32(indices + p, first, _mm256_add_epi32(c, _mm256_set1_epi32(static_cast<int>(j))));
      } else {
        const __m512i c = _mm512_maskz_compress_epi64(kept, _mm512_setr_epi64(0, 1, 2, 3, 4, 5, 6, 7));
        _mm512_mask_storeu_epi64(indices + p, first, _mm512_add_epi64(c, _mm512_set1_epi64(j)));
      }
      p += n;
    }
  }
#elif defined(__AVX2__)
  if constexpr (std::is_same_v<V, float>) {
    const __m256 tv = _mm256_set1_ps(t);
    const __m256 abs_mask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));
    const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    for (; j + 8 <= cols && p < room; j += 8) {
      const __m256 v = _mm256_loadu_ps(row + j);
      const int kept = ~_mm256_movemask_ps(_mm256_cmp_ps(_mm256_and_ps(v, abs_mask), tv, _CMP_LE_OQ)) & 0xff;
      const i64 n = min_of<i64>(__builtin_popcount(static_cast<unsigned>(kept)), room - p);
      const __m256i perm = _mm256_load_si256(reinterpret_cast<const __m256i*>(kCompress.lanes[kept]));
      const __m256i first = _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(n)), lane);
      _mm256_maskstore_ps(data + p, first, _mm256_permutevar8x32_ps(v, perm));
      const __m256i c = _mm256_add_epi32(perm, _mm256_set1_epi32(static_cast<int>(j)));
      if constexpr (sizeof(I) == 4) {
        _mm256_maskstore_epi32(reinterpret_cast<int*>(indices + p), first, c);
      } else {
        auto* out = reinterpret_cast<long long*>(indices + p);
        _mm256_maskstore_epi64(out, _mm256_cvtepi32_epi64(_mm256_castsi256_si128(first)),
                               _mm256_cvtepi32_epi64(_mm256_castsi256_si128(c)));
        _mm256_maskstore_epi64(out + 4, _mm256_cvtepi32_epi64(_mm256_extracti128_si256(first, 1)),
                               _mm256_cvtepi32_epi64(_mm256_extracti128_si256(c, 1)));
      }
      p += n;
    }
  }
#endif
  return fill_scalar(row, j, cols, t, indices, data, p, room);
}

template <typename V, typename I>
const RowKernels<V, I>& row_kernels() {
  static const RowKernels<V, I> table{kPanelTile * Simd<V>::N, &csr_rows<V, I>, &csr_rows_panels<V, I>,
                                      &csr_scatter<V, I>,          &csr_scatter_panels<V, I>,
                                      &bsr_rows<V, I>,             &bsr_scatter<V, I>,
                                      &tile_entries<V>,            &csr_rows_narrow<V, I>,
                                      &sliced_rows<V>,             &dense_row_fill<V, I>,
                                      &csr_rows_gather256<V, I>};
  return table;
}

#define SPARSE_FORMATS_INSTANTIATE_ROW_KERNELS(V, I) template const RowKernels<V, I>& row_kernels<V, I>();
SPARSE_FORMATS_FOR_EACH_TYPE(SPARSE_FORMATS_INSTANTIATE_ROW_KERNELS)
#undef SPARSE_FORMATS_INSTANTIATE_ROW_KERNELS

}  // namespace sparse_formats::kernels::cpu::SPARSE_FORMATS_ISA
