#include <cstdio>
#include <vector>

#include <sparse_formats/sparse_formats.hpp>

int main() {
  // The design document's 3x3 example.
  const std::vector<float> dense = {1, 0, 2, 0, 3, 0, 4, 0, 5};
  auto csr = sparse_formats::CSRMatrix<float>::from_dense(
      sparse_formats::DenseView<const float>::row_major(dense.data(), 3, 3));
  const std::vector<float> x = {1, 1, 1};
  const auto y = csr.sparse_matmul(x);
  const bool ok = csr.nnz() == 5 && y == std::vector<float>{3, 3, 9};
  std::printf("installed package: nnz=%lld y=[%g %g %g] %s\n", static_cast<long long>(csr.nnz()), y[0], y[1], y[2],
              ok ? "ok" : "WRONG");
  return ok ? 0 : 1;
}
