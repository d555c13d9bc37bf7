#include <cstdio>
#include <sstream>

#include "fuzz_common.hpp"
#include "sparse_formats/io.hpp"

namespace {

// A valid header may declare billions of empty rows, and CSR then needs that many row pointers:
// a legitimate allocation, not a bug, but beyond the fuzzer's memory limit. Skip such inputs.
bool declares_huge_shape(std::string_view bytes) {
  std::istringstream in{std::string(bytes.substr(0, 4096))};
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '%') continue;
    long long rows = 0, cols = 0;
    if (std::sscanf(line.c_str(), "%lld %lld", &rows, &cols) != 2) return false;
    constexpr long long kMax = 1 << 22;
    return rows > kMax || cols > kMax;
  }
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (declares_huge_shape({reinterpret_cast<const char*>(data), size})) return 0;
  expect_typed_errors(data, size, [](std::string_view b, const std::string& n) {
    sparse_formats::read_matrix_market_from_memory<double, std::int32_t>(b, n);
    sparse_formats::read_matrix_market_from_memory<float, std::int64_t>(b, n, {true});
  });
  return 0;
}
