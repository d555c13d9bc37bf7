// CSR SpMM, y[rows x k] = A x[cols x k], both row-major with leading dimension k.
// Load balance: the host cuts the rows into blocks of about equal non-zeros (row_blocks, a power of two
// rows each but the last, one row alone when it is long). A work-group is (column lanes) x (row slots)
// and takes one block and one column tile: a block of n rows gives each row spr = rs / n slots, which
// split the row's non-zeros and add their partial sums in local memory, so a long row keeps the whole
// work-group busy and short rows are packed together. Each lane accumulates cols_per_lane columns
// (stride = lanes), so a non-zero's value and index are loaded once per lane and reused across them,
// and lanes read consecutive x elements of one x row (coalesced).
// partial: [slots * lanes * MAX_COLS_PER_LANE].
// Rows longer than long_threshold are alone in their block, which then does nothing: groups
// regular_blocks .. regular_blocks + chunks - 1 each take one chunk (chunk_row, [chunk_begin, chunk_end))
// of such a row as a one-row block and write its partial sums to partials[chunk][k];
// csr_spmm_gather_chunks adds them into y.
__kernel void csr_spmm_blocks(const long k, const int cols_per_lane, const long regular_blocks,
                              const long long_threshold, __global const index_t* restrict row_blocks,
                              __global const index_t* restrict chunk_row, __global const index_t* restrict chunk_begin,
                              __global const index_t* restrict chunk_end, __global const index_t* restrict indptr,
                              __global const index_t* restrict indices, __global const value_t* restrict data,
                              __global const value_t* restrict x, __global value_t* restrict y,
                              __global value_t* restrict partials, __local value_t* partial) {
  const int lane = get_local_id(0);
  const int lanes = get_local_size(0);
  const int slot = get_local_id(1);
  const int slots = get_local_size(1);
  // Groups are numbered along dimension 0 only, (row block, column tile) flattened: the number of row
  // blocks may exceed what some drivers allow in dimension 1 (65535 groups on NVIDIA).
  const long tile_width = (long)lanes * cols_per_lane;
  const long tiles = (k + tile_width - 1) / tile_width;
  const long block = get_group_id(0) / tiles;
  const long tile_index = get_group_id(0) % tiles;
  const bool is_chunk = block >= regular_blocks;
  const long chunk = block - regular_blocks;
  const long r0 = is_chunk ? (long)chunk_row[chunk] : (long)row_blocks[block];
  const long r1 = is_chunk ? r0 + 1 : (long)row_blocks[block + 1];
  const long n = r1 - r0;
  // A long row's own block leaves it to its chunks (the whole group returns: no barrier is skipped).
  if (!is_chunk && n == 1 && (long)(indptr[r0 + 1] - indptr[r0]) > long_threshold) return;
  int spr = 1;  // slots per row: the largest power of two with n * spr <= slots
  while (n * spr * 2 <= slots) spr *= 2;
  const int part = slot & (spr - 1);
  const int row_step = slots / spr;
  const long col0 = tile_index * tile_width + lane;
  const bool full_tile = col0 + (long)(cols_per_lane - 1) * lanes < k;
  const long iterations = (n + row_step - 1) / row_step;  // the same for the whole group: barriers are safe
  for (long it = 0; it < iterations; ++it) {
    const long row = r0 + it * row_step + slot / spr;
    const bool active = row < r1;
    value_t acc[MAX_COLS_PER_LANE];
    for (int c = 0; c < MAX_COLS_PER_LANE; ++c) acc[c] = 0;
    if (active) {
      const index_t begin = is_chunk ? chunk_begin[chunk] : indptr[row];
      const index_t end = is_chunk ? chunk_end[chunk] : indptr[row + 1];
      if (full_tile) {
        index_t j = begin + part;
        // SPMM_UNROLL non-zeros per step: their index, value and x loads are independent, so a work-item
        // keeps that many x rows in flight instead of waiting on one index -> x chain at a time. The
        // additions stay in the row's order.
        for (; end - j > (SPMM_UNROLL - 1) * spr; j += SPMM_UNROLL * spr) {  // no overflow near the index limit
          value_t a[SPMM_UNROLL];
          __global const value_t* xr[SPMM_UNROLL];
          for (int u = 0; u < SPMM_UNROLL; ++u) {
            a[u] = data[j + u * spr];
            xr[u] = x + (long)indices[j + u * spr] * k + col0;
          }
          for (int u = 0; u < SPMM_UNROLL; ++u)
            for (int c = 0; c < MAX_COLS_PER_LANE; ++c) if (c < cols_per_lane) acc[c] += a[u] * xr[u][c * lanes];
        }
        for (; j < end; j += spr) {
          const value_t a = data[j];
          __global const value_t* xr = x + (long)indices[j] * k + col0;
          for (int c = 0; c < MAX_COLS_PER_LANE; ++c) if (c < cols_per_lane) acc[c] += a * xr[c * lanes];
        }
      } else {
        for (index_t j = begin + part; j < end; j += spr) {
          const value_t a = data[j];
          __global const value_t* xr = x + (long)indices[j] * k;
          for (int c = 0; c < MAX_COLS_PER_LANE; ++c) if (c < cols_per_lane) {
            const long col = col0 + (long)c * lanes;
            if (col < k) acc[c] += a * xr[col];
          }
        }
      }
    }
    if (spr > 1) {
      __local value_t* mine = partial + (slot * lanes + lane) * MAX_COLS_PER_LANE;
      for (int c = 0; c < MAX_COLS_PER_LANE; ++c) if (c < cols_per_lane) mine[c] = acc[c];
      barrier(CLK_LOCAL_MEM_FENCE);
      for (int offset = spr / 2; offset > 0; offset >>= 1) {
        if (part < offset) {
          __local const value_t* other = partial + ((slot + offset) * lanes + lane) * MAX_COLS_PER_LANE;
          for (int c = 0; c < MAX_COLS_PER_LANE; ++c) if (c < cols_per_lane) mine[c] += other[c];
        }
        barrier(CLK_LOCAL_MEM_FENCE);
      }
      for (int c = 0; c < MAX_COLS_PER_LANE; ++c) if (c < cols_per_lane) acc[c] = mine[c];
    }
    if (active && part == 0) {
      __global value_t* out = is_chunk ? partials + chunk * k : y + row * k;
      for (int c = 0; c < MAX_COLS_PER_LANE; ++c) if (c < cols_per_lane) {
        const long col = col0 + (long)c * lanes;
        if (col < k) out[col] = acc[c];
      }
    }
  }
}

// y[rows[l]][col] = the sum of the partial sums of long row l's chunks first[l] .. first[l + 1] - 1.
__kernel void csr_spmm_gather_chunks(const long k, const long long_rows, __global const index_t* restrict rows,
                                     __global const index_t* restrict first, __global const value_t* restrict partials,
                                     __global value_t* restrict y) {
  const long i = get_global_id(0);
  if (i >= long_rows * k) return;
  const long l = i / k;
  const long col = i % k;
  value_t sum = 0;
  for (index_t c = first[l]; c < first[l + 1]; ++c) sum += partials[(long)c * k + col];
  y[(long)rows[l] * k + col] = sum;
}
