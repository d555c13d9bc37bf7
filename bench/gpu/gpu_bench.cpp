// GPU benchmark: our OpenCL kernels on whatever OpenCL device is present, and, in a build with CUDA,
// cuSPARSE (generic API) and dense cuBLAS fp32 on the same matrices in the same process. Every result
// is checked against the CPU backend before its time is printed. Names are machine-readable:
//   op:spmm/shape:768x3072/sparsity:0.90/n:128  ours_us=.. cusparse_us=.. cublas_us=.. ...
// Usage: gpu_bench [--quick] [--device I] [--reps N] [--shapes 768x3072,...] [--sparsity 0.5,...]
//                  [--batches 1,32,...] [--spmv-rows N] [--spmv-algorithm automatic|scalar|vector|adaptive]
//                  [--no-peers] [--no-spmv] [--no-layers] [--csv FILE]
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <numeric>
#include <random>
#include <sparse_formats/sparse_formats.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "cuda_peers.hpp"

namespace sf = sparse_formats;
using Csr = sf::CSRMatrix<float, std::int32_t>;
using Clock = std::chrono::steady_clock;

namespace {

struct Options {
  int device = -1;
  int reps = 0;  // 0: enough for about 50 ms per trial
  std::vector<std::pair<std::int64_t, std::int64_t>> shapes{{768, 3072}, {3072, 768}, {4096, 4096}};
  std::vector<double> sparsities{0.5, 0.8, 0.9, 0.95, 0.99};
  std::vector<std::int64_t> batches{1, 32, 128, 1024};
  std::int64_t spmv_rows = 2000000;
  int spmv_nnz_per_row = 16;
  sf::SpmvAlgorithm spmv_algorithm = sf::SpmvAlgorithm::automatic;
  bool peers = true;
  bool spmv = true, layers = true;
  std::string csv;
};

template <typename T>
std::vector<T> parse_list(const std::string& s) {
  std::vector<T> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ',')) out.push_back(static_cast<T>(std::stod(item)));
  return out;
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "%s needs a value\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--quick") {  // a small grid that finishes in seconds on a CPU OpenCL device
      o.shapes = {{768, 3072}, {3072, 768}};
      o.sparsities = {0.9, 0.99};
      o.batches = {1, 32};
      o.spmv_rows = 100000;
    } else if (a == "--device")
      o.device = std::stoi(next());
    else if (a == "--reps")
      o.reps = std::stoi(next());
    else if (a == "--spmv-rows")
      o.spmv_rows = std::stoll(next());
    else if (a == "--spmv-algorithm") {
      const std::string v = next();
      bool found = false;
      for (const auto alg : {sf::SpmvAlgorithm::automatic, sf::SpmvAlgorithm::scalar, sf::SpmvAlgorithm::vector,
                             sf::SpmvAlgorithm::adaptive})
        if (sf::to_string(alg) == v) o.spmv_algorithm = alg, found = true;
      if (!found) {
        std::fprintf(stderr, "unknown SpMV algorithm %s\n", v.c_str());
        std::exit(2);
      }
    } else if (a == "--no-peers")
      o.peers = false;
    else if (a == "--no-spmv")
      o.spmv = false;
    else if (a == "--no-layers")
      o.layers = false;
    else if (a == "--csv")
      o.csv = next();
    else if (a == "--sparsity")
      o.sparsities = parse_list<double>(next());
    else if (a == "--batches")
      o.batches = parse_list<std::int64_t>(next());
    else if (a == "--shapes") {
      o.shapes.clear();
      std::stringstream ss(next());
      std::string item;
      while (std::getline(ss, item, ',')) {
        const auto x = item.find('x');
        o.shapes.emplace_back(std::stoll(item.substr(0, x)), std::stoll(item.substr(x + 1)));
      }
    } else {
      std::fprintf(stderr, "unknown option %s\n", a.c_str());
      std::exit(2);
    }
  }
  return o;
}

