// Measured mode: time the candidate formats for one operation, cached per workload.
#pragma once

#include <functional>
#include <map>

#include "sparse_formats/selector.hpp"

namespace sparse_formats::detail {

// Seconds per call (the minimum over repetitions) of every format, dense included as the
// baseline; `make` converts the input to a format and is called only on a cache miss.
template <typename V, typename I>
std::map<Format, double> measure_formats(const SparsityAnalysis& a, const SelectOptions& o,
                                         const std::function<AnyMatrix<V, I>(Format)>& make);

}  // namespace sparse_formats::detail
