#include "kernels/opencl/plan.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "sparse_formats/errors.hpp"

namespace sparse_formats::opencl {

namespace {
std::int64_t pow2_floor(std::int64_t v) {
  std::int64_t p = 1;
  while (p * 2 <= v) p *= 2;
  return p;
}
std::int64_t pow2_ceil(std::int64_t v) {
  std::int64_t p = 1;
  while (p < v) p *= 2;
  return p;
}
}  // namespace

RowLengthStats row_length_stats(const std::vector<std::int64_t>& indptr) {
  RowLengthStats s;
  s.rows = indptr.empty() ? 0 : static_cast<std::int64_t>(indptr.size()) - 1;
  if (s.rows == 0) return s;
  s.nnz = indptr.back() - indptr.front();
  s.mean = static_cast<double>(s.nnz) / static_cast<double>(s.rows);
  double var = 0.0;
  for (std::int64_t r = 0; r < s.rows; ++r) {
    const std::int64_t len = indptr[r + 1] - indptr[r];
    s.max = std::max(s.max, len);
    const double d = static_cast<double>(len) - s.mean;
    var += d * d;
  }
  if (s.mean > 0) s.cv = std::sqrt(var / static_cast<double>(s.rows)) / s.mean;
  return s;
}

void check_index_headroom(std::int64_t nnz, bool int64_indices) {
  if (!int64_indices && nnz > kInt32MaxNnz)
    throw index_overflow("opencl: " + std::to_string(nnz) + " non-zeros with int32 indices leave the kernels' loop " +
                         "counters no room below 2^31 (at most " + std::to_string(kInt32MaxNnz) +
                         "); store the matrix with int64 indices");
}

SpmvChoice choose_spmv(const RowLengthStats& stats, const DeviceInfo& device, SpmvAlgorithm forced) {
  SpmvChoice c;
  const int simd = std::max(device.simd_width, 1);
  c.lanes = static_cast<int>(
      std::clamp<std::int64_t>(pow2_floor(static_cast<std::int64_t>(stats.mean)), 2, std::max(simd, 2)));
  char buf[160];
  std::snprintf(buf, sizeof buf, "rows %lld, mean row length %.1f, max %lld, cv %.2f",
                static_cast<long long>(stats.rows), stats.mean, static_cast<long long>(stats.max), stats.cv);
  const std::string facts(buf);
  if (forced != SpmvAlgorithm::automatic) {
    c.algorithm = forced;
    c.reason = "requested (" + facts + ")";
    return c;
  }
  const bool skewed = stats.max > kPreferredWorkGroup && (static_cast<double>(stats.max) > kSkewRatio * stats.mean ||
                                                          stats.cv > kSkewCoefficientOfVariation);
  if (skewed) {
    c.algorithm = SpmvAlgorithm::adaptive;
    c.reason = "skewed rows: row blocks of equal non-zeros (" + facts + ")";
  } else if (device.type == "cpu") {
    c.algorithm = SpmvAlgorithm::scalar;
    c.reason = "CPU device: a work-item per row is a SIMD lane of a loop (" + facts + ")";
  } else if (stats.mean < kScalarMaxMeanRowLength) {
    c.algorithm = SpmvAlgorithm::scalar;
    c.reason = "short rows (" + facts + ")";
  } else {
    c.algorithm = SpmvAlgorithm::vector;
    c.reason = std::to_string(c.lanes) + " lanes per row (" + facts + ")";
  }
  return c;
}

SpmmShape csr_spmm_shape(std::int64_t k, int work_group, int simd_width) {
  SpmmShape s;
  const std::int64_t simd = std::max(simd_width, 1);
  s.lanes =
      static_cast<int>(std::min(pow2_ceil(std::max<std::int64_t>(k, 1)), std::min<std::int64_t>(simd, work_group)));
  s.cols_per_lane = static_cast<int>(std::clamp<std::int64_t>((k + s.lanes - 1) / s.lanes, 1, kMaxColsPerLane));
  s.slots = static_cast<int>(pow2_floor(std::max(work_group / s.lanes, 1)));
  return s;
}

std::int64_t target_block_nnz(std::int64_t nnz, int slots, const DeviceInfo& device, std::int64_t tiles) {
  const std::int64_t groups = std::max<std::int64_t>(device.compute_units, 1) * kBlocksPerComputeUnit;
  const std::int64_t blocks = std::max<std::int64_t>((groups + tiles - 1) / std::max<std::int64_t>(tiles, 1), 1);
  return std::max<std::int64_t>(slots * kMinNnzPerSlot, (nnz + blocks - 1) / blocks);
}

std::vector<std::int64_t> row_blocks(const std::vector<std::int64_t>& indptr, int slots, std::int64_t target) {
  const std::int64_t rows = indptr.empty() ? 0 : static_cast<std::int64_t>(indptr.size()) - 1;
  std::vector<std::int64_t> starts;
  starts.reserve(static_cast<std::size_t>(rows / std::max(slots, 1) + 2));
  std::int64_t r = 0;
  while (r < rows) {
    std::int64_t n = pow2_floor(std::max(slots, 1));
    while (n > 1 && indptr[std::min(r + n, rows)] - indptr[r] > target) n /= 2;
    starts.push_back(r);
    r = std::min(r + n, rows);
  }
  starts.push_back(rows);
  return starts;
}

LongRowChunks long_row_chunks(const std::vector<std::int64_t>& indptr, std::int64_t target) {
  LongRowChunks out;
  target = std::max<std::int64_t>(target, 1);
  out.threshold = kLongRowFactor * target;
  const std::int64_t rows = indptr.empty() ? 0 : static_cast<std::int64_t>(indptr.size()) - 1;
  for (std::int64_t r = 0; r < rows; ++r) {
    const std::int64_t len = indptr[r + 1] - indptr[r];
    if (len <= out.threshold) continue;
    const std::int64_t pieces = (len + target - 1) / target;
    for (std::int64_t p = 0; p < pieces; ++p) {
      out.row.push_back(r);
      out.begin.push_back(indptr[r] + len * p / pieces);
      out.end.push_back(indptr[r] + len * (p + 1) / pieces);
    }
    out.rows.push_back(r);
    out.first.push_back(out.count());
  }
  return out;
}

BsrShape bsr_shape(std::int64_t k, std::int64_t block_size, int max_work_group, int simd_width,
                   std::int64_t local_memory, std::size_t value_size) {
  if (block_size > max_work_group)
    throw unsupported("opencl: block size " + std::to_string(block_size) + " exceeds the device's work-group limit " +
                      std::to_string(max_work_group) + " (a work-group holds one work-item per block row)");
  BsrShape s;
  // Fill a work-group of about kPreferredWorkGroup (never less than one warp) with whole block rows.
  const std::int64_t group =
      std::min<std::int64_t>(std::max(kPreferredWorkGroup, simd_width), std::max(max_work_group, 1));
  std::int64_t lanes = pow2_floor(std::max<std::int64_t>(group / block_size, 1));
  lanes = std::min(lanes, pow2_ceil(std::max<std::int64_t>(k, 1)));
  std::int64_t cpl = std::clamp<std::int64_t>((k + lanes - 1) / lanes, 1, kMaxColsPerLane);
  // The staged x tile (block_size x lanes x cols_per_lane values) must fit in half the local memory.
  const std::int64_t budget = std::max<std::int64_t>(local_memory / 2, 1024);
  while (cpl > 1 && block_size * lanes * cpl * static_cast<std::int64_t>(value_size) > budget) --cpl;
  while (lanes > 1 && block_size * lanes * cpl * static_cast<std::int64_t>(value_size) > budget) lanes /= 2;
  if (block_size * lanes * cpl * static_cast<std::int64_t>(value_size) > budget)
    throw unsupported("opencl: block size " + std::to_string(block_size) +
                      " needs more local memory than the device has");
  // Small k leaves the group short of whole warps: put several block rows side by side.
  std::int64_t groups = 1;
  while (groups * 2 <= kMaxBlockRowsPerGroup && groups * 2 * block_size * lanes <= group &&
         groups * 2 * block_size * lanes * cpl * static_cast<std::int64_t>(value_size) <= budget)
    groups *= 2;
  s.lanes = static_cast<int>(lanes);
  s.cols_per_lane = static_cast<int>(cpl);
  s.groups = static_cast<int>(groups);
  return s;
}

}  // namespace sparse_formats::opencl
