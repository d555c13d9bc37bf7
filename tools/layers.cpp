#include "layers.hpp"

#include <cstring>
#include <filesystem>
#include <limits>

#include "cli_errors.hpp"

namespace sparse_formats::cli {

namespace {

bool fits_int32(std::int64_t a, std::int64_t b, std::int64_t c) {
  constexpr std::int64_t kMax = std::numeric_limits<std::int32_t>::max();
  return a <= kMax && b <= kMax && c <= kMax;
}

std::string stem(const std::string& path) {
  std::string name = std::filesystem::path(path).filename().string();
  for (const char* ext : {".gz", ".mtx", ".npz", ".npy", ".safetensors"})
    if (name.size() > std::strlen(ext) && name.ends_with(ext)) name.resize(name.size() - std::strlen(ext));
  return name;
}

template <typename V>
AnyCsr from_dense(const DenseMatrix<V>& d) {
  if (fits_int32(d.rows, d.cols, d.rows * d.cols)) return CSRMatrix<V, std::int32_t>::from_dense(d.view(), 0.0);
  return CSRMatrix<V, std::int64_t>::from_dense(d.view(), 0.0);
}

DenseMatrix<double> f64_tensor(const Tensor& t) {
  DenseMatrix<double> d(t.shape[0], t.shape[1]);
  std::memcpy(d.data.data(), t.bytes.data(), t.bytes.size());
  return d;
}

}  // namespace

std::string file_kind(const std::string& path) {
  if (path.ends_with(".mtx") || path.ends_with(".mtx.gz")) return "mtx";
  if (path.ends_with(".npz")) return "npz";
  if (path.ends_with(".npy")) return "npy";
  if (path.ends_with(".safetensors")) return "safetensors";
  throw usage_error(path + ": unknown file type: expected .mtx, .mtx.gz, .npz, .npy or .safetensors");
}

LoadedFile load_file(const std::string& path, const std::optional<std::string>& tensor,
                     const std::function<void(std::size_t, std::size_t)>& on_layer, bool allow_non_finite) {
  LoadedFile f;
  f.kind = file_kind(path);
  if (f.kind != "safetensors" && tensor)
    throw usage_error("--tensor applies to .safetensors files; " + path + " holds one matrix");
  if (f.kind == "mtx") {
    const auto h = read_matrix_market_header(path);
    AnyCsr m = fits_int32(h.shape.rows, h.shape.cols, 2 * h.entries)
                   ? AnyCsr(read_matrix_market<double, std::int32_t>(path, {allow_non_finite}))
                   : AnyCsr(read_matrix_market<double, std::int64_t>(path, {allow_non_finite}));
    f.layers.push_back({stem(path), std::move(m)});
  } else if (f.kind == "npz") {
    const auto info = read_npz_info(path);
    const bool single = info.data_descr.size() == 3 && info.data_descr.substr(1) == "f4";
    const bool small = fits_int32(info.shape.rows, info.shape.cols, info.nnz);
    AnyCsr m = single ? (small ? AnyCsr(read_npz<float, std::int32_t>(path)) : AnyCsr(read_npz<float, std::int64_t>(path)))
                      : (small ? AnyCsr(read_npz<double, std::int32_t>(path)) : AnyCsr(read_npz<double, std::int64_t>(path)));
    f.layers.push_back({stem(path), std::move(m)});
  } else if (f.kind == "npy") {
    const auto h = read_npy_header(path);
    AnyCsr m = h.descr.substr(1) == "f4" ? from_dense(read_npy<float>(path)) : from_dense(read_npy<double>(path));
    f.layers.push_back({stem(path), std::move(m)});
  } else {
    const auto index = read_safetensors_index(path);
    const auto sparse = safetensors_sparse_names(index);
    auto is_part_of_sparse = [&](const std::string& name) {
      for (const auto& s : sparse)
        if (name == s + ".values" || name == s + ".col_indices" || name == s + ".row_ptr") return true;
      return false;
    };
    std::vector<std::string> wanted;
    for (const auto& s : sparse)
      if (!tensor || *tensor == s) wanted.push_back(s);
    for (const auto& t : index.tensors) {
      if (is_part_of_sparse(t.name)) continue;
      const bool weight = t.shape.size() == 2 && (t.dtype == "F32" || t.dtype == "F16" || t.dtype == "BF16" || t.dtype == "F64");
      if (tensor && t.name == *tensor && !weight)
        throw usage_error(path + ": tensor '" + t.name + "' is not a 2-D floating-point weight (dtype " + t.dtype + ", " +
                          std::to_string(t.shape.size()) + " dimensions)");
      if (weight && (!tensor || t.name == *tensor)) wanted.push_back(t.name);
      else if (!weight && !tensor) f.passthrough.push_back(read_safetensors_tensor(path, t.name));
    }
    if (tensor && wanted.empty()) throw usage_error(path + ": no tensor named '" + *tensor + "'");
    for (const auto& [k, v] : index.metadata)
      if (!k.ends_with(".shape") && !k.ends_with(".format")) f.metadata[k] = v;
    for (std::size_t k = 0; k < wanted.size(); ++k) {
      const std::string& name = wanted[k];
      const TensorInfo* t = index.find(name);
      if (!t) {  // a sparse matrix stored as three tensors
        const TensorInfo* values = index.find(name + ".values");
        const TensorInfo* idx = index.find(name + ".col_indices");
        const bool single = values && values->dtype == "F32";
        const bool wide = idx && idx->dtype == "I64";
        AnyCsr m = single ? (wide ? AnyCsr(read_safetensors_csr<float, std::int64_t>(path, name))
                                  : AnyCsr(read_safetensors_csr<float, std::int32_t>(path, name)))
                          : (wide ? AnyCsr(read_safetensors_csr<double, std::int64_t>(path, name))
                                  : AnyCsr(read_safetensors_csr<double, std::int32_t>(path, name)));
        f.layers.push_back({name, std::move(m)});
      } else if (t->dtype == "F64") {
        f.layers.push_back({name, from_dense(f64_tensor(read_safetensors_tensor(path, name)))});
      } else {
        f.layers.push_back({name, from_dense(read_safetensors_matrix(path, name))});
      }
      if (on_layer) on_layer(k + 1, wanted.size());
    }
    return f;
  }
  if (on_layer) on_layer(1, 1);
  return f;
}

std::string to_string(StoreAs s) {
  switch (s) {
    case StoreAs::csr: return "csr";
    case StoreAs::csc: return "csc";
    case StoreAs::bsr: return "bsr";
    default: return "dense";
  }
}

Shape shape_of(const AnyCsr& m) {
  return std::visit([](const auto& x) { return x.shape(); }, m);
}
std::int64_t nnz_of(const AnyCsr& m) {
  return std::visit([](const auto& x) { return x.nnz(); }, m);
}
bool is_single(const AnyCsr& m) {
  return std::visit([](const auto& x) { return sizeof(typename std::decay_t<decltype(x)>::value_type) == 4; }, m);
}

void save_file(const SaveRequest& r) {
  const std::string kind = file_kind(r.path);
  if (kind != "safetensors" && r.layers.size() != 1)
    throw usage_error(r.path + ": a ." + kind + " file holds one matrix but the input has " +
                      std::to_string(r.layers.size()) + "; choose one with --tensor NAME");
  if (kind == "safetensors") {
    std::vector<Tensor> tensors;
    std::map<std::string, std::string> metadata = r.metadata;
    for (const auto& [layer, as] : r.layers)
      std::visit(
          [&](const auto& m) {
            using V = typename std::decay_t<decltype(m)>::value_type;
            if (as == StoreAs::dense) tensors.push_back(make_dense_tensor<V>(layer.name, m.to_dense().view()));
            else append_csr_tensors(tensors, metadata, layer.name, m);
          },
          layer.matrix);
    for (const auto& t : r.passthrough) tensors.push_back(t);
    write_safetensors(r.path, tensors, metadata);
    return;
  }
  const auto& [layer, as] = r.layers.front();
  std::visit(
      [&](const auto& m) {
        using M = std::decay_t<decltype(m)>;
        using V = typename M::value_type;
        using I = typename M::index_type;
        if (kind == "npy") {
          write_npy<V>(r.path, m.to_dense().view());
        } else if (kind == "mtx") {
          if (as == StoreAs::dense) write_matrix_market_dense<V>(r.path, m.to_dense().view());
          else if (as == StoreAs::csc) write_matrix_market(r.path, CSCMatrix<V, I>::from_csr(m));
          else write_matrix_market(r.path, m);
        } else {  // npz
          if (as == StoreAs::csc) write_npz(r.path, CSCMatrix<V, I>::from_csr(m));
          else if (as == StoreAs::bsr) write_npz(r.path, BlockSparseMatrix<V, I>::from_csr(m, r.block_size));
          else write_npz(r.path, m);
        }
      },
      layer.matrix);
}

}  // namespace sparse_formats::cli
