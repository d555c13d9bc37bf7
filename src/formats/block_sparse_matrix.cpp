#include "sparse_formats/block_sparse_matrix.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>
#include <vector>

#include "formats/block.hpp"
#include "formats/compressed.hpp"
#include "formats/index_checks.hpp"
#include "formats/products.hpp"
#include "instantiate.hpp"
#include "sparse_formats/csc_matrix.hpp"
#include "sparse_formats/csr_matrix.hpp"
#include "sparse_formats/errors.hpp"

namespace sparse_formats {

namespace {

constexpr std::int64_t kMaxBlockSize = 1 << 15;  // keeps block_size^2 far from any overflow

void check_block_size(std::int64_t bs, const char* what) {
  if (bs < 1 || bs > kMaxBlockSize)
    throw invalid_argument(std::string(what) + ": block_size must be between 1 and " + std::to_string(kMaxBlockSize) +
                           ", got " + std::to_string(bs));
}

template <typename I>
void check_block_shape(Shape shape, const char* what) {
  detail::check_shape(shape.rows, shape.cols, what);
  detail::check_fits_index<I>(shape.rows, std::string(what) + " row count");
  detail::check_fits_index<I>(shape.cols, std::string(what) + " column count");
}

// Non-zeros inside the shape; throws when padding outside the shape holds a non-zero.
template <typename V, typename I>
std::int64_t count_block_nnz(const BlockStorage<V, I>& s) {
  const std::int64_t bs = s.block_size;
  std::int64_t nnz = 0;
  for (std::int64_t br = 0; br < s.block_rows(); ++br) {
    for (I b = s.block_row_ptr[br]; b < s.block_row_ptr[br + 1]; ++b) {
      const V* block = s.blocks.data() + static_cast<std::int64_t>(b) * bs * bs;
      const std::int64_t bc = s.block_indices[b];
      for (std::int64_t r = 0; r < bs; ++r) {
        for (std::int64_t c = 0; c < bs; ++c) {
          if (block[r * bs + c] == V(0)) continue;
          const std::int64_t row = br * bs + r, col = bc * bs + c;
          if (row >= s.shape.rows || col >= s.shape.cols)
            throw invalid_structure("BlockSparse: block " + std::to_string(b) + " at block position (" +
                                    std::to_string(br) + ", " + std::to_string(bc) + ") holds a non-zero at (" +
                                    std::to_string(row) + ", " + std::to_string(col) +
                                    "), outside the matrix shape " + to_string(s.shape) + "; padding must be zero");
          ++nnz;
        }
      }
    }
  }
  return nnz;
}

// Blocks given by (block row, block column) in any order -> sorted BSR arrays.
template <typename V, typename I>
BlockStorage<V, I> assemble_blocks(std::span<const V> blocks, std::span<const I> brs, std::span<const I> bcs,
                                   std::int64_t bs, Shape shape, bool sum_duplicates, const char* what) {
  BlockStorage<V, I> s;
  s.block_size = bs;
  s.shape = shape;
  const std::int64_t area = bs * bs, nb = static_cast<std::int64_t>(brs.size());
  if (brs.size() != bcs.size() || static_cast<std::int64_t>(blocks.size()) != nb * area)
    throw invalid_structure(std::string(what) + ": " + std::to_string(brs.size()) + " block rows, " +
                            std::to_string(bcs.size()) + " block columns and " + std::to_string(blocks.size()) +
                            " block values do not match (expected num_blocks * block_size^2 values)");
  const std::int64_t nbr = s.block_rows(), nbc = s.block_cols();
  for (std::int64_t b = 0; b < nb; ++b) {
    if (brs[b] < 0 || brs[b] >= nbr || bcs[b] < 0 || bcs[b] >= nbc)
      throw index_out_of_range(std::string(what) + ": block " + std::to_string(b) + " at block position (" +
                               std::to_string(brs[b]) + ", " + std::to_string(bcs[b]) + ") is outside the " +
                               std::to_string(nbr) + " x " + std::to_string(nbc) + " block grid");
  }
  std::vector<std::int64_t> order(static_cast<std::size_t>(nb));
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](std::int64_t a, std::int64_t b) { return std::pair(brs[a], bcs[a]) < std::pair(brs[b], bcs[b]); });
  std::vector<I> ptr(static_cast<std::size_t>(nbr) + 1, 0), cols;
  std::vector<V> vals;
  for (std::size_t k = 0; k < order.size(); ++k) {
    const std::int64_t b = order[k];
    const V* src = blocks.data() + b * area;
    if (k > 0 && brs[b] == brs[order[k - 1]] && bcs[b] == bcs[order[k - 1]]) {
      if (!sum_duplicates)
        throw invalid_structure(std::string(what) + ": duplicate block at block position (" + std::to_string(brs[b]) +
                                ", " + std::to_string(bcs[b]) + ")");
      V* dst = vals.data() + vals.size() - area;
      for (std::int64_t e = 0; e < area; ++e) dst[e] += src[e];
      continue;
    }
    cols.push_back(bcs[b]);
    vals.insert(vals.end(), src, src + area);
    ++ptr[static_cast<std::size_t>(brs[b]) + 1];
  }
  std::partial_sum(ptr.begin(), ptr.end(), ptr.begin());
  s.blocks = std::move(vals);
  s.block_indices = std::move(cols);
  s.block_row_ptr = std::move(ptr);
  return s;
}

}  // namespace

