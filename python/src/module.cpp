// sparse_formats._core: the compiled half of the Python package. The public classes are the
// pure-Python wrappers in python/sparse_formats/, which pick the instantiation to call.
#include "bindings.hpp"

NB_MODULE(_core, m) {
  using namespace sparse_formats::python;
  m.doc() = "C++ core of sparse_formats (use the sparse_formats package, not this module)";
  bind_errors(m);  // first: every later binding may throw
  bind_config(m);
  bind_formats(m);
  bind_io(m);  // after bind_formats: returns its classes
  bind_select(m);
}
