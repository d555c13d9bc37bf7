// The program's view of a file: named matrices ("layers") kept in their file's value type, plus
// the tensors of a model file that are not 2-D weights (copied through unchanged).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <sparse_formats/sparse_formats.hpp>

namespace sparse_formats::cli {

// float32 or float64 values; int32 indices unless the matrix needs int64.
using AnyCsr = std::variant<CSRMatrix<float, std::int32_t>, CSRMatrix<double, std::int32_t>,
                            CSRMatrix<float, std::int64_t>, CSRMatrix<double, std::int64_t>>;

struct Layer {
  std::string name;
  AnyCsr matrix;
};

struct LoadedFile {
  std::string kind;  // "mtx", "npz", "npy", "safetensors"
  std::vector<Layer> layers;
  std::vector<Tensor> passthrough;  // safetensors tensors that are not 2-D floating-point weights
  std::map<std::string, std::string> metadata;
};

// "mtx" for .mtx and .mtx.gz, "npz", "npy", "safetensors"; throws invalid_argument otherwise.
std::string file_kind(const std::string& path);

// Loads every 2-D weight of the file, or only `tensor` when given (safetensors); `on_layer` is
// called after each one (for progress).
// allow_non_finite: read NaN/Inf in Matrix Market files (rejected by default, docs/io.md).
LoadedFile load_file(const std::string& path, const std::optional<std::string>& tensor,
                     const std::function<void(std::size_t done, std::size_t total)>& on_layer = {},
                     bool allow_non_finite = false);

// The embedded default matrix of `analyze` (see tools/data/README.md).
LoadedFile load_embedded_default();
extern const char* const kEmbeddedDefaultDescription;

// What to write each layer as.
enum class StoreAs { csr, csc, bsr, dense };
std::string to_string(StoreAs s);

struct SaveRequest {
  std::string path;
  std::vector<std::pair<Layer, StoreAs>> layers;
  std::int64_t block_size = 8;
  std::vector<Tensor> passthrough;
  std::map<std::string, std::string> metadata;
};
void save_file(const SaveRequest& request);

// Shorthands over the variant.
Shape shape_of(const AnyCsr& m);
std::int64_t nnz_of(const AnyCsr& m);
bool is_single(const AnyCsr& m);  // float32 values

}  // namespace sparse_formats::cli
