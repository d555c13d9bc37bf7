// numpy .npy: a magic string, a Python-literal header dict, then the raw array. The header is
// parsed by a small literal parser (strings, True/False, tuples of integers) and every declared
// size is checked against the bytes present before anything is allocated.
#include "io/npy.hpp"

#include <bit>
#include <cstring>
#include <limits>
#include <type_traits>
#include <utility>

#include "io/file_bytes.hpp"
#include "io/text_numbers.hpp"
#include "sparse_formats/errors.hpp"

namespace sparse_formats {

using io_detail::fail_at_byte;

namespace io_detail {
namespace {

constexpr std::string_view kMagic = "\x93NUMPY";

// Cursor over the header dict text; offsets are reported relative to the file.
struct DictParser {
  std::string_view s;
  std::size_t pos = 0;
  const std::string& name;
  std::int64_t base;

  [[noreturn]] void fail(const std::string& msg) const {
    fail_at_byte(name, base + static_cast<std::int64_t>(pos), "npy header: " + msg);
  }
  void skip_space() {
    while (pos < s.size() && (s[pos] == ' ' || s[pos] == '\t' || s[pos] == '\n')) ++pos;
  }
  bool consume(char c) {
    skip_space();
    if (pos < s.size() && s[pos] == c) {
      ++pos;
      return true;
    }
    return false;
  }
  void expect(char c) {
    if (!consume(c)) fail(std::string("expected '") + c + "'");
  }
  std::string string_literal() {
    skip_space();
    if (pos >= s.size() || (s[pos] != '\'' && s[pos] != '"')) fail("expected a quoted string");
    const char q = s[pos++];
    const std::size_t end = s.find(q, pos);
    if (end == std::string_view::npos) fail("unterminated string");
    std::string out(s.substr(pos, end - pos));
    pos = end + 1;
    return out;
  }
  bool boolean() {
    skip_space();
    if (s.substr(pos, 4) == "True") {
      pos += 4;
      return true;
    }
    if (s.substr(pos, 5) == "False") {
      pos += 5;
      return false;
    }
    fail("expected True or False");
  }
  std::vector<std::int64_t> shape_tuple() {
    expect('(');
    std::vector<std::int64_t> dims;
    for (;;) {
      if (consume(')')) break;
      skip_space();
      std::size_t start = pos;
      while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') ++pos;
      std::int64_t d = 0;
      const auto status = parse_int64(s.substr(start, pos - start), d);
      if (status == NumberStatus::overflow) fail("shape dimension overflows int64");
      if (status != NumberStatus::ok) fail("shape dimensions must be non-negative integers");
      if (dims.size() >= 32) fail("more than 32 dimensions");
      dims.push_back(d);
      if (consume(')')) break;
      expect(',');
    }
    return dims;
  }
};

}  // namespace

NpyArray parse_npy(std::string_view bytes, const std::string& name, std::int64_t base) {
  NpyArray a;
  if (bytes.size() < 10 || bytes.substr(0, 6) != kMagic) fail_at_byte(name, base, "not an .npy file (bad magic)");
  const auto major = static_cast<unsigned char>(bytes[6]);
  std::size_t header_len = 0, header_start = 0;
  if (major == 1) {
    header_len = static_cast<unsigned char>(bytes[8]) | (static_cast<std::size_t>(static_cast<unsigned char>(bytes[9])) << 8);
    header_start = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12) fail_at_byte(name, base, "truncated .npy header");
    for (int k = 3; k >= 0; --k) header_len = (header_len << 8) | static_cast<unsigned char>(bytes[8 + k]);
    header_start = 12;
  } else {
    fail_at_byte(name, base + 6, "unsupported .npy version " + std::to_string(major));
  }
  if (header_len > bytes.size() - header_start)
    fail_at_byte(name, base + 8,
                 "header length " + std::to_string(header_len) + " exceeds the " +
                     std::to_string(bytes.size() - header_start) + " bytes that follow");
  DictParser p{bytes.substr(header_start, header_len), 0, name, base + static_cast<std::int64_t>(header_start)};
  bool have_descr = false, have_order = false, have_shape = false;
  p.expect('{');
  for (;;) {
    if (p.consume('}')) break;
    const std::string key = p.string_literal();
    p.expect(':');
    if (key == "descr") {
      p.skip_space();
      if (p.pos < p.s.size() && p.s[p.pos] == '[') p.fail("structured dtypes are not supported");
      a.header.descr = p.string_literal();
      have_descr = true;
    } else if (key == "fortran_order") {
      a.header.fortran_order = p.boolean();
      have_order = true;
    } else if (key == "shape") {
      a.header.shape = p.shape_tuple();
      have_shape = true;
    } else {
      p.fail("unknown key '" + key + "'");
    }
    if (p.consume('}')) break;
    p.expect(',');
  }
  if (!have_descr || !have_order || !have_shape) p.fail("needs the keys descr, fortran_order and shape");

