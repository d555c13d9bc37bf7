// Umbrella header: the whole public C++ API of sparse_formats.
#pragma once

#include "sparse_formats/block_sparse_matrix.hpp"
#include "sparse_formats/config.hpp"
#include "sparse_formats/csc_matrix.hpp"
#include "sparse_formats/csr_matrix.hpp"
#include "sparse_formats/device.hpp"
#include "sparse_formats/errors.hpp"
#include "sparse_formats/io.hpp"
#include "sparse_formats/operations.hpp"
#include "sparse_formats/plan.hpp"
#include "sparse_formats/pruning.hpp"
#include "sparse_formats/selector.hpp"
#include "sparse_formats/statistics.hpp"
#include "sparse_formats/types.hpp"
