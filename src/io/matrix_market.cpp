// Matrix Market reader and writer: the text goes straight into COO triplets of the target index
// type and then into CSR/CSC (duplicates summed), with no dense step.
#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <limits>
#include <string>
#include <type_traits>
#include <vector>

#include "instantiate.hpp"
#include "io/file_bytes.hpp"
#include "io/text_numbers.hpp"
#include "sparse_formats/errors.hpp"
#include "sparse_formats/io.hpp"

namespace sparse_formats {

using io_detail::fail_at_line;

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

template <typename I>
const char* index_name() {
  return sizeof(I) == 4 ? "int32" : "int64";
}

// Everything before the data lines: banner, comments, size line.
struct ParsedHeader {
  MatrixMarketHeader header;
  bool pattern = false, integer = false;
};

ParsedHeader parse_header(io_detail::LineReader& lines, const std::string& name) {
  ParsedHeader p;
  MatrixMarketHeader& h = p.header;
  std::string_view line;
  if (!lines.next(line)) fail_at_line(name, 1, "empty file: expected a \"%%MatrixMarket\" banner");
  std::size_t pos = 0;
  std::string_view tok;
  if (!io_detail::next_token(line, pos, tok) || lower(tok) != "%%matrixmarket")
    fail_at_line(name, lines.line(), "not a Matrix Market file: the first line must start with \"%%MatrixMarket\"");
  std::string words[4];
  for (auto& w : words) {
    if (!io_detail::next_token(line, pos, tok))
      fail_at_line(name, lines.line(), "banner needs four words: matrix, format, field, symmetry");
    w = lower(tok);
  }
  if (io_detail::next_token(line, pos, tok))
    fail_at_line(name, lines.line(), "unexpected word \"" + std::string(tok) + "\" after the banner's symmetry");
  if (words[0] != "matrix")
    fail_at_line(name, lines.line(), "object \"" + words[0] + "\" is not supported: only \"matrix\"");
  if (words[1] != "coordinate" && words[1] != "array")
    fail_at_line(name, lines.line(), "format \"" + words[1] + "\" is neither \"coordinate\" nor \"array\"");
  h.format = words[1];
  if (words[2] == "double") words[2] = "real";
  if (words[2] == "complex")
    throw unsupported(name + ":" + std::to_string(lines.line()) +
                      ": complex Matrix Market files are not supported: the formats hold real values");
  if (words[2] != "real" && words[2] != "integer" && words[2] != "pattern")
    fail_at_line(name, lines.line(), "field \"" + words[2] + "\" is not one of real, integer, pattern, complex");
  h.field = words[2];
  if (words[3] == "hermitian")
    throw unsupported(name + ":" + std::to_string(lines.line()) +
                      ": Hermitian Matrix Market files are not supported: the formats hold real values");
  if (words[3] != "general" && words[3] != "symmetric" && words[3] != "skew-symmetric")
    fail_at_line(name, lines.line(),
                 "symmetry \"" + words[3] + "\" is not one of general, symmetric, skew-symmetric, hermitian");
  h.symmetry = words[3];
  p.pattern = h.field == "pattern";
  p.integer = h.field == "integer";
  if (p.pattern && h.format == "array") fail_at_line(name, lines.line(), "an array file cannot have the pattern field");
  if (p.pattern && h.symmetry == "skew-symmetric")
    fail_at_line(name, lines.line(), "a pattern file cannot be skew-symmetric");

  // Comments and blank lines, then the size line.
  for (;;) {
    if (!lines.next(line)) fail_at_line(name, lines.line() + 1, "file ends before the size line");
    if (io_detail::is_blank(line) || line.front() == '%') continue;
    break;
  }
  const int want = h.format == "coordinate" ? 3 : 2;
  std::int64_t sizes[3] = {0, 0, 0};
  pos = 0;
  for (int k = 0; k < want; ++k) {
    if (!io_detail::next_token(line, pos, tok))
      fail_at_line(name, lines.line(),
                   want == 3 ? "size line needs rows, columns and entries" : "size line needs rows and columns");
    const auto status = io_detail::parse_int64(tok, sizes[k]);
    if (status == io_detail::NumberStatus::overflow)
      fail_at_line(name, lines.line(), "size \"" + std::string(tok) + "\" overflows int64");
    if (status != io_detail::NumberStatus::ok || sizes[k] < 0)
      fail_at_line(name, lines.line(), "size \"" + std::string(tok) + "\" is not a non-negative integer");
  }
  if (io_detail::next_token(line, pos, tok))
    fail_at_line(name, lines.line(), "unexpected \"" + std::string(tok) + "\" on the size line");
  h.shape = {sizes[0], sizes[1]};
  if (h.symmetry != "general" && h.shape.rows != h.shape.cols)
    fail_at_line(name, lines.line(),
                 "a " + h.symmetry + " matrix must be square, not " + to_string(h.shape));
  if (h.format == "coordinate") {
    h.entries = sizes[2];
  } else {
    const std::int64_t n = h.shape.rows;
    if (h.shape.cols != 0 && h.shape.rows > std::numeric_limits<std::int64_t>::max() / h.shape.cols)
      fail_at_line(name, lines.line(), "array size " + to_string(h.shape) + " overflows int64");
    if (h.symmetry == "general") h.entries = h.shape.rows * h.shape.cols;
    else if (h.symmetry == "symmetric") h.entries = n * (n + 1) / 2;
    else h.entries = n * (n - 1) / 2;  // n >= 0; 0 for n <= 1
  }
  return p;
}

template <typename V>
V parse_value(std::string_view tok, bool integer, bool allow_non_finite, const std::string& name, std::int64_t line) {
  if (integer) {
    std::int64_t v = 0;
    const auto s = io_detail::parse_int64(tok, v);
    if (s == io_detail::NumberStatus::overflow)
      fail_at_line(name, line, "integer value \"" + std::string(tok) + "\" overflows int64");
    if (s != io_detail::NumberStatus::ok)
      fail_at_line(name, line, "value \"" + std::string(tok) + "\" is not an integer");
    return static_cast<V>(v);
  }
  double d = 0;
  switch (io_detail::parse_finite_double(tok, d)) {
    case io_detail::NumberStatus::ok:
      break;
    case io_detail::NumberStatus::overflow:
      fail_at_line(name, line, "value \"" + std::string(tok) + "\" overflows float64");
    case io_detail::NumberStatus::not_finite:
      if (allow_non_finite) return static_cast<V>(d);
      fail_at_line(name, line,
                   "value \"" + std::string(tok) + "\" is not finite (NaN and infinity are rejected unless allowed)");
    default:
      fail_at_line(name, line, "value \"" + std::string(tok) + "\" is not a number");
  }
  if constexpr (std::is_same_v<V, float>) {
    if (!std::isfinite(static_cast<float>(d)))
      fail_at_line(name, line, "value \"" + std::string(tok) + "\" overflows float32");
  }
  return static_cast<V>(d);
}

template <typename V, typename I>
struct Triplets {
  MatrixMarketHeader header;
  std::vector<I> rows, cols;
  std::vector<V> values;
};

template <typename V, typename I>
Triplets<V, I> parse_triplets(std::string_view text, const std::string& name, MatrixMarketReadOptions options) {
  io_detail::LineReader lines(text);
  const ParsedHeader p = parse_header(lines, name);
  const MatrixMarketHeader& h = p.header;
  const std::int64_t size_line = lines.line();
  const bool mirror = h.symmetry != "general";
  const bool negate = h.symmetry == "skew-symmetric";
  const auto max_index = static_cast<std::int64_t>(std::numeric_limits<I>::max());
  if (h.shape.rows > max_index || h.shape.cols > max_index)
    fail_at_line(name, size_line,
                 "shape " + to_string(h.shape) + " does not fit " + index_name<I>() + " indices; use int64 indices");
  if (!io_detail::dimension_is_plausible(std::max(h.shape.rows, h.shape.cols), text.size()))
    fail_at_line(name, size_line,
                 "shape " + to_string(h.shape) + " is implausibly large for a " + std::to_string(text.size()) +
                     "-byte file (its pointer array alone would dwarf the file)");
  // Shortest data line: "1 1\n" (pattern), "1 1 1\n" (coordinate), "1\n" (array); the last may lack "\n".
  const std::int64_t min_line = h.format == "array" ? 2 : (p.pattern ? 4 : 6);
  const auto remaining = static_cast<std::int64_t>(lines.remaining());
  if (h.entries > (remaining + 1) / min_line)
    fail_at_line(name, size_line,
                 "declares " + std::to_string(h.entries) + " entries but only " + std::to_string(remaining) +
                     " bytes follow (file truncated?)");
  const std::int64_t stored = mirror ? 2 * h.entries : h.entries;
  if (stored > max_index)
    fail_at_line(name, size_line,
                 std::to_string(stored) + " stored entries do not fit " + index_name<I>() + " indices; use int64 indices");

  Triplets<V, I> t;
  t.header = h;
  t.rows.reserve(static_cast<std::size_t>(stored));
  t.cols.reserve(static_cast<std::size_t>(stored));
  t.values.reserve(static_cast<std::size_t>(stored));
  auto add = [&](std::int64_t i, std::int64_t j, V v) {
    t.rows.push_back(static_cast<I>(i));
    t.cols.push_back(static_cast<I>(j));
    t.values.push_back(v);
    if (mirror && i != j) {
      t.rows.push_back(static_cast<I>(j));
      t.cols.push_back(static_cast<I>(i));
      t.values.push_back(negate ? -v : v);
    }
  };

  std::int64_t read = 0;
  std::int64_t col = 0, row = 0;  // array layout position (column-major)
  if (h.format == "array") row = h.symmetry == "general" ? 0 : (h.symmetry == "symmetric" ? 0 : 1);
  std::string_view line, tok;
  while (lines.next(line)) {
    if (io_detail::is_blank(line) || line.front() == '%') continue;
    if (read == h.entries)
      fail_at_line(name, lines.line(), "more entries than the " + std::to_string(h.entries) + " declared");
    std::size_t pos = 0;
    if (h.format == "coordinate") {
      std::int64_t ij[2];
      for (int k = 0; k < 2; ++k) {
        if (!io_detail::next_token(line, pos, tok))
          fail_at_line(name, lines.line(), "entry needs a row and a column index");
        const auto s = io_detail::parse_int64(tok, ij[k]);
        if (s == io_detail::NumberStatus::overflow)
          fail_at_line(name, lines.line(), std::string(k == 0 ? "row" : "column") + " index \"" + std::string(tok) +
                                               "\" overflows int64");
        if (s != io_detail::NumberStatus::ok)
          fail_at_line(name, lines.line(), std::string(k == 0 ? "row" : "column") + " index \"" + std::string(tok) +
                                               "\" is not an integer");
        const std::int64_t n = k == 0 ? h.shape.rows : h.shape.cols;
        if (ij[k] < 1 || ij[k] > n)
          fail_at_line(name, lines.line(), std::string(k == 0 ? "row" : "column") + " index " +
                                               std::to_string(ij[k]) + " is outside 1.." + std::to_string(n));
      }
      V v = V(1);
      if (!p.pattern) {
        if (!io_detail::next_token(line, pos, tok)) fail_at_line(name, lines.line(), "entry has no value");
        v = parse_value<V>(tok, p.integer, options.allow_non_finite, name, lines.line());
      }
      if (io_detail::next_token(line, pos, tok))
        fail_at_line(name, lines.line(), "unexpected \"" + std::string(tok) + "\" after the entry");
      add(ij[0] - 1, ij[1] - 1, v);
    } else {
      if (!io_detail::next_token(line, pos, tok)) fail_at_line(name, lines.line(), "entry has no value");
      const V v = parse_value<V>(tok, p.integer, options.allow_non_finite, name, lines.line());
      if (io_detail::next_token(line, pos, tok))
        fail_at_line(name, lines.line(), "unexpected \"" + std::string(tok) + "\" after the value");
      if (v != V(0)) add(row, col, v);
      if (++row == h.shape.rows) {
        ++col;
        row = h.symmetry == "general" ? 0 : (h.symmetry == "symmetric" ? col : col + 1);
      }
    }
    ++read;
  }
  if (read != h.entries)
    fail_at_line(name, lines.line(),
                 "file ends after " + std::to_string(read) + " of the " + std::to_string(h.entries) +
                     " declared entries (file truncated?)");
  return t;
}

template <typename V>
void append_value(std::string& out, V v, MatrixMarketField field) {
  char buf[64];
  std::to_chars_result r;
  if (field == MatrixMarketField::integer) r = std::to_chars(buf, buf + sizeof buf, static_cast<std::int64_t>(v));
  else r = std::to_chars(buf, buf + sizeof buf, static_cast<double>(v));  // shortest round-trip text
  out.append(buf, r.ptr);
}

void append_int(std::string& out, std::int64_t v) {
  char buf[24];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

const char* field_name(MatrixMarketField f) {
  switch (f) {
    case MatrixMarketField::integer:
      return "integer";
    case MatrixMarketField::pattern:
      return "pattern";
    default:
      return "real";
  }
}

// Entries of a compressed storage as text; `by_row` says whether major slices are rows.
template <typename V, typename I>
std::string coordinate_text(const CompressedStorage<V, I>& s, bool by_row, Shape shape, MatrixMarketField field,
                            const std::string& path) {
  std::string out = "%%MatrixMarket matrix coordinate ";
  out += field_name(field);
  out += " general\n%written by sparse_formats\n";
  append_int(out, shape.rows);
  out += ' ';
  append_int(out, shape.cols);
  out += ' ';
  append_int(out, s.nnz());
  out += '\n';
  for (std::int64_t k = 0; k < s.major; ++k) {
    for (I p = s.indptr[k]; p < s.indptr[k + 1]; ++p) {
      const V v = s.data[p];
      if (field == MatrixMarketField::integer &&
          (!std::isfinite(v) || v != std::trunc(v) || std::fabs(static_cast<double>(v)) >= 9.2e18))
        throw invalid_argument(path + ": value " + std::to_string(v) + " is not an integer; write the real field");
      const std::int64_t i = by_row ? k : s.indices[p];
      const std::int64_t j = by_row ? s.indices[p] : k;
      append_int(out, i + 1);
      out += ' ';
      append_int(out, j + 1);
      if (field != MatrixMarketField::pattern) {
        out += ' ';
        append_value(out, v, field);
      }
      out += '\n';
    }
  }
  return out;
}

}  // namespace

MatrixMarketHeader read_matrix_market_header(const std::string& path) {
  const std::string text = io_detail::read_file(path);
  io_detail::LineReader lines(text);
  return parse_header(lines, path).header;
}

template <typename V, typename I>
CSRMatrix<V, I> read_matrix_market_from_memory(std::string_view text, const std::string& name,
                                               MatrixMarketReadOptions options) {
  auto t = parse_triplets<V, I>(text, name, options);
  return CSRMatrix<V, I>::from_coo(t.rows, t.cols, t.values, t.header.shape);
}

template <typename V, typename I>
CSRMatrix<V, I> read_matrix_market(const std::string& path, MatrixMarketReadOptions options) {
  return read_matrix_market_from_memory<V, I>(io_detail::read_file(path), path, options);
}

template <typename V, typename I>
CSCMatrix<V, I> read_matrix_market_csc(const std::string& path, MatrixMarketReadOptions options) {
  auto t = parse_triplets<V, I>(io_detail::read_file(path), path, options);
  return CSCMatrix<V, I>::from_coo(t.rows, t.cols, t.values, t.header.shape);
}

template <typename V, typename I>
void write_matrix_market(const std::string& path, const CSRMatrix<V, I>& m, MatrixMarketField field) {
  io_detail::write_file(path, coordinate_text(m.storage(), true, m.shape(), field, path));
}

template <typename V, typename I>
void write_matrix_market(const std::string& path, const CSCMatrix<V, I>& m, MatrixMarketField field) {
  io_detail::write_file(path, coordinate_text(m.storage(), false, m.shape(), field, path));
}

template <typename V>
void write_matrix_market_dense(const std::string& path, DenseView<const V> d) {
  std::string out = "%%MatrixMarket matrix array real general\n%written by sparse_formats\n";
  append_int(out, d.rows);
  out += ' ';
  append_int(out, d.cols);
  out += '\n';
  for (std::int64_t j = 0; j < d.cols && d.rows > 0; ++j)  // an empty view may declare huge columns
    for (std::int64_t i = 0; i < d.rows; ++i) {
      const V v = d(i, j);
      append_value(out, v, MatrixMarketField::real);
      out += '\n';
    }
  io_detail::write_file(path, out);
}

#define SPARSE_FORMATS_INSTANTIATE_MM(V, I)                                                                   \
  template CSRMatrix<V, I> read_matrix_market<V, I>(const std::string&, MatrixMarketReadOptions);            \
  template CSCMatrix<V, I> read_matrix_market_csc<V, I>(const std::string&, MatrixMarketReadOptions);        \
  template CSRMatrix<V, I> read_matrix_market_from_memory<V, I>(std::string_view, const std::string&,        \
                                                                MatrixMarketReadOptions);                     \
  template void write_matrix_market<V, I>(const std::string&, const CSRMatrix<V, I>&, MatrixMarketField);     \
  template void write_matrix_market<V, I>(const std::string&, const CSCMatrix<V, I>&, MatrixMarketField);
SPARSE_FORMATS_FOR_EACH_TYPE(SPARSE_FORMATS_INSTANTIATE_MM)
template void write_matrix_market_dense<float>(const std::string&, DenseView<const float>);
template void write_matrix_market_dense<double>(const std::string&, DenseView<const double>);

}  // namespace sparse_formats
