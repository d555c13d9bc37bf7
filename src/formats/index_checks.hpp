// Index-type range checks shared by every format: sizes never wrap around.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <type_traits>

#include "sparse_formats/errors.hpp"

namespace sparse_formats::detail {

template <typename I>
const char* index_type_name() {
  return sizeof(I) == 4 ? "int32" : "int64";
}

// Throws index_overflow when `value` (a dimension or count) does not fit the index type I.
template <typename I>
void check_fits_index(std::int64_t value, const std::string& what) {
  if (value > static_cast<std::int64_t>(std::numeric_limits<I>::max()))
    throw index_overflow(what + " = " + std::to_string(value) + " does not fit the " + index_type_name<I>() +
                         " index type; use int64 indices");
}

inline void check_shape(std::int64_t rows, std::int64_t cols, const char* what) {
  if (rows < 0 || cols < 0)
    throw invalid_argument(std::string(what) + ": shape (" + std::to_string(rows) + ", " + std::to_string(cols) +
                           ") has a negative dimension");
}

// Threshold for from_dense: finite and >= 0.
void check_threshold(double threshold, const char* what);

// An entry is stored when it is NaN, infinite, or |v| > threshold.
template <typename V>
inline bool keep_entry(V v, double threshold) {
  const double a = v < V(0) ? -static_cast<double>(v) : static_cast<double>(v);
  return !(a <= threshold);  // true for NaN (every comparison with NaN is false) and for |v| > threshold
}

}  // namespace sparse_formats::detail
