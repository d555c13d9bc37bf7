// Process-wide settings of the CPU backend.
#include "bindings.hpp"

#include <sparse_formats/config.hpp>
#include <sparse_formats/types.hpp>

namespace sparse_formats::python {

void bind_config(nb::module_& m) {
  nb::enum_<Backend>(m, "Backend", "Where a product runs; automatic picks the fastest available.")
      .value("automatic", Backend::automatic)
      .value("reference", Backend::reference)
      .value("cpu", Backend::cpu)
      .value("opencl", Backend::opencl);
  m.def("num_threads", &sparse_formats::num_threads, "Threads the CPU kernels use.");
  m.def("set_num_threads", &sparse_formats::set_num_threads, nb::arg("threads"),
        "Sets the threads the CPU kernels use; 0 restores the default "
        "(SPARSE_FORMATS_NUM_THREADS if set, else OpenMP's default).");
  m.def("cached_memory_bytes", &sparse_formats::cached_memory_bytes,
        "Bytes held in freed arrays of 4 MiB and more that the library keeps for reuse (up to 256 MiB).");
  m.def("release_cached_memory", &sparse_formats::release_cached_memory,
        "Returns the freed arrays the library keeps for reuse to the system.");
  m.def("has_openmp", &sparse_formats::has_openmp, "Whether the library was built with OpenMP.");
}

}  // namespace sparse_formats::python
