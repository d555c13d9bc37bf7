// CSR SpMV, y[rows] = A x[cols]. Row-block (adaptive) SpMV is csr_spmm_blocks with k == 1.

// One work-item per row: short, even rows (and CPU devices, where a work-item is a SIMD lane of a loop).
__kernel void csr_spmv_scalar(const long rows, __global const index_t* restrict indptr,
                              __global const index_t* restrict indices, __global const value_t* restrict data,
                              __global const value_t* restrict x, __global value_t* restrict y) {
  const long row = get_global_id(0);
  if (row >= rows) return;
  value_t sum = 0;
  const index_t end = indptr[row + 1];
  for (index_t j = indptr[row]; j < end; ++j) sum += data[j] * x[indices[j]];
  y[row] = sum;
}

// `lanes` (a power of two) consecutive work-items per row read its non-zeros coalesced and reduce
// through local memory (OpenCL 1.2: no sub-group functions needed). partial: [local size].
__kernel void csr_spmv_vector(const long rows, const int lanes, __global const index_t* restrict indptr,
                              __global const index_t* restrict indices, __global const value_t* restrict data,
                              __global const value_t* restrict x, __global value_t* restrict y,
                              __local value_t* partial) {
  const int lid = get_local_id(0);
  const int lane = lid & (lanes - 1);
  const long row = (long)get_group_id(0) * (get_local_size(0) / lanes) + lid / lanes;
  value_t sum = 0;
  if (row < rows) {
    const index_t end = indptr[row + 1];
    for (index_t j = indptr[row] + lane; j < end; j += lanes) sum += data[j] * x[indices[j]];
  }
  partial[lid] = sum;
  barrier(CLK_LOCAL_MEM_FENCE);
  for (int offset = lanes / 2; offset > 0; offset >>= 1) {
    if (lane < offset) partial[lid] += partial[lid + offset];
    barrier(CLK_LOCAL_MEM_FENCE);
  }
  if (lane == 0 && row < rows) y[row] = partial[lid];
}
