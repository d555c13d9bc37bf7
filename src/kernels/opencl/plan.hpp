// Launch parameters chosen from the matrix's row-length statistics and the device's reported
// properties: pure functions, so they are tested without a device. Every threshold is a named
// constant with the reason for its value.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "sparse_formats/device.hpp"

namespace sparse_formats::opencl {

// Work-group size we aim for: 256 work-items is 8 NVIDIA warps or 4 AMD wavefronts, enough to hide
// latency with a few groups per compute unit, and within every OpenCL 1.2 GPU's limit.
inline constexpr int kPreferredWorkGroup = 256;
// Work-groups per compute unit the row partition aims at, so that uneven blocks even out.
inline constexpr int kBlocksPerComputeUnit = 8;
// The kernels' int32 loop counters step up to one work-group (or SIMD width) past a row's last
// non-zero, so int32 indices take at most this many non-zeros; more need int64 indices.
inline constexpr std::int64_t kInt32MaxNnz = 2147483647 - kPreferredWorkGroup;
// Throws index_overflow when a matrix with int32 indices has more non-zeros than kInt32MaxNnz.
void check_index_headroom(std::int64_t nnz, bool int64_indices);
// Below this many non-zeros per slot a row block is not worth splitting further.
inline constexpr std::int64_t kMinNnzPerSlot = 4;
// SpMV: rows whose mean length is below this gain nothing from several lanes (Bell & Garland 2009).
inline constexpr double kScalarMaxMeanRowLength = 4.0;
// SpMV: the longest row above this many times the mean (and above one work-group's worth) means skew.
inline constexpr double kSkewRatio = 16.0;
// SpMV: a coefficient of variation of the row lengths above this also means skew.
inline constexpr double kSkewCoefficientOfVariation = 1.5;
// Output columns per work-item at most (matches MAX_COLS_PER_LANE in kernels/common.cl).
inline constexpr int kMaxColsPerLane = 4;

struct RowLengthStats {
  std::int64_t rows = 0;
  std::int64_t nnz = 0;
  std::int64_t max = 0;
  double mean = 0.0;
  double cv = 0.0;  // standard deviation / mean (0 when mean is 0)
};
RowLengthStats row_length_stats(const std::vector<std::int64_t>& indptr);

struct SpmvChoice {
  SpmvAlgorithm algorithm = SpmvAlgorithm::scalar;
  int lanes = 1;  // lanes per row for the vector kernel
  std::string reason;
};
// `forced` other than automatic is taken as is (lanes still from the statistics).
SpmvChoice choose_spmv(const RowLengthStats& stats, const DeviceInfo& device, SpmvAlgorithm forced);

// The shape of one csr_spmm_blocks launch: lanes x slots work-items, cols_per_lane columns per lane.
struct SpmmShape {
  int lanes = 1;
  int slots = 1;
  int cols_per_lane = 1;
  // Batch columns one work-group covers, and the column tiles a batch of k takes.
  std::int64_t tile() const { return static_cast<std::int64_t>(lanes) * cols_per_lane; }
  std::int64_t tiles(std::int64_t k) const { return (k + tile() - 1) / tile(); }
};
SpmmShape csr_spmm_shape(std::int64_t k, int work_group, int simd_width);

// Non-zeros one row block should hold for this device and matrix. Each block is a work-group per
// column tile, so with `tiles` tiles fewer, larger blocks fill the device as well: their rows then get
// whole slots, without the partial-sum reduction that splitting a row across slots costs.
std::int64_t target_block_nnz(std::int64_t nnz, int slots, const DeviceInfo& device, std::int64_t tiles = 1);
// First row of each block, then `rows`: blocks of at most `slots` rows (a power of two but the last)
// holding at most target non-zeros, or one row alone when it is longer.
std::vector<std::int64_t> row_blocks(const std::vector<std::int64_t>& indptr, int slots, std::int64_t target);

// Block rows one block-sparse work-group holds at most (each work-item reads this many row lengths).
inline constexpr int kMaxBlockRowsPerGroup = 32;

// A row longer than this many times the block target is split across work-groups (CSR-Adaptive's
// long-row mode): 4 keeps ordinary matrices on the one-pass path and catches rows that would leave
// one work-group running long after the others.
inline constexpr std::int64_t kLongRowFactor = 4;

// Chunks of the rows longer than `threshold`, each about `target` non-zeros: chunk c covers
// [begin[c], end[c]) of row row[c]; long row l (rows[l]) owns chunks first[l] .. first[l + 1] - 1.
struct LongRowChunks {
  std::int64_t threshold = 0;
  std::vector<std::int64_t> row, begin, end;
  std::vector<std::int64_t> rows, first{0};
  std::int64_t count() const { return static_cast<std::int64_t>(row.size()); }
};
LongRowChunks long_row_chunks(const std::vector<std::int64_t>& indptr, std::int64_t target);

struct BsrShape {
  int lanes = 1;  // work-group is lanes x (groups * block_size)
  int cols_per_lane = 1;
  int groups = 1;  // block rows per work-group
};
// Throws unsupported when block_size exceeds the kernel's work-group limit.
BsrShape bsr_shape(std::int64_t k, std::int64_t block_size, int max_work_group, int simd_width,
                   std::int64_t local_memory, std::size_t value_size);

}  // namespace sparse_formats::opencl
