#include "io/zip.hpp"

#include <zlib.h>

#include <algorithm>
#include <limits>

#include "io/file_bytes.hpp"
#include "sparse_formats/errors.hpp"

namespace sparse_formats::io_detail {
namespace {

std::uint64_t le(std::string_view s, std::size_t at, int bytes) {
  std::uint64_t v = 0;
  for (int k = bytes - 1; k >= 0; --k) v = (v << 8) | static_cast<unsigned char>(s[at + static_cast<std::size_t>(k)]);
  return v;
}

void put(std::string& out, std::uint64_t v, int bytes) {
  for (int k = 0; k < bytes; ++k) out += static_cast<char>((v >> (8 * k)) & 0xff);
}

constexpr std::uint32_t kLocalSig = 0x04034b50, kCentralSig = 0x02014b50, kEndSig = 0x06054b50;
constexpr std::uint32_t kZip64EndSig = 0x06064b50, kZip64LocatorSig = 0x07064b50;
// deflate cannot expand data by more than about 1032:1, so a larger declared size is a lie.
constexpr std::uint64_t kMaxDeflateRatio = 1032;

std::string inflate_member(std::string_view in, std::uint64_t out_size, const std::string& name, std::int64_t at) {
  if (out_size > in.size() * kMaxDeflateRatio + 1024)
    fail_at_byte(name, at, "declared size " + std::to_string(out_size) + " is impossible for " +
                               std::to_string(in.size()) + " deflated bytes");
  std::string out(out_size, '\0');
  z_stream z{};
  if (inflateInit2(&z, -MAX_WBITS) != Z_OK) fail_at_byte(name, at, "zlib inflateInit failed");
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  std::uint64_t in_left = in.size(), out_left = out_size;
  int rc = Z_OK;
  while (rc == Z_OK) {
    const auto in_chunk = static_cast<uInt>(std::min<std::uint64_t>(in_left, 1u << 30));
    const auto out_chunk = static_cast<uInt>(std::min<std::uint64_t>(out_left, 1u << 30));
    z.avail_in = in_chunk;
    z.avail_out = out_chunk;
    rc = inflate(&z, Z_NO_FLUSH);
    in_left -= in_chunk - z.avail_in;
    out_left -= out_chunk - z.avail_out;
    if (rc == Z_OK && z.avail_in == in_chunk && z.avail_out == out_chunk) break;  // no progress
    if (rc == Z_BUF_ERROR) break;
  }
  inflateEnd(&z);
  if (rc != Z_STREAM_END || out_left != 0)
    fail_at_byte(name, at, out_left != 0 && rc == Z_STREAM_END
                               ? "deflated data is shorter than its declared size"
                               : "deflated data is corrupt or longer than its declared size");
  return out;
}

std::uint32_t crc_of(std::string_view s) {
  uLong c = crc32(0L, Z_NULL, 0);
  std::size_t done = 0;
  while (done < s.size()) {
    const auto n = static_cast<uInt>(std::min<std::size_t>(s.size() - done, 1u << 30));
    c = crc32(c, reinterpret_cast<const Bytef*>(s.data() + done), n);
    done += n;
  }
  return static_cast<std::uint32_t>(c);
}

}  // namespace

std::vector<ZipMember> read_zip(std::string_view a, const std::string& name) {
  const std::size_t size = a.size();
  if (size < 22) fail_at_byte(name, 0, "not a zip archive (too short)");
  // End-of-central-directory record: the last signature within the final 64 KiB + 22 bytes.
  std::size_t end = std::string_view::npos;
  const std::size_t lowest = size > 65557 ? size - 65557 : 0;
  for (std::size_t p = size - 22 + 1; p-- > lowest;)
    if (le(a, p, 4) == kEndSig) {
      end = p;
      break;
    }
  if (end == std::string_view::npos) fail_at_byte(name, 0, "not a zip archive (no end-of-central-directory record)");
  std::uint64_t count = le(a, end + 10, 2);
  std::uint64_t cd_size = le(a, end + 12, 4);
  std::uint64_t cd_offset = le(a, end + 16, 4);
  if (count == 0xffff || cd_size == 0xffffffff || cd_offset == 0xffffffff) {
    if (end < 20 || le(a, end - 20, 4) != kZip64LocatorSig)
      fail_at_byte(name, static_cast<std::int64_t>(end), "zip64 sizes without a zip64 locator");
    const std::uint64_t z64 = le(a, end - 20 + 8, 8);
    if (size < 56 || z64 > size - 56 || le(a, z64, 4) != kZip64EndSig)
      fail_at_byte(name, static_cast<std::int64_t>(end - 20), "bad zip64 end-of-central-directory offset");
    count = le(a, z64 + 32, 8);
    cd_size = le(a, z64 + 40, 8);
    cd_offset = le(a, z64 + 48, 8);
  }
  if (cd_offset > size || cd_size > size - cd_offset)
    fail_at_byte(name, static_cast<std::int64_t>(end), "central directory lies outside the file");
  if (count > cd_size / 46)
    fail_at_byte(name, static_cast<std::int64_t>(end),
                 std::to_string(count) + " members cannot fit a " + std::to_string(cd_size) + "-byte central directory");

  std::vector<ZipMember> members;
  members.reserve(static_cast<std::size_t>(count));
  std::size_t p = static_cast<std::size_t>(cd_offset);
  const std::size_t cd_end = static_cast<std::size_t>(cd_offset + cd_size);
  for (std::uint64_t k = 0; k < count; ++k) {
    const auto at = static_cast<std::int64_t>(p);
    if (cd_end - p < 46 || le(a, p, 4) != kCentralSig) fail_at_byte(name, at, "bad central directory entry");
    const auto flags = le(a, p + 8, 2);
    const auto method = le(a, p + 10, 2);
    const auto crc = static_cast<std::uint32_t>(le(a, p + 16, 4));
    std::uint64_t csize = le(a, p + 20, 4), usize = le(a, p + 24, 4);
    const std::size_t name_len = le(a, p + 28, 2), extra_len = le(a, p + 30, 2), comment_len = le(a, p + 32, 2);
    std::uint64_t local = le(a, p + 42, 4);
    if (cd_end - p - 46 < name_len + extra_len + comment_len) fail_at_byte(name, at, "central directory entry truncated");
    ZipMember m;
    m.name = std::string(a.substr(p + 46, name_len));
    // zip64 extra field: the 64-bit values of the fields that hold 0xffffffff, in this order.
    std::size_t e = p + 46 + name_len;
    const std::size_t e_end = e + extra_len;
    while (e_end - e >= 4) {
      const auto id = le(a, e, 2);
      const std::size_t len = le(a, e + 2, 2);
      if (e_end - e - 4 < len) fail_at_byte(name, static_cast<std::int64_t>(e), "extra field truncated");
      if (id == 0x0001) {
        std::size_t q = e + 4;
        auto take = [&](std::uint64_t& field) {
          if (field != 0xffffffff) return;
          if (q + 8 > e + 4 + len) fail_at_byte(name, static_cast<std::int64_t>(q), "zip64 extra field truncated");
          field = le(a, q, 8);
          q += 8;
        };
        take(usize);
        take(csize);
        take(local);
      }
      e += 4 + len;
    }
    if (flags & 1) throw unsupported(name + ": byte " + std::to_string(at) + ": encrypted zip member '" + m.name + "'");
    if (method != 0 && method != 8)
      throw unsupported(name + ": byte " + std::to_string(at) + ": zip member '" + m.name + "' uses compression method " +
                        std::to_string(method) + " (only stored and deflate are supported)");
    if (size < 30 || local > size - 30 || le(a, local, 4) != kLocalSig)
      fail_at_byte(name, at, "member '" + m.name + "' has a bad local header offset");
    const std::uint64_t data = local + 30 + le(a, local + 26, 2) + le(a, local + 28, 2);
    if (data > size || csize > size - data)
      fail_at_byte(name, static_cast<std::int64_t>(local), "member '" + m.name + "' extends past the end of the file");
    const std::string_view raw = a.substr(static_cast<std::size_t>(data), static_cast<std::size_t>(csize));
    m.offset = static_cast<std::int64_t>(local);
    if (method == 0) {
      if (csize != usize) fail_at_byte(name, m.offset, "stored member '" + m.name + "' has differing sizes");
      m.data = std::string(raw);
    } else {
      m.data = inflate_member(raw, usize, name, m.offset);
    }
    if (crc_of(m.data) != crc) fail_at_byte(name, m.offset, "member '" + m.name + "' fails its CRC-32 check");
    members.push_back(std::move(m));
    p += 46 + name_len + extra_len + comment_len;
  }
  return members;
}

std::string write_zip(const std::vector<ZipMember>& members, bool compress) {
  std::string out, central;
  constexpr std::uint64_t kLimit = 0xfffffffe;
  if (members.size() >= 0xffff) throw invalid_argument("too many zip members");
  for (const ZipMember& m : members) {
    std::string body = m.data;
    std::uint16_t method = 0;
    if (compress) {
      z_stream z{};
      if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        throw error("zlib deflateInit failed");
      if (m.data.size() > kLimit) {
        deflateEnd(&z);
        throw invalid_argument("zip member '" + m.name + "' exceeds 4 GiB");
      }
      body.assign(deflateBound(&z, static_cast<uLong>(m.data.size())), '\0');
      z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(m.data.data()));
      z.avail_in = static_cast<uInt>(m.data.size());
      z.next_out = reinterpret_cast<Bytef*>(body.data());
      z.avail_out = static_cast<uInt>(body.size());
      const int rc = deflate(&z, Z_FINISH);
      body.resize(z.total_out);
      deflateEnd(&z);
      if (rc != Z_STREAM_END) throw error("zlib deflate failed");
      method = 8;
    }
    if (body.size() > kLimit || m.data.size() > kLimit || out.size() > kLimit)
      throw invalid_argument("zip member '" + m.name + "' exceeds 4 GiB");
    const std::uint32_t crc = crc_of(m.data);
    const std::uint64_t local = out.size();
    auto common = [&](std::string& s) {
      put(s, 20, 2);       // version needed
      put(s, 0, 2);        // flags
      put(s, method, 2);
      put(s, 0, 2);        // time 00:00
      put(s, 0x21, 2);     // date 1980-01-01
      put(s, crc, 4);
      put(s, body.size(), 4);
      put(s, m.data.size(), 4);
      put(s, m.name.size(), 2);
      put(s, 0, 2);        // extra length
    };
    put(out, kLocalSig, 4);
    common(out);
    out += m.name;
    out += body;
    put(central, kCentralSig, 4);
    put(central, 20, 2);  // version made by
    common(central);
    put(central, 0, 2);   // comment length
    put(central, 0, 2);   // disk
    put(central, 0, 2);   // internal attributes
    put(central, 0, 4);   // external attributes
    put(central, local, 4);
    central += m.name;
  }
  if (out.size() > kLimit) throw invalid_argument("zip archive exceeds 4 GiB");
  const std::uint64_t cd_offset = out.size();
  out += central;
  put(out, kEndSig, 4);
  put(out, 0, 2);
  put(out, 0, 2);
  put(out, members.size(), 2);
  put(out, members.size(), 2);
  put(out, central.size(), 4);
  put(out, cd_offset, 4);
  put(out, 0, 2);
  return out;
}

}  // namespace sparse_formats::io_detail
