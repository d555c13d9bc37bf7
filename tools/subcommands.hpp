// Each subcommand registers its options on the app and returns what runs it (tools/<name>.cpp).
#pragma once

#include <functional>

#include <CLI/CLI.hpp>

namespace sparse_formats::cli {

using Run = std::function<int()>;

Run add_analyze(CLI::App& app);
Run add_convert(CLI::App& app);
Run add_prune(CLI::App& app);
Run add_devices(CLI::App& app);

}  // namespace sparse_formats::cli
