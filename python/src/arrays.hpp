// numpy <-> C++ storage without copies. Inputs are borrowed into Buffer<T> with a keep-alive
// that holds the numpy array; outputs are read-only numpy views whose owner keeps a copy of
// the Buffer (so the C++ storage outlives every view of it).
#pragma once

#include <cstdint>
#include <memory>
#include <type_traits>
#include <nanobind/ndarray.h>

#include <sparse_formats/types.hpp>

#include "bindings.hpp"

namespace sparse_formats::python {

// numpy name of a C++ element type, used in the names of the bound classes.
template <typename T>
constexpr const char* dtype_name() {
  if constexpr (std::is_same_v<T, float>) return "float32";
  if constexpr (std::is_same_v<T, double>) return "float64";
  if constexpr (std::is_same_v<T, std::int32_t>) return "int32";
  if constexpr (std::is_same_v<T, std::int64_t>) return "int64";
}

// Contiguous 1-D input (values or index arrays).
template <typename T>
using Array1 = nb::ndarray<const T, nb::ndim<1>, nb::c_contig, nb::device::cpu>;
// 2-D input with any non-negative element strides (C, Fortran, sliced).
template <typename T>
using Strided2 = nb::ndarray<const T, nb::ndim<2>, nb::device::cpu>;
// 2-D writable output, row-major.
template <typename T>
using Output2 = nb::ndarray<T, nb::ndim<2>, nb::c_contig, nb::device::cpu>;
// Read-only numpy views handed back to Python.
template <typename T, std::size_t N>
using NumpyView = nb::ndarray<nb::numpy, const T, nb::ndim<N>>;

// Borrows the array's memory; the keep-alive may be released on a thread without the GIL
// (a kernel running with the GIL released drops the last C++ reference), so its deleter
// takes the GIL before releasing the Python reference, and does nothing once the
// interpreter is gone.
template <typename T>
Buffer<T> borrow(const Array1<T>& array) {
  auto* held = new Array1<T>(array);
  std::shared_ptr<const void> keep_alive(held, [](Array1<T>* p) noexcept {
    if (nb::detail::cleanup_guard gil{}) delete p;
  });
  return Buffer<T>::borrow(array.data(), array.shape(0), std::move(keep_alive));
}

template <typename T>
DenseView<const T> strided_view(const Strided2<T>& a) {
  return {a.data(), static_cast<std::int64_t>(a.shape(0)), static_cast<std::int64_t>(a.shape(1)), a.stride(0),
          a.stride(1)};
}

template <typename T>
DenseView<T> output_view(const Output2<T>& a) {
  return DenseView<T>::row_major(a.data(), static_cast<std::int64_t>(a.shape(0)),
                                 static_cast<std::int64_t>(a.shape(1)));
}

// A numpy view of `buffer` with the given shape (product = buffer.size()).
template <std::size_t N, typename T>
NumpyView<T, N> view_of(const Buffer<T>& buffer, std::initializer_list<std::size_t> shape) {
  static const T empty_storage{};  // numpy wants a valid pointer even for 0 elements
  auto* copy = new Buffer<T>(buffer);
  nb::capsule owner(copy, [](void* p) noexcept { delete static_cast<Buffer<T>*>(p); });
  const T* data = buffer.empty() ? &empty_storage : buffer.data();
  return NumpyView<T, N>(data, shape, owner);
}

}  // namespace sparse_formats::python
