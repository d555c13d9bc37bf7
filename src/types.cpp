#include "sparse_formats/types.hpp"

namespace sparse_formats {

std::string to_string(Shape shape) {
  return "(" + std::to_string(shape.rows) + ", " + std::to_string(shape.cols) + ")";
}

std::string to_string(Backend backend) {
  switch (backend) {
    case Backend::automatic: return "automatic";
    case Backend::reference: return "reference";
    case Backend::cpu: return "cpu";
    case Backend::opencl: return "opencl";
  }
  return "unknown";
}

}  // namespace sparse_formats
