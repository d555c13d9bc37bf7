// Process-wide settings of the CPU backend.
#pragma once

namespace sparse_formats {

// Threads used by the CPU kernels. 0 restores the default: SPARSE_FORMATS_NUM_THREADS if set,
// otherwise OpenMP's default. Results are deterministic for a given thread count.
void set_num_threads(int threads);
int num_threads();

// Whether the library was built with OpenMP (without it the CPU backend runs one thread).
bool has_openmp();

}  // namespace sparse_formats