namespace detail {

template <typename V, typename I>
CompressedStorage<V, I> bsr_to_compressed(const BlockStorage<V, I>& b) {
  const std::int64_t bs = b.block_size, rows = b.shape.rows, cols = b.shape.cols;
  std::vector<I> indptr(static_cast<std::size_t>(rows) + 1, 0);
  auto each_row_entry = [&](std::int64_t row, auto&& f) {
    const std::int64_t br = row / bs, r = row - br * bs;
    for (I k = b.block_row_ptr[br]; k < b.block_row_ptr[br + 1]; ++k) {
      const V* brow = b.blocks.data() + static_cast<std::int64_t>(k) * bs * bs + r * bs;
      const std::int64_t c0 = static_cast<std::int64_t>(b.block_indices[k]) * bs;
      for (std::int64_t c = 0; c < bs && c0 + c < cols; ++c)
        if (brow[c] != V(0)) f(c0 + c, brow[c]);
    }
  };
  std::int64_t total = 0;
  for (std::int64_t row = 0; row < rows; ++row) {
    each_row_entry(row, [&](std::int64_t, V) { ++total; });
    indptr[row + 1] = static_cast<I>(total);  // total only grows: checked once below, before any use
  }
  detail::check_fits_index<I>(total, "CSR nnz of the block-sparse matrix");
  std::vector<I> indices(static_cast<std::size_t>(indptr[rows]));
  std::vector<V> data(indices.size());
  for (std::int64_t row = 0; row < rows; ++row) {
    std::int64_t p = indptr[row];
    each_row_entry(row, [&](std::int64_t col, V v) {
      indices[p] = static_cast<I>(col);
      data[p++] = v;
    });
  }
  return {std::move(data), std::move(indices), std::move(indptr), rows, cols};
}

template <typename V, typename I>
BlockStorage<V, I> bsr_from_compressed(const CompressedStorage<V, I>& s, std::int64_t bs) {
  BlockStorage<V, I> b;
  b.block_size = bs;
  b.shape = {s.major, s.minor};
  const std::int64_t nbr = b.block_rows(), nbc = b.block_cols(), area = bs * bs;
  std::vector<std::int64_t> slot(static_cast<std::size_t>(nbc), -1);  // block column -> position in this block row
  std::vector<I> ptr(static_cast<std::size_t>(nbr) + 1, 0), cols;
  std::vector<V> vals;
  std::int64_t nnz = 0;
  for (std::int64_t br = 0; br < nbr; ++br) {
    const std::int64_t r0 = br * bs, r1 = std::min(r0 + bs, s.major);
    const std::size_t first = cols.size();
    for (std::int64_t r = r0; r < r1; ++r)
      for (I p = s.indptr[r]; p < s.indptr[r + 1]; ++p) {
        const std::int64_t bc = s.indices[p] / bs;
        if (slot[bc] < 0) {
          slot[bc] = 0;
          cols.push_back(static_cast<I>(bc));
        }
      }
    std::sort(cols.begin() + static_cast<std::ptrdiff_t>(first), cols.end());
    for (std::size_t k = first; k < cols.size(); ++k) slot[cols[k]] = static_cast<std::int64_t>(k);
    vals.resize(cols.size() * static_cast<std::size_t>(area), V(0));
    for (std::int64_t r = r0; r < r1; ++r)
      for (I p = s.indptr[r]; p < s.indptr[r + 1]; ++p) {
        const std::int64_t col = s.indices[p];
        vals[slot[col / bs] * area + (r - r0) * bs + col % bs] = s.data[p];
        nnz += s.data[p] != V(0) ? 1 : 0;
      }
    for (std::size_t k = first; k < cols.size(); ++k) slot[cols[k]] = -1;
    ptr[br + 1] = static_cast<I>(cols.size());
  }
  detail::check_fits_index<I>(static_cast<std::int64_t>(cols.size()), "BlockSparse num_blocks");
  b.blocks = std::move(vals);
  b.block_indices = std::move(cols);
  b.block_row_ptr = std::move(ptr);
  b.nnz = nnz;
  return b;
}

}  // namespace detail

