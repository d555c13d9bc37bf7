// Block-sparse SpMM, y[rows x k] = A x[cols x k], row-major, leading dimension k; blocks are bs x bs,
// row-major and zero-padded at the edges. A work-group is (column lanes) x (groups x bs): `groups` block
// rows side by side, work-item (lane, g * bs + r) owning row r of block row g and cols_per_lane output
// columns. The host sizes lanes and groups so that a work-group is whole warps/wavefronts even for small
// k (an 8x8 block and k = 1 puts 32 block rows in a group of 256). For each block the group stages the
// bs x tile slice of x it multiplies in local memory (each x element is then read bs times from local
// memory, not from global), and each work-item reads its block row (one address across the lanes of a
// row: a broadcast). The longest block row of the group sets the trip count, so barriers stay uniform.
// xs: [groups * bs * lanes * cols_per_lane].
__kernel void bsr_spmm(const long rows, const long cols, const long k, const int bs, const int cols_per_lane,
                       const long block_rows, __global const index_t* restrict block_row_ptr,
                       __global const index_t* restrict block_indices, __global const value_t* restrict blocks,
                       __global const value_t* restrict x, __global value_t* restrict y, __local value_t* xs) {
  const int lane = get_local_id(0);
  const int lanes = get_local_size(0);
  const int g = get_local_id(1) / bs;
  const int r = get_local_id(1) % bs;
  const int groups = get_local_size(1) / bs;
  const int tile = lanes * cols_per_lane;
  // Groups are numbered along dimension 0 only, (block-row group, column tile) flattened (see csr_spmm).
  const long tiles = (k + tile - 1) / tile;
  const long first = (long)(get_group_id(0) / tiles) * groups;
  const long block_row = first + g;
  const long col0 = (long)(get_group_id(0) % tiles) * tile + lane;
  __local value_t* my_xs = xs + g * bs * tile;
  long count = 0;
  for (int h = 0; h < groups && first + h < block_rows; ++h)
    count = max(count, (long)(block_row_ptr[first + h + 1] - block_row_ptr[first + h]));
  const bool valid = block_row < block_rows;
  const long begin = valid ? (long)block_row_ptr[block_row] : 0;
  const long mine = valid ? (long)block_row_ptr[block_row + 1] - begin : 0;
  value_t acc[MAX_COLS_PER_LANE];
  for (int c = 0; c < MAX_COLS_PER_LANE; ++c) acc[c] = 0;
  for (long it = 0; it < count; ++it) {
    const bool active = it < mine;
    const long b = begin + it;
    if (active) {
      const long xrow = (long)block_indices[b] * bs + r;
      for (int c = 0; c < MAX_COLS_PER_LANE; ++c) if (c < cols_per_lane) {
        const long col = col0 + (long)c * lanes;
        my_xs[r * tile + lane + c * lanes] = (xrow < cols && col < k) ? x[xrow * k + col] : (value_t)0;
      }
    }
    barrier(CLK_LOCAL_MEM_FENCE);
    if (active) {
      __global const value_t* a = blocks + (b * bs + r) * bs;
      for (int t = 0; t < bs; ++t) {
        const value_t v = a[t];
        for (int c = 0; c < MAX_COLS_PER_LANE; ++c)
          if (c < cols_per_lane) acc[c] += v * my_xs[t * tile + lane + c * lanes];
      }
    }
    barrier(CLK_LOCAL_MEM_FENCE);
  }
  const long row = block_row * bs + r;
  if (valid && row < rows) {
    for (int c = 0; c < MAX_COLS_PER_LANE; ++c) if (c < cols_per_lane) {
      const long col = col0 + (long)c * lanes;
      if (col < k) y[row * k + col] = acc[c];
    }
  }
}
