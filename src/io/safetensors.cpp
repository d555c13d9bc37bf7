// safetensors: an 8-byte little-endian header length, a JSON header (nlohmann::json) naming each
// tensor's dtype, shape and byte range, then the data. Every range is checked against the data
// section and against shape x dtype size before a tensor is read.
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <utility>
#include <algorithm>

#include <nlohmann/json.hpp>

#include "instantiate.hpp"
#include "io/file_bytes.hpp"
#include "sparse_formats/errors.hpp"
#include "sparse_formats/io.hpp"

namespace sparse_formats {

using io_detail::fail_at_byte;
using nlohmann::json;

static_assert(std::endian::native == std::endian::little, "safetensors data is little-endian");

namespace {

// The safetensors format caps the header at 100 MB.
constexpr std::uint64_t kMaxHeader = 100'000'000;

std::int64_t dtype_size(const std::string& d) {
  if (d == "F64" || d == "I64" || d == "U64") return 8;
  if (d == "F32" || d == "I32" || d == "U32") return 4;
  if (d == "F16" || d == "BF16" || d == "I16" || d == "U16") return 2;
  if (d == "I8" || d == "U8" || d == "BOOL" || d == "F8_E4M3" || d == "F8_E5M2") return 1;
  return 0;
}

// Exact: every binary16 value is a float32 value.
float half_to_float(std::uint16_t h) {
  const std::uint32_t sign = static_cast<std::uint32_t>(h & 0x8000u) << 16;
  const std::uint32_t exp = (h >> 10) & 0x1fu, mant = h & 0x3ffu;
  if (exp == 0) {
    const float mag = std::ldexp(static_cast<float>(mant), -24);  // zero or subnormal: mant * 2^-24
    return sign ? -mag : mag;
  }
  const std::uint32_t bits = exp == 31 ? (sign | 0x7f800000u | (mant << 13)) : (sign | ((exp + 112) << 23) | (mant << 13));
  return std::bit_cast<float>(bits);
}

// Exact: bfloat16 is the high half of a float32.
float bf16_to_float(std::uint16_t b) { return std::bit_cast<float>(static_cast<std::uint32_t>(b) << 16); }

std::int64_t header_length(std::string_view bytes, const std::string& name) {
  if (bytes.size() < 8) fail_at_byte(name, 0, "file is shorter than the 8-byte header length");
  std::uint64_t n = 0;
  std::memcpy(&n, bytes.data(), 8);
  if (n > kMaxHeader) fail_at_byte(name, 0, "header length " + std::to_string(n) + " exceeds the 100 MB limit");
  if (n > bytes.size() - 8)
    fail_at_byte(name, 0, "header length " + std::to_string(n) + " exceeds the " + std::to_string(bytes.size() - 8) +
                              " bytes that follow (file truncated?)");
  return static_cast<std::int64_t>(n);
}

std::string_view tensor_bytes(std::string_view bytes, const SafetensorsIndex& index, const TensorInfo& t) {
  return bytes.substr(static_cast<std::size_t>(index.data_offset + t.begin), static_cast<std::size_t>(t.end - t.begin));
}

const TensorInfo& require(const SafetensorsIndex& index, const std::string& tensor, const std::string& name) {
  const TensorInfo* t = index.find(tensor);
  if (!t) {
    std::string names;
    for (std::size_t k = 0; k < index.tensors.size() && k < 8; ++k) names += (k ? ", " : "") + index.tensors[k].name;
    if (index.tensors.size() > 8) names += ", ...";
    fail_at_byte(name, 8, "no tensor named '" + tensor + "' (tensors: " + names + ")");
  }
  return *t;
}

template <typename T>
std::vector<T> numbers(std::string_view raw, const TensorInfo& t, const SafetensorsIndex& index,
                       const std::string& name) {
  const std::int64_t at = index.data_offset + t.begin;
  const std::size_t n = raw.size() / static_cast<std::size_t>(dtype_size(t.dtype));
  std::vector<T> out(n);
  auto each = [&](auto tag) {
    using S = decltype(tag);
    for (std::size_t k = 0; k < n; ++k) {
      S v;
      std::memcpy(&v, raw.data() + k * sizeof(S), sizeof(S));
      if constexpr (std::is_integral_v<T>) {
        if (!std::in_range<T>(v))
          fail_at_byte(name, at + static_cast<std::int64_t>(k * sizeof(S)),
                       "index " + std::to_string(v) + " in '" + t.name + "' does not fit the index type");
      }
      out[k] = static_cast<T>(v);
    }
  };
  if constexpr (std::is_integral_v<T>) {
    if (t.dtype == "I32") each(std::int32_t{});
    else if (t.dtype == "I64") each(std::int64_t{});
    else fail_at_byte(name, at, "tensor '" + t.name + "' has dtype " + t.dtype + ", expected I32 or I64");
  } else {
    if (t.dtype == "F32") each(float{});
    else if (t.dtype == "F64") each(double{});
    else if (t.dtype == "F16" || t.dtype == "BF16") {
      for (std::size_t k = 0; k < n; ++k) {
        std::uint16_t h;
        std::memcpy(&h, raw.data() + 2 * k, 2);
        out[k] = static_cast<T>(t.dtype == "F16" ? half_to_float(h) : bf16_to_float(h));
      }
    } else {
      fail_at_byte(name, at, "tensor '" + t.name + "' has dtype " + t.dtype + ", expected F32, F16, BF16 or F64");
    }
  }
  return out;
}

}  // namespace

const TensorInfo* SafetensorsIndex::find(std::string_view name) const {
  for (const auto& t : tensors)
    if (t.name == name) return &t;
  return nullptr;
}

SafetensorsIndex read_safetensors_index_from_memory(std::string_view bytes, const std::string& name) {
  const std::int64_t n = header_length(bytes, name);
  SafetensorsIndex index;
  index.data_offset = 8 + n;
  const auto data_size = static_cast<std::int64_t>(bytes.size()) - index.data_offset;
  json header;
  try {
    header = json::parse(bytes.substr(8, static_cast<std::size_t>(n)));
  } catch (const json::parse_error& e) {
    fail_at_byte(name, 8 + static_cast<std::int64_t>(e.byte) - 1, std::string("header is not valid JSON: ") + e.what());
  } catch (const json::exception& e) {  // e.g. a number that overflows while parsing
    fail_at_byte(name, 8, std::string("header is not valid JSON: ") + e.what());
  }
  if (!header.is_object()) fail_at_byte(name, 8, "header is not a JSON object");
  for (auto& [key, value] : header.items()) {
    if (key == "__metadata__") {
      if (!value.is_object()) fail_at_byte(name, 8, "__metadata__ is not an object");
      for (auto& [mk, mv] : value.items()) {
        if (!mv.is_string()) fail_at_byte(name, 8, "__metadata__ value for '" + mk + "' is not a string");
        index.metadata[mk] = mv.get<std::string>();
      }
      continue;
    }
    const std::string where = "tensor '" + key + "': ";
    if (!value.is_object() || !value.contains("dtype") || !value.contains("shape") || !value.contains("data_offsets"))
      fail_at_byte(name, 8, where + "needs dtype, shape and data_offsets");
    const json& dt = value["dtype"];
    const json& sh = value["shape"];
    const json& off = value["data_offsets"];
    if (!dt.is_string()) fail_at_byte(name, 8, where + "dtype is not a string");
    TensorInfo t;
    t.name = key;
    t.dtype = dt.get<std::string>();
    const std::int64_t esize = dtype_size(t.dtype);
    if (esize == 0) fail_at_byte(name, 8, where + "unknown dtype '" + t.dtype + "'");
    if (!sh.is_array() || sh.size() > 32) fail_at_byte(name, 8, where + "shape is not a list of at most 32 dimensions");
    std::int64_t count = 1;
    for (const json& d : sh) {
      if (!d.is_number_unsigned() || d.get<std::uint64_t>() > static_cast<std::uint64_t>(data_size))
        fail_at_byte(name, 8, where + "shape dimension " + d.dump() + " is not a size that fits the file");
      const auto v = static_cast<std::int64_t>(d.get<std::uint64_t>());
      if (v != 0 && count > std::numeric_limits<std::int64_t>::max() / v / esize)
        fail_at_byte(name, 8, where + "shape overflows int64");
      count *= v;
      t.shape.push_back(v);
    }
    if (!off.is_array() || off.size() != 2 || !off[0].is_number_unsigned() || !off[1].is_number_unsigned())
      fail_at_byte(name, 8, where + "data_offsets must be two non-negative integers");
    const auto b = off[0].get<std::uint64_t>(), e = off[1].get<std::uint64_t>();
    if (b > e || e > static_cast<std::uint64_t>(data_size))
      fail_at_byte(name, 8, where + "data_offsets [" + std::to_string(b) + ", " + std::to_string(e) +
                                "] lie outside the " + std::to_string(data_size) + "-byte data section");
    t.begin = static_cast<std::int64_t>(b);
    t.end = static_cast<std::int64_t>(e);
    if (t.end - t.begin != count * esize)
      fail_at_byte(name, 8, where + "holds " + std::to_string(t.end - t.begin) + " bytes but its shape and dtype need " +
                                std::to_string(count * esize));
    index.tensors.push_back(std::move(t));
  }
  std::sort(index.tensors.begin(), index.tensors.end(),
            [](const TensorInfo& a, const TensorInfo& b) { return a.begin < b.begin || (a.begin == b.begin && a.name < b.name); });
  return index;
}

SafetensorsIndex read_safetensors_index(const std::string& path) {
  return read_safetensors_index_from_memory(io_detail::read_file(path), path);
}

DenseMatrix<float> read_safetensors_matrix_from_memory(std::string_view bytes, const std::string& name,
                                                       const std::string& tensor) {
  const SafetensorsIndex index = read_safetensors_index_from_memory(bytes, name);
  const TensorInfo& t = require(index, tensor, name);
  if (t.shape.size() != 2)
    fail_at_byte(name, index.data_offset + t.begin,
                 "tensor '" + tensor + "' has " + std::to_string(t.shape.size()) + " dimensions, expected 2");
  DenseMatrix<float> out;
  out.rows = t.shape[0];
  out.cols = t.shape[1];
  out.data = numbers<float>(tensor_bytes(bytes, index, t), t, index, name);
  return out;
}

DenseMatrix<float> read_safetensors_matrix(const std::string& path, const std::string& tensor) {
  return read_safetensors_matrix_from_memory(io_detail::read_file(path), path, tensor);
}

Tensor read_safetensors_tensor(const std::string& path, const std::string& tensor) {
  const std::string bytes = io_detail::read_file(path);
  const SafetensorsIndex index = read_safetensors_index_from_memory(bytes, path);
  const TensorInfo& t = require(index, tensor, path);
  const std::string_view raw = tensor_bytes(bytes, index, t);
  return {t.name, t.dtype, t.shape, std::vector<unsigned char>(raw.begin(), raw.end())};
}

std::vector<std::string> safetensors_sparse_names(const SafetensorsIndex& index) {
  std::vector<std::string> names;
  for (const auto& [key, value] : index.metadata)
    if (io_detail::ends_with(key, ".format") && value == "csr") names.push_back(key.substr(0, key.size() - 7));
  return names;
}

template <typename V, typename I>
CSRMatrix<V, I> read_safetensors_csr(const std::string& path, const std::string& tensor) {
  const std::string bytes = io_detail::read_file(path);
  const SafetensorsIndex index = read_safetensors_index_from_memory(bytes, path);
  auto meta = index.metadata.find(tensor + ".shape");
  if (meta == index.metadata.end())
    fail_at_byte(path, 8, "no '" + tensor + ".shape' metadata entry: not a sparse tensor written by sparse_formats");
  std::int64_t rows = -1, cols = -1;
  try {
    const json s = json::parse(meta->second);
    if (s.is_array() && s.size() == 2 && s[0].is_number_unsigned() && s[1].is_number_unsigned()) {
      rows = s[0].get<std::int64_t>();
      cols = s[1].get<std::int64_t>();
    }
  } catch (const json::exception&) {
  }
  if (rows < 0 || cols < 0) fail_at_byte(path, 8, "metadata '" + tensor + ".shape' is not [rows, cols]");
  auto get = [&](const char* suffix) -> const TensorInfo& {
    const TensorInfo& t = require(index, tensor + suffix, path);
    if (t.shape.size() != 1) fail_at_byte(path, index.data_offset + t.begin, "tensor '" + t.name + "' is not 1-D");
    return t;
  };
  const TensorInfo& tv = get(".values");
  const TensorInfo& tc = get(".col_indices");
  const TensorInfo& tr = get(".row_ptr");
  auto values = numbers<V>(tensor_bytes(bytes, index, tv), tv, index, path);
  auto cols_ = numbers<I>(tensor_bytes(bytes, index, tc), tc, index, path);
  auto ptr = numbers<I>(tensor_bytes(bytes, index, tr), tr, index, path);
  try {
    return CSRMatrix<V, I>(std::move(values), std::move(cols_), std::move(ptr), Shape{rows, cols});
  } catch (const error& e) {
    fail_at_byte(path, index.data_offset + tv.begin, "sparse tensor '" + tensor + "': " + e.what());
  }
}

namespace {

template <typename T>
Tensor raw_tensor(const std::string& name, const char* dtype, std::span<const T> v) {
  Tensor t{name, dtype, {static_cast<std::int64_t>(v.size())}, {}};
  const auto* p = reinterpret_cast<const unsigned char*>(v.data());
  t.bytes.assign(p, p + v.size_bytes());
  return t;
}

}  // namespace

template <typename V, typename I>
void append_csr_tensors(std::vector<Tensor>& tensors, std::map<std::string, std::string>& metadata,
                        const std::string& name, const CSRMatrix<V, I>& m) {
  const char* vt = sizeof(V) == 4 ? "F32" : "F64";
  const char* it = sizeof(I) == 4 ? "I32" : "I64";
  tensors.push_back(raw_tensor(name + ".values", vt, m.values()));
  tensors.push_back(raw_tensor(name + ".col_indices", it, m.col_indices()));
  tensors.push_back(raw_tensor(name + ".row_ptr", it, m.row_ptr()));
  metadata[name + ".shape"] = "[" + std::to_string(m.nrows()) + ", " + std::to_string(m.ncols()) + "]";
  metadata[name + ".format"] = "csr";
}

template <typename V>
Tensor make_dense_tensor(const std::string& name, DenseView<const V> d) {
  Tensor t{name, sizeof(V) == 4 ? "F32" : "F64", {d.rows, d.cols}, {}};
  t.bytes.resize(static_cast<std::size_t>(d.rows * d.cols) * sizeof(V));
  unsigned char* p = t.bytes.data();
  for (std::int64_t i = 0; i < d.rows && d.cols > 0; ++i)  // an empty view may declare huge rows
    for (std::int64_t j = 0; j < d.cols; ++j, p += sizeof(V)) std::memcpy(p, &d(i, j), sizeof(V));
  return t;
}

void write_safetensors(const std::string& path, const std::vector<Tensor>& tensors,
                       const std::map<std::string, std::string>& metadata) {
  json header = json::object();
  std::uint64_t offset = 0;
  for (const Tensor& t : tensors) {
    const std::int64_t esize = dtype_size(t.dtype);
    if (esize == 0) throw invalid_argument(path + ": tensor '" + t.name + "' has unknown dtype '" + t.dtype + "'");
    std::int64_t count = 1;
    for (auto d : t.shape) count *= d;
    if (static_cast<std::size_t>(count * esize) != t.bytes.size())
      throw invalid_argument(path + ": tensor '" + t.name + "' has " + std::to_string(t.bytes.size()) +
                             " bytes, its shape and dtype need " + std::to_string(count * esize));
    if (t.name == "__metadata__" || header.contains(t.name))
      throw invalid_argument(path + ": duplicate or reserved tensor name '" + t.name + "'");
    header[t.name] = {{"dtype", t.dtype}, {"shape", t.shape}, {"data_offsets", {offset, offset + t.bytes.size()}}};
    offset += t.bytes.size();
  }
  if (!metadata.empty()) header["__metadata__"] = metadata;
  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' ');  // data section starts 8-byte aligned
  std::string out(8, '\0');
  const std::uint64_t n = text.size();
  std::memcpy(out.data(), &n, 8);
  out += text;
  out.reserve(out.size() + offset);
  for (const Tensor& t : tensors) out.append(reinterpret_cast<const char*>(t.bytes.data()), t.bytes.size());
  io_detail::write_file(path, out);
}

#define SPARSE_FORMATS_INSTANTIATE_ST(V, I)                                                              \
  template CSRMatrix<V, I> read_safetensors_csr<V, I>(const std::string&, const std::string&);           \
  template void append_csr_tensors<V, I>(std::vector<Tensor>&, std::map<std::string, std::string>&,      \
                                         const std::string&, const CSRMatrix<V, I>&);
SPARSE_FORMATS_FOR_EACH_TYPE(SPARSE_FORMATS_INSTANTIATE_ST)
template Tensor make_dense_tensor<float>(const std::string&, DenseView<const float>);
template Tensor make_dense_tensor<double>(const std::string&, DenseView<const double>);

}  // namespace sparse_formats
