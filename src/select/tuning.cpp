#include "select/tuning.hpp"

#include <algorithm>
#include <chrono>
#include <mutex>
#include <random>
#include <tuple>
#include <vector>

#include "instantiate.hpp"
#include "select/dense_product.hpp"
#include "select/describe.hpp"
#include "sparse_formats/config.hpp"
#include "sparse_formats/operations.hpp"

namespace sparse_formats {

namespace {

// What makes two timings interchangeable: shape, nnz, block occupancy, the operation and
// the types and threads it runs with.
using TuneKey = std::tuple<std::int64_t, std::int64_t, std::int64_t, std::int64_t, std::int64_t, int, std::int64_t,
                           int, std::size_t, std::size_t, int>;

std::mutex g_cache_mutex;
std::map<TuneKey, std::map<Format, double>> g_cache;

// At most this many timed calls per format: enough for a stable minimum on small matrices.
constexpr int kMaxRepetitions = 200;

template <typename V, typename I>
void run_once(const AnyMatrix<V, I>& m, DenseView<const V> x, DenseView<V> y, bool transposed) {
  const Transpose t = transposed ? Transpose::yes : Transpose::no;
  std::visit(
      [&](const auto& mat) {
        using M = std::decay_t<decltype(mat)>;
        if constexpr (std::is_same_v<M, DenseMatrix<V>>)
          detail::dense_product(mat, x, y, transposed);
        else
          spmm(mat, x, y, t);
      },
      m);
}

}  // namespace

void clear_tune_cache() {
  std::lock_guard<std::mutex> lock(g_cache_mutex);
  g_cache.clear();
}

namespace detail {

template <typename V, typename I>
std::map<Format, double> measure_formats(const SparsityAnalysis& a, const SelectOptions& o,
                                         const std::function<AnyMatrix<V, I>(Format)>& make) {
  const bool transposed = o.preferred_op == PreferredOp::col;
  const std::int64_t k = o.op == Operation::spmm ? o.batch : 1;
  const TuneKey key{a.shape.rows, a.shape.cols, a.nnz,        a.nonempty_blocks, a.block_size, transposed ? 1 : 0,
                    k,            static_cast<int>(o.op), sizeof(V), sizeof(I),         num_threads()};
  {
    std::lock_guard<std::mutex> lock(g_cache_mutex);
    if (auto it = g_cache.find(key); it != g_cache.end()) return it->second;
  }

  const std::int64_t in_rows = transposed ? a.shape.rows : a.shape.cols;
  const std::int64_t out_rows = transposed ? a.shape.cols : a.shape.rows;
  std::vector<V> x(static_cast<std::size_t>(in_rows * k)), y(static_cast<std::size_t>(out_rows * k));
  std::mt19937 rng(7);
  std::uniform_real_distribution<double> u(-1.0, 1.0);
  for (auto& v : x) v = static_cast<V>(u(rng));
  const auto xv = DenseView<const V>::row_major(x.data(), in_rows, k);
  const auto yv = DenseView<V>::row_major(y.data(), out_rows, k);

  using clock = std::chrono::steady_clock;
  const double per_format = o.tune_budget_seconds / static_cast<double>(kAllFormats.size());
  std::map<Format, double> times;
  for (const Format f : kAllFormats) {
    const AnyMatrix<V, I> m = make(f);
    run_once<V, I>(m, xv, yv, transposed);  // warm caches and the thread pool
    double best = 1e300, spent = 0.0;
    for (int rep = 0; rep < kMaxRepetitions && (rep == 0 || spent < per_format); ++rep) {
      const auto t0 = clock::now();
      run_once<V, I>(m, xv, yv, transposed);
      const double dt = std::chrono::duration<double>(clock::now() - t0).count();
      best = std::min(best, dt);
      spent += dt;
    }
    times[f] = std::max(best, 1e-9);  // never 0: speed-ups divide by it
  }
  std::lock_guard<std::mutex> lock(g_cache_mutex);
  g_cache[key] = times;
  return times;
}

#define INSTANTIATE(V, I)                                                                               \
  template std::map<Format, double> measure_formats<V, I>(const SparsityAnalysis&, const SelectOptions&, \
                                                          const std::function<AnyMatrix<V, I>(Format)>&);
SPARSE_FORMATS_FOR_EACH_TYPE(INSTANTIATE)
#undef INSTANTIATE

}  // namespace detail
}  // namespace sparse_formats
