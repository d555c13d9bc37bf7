// Process-wide settings of the CPU backend.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace sparse_formats {

// Threads used by the CPU kernels. 0 restores the default: SPARSE_FORMATS_NUM_THREADS if set,
// otherwise OpenMP's default. Results are deterministic for a given thread count.
void set_num_threads(int threads);
int num_threads();

// Cache blocking of CSR products A x with a batch (k >= 2): A's columns are taken in panels whose
// rows of x stay in L1, where the plain kernel pulls a whole row of x from L2 or memory for every
// non-zero. 0 (the default) blocks where it measured faster (x larger than the caches and enough
// non-zeros per row and panel); a positive value forces panels of that many columns (tests use
// it to reach every panel edge); -1 turns blocking off. SPARSE_FORMATS_PANEL_COLUMNS sets the
// default. Results agree to rounding; for a given setting they do not depend on the thread count.
void set_panel_columns(std::int64_t columns);
std::int64_t panel_columns();

// Batch groups of CSR products A x with a wide batch (k >= 2): where x (cols x k values) takes a
// core's whole L2 cache or more, and the matrix reuses its rows of x enough, the product copies
// x's columns in groups that each fit half of L2 and runs over one group after the other. On
// 4096x4096 layers at 90-95% sparsity with k = 128 (x of 2 MB, as large as L2 here) this ran
// 1.25-1.45x faster (docs/performance.md). 0 (the default) groups where that pays; a positive
// value forces groups of that many columns (tests use it to reach every group edge); -1 turns
// grouping off. SPARSE_FORMATS_BATCH_COLUMNS sets the default. Each group's result is exactly
// that of the same product on that slice of the batch; results do not depend on the thread count.
void set_batch_columns(std::int64_t columns);
std::int64_t batch_columns();

// Cache-blocked copies for products with one vector (SpmmPlan with k = 1) on matrices whose x
// outgrows the caches, such as graphs: the plan stores op(A) as tiles of 256 KiB of x by 16 KiB
// of y, swept one column of tiles at a time over each thread's band of rows, so that a tile's
// slice of x stays in L2 and its slice of y in L1 where the plain kernel waits on a cache miss for
// nearly every non-zero. 0 (the default) tiles where it pays (x of 4 MiB or more, each block row
// of tiles reaching more of x than fits in L2); p in [1, 16] forces tiles of 2^p columns and
// 2^min(p + 4, 32 - p) rows (tests use small ones to reach every tile edge); -1 turns tiling off.
// SPARSE_FORMATS_SPMV_TILES sets the default. Results agree with spmm() to rounding and do not
// depend on the thread count.
void set_spmv_tiles(int log2_columns);
int spmv_tiles();

// Sliced copies for products with one vector (SpmmPlan with k = 1) on matrices with short rows,
// as pruned layers at 70-99% sparsity have: the plan stores op(A) in slices of 16 rows, one row
// per vector lane, rows sorted by length within windows of 4096 (SELL-C-sigma), so that SpMV
// gathers one entry of 16 rows at a time and sums nothing across lanes. 0 (the default) slices
// where it pays (at most 320 non-zeros per row on average, at most 25% padding, no tiled copy,
// a SIMD level with gathers when planning);
// 1 slices every such plan whose padding stays within 8 entries per non-zero (tests use it);
// -1 turns slicing off. SPARSE_FORMATS_SPMV_SLICES sets
// the default. Each output sums its row's terms in the row's order: results agree with spmm()
// to rounding and do not depend on the thread count.
void set_spmv_slices(int mode);
int spmv_slices();

// Arrays of 4 MiB and more that the CPU kernels allocate (the index and value arrays of CSR and
// CSC matrices made from dense or by CSR <-> CSC, a plan's copies, conversion scratch) go back to
// a cache when freed, up to 256 MiB in all; a later array that fits a kept block within 25% reuses
// it. Fresh memory is page-faulted and cleared by the operating system on first touch, which for
// a 64 MB array costs more than the conversion that fills it. cached_memory_bytes() is what the
// cache holds (no matrix's memory statistics count it); release_cached_memory() returns it.
std::size_t cached_memory_bytes();
void release_cached_memory();

// Whether the library was built with OpenMP (without it the CPU backend runs one thread).
bool has_openmp();

// Instruction sets the CPU kernels are compiled for; one is picked at run time.
// baseline: plain x86-64 (SSE2) or the target's default; avx2: AVX2 + FMA;
// avx512: AVX-512 F/VL/BW/DQ. `automatic` means the best one this CPU runs.
enum class SimdLevel { automatic, baseline, avx2, avx512 };
std::string to_string(SimdLevel level);

// Forces the kernels onto one instruction set (tests use it to run every path).
// Throws unsupported when this build or this CPU lacks `level`. automatic restores the
// default: SPARSE_FORMATS_SIMD (baseline|avx2|avx512, lowered to what the CPU has) if set,
// otherwise the best level available. On AMD CPUs, whose 512-bit gathers are slow, the default
// avx512 level runs float products with one vector (which gather x) on the baseline kernels
// (scalar streams) where the matrix takes at most 16 MiB and on the AVX2 kernels beyond; a level
// forced by this call or by SPARSE_FORMATS_SIMD uses that level's kernels throughout.
void set_simd_level(SimdLevel level);
SimdLevel simd_level();                         // the level in use, never automatic
std::vector<SimdLevel> available_simd_levels();  // what this build runs on this CPU, baseline first

}  // namespace sparse_formats
