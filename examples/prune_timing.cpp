// Time of each pruner on one 4096x4096 float32 layer (wall clock and process CPU time; on a
// busy machine the CPU time is the fairer number).  build/examples/prune_timing
#include <chrono>
#include <cstdio>
#include <ctime>
#include <random>

#include <sparse_formats/sparse_formats.hpp>

namespace sf = sparse_formats;

int main() {
  sf::DenseMatrix<float> w(4096, 4096);
  std::mt19937 rng(1);
  std::normal_distribution<float> normal;
  for (auto& v : w.data) v = normal(rng);
  std::printf("4096x4096 float32, %d threads\n", sf::num_threads());
  auto time = [&](const char* name, auto&& prune) {
    const auto t0 = std::chrono::steady_clock::now();
    const std::clock_t c0 = std::clock();
    const auto r = prune();
    const double cpu = double(std::clock() - c0) / CLOCKS_PER_SEC;
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("%-26s wall %.3f s  cpu %.3f s  sparsity %.4f\n", name, wall, cpu,
                double(r.pruned) / double(w.data.size()));
  };
  time("magnitude global 90%", [&] { return sf::MagnitudePruner(0.9).prune(w); });
  time("magnitude per row 90%", [&] { return sf::MagnitudePruner(0.9, sf::PruneScope::row).prune(w); });
  time("channel 60%", [&] { return sf::StructuredPruner(0.6).prune(w); });
  time("8x8 block 60%", [&] { return sf::StructuredPruner(0.6, sf::Granularity::block).prune(w); });
  time("2:4", [&] { return sf::StructuredPruner(0.5, sf::Granularity::n_m).prune(w); });
  return 0;
}
