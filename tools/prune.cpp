// prune IN OUT: prune every 2-D weight (or --tensor) to a target sparsity and store the result sparse.
#include <cmath>
#include <cstdio>
#include <memory>

#include "cli_errors.hpp"
#include "layers.hpp"
#include "progress.hpp"
#include "subcommands.hpp"

namespace sparse_formats::cli {

namespace {

struct PruneOptions {
  std::string in, out;
  double sparsity = -1;
  std::string method = "magnitude";
  std::int64_t block_size = 8;
  std::int64_t m = 4;
  std::string tensor;
  bool quiet = false;
};

template <typename V>
DenseMatrix<V> prune_dense(const DenseMatrix<V>& w, const PruneOptions& o) {
  if (o.method == "magnitude") return MagnitudePruner(o.sparsity).prune(w).weights;
  if (o.method == "channel") return StructuredPruner(o.sparsity, Granularity::channel).prune(w).weights;
  if (o.method == "block") return StructuredPruner(o.sparsity, Granularity::block, o.block_size).prune(w).weights;
  const double n = (1.0 - o.sparsity) * static_cast<double>(o.m);
  return StructuredPruner(o.sparsity, Granularity::n_m, o.block_size, static_cast<std::int64_t>(std::llround(n)), o.m)
      .prune(w)
      .weights;
}

}  // namespace

Run add_prune(CLI::App& app) {
  auto o = std::make_shared<PruneOptions>();
  CLI::App* sub = app.add_subcommand("prune", "Prune weights to a target sparsity and store them sparse");
  sub->add_option("IN", o->in, "input file")->required();
  sub->add_option("OUT", o->out, "output file (.safetensors, .npz, .mtx, .npy)")->required();
  sub->add_option("--sparsity", o->sparsity, "fraction of weights set to zero, in [0, 1]")
      ->required()
      ->check(CLI::Range(0.0, 1.0));
  sub->add_option("--method", o->method,
                  "magnitude (smallest |w|), channel (whole rows by L2 norm), block (block-size tiles by RMS), "
                  "n:m (keep n of every m along rows; n = (1 - sparsity) * m)")
      ->check(CLI::IsMember({"magnitude", "channel", "block", "n:m"}))
      ->capture_default_str();
  sub->add_option("--block-size", o->block_size, "tile size for --method block")->check(CLI::Range(1, 1 << 16))->capture_default_str();
  sub->add_option("--m", o->m, "group size m for --method n:m")->check(CLI::Range(1, 1 << 16))->capture_default_str();
  sub->add_option("--tensor", o->tensor, "only this tensor of a .safetensors input");
  sub->add_flag("-q,--quiet", o->quiet, "no progress bar and no summary");
  sub->footer(
      "Examples:\n"
      "  sparse-formats prune model.safetensors pruned.safetensors --sparsity 0.9\n"
      "  sparse-formats prune fc1.npy fc1.npz --sparsity 0.75 --method block --block-size 8\n"
      "  sparse-formats prune fc1.npy fc1.npz --sparsity 0.5 --method n:m --m 4      # 2:4\n"
      "  sparse-formats prune model.safetensors fc1.npz --tensor fc1.weight --sparsity 0.8 --method channel\n"
      "Exit codes: 0 ok, 1 bad input, 2 usage, 3 backend unavailable.");
  return [o]() {
    if (o->method == "n:m") {
      const double n = (1.0 - o->sparsity) * static_cast<double>(o->m);
      if (std::fabs(n - std::round(n)) > 1e-9)
        throw usage_error("--method n:m needs (1 - sparsity) * m to be a whole number; sparsity " +
                          std::to_string(o->sparsity) + " with m = " + std::to_string(o->m) + " gives n = " +
                          std::to_string(n));
    }
    const std::string out_kind = file_kind(o->out);
    Progress progress(o->quiet);
    std::optional<std::string> tensor;
    if (!o->tensor.empty()) tensor = o->tensor;
    LoadedFile in = load_file(o->in, tensor, [&](std::size_t d, std::size_t t) { progress.update(d, t, "reading"); });
    SaveRequest req{o->out, {}, o->block_size, std::move(in.passthrough), std::move(in.metadata)};
    const StoreAs as = out_kind == "npy" ? StoreAs::dense : StoreAs::csr;
    for (std::size_t k = 0; k < in.layers.size(); ++k) {
      Layer& layer = in.layers[k];
      progress.update(k, in.layers.size(), "pruning " + layer.name);
      AnyCsr pruned = std::visit(
          [&](const auto& m) -> AnyCsr {
            using M = std::decay_t<decltype(m)>;
            using V = typename M::value_type;
            using I = typename M::index_type;
            const DenseMatrix<V> w = prune_dense(m.to_dense(), *o);
            return CSRMatrix<V, I>::from_dense(w.view(), 0.0);
          },
          layer.matrix);
      if (!o->quiet) {
        const Shape s = shape_of(pruned);
        const double total = static_cast<double>(s.rows) * static_cast<double>(s.cols);
        std::printf("%s: %lld x %lld, %lld -> %lld non-zeros (sparsity %.2f%%)\n", layer.name.c_str(),
                    static_cast<long long>(s.rows), static_cast<long long>(s.cols),
                    static_cast<long long>(nnz_of(layer.matrix)), static_cast<long long>(nnz_of(pruned)),
                    total > 0 ? 100.0 * (1.0 - static_cast<double>(nnz_of(pruned)) / total) : 0.0);
      }
      req.layers.emplace_back(Layer{layer.name, std::move(pruned)}, as);
    }
    progress.update(in.layers.size(), in.layers.size(), "writing");
    save_file(req);
    if (!o->quiet) std::printf("wrote %s\n", o->out.c_str());
    return kOk;
  };
}

}  // namespace sparse_formats::cli
