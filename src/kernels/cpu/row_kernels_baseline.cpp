// The CPU inner loops compiled for the baseline instruction set (flags set in src/CMakeLists.txt).
#define SPARSE_FORMATS_ISA baseline
#include "kernels/cpu/row_kernels_impl.hpp"
