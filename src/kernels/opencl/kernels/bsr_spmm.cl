// Block-sparse SpMM, y[rows x k] = A x[cols x k], row-major, leading dimension k; blocks are bs x bs,
// row-major and zero-padded at the edges. A work-group is (column lanes) x (bs block rows): work-item
// (lane, r) owns row r of a block row and cols_per_lane output columns. For each block the group
// stages the bs x tile slice of x it multiplies in local memory (each x element is then read bs times
// from local memory, not from global), and each work-item reads its block row (the same address across
// the lanes of a row: a broadcast). The host picks lanes so that bs * lanes fills whole warps/wavefronts.
// xs: [bs * lanes * cols_per_lane].
__kernel void bsr_spmm(const long rows, const long cols, const long k, const int bs, const int cols_per_lane,
                       __global const index_t* restrict block_row_ptr, __global const index_t* restrict block_indices,
                       __global const value_t* restrict blocks, __global const value_t* restrict x,
                       __global value_t* restrict y, __local value_t* xs) {
  const int lane = get_local_id(0);
  const int lanes = get_local_size(0);
  const int r = get_local_id(1);
  const long block_row = get_group_id(1);
  const int tile = lanes * cols_per_lane;
  const long col0 = (long)get_group_id(0) * tile + lane;
  value_t acc[MAX_COLS_PER_LANE];
  for (int c = 0; c < MAX_COLS_PER_LANE; ++c) acc[c] = 0;
  const index_t end = block_row_ptr[block_row + 1];
  for (index_t b = block_row_ptr[block_row]; b < end; ++b) {
    const long xrow = (long)block_indices[b] * bs + r;
    for (int c = 0; c < cols_per_lane; ++c) {
      const long col = col0 + (long)c * lanes;
      xs[r * tile + lane + c * lanes] = (xrow < cols && col < k) ? x[xrow * k + col] : (value_t)0;
    }
    barrier(CLK_LOCAL_MEM_FENCE);
    __global const value_t* a = blocks + ((long)b * bs + r) * bs;
    for (int t = 0; t < bs; ++t) {
      const value_t v = a[t];
      for (int c = 0; c < cols_per_lane; ++c) acc[c] += v * xs[t * tile + lane + c * lanes];
    }
    barrier(CLK_LOCAL_MEM_FENCE);
  }
  const long row = block_row * bs + r;
  if (row < rows) {
    for (int c = 0; c < cols_per_lane; ++c) {
      const long col = col0 + (long)c * lanes;
      if (col < k) y[row * k + col] = acc[c];
    }
  }
}
