// Ours against Eigen 3.4, librsb and dense OpenBLAS on the same matrices, in one process, plus
// a STREAM triad for the machine's bandwidth in the same run. Names are machine-readable:
//   op:spmm/format:csr/n:128/layer:4096x4096/sparsity:0.9/impl:ours
// Every contender uses `--threads` threads (default 2). bench/report.py turns the JSON output
// (with bench/scipy_bench.py's) into the ratio table of docs/performance.md.
//
// Extra flags (after Google Benchmark's own): --large (the 2M x 2M graphs), --threads=N,
// --dlmc=DIR (DLMC .smtx patterns, default ../shared/data/nn/dlmc from the source root),
// --rsb_tune=0|1 (librsb's autotuner rsb_tune_spmm before each librsb product, default 1),
// --operand_offset=BYTES (x and y start this far past a 64-byte boundary, default 0; a multiple of 4),
// --batches=K,K,... (A x and A^T x at these batch sizes too, on the layer and block workloads).
#include <benchmark/benchmark.h>
#include <omp.h>
#include <rsb.h>

#include <Eigen/Sparse>
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sparse_formats/sparse_formats.hpp"
#include "workloads.hpp"

extern "C" {
// OpenBLAS's CBLAS (declared here to avoid depending on which cblas.h the system links)
enum CBLAS_ORDER { CblasRowMajor = 101 };
enum CBLAS_TRANSPOSE { CblasNoTrans = 111, CblasTrans = 112 };
void cblas_sgemv(CBLAS_ORDER, CBLAS_TRANSPOSE, int, int, float, const float*, int, const float*, int, float, float*,
                 int);
void cblas_sgemm(CBLAS_ORDER, CBLAS_TRANSPOSE, CBLAS_TRANSPOSE, int, int, int, float, const float*, int, const float*,
                 int, float, float*, int);
void openblas_set_num_threads(int);
}

namespace sf = sparse_formats;
using bench::Workload;

