// SpmmPlan: the thread partition of the CPU kernels made once; run() checks operands like spmm()
// and calls the kernels with it. Other backends run through spmm() itself.
#include "sparse_formats/plan.hpp"

#include <string>
#include <optional>
#include <variant>

#include "instantiate.hpp"
#include "kernels/cpu/partition.hpp"
#include "kernels/cpu/sliced.hpp"
#include "kernels/cpu/tiled.hpp"
#include "kernels/kernels.hpp"
#include "formats/compressed.hpp"
#include "ops/operands.hpp"
#include "sparse_formats/errors.hpp"

namespace sparse_formats {

template <typename V, typename I>
struct SpmmPlan<V, I>::State {
  std::variant<CSRMatrix<V, I>, CSCMatrix<V, I>, BlockSparseMatrix<V, I>> matrix;
  const char* what = "CSR";
  Transpose op = Transpose::no;
  Backend backend = Backend::automatic;
  Shape op_shape;
  std::int64_t k = 0;
  bool cpu = false;                // runs the CPU kernels with `partition`
  bool transposed_kernel = false;  // A^T x on the stored arrays
  kernels::cpu::Partition partition;
  // A^T x of a CSR matrix (batch >= kTransposeCopyMinBatch): the arrays of A^T, made once, so
  // every run is the row-wise kernel.
  std::optional<CompressedStorage<V, I>> transposed;
  // k = 1 on a matrix whose x outgrows the caches: the tiled copy of op(A) (tiled.hpp), which
  // then replaces `transposed`.
  std::optional<kernels::cpu::TiledMatrix<V>> tiled;
  // k = 1 on a matrix with short rows: the sliced copy of op(A) (sliced.hpp), which then replaces
  // `transposed` and `narrow`.
  std::optional<kernels::cpu::SlicedMatrix<V>> sliced;
  // k = 1, row-wise kernel, at most 65536 columns: the column indices as 16 bits (see narrow_copy).
  std::optional<kernels::cpu::RawArray<std::uint16_t>> narrow;
};

namespace {

template <typename V, typename I>
kernels::CsrView<V, I> csr_view(const CompressedStorage<V, I>& s) {
  return {s.major, s.minor, s.indptr.data(), s.indices.data(), s.data.data()};
}

template <typename V, typename I>
kernels::BsrView<V, I> bsr_view(const BlockStorage<V, I>& s) {
  return {s.shape.rows, s.shape.cols, s.block_size, s.block_rows(), s.block_row_ptr.data(), s.block_indices.data(),
          s.blocks.data()};
}

// Batch from which a plan of A^T x on CSR keeps a transposed copy (its arrays: memory x2). The
// scatter into y costs 1.5-4x the row-wise product for every batch size measured (1..128), so
// a plan, made to be run many times, always pays for the copy.
constexpr std::int64_t kTransposeCopyMinBatch = 1;

// The tiled copy of op(A) for a plan with one vector, from the CSR arrays of op(A) (`op_csr`
// gives them, called only when tiling is possible for the shape).
template <typename V, typename I, typename MakeCsr>
std::optional<kernels::cpu::TiledMatrix<V>> tiled_copy(bool cpu, std::int64_t k, std::int64_t op_cols,
                                                       MakeCsr&& op_csr) {
  if (!cpu || k != 1 || !kernels::cpu::may_tile<V>(op_cols)) return std::nullopt;
  return kernels::cpu::make_tiled(op_csr());
}

// SpMV streams the index and value arrays once per product: with at most 65536 columns a 16-bit
// copy of the indices (2 bytes per non-zero kept by the plan) cuts that stream from 8 to 6 bytes
// per non-zero (float). Made where the arrays outgrow L2 (1.1-1.35x faster on the layers and
// DLMC matrices of docs/performance.md); below that they come from cache and the copy buys nothing.
constexpr std::int64_t kNarrowMinBytes = std::int64_t{1} << 20;

template <typename V, typename I>
std::optional<kernels::cpu::RawArray<std::uint16_t>> narrow_copy(const CompressedStorage<V, I>& s) {
  const std::int64_t nnz = s.nnz();
  if (s.minor > 65536 || nnz * static_cast<std::int64_t>(sizeof(V) + sizeof(I)) < kNarrowMinBytes) return std::nullopt;
  // 8 spare entries: the AVX2 kernel reads a row's last 1-7 indices as a whole vector of 8
  kernels::cpu::RawArray<std::uint16_t> out(static_cast<std::size_t>(nnz + 8));
  const I* idx = s.indices.data();
  for (std::int64_t p = 0; p < nnz; ++p) out.data[p] = static_cast<std::uint16_t>(idx[p]);
  for (std::int64_t p = nnz; p < nnz + 8; ++p) out.data[p] = 0;
  return out;
}

void check_batch(std::int64_t k) {
  if (k < 0) throw invalid_argument("SpmmPlan: batch size must be >= 0, got " + std::to_string(k));
}

}  // namespace

// The fields every plan sets the same way; the constructors add their format's partition.
template <typename V, typename I>
template <typename M>
std::shared_ptr<typename SpmmPlan<V, I>::State> SpmmPlan<V, I>::make_state(const M& a, const char* what,
                                                                           std::int64_t k, Transpose op,
                                                                           Backend backend) {
  check_batch(k);
  auto s = std::make_shared<State>();
  s->matrix = a;
  s->what = what;
  s->op = op;
  s->backend = backend;
  s->op_shape = op == Transpose::yes ? Shape{a.ncols(), a.nrows()} : a.shape();
  s->k = k;
  s->cpu = backend == Backend::automatic || backend == Backend::cpu;
  return s;
}

template <typename V, typename I>
SpmmPlan<V, I>::SpmmPlan(const CSRMatrix<V, I>& a, std::int64_t k, Transpose op, Backend backend) {
  auto s = make_state(a, "CSR", k, op, backend);
  const bool t = op == Transpose::yes;
  s->transposed_kernel = t;
  if (s->cpu && t && k >= kTransposeCopyMinBatch) {
    s->transposed = detail::compressed_transpose(a.storage());
    s->transposed_kernel = false;
    s->partition = kernels::cpu::csr_partition(csr_view(*s->transposed), false, k);
  } else if (s->cpu) {
    s->partition = kernels::cpu::csr_partition(csr_view(a.storage()), t, k);
  }
  s->tiled = tiled_copy<V, I>(s->cpu, k, s->op_shape.cols,
                              [&] { return csr_view(s->transposed ? *s->transposed : a.storage()); });
  if (s->tiled) s->transposed.reset();
  if (s->cpu && k == 1 && !s->tiled && !s->transposed_kernel) {
    const auto& rows = s->transposed ? *s->transposed : a.storage();
    s->sliced = kernels::cpu::make_sliced(csr_view(rows));
    if (s->sliced) s->transposed.reset();
    else s->narrow = narrow_copy(rows);
  }
  state_ = std::move(s);
}

template <typename V, typename I>
SpmmPlan<V, I>::SpmmPlan(const CSCMatrix<V, I>& a, std::int64_t k, Transpose op, Backend backend) {
  auto s = make_state(a, "CSC", k, op, backend);
  const bool t = op == Transpose::yes;
  s->transposed_kernel = !t;  // CSC storage is the CSR of A^T
  if (s->cpu) s->partition = kernels::cpu::csr_partition(csr_view(a.storage()), !t, k);
  std::optional<CompressedStorage<V, I>> rows_of_a;  // A x needs A's CSR arrays, made for the copy only
  s->tiled = tiled_copy<V, I>(s->cpu, k, s->op_shape.cols, [&] {
    if (t) return csr_view(a.storage());
    rows_of_a = detail::compressed_transpose(a.storage());
    return csr_view(*rows_of_a);
  });
  if (s->cpu && k == 1 && !s->tiled) {
    // A x (transposed kernel on the stored arrays) slices A's rows, made for the copy only
    if (!t && kernels::cpu::may_slice(a.nrows(), a.ncols(), a.nnz())) {
      if (!rows_of_a) rows_of_a = detail::compressed_transpose(a.storage());
      s->sliced = kernels::cpu::make_sliced(csr_view(*rows_of_a));
    } else if (t) {
      s->sliced = kernels::cpu::make_sliced(csr_view(a.storage()));
    }
    if (s->sliced) s->transposed_kernel = false;
    else if (t) s->narrow = narrow_copy(a.storage());
  }
  state_ = std::move(s);
}

template <typename V, typename I>
SpmmPlan<V, I>::SpmmPlan(const BlockSparseMatrix<V, I>& a, std::int64_t k, Transpose op, Backend backend) {
  auto s = make_state(a, "BlockSparse", k, op, backend);
  const bool t = op == Transpose::yes;
  s->transposed_kernel = t;
  if (s->cpu) s->partition = kernels::cpu::bsr_partition(bsr_view(a.storage()), t, k);
  state_ = std::move(s);
}

template <typename V, typename I>
void SpmmPlan<V, I>::run(DenseView<const V> x, DenseView<V> y) const {
  const State& s = *state_;
  if (!s.cpu) {
    std::visit([&](const auto& m) { spmm(m, x, y, s.op, s.backend); }, s.matrix);
    return;
  }
  detail::check_product_operands(s.what, s.op_shape, x, y);
  if (x.cols != s.k)
    throw shape_mismatch(std::string("SpmmPlan: planned for ") + std::to_string(s.k) + " columns, operand has " +
                         std::to_string(x.cols));
  if (detail::no_product_terms(x, y)) return;
  if (s.tiled) return kernels::cpu::tiled_spmv(*s.tiled, x.data, x.row_stride, y.data, y.row_stride);
  if (s.sliced) return kernels::cpu::sliced_spmv(*s.sliced, x.data, x.row_stride, y.data, y.row_stride);
  detail::run_on_contiguous<V>(x, y, [&](DenseView<const V> xc, DenseView<V> yc) {
    if (const auto* b = std::get_if<BlockSparseMatrix<V, I>>(&s.matrix)) {
      const auto v = bsr_view(b->storage());
      s.transposed_kernel ? kernels::cpu::bsr_spmm_transposed(v, xc, yc, s.partition)
                          : kernels::cpu::bsr_spmm(v, xc, yc, s.partition);
      return;
    }
    const auto& storage = s.transposed ? *s.transposed
                          : std::holds_alternative<CSRMatrix<V, I>>(s.matrix)
                              ? std::get<CSRMatrix<V, I>>(s.matrix).storage()
                              : std::get<CSCMatrix<V, I>>(s.matrix).storage();
    const auto v = csr_view(storage);
    if (s.narrow) return kernels::cpu::csr_spmv_narrow(v, s.narrow->data, xc, yc, s.partition);
    s.transposed_kernel ? kernels::cpu::csr_spmm_transposed(v, xc, yc, s.partition)
                        : kernels::cpu::csr_spmm(v, xc, yc, s.partition);
  });
}

template <typename V, typename I>
Shape SpmmPlan<V, I>::shape() const {
  return state_->op_shape;
}
template <typename V, typename I>
std::int64_t SpmmPlan<V, I>::batch() const {
  return state_->k;
}
template <typename V, typename I>
int SpmmPlan<V, I>::threads() const {
  if (state_->tiled) return state_->tiled->threads;
  if (state_->sliced) return state_->sliced->threads;
  return state_->cpu ? state_->partition.threads : 1;
}
template <typename V, typename I>
std::int64_t SpmmPlan<V, I>::panel_columns() const {
  return state_->cpu && !state_->tiled && !state_->sliced ? state_->partition.panel : 0;
}
template <typename V, typename I>
std::int64_t SpmmPlan<V, I>::batch_columns() const {
  return state_->cpu && !state_->tiled && !state_->sliced && !state_->narrow ? state_->partition.group : 0;
}
template <typename V, typename I>
bool SpmmPlan<V, I>::tiled() const {
  return state_->tiled.has_value();
}
template <typename V, typename I>
bool SpmmPlan<V, I>::sliced() const {
  return state_->sliced.has_value();
}
template <typename V, typename I>
std::int64_t SpmmPlan<V, I>::extra_bytes() const {
  const State& s = *state_;
  std::int64_t bytes = 0;
  if (s.transposed)
    bytes += static_cast<std::int64_t>(detail::compressed_footprint(*s.transposed, detail::kCsrNames).at("total"));
  if (s.tiled)
    bytes += static_cast<std::int64_t>(s.tiled->tile_ptr.size() * sizeof(std::int64_t) +
                                       s.tiled->index.size * sizeof(std::uint32_t) + s.tiled->values.size * sizeof(V));
  if (s.sliced) bytes += s.sliced->bytes();
  if (s.narrow) bytes += static_cast<std::int64_t>(s.narrow->size * sizeof(std::uint16_t));
  return bytes;
}

#define INSTANTIATE(V, I) template class SpmmPlan<V, I>;
SPARSE_FORMATS_FOR_EACH_TYPE(INSTANTIATE)
#undef INSTANTIATE

}  // namespace sparse_formats
