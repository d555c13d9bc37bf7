// A one-line progress bar on stderr, drawn only when stderr is a terminal and --quiet is off.
#pragma once

#include <cstddef>
#include <string>

namespace sparse_formats::cli {

class Progress {
 public:
  explicit Progress(bool quiet);
  ~Progress();
  void update(std::size_t done, std::size_t total, const std::string& what);
  bool enabled() const { return enabled_; }

 private:
  bool enabled_;
  bool drawn_ = false;
};

}  // namespace sparse_formats::cli
