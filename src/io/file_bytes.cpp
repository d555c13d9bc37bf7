#include "io/file_bytes.hpp"

#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

#include "sparse_formats/errors.hpp"

namespace sparse_formats::io_detail {

void fail_at_line(const std::string& name, std::int64_t line, const std::string& message) {
  throw parse_error(name + ":" + std::to_string(line) + ": " + message);
}

void fail_at_byte(const std::string& name, std::int64_t offset, const std::string& message) {
  throw parse_error(name + ": byte " + std::to_string(offset) + ": " + message);
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

bool dimension_is_plausible(std::int64_t dimension, std::size_t file_size) {
  const auto bytes = static_cast<std::int64_t>(std::min<std::size_t>(file_size, std::size_t{1} << 40));
  return dimension <= kMaxDimensionBase + kMaxDimensionPerByte * bytes;
}

namespace {

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};
struct GzCloser {
  void operator()(gzFile_s* f) const { gzclose(f); }
};

std::string read_gzip(const std::string& path, std::int64_t max_bytes) {
  std::unique_ptr<gzFile_s, GzCloser> f(gzopen(path.c_str(), "rb"));
  if (!f) fail_at_byte(path, 0, std::string("cannot open: ") + std::strerror(errno));
  std::string out;
  char chunk[1 << 16];
  for (;;) {
    const int n = gzread(f.get(), chunk, sizeof chunk);
    if (n < 0) {
      int code = 0;
      const char* msg = gzerror(f.get(), &code);
      fail_at_byte(path, static_cast<std::int64_t>(out.size()), std::string("gzip data is corrupt: ") + msg);
    }
    if (n == 0) break;
    if (static_cast<std::int64_t>(out.size()) + n > max_bytes)
      fail_at_byte(path, static_cast<std::int64_t>(out.size()),
                   "decompressed size exceeds " + std::to_string(max_bytes) + " bytes");
    out.append(chunk, static_cast<std::size_t>(n));
  }
  int code = 0;
  gzerror(f.get(), &code);
  if (code != Z_OK && code != Z_BUF_ERROR)
    fail_at_byte(path, static_cast<std::int64_t>(out.size()), "gzip stream is truncated or corrupt");
  return out;
}

}  // namespace

std::string read_file(const std::string& path, std::int64_t max_bytes) {
  if (ends_with(path, ".gz")) return read_gzip(path, max_bytes);
  std::unique_ptr<std::FILE, FileCloser> f(std::fopen(path.c_str(), "rb"));
  if (!f) fail_at_byte(path, 0, std::string("cannot open: ") + std::strerror(errno));
  std::string out;
  char chunk[1 << 16];
  std::size_t n = 0;
  while ((n = std::fread(chunk, 1, sizeof chunk, f.get())) > 0) {
    if (static_cast<std::int64_t>(out.size() + n) > max_bytes)
      fail_at_byte(path, static_cast<std::int64_t>(out.size()), "file exceeds " + std::to_string(max_bytes) + " bytes");
    out.append(chunk, n);
  }
  if (std::ferror(f.get())) fail_at_byte(path, static_cast<std::int64_t>(out.size()), "read error");
  return out;
}

void write_file(const std::string& path, std::string_view bytes) {
  if (ends_with(path, ".gz")) {
    std::unique_ptr<gzFile_s, GzCloser> f(gzopen(path.c_str(), "wb"));
    if (!f) throw error(path + ": cannot open for writing: " + std::strerror(errno));
    std::size_t done = 0;
    while (done < bytes.size()) {
      const auto n = static_cast<unsigned>(std::min<std::size_t>(bytes.size() - done, 1u << 30));
      if (gzwrite(f.get(), bytes.data() + done, n) != static_cast<int>(n)) throw error(path + ": write failed");
      done += n;
    }
    if (gzclose(f.release()) != Z_OK) throw error(path + ": write failed");
    return;
  }
  std::unique_ptr<std::FILE, FileCloser> f(std::fopen(path.c_str(), "wb"));
  if (!f) throw error(path + ": cannot open for writing: " + std::strerror(errno));
  if (std::fwrite(bytes.data(), 1, bytes.size(), f.get()) != bytes.size()) throw error(path + ": write failed");
  if (std::fclose(f.release()) != 0) throw error(path + ": write failed");
}

}  // namespace sparse_formats::io_detail
