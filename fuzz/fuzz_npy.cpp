#include "fuzz_common.hpp"
#include "sparse_formats/io.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  expect_typed_errors(data, size, [](std::string_view b, const std::string& n) {
    sparse_formats::read_npy_from_memory<float>(b, n);
  });
  return 0;
}
