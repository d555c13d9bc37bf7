# The OpenCL backend. SPARSE_FORMATS_WITH_OPENCL: AUTO (use it when find_package(OpenCL) succeeds),
# ON (require it) or OFF. Without it the stub source throws backend_unavailable, so the library and
# its callers build the same way on every machine.
set(_sf_opencl_dir ${CMAKE_CURRENT_LIST_DIR})
set(SPARSE_FORMATS_OPENCL_FOUND OFF)
if(NOT SPARSE_FORMATS_WITH_OPENCL STREQUAL "OFF")
  if(SPARSE_FORMATS_WITH_OPENCL STREQUAL "ON")
    find_package(OpenCL REQUIRED)
  else()
    find_package(OpenCL QUIET)
  endif()
  if(OpenCL_FOUND)
    set(SPARSE_FORMATS_OPENCL_FOUND ON)
  endif()
endif()
set(SPARSE_FORMATS_OPENCL_FOUND ${SPARSE_FORMATS_OPENCL_FOUND} PARENT_SCOPE)

target_sources(sparse_formats PRIVATE ${_sf_opencl_dir}/device_matrix.cpp ${_sf_opencl_dir}/bsr_transpose.cpp
                                      ${_sf_opencl_dir}/plan.cpp)
if(SPARSE_FORMATS_OPENCL_FOUND)
  message(STATUS "sparse_formats: OpenCL backend enabled (${OpenCL_LIBRARIES})")
  # Kernels are embedded at build time: every .cl file, in this order, becomes one string in a generated source.
  set(_sf_cl_files common.cl csr_spmv.cl csr_spmm.cl bsr_spmm.cl)
  set(_sf_cl_source "")
  foreach(_f IN LISTS _sf_cl_files)
    file(READ ${_sf_opencl_dir}/kernels/${_f} _text)
    string(APPEND _sf_cl_source "// ---- ${_f}\n${_text}\n")
    set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${_sf_opencl_dir}/kernels/${_f})
  endforeach()
  set(SPARSE_FORMATS_CL_SOURCE "${_sf_cl_source}")
  configure_file(${_sf_opencl_dir}/kernel_source.cpp.in ${CMAKE_CURRENT_BINARY_DIR}/opencl_kernel_source.cpp @ONLY)
  target_sources(sparse_formats PRIVATE
    ${CMAKE_CURRENT_BINARY_DIR}/opencl_kernel_source.cpp
    ${_sf_opencl_dir}/runtime.cpp
    ${_sf_opencl_dir}/opencl_backend.cpp)
  target_link_libraries(sparse_formats PRIVATE OpenCL::OpenCL)
  target_compile_definitions(sparse_formats PRIVATE CL_TARGET_OPENCL_VERSION=120)
else()
  message(STATUS "sparse_formats: OpenCL backend not built (products on it throw backend_unavailable)")
  target_sources(sparse_formats PRIVATE ${_sf_opencl_dir}/opencl_stub.cpp)
endif()
