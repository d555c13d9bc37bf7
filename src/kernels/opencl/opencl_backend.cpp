// The backend interface (backend.hpp) on a real OpenCL runtime: uploads, downloads and launches.
#include <algorithm>
#include <map>
#include <mutex>
#include <type_traits>

#include "instantiate.hpp"
#include "kernels/opencl/backend.hpp"
#include "kernels/opencl/plan.hpp"
#include "kernels/opencl/runtime.hpp"
#include "sparse_formats/errors.hpp"

namespace sparse_formats {
namespace detail {

struct DeviceDenseState {
  opencl::Context* ctx = nullptr;
  opencl::Mem buffer;
  std::int64_t count = 0;  // elements
  bool fp64 = false;
};

struct DeviceMatrixState {
  // One CSR-shaped storage (CSR of A, or CSR of A^T).
  struct Compressed {
    std::int64_t rows = 0, cols = 0, nnz = 0;
    opencl::Mem indptr, indices, data;
    std::vector<std::int64_t> host_indptr;  // for the row partitions, made per work-group shape
    opencl::SpmvChoice spmv;
    std::mutex mutex;
    struct Partition {
      opencl::Mem row_blocks, chunk_row, chunk_begin, chunk_end, long_rows, long_first;
      std::int64_t blocks = 0, chunks = 0, long_count = 0, threshold = 0;
    };
    std::map<std::pair<int, std::int64_t>, Partition> partitions;  // by slots per work-group and column tiles
  };
  struct Block {
    std::int64_t rows = 0, cols = 0, block_size = 1, block_rows = 0, num_blocks = 0;
    opencl::Mem block_row_ptr, block_indices, blocks;
  };
  opencl::Context* ctx = nullptr;
  bool fp64 = false, int64 = false;
  std::unique_ptr<Compressed> forward, transposed;
  std::unique_ptr<Block> block_forward, block_transposed;
};

}  // namespace detail

namespace opencl {

namespace {

using detail::DeviceDenseState;
using detail::DeviceMatrixState;

template <typename T>
std::size_t bytes(std::int64_t n) {
  return static_cast<std::size_t>(n) * sizeof(T);
}

template <typename V, typename I>
Kernels& kernels_for(Context& ctx) {
  return ctx.kernels(std::is_same_v<V, double>, std::is_same_v<I, std::int64_t>);
}

template <typename V, typename I>
std::unique_ptr<DeviceMatrixState::Compressed> upload(Context& ctx, const kernels::CsrView<V, I>& a,
                                                      SpmvAlgorithm spmv) {
  auto c = std::make_unique<DeviceMatrixState::Compressed>();
  c->rows = a.rows;
  c->cols = a.cols;
  c->nnz = static_cast<std::int64_t>(a.indptr[a.rows]);
  check_index_headroom(c->nnz, std::is_same_v<I, std::int64_t>);
  c->indptr = ctx.buffer(bytes<I>(a.rows + 1), a.indptr);
  c->indices = ctx.buffer(bytes<I>(c->nnz), a.indices);
  c->data = ctx.buffer(bytes<V>(c->nnz), a.data);
  c->host_indptr.assign(a.indptr, a.indptr + a.rows + 1);
  c->spmv = choose_spmv(row_length_stats(c->host_indptr), ctx.info(), spmv);
  return c;
}

template <typename V, typename I>
std::unique_ptr<DeviceMatrixState::Block> upload(Context& ctx, const kernels::BsrView<V, I>& a) {
  auto b = std::make_unique<DeviceMatrixState::Block>();
  b->rows = a.rows;
  b->cols = a.cols;
  b->block_size = a.block_size;
  b->block_rows = a.block_rows;
  b->num_blocks = static_cast<std::int64_t>(a.block_row_ptr[a.block_rows]);
  b->block_row_ptr = ctx.buffer(bytes<I>(a.block_rows + 1), a.block_row_ptr);
  b->block_indices = ctx.buffer(bytes<I>(b->num_blocks), a.block_indices);
  b->blocks = ctx.buffer(bytes<V>(b->num_blocks * a.block_size * a.block_size), a.blocks);
  return b;
}

int work_group(const Kernels& k) {
  int wg = 1;
  while (wg * 2 <= std::min(kPreferredWorkGroup, k.max_work_group)) wg *= 2;
  return wg;
}

// Row blocks and long-row chunks for `slots` and `tiles`, made and uploaded on first use of that launch shape.
template <typename I>
const DeviceMatrixState::Compressed::Partition& partition(Context& ctx, DeviceMatrixState::Compressed& c, int slots,
                                                          std::int64_t tiles) {
  std::lock_guard lock(c.mutex);
  auto it = c.partitions.find({slots, tiles});
  if (it != c.partitions.end()) return it->second;
  const std::int64_t target = target_block_nnz(c.nnz, slots, ctx.info(), tiles);
  const auto starts = row_blocks(c.host_indptr, slots, target);
  const auto chunks = long_row_chunks(c.host_indptr, target);
  auto upload = [&](const std::vector<std::int64_t>& v) {
    const std::vector<I> typed(v.begin(), v.end());
    return ctx.buffer(bytes<I>(static_cast<std::int64_t>(typed.size())), typed.data());
  };
  DeviceMatrixState::Compressed::Partition p;
  p.row_blocks = upload(starts);
  p.blocks = static_cast<std::int64_t>(starts.size()) - 1;
  p.chunk_row = upload(chunks.row);
  p.chunk_begin = upload(chunks.begin);
  p.chunk_end = upload(chunks.end);
  p.long_rows = upload(chunks.rows);
  p.long_first = upload(chunks.first);
  p.chunks = chunks.count();
  p.long_count = static_cast<std::int64_t>(chunks.rows.size());
  p.threshold = chunks.threshold;
  return c.partitions.emplace(std::make_pair(slots, tiles), std::move(p)).first->second;
}

template <typename T>
void arg(cl_kernel k, cl_uint i, const T& v) {
  check(clSetKernelArg(k, i, sizeof(T), &v), "clSetKernelArg");
}
void local_arg(cl_kernel k, cl_uint i, std::size_t size) {
  check(clSetKernelArg(k, i, size, nullptr), "clSetKernelArg (local)");
}
void launch(Context& ctx, cl_kernel k, cl_uint dims, const std::size_t* global, const std::size_t* local) {
  check(clEnqueueNDRangeKernel(ctx.queue(), k, dims, nullptr, global, local, 0, nullptr, nullptr),
        "clEnqueueNDRangeKernel");
}

template <typename V, typename I>
void compressed_spmm(Context& ctx, DeviceMatrixState::Compressed& c, cl_mem x, cl_mem y, std::int64_t k) {
  Kernels& ks = kernels_for<V, I>(ctx);
  const cl_long rows = c.rows;
  const int wg = work_group(ks);
  if (k == 1 && c.spmv.algorithm == SpmvAlgorithm::scalar) {
    const std::size_t local = static_cast<std::size_t>(wg);
    const std::size_t global = (static_cast<std::size_t>(rows) + local - 1) / local * local;
    std::lock_guard lock(ctx.launch_mutex());
    cl_kernel kk = ks.spmv_scalar.get();
    arg(kk, 0, rows);
    arg(kk, 1, c.indptr.get());
    arg(kk, 2, c.indices.get());
    arg(kk, 3, c.data.get());
    arg(kk, 4, x);
    arg(kk, 5, y);
    return launch(ctx, kk, 1, &global, &local);
  }
  if (k == 1 && c.spmv.algorithm == SpmvAlgorithm::vector) {
    const cl_int lanes = std::min(c.spmv.lanes, wg);
    const std::size_t local = static_cast<std::size_t>(wg);
    const std::size_t rows_per_group = local / static_cast<std::size_t>(lanes);
    const std::size_t global = (static_cast<std::size_t>(rows) + rows_per_group - 1) / rows_per_group * local;
    std::lock_guard lock(ctx.launch_mutex());
    cl_kernel kk = ks.spmv_vector.get();
    arg(kk, 0, rows);
    arg(kk, 1, lanes);
    arg(kk, 2, c.indptr.get());
    arg(kk, 3, c.indices.get());
    arg(kk, 4, c.data.get());
    arg(kk, 5, x);
    arg(kk, 6, y);
    local_arg(kk, 7, local * sizeof(V));
    return launch(ctx, kk, 1, &global, &local);
  }
  const SpmmShape shape = csr_spmm_shape(k, wg, ctx.info().simd_width);
  const std::int64_t tiles = shape.tiles(k);
  const auto& p = partition<I>(ctx, c, shape.slots, tiles);
  const std::size_t local[2] = {static_cast<std::size_t>(shape.lanes), static_cast<std::size_t>(shape.slots)};
  const std::size_t global[2] = {static_cast<std::size_t>(tiles * (p.blocks + p.chunks)) * local[0], local[1]};
  // Partial sums of long-row chunks; released here, kept by OpenCL until the kernels using it are done.
  // Without chunks the kernel never touches it: any small buffer stands in, so no allocation per call.
  Mem partials;
  cl_mem partials_mem = p.long_first.get();
  if (p.chunks > 0) {
    partials = ctx.buffer(bytes<V>(p.chunks * k));
    partials_mem = partials.get();
  }
  std::lock_guard lock(ctx.launch_mutex());
  cl_kernel kk = ks.spmm_blocks.get();
  arg(kk, 0, static_cast<cl_long>(k));
  arg(kk, 1, static_cast<cl_int>(shape.cols_per_lane));
  arg(kk, 2, static_cast<cl_long>(p.blocks));
  arg(kk, 3, static_cast<cl_long>(p.threshold));
  arg(kk, 4, p.row_blocks.get());
  arg(kk, 5, p.chunk_row.get());
  arg(kk, 6, p.chunk_begin.get());
  arg(kk, 7, p.chunk_end.get());
  arg(kk, 8, c.indptr.get());
  arg(kk, 9, c.indices.get());
  arg(kk, 10, c.data.get());
  arg(kk, 11, x);
  arg(kk, 12, y);
  arg(kk, 13, partials_mem);
  local_arg(kk, 14, local[0] * local[1] * kMaxColsPerLane * sizeof(V));
  launch(ctx, kk, 2, global, local);
  if (p.chunks == 0) return;
  cl_kernel gk = ks.spmm_gather_chunks.get();
  const std::size_t glocal = static_cast<std::size_t>(std::min(64, ks.max_work_group));
  const std::size_t gglobal = (static_cast<std::size_t>(p.long_count * k) + glocal - 1) / glocal * glocal;
  arg(gk, 0, static_cast<cl_long>(k));
  arg(gk, 1, static_cast<cl_long>(p.long_count));
  arg(gk, 2, p.long_rows.get());
  arg(gk, 3, p.long_first.get());
  arg(gk, 4, partials_mem);
  arg(gk, 5, y);
  launch(ctx, gk, 1, &gglobal, &glocal);
}

template <typename V, typename I>
void block_spmm(Context& ctx, DeviceMatrixState::Block& b, cl_mem x, cl_mem y, std::int64_t k) {
  Kernels& ks = kernels_for<V, I>(ctx);
  const BsrShape shape =
      bsr_shape(k, b.block_size, ks.max_work_group, ctx.info().simd_width, ctx.info().local_memory, sizeof(V));
  const std::int64_t tile = static_cast<std::int64_t>(shape.lanes) * shape.cols_per_lane;
  const std::size_t local[2] = {static_cast<std::size_t>(shape.lanes),
                                static_cast<std::size_t>(b.block_size * shape.groups)};
  const std::int64_t row_groups = (b.block_rows + shape.groups - 1) / shape.groups;
  const std::size_t global[2] = {static_cast<std::size_t>((k + tile - 1) / tile * row_groups) * local[0], local[1]};
  std::lock_guard lock(ctx.launch_mutex());
  cl_kernel kk = ks.bsr_spmm.get();
  arg(kk, 0, static_cast<cl_long>(b.rows));
  arg(kk, 1, static_cast<cl_long>(b.cols));
  arg(kk, 2, static_cast<cl_long>(k));
  arg(kk, 3, static_cast<cl_int>(b.block_size));
  arg(kk, 4, static_cast<cl_int>(shape.cols_per_lane));
  arg(kk, 5, static_cast<cl_long>(b.block_rows));
  arg(kk, 6, b.block_row_ptr.get());
  arg(kk, 7, b.block_indices.get());
  arg(kk, 8, b.blocks.get());
  arg(kk, 9, x);
  arg(kk, 10, y);
  local_arg(kk, 11, local[1] * static_cast<std::size_t>(tile) * sizeof(V));
  launch(ctx, kk, 2, global, local);
}

}  // namespace

template <typename V, typename I>
std::shared_ptr<DeviceMatrixState> upload_compressed(int device, const kernels::CsrView<V, I>* forward,
                                                     const kernels::CsrView<V, I>* transposed, SpmvAlgorithm spmv) {
  Context& ctx = context(device);
  kernels_for<V, I>(ctx);  // unsupported (no fp64) before any upload; builds the program once
  auto s = std::make_shared<DeviceMatrixState>();
  s->ctx = &ctx;
  s->fp64 = std::is_same_v<V, double>;
  s->int64 = std::is_same_v<I, std::int64_t>;
  if (forward) s->forward = upload(ctx, *forward, spmv);
  if (transposed) s->transposed = upload(ctx, *transposed, spmv);
  return s;
}

template <typename V, typename I>
std::shared_ptr<DeviceMatrixState> upload_block(int device, const kernels::BsrView<V, I>* forward,
                                                const kernels::BsrView<V, I>* transposed) {
  Context& ctx = context(device);
  kernels_for<V, I>(ctx);
  auto s = std::make_shared<DeviceMatrixState>();
  s->ctx = &ctx;
  s->fp64 = std::is_same_v<V, double>;
  s->int64 = std::is_same_v<I, std::int64_t>;
  if (forward) s->block_forward = upload(ctx, *forward);
  if (transposed) s->block_transposed = upload(ctx, *transposed);
  return s;
}

bool has_storage(const DeviceMatrixState& s, bool transposed) {
  return transposed ? (s.transposed || s.block_transposed) : (s.forward || s.block_forward);
}

template <typename V, typename I>
HostArrays<V, I> download(const DeviceMatrixState& s, bool transposed) {
  HostArrays<V, I> out;
  Context& ctx = *s.ctx;
  if (const auto* c = (transposed ? s.transposed : s.forward).get()) {
    out.indptr.resize(static_cast<std::size_t>(c->rows + 1));
    out.indices.resize(static_cast<std::size_t>(c->nnz));
    out.data.resize(static_cast<std::size_t>(c->nnz));
    ctx.read(c->indptr.get(), out.indptr.data(), bytes<I>(c->rows + 1));
    ctx.read(c->indices.get(), out.indices.data(), bytes<I>(c->nnz));
    ctx.read(c->data.get(), out.data.data(), bytes<V>(c->nnz));
  } else if (const auto* b = (transposed ? s.block_transposed : s.block_forward).get()) {
    const std::int64_t values = b->num_blocks * b->block_size * b->block_size;
    out.indptr.resize(static_cast<std::size_t>(b->block_rows + 1));
    out.indices.resize(static_cast<std::size_t>(b->num_blocks));
    out.data.resize(static_cast<std::size_t>(values));
    ctx.read(b->block_row_ptr.get(), out.indptr.data(), bytes<I>(b->block_rows + 1));
    ctx.read(b->block_indices.get(), out.indices.data(), bytes<I>(b->num_blocks));
    ctx.read(b->blocks.get(), out.data.data(), bytes<V>(values));
  } else {
    throw unsupported("opencl: the requested storage was not uploaded");
  }
  return out;
}

std::string describe(const DeviceMatrixState& s) {
  std::string out = "device " + std::to_string(s.ctx->info().index) + " (" + s.ctx->info().name + ", simd width " +
                    std::to_string(s.ctx->info().simd_width) + ")";
  auto csr = [&](const char* what, const DeviceMatrixState::Compressed* c) {
    if (!c) return;
    out += std::string("; ") + what + ": SpMV " + to_string(c->spmv.algorithm) + " - " + c->spmv.reason +
           "; SpMM: row blocks of about equal non-zeros, rows above 4x a block split across work-groups";
  };
  csr("A x", s.forward.get());
  csr("A^T x", s.transposed.get());
  if (s.block_forward)
    out += "; block-sparse: work-group = lanes x " + std::to_string(s.block_forward->block_size) + " block rows";
  if (!has_storage(s, true)) out += "; no transposed storage (transpose_matmul unavailable)";
  return out;
}

template <typename V>
std::shared_ptr<DeviceDenseState> empty_dense(int device, std::int64_t rows, std::int64_t cols) {
  Context& ctx = context(device);
  if (std::is_same_v<V, double> && !ctx.info().fp64)
    throw unsupported("opencl: device '" + ctx.info().name + "' has no float64 support (cl_khr_fp64)");
  auto s = std::make_shared<DeviceDenseState>();
  s->ctx = &ctx;
  s->count = rows * cols;
  s->fp64 = std::is_same_v<V, double>;
  s->buffer = ctx.buffer(bytes<V>(s->count));
  return s;
}

template <typename V>
std::shared_ptr<DeviceDenseState> upload_dense(int device, const V* row_major, std::int64_t rows, std::int64_t cols) {
  auto s = empty_dense<V>(device, rows, cols);
  s->ctx->write(s->buffer.get(), row_major, bytes<V>(s->count));
  return s;
}

template <typename V>
void download_dense(const DeviceDenseState& s, V* row_major, std::int64_t count) {
  s.ctx->read(s.buffer.get(), row_major, bytes<V>(std::min(count, s.count)));
}

template <typename V, typename I>
void spmm(const DeviceMatrixState& a, bool transposed, const DeviceDenseState& x, DeviceDenseState& y, std::int64_t k) {
  if (x.ctx != a.ctx || y.ctx != a.ctx)
    throw invalid_argument("opencl: the operands live on different devices than the matrix");
  if (k == 0) return;
  if (auto* c = (transposed ? a.transposed : a.forward).get()) {
    if (c->rows == 0) return;
    return compressed_spmm<V, I>(*a.ctx, *c, x.buffer.get(), y.buffer.get(), k);
  }
  if (auto* b = (transposed ? a.block_transposed : a.block_forward).get()) {
    if (b->rows == 0) return;
    return block_spmm<V, I>(*a.ctx, *b, x.buffer.get(), y.buffer.get(), k);
  }
  throw unsupported(std::string("opencl: ") + (transposed ? "transpose_matmul" : "sparse_matmul") +
                    " needs storage that was not uploaded (to_device with DeviceOptions::with_transpose = true)");
}

#define INSTANTIATE(V, I)                                                                                            \
  template std::shared_ptr<DeviceMatrixState> upload_compressed<V, I>(int, const kernels::CsrView<V, I>*,            \
                                                                      const kernels::CsrView<V, I>*, SpmvAlgorithm); \
  template std::shared_ptr<DeviceMatrixState> upload_block<V, I>(int, const kernels::BsrView<V, I>*,                 \
                                                                 const kernels::BsrView<V, I>*);                     \
  template HostArrays<V, I> download<V, I>(const DeviceMatrixState&, bool);                                          \
  template void spmm<V, I>(const DeviceMatrixState&, bool, const DeviceDenseState&, DeviceDenseState&, std::int64_t);
SPARSE_FORMATS_FOR_EACH_TYPE(INSTANTIATE)
#undef INSTANTIATE

#define INSTANTIATE_DENSE(V)                                                                             \
  template std::shared_ptr<DeviceDenseState> upload_dense<V>(int, const V*, std::int64_t, std::int64_t); \
  template std::shared_ptr<DeviceDenseState> empty_dense<V>(int, std::int64_t, std::int64_t);            \
  template void download_dense<V>(const DeviceDenseState&, V*, std::int64_t);
INSTANTIATE_DENSE(float)
INSTANTIATE_DENSE(double)
#undef INSTANTIATE_DENSE

}  // namespace opencl
}  // namespace sparse_formats
