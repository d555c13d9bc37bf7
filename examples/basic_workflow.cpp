// The design document's "Basic Workflow": a 256x512 layer pruned to 90% by magnitude, stored in
// each format, multiplied, converted and printed with its statistics; then the selector picks
// the format for inference and says why.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <random>
#include <type_traits>
#include <variant>
#include <vector>

#include <sparse_formats/sparse_formats.hpp>

namespace sf = sparse_formats;

static void print_stats(const char* name, const sf::SparseMatrixStats& s) {
  std::printf("%-12s nnz=%-6lld sparsity=%5.1f%%  dense=%8zu B  sparse=%8zu B  compression=%.2fx\n", name,
              static_cast<long long>(s.nnz), 100.0 * s.sparsity, s.memory_dense, s.memory_sparse, s.compression_ratio);
}

int main() {
  constexpr std::int64_t rows = 256, cols = 512;
  std::mt19937 rng(42);
  std::normal_distribution<float> normal;
  sf::DenseMatrix<float> dense_weights(rows, cols);
  for (auto& w : dense_weights.data) w = normal(rng);
  // Prune the 90% of weights of smallest magnitude.
  const auto pruned = sf::MagnitudePruner(0.90).prune(dense_weights);
  const sf::DenseMatrix<float>& weights = pruned.weights;

  auto csr = sf::CSRMatrix<float>::from_dense(weights.view());
  auto csc = sf::CSCMatrix<float>::from_csr(csr);
  auto bsr = sf::BlockSparseMatrix<float>::from_dense(weights.view(), 8);

  std::printf("Layer %lldx%lld, float32 values, int32 indices\n", static_cast<long long>(rows),
              static_cast<long long>(cols));
  print_stats("CSR", csr.get_statistics());
  print_stats("CSC", csc.get_statistics());
  const auto bst = bsr.get_statistics();
  print_stats("Block 8x8", bst);
  std::printf("             blocks=%lld  wavefront_aligned=%s  storage_efficiency=%.1f%%\n",
              static_cast<long long>(bst.num_blocks), bst.wavefront_aligned ? "yes" : "no",
              100.0 * bst.storage_efficiency);

  // Forward pass y = W x and backward pass g = W^T y, in every format.
  std::vector<float> x(cols);
  for (auto& v : x) v = normal(rng);
  const auto y_csr = csr.sparse_matmul(x), y_csc = csc.sparse_matmul(x), y_bsr = bsr.sparse_matmul(x);
  const auto g_csr = csr.transpose_matmul(y_csr), g_csc = csc.transpose_matmul(y_csr);
  double max_diff = 0;
  for (std::int64_t i = 0; i < rows; ++i)
    max_diff = std::max({max_diff, std::abs(double(y_csr[i]) - y_csc[i]), std::abs(double(y_csr[i]) - y_bsr[i])});
  for (std::int64_t j = 0; j < cols; ++j) max_diff = std::max(max_diff, std::abs(double(g_csr[j]) - g_csc[j]));
  std::printf("W x: %lld outputs, W^T y: %lld outputs; largest difference between formats %.2e\n",
              static_cast<long long>(y_csr.size()), static_cast<long long>(g_csr.size()), max_diff);

  // Conversions are lossless: every format returns the original weights.
  const bool exact = csr.to_dense().data == weights.data && csc.to_dense().data == weights.data &&
                     bsr.to_dense().data == weights.data &&
                     sf::CSRMatrix<float>::from_block_sparse(bsr).to_dense().data == weights.data;
  std::printf("Round trips dense -> CSR/CSC/BSR -> dense exact: %s\n", exact ? "yes" : "NO");

  // Let the selector choose the format for inference (y = W x), and say why.
  const sf::DynamicFormatSelector selector;
  const auto chosen = selector.select_format(weights, sf::options_for(sf::Context::inference));
  const auto& rec = chosen.recommendation;
  std::printf("Selector: %s\n  reason: %s\n  compression %.2fx, saves %.2f MB, speed-up over dense %.2fx (estimated)\n",
              sf::to_string(rec.format).c_str(), rec.reason.c_str(), rec.compression_ratio, rec.memory_savings_mb,
              rec.speedup);
  const bool selected_exact =
      std::visit([&](const auto& m) {
        if constexpr (std::is_same_v<std::decay_t<decltype(m)>, sf::DenseMatrix<float>>) return m.data == weights.data;
        else return m.to_dense().data == weights.data;
      }, chosen.matrix);
  if (const auto* selected_csr = std::get_if<sf::CSRMatrix<float>>(&chosen.matrix)) {
    const auto for_training = sf::CSCMatrix<float>::from_csr(*selected_csr);  // CSC for the backward pass
    std::printf("  converted to CSC for training: %lld non-zeros\n", static_cast<long long>(for_training.nnz()));
  }
  return exact && selected_exact ? 0 : 1;
}
