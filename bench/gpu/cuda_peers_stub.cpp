// The peers in a build without CUDA: the benchmark then times only our OpenCL kernels.
#include "cuda_peers.hpp"

namespace gpu_bench {

bool cuda_available(std::string& device_name) {
  device_name = "built without CUDA (nvcc, cuSPARSE or cuBLAS not found)";
  return false;
}
PeerResult cusparse_product(const CsrHost&, bool, const std::vector<float>&, std::int64_t, int) {
  return {-1.0, {}, "built without CUDA"};
}
PeerResult cublas_product(const std::vector<float>&, std::int64_t, std::int64_t, bool, const std::vector<float>&,
                          std::int64_t, int) {
  return {-1.0, {}, "built without CUDA"};
}

}  // namespace gpu_bench
