// Shared value types: shapes, dense views, owning dense results and immutable shared buffers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace sparse_formats {

struct Shape {
  std::int64_t rows = 0;
  std::int64_t cols = 0;
  friend bool operator==(const Shape&, const Shape&) = default;
};

// "(rows, cols)", used in every error message about shapes.
std::string to_string(Shape shape);

// A strided 2-D view of dense memory; row-major is col_stride == 1, row_stride >= cols.
// Strides are in elements and may be any non-negative value (Fortran order, numpy slices).
template <typename T>
struct DenseView {
  T* data = nullptr;
  std::int64_t rows = 0;
  std::int64_t cols = 0;
  std::int64_t row_stride = 0;
  std::int64_t col_stride = 1;

  static DenseView row_major(T* data, std::int64_t rows, std::int64_t cols) {
    return {data, rows, cols, cols, 1};
  }
  // A vector of length n seen as an n x 1 matrix.
  static DenseView column(T* data, std::int64_t n) { return {data, n, 1, 1, 1}; }

  Shape shape() const { return {rows, cols}; }
  T& operator()(std::int64_t i, std::int64_t j) const { return data[i * row_stride + j * col_stride]; }
  bool is_row_major_contiguous() const { return col_stride == 1 && (row_stride == cols || rows <= 1); }
  operator DenseView<const T>() const { return {data, rows, cols, row_stride, col_stride}; }
};

// An owning row-major dense matrix: what products and to_dense() return.
template <typename T>
struct DenseMatrix {
  std::vector<T> data;
  std::int64_t rows = 0;
  std::int64_t cols = 0;

  DenseMatrix() = default;
  DenseMatrix(std::int64_t r, std::int64_t c) : data(static_cast<std::size_t>(r * c)), rows(r), cols(c) {}
  Shape shape() const { return {rows, cols}; }
  T& operator()(std::int64_t i, std::int64_t j) { return data[static_cast<std::size_t>(i * cols + j)]; }
  const T& operator()(std::int64_t i, std::int64_t j) const { return data[static_cast<std::size_t>(i * cols + j)]; }
  DenseView<T> view() { return DenseView<T>::row_major(data.data(), rows, cols); }
  DenseView<const T> view() const { return DenseView<const T>::row_major(data.data(), rows, cols); }
};

// An immutable array that is owned (moved in from a vector) or borrowed from memory kept
// alive by `keep_alive` (a numpy array, a mapped file). Copies share the same memory,
// which is what lets a transpose or a Python view cost nothing.
template <typename T>
class Buffer {
 public:
  Buffer() = default;
  Buffer(std::vector<T> values) {  // NOLINT(google-explicit-constructor): vectors are the common case
    auto owned = std::make_shared<const std::vector<T>>(std::move(values));
    data_ = owned->data();
    size_ = owned->size();
    keep_alive_ = std::move(owned);
  }
  Buffer(std::initializer_list<T> values) : Buffer(std::vector<T>(values)) {}

  static Buffer borrow(const T* data, std::size_t size, std::shared_ptr<const void> keep_alive) {
    Buffer b;
    b.data_ = data;
    b.size_ = size;
    b.keep_alive_ = std::move(keep_alive);
    return b;
  }

  const T* data() const noexcept { return data_; }
  std::size_t size() const noexcept { return size_; }
  bool empty() const noexcept { return size_ == 0; }
  const T& operator[](std::size_t i) const noexcept { return data_[i]; }
  const T* begin() const noexcept { return data_; }
  const T* end() const noexcept { return data_ + size_; }
  std::span<const T> span() const noexcept { return {data_, size_}; }
  const std::shared_ptr<const void>& keep_alive() const noexcept { return keep_alive_; }

 private:
  const T* data_ = nullptr;
  std::size_t size_ = 0;
  std::shared_ptr<const void> keep_alive_;
};

// Where a product runs. `automatic` picks the fastest available backend for the call.
enum class Backend { automatic, reference, cpu, opencl };
std::string to_string(Backend backend);

// How raw index arrays are treated at construction.
enum class IndexOrder {
  require_sorted,  // reject unsorted or duplicate indices (the default: nothing is changed silently)
  sort_and_sum,    // sort each row's indices and sum duplicates (explicit opt-in)
};

}  // namespace sparse_formats
