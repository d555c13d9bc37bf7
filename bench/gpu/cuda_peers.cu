// cuSPARSE (generic API) and cuBLAS peers; see cuda_peers.hpp. Compiled by nvcc when CUDA is found.
#include <cublas_v2.h>
#include <cuda_runtime.h>
#include <cusparse.h>

#include <string>

#include "cuda_peers.hpp"

namespace gpu_bench {

namespace {

struct Failure {
  std::string what;
};
void cuda_check(cudaError_t e, const char* what) {
  if (e != cudaSuccess) throw Failure{std::string(what) + ": " + cudaGetErrorString(e)};
}
void sparse_check(cusparseStatus_t s, const char* what) {
  if (s != CUSPARSE_STATUS_SUCCESS) throw Failure{std::string(what) + ": " + cusparseGetErrorString(s)};
}
void blas_check(cublasStatus_t s, const char* what) {
  if (s != CUBLAS_STATUS_SUCCESS) throw Failure{std::string(what) + ": cuBLAS status " + std::to_string(int(s))};
}

// Device memory freed on scope exit.
template <typename T>
struct DeviceArray {
  T* ptr = nullptr;
  explicit DeviceArray(std::size_t n, const T* host = nullptr) {
    cuda_check(cudaMalloc(&ptr, (n ? n : 1) * sizeof(T)), "cudaMalloc");
    if (host && n) cuda_check(cudaMemcpy(ptr, host, n * sizeof(T), cudaMemcpyHostToDevice), "cudaMemcpy");
  }
  ~DeviceArray() { cudaFree(ptr); }
  DeviceArray(const DeviceArray&) = delete;
  DeviceArray& operator=(const DeviceArray&) = delete;
};

// Mean microseconds per call of `launch` over `reps` back-to-back calls, best of three trials.
template <typename F>
double time_events(F&& launch, int reps) {
  cudaEvent_t start, stop;
  cuda_check(cudaEventCreate(&start), "cudaEventCreate");
  cuda_check(cudaEventCreate(&stop), "cudaEventCreate");
  for (int i = 0; i < 3; ++i) launch();  // warm-up
  cuda_check(cudaDeviceSynchronize(), "warm-up");
  double best = 1e300;
  for (int trial = 0; trial < 3; ++trial) {
    cuda_check(cudaEventRecord(start), "cudaEventRecord");
    for (int i = 0; i < reps; ++i) launch();
    cuda_check(cudaEventRecord(stop), "cudaEventRecord");
    cuda_check(cudaEventSynchronize(stop), "cudaEventSynchronize");
    float ms = 0;
    cuda_check(cudaEventElapsedTime(&ms, start, stop), "cudaEventElapsedTime");
    best = std::min(best, 1000.0 * ms / reps);
  }
  cudaEventDestroy(start);
  cudaEventDestroy(stop);
  return best;
}

}  // namespace

bool cuda_available(std::string& device_name) {
  int n = 0;
  if (cudaGetDeviceCount(&n) != cudaSuccess || n == 0) {
    device_name = "no CUDA device";
    return false;
  }
  cudaDeviceProp prop{};
  cudaGetDeviceProperties(&prop, 0);
  device_name = prop.name;
  return true;
}

PeerResult cusparse_product(const CsrHost& a, bool transpose_op, const std::vector<float>& x, std::int64_t k,
                            int reps) {
  PeerResult r;
  try {
    const std::int64_t out_rows = transpose_op ? a.cols : a.rows;
    DeviceArray<std::int32_t> indptr(a.rows + 1, a.indptr), indices(a.nnz, a.indices);
    DeviceArray<float> data(a.nnz, a.data), dx(x.size(), x.data()), dy(out_rows * k);
    cusparseHandle_t h;
    sparse_check(cusparseCreate(&h), "cusparseCreate");
    cusparseSpMatDescr_t A;
    sparse_check(cusparseCreateCsr(&A, a.rows, a.cols, a.nnz, indptr.ptr, indices.ptr, data.ptr, CUSPARSE_INDEX_32I,
                                   CUSPARSE_INDEX_32I, CUSPARSE_INDEX_BASE_ZERO, CUDA_R_32F),
                 "cusparseCreateCsr");
    const float alpha = 1.0f, beta = 0.0f;
    const auto op = transpose_op ? CUSPARSE_OPERATION_TRANSPOSE : CUSPARSE_OPERATION_NON_TRANSPOSE;
    std::size_t bytes = 0;
    if (k == 1) {
      cusparseDnVecDescr_t X, Y;
      sparse_check(cusparseCreateDnVec(&X, transpose_op ? a.rows : a.cols, dx.ptr, CUDA_R_32F), "cusparseCreateDnVec");
      sparse_check(cusparseCreateDnVec(&Y, out_rows, dy.ptr, CUDA_R_32F), "cusparseCreateDnVec");
      sparse_check(
          cusparseSpMV_bufferSize(h, op, &alpha, A, X, &beta, Y, CUDA_R_32F, CUSPARSE_SPMV_ALG_DEFAULT, &bytes),
          "cusparseSpMV_bufferSize");
      DeviceArray<char> buffer(bytes);
      sparse_check(
          cusparseSpMV_preprocess(h, op, &alpha, A, X, &beta, Y, CUDA_R_32F, CUSPARSE_SPMV_ALG_DEFAULT, buffer.ptr),
          "cusparseSpMV_preprocess");
      r.us = time_events(
          [&] {
            sparse_check(cusparseSpMV(h, op, &alpha, A, X, &beta, Y, CUDA_R_32F, CUSPARSE_SPMV_ALG_DEFAULT, buffer.ptr),
                         "cusparseSpMV");
          },
          reps);
      cusparseDestroyDnVec(X);
      cusparseDestroyDnVec(Y);
    } else {
      cusparseDnMatDescr_t X, Y;
      const std::int64_t x_rows = transpose_op ? a.rows : a.cols;
      sparse_check(cusparseCreateDnMat(&X, x_rows, k, k, dx.ptr, CUDA_R_32F, CUSPARSE_ORDER_ROW),
                   "cusparseCreateDnMat");
      sparse_check(cusparseCreateDnMat(&Y, out_rows, k, k, dy.ptr, CUDA_R_32F, CUSPARSE_ORDER_ROW),
                   "cusparseCreateDnMat");
      const auto opb = CUSPARSE_OPERATION_NON_TRANSPOSE;
      sparse_check(
          cusparseSpMM_bufferSize(h, op, opb, &alpha, A, X, &beta, Y, CUDA_R_32F, CUSPARSE_SPMM_ALG_DEFAULT, &bytes),
          "cusparseSpMM_bufferSize");
      DeviceArray<char> buffer(bytes);
      sparse_check(cusparseSpMM_preprocess(h, op, opb, &alpha, A, X, &beta, Y, CUDA_R_32F, CUSPARSE_SPMM_ALG_DEFAULT,
                                           buffer.ptr),
                   "cusparseSpMM_preprocess");
      r.us = time_events(
          [&] {
            sparse_check(
                cusparseSpMM(h, op, opb, &alpha, A, X, &beta, Y, CUDA_R_32F, CUSPARSE_SPMM_ALG_DEFAULT, buffer.ptr),
                "cusparseSpMM");
          },
          reps);
      cusparseDestroyDnMat(X);
      cusparseDestroyDnMat(Y);
    }
    r.y.resize(out_rows * k);
    cuda_check(cudaMemcpy(r.y.data(), dy.ptr, r.y.size() * sizeof(float), cudaMemcpyDeviceToHost), "cudaMemcpy");
    cusparseDestroySpMat(A);
    cusparseDestroy(h);
  } catch (const Failure& f) {
    r.us = -1;
    r.note = f.what;
  }
  return r;
}

PeerResult cublas_product(const std::vector<float>& w, std::int64_t rows, std::int64_t cols, bool transpose_op,
                          const std::vector<float>& x, std::int64_t k, int reps) {
  PeerResult r;
  try {
    const std::int64_t out_rows = transpose_op ? cols : rows;
    DeviceArray<float> dw(w.size(), w.data()), dx(x.size(), x.data()), dy(out_rows * k);
    cublasHandle_t h;
    blas_check(cublasCreate(&h), "cublasCreate");
    const float alpha = 1.0f, beta = 0.0f;
    // Row-major Y = op(W) X is column-major Y^T = X^T op(W)^T; row-major W read column-major is W^T.
    r.us = time_events(
        [&] {
          if (transpose_op)
            blas_check(cublasSgemm(h, CUBLAS_OP_N, CUBLAS_OP_T, int(k), int(cols), int(rows), &alpha, dx.ptr, int(k),
                                   dw.ptr, int(cols), &beta, dy.ptr, int(k)),
                       "cublasSgemm");
          else
            blas_check(cublasSgemm(h, CUBLAS_OP_N, CUBLAS_OP_N, int(k), int(rows), int(cols), &alpha, dx.ptr, int(k),
                                   dw.ptr, int(cols), &beta, dy.ptr, int(k)),
                       "cublasSgemm");
        },
        reps);
    r.y.resize(out_rows * k);
    cuda_check(cudaMemcpy(r.y.data(), dy.ptr, r.y.size() * sizeof(float), cudaMemcpyDeviceToHost), "cudaMemcpy");
    cublasDestroy(h);
  } catch (const Failure& f) {
    r.us = -1;
    r.note = f.what;
  }
  return r;
}

}  // namespace gpu_bench
