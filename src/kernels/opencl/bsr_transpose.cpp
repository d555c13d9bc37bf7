#include "kernels/opencl/bsr_transpose.hpp"

#include <cstdint>

#include "instantiate.hpp"

namespace sparse_formats::opencl {

template <typename V, typename I>
void bsr_transpose(const kernels::BsrView<V, I>& a, BsrArrays<V, I>& out) {
  const std::int64_t bs = a.block_size;
  const std::int64_t block_cols = (a.cols + bs - 1) / bs;
  const std::int64_t num_blocks = static_cast<std::int64_t>(a.block_row_ptr[a.block_rows]);
  out.block_row_ptr.assign(static_cast<std::size_t>(block_cols + 1), I{0});
  out.block_indices.resize(static_cast<std::size_t>(num_blocks));
  out.blocks.resize(static_cast<std::size_t>(num_blocks * bs * bs));
  for (std::int64_t b = 0; b < num_blocks; ++b) ++out.block_row_ptr[static_cast<std::size_t>(a.block_indices[b]) + 1];
  for (std::int64_t c = 0; c < block_cols; ++c) out.block_row_ptr[c + 1] += out.block_row_ptr[c];
  std::vector<I> next(out.block_row_ptr.begin(), out.block_row_ptr.end() - 1);
  // Visiting block rows in order keeps each transposed block row's indices increasing.
  for (std::int64_t br = 0; br < a.block_rows; ++br) {
    for (I b = a.block_row_ptr[br]; b < a.block_row_ptr[br + 1]; ++b) {
      const auto pos = static_cast<std::int64_t>(next[static_cast<std::size_t>(a.block_indices[b])]++);
      out.block_indices[static_cast<std::size_t>(pos)] = static_cast<I>(br);
      const V* src = a.blocks + static_cast<std::int64_t>(b) * bs * bs;
      V* dst = out.blocks.data() + pos * bs * bs;
      for (std::int64_t i = 0; i < bs; ++i)
        for (std::int64_t j = 0; j < bs; ++j) dst[j * bs + i] = src[i * bs + j];
    }
  }
  out.view = {a.cols, a.rows, bs, block_cols, out.block_row_ptr.data(), out.block_indices.data(), out.blocks.data()};
}

#define INSTANTIATE(V, I) template void bsr_transpose<V, I>(const kernels::BsrView<V, I>&, BsrArrays<V, I>&);
SPARSE_FORMATS_FOR_EACH_TYPE(INSTANTIATE)
#undef INSTANTIATE

}  // namespace sparse_formats::opencl
