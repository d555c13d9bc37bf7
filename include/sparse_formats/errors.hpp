// Typed errors. Every message names what is wrong (shapes, indices, file and line).
// Python maps each type to the built-in exception named beside it.
#pragma once

#include <stdexcept>
#include <string>

namespace sparse_formats {

// Root of every error this library throws.
class error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A bad argument value or option (negative threshold, zero block size ...). Python: ValueError.
class invalid_argument : public error {
 public:
  using error::error;
};

// Operand shapes do not fit together; the message names both shapes. Python: ValueError.
class shape_mismatch : public invalid_argument {
 public:
  using invalid_argument::invalid_argument;
};

// Raw arrays that do not form a valid matrix: wrong lengths, non-monotone pointers,
// unsorted or duplicate indices, non-zero padding. Python: ValueError.
class invalid_structure : public invalid_argument {
 public:
  using invalid_argument::invalid_argument;
};

// An index outside the matrix. Python: IndexError.
class index_out_of_range : public error {
 public:
  using error::error;
};

// A size or count that does not fit the index type (never wrapped). Python: OverflowError.
class index_overflow : public error {
 public:
  using error::error;
};

// A valid request this build or backend does not implement. Python: NotImplementedError.
class unsupported : public error {
 public:
  using error::error;
};

// The requested backend is not compiled in or has no usable device. Python: RuntimeError.
class backend_unavailable : public error {
 public:
  using error::error;
};

// A file that cannot be read; the message starts with "FILE:LINE:" or "FILE: byte N:". Python: ValueError.
class parse_error : public invalid_argument {
 public:
  using invalid_argument::invalid_argument;
};

}  // namespace sparse_formats
