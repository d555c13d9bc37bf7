// devices: which backends run products in this build, each checked with a real 1x1 product.
#include <cstdio>
#include <memory>

#include "cli_errors.hpp"
#include "subcommands.hpp"

#include <sparse_formats/sparse_formats.hpp>

namespace sparse_formats::cli {

Run add_devices(CLI::App& app) {
  auto require = std::make_shared<std::string>();
  CLI::App* sub = app.add_subcommand("devices", "List the compute backends this build can use");
  sub->add_option("--require", *require, "exit with code 3 unless this backend works")
      ->check(CLI::IsMember({"reference", "cpu", "opencl"}));
  sub->footer(
      "Examples:\n"
      "  sparse-formats devices\n"
      "  sparse-formats devices --require opencl   # exit code 3 when OpenCL is unavailable\n"
      "Exit codes: 0 ok, 1 bad input, 2 usage, 3 backend unavailable.");
  return [require]() {
    std::printf("threads: %d (OpenMP %s)\n", num_threads(), has_openmp() ? "on" : "off");
    int code = kOk;
    for (Backend b : {Backend::reference, Backend::cpu, Backend::opencl}) {
      const float one = 1.0f;
      const auto m = CSRMatrix<float, std::int32_t>::from_dense(DenseView<const float>::row_major(&one, 1, 1));
      float y = 0.0f;
      std::string status = "available";
      try {
        spmm(m, DenseView<const float>::row_major(&one, 1, 1), DenseView<float>::row_major(&y, 1, 1), Transpose::no, b);
        if (y != 1.0f) status = "wrong result";
      } catch (const backend_unavailable& e) {
        status = std::string("unavailable: ") + e.what();
        if (*require == to_string(b)) code = kBackendUnavailable;
      }
      std::printf("%-9s %s\n", to_string(b).c_str(), status.c_str());
    }
    return code;
  };
}

}  // namespace sparse_formats::cli
