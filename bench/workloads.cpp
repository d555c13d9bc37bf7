#include "workloads.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace bench {

namespace {

constexpr std::uint64_t kSeed = 20240601;

// Value of entry (i, j): uniform in [-1, 1), never zero (a kept entry stays a non-zero).
float value_at(std::uint64_t cell) {
  const float v = static_cast<float>(2.0 * unit(mix(cell ^ (kSeed * 3))) - 1.0);
  return v == 0.0f ? 0.5f : v;
}

bool keep_layer(std::uint64_t cell, double sparsity) { return unit(mix(cell ^ kSeed)) >= sparsity; }

bool keep_block(std::int64_t bi, std::int64_t bj, std::int64_t nbc, double block_density) {
  return unit(mix(static_cast<std::uint64_t>(bi * nbc + bj) ^ (kSeed * 5))) < block_density;
}

std::string layer_name(std::int64_t r, std::int64_t c, double s) {
  std::ostringstream o;
  o << "layer:" << r << "x" << c << "/sparsity:" << s;
  return o.str();
}

Csr read_smtx(const Workload& w) {
  std::ifstream in(w.path);
  if (!in) throw std::runtime_error("cannot open " + w.path);
  Csr a;
  std::string line;
  std::getline(in, line);
  std::replace(line.begin(), line.end(), ',', ' ');
  std::int64_t nnz = 0;
  std::istringstream(line) >> a.rows >> a.cols >> nnz;
  a.indptr.resize(a.rows + 1);
  for (auto& v : a.indptr) in >> v;
  a.indices.resize(nnz);
  for (auto& v : a.indices) in >> v;
  a.data.resize(nnz);
  for (std::int64_t i = 0; i < a.rows; ++i) {
    std::sort(a.indices.begin() + a.indptr[i], a.indices.begin() + a.indptr[i + 1]);
    for (std::int32_t p = a.indptr[i]; p < a.indptr[i + 1]; ++p)
      a.data[p] = value_at(static_cast<std::uint64_t>(i) * a.cols + a.indices[p]);
  }
  return a;
}

}  // namespace

std::vector<Workload> all_workloads(const std::string& dlmc_root) {
  std::vector<Workload> out;
  const std::int64_t shapes[][2] = {{1000, 1000}, {768, 3072}, {3072, 768}, {4096, 4096}};
  for (auto& s : shapes)
    for (double sp : {0.5, 0.7, 0.8, 0.9, 0.95, 0.99})
      out.push_back({layer_name(s[0], s[1], sp), Kind::layer, s[0], s[1], sp, "", false});
  for (double d : {0.05, 0.10, 0.25}) {
    std::ostringstream o;
    o << "blocks8x8:4096x4096/block_density:" << d;
    out.push_back({o.str(), Kind::blocks, 4096, 4096, 1.0 - d, "", false});
  }
  out.push_back({"graph_uniform:2000000/nnz_per_row:16", Kind::graph_uniform, 2000000, 2000000, 0, "", true});
  out.push_back({"graph_powerlaw:2000000/nnz_per_row:16", Kind::graph_powerlaw, 2000000, 2000000, 0, "", true});
  // Real pruned patterns (DLMC) when the shared data is present; never copied into the repository.
  namespace fs = std::filesystem;
  if (!dlmc_root.empty() && fs::is_directory(dlmc_root)) {
    std::vector<std::string> files;
    for (const auto& e : fs::recursive_directory_iterator(dlmc_root))
      if (e.path().extension() == ".smtx") files.push_back(e.path().string());
    std::sort(files.begin(), files.end());
    for (const auto& f : files) {
      Workload w;
      w.kind = Kind::dlmc;
      w.path = f;
      std::string rel = fs::relative(f, dlmc_root).string();
      rel = rel.substr(0, rel.size() - 5);
      std::replace(rel.begin(), rel.end(), '/', '.');
      w.name = "dlmc:" + rel;
      std::ifstream in(f);
      std::string line;
      std::getline(in, line);
      std::replace(line.begin(), line.end(), ',', ' ');
      std::istringstream(line) >> w.rows >> w.cols;
      out.push_back(w);
    }
  }
  return out;
}

std::vector<float> make_dense(const Workload& w) {
  if (w.kind != Kind::layer && w.kind != Kind::blocks) {
    const Csr a = make_csr(w);
    std::vector<float> d(static_cast<std::size_t>(a.rows * a.cols), 0.0f);
    for (std::int64_t i = 0; i < a.rows; ++i)
      for (std::int32_t p = a.indptr[i]; p < a.indptr[i + 1]; ++p) d[i * a.cols + a.indices[p]] = a.data[p];
    return d;
  }
  std::vector<float> d(static_cast<std::size_t>(w.rows * w.cols));
  const std::int64_t nbc = (w.cols + 7) / 8;
#pragma omp parallel for schedule(static)
  for (std::int64_t i = 0; i < w.rows; ++i)
    for (std::int64_t j = 0; j < w.cols; ++j) {
      const std::uint64_t cell = static_cast<std::uint64_t>(i * w.cols + j);
      const bool keep = w.kind == Kind::layer ? keep_layer(cell, w.sparsity)
                                              : keep_block(i / 8, j / 8, nbc, 1.0 - w.sparsity);
      d[i * w.cols + j] = keep ? value_at(cell) : 0.0f;
    }
  return d;
}

Csr make_csr(const Workload& w) {
  if (w.kind == Kind::dlmc) return read_smtx(w);
  Csr a;
  a.rows = w.rows;
  a.cols = w.cols;
  a.indptr.assign(1, 0);
  if (w.kind == Kind::layer || w.kind == Kind::blocks) {
    const auto d = make_dense(w);
    for (std::int64_t i = 0; i < w.rows; ++i) {
      for (std::int64_t j = 0; j < w.cols; ++j)
        if (d[i * w.cols + j] != 0.0f) {
          a.indices.push_back(static_cast<std::int32_t>(j));
          a.data.push_back(d[i * w.cols + j]);
        }
      a.indptr.push_back(static_cast<std::int32_t>(a.indices.size()));
    }
    return a;
  }
  // Graphs: row lengths 16 (uniform) or Pareto(alpha 2, minimum 8, capped at 100000: mean ~16),
  // uniform random columns, duplicates in a row removed.
  const std::uint64_t n = static_cast<std::uint64_t>(w.rows);
  std::vector<std::int64_t> len(n);
  for (std::uint64_t i = 0; i < n; ++i) {
    if (w.kind == Kind::graph_uniform) {
      len[i] = 16;
    } else {
      const double u = unit(mix(i ^ (kSeed * 7)));
      len[i] = std::min<std::int64_t>(100000, static_cast<std::int64_t>(std::floor(8.0 / std::sqrt(1.0 - u))));
    }
  }
  std::uint64_t pos = 0;
  std::vector<std::int32_t> row;
  for (std::uint64_t i = 0; i < n; ++i) {
    row.resize(len[i]);
    for (std::int64_t j = 0; j < len[i]; ++j, ++pos) row[j] = static_cast<std::int32_t>(mix(pos ^ (kSeed * 11)) % n);
    std::sort(row.begin(), row.end());
    row.erase(std::unique(row.begin(), row.end()), row.end());
    for (std::int32_t c : row) {
      a.indices.push_back(c);
      a.data.push_back(value_at(i * n + static_cast<std::uint64_t>(c)));
    }
    a.indptr.push_back(static_cast<std::int32_t>(a.indices.size()));
  }
  return a;
}

}  // namespace bench
