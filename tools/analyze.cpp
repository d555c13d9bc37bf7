// analyze [FILE]: per layer, what the selector stores it as, why, the bytes saved and the speed-up
// for the stated operation (estimated, or measured with --tune by the selector's timing code).
#include <cstdio>
#include <memory>

#include <nlohmann/json.hpp>

#include "cli_errors.hpp"
#include "layers.hpp"
#include "progress.hpp"
#include "subcommands.hpp"

namespace sparse_formats::cli {

namespace {

struct AnalyzeOptions {
  std::string file;
  std::string tensor;
  std::string op = "spmv";
  std::int64_t batch = 32;
  bool tune = false;
  bool json = false;
  bool backward = false;
  std::int64_t block_size = 8;
  bool quiet = false;
  bool allow_non_finite = false;
};

std::string human_bytes(double b) {
  char buf[32];
  if (b >= 1e6) std::snprintf(buf, sizeof buf, "%.2f MB", b / 1e6);
  else if (b >= 1e3) std::snprintf(buf, sizeof buf, "%.1f kB", b / 1e3);
  else std::snprintf(buf, sizeof buf, "%.0f B", b);
  return buf;
}

}  // namespace

Run add_analyze(CLI::App& app) {
  auto o = std::make_shared<AnalyzeOptions>();
  CLI::App* sub = app.add_subcommand(
      "analyze", "Per matrix or layer: sparsity, the format the selector picks and why, bytes and speed-up vs dense");
  sub->add_option("FILE", o->file, "a .mtx/.mtx.gz, .npz, .npy or .safetensors file (default: the embedded layer)");
  sub->add_flag("--allow-non-finite", o->allow_non_finite, "read NaN and infinity in Matrix Market files");
  sub->add_option("--tensor", o->tensor, "only this tensor of a .safetensors file");
  sub->add_option("--op", o->op, "the product the layer is used for: spmv (one vector) or spmm (a batch)")
      ->check(CLI::IsMember({"spmv", "spmm"}))
      ->capture_default_str();
  sub->add_option("--batch", o->batch, "columns of the dense operand for --op spmm")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{1} << 20))
      ->capture_default_str();
  sub->add_flag("--backward", o->backward, "the layer is used transposed (y = W^T x, the backward pass)");
  sub->add_option("--block-size", o->block_size, "block size the selector considers for bsr")
      ->check(CLI::Range(1, 1 << 16))
      ->capture_default_str();
  sub->add_flag("--tune", o->tune, "measure each candidate format on this machine instead of estimating");
  sub->add_flag("--json", o->json, "machine-readable output");
  sub->add_flag("-q,--quiet", o->quiet, "no progress bar");
  sub->footer(
      "Examples:\n"
      "  sparse-formats analyze                                  # the embedded pruned MNIST layer\n"
      "  sparse-formats analyze --tune                           # with measured speed-ups\n"
      "  sparse-formats analyze model.safetensors --op spmm --batch 64 --json\n"
      "  sparse-formats analyze model.safetensors --tensor fc1.weight --backward\n"
      "  sparse-formats analyze bcsstk13.mtx\n"
      "Exit codes: 0 ok, 1 bad input, 2 usage, 3 backend unavailable.");
  return [o]() {
    Progress progress(o->quiet || o->json);
    std::optional<std::string> tensor;
    if (!o->tensor.empty()) tensor = o->tensor;
    const bool embedded = o->file.empty();
    if (embedded && tensor) throw usage_error("--tensor needs a FILE");
    auto on_layer = [&](std::size_t d, std::size_t t) { progress.update(d, t, "reading"); };
    LoadedFile in = embedded ? load_embedded_default() : load_file(o->file, tensor, on_layer, o->allow_non_finite);
    const std::string source = embedded ? std::string(kEmbeddedDefaultDescription) : o->file;

    SelectOptions opt;
    opt.op = o->op == "spmm" ? Operation::spmm : Operation::spmv;
    opt.batch = opt.op == Operation::spmm ? o->batch : 1;
    opt.preferred_op = o->backward ? PreferredOp::col : PreferredOp::row;
    opt.tune = o->tune;
    const DynamicFormatSelector selector(0.50, 0.75, o->block_size);

    nlohmann::json out;
    out["file"] = source;
    out["op"] = o->op;
    out["batch"] = opt.batch;
    out["backward"] = o->backward;
    out["tuned"] = o->tune;
    out["layers"] = nlohmann::json::array();
    double total_dense = 0, total_chosen = 0, dense_time = 0, chosen_time = 0;
    std::string op_text = o->op == "spmm" ? "spmm (batch " + std::to_string(opt.batch) + ")" : "spmv";
    if (o->backward) op_text += ", transposed";
    if (!o->json) {
      std::printf("%s\n", source.c_str());
      std::printf("op: %s; speed-ups %s\n\n", op_text.c_str(),
                  o->tune ? "measured on this machine" : "estimated by the cost model (use --tune to measure)");
      std::printf("%-24s %13s %10s %8s %-13s %11s %11s %7s %9s\n", "layer", "shape", "nnz", "sparsity", "format",
                  "dense", "stored", "ratio", "speed-up");
    }
    for (std::size_t k = 0; k < in.layers.size(); ++k) {
      const Layer& layer = in.layers[k];
      progress.update(k, in.layers.size(), layer.name);
      const FormatRecommendation r =
          std::visit([&](const auto& m) { return selector.recommend_format(m, opt); }, layer.matrix);
      const SparsityAnalysis& a = r.analysis;
      const auto dense = static_cast<double>(a.bytes_dense), chosen = static_cast<double>(a.bytes(r.format));
      total_dense += dense;
      total_chosen += chosen;
      // Totals weigh each layer's speed-up by its dense cost (time when measured, model cost otherwise).
      const auto& costs = r.measured ? r.measured_seconds : r.estimated_cost;
      if (costs.count(Format::dense) && costs.count(r.format)) {
        dense_time += costs.at(Format::dense);
        chosen_time += costs.at(r.format);
      }
      nlohmann::json j;
      j["name"] = layer.name;
      j["shape"] = {a.shape.rows, a.shape.cols};
      j["nnz"] = a.nnz;
      j["sparsity"] = a.sparsity;
      j["value_type"] = is_single(layer.matrix) ? "float32" : "float64";
      j["format"] = to_string(r.format);
      j["rule_format"] = to_string(r.rule_format);
      j["reason"] = r.reason;
      j["has_block_structure"] = a.has_block_structure;
      j["bytes"] = {{"dense", a.bytes_dense}, {"csr", a.bytes_csr}, {"csc", a.bytes_csc},
                    {"block_sparse", a.bytes_block_sparse}};
      j["bytes_chosen"] = a.bytes(r.format);
      j["compression_ratio"] = r.compression_ratio;
      j["memory_savings_mb"] = r.memory_savings_mb;
      j["speedup"] = r.speedup;
      j["measured"] = r.measured;
      nlohmann::json times = nlohmann::json::object();
      for (const auto& [f, s] : r.measured_seconds) times[to_string(f)] = s;
      j["measured_seconds"] = times;
      out["layers"].push_back(j);
      if (!o->json) {
        const std::string shape = std::to_string(a.shape.rows) + "x" + std::to_string(a.shape.cols);
        char ratio[32], speed[32];
        std::snprintf(ratio, sizeof ratio, "%.2fx", r.compression_ratio);
        std::snprintf(speed, sizeof speed, "%s%.2fx", r.measured ? "" : "~", r.speedup);
        std::printf("%-24s %13s %10lld %7.1f%% %-13s %11s %11s %7s %9s\n", layer.name.c_str(), shape.c_str(),
                    static_cast<long long>(a.nnz), 100.0 * a.sparsity, to_string(r.format).c_str(),
                    human_bytes(dense).c_str(), human_bytes(chosen).c_str(), ratio, speed);
        std::printf("  why: %s\n", r.reason.c_str());
      }
    }
    progress.update(in.layers.size(), in.layers.size(), "done");
    const double ratio = total_chosen > 0 ? total_dense / total_chosen : 1.0;
    const double speedup = chosen_time > 0 ? dense_time / chosen_time : 1.0;
    out["total"] = {{"layers", in.layers.size()},
                    {"bytes_dense", total_dense},
                    {"bytes_chosen", total_chosen},
                    {"compression_ratio", ratio},
                    {"speedup", speedup}};
    if (o->json) {
      std::printf("%s\n", out.dump(2).c_str());
    } else {
      std::printf("\ntotal: %zu layer%s, %s dense -> %s stored (%.2fx smaller), %s%.2fx %s\n", in.layers.size(),
                  in.layers.size() == 1 ? "" : "s", human_bytes(total_dense).c_str(), human_bytes(total_chosen).c_str(),
                  ratio, o->tune ? "" : "~", speedup, o->tune ? "measured speed-up" : "estimated speed-up");
      if (!in.passthrough.empty())
        std::printf("(%zu tensors that are not 2-D weights were skipped)\n", in.passthrough.size());
    }
    return kOk;
  };
}

}  // namespace sparse_formats::cli
