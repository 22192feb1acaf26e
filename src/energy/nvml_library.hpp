// NVML (libnvidia-ml.so.1, part of the NVIDIA driver) loaded at run time: no build
// dependency on CUDA, and a machine without the driver only loses its GPU figures.
// The few types used are declared here as nvml.h defines them.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "greentune/result.hpp"

namespace greentune::energy::nvml {

using Return = int;  // nvmlReturn_t
inline constexpr Return kSuccess = 0;
inline constexpr Return kNotSupported = 3;
inline constexpr Return kNotFound = 6;
inline constexpr Return kInsufficientSize = 7;

struct DeviceTag;
using Device = DeviceTag*;  // nvmlDevice_t

struct Utilization {  // nvmlUtilization_t: percent of the last sample period
  unsigned int gpu;
  unsigned int memory;
};
struct Memory {  // nvmlMemory_t (v1): bytes
  unsigned long long total;
  unsigned long long free;
  unsigned long long used;
};
struct ProcessInfoV1 {  // nvmlProcessInfo_v1_t, for nvmlDeviceGetComputeRunningProcesses
  unsigned int pid;
  unsigned long long used_gpu_memory;
};
struct ProcessUtilizationSample {  // nvmlProcessUtilizationSample_t
  unsigned int pid;
  unsigned long long time_stamp;  // CPU timestamp, microseconds
  unsigned int sm_util;           // percent of the sample period a kernel of it ran
  unsigned int mem_util;
  unsigned int enc_util;
  unsigned int dec_util;
};
struct ProcessInfo {  // nvmlProcessInfo_t, for the _v2 and _v3 entry points
  unsigned int pid;
  unsigned long long used_gpu_memory;
  unsigned int gpu_instance_id;
  unsigned int compute_instance_id;
};

}  // namespace greentune::energy::nvml

namespace greentune::energy {

struct NvmlProcess {
  int pid = 0;
  int64_t used_memory_bytes = 0;
};

// A process's SM utilization over the samples since the last query (their mean).
struct NvmlProcessUtilization {
  int pid = 0;
  double sm = 0.0;  // 0..1
};

// An initialised NVML.  nvmlShutdown and dlclose on destruction.  Calls return NVML's
// status code; error_text() names one.
class NvmlLibrary {
 public:
  // dlopen(path), resolves the functions used, nvmlInit_v2.  An error line saying why
  // not (not found, a missing function, nvmlInit's status) otherwise.
  static Result<std::unique_ptr<NvmlLibrary>> open(const std::string& path);
  ~NvmlLibrary();
  NvmlLibrary(const NvmlLibrary&) = delete;
  NvmlLibrary& operator=(const NvmlLibrary&) = delete;

  nvml::Return device_count(unsigned int& count) const;
  nvml::Return device(unsigned int index, nvml::Device& device) const;
  nvml::Return name(nvml::Device device, std::string& name) const;
  nvml::Return total_energy_mj(nvml::Device device, uint64_t& mj) const;
  nvml::Return power_mw(nvml::Device device, unsigned int& mw) const;
  nvml::Return utilization(nvml::Device device, nvml::Utilization& rates) const;
  nvml::Return memory(nvml::Device device, nvml::Memory& memory) const;
  // Compute processes, through the newest entry point the library has (_v3, _v2, v1).
  nvml::Return compute_processes(nvml::Device device, std::vector<NvmlProcess>& out) const;
  // Per-process SM utilization from the samples newer than `last_seen_us` (NVML keeps a
  // few seconds of them), averaged per process; `last_seen_us` moves to the newest.
  // kNotSupported on GPUs and drivers without it (before Maxwell, some vGPUs).
  nvml::Return process_utilization(nvml::Device device, unsigned long long& last_seen_us,
                                   std::vector<NvmlProcessUtilization>& out) const;
  std::string error_text(nvml::Return code) const;  // "Not Supported (3)"

 private:
  struct Api;
  explicit NvmlLibrary(std::unique_ptr<Api> api);
  std::unique_ptr<Api> api_;
};

}  // namespace greentune::energy
