// Files in and out: Matrix Market (.mtx, .mtx.gz), scipy .npz, numpy .npy and safetensors.
//
// Every reader checks declared sizes against the file's length and the index type before it
// allocates, and every problem in a file throws parse_error whose message starts with
// "FILE:LINE:" (text formats) or "FILE: byte N:" (binary formats). Complex and Hermitian
// Matrix Market files throw unsupported. Each reader has a *_from_memory twin that takes the
// bytes and the name to use in messages (fuzzing, Python buffers).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "sparse_formats/block_sparse_matrix.hpp"
#include "sparse_formats/csc_matrix.hpp"
#include "sparse_formats/csr_matrix.hpp"
#include "sparse_formats/types.hpp"

namespace sparse_formats {

// ---------------------------------------------------------------- Matrix Market
//
// Reading: coordinate and array layouts; real, integer and pattern fields (pattern values are 1);
// general, symmetric and skew-symmetric (expanded: every off-diagonal entry is mirrored, negated
// for skew-symmetric; diagonal entries are kept as written, as scipy.io.mmread does). Duplicate coordinates are summed, which is what
// scipy.io.mmread(...).tocsr() gives. Array files are column-major and their exact zeros are
// not stored. Numbers that overflow the value type are rejected. NaN and infinite values ("nan",
// "inf", "infinity" in any case) are rejected by default, since a weight file holding them is most
// likely corrupt; allow_non_finite = true reads them as scipy.io.mmread does. Files ending in
// ".gz" are decompressed with zlib.

struct MatrixMarketHeader {
  std::string format;    // "coordinate" or "array"
  std::string field;     // "real", "integer", "pattern" (complex is reported, then rejected)
  std::string symmetry;  // "general", "symmetric", "skew-symmetric", "hermitian"
  Shape shape;
  std::int64_t entries = 0;  // entries as declared in the file (before symmetric expansion)
};

struct MatrixMarketReadOptions {
  bool allow_non_finite = false;
};

MatrixMarketHeader read_matrix_market_header(const std::string& path);

template <typename V = double, typename I = std::int32_t>
CSRMatrix<V, I> read_matrix_market(const std::string& path, MatrixMarketReadOptions options = {});
template <typename V = double, typename I = std::int32_t>
CSCMatrix<V, I> read_matrix_market_csc(const std::string& path, MatrixMarketReadOptions options = {});
template <typename V = double, typename I = std::int32_t>
CSRMatrix<V, I> read_matrix_market_from_memory(std::string_view text, const std::string& name,
                                               MatrixMarketReadOptions options = {});

enum class MatrixMarketField { real, integer, pattern };

// Coordinate layout, general symmetry, 1-based, entries in row order; real values are written
// with the shortest text that reads back to the same value. `integer` requires integral values.
template <typename V, typename I>
void write_matrix_market(const std::string& path, const CSRMatrix<V, I>& matrix,
                         MatrixMarketField field = MatrixMarketField::real);
template <typename V, typename I>
void write_matrix_market(const std::string& path, const CSCMatrix<V, I>& matrix,
                         MatrixMarketField field = MatrixMarketField::real);
// Array layout (column-major), general symmetry.
template <typename V>
void write_matrix_market_dense(const std::string& path, DenseView<const V> dense);

// ---------------------------------------------------------------- numpy .npy
//
// 2-D (or 1-D, read as n x 1) arrays of float32 or float64, little- or big-endian, C or Fortran
// order. Reading into the other float type converts (float64 -> float32 rounds to nearest).

struct NpyHeader {
  std::string descr;  // numpy dtype string, e.g. "<f4"
  bool fortran_order = false;
  std::vector<std::int64_t> shape;
  std::int64_t data_offset = 0;  // byte where the array data starts
};

NpyHeader read_npy_header(const std::string& path);

template <typename V = float>
DenseMatrix<V> read_npy(const std::string& path);
template <typename V = float>
DenseMatrix<V> read_npy_from_memory(std::string_view bytes, const std::string& name);
template <typename V>
void write_npy(const std::string& path, DenseView<const V> dense, bool fortran_order = false);

// ---------------------------------------------------------------- scipy .npz (save_npz / load_npz)
//
// The keys scipy.sparse.save_npz writes: format (b"csr" | b"csc" | b"bsr"), shape, data,
// indices, indptr, and _is_array = True for the sparse-array kinds (csr_array ...). Stored and
// deflate-compressed zip members are read (CRC-checked); integer data is converted to V.

struct NpzInfo {
  std::string format;   // "csr", "csc", "bsr"
  bool is_array = false;  // written from a scipy sparse array (csr_array) rather than a matrix
  Shape shape;
  std::int64_t nnz = 0;             // stored values (blocks * block area for bsr)
  std::string data_descr;           // numpy dtype of data, e.g. "<f8"
  std::int64_t block_rows = 1, block_cols = 1;  // bsr block shape
};

struct NpzWriteOptions {
  bool compressed = true;  // deflate, as scipy.sparse.save_npz's default
  bool array_kind = false;  // write _is_array = True (loads as csr_array ...)
};

NpzInfo read_npz_info(const std::string& path);

// Any of csr, csc and bsr (with any block shape) converted to the requested format.
template <typename V = double, typename I = std::int32_t>
CSRMatrix<V, I> read_npz(const std::string& path);
template <typename V = double, typename I = std::int32_t>
CSCMatrix<V, I> read_npz_csc(const std::string& path);
template <typename V = double, typename I = std::int32_t>
CSRMatrix<V, I> read_npz_from_memory(std::string_view bytes, const std::string& name);

template <typename V, typename I>
void write_npz(const std::string& path, const CSRMatrix<V, I>& matrix, NpzWriteOptions options = {});
template <typename V, typename I>
void write_npz(const std::string& path, const CSCMatrix<V, I>& matrix, NpzWriteOptions options = {});
template <typename V, typename I>
void write_npz(const std::string& path, const BlockSparseMatrix<V, I>& matrix, NpzWriteOptions options = {});

// ---------------------------------------------------------------- safetensors
//
// Reading converts F32, F16 and BF16 (and F64, rounded) 2-D tensors to float32. F16 -> float32 is
// exact (every half value, subnormals, infinities and NaN included, is a float32 value); BF16 ->
// float32 is exact (the 16 bits become the high half of the float32 bits).
// Sparse results are written as three plain 1-D tensors <name>.values (F32 or F64),
// <name>.col_indices and <name>.row_ptr (I32 or I64), with "<name>.shape" = "[rows, cols]" and
// "<name>.format" = "csr" in __metadata__, so any safetensors reader can open them.

struct TensorInfo {
  std::string name;
  std::string dtype;  // "F32", "F16", "BF16", "F64", "I32", "I64", ...
  std::vector<std::int64_t> shape;
  std::int64_t begin = 0, end = 0;  // byte range inside the data section
};

struct SafetensorsIndex {
  std::vector<TensorInfo> tensors;  // in data-offset order
  std::map<std::string, std::string> metadata;
  std::int64_t data_offset = 0;  // byte where the data section starts
  const TensorInfo* find(std::string_view name) const;
};

// A tensor's raw little-endian bytes, for copying tensors through unchanged.
struct Tensor {
  std::string name;
  std::string dtype;
  std::vector<std::int64_t> shape;
  std::vector<unsigned char> bytes;
};

SafetensorsIndex read_safetensors_index(const std::string& path);
SafetensorsIndex read_safetensors_index_from_memory(std::string_view bytes, const std::string& name);
// A 2-D floating-point tensor as float32 (conversion rule above).
DenseMatrix<float> read_safetensors_matrix(const std::string& path, const std::string& tensor);
DenseMatrix<float> read_safetensors_matrix_from_memory(std::string_view bytes, const std::string& name,
                                                       const std::string& tensor);
Tensor read_safetensors_tensor(const std::string& path, const std::string& tensor);
// A sparse matrix written by write_safetensors (<tensor>.values ...); validated like any CSR input.
template <typename V = float, typename I = std::int32_t>
CSRMatrix<V, I> read_safetensors_csr(const std::string& path, const std::string& tensor);
// Names of the sparse matrices in an index (those with a "<name>.format" = "csr" metadata entry).
std::vector<std::string> safetensors_sparse_names(const SafetensorsIndex& index);

// Appends the three tensors of a CSR matrix and its metadata entries.
template <typename V, typename I>
void append_csr_tensors(std::vector<Tensor>& tensors, std::map<std::string, std::string>& metadata,
                        const std::string& name, const CSRMatrix<V, I>& matrix);
// A dense matrix as one tensor (F32 or F64).
template <typename V>
Tensor make_dense_tensor(const std::string& name, DenseView<const V> dense);
void write_safetensors(const std::string& path, const std::vector<Tensor>& tensors,
                       const std::map<std::string, std::string>& metadata = {});

}  // namespace sparse_formats