template <typename V, typename I>
BlockSparseMatrix<V, I>::BlockSparseMatrix() {
  storage_.block_row_ptr = std::vector<I>{0};
}

template <typename V, typename I>
BlockSparseMatrix<V, I>::BlockSparseMatrix(Buffer<V> blocks, Buffer<I> block_indices, Buffer<I> block_row_ptr,
                                           std::int64_t block_size, Shape shape, IndexOrder order) {
  const char* what = "BlockSparse";
  check_block_size(block_size, what);
  check_block_shape<I>(shape, what);
  BlockStorage<V, I> s;
  s.block_size = block_size;
  s.shape = shape;
  const std::int64_t nbr = s.block_rows(), nbc = s.block_cols(), area = block_size * block_size;
  const auto nb = static_cast<std::int64_t>(block_indices.size());
  if (static_cast<std::int64_t>(block_row_ptr.size()) != nbr + 1)
    throw invalid_structure(std::string(what) + ": block_row_ptr has length " + std::to_string(block_row_ptr.size()) +
                            ", expected ceil(rows / block_size) + 1 = " + std::to_string(nbr + 1));
  if (nb > 0 && static_cast<std::int64_t>(blocks.size()) / nb / area != 1)
    throw invalid_structure(std::string(what) + ": blocks has " + std::to_string(blocks.size()) + " values, expected " +
                            "num_blocks * block_size^2 = " + std::to_string(nb) + " * " + std::to_string(area));
  if (static_cast<std::int64_t>(blocks.size()) != nb * area)
    throw invalid_structure(std::string(what) + ": blocks has " + std::to_string(blocks.size()) + " values, expected " +
                            std::to_string(nb * area));
  if (block_row_ptr[0] != 0)
    throw invalid_structure(std::string(what) + ": block_row_ptr[0] = " + std::to_string(block_row_ptr[0]) +
                            ", expected 0");
  for (std::int64_t br = 0; br < nbr; ++br)
    if (block_row_ptr[br + 1] < block_row_ptr[br])
      throw invalid_structure(std::string(what) + ": block_row_ptr is not non-decreasing at block row " +
                              std::to_string(br));
  if (static_cast<std::int64_t>(block_row_ptr[nbr]) != nb)
    throw invalid_structure(std::string(what) + ": block_row_ptr[" + std::to_string(nbr) + "] = " +
                            std::to_string(block_row_ptr[nbr]) + " does not equal num_blocks = " + std::to_string(nb));
  bool sorted = true;
  for (std::int64_t br = 0; br < nbr; ++br)
    for (I b = block_row_ptr[br]; b < block_row_ptr[br + 1]; ++b) {
      if (block_indices[b] < 0 || block_indices[b] >= nbc)
        throw index_out_of_range(std::string(what) + ": block_indices[" + std::to_string(b) + "] = " +
                                 std::to_string(block_indices[b]) + " is out of range for " + std::to_string(nbc) +
                                 " block columns (block row " + std::to_string(br) + ")");
      if (b > block_row_ptr[br] && block_indices[b] <= block_indices[b - 1]) {
        if (order == IndexOrder::require_sorted)
          throw invalid_structure(std::string(what) + ": block_indices of block row " + std::to_string(br) + " are " +
                                  (block_indices[b] == block_indices[b - 1] ? "duplicated" : "not sorted") +
                                  " at block_indices[" + std::to_string(b) +
                                  "] (pass IndexOrder::sort_and_sum to sort and sum duplicates)");
        sorted = false;
      }
    }
  if (sorted) {
    s.blocks = std::move(blocks);
    s.block_indices = std::move(block_indices);
    s.block_row_ptr = std::move(block_row_ptr);
  } else {
    std::vector<I> brs(static_cast<std::size_t>(nb));
    for (std::int64_t br = 0; br < nbr; ++br)
      for (I b = block_row_ptr[br]; b < block_row_ptr[br + 1]; ++b) brs[b] = static_cast<I>(br);
    s = assemble_blocks<V, I>(blocks.span(), brs, block_indices.span(), block_size, shape, true, what);
  }
  s.nnz = count_block_nnz(s);
  storage_ = std::move(s);
}

