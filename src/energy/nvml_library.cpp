#include "energy/nvml_library.hpp"

#include <dlfcn.h>
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <utility>

namespace greentune::energy {

using nvml::Device;
using nvml::Return;

struct NvmlLibrary::Api {
  void* handle = nullptr;
  Return (*init)() = nullptr;
  Return (*shutdown)() = nullptr;
  Return (*count)(unsigned int*) = nullptr;
  Return (*handle_by_index)(unsigned int, Device*) = nullptr;
  Return (*name)(Device, char*, unsigned int) = nullptr;
  Return (*energy)(Device, unsigned long long*) = nullptr;
  Return (*power)(Device, unsigned int*) = nullptr;
  Return (*utilization)(Device, nvml::Utilization*) = nullptr;
  Return (*memory)(Device, nvml::Memory*) = nullptr;
  Return (*processes)(Device, unsigned int*, void*) = nullptr;
  Return (*process_utilization)(Device, nvml::ProcessUtilizationSample*, unsigned int*,
                                unsigned long long) = nullptr;
  size_t process_info_size = 0;  // sizeof the struct `processes` fills
  const char* (*error_string)(Return) = nullptr;

  ~Api() {
    if (handle != nullptr) dlclose(handle);
  }
};

namespace {

template <class Fn>
bool resolve(void* handle, const char* symbol, Fn& fn) {
  // POSIX guarantees that a function's address survives the trip through void*.
  fn = reinterpret_cast<Fn>(dlsym(handle, symbol));
  return fn != nullptr;
}

}  // namespace

Result<std::unique_ptr<NvmlLibrary>> NvmlLibrary::open(const std::string& path) {
  auto api = std::make_unique<Api>();
  api->handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (api->handle == nullptr) {
    const char* why = dlerror();
    return make_error(ErrorCode::kNotFound,
                      fmt::format("no GPU figures: NVML not found ({})", why ? why : path));
  }
  void* h = api->handle;
  for (auto [symbol, ok] : std::array<std::pair<const char*, bool>, 4>{
           {{"nvmlInit_v2", resolve(h, "nvmlInit_v2", api->init)},
            {"nvmlShutdown", resolve(h, "nvmlShutdown", api->shutdown)},
            {"nvmlDeviceGetCount_v2", resolve(h, "nvmlDeviceGetCount_v2", api->count)},
            {"nvmlDeviceGetHandleByIndex_v2",
             resolve(h, "nvmlDeviceGetHandleByIndex_v2", api->handle_by_index)}}}) {
    if (!ok) {
      return make_error(
          ErrorCode::kNotFound,
          fmt::format("no GPU figures: {} has no {} (driver too old?)", path, symbol));
    }
  }
  resolve(h, "nvmlDeviceGetName", api->name);
  resolve(h, "nvmlDeviceGetTotalEnergyConsumption", api->energy);
  resolve(h, "nvmlDeviceGetPowerUsage", api->power);
  resolve(h, "nvmlDeviceGetUtilizationRates", api->utilization);
  resolve(h, "nvmlDeviceGetMemoryInfo", api->memory);
  resolve(h, "nvmlErrorString", api->error_string);
  resolve(h, "nvmlDeviceGetProcessUtilization", api->process_utilization);
  // The compute-process entry point: the newest present, with the size of its structs.
  if (resolve(h, "nvmlDeviceGetComputeRunningProcesses_v3", api->processes) ||
      resolve(h, "nvmlDeviceGetComputeRunningProcesses_v2", api->processes)) {
    api->process_info_size = sizeof(nvml::ProcessInfo);
  } else if (resolve(h, "nvmlDeviceGetComputeRunningProcesses", api->processes)) {
    api->process_info_size = sizeof(nvml::ProcessInfoV1);
  }
  std::unique_ptr<NvmlLibrary> lib(new NvmlLibrary(std::move(api)));
  if (Return rc = lib->api_->init(); rc != nvml::kSuccess) {
    std::string why = lib->error_text(rc);
    lib->api_->shutdown = nullptr;  // not initialised: nothing to shut down
    return make_error(ErrorCode::kIo,
                      fmt::format("no GPU figures: NVML did not start (nvmlInit_v2: {})", why));
  }
  return lib;
}

NvmlLibrary::NvmlLibrary(std::unique_ptr<Api> api) : api_(std::move(api)) {}

NvmlLibrary::~NvmlLibrary() {
  if (api_->shutdown != nullptr) api_->shutdown();
}

Return NvmlLibrary::device_count(unsigned int& count) const { return api_->count(&count); }

Return NvmlLibrary::device(unsigned int index, Device& device) const {
  return api_->handle_by_index(index, &device);
}

Return NvmlLibrary::name(Device device, std::string& name) const {
  if (api_->name == nullptr) return nvml::kNotSupported;
  std::array<char, 96> buf{};  // NVML_DEVICE_NAME_V2_BUFFER_SIZE
  Return rc = api_->name(device, buf.data(), static_cast<unsigned int>(buf.size()));
  if (rc == nvml::kSuccess) name = std::string(buf.data());
  return rc;
}

Return NvmlLibrary::total_energy_mj(Device device, uint64_t& mj) const {
  if (api_->energy == nullptr) return nvml::kNotSupported;
  unsigned long long value = 0;
  Return rc = api_->energy(device, &value);
  mj = value;
  return rc;
}

Return NvmlLibrary::power_mw(Device device, unsigned int& mw) const {
  return api_->power == nullptr ? nvml::kNotSupported : api_->power(device, &mw);
}

Return NvmlLibrary::utilization(Device device, nvml::Utilization& rates) const {
  return api_->utilization == nullptr ? nvml::kNotSupported : api_->utilization(device, &rates);
}

Return NvmlLibrary::memory(Device device, nvml::Memory& memory) const {
  return api_->memory == nullptr ? nvml::kNotSupported : api_->memory(device, &memory);
}

Return NvmlLibrary::compute_processes(Device device, std::vector<NvmlProcess>& out) const {
  out.clear();
  if (api_->processes == nullptr) return nvml::kNotSupported;
  bool v1 = api_->process_info_size == sizeof(nvml::ProcessInfoV1);
  unsigned int capacity = 32;
  for (int attempt = 0; attempt < 4; ++attempt) {
    std::vector<nvml::ProcessInfo> infos(capacity);  // big enough for either layout
    std::vector<nvml::ProcessInfoV1> infos_v1(capacity);
    unsigned int count = capacity;
    Return rc = api_->processes(
        device, &count,
        v1 ? static_cast<void*>(infos_v1.data()) : static_cast<void*>(infos.data()));
    if (rc == nvml::kInsufficientSize) {
      capacity = count + 16;
      continue;
    }
    if (rc != nvml::kSuccess) return rc;
    for (unsigned int i = 0; i < count && i < capacity; ++i) {
      unsigned int pid = v1 ? infos_v1[i].pid : infos[i].pid;
      unsigned long long bytes = v1 ? infos_v1[i].used_gpu_memory : infos[i].used_gpu_memory;
      if (bytes == ~0ULL) bytes = 0;  // NVML_VALUE_NOT_AVAILABLE
      out.push_back({static_cast<int>(pid), static_cast<int64_t>(bytes)});
    }
    return nvml::kSuccess;
  }
  return nvml::kInsufficientSize;
}

Return NvmlLibrary::process_utilization(Device device, unsigned long long& last_seen_us,
                                        std::vector<NvmlProcessUtilization>& out) const {
  out.clear();
  if (api_->process_utilization == nullptr) return nvml::kNotSupported;
  // The first call, with no buffer, says how many samples there are.
  unsigned int count = 0;
  Return rc = api_->process_utilization(device, nullptr, &count, last_seen_us);
  if (rc == nvml::kNotFound) return nvml::kSuccess;  // no sample since last_seen_us
  if (rc != nvml::kSuccess && rc != nvml::kInsufficientSize) return rc;
  if (count == 0) return nvml::kSuccess;
  std::vector<nvml::ProcessUtilizationSample> samples(count + 8);
  count = static_cast<unsigned int>(samples.size());
  rc = api_->process_utilization(device, samples.data(), &count, last_seen_us);
  if (rc == nvml::kNotFound) return nvml::kSuccess;
  if (rc != nvml::kSuccess) return rc;
  std::vector<std::pair<double, int>> by_pid;  // sum of sm, samples; parallel to `out`
  unsigned long long newest = last_seen_us;
  for (unsigned int i = 0; i < count && i < samples.size(); ++i) {
    const auto& s = samples[i];
    if (s.time_stamp <= last_seen_us) continue;
    newest = std::max(newest, s.time_stamp);
    auto it = std::find_if(out.begin(), out.end(),
                           [&](const NvmlProcessUtilization& p) {
                             return p.pid == static_cast<int>(s.pid);
                           });
    if (it == out.end()) {
      out.push_back({static_cast<int>(s.pid), 0.0});
      by_pid.emplace_back(0.0, 0);
      it = out.end() - 1;
    }
    auto& [sum, n] = by_pid[static_cast<size_t>(it - out.begin())];
    sum += std::min(s.sm_util, 100u) / 100.0;
    ++n;
  }
  last_seen_us = newest;
  for (size_t i = 0; i < out.size(); ++i) out[i].sm = by_pid[i].first / by_pid[i].second;
  return nvml::kSuccess;
}

std::string NvmlLibrary::error_text(Return code) const {
  const char* text = api_->error_string != nullptr ? api_->error_string(code) : nullptr;
  return fmt::format("{} ({})", text != nullptr ? text : "error", code);
}

}  // namespace greentune::energy
