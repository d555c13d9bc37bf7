// The OpenCL runtime: device discovery, one context and in-order queue per device, and the kernel
// program built once per device and value/index type. Everything here lives until the process exits.
#pragma once

#include <CL/cl.h>

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "sparse_formats/device.hpp"

namespace sparse_formats::opencl {

// Throws sparse_formats::error naming the call and the OpenCL error code.
[[noreturn]] void throw_cl(cl_int code, const std::string& what);
inline void check(cl_int code, const char* what) {
  if (code != CL_SUCCESS) throw_cl(code, what);
}

// Owns one OpenCL object and releases it once.
template <typename T, cl_int (*Release)(T)>
class Handle {
 public:
  Handle() = default;
  explicit Handle(T h) : h_(h) {}
  Handle(Handle&& o) noexcept : h_(std::exchange(o.h_, nullptr)) {}
  Handle& operator=(Handle&& o) noexcept {
    if (this != &o) {
      reset();
      h_ = std::exchange(o.h_, nullptr);
    }
    return *this;
  }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  ~Handle() { reset(); }
  void reset() {
    if (h_) Release(h_);
    h_ = nullptr;
  }
  T get() const { return h_; }

 private:
  T h_ = nullptr;
};
using Mem = Handle<cl_mem, clReleaseMemObject>;
using Kernel = Handle<cl_kernel, clReleaseKernel>;
using Program = Handle<cl_program, clReleaseProgram>;
using ContextHandle = Handle<cl_context, clReleaseContext>;
using Queue = Handle<cl_command_queue, clReleaseCommandQueue>;

struct ClDevice {
  cl_platform_id platform = nullptr;
  cl_device_id id = nullptr;
  DeviceInfo info;
};
// Discovered once; empty when there is no ICD, platform or device.
const std::vector<ClDevice>& devices();

// The kernels of one program (one value/index type pair on one device).
struct Kernels {
  Program program;
  Kernel spmv_scalar, spmv_vector, spmm_blocks, spmm_gather_chunks, bsr_spmm;
  int max_work_group = 1;  // smallest CL_KERNEL_WORK_GROUP_SIZE among them
  int preferred_multiple = 1;
};

class Context {
 public:
  explicit Context(const ClDevice& device);
  cl_context context() const { return context_.get(); }
  cl_command_queue queue() const { return queue_.get(); }
  const DeviceInfo& info() const { return info_; }
  cl_device_id device_id() const { return device_; }
  // Built on first use (PoCL compiles at this point), then reused.
  Kernels& kernels(bool fp64, bool int64);
  // clSetKernelArg is not thread-safe on one kernel object: hold this from setting arguments to enqueueing.
  std::mutex& launch_mutex() { return launch_mutex_; }

  Mem buffer(std::size_t bytes, const void* host = nullptr);  // host != null: copied in
  void write(cl_mem buffer, const void* host, std::size_t bytes);
  void read(cl_mem buffer, void* host, std::size_t bytes);  // blocking

 private:
  cl_device_id device_;
  // Handles, so that a constructor that throws (the first program build failing) releases them.
  ContextHandle context_;
  Queue queue_;
  DeviceInfo info_;
  std::mutex build_mutex_, launch_mutex_;
  std::map<std::pair<bool, bool>, std::unique_ptr<Kernels>> kernels_;
};
// The context of device `index` (an index into devices()), created on first use.
Context& context(int index);

}  // namespace sparse_formats::opencl
