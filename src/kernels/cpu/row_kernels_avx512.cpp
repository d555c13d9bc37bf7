// The CPU inner loops compiled for the avx512 instruction set (flags set in src/CMakeLists.txt).
#define SPARSE_FORMATS_ISA avx512
#include "kernels/cpu/row_kernels_impl.hpp"
