// Whole-file reads and writes, and the two message prefixes every io error starts with.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace sparse_formats::io_detail {

// "FILE:LINE: message" for text formats.
[[noreturn]] void fail_at_line(const std::string& name, std::int64_t line, const std::string& message);
// "FILE: byte N: message" for binary formats.
[[noreturn]] void fail_at_byte(const std::string& name, std::int64_t offset, const std::string& message);

// The file's bytes; a name ending in ".gz" is decompressed with zlib (at most max_bytes after
// decompression, so a small hostile archive cannot exhaust memory).
std::string read_file(const std::string& path, std::int64_t max_bytes = std::int64_t{1} << 34);
// Writes `bytes` to `path` (".gz" compresses), replacing it; errors name the path.
void write_file(const std::string& path, std::string_view bytes);

bool ends_with(std::string_view s, std::string_view suffix);

// A compressed matrix needs (dimension + 1) pointers whatever its non-zero count, so a tiny file
// could declare a shape that costs gigabytes. Readers refuse a dimension above
// kMaxDimensionBase + kMaxDimensionPerByte * (file size): real matrices that large come in files
// with at least a few bytes per row.
inline constexpr std::int64_t kMaxDimensionBase = std::int64_t{1} << 24;
inline constexpr std::int64_t kMaxDimensionPerByte = 64;
bool dimension_is_plausible(std::int64_t dimension, std::size_t file_size);

}  // namespace sparse_formats::io_detail
