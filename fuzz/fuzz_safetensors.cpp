#include "fuzz_common.hpp"
#include "sparse_formats/io.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  expect_typed_errors(data, size, [](std::string_view b, const std::string& n) {
    const auto index = sparse_formats::read_safetensors_index_from_memory(b, n);
    for (const auto& t : index.tensors)
      if (t.shape.size() == 2) sparse_formats::read_safetensors_matrix_from_memory(b, n, t.name);
  });
  return 0;
}
