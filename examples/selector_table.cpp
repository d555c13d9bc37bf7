// What the selector picks for the benchmark workloads, estimated and measured (tune=true),
// printed as the markdown table of docs/selector.md. Layers 1000x1000, 768x3072, 3072x768 and
// 4096x4096 with normal weights, pruned by magnitude (unstructured) or by 8x8 blocks.
//   build/examples/selector_table            the full table (about a minute)
//   build/examples/selector_table --quick    1000x1000 only
//   build/examples/selector_table --csv      one line per format with estimated cost and time
#include <cstdio>
#include <cstring>
#include <random>
#include <vector>

#include <sparse_formats/sparse_formats.hpp>

namespace sf = sparse_formats;

int main(int argc, char** argv) {
  bool quick = false, csv = false;
  for (int i = 1; i < argc; ++i) {
    quick |= std::strcmp(argv[i], "--quick") == 0;
    csv |= std::strcmp(argv[i], "--csv") == 0;
  }
  struct Layer { std::int64_t rows, cols; };
  std::vector<Layer> layers = {{1000, 1000}, {768, 3072}, {3072, 768}, {4096, 4096}};
  if (quick) layers.resize(1);
  const double sparsities[] = {0.5, 0.7, 0.8, 0.9, 0.95, 0.99};
  struct Op { const char* name; sf::SelectOptions options; };
  std::vector<Op> ops(3);
  ops[0] = {"spmv", {}};
  ops[1] = {"spmm b=32", {}};
  ops[1].options.op = sf::Operation::spmm;
  ops[1].options.batch = 32;
  ops[2] = {"spmv A^T", {}};
  ops[2].options.preferred_op = sf::PreferredOp::col;

  const sf::DynamicFormatSelector selector;
  std::printf("threads: %d\n\n", sf::num_threads());
  if (csv) std::printf("rows,cols,sparsity,structure,op,format,bytes,estimated_cost,measured_us\n");
  else {
    std::printf("| layer | sparsity | pruning | op | rules | estimate (speed-up) | measured fastest (speed-up) | dense / CSR / CSC / BSR us |\n");
    std::printf("|---|---|---|---|---|---|---|---|\n");
  }
  std::mt19937 rng(1);
  std::normal_distribution<float> normal;
  for (const auto& l : layers) {
    sf::DenseMatrix<float> w(l.rows, l.cols);
    for (auto& v : w.data) v = normal(rng);
    for (const double s : sparsities)
      for (const bool blocked : {false, true}) {
        const auto pruned = blocked ? sf::StructuredPruner(s, sf::Granularity::block, 8).prune(w)
                                    : sf::MagnitudePruner(s).prune(w);
        for (auto op : ops) {
          const auto est = selector.recommend_format(pruned.weights, op.options);
          op.options.tune = true;
          const auto mes = selector.recommend_format(pruned.weights, op.options);
          const auto& t = mes.measured_seconds;
          if (csv) {
            for (const auto& [f, c] : est.estimated_cost)
              std::printf("%lld,%lld,%.2f,%s,%s,%s,%zu,%.0f,%.2f\n", (long long)l.rows, (long long)l.cols, s,
                          blocked ? "block8" : "magnitude", op.name, sf::to_string(f).c_str(),
                          est.analysis.bytes(f), c, 1e6 * t.at(f));
            continue;
          }
          std::printf("| %lldx%lld | %.0f%% | %s | %s | %s | %s (%.2fx) | %s (%.2fx) | %.0f / %.0f / %.0f / %.0f |\n",
                      (long long)l.rows, (long long)l.cols, 100 * s, blocked ? "8x8 blocks" : "magnitude", op.name,
                      sf::to_string(est.rule_format).c_str(), sf::to_string(est.format).c_str(), est.speedup,
                      sf::to_string(mes.format).c_str(), mes.speedup, 1e6 * t.at(sf::Format::dense),
                      1e6 * t.at(sf::Format::csr), 1e6 * t.at(sf::Format::csc), 1e6 * t.at(sf::Format::block_sparse));
        }
      }
  }
  return 0;
}