  const std::string& d = a.header.descr;
  if (d.size() < 3 || (d[0] != '<' && d[0] != '>' && d[0] != '|' && d[0] != '='))
    fail_at_byte(name, base + 10, "dtype '" + d + "' is not supported");
  a.kind = d[1];
  std::int64_t size = 0;
  if (parse_int64(std::string_view(d).substr(2), size) != NumberStatus::ok || size <= 0 || size > 1024)
    fail_at_byte(name, base + 10, "dtype '" + d + "' is not supported");
  a.itemsize = static_cast<int>(size);
  if (a.kind == 'U') a.itemsize *= 4;
  const bool numeric = (a.kind == 'f' && (size == 4 || size == 8)) ||
                       ((a.kind == 'i' || a.kind == 'u') && (size == 1 || size == 2 || size == 4 || size == 8)) ||
                       (a.kind == 'b' && size == 1);
  if (!numeric && a.kind != 'S' && a.kind != 'U')
    fail_at_byte(name, base + 10, "dtype '" + d + "' is not supported (float32/float64, integers, bool)");
  a.big_endian = d[0] == '>';

  std::int64_t count = 1;
  for (std::int64_t dim : a.header.shape) {
    if (dim != 0 && count > std::numeric_limits<std::int64_t>::max() / dim)
      fail_at_byte(name, base + 10, "shape overflows int64");
    count *= dim;
  }
  a.count = count;
  a.header.data_offset = static_cast<std::int64_t>(header_start + header_len);
  a.data_offset = base + a.header.data_offset;
  const std::size_t available = bytes.size() - header_start - header_len;
  if (count > static_cast<std::int64_t>(available) / a.itemsize)
    fail_at_byte(name, a.data_offset,
                 "shape and dtype need " + std::to_string(count) + " x " + std::to_string(a.itemsize) +
                     " bytes but only " + std::to_string(available) + " follow (file truncated?)");
  const auto need = static_cast<std::size_t>(count) * static_cast<std::size_t>(a.itemsize);
  if (need != available)
    fail_at_byte(name, a.data_offset + static_cast<std::int64_t>(need),
                 std::to_string(available - need) + " unexpected bytes after the array data");
  a.data = bytes.substr(header_start + header_len, need);
  return a;
}

namespace {

template <typename S>
S load(const char* p, bool swap) {
  S v;
  std::memcpy(&v, p, sizeof(S));
  if (swap) {
    unsigned char b[sizeof(S)];
    std::memcpy(b, &v, sizeof(S));
    for (std::size_t k = 0; k < sizeof(S) / 2; ++k) std::swap(b[k], b[sizeof(S) - 1 - k]);
    std::memcpy(&v, b, sizeof(S));
  }
  return v;
}

template <typename T, typename S>
void convert_all(const NpyArray& a, std::vector<T>& out, const std::string& name) {
  const bool swap = a.big_endian != (std::endian::native == std::endian::big);
  for (std::int64_t k = 0; k < a.count; ++k) {
    const S v = load<S>(a.data.data() + k * static_cast<std::int64_t>(sizeof(S)), swap);
    if constexpr (std::is_integral_v<T> && std::is_integral_v<S>) {
      if (!std::in_range<T>(v))
        fail_at_byte(name, a.data_offset + k * static_cast<std::int64_t>(sizeof(S)),
                     "value " + std::to_string(v) + " does not fit " + (sizeof(T) == 4 ? "int32" : "int64"));
    }
    out[static_cast<std::size_t>(k)] = static_cast<T>(v);
  }
}

}  // namespace

template <typename T>
std::vector<T> npy_values(const NpyArray& a, const std::string& name) {
  std::vector<T> out(static_cast<std::size_t>(a.count));
  if (a.kind == 'f') {
    if constexpr (std::is_integral_v<T>) {
      fail_at_byte(name, a.data_offset, "expected integers, found dtype '" + a.header.descr + "'");
    } else {
      if (a.itemsize == 4) convert_all<T, float>(a, out, name);
      else convert_all<T, double>(a, out, name);
    }
    return out;
  }
  switch (a.kind == 'b' ? 'u' : a.kind) {
    case 'i':
      switch (a.itemsize) {
        case 1: convert_all<T, std::int8_t>(a, out, name); break;
        case 2: convert_all<T, std::int16_t>(a, out, name); break;
        case 4: convert_all<T, std::int32_t>(a, out, name); break;
        default: convert_all<T, std::int64_t>(a, out, name); break;
      }
      return out;
    case 'u':
      switch (a.itemsize) {
        case 1: convert_all<T, std::uint8_t>(a, out, name); break;
        case 2: convert_all<T, std::uint16_t>(a, out, name); break;
        case 4: convert_all<T, std::uint32_t>(a, out, name); break;
        default: convert_all<T, std::uint64_t>(a, out, name); break;
      }
      return out;
    default:
      fail_at_byte(name, a.data_offset, "expected a numeric array, found dtype '" + a.header.descr + "'");
  }
}

std::string npy_string(const NpyArray& a, const std::string& name) {
  if ((a.kind != 'S' && a.kind != 'U') || a.count != 1)
    fail_at_byte(name, a.data_offset, "expected a string scalar, found dtype '" + a.header.descr + "'");
  std::string out;
  const int step = a.kind == 'U' ? 4 : 1;
  for (int k = 0; k < a.itemsize; k += step) {
    unsigned code = 0;
    for (int b = step - 1; b >= 0; --b) code = (code << 8) | static_cast<unsigned char>(a.data[k + (a.big_endian ? step - 1 - b : b)]);
    if (code == 0) break;
    if (code > 127) fail_at_byte(name, a.data_offset + k, "non-ASCII character in a string value");
    out += static_cast<char>(code);
  }
  return out;
}

std::string make_npy(const std::string& descr, const std::vector<std::int64_t>& shape, bool fortran_order,
                     std::string_view data) {
  std::string dict = "{'descr': '" + descr + "', 'fortran_order': " + (fortran_order ? "True" : "False") +
                     ", 'shape': (";
  for (std::size_t k = 0; k < shape.size(); ++k) {
    dict += std::to_string(shape[k]);
    if (shape.size() == 1 || k + 1 < shape.size()) dict += ", ";
  }
  dict += "), }";
  // Pad with spaces so the data starts at a multiple of 64 bytes, then a newline (numpy's layout).
  const std::size_t unpadded = 10 + dict.size() + 1;
  dict.append((64 - unpadded % 64) % 64, ' ');
  dict += '\n';
  std::string out(kMagic);
  if (dict.size() > 65535) throw invalid_argument("npy header too long");
  out += '\x01';
  out += '\x00';
  out += static_cast<char>(dict.size() & 0xff);
  out += static_cast<char>(dict.size() >> 8);
  out += dict;
  out.append(data);
  return out;
}

template <> std::string npy_descr<float>() { return "<f4"; }
template <> std::string npy_descr<double>() { return "<f8"; }
template <> std::string npy_descr<std::int32_t>() { return "<i4"; }
template <> std::string npy_descr<std::int64_t>() { return "<i8"; }
template <> std::string npy_descr<bool>() { return "|b1"; }

template std::vector<float> npy_values<float>(const NpyArray&, const std::string&);
template std::vector<double> npy_values<double>(const NpyArray&, const std::string&);
template std::vector<std::int32_t> npy_values<std::int32_t>(const NpyArray&, const std::string&);
template std::vector<std::int64_t> npy_values<std::int64_t>(const NpyArray&, const std::string&);

}  // namespace io_detail