// Exactly `per_row` distinct random columns in every row (magnitude pruning leaves rows about even).
Csr random_csr(std::int64_t rows, std::int64_t cols, std::int64_t per_row, std::uint32_t seed) {
  std::mt19937_64 gen(seed);
  std::uniform_real_distribution<float> value(-1.0f, 1.0f);
  std::vector<std::int32_t> indptr{0}, indices;
  std::vector<float> data;
  indices.reserve(static_cast<std::size_t>(rows * per_row));
  data.reserve(static_cast<std::size_t>(rows * per_row));
  std::vector<std::int32_t> perm(static_cast<std::size_t>(cols));
  std::iota(perm.begin(), perm.end(), 0);
  std::vector<std::int32_t> row;
  for (std::int64_t r = 0; r < rows; ++r) {
    row.clear();
    if (per_row * 4 > cols) {  // dense-ish rows: partial Fisher-Yates
      for (std::int64_t j = 0; j < per_row; ++j) {
        std::uniform_int_distribution<std::int64_t> pick(j, cols - 1);
        std::swap(perm[j], perm[pick(gen)]);
        row.push_back(perm[j]);
      }
    } else {  // few per row: rejection
      std::uniform_int_distribution<std::int32_t> pick(0, static_cast<std::int32_t>(cols - 1));
      while (static_cast<std::int64_t>(row.size()) < per_row) {
        const auto c = pick(gen);
        if (std::find(row.begin(), row.end(), c) == row.end()) row.push_back(c);
      }
    }
    std::sort(row.begin(), row.end());
    for (auto c : row) {
      indices.push_back(c);
      data.push_back(value(gen));
    }
    indptr.push_back(static_cast<std::int32_t>(indices.size()));
  }
  return Csr(std::move(data), std::move(indices), std::move(indptr), {rows, cols});
}

std::vector<float> random_vector(std::size_t n, std::uint32_t seed) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<float> value(-1.0f, 1.0f);
  std::vector<float> v(n);
  for (auto& e : v) e = value(gen);
  return v;
}

// Largest |got - want| / (|A||x|) over the elements: float32 rounding of sums gives about 1e-7..1e-5.
double relative_error(const std::vector<float>& got, const std::vector<float>& want, const std::vector<float>& scale) {
  if (got.size() != want.size()) return INFINITY;
  double worst = 0;
  for (std::size_t i = 0; i < got.size(); ++i)
    worst = std::max(worst, std::abs(double(got[i]) - double(want[i])) / (double(scale[i]) + 1e-30));
  return worst;
}
constexpr double kTolerance = 1e-4;

struct Reference {
  std::vector<float> y, scale;
};
Reference reference(const Csr& a, bool t, const std::vector<float>& x, std::int64_t k) {
  std::vector<float> av(a.values().begin(), a.values().end()), ax(x);
  for (auto& e : av) e = std::abs(e);
  for (auto& e : ax) e = std::abs(e);
  const Csr abs_a = Csr::from_storage(
      {sf::Buffer<float>(std::move(av)), a.storage().indices, a.storage().indptr, a.nrows(), a.ncols()});
  const std::int64_t out_rows = t ? a.ncols() : a.nrows(), in_rows = t ? a.nrows() : a.ncols();
  Reference r{std::vector<float>(static_cast<std::size_t>(out_rows * k)),
              std::vector<float>(static_cast<std::size_t>(out_rows * k))};
  const auto op = t ? sf::Transpose::yes : sf::Transpose::no;
  sf::spmm(a, sf::DenseView<const float>::row_major(x.data(), in_rows, k),
           sf::DenseView<float>::row_major(r.y.data(), out_rows, k), op, sf::Backend::cpu);
  sf::spmm(abs_a, sf::DenseView<const float>::row_major(ax.data(), in_rows, k),
           sf::DenseView<float>::row_major(r.scale.data(), out_rows, k), op, sf::Backend::cpu);
  return r;
}

// Mean microseconds per product over back-to-back launches with one wait at the end, best of three.
template <typename F>
double time_ours(F&& launch, const sf::DeviceCSRMatrix<float>& d, int reps_option) {
  for (int i = 0; i < 3; ++i) launch();
  d.finish();
  int reps = reps_option;
  if (reps <= 0) {
    const auto t0 = Clock::now();
    launch();
    d.finish();
    const double once = std::chrono::duration<double>(Clock::now() - t0).count();
    reps = static_cast<int>(std::clamp(0.05 / std::max(once, 1e-7), 3.0, 500.0));
  }
  double best = 1e300;
  for (int trial = 0; trial < 3; ++trial) {
    const auto t0 = Clock::now();
    for (int i = 0; i < reps; ++i) launch();
    d.finish();
    best = std::min(best, 1e6 * std::chrono::duration<double>(Clock::now() - t0).count() / reps);
  }
  return best;
}

int peer_reps(double ours_us, int reps_option) {
  return reps_option > 0 ? reps_option : static_cast<int>(std::clamp(5e4 / std::max(ours_us, 0.1), 3.0, 500.0));
}