template <typename V, typename I>
BlockSparseMatrix<V, I> BlockSparseMatrix<V, I>::from_blocks(std::span<const V> blocks, std::span<const I> block_rows,
                                                             std::span<const I> block_cols, std::int64_t block_size,
                                                             Shape shape) {
  const char* what = "BlockSparse.from_blocks";
  check_block_size(block_size, what);
  check_block_shape<I>(shape, what);
  auto s = assemble_blocks<V, I>(blocks, block_rows, block_cols, block_size, shape, false, what);
  s.nnz = count_block_nnz(s);
  return from_storage(std::move(s));
}

template <typename V, typename I>
BlockSparseMatrix<V, I> BlockSparseMatrix<V, I>::from_storage(BlockStorage<V, I> storage) {
  BlockSparseMatrix m;
  m.storage_ = std::move(storage);
  return m;
}

template <typename V, typename I>
BlockSparseMatrix<V, I> BlockSparseMatrix<V, I>::from_dense(DenseView<const V> dense, std::int64_t block_size,
                                                            double threshold) {
  const char* what = "BlockSparse.from_dense";
  check_block_size(block_size, what);
  check_block_shape<I>(dense.shape(), what);
  if (!(threshold >= 0.0 && threshold <= 1.0))
    throw invalid_argument(std::string(what) + ": threshold is a minimum block density and must be in [0, 1], got " +
                           std::to_string(threshold));
  BlockStorage<V, I> s;
  s.block_size = block_size;
  s.shape = dense.shape();
  const std::int64_t bs = block_size, nbr = s.block_rows(), nbc = s.block_cols(), area = bs * bs;

  // Pass 1 (every entry read once, row-major): per block row, which blocks are kept.
  std::vector<std::vector<I>> kept(static_cast<std::size_t>(nbr));
  std::vector<std::int64_t> nnz_row(static_cast<std::size_t>(nbr), 0), dropped_row(nbr, 0);
  std::vector<double> sq_row(static_cast<std::size_t>(nbr), 0.0), dropped_sq_row(nbr, 0.0);
#pragma omp parallel for schedule(dynamic, 4) if (dense.rows * dense.cols > (1 << 16))
  for (std::int64_t br = 0; br < nbr; ++br) {
    std::vector<std::int64_t> count(static_cast<std::size_t>(nbc), 0);
    std::vector<double> sumsq(static_cast<std::size_t>(nbc), 0.0);
    std::vector<char> nonfinite(static_cast<std::size_t>(nbc), 0);
    const std::int64_t r0 = br * bs, r1 = std::min(r0 + bs, dense.rows);
    for (std::int64_t r = r0; r < r1; ++r)
      for (std::int64_t c = 0; c < dense.cols; ++c) {
        const V v = dense(r, c);
        if (v == V(0)) continue;
        const std::int64_t bc = c / bs;
        ++count[bc];
        if (std::isfinite(v)) sumsq[bc] += static_cast<double>(v) * static_cast<double>(v);
        else nonfinite[bc] = 1;
      }
    for (std::int64_t bc = 0; bc < nbc; ++bc) {
      if (count[bc] == 0) continue;
      const std::int64_t h = r1 - r0, w = std::min(bs, dense.cols - bc * bs);
      const double density = static_cast<double>(count[bc]) / static_cast<double>(h * w);
      sq_row[br] += sumsq[bc];
      if (nonfinite[bc] || density >= threshold) {
        kept[br].push_back(static_cast<I>(bc));
        nnz_row[br] += count[bc];
      } else {
        dropped_row[br] += count[bc];
        dropped_sq_row[br] += sumsq[bc];
      }
    }
  }
  std::vector<I> ptr(static_cast<std::size_t>(nbr) + 1, 0);
  std::int64_t total_blocks = 0;
  double total_sq = 0, dropped_sq = 0;
  for (std::int64_t br = 0; br < nbr; ++br) {
    total_blocks += static_cast<std::int64_t>(kept[br].size());
    detail::check_fits_index<I>(total_blocks, std::string(what) + " num_blocks");
    ptr[br + 1] = static_cast<I>(total_blocks);
    s.nnz += nnz_row[br];
    s.dropped_nnz += dropped_row[br];
    total_sq += sq_row[br];
    dropped_sq += dropped_sq_row[br];
  }
  s.dropped_norm_fraction = total_sq > 0 ? std::sqrt(dropped_sq / total_sq) : 0.0;

  // Pass 2: copy the kept blocks, zero padding outside the shape.
  std::vector<I> cols(static_cast<std::size_t>(total_blocks));
  std::vector<V> vals(static_cast<std::size_t>(total_blocks * area), V(0));
#pragma omp parallel for schedule(dynamic, 4) if (dense.rows * dense.cols > (1 << 16))
  for (std::int64_t br = 0; br < nbr; ++br) {
    const std::int64_t r0 = br * bs, r1 = std::min(r0 + bs, dense.rows);
    for (std::size_t k = 0; k < kept[br].size(); ++k) {
      const std::int64_t b = ptr[br] + static_cast<std::int64_t>(k), c0 = kept[br][k] * bs;
      const std::int64_t c1 = std::min(c0 + bs, dense.cols);
      cols[b] = kept[br][k];
      V* block = vals.data() + b * area;
      for (std::int64_t r = r0; r < r1; ++r)
        for (std::int64_t c = c0; c < c1; ++c) block[(r - r0) * bs + (c - c0)] = dense(r, c) == V(0) ? V(0) : dense(r, c);
    }
  }
  s.blocks = std::move(vals);
  s.block_indices = std::move(cols);
  s.block_row_ptr = std::move(ptr);
  return from_storage(std::move(s));
}

