// One function per binding area, each defined in its own *_bindings.cpp file and called
// once from module.cpp. To add an area: declare it here, define it in a new file, list the
// file in python/CMakeLists.txt and call it in module.cpp (docs/python.md).
#pragma once

#include <nanobind/nanobind.h>

namespace sparse_formats::python {

namespace nb = nanobind;

void bind_errors(nb::module_& m);   // errors_bindings.cpp: C++ error types -> Python exceptions
void bind_config(nb::module_& m);   // config_bindings.cpp: thread count, build facts
void bind_formats(nb::module_& m);  // formats_bindings.cpp: CSR, CSC, block-sparse for each type pair
void bind_io(nb::module_& m);       // io_bindings.cpp: Matrix Market, .npy, .npz, safetensors files
void bind_select(nb::module_& m);   // select_bindings.cpp: DynamicFormatSelector and the pruners

}  // namespace sparse_formats::python
