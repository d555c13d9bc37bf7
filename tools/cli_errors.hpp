// Exit codes of sparse-formats (docs/cli.md) and the one error type the program adds.
#pragma once

#include <stdexcept>

namespace sparse_formats::cli {

enum ExitCode : int { kOk = 0, kBadInput = 1, kUsage = 2, kBackendUnavailable = 3 };

// Options that cannot work together (or with the given files): exit code 2.
class usage_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace sparse_formats::cli
