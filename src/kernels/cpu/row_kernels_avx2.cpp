// The CPU inner loops compiled for the avx2 instruction set (flags set in src/CMakeLists.txt).
#define SPARSE_FORMATS_ISA avx2
#include "kernels/cpu/row_kernels_impl.hpp"
