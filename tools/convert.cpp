// convert IN OUT: any supported file to any other, choosing the stored format per layer.
#include <cstdio>
#include <memory>

#include "cli_errors.hpp"
#include "layers.hpp"
#include "progress.hpp"
#include "subcommands.hpp"

namespace sparse_formats::cli {

namespace {

struct ConvertOptions {
  std::string in, out;
  std::string format = "csr";
  std::int64_t block_size = 8;
  std::string tensor;
  bool quiet = false;
  bool allow_non_finite = false;
};

// What the output file can hold for the requested --format, with auto asking the selector.
StoreAs resolve(const std::string& kind, const std::string& format, const AnyCsr& m, std::int64_t block_size) {
  if (kind == "npy") return StoreAs::dense;
  StoreAs as = format == "csc" ? StoreAs::csc : format == "bsr" ? StoreAs::bsr : StoreAs::csr;
  if (format == "auto") {
    const DynamicFormatSelector selector(0.50, 0.75, block_size);
    const Format f = std::visit([&](const auto& x) { return selector.recommend_format(x).format; }, m);
    const Shape s = shape_of(m);
    as = f == Format::dense ? StoreAs::dense : f == Format::csc ? StoreAs::csc : f == Format::csr ? StoreAs::csr : StoreAs::bsr;
    // Fall back to CSR where the file cannot hold the pick.
    if (as == StoreAs::dense && kind == "npz") as = StoreAs::csr;
    if (as == StoreAs::bsr && (kind != "npz" || s.rows % block_size != 0 || s.cols % block_size != 0)) as = StoreAs::csr;
    if (as == StoreAs::csc && kind == "safetensors") as = StoreAs::csr;
    return as;
  }
  if (kind == "safetensors" && as != StoreAs::csr)
    throw usage_error("safetensors output stores CSR tensors (<name>.values, <name>.col_indices, <name>.row_ptr); "
                      "use --format csr or auto");
  if (kind == "mtx" && as == StoreAs::bsr)
    throw usage_error("Matrix Market has no block layout; use --format csr, csc or auto");
  return as;
}

}  // namespace

Run add_convert(CLI::App& app) {
  auto o = std::make_shared<ConvertOptions>();
  CLI::App* sub = app.add_subcommand("convert", "Convert between .mtx/.mtx.gz, .npz (scipy), .npy and .safetensors");
  sub->add_option("IN", o->in, "input file")->required();
  sub->add_option("OUT", o->out, "output file (its extension picks the file format)")->required();
  sub->add_option("--format", o->format, "stored format: csr, csc, bsr, or auto (the selector decides per matrix)")
      ->check(CLI::IsMember({"csr", "csc", "bsr", "auto"}))
      ->capture_default_str();
  sub->add_option("--block-size", o->block_size, "block size for bsr")->check(CLI::Range(1, 1 << 16))->capture_default_str();
  sub->add_flag("--allow-non-finite", o->allow_non_finite, "read NaN and infinity in Matrix Market files");
  sub->add_option("--tensor", o->tensor, "only this tensor of a .safetensors input");
  sub->add_flag("-q,--quiet", o->quiet, "no progress bar and no summary");
  sub->footer(
      "Examples:\n"
      "  sparse-formats convert bcsstk13.mtx bcsstk13.npz                 # CSR, loads with scipy.sparse.load_npz\n"
      "  sparse-formats convert layer.npy layer.npz --format auto         # the selector picks csr/csc/bsr\n"
      "  sparse-formats convert layer.npz layer.npz --format bsr --block-size 4\n"
      "  sparse-formats convert model.safetensors fc1.npz --tensor fc1.weight\n"
      "  sparse-formats convert model.safetensors sparse.safetensors      # every 2-D weight as CSR tensors\n"
      "Exit codes: 0 ok, 1 bad input, 2 usage, 3 backend unavailable.");
  return [o]() {
    const std::string out_kind = file_kind(o->out);
    Progress progress(o->quiet);
    std::optional<std::string> tensor;
    if (!o->tensor.empty()) tensor = o->tensor;
    auto on_layer = [&](std::size_t d, std::size_t t) { progress.update(d, t, "reading"); };
    LoadedFile in = load_file(o->in, tensor, on_layer, o->allow_non_finite);
    SaveRequest req{o->out, {}, o->block_size, std::move(in.passthrough), std::move(in.metadata)};
    for (auto& layer : in.layers) {
      const StoreAs as = resolve(out_kind, o->format, layer.matrix, o->block_size);
      req.layers.emplace_back(std::move(layer), as);
    }
    progress.update(1, 1, "writing");
    save_file(req);
    if (!o->quiet)
      for (const auto& [layer, as] : req.layers) {
        const Shape s = shape_of(layer.matrix);
        std::printf("%s: %s (%lld x %lld, %lld non-zeros) as %s\n", o->out.c_str(), layer.name.c_str(),
                    static_cast<long long>(s.rows), static_cast<long long>(s.cols),
                    static_cast<long long>(nnz_of(layer.matrix)), to_string(as).c_str());
      }
    return kOk;
  };
}

}  // namespace sparse_formats::cli
