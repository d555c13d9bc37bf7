// Python exception classes mirroring errors.hpp, each also a subclass of the built-in
// exception STYLE.md names, and one translator that maps the C++ types to them.
#include "bindings.hpp"

#include <nanobind/stl/string.h>
#include <stdexcept>
#include <string>

#include <sparse_formats/errors.hpp>

namespace sparse_formats::python {
namespace {

// Created once at import; module attributes keep them alive.
struct ErrorTypes {
  PyObject* base = nullptr;
  PyObject* invalid_argument = nullptr;
  PyObject* shape_mismatch = nullptr;
  PyObject* invalid_structure = nullptr;
  PyObject* parse_error = nullptr;
  PyObject* index_out_of_range = nullptr;
  PyObject* index_overflow = nullptr;
  PyObject* unsupported = nullptr;
  PyObject* backend_unavailable = nullptr;
};
ErrorTypes types;

PyObject* make(nb::module_& m, const char* name, std::initializer_list<PyObject*> bases, const char* doc) {
  nb::tuple base_tuple = nb::steal<nb::tuple>(PyTuple_New(static_cast<Py_ssize_t>(bases.size())));
  Py_ssize_t i = 0;
  for (PyObject* b : bases) PyTuple_SET_ITEM(base_tuple.ptr(), i++, nb::borrow(b).release().ptr());
  std::string qualified = std::string("sparse_formats.") + name;
  PyObject* type = PyErr_NewExceptionWithDoc(qualified.c_str(), doc, base_tuple.ptr(), nullptr);
  if (!type) throw nb::python_error();
  m.attr(name) = nb::steal(type);
  return type;
}

}  // namespace

void bind_errors(nb::module_& m) {
  types.base = make(m, "SparseFormatsError", {PyExc_Exception}, "Root of every error sparse_formats raises.");
  types.invalid_argument = make(m, "InvalidArgumentError", {types.base, PyExc_ValueError},
                                "A bad argument value or option.");
  types.shape_mismatch = make(m, "ShapeMismatchError", {types.invalid_argument},
                              "Operand shapes do not fit together.");
  types.invalid_structure = make(m, "InvalidStructureError", {types.invalid_argument},
                                 "Raw arrays that do not form a valid matrix.");
  types.parse_error = make(m, "ParseError", {types.invalid_argument}, "A file that cannot be read.");
  types.index_out_of_range = make(m, "IndexOutOfRangeError", {types.base, PyExc_IndexError},
                                  "An index outside the matrix.");
  types.index_overflow = make(m, "IndexOverflowError", {types.base, PyExc_OverflowError},
                              "A size or count that does not fit the index type.");
  types.unsupported = make(m, "UnsupportedError", {types.base, PyExc_NotImplementedError},
                           "A valid request this build or backend does not implement.");
  types.backend_unavailable = make(m, "BackendUnavailableError", {types.base, PyExc_RuntimeError},
                                   "The requested backend is not compiled in or has no usable device.");

  // Throws the named C++ error type, so tests can check every translation.
  m.def("_throw_for_test", [](const std::string& type, const std::string& message) {
    if (type == "invalid_argument") throw invalid_argument(message);
    if (type == "shape_mismatch") throw shape_mismatch(message);
    if (type == "invalid_structure") throw invalid_structure(message);
    if (type == "parse_error") throw parse_error(message);
    if (type == "index_out_of_range") throw index_out_of_range(message);
    if (type == "index_overflow") throw index_overflow(message);
    if (type == "unsupported") throw unsupported(message);
    if (type == "backend_unavailable") throw backend_unavailable(message);
    if (type == "error") throw error(message);
    throw std::logic_error("unknown error type " + type);
  });

  // Most derived first; anything else propagates to nanobind's own translators.
  nb::register_exception_translator([](const std::exception_ptr& p, void*) {
    try {
      std::rethrow_exception(p);
    } catch (const shape_mismatch& e) {
      PyErr_SetString(types.shape_mismatch, e.what());
    } catch (const invalid_structure& e) {
      PyErr_SetString(types.invalid_structure, e.what());
    } catch (const parse_error& e) {
      PyErr_SetString(types.parse_error, e.what());
    } catch (const invalid_argument& e) {
      PyErr_SetString(types.invalid_argument, e.what());
    } catch (const index_out_of_range& e) {
      PyErr_SetString(types.index_out_of_range, e.what());
    } catch (const index_overflow& e) {
      PyErr_SetString(types.index_overflow, e.what());
    } catch (const unsupported& e) {
      PyErr_SetString(types.unsupported, e.what());
    } catch (const backend_unavailable& e) {
      PyErr_SetString(types.backend_unavailable, e.what());
    } catch (const error& e) {
      PyErr_SetString(types.base, e.what());
    }
  });
}

}  // namespace sparse_formats::python