namespace {

int g_threads = 2;
bool g_rsb_tune = true;
// Time bound for one rsb_tune_spmm call: its default tunes for minutes on the 2M x 2M graphs.
constexpr double kRsbTuneSeconds = 1.0;

using EigenCsr = Eigen::SparseMatrix<float, Eigen::RowMajor, int>;
using EigenCsc = Eigen::SparseMatrix<float, Eigen::ColMajor, int>;
using RowMat = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// Everything built from one workload; only the current one is kept (benchmarks run in order).
struct Loaded {
  const Workload* w = nullptr;
  bench::Csr csr;
  sf::CSRMatrix<float, std::int32_t> ours;
  std::optional<sf::CSCMatrix<float, std::int32_t>> ours_csc;
  std::optional<sf::BlockSparseMatrix<float, std::int32_t>> ours_bsr;
  std::optional<EigenCsr> eigen;
  std::vector<float> dense;
  rsb_mtx_t* rsb = nullptr;
  std::map<std::string, std::pair<rsb_mtx_t*, rsb_int_t>> rsb_tuned;  // per op: autotuned matrix, threads
  ~Loaded() {
    for (auto& [k, m] : rsb_tuned)
      if (m.first != rsb) rsb_mtx_free(m.first);
    if (rsb) rsb_mtx_free(rsb);
  }
  std::int64_t nnz() const { return static_cast<std::int64_t>(csr.data.size()); }
};

std::unique_ptr<Loaded> g_loaded;

Loaded& load(const Workload& w) {
  if (g_loaded && g_loaded->w == &w) return *g_loaded;
  g_loaded.reset();
  auto l = std::make_unique<Loaded>();
  l->w = &w;
  l->csr = bench::make_csr(w);
  const auto& c = l->csr;
  l->ours = sf::CSRMatrix<float, std::int32_t>(c.data, c.indices, c.indptr, {c.rows, c.cols});
  g_loaded = std::move(l);
  return *g_loaded;
}

const std::vector<float>& dense_of(Loaded& l) {
  if (l.dense.empty()) l.dense = bench::make_dense(*l.w);
  return l.dense;
}

const EigenCsr& eigen_of(Loaded& l) {
  if (!l.eigen) {
    const auto& c = l.csr;
    Eigen::Map<const EigenCsr> m(c.rows, c.cols, l.nnz(), c.indptr.data(), c.indices.data(), c.data.data());
    l.eigen = EigenCsr(m);
  }
  return *l.eigen;
}

rsb_mtx_t* rsb_of(Loaded& l) {
  if (!l.rsb) {
    rsb_err_t err = RSB_ERR_NO_ERROR;
    const auto& c = l.csr;
    l.rsb = rsb_mtx_alloc_from_csr_const(c.data.data(), c.indptr.data(), c.indices.data(), l.nnz(),
                                         RSB_NUMERICAL_TYPE_FLOAT, c.rows, c.cols, 1, 1,
                                         RSB_FLAG_DEFAULT_RSB_MATRIX_FLAGS, &err);
    if (err != RSB_ERR_NO_ERROR || !l.rsb) throw std::runtime_error("librsb: matrix assembly failed");
  }
  return l.rsb;
}

// librsb as its documentation recommends (examples/autotune.c): assemble, then let
// rsb_tune_spmm restructure a clone of the matrix and pick the thread count (at most the run's)
// for this operation, then run with those threads.
std::pair<rsb_mtx_t*, rsb_int_t> rsb_for(Loaded& l, const std::string& key, rsb_trans_t trans, int nrhs,
                                         const float* x, float* y) {
  auto it = l.rsb_tuned.find(key);
  if (it != l.rsb_tuned.end()) return it->second;
  std::pair<rsb_mtx_t*, rsb_int_t> result{rsb_of(l), g_threads};
  if (g_rsb_tune) {
    rsb_mtx_t* tuned = nullptr;
    const float one = 1, zero = 0;
    const rsb_nnz_idx_t ldb = nrhs, ldc = nrhs;  // row-major operands: the row stride
    rsb_err_t err = rsb_mtx_clone(&tuned, RSB_NUMERICAL_TYPE_SAME_TYPE, RSB_TRANSPOSITION_N, nullptr, result.first,
                                  RSB_FLAG_IDENTICAL_FLAGS);
    rsb_real_t sf = 0;
    rsb_int_t tn = 0;
    if (err == RSB_ERR_NO_ERROR)
      err = rsb_tune_spmm(&tuned, &sf, &tn, 0, kRsbTuneSeconds, trans, &one, nullptr, nrhs, RSB_FLAG_WANT_ROW_MAJOR_ORDER, x, ldb,
                          &zero, y, ldc);
    if (err == RSB_ERR_NO_ERROR && tuned) {
      result.first = tuned;
      if (tn > 0 && tn <= g_threads) result.second = tn;
    } else if (tuned) {
      rsb_mtx_free(tuned);
    }
    rsb_int_t rt = g_threads;
    rsb_lib_set_opt(RSB_IO_WANT_EXECUTING_THREADS, &rt);
  }
  l.rsb_tuned[key] = result;
  return result;
}

// Dense operands (x and y of the products) start g_operand_offset bytes past a 64-byte boundary:
// 0 by default, so that every contender sees the same cache-line layout in every process (with
// malloc's 16-byte alignment the layout, and products whose batch loops load rows of x in vectors,
// changed from one process to the next); --operand_offset=16 measures malloc's and numpy's case.
std::size_t g_operand_offset = 0;
std::vector<std::int64_t> g_extra_batches;  // --batches

template <typename T>
struct OperandAllocator {
  using value_type = T;
  OperandAllocator() = default;
  template <typename U>
  OperandAllocator(const OperandAllocator<U>&) {}
  T* allocate(std::size_t n) {
    const std::size_t bytes = (n * sizeof(T) + g_operand_offset + 63) / 64 * 64;
    void* p = std::aligned_alloc(64, bytes);
    if (p == nullptr) throw std::bad_alloc();
    return reinterpret_cast<T*>(static_cast<char*>(p) + g_operand_offset);
  }
  void deallocate(T* p, std::size_t) { std::free(reinterpret_cast<char*>(p) - g_operand_offset); }
  template <typename U>
  bool operator==(const OperandAllocator<U>&) const { return true; }
};
using Operand = std::vector<float, OperandAllocator<float>>;

Operand random_vector(std::int64_t n) {
  Operand v(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) v[i] = static_cast<float>(bench::unit(bench::mix(i + 77)) - 0.5);
  return v;
}

// Bytes a product moves at least once: the CSR arrays and the dense operands.
double product_bytes(const Loaded& l, bool transposed, std::int64_t k) {
  const double in = transposed ? l.csr.rows : l.csr.cols, out = transposed ? l.csr.cols : l.csr.rows;
  return 8.0 * l.nnz() + 4.0 * (l.csr.rows + 1) + 4.0 * k * (in + out);
}

struct Op {
  std::string name;  // spmv, spmm, spmv_t, spmm_t, dense_to_csr, csr_to_csc
  std::int64_t n = 1;
  bool transposed = false;
};

void finish(benchmark::State& state, double bytes, std::int64_t nnz = 0) {
  state.SetBytesProcessed(static_cast<std::int64_t>(bytes) * state.iterations());
  state.counters["bytes"] = bytes;
  if (nnz > 0) state.counters["nnz"] = static_cast<double>(nnz);  // lets report.py check scipy's matrices
}

void run_product(benchmark::State& state, const Workload& w, const Op& op, const std::string& impl) {
  Loaded& l = load(w);
  const std::int64_t k = op.n, in_rows = op.transposed ? l.csr.rows : l.csr.cols;
  const std::int64_t out_rows = op.transposed ? l.csr.cols : l.csr.rows;
  const auto x = random_vector(in_rows * k);
  Operand y(static_cast<std::size_t>(out_rows * k));
  double bytes = product_bytes(l, op.transposed, k);
  const auto tr = op.transposed ? sf::Transpose::yes : sf::Transpose::no;
  const auto xv = sf::DenseView<const float>::row_major(x.data(), in_rows, k);
  const auto yv = sf::DenseView<float>::row_major(y.data(), out_rows, k);
  if (impl == "ours") {
    for (auto _ : state) {
      sf::spmm(l.ours, xv, yv, tr, sf::Backend::cpu);
      benchmark::DoNotOptimize(y.data());
    }
  } else if (impl == "ours_plan") {  // SpmmPlan: prepared once (a transposed, tiled or sliced copy where it pays)
    const auto t0 = std::chrono::steady_clock::now();
    const sf::SpmmPlan<float, std::int32_t> plan(l.ours, k, tr, sf::Backend::cpu);
    state.counters["tiled"] = plan.tiled() ? 1 : 0;
    state.counters["sliced"] = plan.sliced() ? 1 : 0;
    state.counters["plan_extra_bytes"] = static_cast<double>(plan.extra_bytes());
    state.counters["plan_us"] =
        std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count();
    for (auto _ : state) {
      plan.run(xv, yv);
      benchmark::DoNotOptimize(y.data());
    }
  } else if (impl == "ours_csc") {  // A^T through CSC storage (= the CSR of A^T)
    if (!l.ours_csc) l.ours_csc = sf::CSCMatrix<float, std::int32_t>::from_csr(l.ours);
    for (auto _ : state) {
      sf::spmm(*l.ours_csc, xv, yv, tr, sf::Backend::cpu);
      benchmark::DoNotOptimize(y.data());
    }
  } else if (impl == "ours_bsr") {
    if (!l.ours_bsr) l.ours_bsr = sf::BlockSparseMatrix<float, std::int32_t>::from_csr(l.ours, 8);
    const auto& st = l.ours_bsr->storage();
    bytes = 4.0 * st.blocks.size() + 4.0 * (st.block_indices.size() + st.block_row_ptr.size()) +
            4.0 * k * (in_rows + out_rows);
    for (auto _ : state) {
      sf::spmm(*l.ours_bsr, xv, yv, tr, sf::Backend::cpu);
      benchmark::DoNotOptimize(y.data());
    }
  } else if (impl == "eigen") {
    const EigenCsr& a = eigen_of(l);
    if (k == 1) {
      Eigen::Map<const Eigen::VectorXf> xe(x.data(), in_rows);
      Eigen::Map<Eigen::VectorXf> ye(y.data(), out_rows);
      for (auto _ : state) {
        if (op.transposed) ye.noalias() = a.transpose() * xe; else ye.noalias() = a * xe;
        benchmark::DoNotOptimize(y.data());
      }
    } else {
      Eigen::Map<const RowMat> xe(x.data(), in_rows, k);
      Eigen::Map<RowMat> ye(y.data(), out_rows, k);
      for (auto _ : state) {
        if (op.transposed) ye.noalias() = a.transpose() * xe; else ye.noalias() = a * xe;
        benchmark::DoNotOptimize(y.data());
      }
    }
  } else if (impl == "rsb") {
    const rsb_trans_t t = op.transposed ? RSB_TRANSPOSITION_T : RSB_TRANSPOSITION_N;
    auto [m, tn] = rsb_for(l, op.name + "/" + std::to_string(k), t, static_cast<int>(k), x.data(), y.data());
    rsb_lib_set_opt(RSB_IO_WANT_EXECUTING_THREADS, &tn);
    state.counters["threads"] = tn;
    const float one = 1, zero = 0;
    for (auto _ : state) {
      rsb_err_t err = k == 1 ? rsb_spmv(t, &one, m, x.data(), 1, &zero, y.data(), 1)
                             : rsb_spmm(t, &one, m, k, RSB_FLAG_WANT_ROW_MAJOR_ORDER, x.data(), k, &zero, y.data(), k);
      if (err != RSB_ERR_NO_ERROR) { state.SkipWithError("librsb product failed"); break; }
      benchmark::DoNotOptimize(y.data());
    }
  } else if (impl == "openblas") {
    const auto& d = dense_of(l);
    const int m = static_cast<int>(l.csr.rows), n = static_cast<int>(l.csr.cols);
    bytes = 4.0 * m * n + 4.0 * k * (in_rows + out_rows);
    for (auto _ : state) {
      if (k == 1)
        cblas_sgemv(CblasRowMajor, op.transposed ? CblasTrans : CblasNoTrans, m, n, 1.0f, d.data(), n, x.data(), 1,
                    0.0f, y.data(), 1);
      else
        cblas_sgemm(CblasRowMajor, op.transposed ? CblasTrans : CblasNoTrans, CblasNoTrans, static_cast<int>(out_rows),
                    static_cast<int>(k), static_cast<int>(in_rows), 1.0f, d.data(), n, x.data(), static_cast<int>(k),
                    0.0f, y.data(), static_cast<int>(k));
      benchmark::DoNotOptimize(y.data());
    }
  }
  finish(state, bytes, l.nnz());
}

void run_conversion(benchmark::State& state, const Workload& w, const Op& op, const std::string& impl) {
  Loaded& l = load(w);
  const auto& c = l.csr;
  double bytes = 0;
  if (op.name == "dense_to_csr") {
    const auto& d = dense_of(l);
    bytes = 4.0 * c.rows * c.cols + 8.0 * l.nnz() + 4.0 * (c.rows + 1);
    const auto dv = sf::DenseView<const float>::row_major(d.data(), c.rows, c.cols);
    if (impl == "ours") {
      for (auto _ : state) benchmark::DoNotOptimize(sf::CSRMatrix<float, std::int32_t>::from_dense(dv, 0.0));
    } else if (impl == "eigen") {
      Eigen::Map<const RowMat> de(d.data(), c.rows, c.cols);
      for (auto _ : state) {
        EigenCsr s = de.sparseView();
        benchmark::DoNotOptimize(s.valuePtr());
      }
    }
  } else {  // csr_to_csc
    bytes = 2.0 * (8.0 * l.nnz()) + 4.0 * (c.rows + 1) + 4.0 * (c.cols + 1);
    if (impl == "ours") {
      for (auto _ : state) benchmark::DoNotOptimize(sf::CSCMatrix<float, std::int32_t>::from_csr(l.ours));
    } else if (impl == "eigen") {
      const EigenCsr& a = eigen_of(l);
      for (auto _ : state) {
        EigenCsc s = a;
        benchmark::DoNotOptimize(s.valuePtr());
      }
    }
  }
  finish(state, bytes, l.nnz());
}

// STREAM triad a = b + s c over `n` floats per array, on the run's threads.
void run_triad(benchmark::State& state, std::int64_t n) {
  std::vector<float> a(n), b(n, 1.0f), c(n, 2.0f);
#pragma omp parallel for num_threads(g_threads) schedule(static)
  for (std::int64_t i = 0; i < n; ++i) a[i] = 0;  // first touch by the threads that use it
  for (auto _ : state) {
#pragma omp parallel for num_threads(g_threads) schedule(static)
    for (std::int64_t i = 0; i < n; ++i) a[i] = b[i] + 3.0f * c[i];
    benchmark::DoNotOptimize(a.data());
  }
  finish(state, 12.0 * n);
}

// With --benchmark_repetitions, the fastest repetition: the least disturbed by other load.
double min_of(const std::vector<double>& v) { return *std::min_element(v.begin(), v.end()); }

std::string op_prefix(const Op& op, const std::string& format) {
  std::string s = "op:" + op.name + "/format:" + format;
  if (op.name.rfind("spm", 0) == 0) s += "/n:" + std::to_string(op.n);
  return s;
}

void register_all(const std::vector<Workload>& workloads, bool large) {
  for (std::int64_t mib : {64, 512}) {
    const std::int64_t n = mib * 1024 * 1024 / 4;
    benchmark::RegisterBenchmark(("op:triad/array_mib:" + std::to_string(mib) + "/impl:stream").c_str(),
                                 [n](benchmark::State& s) { run_triad(s, n); })
        ->UseRealTime()->Unit(benchmark::kMillisecond)->ComputeStatistics("min", min_of);
  }
  for (const Workload& w : workloads) {
    if (w.large && !large) continue;
    const bool graph = w.kind == bench::Kind::graph_uniform || w.kind == bench::Kind::graph_powerlaw;
    std::vector<Op> ops{{"spmv", 1, false}, {"spmm", 32, false}, {"spmv_t", 1, true}};
    if (!graph) {
      ops.push_back({"spmm", 128, false});
      ops.push_back({"spmm_t", 128, true});
      for (const std::int64_t k : g_extra_batches) {
        ops.push_back({"spmm", k, false});
        ops.push_back({"spmm_t", k, true});
      }
    } else {
      ops.push_back({"spmm_t", 32, true});
    }
    for (const Op& op : ops) {
      std::vector<std::pair<std::string, std::string>> impls{{"csr", "ours"}, {"csr", "eigen"}};
      // librsb's transposed SpMM on the 2M x 2M graphs did not return within 5 minutes here.
      if (!(graph && op.transposed && op.n > 1)) impls.push_back({"csr", "rsb"});
      if (op.transposed) impls.push_back({"csc", "ours_csc"});
      // SpmmPlan: for A^T a transposed copy; for one vector a tiled copy (graphs, tiled.hpp) or
      // 16-bit column indices (layers)
      if (op.transposed || op.n == 1) impls.push_back({"csr", "ours_plan"});
      if (w.kind == bench::Kind::blocks) impls.push_back({"bsr", "ours_bsr"});
      if (!graph) impls.push_back({"dense", "openblas"});
      for (const auto& [format, impl] : impls) {
        const std::string name = op_prefix(op, format) + "/" + w.name + "/impl:" + impl;
        benchmark::RegisterBenchmark(name.c_str(), [&w, op, impl = impl](benchmark::State& s) {
          run_product(s, w, op, impl);
        })->UseRealTime()->Unit(benchmark::kMicrosecond)->ComputeStatistics("min", min_of);
      }
    }
    for (const Op& op : {Op{"dense_to_csr"}, Op{"csr_to_csc"}}) {
      if (graph && op.name == "dense_to_csr") continue;
      for (const char* impl : {"ours", "eigen"}) {
        const std::string name = op_prefix(op, "csr") + "/" + w.name + "/impl:" + impl;
        benchmark::RegisterBenchmark(name.c_str(), [&w, op, impl = std::string(impl)](benchmark::State& s) {
          run_conversion(s, w, op, impl);
        })->UseRealTime()->Unit(benchmark::kMicrosecond)->ComputeStatistics("min", min_of);
      }
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  bool large = false;
  std::string dlmc = SPARSE_FORMATS_SOURCE_DIR "/../shared/data/nn/dlmc";
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--large") large = true;
    else if (a.rfind("--threads=", 0) == 0) g_threads = std::stoi(a.substr(10));
    else if (a.rfind("--dlmc=", 0) == 0) dlmc = a.substr(7);
    else if (a.rfind("--rsb_tune=", 0) == 0) g_rsb_tune = a.substr(11) != "0";
    else if (a.rfind("--operand_offset=", 0) == 0) g_operand_offset = std::stoul(a.substr(17));
    else if (a.rfind("--batches=", 0) == 0) {
      for (std::size_t at = 10; at < a.size();) {
        const std::size_t end = std::min(a.find(',', at), a.size());
        g_extra_batches.push_back(std::stoll(a.substr(at, end - at)));
        if (g_extra_batches.back() < 1) { std::fprintf(stderr, "--batches: sizes must be >= 1\n"); return 2; }
        at = end + 1;
      }
    }
    else { std::fprintf(stderr, "unknown flag %s\n", a.c_str()); return 2; }
  }
  sf::set_num_threads(g_threads);
  Eigen::setNbThreads(g_threads);
  openblas_set_num_threads(g_threads);
  if (rsb_lib_init(RSB_NULL_INIT_OPTIONS) != RSB_ERR_NO_ERROR) return 1;
  rsb_int_t rt = g_threads;
  rsb_lib_set_opt(RSB_IO_WANT_EXECUTING_THREADS, &rt);
  benchmark::AddCustomContext("threads", std::to_string(g_threads));
  benchmark::AddCustomContext("simd", sf::to_string(sf::simd_level()));
  benchmark::AddCustomContext("operand_offset", std::to_string(g_operand_offset));
  static const auto workloads = bench::all_workloads(dlmc);
  register_all(workloads, large);
  benchmark::RunSpecifiedBenchmarks();
  g_loaded.reset();
  benchmark::Shutdown();
  rsb_lib_exit(RSB_NULL_EXIT_OPTIONS);
  return 0;
}
