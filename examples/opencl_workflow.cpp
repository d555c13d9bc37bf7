// Device-resident products: upload a pruned layer once, multiply a batch many times on an OpenCL device,
// and check one result against the CPU backend. Without OpenCL or a device it says so and exits 0.
#include <cmath>
#include <cstdio>
#include <random>
#include <vector>

#include <sparse_formats/sparse_formats.hpp>

namespace sf = sparse_formats;

int main() {
  std::printf("%s", sf::describe_devices().c_str());
  // A 512 x 256 layer at 90% sparsity.
  std::mt19937 gen(1);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  std::vector<float> w(512 * 256);
  for (auto& v : w) v = u(gen) > 0.8f ? u(gen) : 0.0f;
  const auto csr = sf::CSRMatrix<float>::from_dense(sf::DenseView<const float>::row_major(w.data(), 512, 256));
  std::vector<float> x(256 * 32);
  for (auto& v : x) v = u(gen);
  const auto xv = sf::DenseView<const float>::row_major(x.data(), 256, 32);
  try {
    const auto d = sf::to_device(csr);  // upload once (CSR and its CSC)
    std::printf("%s\n", d.describe().c_str());
    const auto dx = sf::to_device(xv);
    auto dy = sf::device_empty<float>(512, 32);
    for (int i = 0; i < 10; ++i) d.sparse_matmul(dx, dy);  // stays on the device
    const auto g = d.transpose_matmul(dy).to_host();        // W^T (W x), read back once
    const auto y = dy.to_host();
    const auto want = csr.sparse_matmul(xv, sf::Backend::cpu);
    double worst = 0;
    for (std::size_t i = 0; i < y.data.size(); ++i) worst = std::fmax(worst, std::fabs(y.data[i] - want.data[i]));
    std::printf("y = W x on the device: %lld x %lld, max |difference| to the CPU backend %.2e; W^T y: %lld x %lld\n",
                static_cast<long long>(y.rows), static_cast<long long>(y.cols), worst,
                static_cast<long long>(g.rows), static_cast<long long>(g.cols));
    return worst < 1e-4 ? 0 : 1;
  } catch (const sf::backend_unavailable& e) {
    std::printf("OpenCL unavailable: %s\n", e.what());
    return 0;
  }
}
