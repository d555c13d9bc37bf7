// Statistics and memory accounting with true byte counts of the stored arrays.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>

#include "sparse_formats/types.hpp"

namespace sparse_formats {

// Bytes per stored array (keys are the public array names) plus "total".
using MemoryFootprint = std::map<std::string, std::size_t>;

struct SparseMatrixStats {
  std::int64_t nnz = 0;
  double sparsity = 0.0;           // 1 - density; 0 for an empty shape
  double density = 0.0;            // nnz / (rows * cols); 0 for an empty shape
  Shape shape;
  std::size_t memory_dense = 0;    // rows * cols * sizeof(value)
  std::size_t memory_sparse = 0;   // sum of memory_footprint() arrays
  double compression_ratio = 0.0;  // memory_dense / memory_sparse
};

struct BlockSparseStats : SparseMatrixStats {
  std::int64_t num_blocks = 0;
  std::int64_t block_size = 0;
  std::int64_t stored_values = 0;    // num_blocks * block_size^2, padding included
  bool wavefront_aligned = false;    // block_size^2 is a multiple of 64 (one GCN wavefront)
  double storage_efficiency = 0.0;   // nnz / stored_values (1 when nothing is stored)
  std::int64_t dropped_nnz = 0;      // non-zeros removed by a positive block threshold
  double dropped_norm_fraction = 0.0;  // ||dropped||_F / ||original||_F
};

}  // namespace sparse_formats