template <typename V, typename I>
BlockSparseMatrix<V, I> BlockSparseMatrix<V, I>::from_csr(const CSRMatrix<V, I>& csr, std::int64_t block_size) {
  check_block_size(block_size, "BlockSparse.from_csr");
  return from_storage(detail::bsr_from_compressed(csr.storage(), block_size));
}

template <typename V, typename I>
BlockSparseMatrix<V, I> BlockSparseMatrix<V, I>::from_csc(const CSCMatrix<V, I>& csc, std::int64_t block_size) {
  check_block_size(block_size, "BlockSparse.from_csc");
  return from_storage(detail::bsr_from_compressed(detail::compressed_transpose(csc.storage()), block_size));
}

template <typename V, typename I>
DenseMatrix<V> BlockSparseMatrix<V, I>::to_dense() const {
  DenseMatrix<V> out(nrows(), ncols());
  to_dense(out.view());
  return out;
}

template <typename V, typename I>
void BlockSparseMatrix<V, I>::to_dense(DenseView<V> out) const {
  detail::check_out_shape(out, shape(), "BlockSparse");
  const auto& s = storage_;
  const std::int64_t bs = s.block_size;
  for (std::int64_t i = 0; i < out.rows; ++i)
    for (std::int64_t j = 0; j < out.cols; ++j) out(i, j) = V(0);
  for (std::int64_t br = 0; br < s.block_rows(); ++br)
    for (I b = s.block_row_ptr[br]; b < s.block_row_ptr[br + 1]; ++b) {
      const V* block = s.blocks.data() + static_cast<std::int64_t>(b) * bs * bs;
      const std::int64_t r0 = br * bs, c0 = static_cast<std::int64_t>(s.block_indices[b]) * bs;
      for (std::int64_t r = r0; r < std::min(r0 + bs, out.rows); ++r)
        for (std::int64_t c = c0; c < std::min(c0 + bs, out.cols); ++c) out(r, c) = block[(r - r0) * bs + (c - c0)];
    }
}

