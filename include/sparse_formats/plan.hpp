// Plan, then run: the preparation of a product (the thread partition by non-zeros, or by output
// rows for A^T x; the kernel choice) is done once for a matrix, an op and a batch size k, and
// run() may then be called many times. spmm() is the one-shot form of the same computation and
// gives the same results (bit-identical for the same thread count and SIMD level, except A^T x of
// a CSR matrix: that plan keeps a transposed copy of the arrays, made once, and sums each output
// in a different order; it then costs what A x costs instead of 1.5-4x). With one vector (k = 1)
// on a matrix whose x outgrows the caches, such as a graph, the plan keeps a cache-blocked copy of
// op(A) instead (tiled(), see set_spmv_tiles in config.hpp): 8 bytes per non-zero, made once,
// 3-4x faster per run there; each output then sums its terms in the order of its row of op(A).
// With one vector on a matrix with short rows (pruned layers at 70-99%), the plan keeps a sliced
// copy of op(A) instead (sliced(), see set_spmv_slices in config.hpp): 16 rows per vector, one
// row per lane, about 6-8 bytes per non-zero (float), made once, 1.1-2.7x faster per run there; each
// output then sums its terms in the order of its row of op(A).
// Otherwise a plan with one vector on the row-wise kernel, at most 65536 columns and arrays beyond L2 keeps
// a 16-bit copy of the column indices (2 bytes per non-zero): SpMV streams 6 bytes per non-zero
// instead of 8, with the same result.
#pragma once

#include <cstdint>
#include <memory>

#include "sparse_formats/block_sparse_matrix.hpp"
#include "sparse_formats/csc_matrix.hpp"
#include "sparse_formats/csr_matrix.hpp"
#include "sparse_formats/operations.hpp"
#include "sparse_formats/types.hpp"

namespace sparse_formats {

template <typename V = float, typename I = std::int32_t>
class SpmmPlan {
 public:
  // The plan shares the matrix's arrays (no copy) and keeps them alive. The thread count is the
  // one set when planning. Throws invalid_argument for k < 0.
  SpmmPlan(const CSRMatrix<V, I>& a, std::int64_t k, Transpose op = Transpose::no, Backend backend = Backend::automatic);
  SpmmPlan(const CSCMatrix<V, I>& a, std::int64_t k, Transpose op = Transpose::no, Backend backend = Backend::automatic);
  SpmmPlan(const BlockSparseMatrix<V, I>& a, std::int64_t k, Transpose op = Transpose::no,
           Backend backend = Backend::automatic);

  // y = op(A) x, x: (shape().cols x k), y: (shape().rows x k), any strides; the checks of spmm().
  void run(DenseView<const V> x, DenseView<V> y) const;

  Shape shape() const;          // of op(A)
  std::int64_t batch() const;   // k
  int threads() const;          // threads the CPU kernels will use (1 below the size threshold)
  std::int64_t panel_columns() const;  // cache-blocking panel width of A x (0: plain kernel), see config.hpp
  std::int64_t batch_columns() const;  // columns per batch group of A x (0: the whole batch), see config.hpp
  bool tiled() const;                  // runs on a tiled copy of op(A) (see set_spmv_tiles in config.hpp)
  bool sliced() const;                 // runs on a sliced copy of op(A) (see set_spmv_slices in config.hpp)
  std::int64_t extra_bytes() const;    // memory the plan holds besides the matrix's arrays (copies made once)

 private:
  struct State;
  template <typename M>
  static std::shared_ptr<State> make_state(const M& a, const char* what, std::int64_t k, Transpose op, Backend backend);
  std::shared_ptr<const State> state_;
};

}  // namespace sparse_formats
