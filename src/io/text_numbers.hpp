// Line and number scanning for text formats: exact, locale-free (std::from_chars), and every
// failure is reported by the caller with the line it came from.
#pragma once

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

namespace sparse_formats::io_detail {

// Splits text into lines ("\n" or "\r\n"), counting from 1.
class LineReader {
 public:
  explicit LineReader(std::string_view text) : text_(text) {}
  bool next(std::string_view& line) {
    if (pos_ >= text_.size()) return false;
    std::size_t end = text_.find('\n', pos_);
    if (end == std::string_view::npos) end = text_.size();
    line = text_.substr(pos_, end - pos_);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    pos_ = end + 1;
    ++line_;
    return true;
  }
  std::int64_t line() const { return line_; }
  std::size_t remaining() const { return pos_ >= text_.size() ? 0 : text_.size() - pos_; }

 private:
  std::string_view text_;
  std::size_t pos_ = 0;
  std::int64_t line_ = 0;
};

// Next whitespace-separated token of `line` from `pos`; false at the end.
inline bool next_token(std::string_view line, std::size_t& pos, std::string_view& token) {
  while (pos < line.size() && (line[pos] == ' ' || line[pos] == '\t')) ++pos;
  if (pos >= line.size()) return false;
  const std::size_t start = pos;
  while (pos < line.size() && line[pos] != ' ' && line[pos] != '\t') ++pos;
  token = line.substr(start, pos - start);
  return true;
}

inline bool is_blank(std::string_view line) {
  for (char c : line)
    if (c != ' ' && c != '\t') return false;
  return true;
}

enum class NumberStatus { ok, not_a_number, overflow, not_finite };

inline NumberStatus parse_int64(std::string_view token, std::int64_t& out) {
  if (!token.empty() && token.front() == '+') token.remove_prefix(1);
  if (token.empty() || token.front() == '+') return NumberStatus::not_a_number;
  const auto r = std::from_chars(token.data(), token.data() + token.size(), out);
  if (r.ec == std::errc::result_out_of_range) return NumberStatus::overflow;
  if (r.ec != std::errc() || r.ptr != token.data() + token.size()) return NumberStatus::not_a_number;
  return NumberStatus::ok;
}

// A finite double; values too small to represent become the nearest subnormal or zero.
inline NumberStatus parse_finite_double(std::string_view token, double& out) {
  if (!token.empty() && token.front() == '+') token.remove_prefix(1);
  if (token.empty() || token.front() == '+') return NumberStatus::not_a_number;
  const auto r = std::from_chars(token.data(), token.data() + token.size(), out, std::chars_format::general);
  if (r.ec == std::errc::result_out_of_range && r.ptr == token.data() + token.size()) {
    // from_chars reports both overflow and underflow; strtod tells them apart.
    if (token.size() > 512) return NumberStatus::overflow;
    char buf[520];
    std::memcpy(buf, token.data(), token.size());
    buf[token.size()] = '\0';
    out = std::strtod(buf, nullptr);
    return std::isfinite(out) ? NumberStatus::ok : NumberStatus::overflow;
  }
  if (r.ec != std::errc() || r.ptr != token.data() + token.size()) return NumberStatus::not_a_number;
  return std::isfinite(out) ? NumberStatus::ok : NumberStatus::not_finite;
}

}  // namespace sparse_formats::io_detail
