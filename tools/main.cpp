// sparse-formats: analyze | convert | prune | devices. Exit codes: 0 ok, 1 bad input, 2 usage,
// 3 backend unavailable (docs/cli.md).
#include <cstdio>
#include <exception>

#include <sparse_formats/errors.hpp>

#include "cli_errors.hpp"
#include "subcommands.hpp"

namespace cli = sparse_formats::cli;

int main(int argc, char** argv) {
  CLI::App app{"sparse-formats: store pruned neural-network weights in the format that saves the most"};
  app.require_subcommand(1);
  app.footer(
      "Examples:\n"
      "  sparse-formats analyze                          # the embedded default: a real pruned layer\n"
      "  sparse-formats analyze model.safetensors --tune\n"
      "  sparse-formats convert matrix.mtx matrix.npz --format auto\n"
      "  sparse-formats prune model.safetensors pruned.safetensors --sparsity 0.9 --method magnitude\n"
      "Exit codes: 0 ok, 1 bad input, 2 usage, 3 backend unavailable.");
  app.set_version_flag("--version", "sparse-formats 0.1.0");
  const cli::Run analyze = cli::add_analyze(app);
  const cli::Run convert = cli::add_convert(app);
  const cli::Run prune = cli::add_prune(app);
  const cli::Run devices = cli::add_devices(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? cli::kOk : cli::kUsage;
  }
  try {
    if (app.got_subcommand("analyze")) return analyze();
    if (app.got_subcommand("convert")) return convert();
    if (app.got_subcommand("prune")) return prune();
    return devices();
  } catch (const cli::usage_error& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return cli::kUsage;
  } catch (const sparse_formats::backend_unavailable& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return cli::kBackendUnavailable;
  } catch (const sparse_formats::error& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return cli::kBadInput;
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr, "error: out of memory\n");
    return cli::kBadInput;
  } catch (const std::exception& e) {  // not expected: every library error is typed
    std::fprintf(stderr, "error: %s\n", e.what());
    return cli::kBadInput;
  }
}
