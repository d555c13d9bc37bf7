// The NVIDIA peers of the GPU benchmark: cuSPARSE generic API (descriptors, buffers and preprocessing
// made once, then timed) and dense cuBLAS fp32, both timed with CUDA events around back-to-back launches.
// Plain C++ types only, so the benchmark's main file compiles without CUDA headers.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace gpu_bench {

struct CsrHost {
  std::int64_t rows = 0, cols = 0, nnz = 0;
  const std::int32_t* indptr = nullptr;
  const std::int32_t* indices = nullptr;
  const float* data = nullptr;
};

struct PeerResult {
  double us = -1.0;      // mean time per product, microseconds; < 0 when it did not run
  std::vector<float> y;  // row-major result, for the correctness check
  std::string note;      // why it did not run
};

// False (with the reason) when the program was built without CUDA or no CUDA device is present.
bool cuda_available(std::string& device_name);
// y = op(A) x with x row-major (op(A).cols x k); k == 1 uses SpMV, otherwise SpMM with row-major operands.
PeerResult cusparse_product(const CsrHost& a, bool transpose_op, const std::vector<float>& x, std::int64_t k, int reps);
// y = op(W) x with W dense row-major rows x cols.
PeerResult cublas_product(const std::vector<float>& w, std::int64_t rows, std::int64_t cols, bool transpose_op,
                          const std::vector<float>& x, std::int64_t k, int reps);

}  // namespace gpu_bench
