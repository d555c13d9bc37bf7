// The zip container of .npz files: a reader for stored and deflated members (zip64 sizes
// included, CRC checked) and a writer, both on zlib's raw deflate streams.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sparse_formats::io_detail {

struct ZipMember {
  std::string name;
  std::string data;          // uncompressed bytes
  std::int64_t offset = 0;   // of the member's local header in the archive (for messages)
};

std::vector<ZipMember> read_zip(std::string_view archive, const std::string& name);
std::string write_zip(const std::vector<ZipMember>& members, bool compress);

}  // namespace sparse_formats::io_detail