NpyHeader read_npy_header(const std::string& path) {
  const std::string bytes = io_detail::read_file(path);
  return io_detail::parse_npy(bytes, path).header;
}

template <typename V>
DenseMatrix<V> read_npy_from_memory(std::string_view bytes, const std::string& name) {
  const io_detail::NpyArray a = io_detail::parse_npy(bytes, name);
  if (a.kind != 'f')
    fail_at_byte(name, 10, "dtype '" + a.header.descr + "' is not float32 or float64");
  const auto& shape = a.header.shape;
  if (shape.size() != 1 && shape.size() != 2)
    fail_at_byte(name, 10, "expected a 1-D or 2-D array, found " + std::to_string(shape.size()) + " dimensions");
  const std::int64_t rows = shape[0], cols = shape.size() == 2 ? shape[1] : 1;
  std::vector<V> flat = io_detail::npy_values<V>(a, name);
  DenseMatrix<V> out;
  out.rows = rows;
  out.cols = cols;
  // an empty array may still declare a huge other dimension: no loop over it
  if (!a.header.fortran_order || cols == 1 || rows == 1 || flat.empty()) {
    out.data = std::move(flat);
  } else {
    out.data.resize(flat.size());
    for (std::int64_t j = 0; j < cols; ++j)
      for (std::int64_t i = 0; i < rows; ++i) out(i, j) = flat[static_cast<std::size_t>(j * rows + i)];
  }
  return out;
}

