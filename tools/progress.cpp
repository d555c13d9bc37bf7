#include "progress.hpp"

#include <unistd.h>

#include <cstdio>

namespace sparse_formats::cli {

Progress::Progress(bool quiet) : enabled_(!quiet && isatty(STDERR_FILENO) == 1) {}

Progress::~Progress() {
  if (drawn_) std::fprintf(stderr, "\r\033[K");  // leave the terminal line clean
}

void Progress::update(std::size_t done, std::size_t total, const std::string& what) {
  if (!enabled_ || total == 0) return;
  constexpr int kWidth = 30;
  const int filled = static_cast<int>(kWidth * done / total);
  std::fprintf(stderr, "\r\033[K[%.*s%*s] %zu/%zu %s", filled, "##############################", kWidth - filled, "",
               done, total, what.c_str());
  std::fflush(stderr);
  drawn_ = true;
}

}  // namespace sparse_formats::cli
