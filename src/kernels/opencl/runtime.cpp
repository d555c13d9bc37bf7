#include "kernels/opencl/runtime.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>

#include "kernels/opencl/backend.hpp"
#include "sparse_formats/errors.hpp"

namespace sparse_formats::opencl {

extern const char* const kKernelSource;  // generated from kernels/*.cl

namespace {

// Vendor queries for the warp / wavefront width (cl_nv_device_attribute_query, cl_amd_device_attribute_query).
constexpr cl_device_info kWarpSizeNv = 0x4003;
constexpr cl_device_info kWavefrontWidthAmd = 0x4043;

const char* error_name(cl_int code) {
  switch (code) {
    case CL_DEVICE_NOT_FOUND:
      return "CL_DEVICE_NOT_FOUND";
    case CL_DEVICE_NOT_AVAILABLE:
      return "CL_DEVICE_NOT_AVAILABLE";
    case CL_COMPILER_NOT_AVAILABLE:
      return "CL_COMPILER_NOT_AVAILABLE";
    case CL_MEM_OBJECT_ALLOCATION_FAILURE:
      return "CL_MEM_OBJECT_ALLOCATION_FAILURE";
    case CL_OUT_OF_RESOURCES:
      return "CL_OUT_OF_RESOURCES";
    case CL_OUT_OF_HOST_MEMORY:
      return "CL_OUT_OF_HOST_MEMORY";
    case CL_BUILD_PROGRAM_FAILURE:
      return "CL_BUILD_PROGRAM_FAILURE";
    case CL_INVALID_VALUE:
      return "CL_INVALID_VALUE";
    case CL_INVALID_DEVICE:
      return "CL_INVALID_DEVICE";
    case CL_INVALID_BUFFER_SIZE:
      return "CL_INVALID_BUFFER_SIZE";
    case CL_INVALID_KERNEL_ARGS:
      return "CL_INVALID_KERNEL_ARGS";
    case CL_INVALID_WORK_GROUP_SIZE:
      return "CL_INVALID_WORK_GROUP_SIZE";
    case CL_INVALID_WORK_ITEM_SIZE:
      return "CL_INVALID_WORK_ITEM_SIZE";
    case CL_INVALID_GLOBAL_WORK_SIZE:
      return "CL_INVALID_GLOBAL_WORK_SIZE";
    case CL_INVALID_ARG_SIZE:
      return "CL_INVALID_ARG_SIZE";
    case CL_INVALID_ARG_VALUE:
      return "CL_INVALID_ARG_VALUE";
    case -1001:
      return "CL_PLATFORM_NOT_FOUND_KHR";
    default:
      return "OpenCL error";
  }
}

std::string device_string(cl_device_id d, cl_device_info what) {
  std::size_t size = 0;
  if (clGetDeviceInfo(d, what, 0, nullptr, &size) != CL_SUCCESS || size == 0) return {};
  std::string s(size, '\0');
  if (clGetDeviceInfo(d, what, size, s.data(), nullptr) != CL_SUCCESS) return {};
  while (!s.empty() && (s.back() == '\0' || s.back() == ' ')) s.pop_back();
  return s;
}

template <typename T>
T device_value(cl_device_id d, cl_device_info what, T fallback = T{}) {
  T v{};
  return clGetDeviceInfo(d, what, sizeof v, &v, nullptr) == CL_SUCCESS ? v : fallback;
}

std::string platform_name(cl_platform_id p) {
  std::size_t size = 0;
  if (clGetPlatformInfo(p, CL_PLATFORM_NAME, 0, nullptr, &size) != CL_SUCCESS || size == 0) return {};
  std::string s(size, '\0');
  clGetPlatformInfo(p, CL_PLATFORM_NAME, size, s.data(), nullptr);
  while (!s.empty() && s.back() == '\0') s.pop_back();
  return s;
}

DeviceInfo describe(cl_platform_id p, cl_device_id d, int index) {
  DeviceInfo info;
  info.backend = Backend::opencl;
  info.index = index;
  info.platform = platform_name(p);
  info.name = device_string(d, CL_DEVICE_NAME);
  info.vendor = device_string(d, CL_DEVICE_VENDOR);
  info.version = device_string(d, CL_DEVICE_VERSION);
  info.driver = device_string(d, CL_DRIVER_VERSION);
  const auto type = device_value<cl_device_type>(d, CL_DEVICE_TYPE);
  info.type = (type & CL_DEVICE_TYPE_GPU)           ? "gpu"
              : (type & CL_DEVICE_TYPE_CPU)         ? "cpu"
              : (type & CL_DEVICE_TYPE_ACCELERATOR) ? "accelerator"
                                                    : "other";
  info.compute_units = static_cast<int>(device_value<cl_uint>(d, CL_DEVICE_MAX_COMPUTE_UNITS));
  info.global_memory = static_cast<std::int64_t>(device_value<cl_ulong>(d, CL_DEVICE_GLOBAL_MEM_SIZE));
  info.local_memory = static_cast<std::int64_t>(device_value<cl_ulong>(d, CL_DEVICE_LOCAL_MEM_SIZE));
  info.max_work_group_size = static_cast<int>(device_value<std::size_t>(d, CL_DEVICE_MAX_WORK_GROUP_SIZE));
  const std::string ext = device_string(d, CL_DEVICE_EXTENSIONS);
  info.fp64 = ext.find("cl_khr_fp64") != std::string::npos;
  if (ext.find("cl_nv_device_attribute_query") != std::string::npos)
    info.simd_width = static_cast<int>(device_value<cl_uint>(d, kWarpSizeNv));
  else if (ext.find("cl_amd_device_attribute_query") != std::string::npos)
    info.simd_width = static_cast<int>(device_value<cl_uint>(d, kWavefrontWidthAmd));
  return info;  // simd_width 0: taken from the compiled kernels (Context::kernels)
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::string device_list_text() {
  std::string s;
  for (const auto& d : devices())
    s += "\n  " + std::to_string(d.info.index) + ": " + d.info.name + " (" + d.info.platform + ", " + d.info.type + ")";
  return s.empty() ? " none" : s;
}

}  // namespace

void throw_cl(cl_int code, const std::string& what) {
  throw error("opencl: " + what + " failed: " + error_name(code) + " (" + std::to_string(code) + ")");
}

const std::vector<ClDevice>& devices() {
  static const std::vector<ClDevice>* list = [] {
    auto* out = new std::vector<ClDevice>();  // never freed: OpenCL objects must outlive static destructors
    cl_uint np = 0;
    if (clGetPlatformIDs(0, nullptr, &np) != CL_SUCCESS || np == 0) return out;
    std::vector<cl_platform_id> platforms(np);
    if (clGetPlatformIDs(np, platforms.data(), nullptr) != CL_SUCCESS) return out;
    for (auto p : platforms) {
      cl_uint nd = 0;
      if (clGetDeviceIDs(p, CL_DEVICE_TYPE_ALL, 0, nullptr, &nd) != CL_SUCCESS || nd == 0) continue;
      std::vector<cl_device_id> ids(nd);
      if (clGetDeviceIDs(p, CL_DEVICE_TYPE_ALL, nd, ids.data(), nullptr) != CL_SUCCESS) continue;
      for (auto d : ids) {
        if (!device_value<cl_bool>(d, CL_DEVICE_AVAILABLE, CL_FALSE)) continue;
        out->push_back({p, d, describe(p, d, static_cast<int>(out->size()))});
      }
    }
    return out;
  }();
  return *list;
}

std::vector<DeviceInfo> list_devices() {
  std::vector<DeviceInfo> out;
  for (const auto& d : devices()) {
    DeviceInfo info = d.info;
    if (info.simd_width == 0) {
      // No vendor query: the preferred work-group multiple of our compiled kernels (builds them once).
      try {
        info.simd_width = context(info.index).info().simd_width;
      } catch (const error&) {
      }
    }
    out.push_back(std::move(info));
  }
  return out;
}

int resolve_device(int requested) {
  const auto& list = devices();
  if (list.empty())
    throw backend_unavailable(
        "opencl: no OpenCL device found (no ICD installed, OCL_ICD_VENDORS empty, or no platform has a device); "
        "install a driver or pocl-opencl-icd, or use the 'cpu' backend");
  const int n = static_cast<int>(list.size());
  if (requested >= 0) {
    if (requested >= n)
      throw backend_unavailable("opencl: device " + std::to_string(requested) +
                                " does not exist; devices:" + device_list_text());
    return requested;
  }
  if (const char* env = std::getenv("SPARSE_FORMATS_OPENCL_DEVICE"); env && *env) {
    const std::string want(env);
    char* end = nullptr;
    const long idx = std::strtol(env, &end, 10);
    if (end && *end == '\0') {
      if (idx < 0 || idx >= n)
        throw backend_unavailable("opencl: SPARSE_FORMATS_OPENCL_DEVICE=" + want +
                                  " is not a device index; devices:" + device_list_text());
      return static_cast<int>(idx);
    }
    const std::string w = lower(want);
    for (const auto& d : list)
      if (lower(d.info.name).find(w) != std::string::npos || lower(d.info.vendor).find(w) != std::string::npos ||
          lower(d.info.platform).find(w) != std::string::npos)
        return d.info.index;
    throw backend_unavailable("opencl: SPARSE_FORMATS_OPENCL_DEVICE=" + want +
                              " matches no device; devices:" + device_list_text());
  }
  for (const auto& d : list)
    if (d.info.type == "gpu") return d.info.index;
  return 0;
}

Context::Context(const ClDevice& device) : device_(device.id), info_(device.info) {
  cl_int err = CL_SUCCESS;
  const cl_context_properties props[] = {CL_CONTEXT_PLATFORM, reinterpret_cast<cl_context_properties>(device.platform),
                                         0};
  context_ = ContextHandle(clCreateContext(props, 1, &device_, nullptr, nullptr, &err));
  check(err, "clCreateContext");
  queue_ = Queue(clCreateCommandQueue(context_.get(), device_, 0, &err));
  check(err, "clCreateCommandQueue");
  if (info_.simd_width == 0) info_.simd_width = kernels(false, false).preferred_multiple;
}

Kernels& Context::kernels(bool fp64, bool int64) {
  std::lock_guard lock(build_mutex_);
  auto& slot = kernels_[{fp64, int64}];
  if (slot) return *slot;
  if (fp64 && !info_.fp64)
    throw unsupported("opencl: device '" + info_.name + "' has no float64 support (cl_khr_fp64)");
  auto k = std::make_unique<Kernels>();
  cl_int err = CL_SUCCESS;
  const char* src = kKernelSource;
  k->program = Program(clCreateProgramWithSource(context_.get(), 1, &src, nullptr, &err));
  check(err, "clCreateProgramWithSource");
  std::string options = "-cl-std=CL1.2";
  options += fp64 ? " -D VALUE=double -D SF_FP64" : " -D VALUE=float";
  options += int64 ? " -D INDEX=long" : " -D INDEX=int";
  // Extra options for tuning on a new device, e.g. "-D SPMM_UNROLL=8" (kernels/common.cl).
  if (const char* extra = std::getenv("SPARSE_FORMATS_OPENCL_OPTIONS"); extra && *extra)
    options += std::string(" ") + extra;
  err = clBuildProgram(k->program.get(), 1, &device_, options.c_str(), nullptr, nullptr);
  if (err != CL_SUCCESS) {
    std::size_t size = 0;
    clGetProgramBuildInfo(k->program.get(), device_, CL_PROGRAM_BUILD_LOG, 0, nullptr, &size);
    std::string log(size, '\0');
    clGetProgramBuildInfo(k->program.get(), device_, CL_PROGRAM_BUILD_LOG, size, log.data(), nullptr);
    throw error("opencl: building the kernels for '" + info_.name + "' (" + options + ") failed:\n" + log);
  }
  auto make = [&](const char* name) {
    Kernel kernel(clCreateKernel(k->program.get(), name, &err));
    check(err, (std::string("clCreateKernel ") + name).c_str());
    return kernel;
  };
  k->spmv_scalar = make("csr_spmv_scalar");
  k->spmv_vector = make("csr_spmv_vector");
  k->spmm_blocks = make("csr_spmm_blocks");
  k->spmm_gather_chunks = make("csr_spmm_gather_chunks");
  k->bsr_spmm = make("bsr_spmm");
  std::size_t wg = static_cast<std::size_t>(info_.max_work_group_size);
  for (cl_kernel kk : {k->spmv_scalar.get(), k->spmv_vector.get(), k->spmm_blocks.get(), k->bsr_spmm.get()}) {
    std::size_t v = 0;
    check(clGetKernelWorkGroupInfo(kk, device_, CL_KERNEL_WORK_GROUP_SIZE, sizeof v, &v, nullptr),
          "clGetKernelWorkGroupInfo");
    wg = std::min(wg, v);
  }
  std::size_t multiple = 1;
  check(clGetKernelWorkGroupInfo(k->spmm_blocks.get(), device_, CL_KERNEL_PREFERRED_WORK_GROUP_SIZE_MULTIPLE,
                                 sizeof multiple, &multiple, nullptr),
        "clGetKernelWorkGroupInfo");
  k->max_work_group = static_cast<int>(std::max<std::size_t>(wg, 1));
  k->preferred_multiple = static_cast<int>(std::max<std::size_t>(multiple, 1));
  slot = std::move(k);
  return *slot;
}

Mem Context::buffer(std::size_t bytes, const void* host) {
  cl_int err = CL_SUCCESS;
  // OpenCL forbids zero-sized buffers; empty arrays get a one-element placeholder nobody reads.
  const std::size_t size = std::max<std::size_t>(bytes, 8);
  cl_mem m = clCreateBuffer(context_.get(), CL_MEM_READ_WRITE, size, nullptr, &err);
  if (err != CL_SUCCESS) throw_cl(err, "clCreateBuffer of " + std::to_string(bytes) + " bytes");
  Mem mem(m);
  if (host && bytes > 0) write(m, host, bytes);
  return mem;
}

void Context::write(cl_mem buffer, const void* host, std::size_t bytes) {
  if (bytes == 0) return;
  check(clEnqueueWriteBuffer(queue_.get(), buffer, CL_TRUE, 0, bytes, host, 0, nullptr, nullptr),
        "clEnqueueWriteBuffer");
}

void Context::read(cl_mem buffer, void* host, std::size_t bytes) {
  if (bytes == 0) return;
  check(clEnqueueReadBuffer(queue_.get(), buffer, CL_TRUE, 0, bytes, host, 0, nullptr, nullptr),
        "clEnqueueReadBuffer");
}

Context& context(int index) {
  static std::mutex mutex;
  static auto* contexts = new std::map<int, std::unique_ptr<Context>>();  // never freed, as devices()
  const auto& list = devices();
  if (index < 0 || index >= static_cast<int>(list.size()))
    throw backend_unavailable("opencl: device " + std::to_string(index) + " does not exist");
  std::lock_guard lock(mutex);
  auto& slot = (*contexts)[index];
  if (!slot) slot = std::make_unique<Context>(list[static_cast<std::size_t>(index)]);
  return *slot;
}

void finish(int device) { check(clFinish(context(device).queue()), "clFinish"); }

}  // namespace sparse_formats::opencl
