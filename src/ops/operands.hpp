// The operand checks and contiguous-copy wrapper of spmm(), shared with SpmmPlan::run().
#pragma once

#include <functional>

#include "sparse_formats/types.hpp"

namespace sparse_formats::detail {

// Shapes, null pointers, strides and x/y overlap, with spmm()'s messages.
template <typename V>
void check_product_operands(const char* what, Shape op_shape, DenseView<const V> x, DenseView<V> y);

// spmm()'s early exit on the CPU: true where y is empty, or where op(A) has no columns (x has no
// rows and its data may be null) after setting y to zeros.
template <typename V>
bool no_product_terms(DenseView<const V> x, DenseView<V> y);

// Calls kernel on unit-column-stride views of x and y (copies when needed, y copied back).
template <typename V>
void run_on_contiguous(DenseView<const V> x, DenseView<V> y,
                       const std::function<void(DenseView<const V>, DenseView<V>)>& kernel);

}  // namespace sparse_formats::detail
