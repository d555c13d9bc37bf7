// The .npy layout (magic, version, header dict, raw data), shared by the .npy and .npz readers.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sparse_formats/io.hpp"

namespace sparse_formats::io_detail {

struct NpyArray {
  NpyHeader header;
  char kind = 'f';        // numpy kind: f (float), i (signed), u (unsigned), b (bool), S (bytes), U (unicode)
  int itemsize = 0;
  bool big_endian = false;
  std::int64_t count = 0;  // elements
  std::string_view data;   // count * itemsize bytes
  std::int64_t data_offset = 0;  // of data within the file named in messages
};

// Parses and checks an .npy image; `base` is its byte offset inside the named file (npz members).
NpyArray parse_npy(std::string_view bytes, const std::string& name, std::int64_t base = 0);

// Elements in file order converted to T (float, double, int32, int64). Integers that do not fit
// an integer T are reported; floats into integers are rejected.
template <typename T>
std::vector<T> npy_values(const NpyArray& a, const std::string& name);

// The text of an S or U scalar (ASCII only).
std::string npy_string(const NpyArray& a, const std::string& name);

// An .npy image: little-endian data already laid out as `descr` says.
std::string make_npy(const std::string& descr, const std::vector<std::int64_t>& shape, bool fortran_order,
                     std::string_view data);

template <typename T>
std::string npy_descr();  // "<f4", "<f8", "<i4", "<i8"

}  // namespace sparse_formats::io_detail