template <typename V>
DenseMatrix<V> read_npy(const std::string& path) {
  return read_npy_from_memory<V>(io_detail::read_file(path), path);
}

template <typename V>
void write_npy(const std::string& path, DenseView<const V> d, bool fortran_order) {
  std::string data(static_cast<std::size_t>(d.rows * d.cols) * sizeof(V), '\0');
  char* p = data.data();
  if (data.empty()) {
    // an empty array may still declare a huge other dimension: no loop over it
  } else if (fortran_order) {
    for (std::int64_t j = 0; j < d.cols; ++j)
      for (std::int64_t i = 0; i < d.rows; ++i, p += sizeof(V)) std::memcpy(p, &d(i, j), sizeof(V));
  } else {
    for (std::int64_t i = 0; i < d.rows; ++i)
      for (std::int64_t j = 0; j < d.cols; ++j, p += sizeof(V)) std::memcpy(p, &d(i, j), sizeof(V));
  }
  io_detail::write_file(path, io_detail::make_npy(io_detail::npy_descr<V>(), {d.rows, d.cols}, fortran_order, data));
}

template DenseMatrix<float> read_npy<float>(const std::string&);
template DenseMatrix<double> read_npy<double>(const std::string&);
template DenseMatrix<float> read_npy_from_memory<float>(std::string_view, const std::string&);
template DenseMatrix<double> read_npy_from_memory<double>(std::string_view, const std::string&);
template void write_npy<float>(const std::string&, DenseView<const float>, bool);
template void write_npy<double>(const std::string&, DenseView<const double>, bool);

}  // namespace sparse_formats
