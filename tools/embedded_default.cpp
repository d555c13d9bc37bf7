// The matrix `analyze` reads when given no file (tools/data/README.md says where it comes from).
#include <string_view>

#include "layers.hpp"

extern const unsigned char sparse_formats_default_layer[];
extern const std::size_t sparse_formats_default_layer_size;

namespace sparse_formats::cli {

const char* const kEmbeddedDefaultDescription =
    "embedded default: fc1.weight (500x784) of the ggml MNIST MLP (MIT), magnitude-pruned to 90% sparsity";

LoadedFile load_embedded_default() {
  const std::string_view bytes(reinterpret_cast<const char*>(sparse_formats_default_layer),
                               sparse_formats_default_layer_size);
  LoadedFile f;
  f.kind = "npz";
  f.layers.push_back({"fc1.weight", read_npz_from_memory<float, std::int32_t>(bytes, "embedded default_layer.npz")});
  return f;
}

}  // namespace sparse_formats::cli
