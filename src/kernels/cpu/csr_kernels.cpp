// Threaded CSR products over the per-ISA inner loops (row_kernels.hpp).
// A x: rows split by non-zeros; each row is computed by one thread in storage order, so the
// result does not depend on the thread count. A^T x on the CSR arrays: for a batch of at least
// kColumnSplitMinBatch the output's rows (columns of A) are split between threads by non-zeros and
// every thread walks all rows, taking only its columns (no extra memory, result independent of
// the thread count); for narrower batches each thread scatters its rows into a private buffer
// and the buffers are summed in thread order.
#include <algorithm>
#include <memory>
#include <vector>

#include "instantiate.hpp"
#include "kernels/cpu/batch_groups.hpp"
#include "kernels/cpu/memory.hpp"
#include "kernels/cpu/partition.hpp"
#include "kernels/cpu/row_kernels.hpp"
#include "kernels/cpu/threads.hpp"
#include "kernels/kernels.hpp"
#include "sparse_formats/config.hpp"

namespace sparse_formats::kernels::cpu {

namespace {

// Below this batch the partial buffers (2 passes over cols x k per thread) cost less than every
// thread re-reading the row structure to find its columns.
constexpr std::int64_t kColumnSplitMinBatch = 4;

// Below this density a row's consecutive entries are rarely adjacent columns, and zeroing and
// copying the padded rows cost more than the waits they save: layers at 99% sparsity ran
// 0.74-0.94x padded, at 95% 0.96-1.5x, at 50-90% 1.0-5x (docs/performance.md).
constexpr double kPadMinDensity = 0.02;

// Panel width of the cache-blocked products (csr_rows_panels, csr_scatter_panels) for this matrix
// and batch, or 0 for the plain kernels. A panel's rows of x (y for A^T x) take kPanelBytes, with
// the chunk's rows of y (x) beside them in L1. Measured on the layer workloads with
// bench/compare.py (docs/performance.md): A x blocking pays where rows of x are >= 128 bytes
// (n = 32 floats: 1.25-1.48x), x outgrows L1 (64 KB) and rows have >= ~12 non-zeros per panel; on
// sparser rows the per-panel cost of a row is not shared by enough non-zeros. A^T x (the scatter)
// was measured at n = 128 only: there rows of >= 256 bytes and x beyond 256 KB.
template <typename V, typename I>
std::int64_t choose_panel(const CsrView<V, I>& a, std::int64_t k, bool transposed) {
  const std::int64_t forced = panel_columns();
  if (k < 2 || a.rows == 0 || a.cols == 0 || forced < 0) return 0;
  if (forced > 0) return forced;
  if (k * static_cast<std::int64_t>(sizeof(V)) < (transposed ? 256 : 128)) return 0;
  constexpr std::int64_t kPanelBytes = 16 << 10;
  const std::int64_t tile = std::min<std::int64_t>(k, row_kernels<V, I>().panel_tile_values);
  const std::int64_t width = std::max<std::int64_t>(1, kPanelBytes / (tile * static_cast<std::int64_t>(sizeof(V))));
  if (width >= a.cols) return 0;
  const double x_bytes = static_cast<double>(a.cols) * static_cast<double>(k) * sizeof(V);
  const double per_row_panel = static_cast<double>(a.indptr[a.rows]) / a.rows * width / a.cols;
  if (x_bytes <= (transposed ? 256 << 10 : 64 << 10)) return 0;
  // Rows of x of two cache lines beyond 256 KB of x: the plain kernel, which prefetches them, ran
  // 1.06-1.9x faster on 4096x4096 and 768x3072 at n = 32 floats (docs/performance.md).
  if (!transposed && k * static_cast<std::int64_t>(sizeof(V)) <= 128 && x_bytes > 256 << 10) return 0;
  return per_row_panel >= 12.0 ? width : 0;
}

// Groups of A x's batch (see set_batch_columns), or 0 for the whole batch at once. Automatic
// groups need x to take a core's whole L2 and split it into groups whose x fits half of it; on
// 4096x4096 layers at k = 128 (2 MB of x) two packed groups of 64 ran 1.25-1.45x faster at 90-95%
// sparsity (docs/performance.md). They are not used:
// - where the panels already keep x in L1 (50-80% on that layer: 0.92-1.01x);
// - below kMinGroupNnzPerColumn non-zeros per row of x, where the copy costs more than it saves
//   (99%: 41 per row of x, 0.92x);
// - where most of a row's non-zeros are runs of adjacent columns, far more than the density
//   gives by chance (the 8x8-block matrices: 0.88-0.95x): their rows of x stream in order and
//   stay in L1 for the rows below.
// Groups keep at least 4 vectors of 16 floats (narrower tiles spend more per non-zero than the
// cache saves: four groups of 32 ran 0.8-1.4x).
constexpr std::int64_t kMinGroupBytes = 256;
constexpr std::int64_t kMinGroupNnzPerColumn = 100;

template <typename V, typename I>
std::int64_t batch_group(const CsrView<V, I>& a, std::int64_t k, std::int64_t panel) {
  const std::int64_t forced = batch_columns();
  if (k < 2 || forced < 0 || a.rows == 0) return 0;
  if (forced > 0) return forced < k ? forced : 0;
  const std::int64_t l2 = l2_cache_bytes(), x_bytes = a.cols * k * static_cast<std::int64_t>(sizeof(V));
  const std::int64_t nnz = a.indptr[a.rows];
  if (panel > 0 || x_bytes < l2 || nnz < kMinGroupNnzPerColumn * a.cols) return 0;
  // runs of adjacent columns, on up to 64 rows spread over the matrix
  std::int64_t seen = 0, adjacent = 0;
  const std::int64_t step = std::max<std::int64_t>(1, a.rows / 64);
  for (std::int64_t i = 0; i < a.rows; i += step) {
    const std::int64_t p0 = a.indptr[i], p1 = a.indptr[i + 1];
    seen += p1 - p0;
    for (std::int64_t p = p0 + 1; p < p1; ++p) adjacent += a.indices[p] == a.indices[p - 1] + 1;
  }
  // a scattered row of density d has about d of its entries next to the one before
  const double density = static_cast<double>(nnz) / (static_cast<double>(a.rows) * static_cast<double>(a.cols));
  const double runs = seen > 0 ? static_cast<double>(adjacent) / static_cast<double>(seen) : 0.0;
  if (runs >= 0.5 && runs >= 2.0 * density) return 0;
  const std::int64_t groups = (x_bytes + l2 / 2 - 1) / (l2 / 2);
  const std::int64_t unit = kMinGroupBytes / static_cast<std::int64_t>(sizeof(V));
  const std::int64_t width = std::max(unit, ((k + groups - 1) / groups + unit - 1) / unit * unit);
  return width < k ? width : 0;
}

}  // namespace

template <typename V, typename I>
Partition csr_partition(const CsrView<V, I>& a, bool transposed, std::int64_t k) {
  Partition p;
  const std::int64_t nnz = a.indptr[a.rows];
  // Weights measured against threads_for's boundary of 2^18 units (the passive policy on the Intel
  // guest; 2^16 now): since a threaded call's end stopped sleeping in OpenMP's join (run_parts),
  // a vector FMA of A x with a batch counts two units; the column split of A^T X, where each
  // thread reads every row, keeps one (docs/performance.md, "Threads").
  const std::int64_t out_rows = transposed ? a.cols : a.rows;
  std::int64_t work = product_work(nnz, out_rows, k);
  if (k > 1 && !transposed) work *= 2;
  p.threads = threads_for(work);
  if (p.threads <= 1) {
    p.threads = 1;
    p.bounds = {0, transposed ? a.cols : a.rows};
    p.column_split = transposed;
  } else if (transposed && k >= kColumnSplitMinBatch) {
    p.column_split = true;
    p.bounds = balanced_column_split(a.indptr, a.indices, a.rows, a.cols, p.threads);
  } else {
    p.bounds = balanced_row_split(a.indptr, a.rows, p.threads);
  }
  if (!transposed || p.column_split) p.panel = choose_panel(a, k, transposed);
  if (!transposed) {
    p.group = batch_group(a, k, p.panel);
    if (p.group > 0) p.panel = choose_panel(a, p.group, false);
  }
  return p;
}

template <typename V, typename I>
void csr_spmm(const CsrView<V, I>& a, DenseView<const V> x, DenseView<V> y, const Partition& part) {
  const auto& kern = row_kernels<V, I>();
  const std::int64_t k = y.cols;
  const auto& b = part.bounds;
  // Rows [r0, r1) for the batch columns of xd (row stride ldx) into yd, w of them.
  auto run = [&](const V* xd, std::int64_t ldx, V* yd, std::int64_t w, std::int64_t r0, std::int64_t r1) {
    if (part.panel > 0)
      kern.csr_rows_panels(a, xd, ldx, yd, y.row_stride, w, r0, r1, part.panel);
    else
      kern.csr_rows(a, xd, ldx, yd, y.row_stride, w, r0, r1);
  };
  if (part.group > 0 && part.group < k) {
    // Part t takes rows [b[t], b[t + 1]) through every group (bounds are {0, rows} on one thread).
    return run_batch_groups(part.threads, part.group, x.data, x.row_stride, a.cols, k,
                            [&](int t, std::int64_t c0, std::int64_t w, const V* xg, std::int64_t ldxg) {
                              run(xg, ldxg, y.data + c0, w, b[t], b[t + 1]);
                            });
  }
  if (part.threads <= 1) return run(x.data, x.row_stride, y.data, k, 0, a.rows);
  run_parts(part.threads, [&](int t) { run(x.data, x.row_stride, y.data, k, b[t], b[t + 1]); });
}

template <typename V, typename I>
void csr_spmv_narrow(const CsrView<V, I>& a, const std::uint16_t* narrow, DenseView<const V> x, DenseView<V> y,
                     const Partition& part) {
  const auto& kern = row_kernels<V, I>();
  const auto& b = part.bounds;
  auto run = [&](std::int64_t r0, std::int64_t r1) {
    kern.csr_rows_narrow(a, narrow, x.data, x.row_stride, y.data, y.row_stride, r0, r1);
  };
  if (part.threads <= 1) return run(0, a.rows);
  run_parts(part.threads, [&](int t) { run(b[t], b[t + 1]); });
}

template <typename V, typename I>
void csr_spmm_transposed(const CsrView<V, I>& a, DenseView<const V> x, DenseView<V> y, const Partition& part) {
  const auto& kern = row_kernels<V, I>();
  const std::int64_t k = y.cols, n = a.cols;
  const auto& b = part.bounds;
  // Where the registers that update a row of y span into the next row, scatter into rows of
  // `span` values instead and copy the k values out (see scatter_span).
  const std::int64_t span = scatter_span<V>(k);
  const bool pad = span > y.row_stride && static_cast<double>(a.indptr[a.rows]) >=
                                               kPadMinDensity * static_cast<double>(a.rows) * static_cast<double>(n);
  const Scratch padded(pad ? static_cast<std::size_t>(n * span) * sizeof(V) : 0);
  V* const rows = static_cast<V*>(padded.data());
  // Output rows [c0, c1), every row of A (the column-split path and one thread).
  auto columns = [&](std::int64_t c0, std::int64_t c1) {
    V* out = pad ? rows : y.data;
    const std::int64_t ldo = pad ? span : y.row_stride;
    zero_rows(out, ldo, k, c0, c1);
    if (c0 == c1) return;
    if (part.panel > 0)
      kern.csr_scatter_panels(a, x.data, x.row_stride, out, ldo, k, c0, c1, part.panel);
    else
      kern.csr_scatter(a, x.data, x.row_stride, out, ldo, k, 0, a.rows, c0, c1);
    if (pad) copy_rows(out, span, y.data, y.row_stride, k, c0, c1);
  };
  if (part.threads <= 1) return columns(0, n);
  if (part.column_split) {
    run_parts(part.threads, [&](int t) { columns(b[t], b[t + 1]); });
    return;
  }
  // Thread 0 scatters into y (or the padded rows), thread t > 0 into partial[t - 1] (rows of ld
  // values); then y += the partials in thread order.
  const int threads = part.threads;
  const std::int64_t ld = pad ? span : k, stride = n * ld;
  const std::unique_ptr<V[]> partial(new V[static_cast<std::size_t>((threads - 1) * stride)]);
  SpinBarrier barrier;
#pragma omp parallel num_threads(threads)
  {
    const int me = team_rank(), team = team_size();
    for (int t = me; t < threads; t += team) {
      V* out = t > 0 ? partial.get() + (t - 1) * stride : pad ? rows : y.data;
      const std::int64_t ldo = t > 0 || pad ? ld : y.row_stride;
      zero_rows(out, ldo, k, 0, n);
      kern.csr_scatter(a, x.data, x.row_stride, out, ldo, k, b[t], b[t + 1], 0, n);
    }
    barrier.wait(team);
    for (std::int64_t j = n * me / team, end = n * (me + 1) / team; j < end; ++j) {
      V* yj = y.data + j * y.row_stride;
      if (pad) std::copy(rows + j * span, rows + j * span + k, yj);
      for (int t = 1; t < threads; ++t) {
        const V* pj = partial.get() + (t - 1) * stride + j * ld;
        for (std::int64_t c = 0; c < k; ++c) yj[c] += pj[c];
      }
    }
    barrier.wait(team);  // the first to finish spins here rather than sleeping in OpenMP's join
  }
}

template <typename V, typename I>
void csr_spmm(const CsrView<V, I>& a, DenseView<const V> x, DenseView<V> y) {
  csr_spmm(a, x, y, csr_partition(a, false, y.cols));
}

template <typename V, typename I>
void csr_spmm_transposed(const CsrView<V, I>& a, DenseView<const V> x, DenseView<V> y) {
  csr_spmm_transposed(a, x, y, csr_partition(a, true, y.cols));
}

#define INSTANTIATE(V, I)                                                                                    \
  template Partition csr_partition<V, I>(const CsrView<V, I>&, bool, std::int64_t);                           \
  template void csr_spmm<V, I>(const CsrView<V, I>&, DenseView<const V>, DenseView<V>);                       \
  template void csr_spmm_transposed<V, I>(const CsrView<V, I>&, DenseView<const V>, DenseView<V>);            \
  template void csr_spmm<V, I>(const CsrView<V, I>&, DenseView<const V>, DenseView<V>, const Partition&);     \
  template void csr_spmv_narrow<V, I>(const CsrView<V, I>&, const std::uint16_t*, DenseView<const V>, DenseView<V>, \
                                      const Partition&);                                                       \
  template void csr_spmm_transposed<V, I>(const CsrView<V, I>&, DenseView<const V>, DenseView<V>, const Partition&);
SPARSE_FORMATS_FOR_EACH_TYPE(INSTANTIATE)
#undef INSTANTIATE

}  // namespace sparse_formats::kernels::cpu
