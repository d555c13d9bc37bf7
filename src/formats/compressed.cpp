#include "formats/compressed.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <string>
#include <vector>

#include "formats/index_checks.hpp"
#include "instantiate.hpp"
#include "kernels/cpu/conversions.hpp"
#include "sparse_formats/errors.hpp"

namespace sparse_formats::detail {

void check_threshold(double threshold, const char* what) {
  if (!(threshold >= 0.0) || std::isinf(threshold))
    throw invalid_argument(std::string(what) + ": threshold must be a finite number >= 0, got " +
                           std::to_string(threshold));
}

namespace {

std::string at(const char* array, std::int64_t i) { return std::string(array) + "[" + std::to_string(i) + "]"; }

template <typename I>
void check_dims(std::int64_t major, std::int64_t minor, const CompressedNames& n) {
  check_fits_index<I>(major, std::string(n.format) + " " + n.major + " count");
  check_fits_index<I>(minor, std::string(n.format) + " " + n.minor + " count");
}

}  // namespace

template <typename V, typename I>
CompressedStorage<V, I> make_compressed(Buffer<V> data, Buffer<I> indices, Buffer<I> indptr, std::int64_t major,
                                        std::int64_t minor, IndexOrder order, const CompressedNames& n) {
  const std::string fmt = n.format;
  if (major < 0 || minor < 0)
    throw invalid_argument(fmt + ": shape has a negative dimension (" + std::to_string(major) + " " + n.major +
                           "s, " + std::to_string(minor) + " " + n.minor + "s)");
  check_dims<I>(major, minor, n);
  if (static_cast<std::int64_t>(indptr.size()) != major + 1)
    throw invalid_structure(fmt + ": " + n.indptr + " has length " + std::to_string(indptr.size()) + ", expected " +
                            n.major + "s + 1 = " + std::to_string(major + 1));
  if (data.size() != indices.size())
    throw invalid_structure(fmt + ": values has length " + std::to_string(data.size()) + " but " + n.indices +
                            " has length " + std::to_string(indices.size()));
  const auto nnz = static_cast<std::int64_t>(data.size());
  check_fits_index<I>(nnz, fmt + " nnz");
  if (indptr[0] != 0)
    throw invalid_structure(fmt + ": " + at(n.indptr, 0) + " = " + std::to_string(indptr[0]) + ", expected 0");
  for (std::int64_t k = 0; k < major; ++k)
    if (indptr[k + 1] < indptr[k])
      throw invalid_structure(fmt + ": " + n.indptr + " is not non-decreasing: " + at(n.indptr, k) + " = " +
                              std::to_string(indptr[k]) + " > " + at(n.indptr, k + 1) + " = " +
                              std::to_string(indptr[k + 1]));
  if (static_cast<std::int64_t>(indptr[major]) != nnz)
    throw invalid_structure(fmt + ": " + at(n.indptr, major) + " = " + std::to_string(indptr[major]) +
                            " does not equal nnz = " + std::to_string(nnz) + " (the length of values)");
  bool canonical = true;
  for (std::int64_t k = 0; k < major; ++k) {
    for (I p = indptr[k]; p < indptr[k + 1]; ++p) {
      const I j = indices[p];
      if (j < 0 || j >= minor)
        throw index_out_of_range(fmt + ": " + at(n.indices, p) + " = " + std::to_string(j) + " is out of range for " +
                                 std::to_string(minor) + " " + n.minor + "s (" + n.major + " " + std::to_string(k) +
                                 ")");
      if (p > indptr[k] && j <= indices[p - 1]) {
        if (order == IndexOrder::require_sorted)
          throw invalid_structure(fmt + ": " + n.indices + " of " + n.major + " " + std::to_string(k) + " are " +
                                  (j == indices[p - 1] ? "duplicated" : "not sorted") + ": " + at(n.indices, p) +
                                  " = " + std::to_string(j) + " follows " + std::to_string(indices[p - 1]) +
                                  " (pass IndexOrder::sort_and_sum to sort and sum duplicates)");
        canonical = false;
      }
    }
  }
  if (!canonical) {
    std::vector<I> majors(static_cast<std::size_t>(nnz));
    for (std::int64_t k = 0; k < major; ++k)
      for (I p = indptr[k]; p < indptr[k + 1]; ++p) majors[p] = static_cast<I>(k);
    return compressed_from_coo<V, I>(majors, indices.span(), data.span(), major, minor, n);
  }
  return {std::move(data), std::move(indices), std::move(indptr), major, minor};
}

template <typename V, typename I>
CompressedStorage<V, I> compressed_from_dense(DenseView<const V> dense, double threshold, const CompressedNames& n) {
  check_threshold(threshold, (std::string(n.format) + ".from_dense").c_str());
  check_shape(dense.rows, dense.cols, n.format);
  check_dims<I>(dense.rows, dense.cols, n);
  const std::int64_t major = dense.rows, minor = dense.cols;
  // Pass 1: count per slice. Pass 2: fill. Both parallel over slices (kernels/cpu/conversions).
  std::vector<std::int64_t> counts(static_cast<std::size_t>(major) + 1, 0);
  kernels::cpu::count_kept(dense, threshold, counts.data() + 1);
  std::partial_sum(counts.begin(), counts.end(), counts.begin());
  const std::int64_t nnz = counts[major];
  check_fits_index<I>(nnz, std::string(n.format) + " nnz");
  std::vector<I> indptr(counts.begin(), counts.end());
  kernels::cpu::RawArray<I> indices(static_cast<std::size_t>(nnz));
  kernels::cpu::RawArray<V> data(static_cast<std::size_t>(nnz));
  kernels::cpu::fill_kept(dense, threshold, counts.data(), indices.data, data.data);
  return {data.release(), indices.release(), std::move(indptr), major, minor};
}

template <typename V, typename I>
void compressed_to_dense(const CompressedStorage<V, I>& s, DenseView<V> out) {
  for (std::int64_t i = 0; i < out.rows; ++i) {
    for (std::int64_t j = 0; j < out.cols; ++j) out(i, j) = V(0);
    for (I p = s.indptr[i]; p < s.indptr[i + 1]; ++p) out(i, s.indices[p]) = s.data[p];
  }
}

template <typename V, typename I>
CompressedStorage<V, I> compressed_transpose(const CompressedStorage<V, I>& s) {
  const std::int64_t nnz = s.nnz();
  std::vector<I> indptr(static_cast<std::size_t>(s.minor) + 1);
  kernels::cpu::RawArray<I> indices(static_cast<std::size_t>(nnz));
  kernels::cpu::RawArray<V> data(static_cast<std::size_t>(nnz));
  kernels::cpu::transpose_compressed(s.major, s.minor, s.indptr.data(), s.indices.data(), s.data.data(),
                                     indptr.data(), indices.data, data.data);
  return {data.release(), indices.release(), std::move(indptr), s.minor, s.major};
}

template <typename V, typename I>
CompressedStorage<V, I> compressed_from_coo(std::span<const I> majors, std::span<const I> minors,
                                            std::span<const V> values, std::int64_t major, std::int64_t minor,
                                            const CompressedNames& n) {
  const std::string fmt = std::string(n.format) + ".from_coo";
  check_shape(major, minor, fmt.c_str());
  check_dims<I>(major, minor, n);
  if (majors.size() != minors.size() || majors.size() != values.size())
    throw invalid_structure(fmt + ": COO arrays differ in length (" + n.major + " indices " +
                            std::to_string(majors.size()) + ", " + n.minor + " indices " +
                            std::to_string(minors.size()) + ", values " + std::to_string(values.size()) + ")");
  const auto count = static_cast<std::int64_t>(values.size());
  for (std::int64_t p = 0; p < count; ++p) {
    if (majors[p] < 0 || majors[p] >= major)
      throw index_out_of_range(fmt + ": " + n.major + " index " + std::to_string(majors[p]) + " at position " +
                               std::to_string(p) + " is out of range for " + std::to_string(major) + " " + n.major +
                               "s");
    if (minors[p] < 0 || minors[p] >= minor)
      throw index_out_of_range(fmt + ": " + n.minor + " index " + std::to_string(minors[p]) + " at position " +
                               std::to_string(p) + " is out of range for " + std::to_string(minor) + " " + n.minor +
                               "s");
  }
  // Stable counting sort by slice keeps input order, so duplicates are summed in input order.
  std::vector<std::int64_t> start(static_cast<std::size_t>(major) + 1, 0);
  for (std::int64_t p = 0; p < count; ++p) ++start[static_cast<std::size_t>(majors[p]) + 1];
  std::partial_sum(start.begin(), start.end(), start.begin());
  std::vector<std::int64_t> next(start.begin(), start.end() - 1);
  std::vector<std::int64_t> order(static_cast<std::size_t>(count));
  for (std::int64_t p = 0; p < count; ++p) order[next[majors[p]]++] = p;

  std::vector<I> indptr(static_cast<std::size_t>(major) + 1, 0);
  std::vector<I> indices;
  std::vector<V> data;
  indices.reserve(static_cast<std::size_t>(count));
  data.reserve(static_cast<std::size_t>(count));
  for (std::int64_t k = 0; k < major; ++k) {
    auto first = order.begin() + start[k], last = order.begin() + start[k + 1];
    std::stable_sort(first, last, [&](std::int64_t a, std::int64_t b) { return minors[a] < minors[b]; });
    for (auto it = first; it != last; ++it) {
      if (it != first && minors[*it] == indices.back()) {
        data.back() += values[*it];
      } else {
        indices.push_back(minors[*it]);
        data.push_back(values[*it]);
      }
    }
    indptr[k + 1] = static_cast<I>(indices.size());
  }
  return {std::move(data), std::move(indices), std::move(indptr), major, minor};
}

template <typename V, typename I>
MemoryFootprint compressed_footprint(const CompressedStorage<V, I>& s, const CompressedNames& n) {
  MemoryFootprint f;
  f["values"] = s.data.size() * sizeof(V);
  f[n.indices] = s.indices.size() * sizeof(I);
  f[n.indptr] = s.indptr.size() * sizeof(I);
  f["total"] = f["values"] + f[n.indices] + f[n.indptr];
  return f;
}

SparseMatrixStats make_stats(Shape shape, std::int64_t nnz, std::size_t value_size, std::size_t sparse_bytes) {
  SparseMatrixStats st;
  st.nnz = nnz;
  st.shape = shape;
  const double cells = static_cast<double>(shape.rows) * static_cast<double>(shape.cols);
  st.density = cells > 0 ? static_cast<double>(nnz) / cells : 0.0;
  st.sparsity = cells > 0 ? 1.0 - st.density : 0.0;
  // A dense twin of a huge empty shape can exceed size_t: saturate rather than wrap.
  std::size_t dense_bytes = 0;
  if (__builtin_mul_overflow(static_cast<std::size_t>(shape.rows), static_cast<std::size_t>(shape.cols), &dense_bytes) ||
      __builtin_mul_overflow(dense_bytes, value_size, &dense_bytes))
    dense_bytes = std::numeric_limits<std::size_t>::max();
  st.memory_dense = dense_bytes;
  st.memory_sparse = sparse_bytes;
  st.compression_ratio = sparse_bytes > 0 ? cells * static_cast<double>(value_size) / static_cast<double>(sparse_bytes) : 0.0;
  return st;
}

#define INSTANTIATE(V, I)                                                                                         \
  template CompressedStorage<V, I> make_compressed<V, I>(Buffer<V>, Buffer<I>, Buffer<I>, std::int64_t,           \
                                                         std::int64_t, IndexOrder, const CompressedNames&);       \
  template CompressedStorage<V, I> compressed_from_dense<V, I>(DenseView<const V>, double, const CompressedNames&); \
  template void compressed_to_dense<V, I>(const CompressedStorage<V, I>&, DenseView<V>);                          \
  template CompressedStorage<V, I> compressed_transpose<V, I>(const CompressedStorage<V, I>&);                    \
  template CompressedStorage<V, I> compressed_from_coo<V, I>(std::span<const I>, std::span<const I>,              \
                                                             std::span<const V>, std::int64_t, std::int64_t,      \
                                                             const CompressedNames&);                             \
  template MemoryFootprint compressed_footprint<V, I>(const CompressedStorage<V, I>&, const CompressedNames&);
SPARSE_FORMATS_FOR_EACH_TYPE(INSTANTIATE)
#undef INSTANTIATE

}  // namespace sparse_formats::detail
