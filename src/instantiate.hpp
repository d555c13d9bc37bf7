// The one place value and index types are listed: every templated source file expands
// SPARSE_FORMATS_FOR_EACH_TYPE with its own explicit instantiations, so adding a type is one line.
#pragma once

#include <cstdint>

#define SPARSE_FORMATS_FOR_EACH_TYPE(X) \
  X(float, std::int32_t)                \
  X(float, std::int64_t)                \
  X(double, std::int32_t)               \
  X(double, std::int64_t)