template <typename V, typename I>
std::vector<V> BlockSparseMatrix<V, I>::sparse_matmul(std::span<const V> x, Backend backend) const {
  return detail::vector_product(*this, x, Transpose::no, backend);
}
template <typename V, typename I>
DenseMatrix<V> BlockSparseMatrix<V, I>::sparse_matmul(DenseView<const V> x, Backend backend) const {
  return detail::dense_product(*this, x, Transpose::no, backend);
}
template <typename V, typename I>
std::vector<V> BlockSparseMatrix<V, I>::transpose_matmul(std::span<const V> x, Backend backend) const {
  return detail::vector_product(*this, x, Transpose::yes, backend);
}
template <typename V, typename I>
DenseMatrix<V> BlockSparseMatrix<V, I>::transpose_matmul(DenseView<const V> x, Backend backend) const {
  return detail::dense_product(*this, x, Transpose::yes, backend);
}

template <typename V, typename I>
MemoryFootprint BlockSparseMatrix<V, I>::memory_footprint() const {
  MemoryFootprint f;
  f["blocks"] = storage_.blocks.size() * sizeof(V);
  f["block_indices"] = storage_.block_indices.size() * sizeof(I);
  f["block_row_ptr"] = storage_.block_row_ptr.size() * sizeof(I);
  f["total"] = f["blocks"] + f["block_indices"] + f["block_row_ptr"];
  return f;
}

template <typename V, typename I>
BlockSparseStats BlockSparseMatrix<V, I>::get_statistics() const {
  BlockSparseStats st;
  static_cast<SparseMatrixStats&>(st) = detail::make_stats(shape(), nnz(), sizeof(V), memory_footprint().at("total"));
  st.num_blocks = num_blocks();
  st.block_size = block_size();
  st.stored_values = static_cast<std::int64_t>(storage_.blocks.size());
  st.wavefront_aligned = (block_size() * block_size()) % 64 == 0;
  st.storage_efficiency = st.stored_values > 0 ? static_cast<double>(nnz()) / static_cast<double>(st.stored_values) : 1.0;
  st.dropped_nnz = storage_.dropped_nnz;
  st.dropped_norm_fraction = storage_.dropped_norm_fraction;
  return st;
}

#define INSTANTIATE(V, I)                                                                             \
  template class BlockSparseMatrix<V, I>;                                                             \
  template CompressedStorage<V, I> detail::bsr_to_compressed<V, I>(const BlockStorage<V, I>&);         \
  template BlockStorage<V, I> detail::bsr_from_compressed<V, I>(const CompressedStorage<V, I>&, std::int64_t);
SPARSE_FORMATS_FOR_EACH_TYPE(INSTANTIATE)
#undef INSTANTIATE

}  // namespace sparse_formats