struct Row {
  std::string name;
  double ours = -1, cusparse = -1, cublas = -1, err = 0;
  bool ok = true;
  std::string notes;
};

void print(const Row& r, std::ofstream* csv) {
  std::printf("%-48s ours_us=%9.1f", r.name.c_str(), r.ours);
  if (r.cusparse > 0) std::printf("  cusparse_us=%9.1f (%5.2fx)", r.cusparse, r.cusparse / r.ours);
  if (r.cublas > 0) std::printf("  cublas_us=%9.1f (%5.2fx)", r.cublas, r.cublas / r.ours);
  std::printf("  check=%s err=%.1e%s%s\n", r.ok ? "ok" : "WRONG", r.err, r.notes.empty() ? "" : "  ", r.notes.c_str());
  std::fflush(stdout);
  if (csv)
    *csv << r.name << ',' << r.ours << ',' << r.cusparse << ',' << r.cublas << ',' << r.err << ','
         << (r.ok ? "ok" : "WRONG") << '\n';
}

// One product op(A) x (k columns): ours, then the peers, each checked against the CPU backend.
Row run_case(const std::string& name, const Csr& a, const Csr& at, const sf::DeviceCSRMatrix<float>& d, bool t,
             std::int64_t k, bool with_cuda, bool with_dense, const Options& o) {
  Row row;
  row.name = name;
  const std::int64_t in_rows = t ? a.nrows() : a.ncols(), out_rows = t ? a.ncols() : a.nrows();
  const auto x = random_vector(static_cast<std::size_t>(in_rows * k), static_cast<std::uint32_t>(k * 7 + t));
  const auto ref = reference(a, t, x, k);
  const auto dx =
      sf::to_device(sf::DenseView<const float>::row_major(x.data(), in_rows, k), sf::Backend::opencl, d.device());
  auto dy = sf::device_empty<float>(out_rows, k, sf::Backend::opencl, d.device());
  row.ours = time_ours([&] { t ? d.transpose_matmul(dx, dy) : d.sparse_matmul(dx, dy); }, d, o.reps);
  row.err = relative_error(dy.to_host().data, ref.y, ref.scale);
  row.ok = row.err <= kTolerance;
  if (!with_cuda) return row;
  const int reps = peer_reps(row.ours, o.reps);
  // cuSPARSE on A with opA = T, and on the CSR of A^T (the data our kernel reads): the faster one counts.
  const gpu_bench::CsrHost ha{a.nrows(),        a.ncols(), a.nnz(), a.row_ptr().data(), a.col_indices().data(),
                              a.values().data()};
  auto sp = gpu_bench::cusparse_product(ha, t, x, k, reps);
  if (t) {
    const gpu_bench::CsrHost hat{at.nrows(),        at.ncols(), at.nnz(), at.row_ptr().data(), at.col_indices().data(),
                                 at.values().data()};
    auto sp2 = gpu_bench::cusparse_product(hat, false, x, k, reps);
    if (sp2.us > 0 && (sp.us < 0 || sp2.us < sp.us)) {
      sp = std::move(sp2);
      row.notes += "cusparse:csr_of_AT ";
    } else {
      row.notes += "cusparse:opA=T ";
    }
  }
  if (sp.us > 0) {
    const double e = relative_error(sp.y, ref.y, ref.scale);
    if (e > kTolerance) row.notes += "cusparse_WRONG(" + std::to_string(e) + ") ";
    row.cusparse = sp.us;
  } else {
    row.notes += "cusparse n/a: " + sp.note + " ";
  }
  if (with_dense) {
    const auto w = a.to_dense();
    auto bl = gpu_bench::cublas_product(w.data, a.nrows(), a.ncols(), t, x, k, reps);
    if (bl.us > 0) {
      const double e = relative_error(bl.y, ref.y, ref.scale);
      // cuBLAS may use TF32 tensor cores only when asked; fp32 SGEMM is within float rounding.
      if (e > kTolerance) row.notes += "cublas_err=" + std::to_string(e) + " ";
      row.cublas = bl.us;
    } else {
      row.notes += "cublas n/a: " + bl.note + " ";
    }
  }
  return row;
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse(argc, argv);
  std::printf("%s", sf::describe_devices().c_str());
  if (sf::list_devices().empty()) {
    std::printf("no OpenCL device: nothing to benchmark\n");
    return 1;
  }
  const auto info = o.device >= 0 ? sf::list_devices().at(static_cast<std::size_t>(o.device)) : sf::default_device();
  std::string cuda_name;
  const bool with_cuda = o.peers && gpu_bench::cuda_available(cuda_name);
  if (!o.peers) cuda_name = "not run (--no-peers)";
  std::printf(
      "ours: OpenCL device %d: %s (%s)\npeers: %s\n", info.index, info.name.c_str(), info.platform.c_str(),
      with_cuda ? ("CUDA " + cuda_name + ": cuSPARSE generic API + cuBLAS SGEMM fp32").c_str() : cuda_name.c_str());
  std::printf("times: mean per product of back-to-back launches, best of 3 trials; (Nx) = peer time / ours\n");
  std::ofstream csv_file;
  std::ofstream* csv = nullptr;
  if (!o.csv.empty()) {
    csv_file.open(o.csv);
    csv_file << "name,ours_us,cusparse_us,cublas_us,max_rel_err,check\n";
    csv = &csv_file;
  }
  int wrong = 0;
  std::vector<std::string> misses;  // the goals on NVIDIA cards, checked when the peers ran
  auto goals = [&](const Row& r, bool spmv, double sparsity, std::int64_t k) {
    if (r.cusparse > 0) {
      if (spmv && r.cusparse / r.ours < 1.1) misses.push_back(r.name + " vs cuSPARSE < 1.1x");
      if (!spmv && sparsity >= 0.8 && r.cusparse / r.ours < 2.0) misses.push_back(r.name + " vs cuSPARSE < 2x");
    }
    if (r.cublas > 0 && k == 128 && sparsity >= 0.8 && r.cublas / r.ours < 1.0)
      misses.push_back(r.name + " slower than dense cuBLAS");
  };
  if (o.spmv) {
    const std::int64_t n = o.spmv_rows;
    const auto a = random_csr(n, n, o.spmv_nnz_per_row, 1);
    const auto d = sf::to_device(a, sf::Backend::opencl, info.index, {false, o.spmv_algorithm});
    std::printf("# SpMV %lldx%lld, %d per row: %s\n", (long long)n, (long long)n, o.spmv_nnz_per_row,
                d.describe().c_str());
    const std::string name = "op:spmv/shape:" + std::to_string(n) + "x" + std::to_string(n) +
                             "/nnz_per_row:" + std::to_string(o.spmv_nnz_per_row) + "/n:1";
    const auto r = run_case(name, a, a, d, false, 1, with_cuda, false, o);
    wrong += !r.ok;
    print(r, csv);
    goals(r, true, 0.0, 1);
  }
  if (o.layers) {
    for (const auto& [rows, cols] : o.shapes) {
      for (const double s : o.sparsities) {
        const auto per_row = std::max<std::int64_t>(1, std::llround(static_cast<double>(cols) * (1.0 - s)));
        const auto a = random_csr(rows, cols, per_row, static_cast<std::uint32_t>(rows * 31 + cols + s * 1000));
        const auto at = Csr::from_csc(a.transpose());  // CSR of A^T, for cuSPARSE's non-transposed A^T x
        const auto d = sf::to_device(a, sf::Backend::opencl, info.index, {true, o.spmv_algorithm});
        std::printf("# %lldx%lld at %.2f: %s\n", (long long)rows, (long long)cols, s, d.describe().c_str());
        const bool dense_peer = with_cuda;
        for (const bool t : {false, true}) {
          for (const std::int64_t k : o.batches) {
            char name[160];
            std::snprintf(name, sizeof name, "op:%s/shape:%lldx%lld/sparsity:%.2f/n:%lld", t ? "spmm_t" : "spmm",
                          (long long)rows, (long long)cols, s, (long long)k);
            const auto r = run_case(name, a, at, d, t, k, with_cuda, dense_peer, o);
            wrong += !r.ok;
            print(r, csv);
            goals(r, false, s, k);
          }
        }
      }
    }
  }
  if (with_cuda) {
    std::printf(
        "goals (SpMV >= 1.1x cuSPARSE; SpMM >= 2x cuSPARSE at 80-99%% sparsity; faster than cuBLAS at "
        "n=128 from 80%%): %zu missed\n",
        misses.size());
    for (const auto& m : misses) std::printf("  missed: %s\n", m.c_str());
  }
  std::printf("%s\n", wrong ? "SOME RESULTS WRONG" : "all results match the CPU backend");
  return wrong ? 1 : 0;
}
