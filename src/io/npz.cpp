// scipy.sparse.save_npz / load_npz files: a zip of .npy members named format, shape, data,
// indices, indptr (and _is_array for sparse arrays). The arrays are validated by the formats'
// own constructors, whose messages are prefixed with the file and member.
#include <algorithm>
#include <cstring>
#include <map>

#include "instantiate.hpp"
#include "io/file_bytes.hpp"
#include "io/npy.hpp"
#include "io/zip.hpp"
#include "sparse_formats/errors.hpp"
#include "sparse_formats/io.hpp"

namespace sparse_formats {

using io_detail::fail_at_byte;

namespace {

struct NpzMembers {
  std::vector<io_detail::ZipMember> members;
  std::map<std::string, io_detail::NpyArray> arrays;
  std::map<std::string, std::string> labels;  // "FILE: member.npy", for messages
  std::string label(const std::string& key, const std::string& name) const {
    auto it = labels.find(key);
    return it == labels.end() ? name : it->second;
  }
  const io_detail::NpyArray& get(const std::string& key, const std::string& name) const {
    auto it = arrays.find(key);
    if (it == arrays.end()) fail_at_byte(name, 0, "no '" + key + "' array: not a scipy sparse .npz file");
    return it->second;
  }
};

NpzMembers open_npz(std::string_view bytes, const std::string& name) {
  NpzMembers z;
  z.members = io_detail::read_zip(bytes, name);
  for (const auto& m : z.members) {
    if (!io_detail::ends_with(m.name, ".npy")) continue;
    const std::string key = m.name.substr(0, m.name.size() - 4);
    const std::string label = name + ": " + m.name;
    z.labels[key] = label;
    z.arrays.emplace(key, io_detail::parse_npy(m.data, label));
  }
  return z;
}

NpzInfo info_of(const NpzMembers& z, const std::string& name, std::size_t file_size) {
  NpzInfo info;
  const auto& fmt = z.get("format", name);
  info.format = io_detail::npy_string(fmt, z.label("format", name));
  if (info.format != "csr" && info.format != "csc" && info.format != "bsr")
    throw unsupported(name + ": byte 0: sparse format '" + info.format + "' is not supported (csr, csc, bsr)");
  const auto& shape = z.get("shape", name);
  const auto dims = io_detail::npy_values<std::int64_t>(shape, z.label("shape", name));
  if (dims.size() != 2 || dims[0] < 0 || dims[1] < 0)
    fail_at_byte(z.label("shape", name), shape.data_offset, "shape must hold two non-negative integers");
  info.shape = {dims[0], dims[1]};
  if (!io_detail::dimension_is_plausible(std::max(dims[0], dims[1]), file_size))
    fail_at_byte(z.label("shape", name), shape.data_offset,
                 "shape " + to_string(info.shape) + " is implausibly large for a " + std::to_string(file_size) +
                     "-byte file (its pointer array alone would dwarf the file)");
  const auto& data = z.get("data", name);
  if (data.kind != 'f' && data.kind != 'i' && data.kind != 'u' && data.kind != 'b')
    fail_at_byte(z.label("data", name), data.data_offset, "data dtype '" + data.header.descr + "' is not numeric");
  info.data_descr = data.header.descr;
  info.nnz = data.count;
  const auto& dshape = data.header.shape;
  if (info.format == "bsr") {
    if (dshape.size() != 3 || dshape[1] < 1 || dshape[2] < 1)
      fail_at_byte(z.label("data", name), data.data_offset, "bsr data must have shape (blocks, R, C) with R, C >= 1");
    info.block_rows = dshape[1];
    info.block_cols = dshape[2];
  } else if (dshape.size() != 1) {
    fail_at_byte(z.label("data", name), data.data_offset, info.format + " data must be 1-D");
  }
  if (auto it = z.arrays.find("_is_array"); it != z.arrays.end()) {
    const auto flag = io_detail::npy_values<std::int32_t>(it->second, z.label("_is_array", name));
    if (flag.size() != 1) fail_at_byte(z.label("_is_array", name), it->second.data_offset, "_is_array must be a scalar");
    info.is_array = flag[0] != 0;
  }
  return info;
}

template <typename I>
std::vector<I> index_array(const NpzMembers& z, const std::string& key, const std::string& name) {
  const auto& a = z.get(key, name);
  if (a.header.shape.size() != 1) fail_at_byte(z.label(key, name), a.data_offset, key + " must be 1-D");
  if (a.kind != 'i' && a.kind != 'u')
    fail_at_byte(z.label(key, name), a.data_offset, key + " dtype '" + a.header.descr + "' is not an integer type");
  return io_detail::npy_values<I>(a, z.label(key, name));
}

// Triplets of a bsr file (any block shape); explicit zeros inside blocks are not kept.
template <typename V, typename I>
CSRMatrix<V, I> bsr_to_csr(const NpzMembers& z, const NpzInfo& info, const std::string& name) {
  const std::string& label = z.label("indptr", name);
  const std::int64_t R = info.block_rows, C = info.block_cols;
  if (info.shape.rows % R != 0 || info.shape.cols % C != 0)
    fail_at_byte(z.label("data", name), 0, "bsr shape " + to_string(info.shape) + " is not a multiple of the block shape");
  const auto indptr = index_array<std::int64_t>(z, "indptr", name);
  const auto indices = index_array<std::int64_t>(z, "indices", name);
  const std::int64_t block_rows = info.shape.rows / R, block_cols = info.shape.cols / C;
  const std::int64_t nblocks = z.get("data", name).header.shape[0];
  if (static_cast<std::int64_t>(indptr.size()) != block_rows + 1)
    fail_at_byte(label, 0, "indptr has length " + std::to_string(indptr.size()) + ", expected " +
                               std::to_string(block_rows + 1));
  if (static_cast<std::int64_t>(indices.size()) != nblocks)
    fail_at_byte(z.label("indices", name), 0, "indices has length " + std::to_string(indices.size()) + ", expected " +
                                                std::to_string(nblocks) + " (one per block)");
  if (indptr.front() != 0 || indptr.back() != nblocks)
    fail_at_byte(label, 0, "indptr must start at 0 and end at the block count " + std::to_string(nblocks));
  for (std::size_t k = 1; k < indptr.size(); ++k)
    if (indptr[k] < indptr[k - 1]) fail_at_byte(label, 0, "indptr decreases at position " + std::to_string(k));
  for (std::size_t k = 0; k < indices.size(); ++k)
    if (indices[k] < 0 || indices[k] >= block_cols)
      fail_at_byte(z.label("indices", name), 0, "block column " + std::to_string(indices[k]) + " at position " +
                                                  std::to_string(k) + " is outside 0.." + std::to_string(block_cols - 1));
  const auto values = io_detail::npy_values<V>(z.get("data", name), z.label("data", name));
  std::vector<I> rows, cols;
  std::vector<V> vals;
  for (std::int64_t br = 0; br < block_rows; ++br)
    for (std::int64_t p = indptr[br]; p < indptr[br + 1]; ++p)
      for (std::int64_t r = 0; r < R; ++r)
        for (std::int64_t c = 0; c < C; ++c) {
          const V v = values[static_cast<std::size_t>((p * R + r) * C + c)];
          if (v == V(0)) continue;
          rows.push_back(static_cast<I>(br * R + r));
          cols.push_back(static_cast<I>(indices[p] * C + c));
          vals.push_back(v);
        }
  return CSRMatrix<V, I>::from_coo(rows, cols, vals, info.shape);
}

template <typename V, typename I>
CSRMatrix<V, I> parse_npz(std::string_view bytes, const std::string& name) {
  const NpzMembers z = open_npz(bytes, name);
  const NpzInfo info = info_of(z, name, bytes.size());
  try {
    if (info.format == "bsr") return bsr_to_csr<V, I>(z, info, name);
    auto indices = index_array<I>(z, "indices", name);
    auto indptr = index_array<I>(z, "indptr", name);
    auto values = io_detail::npy_values<V>(z.get("data", name), z.label("data", name));
    // scipy allows unsorted and duplicate indices; sort_and_sum gives what load_npz(...).tocsr() sums to.
    if (info.format == "csr")
      return CSRMatrix<V, I>(std::move(values), std::move(indices), std::move(indptr), info.shape,
                             IndexOrder::sort_and_sum);
    return CSRMatrix<V, I>::from_csc(CSCMatrix<V, I>(std::move(values), std::move(indices), std::move(indptr),
                                                     info.shape, IndexOrder::sort_and_sum));
  } catch (const parse_error&) {
    throw;
  } catch (const error& e) {
    fail_at_byte(name, 0, e.what());
  }
}

std::string raw_bytes(const void* p, std::size_t n) { return std::string(static_cast<const char*>(p), n); }

template <typename T>
io_detail::ZipMember npy_member(const std::string& key, std::span<const T> values, std::vector<std::int64_t> shape) {
  return {key + ".npy",
          io_detail::make_npy(io_detail::npy_descr<T>(), shape, false, raw_bytes(values.data(), values.size_bytes())),
          0};
}

void write_members(const std::string& path, const std::string& format, Shape shape, io_detail::ZipMember data,
                   io_detail::ZipMember indices, io_detail::ZipMember indptr, NpzWriteOptions options) {
  std::vector<io_detail::ZipMember> m;
  m.push_back(std::move(indices));
  m.push_back(std::move(indptr));
  m.push_back({"format.npy", io_detail::make_npy("|S3", {}, false, format), 0});
  const std::int64_t dims[2] = {shape.rows, shape.cols};
  m.push_back(npy_member<std::int64_t>("shape", std::span<const std::int64_t>(dims, 2), {2}));
  m.push_back(std::move(data));
  if (options.array_kind) m.push_back({"_is_array.npy", io_detail::make_npy("|b1", {}, false, std::string(1, '\1')), 0});
  io_detail::write_file(path, io_detail::write_zip(m, options.compressed));
}

template <typename V, typename I>
void write_compressed(const std::string& path, const char* format, const CompressedStorage<V, I>& s, Shape shape,
                      NpzWriteOptions options) {
  write_members(path, format, shape, npy_member<V>("data", s.data.span(), {s.nnz()}),
                npy_member<I>("indices", s.indices.span(), {s.nnz()}),
                npy_member<I>("indptr", s.indptr.span(), {static_cast<std::int64_t>(s.indptr.size())}), options);
}

}  // namespace

NpzInfo read_npz_info(const std::string& path) {
  const std::string bytes = io_detail::read_file(path);
  return info_of(open_npz(bytes, path), path, bytes.size());
}

template <typename V, typename I>
CSRMatrix<V, I> read_npz_from_memory(std::string_view bytes, const std::string& name) {
  return parse_npz<V, I>(bytes, name);
}

template <typename V, typename I>
CSRMatrix<V, I> read_npz(const std::string& path) {
  return parse_npz<V, I>(io_detail::read_file(path), path);
}

template <typename V, typename I>
CSCMatrix<V, I> read_npz_csc(const std::string& path) {
  return CSCMatrix<V, I>::from_csr(read_npz<V, I>(path));
}

template <typename V, typename I>
void write_npz(const std::string& path, const CSRMatrix<V, I>& m, NpzWriteOptions options) {
  write_compressed(path, "csr", m.storage(), m.shape(), options);
}

template <typename V, typename I>
void write_npz(const std::string& path, const CSCMatrix<V, I>& m, NpzWriteOptions options) {
  write_compressed(path, "csc", m.storage(), m.shape(), options);
}

template <typename V, typename I>
void write_npz(const std::string& path, const BlockSparseMatrix<V, I>& m, NpzWriteOptions options) {
  const std::int64_t b = m.block_size();
  if (m.nrows() % b != 0 || m.ncols() % b != 0)
    throw invalid_argument(path + ": scipy's bsr needs the shape " + to_string(m.shape()) +
                           " to be a multiple of the block size " + std::to_string(b) + "; write csr instead");
  write_members(path, "bsr", m.shape(), npy_member<V>("data", m.blocks(), {m.num_blocks(), b, b}),
                npy_member<I>("indices", m.block_indices(), {m.num_blocks()}),
                npy_member<I>("indptr", m.block_row_ptr(), {static_cast<std::int64_t>(m.block_row_ptr().size())}),
                options);
}

#define SPARSE_FORMATS_INSTANTIATE_NPZ(V, I)                                                           \
  template CSRMatrix<V, I> read_npz<V, I>(const std::string&);                                         \
  template CSCMatrix<V, I> read_npz_csc<V, I>(const std::string&);                                     \
  template CSRMatrix<V, I> read_npz_from_memory<V, I>(std::string_view, const std::string&);           \
  template void write_npz<V, I>(const std::string&, const CSRMatrix<V, I>&, NpzWriteOptions);          \
  template void write_npz<V, I>(const std::string&, const CSCMatrix<V, I>&, NpzWriteOptions);          \
  template void write_npz<V, I>(const std::string&, const BlockSparseMatrix<V, I>&, NpzWriteOptions);
SPARSE_FORMATS_FOR_EACH_TYPE(SPARSE_FORMATS_INSTANTIATE_NPZ)

}  // namespace sparse_formats
