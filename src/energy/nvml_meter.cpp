#include "energy/nvml_meter.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <utility>

namespace greentune::energy {

namespace {

std::string gpu_label(const GpuEnergy& g) { return fmt::format("GPU {} ({})", g.index, g.name); }

}  // namespace

Result<std::unique_ptr<NvmlGpus>> NvmlGpus::open(const std::string& library,
                                                 double counter_period_s, double now_s,
                                                 std::vector<std::string>& notes) {
  auto lib = NvmlLibrary::open(library);
  if (!lib) return tl::unexpected(lib.error());
  std::unique_ptr<NvmlGpus> meter(new NvmlGpus(std::move(*lib), counter_period_s));
  const NvmlLibrary& nv = *meter->lib_;
  unsigned int count = 0;
  if (nvml::Return rc = nv.device_count(count); rc != nvml::kSuccess || count == 0) {
    return make_error(ErrorCode::kNotFound,
                      fmt::format("no GPU figures: NVML sees no GPU ({})",
                                  rc == nvml::kSuccess ? "0 devices" : nv.error_text(rc)));
  }
  for (unsigned int i = 0; i < count; ++i) {
    if (std::optional<Gpu> gpu = meter->open_gpu(i, now_s, notes)) {
      meter->gpus_.push_back(std::move(*gpu));
    }
  }
  if (meter->gpus_.empty()) {
    return make_error(ErrorCode::kNotFound, "no GPU figures: no GPU could be measured");
  }
  return meter;
}

std::optional<NvmlGpus::Gpu> NvmlGpus::open_gpu(unsigned int index, double now_s,
                                                std::vector<std::string>& notes) const {
  Gpu gpu;
  gpu.last.index = static_cast<int>(index);
  if (nvml::Return rc = lib_->device(index, gpu.device); rc != nvml::kSuccess) {
    notes.push_back(fmt::format("GPU {}: not measured (NVML: {})", index, lib_->error_text(rc)));
    return std::nullopt;
  }
  if (lib_->name(gpu.device, gpu.last.name) != nvml::kSuccess) gpu.last.name = "unknown GPU";
  unsigned int mw = 0;
  nvml::Return energy_rc = lib_->total_energy_mj(gpu.device, gpu.counter_mj);
  nvml::Return power_rc = lib_->power_mw(gpu.device, mw);
  gpu.last.from_counter = energy_rc == nvml::kSuccess;
  gpu.last.power_w = power_rc == nvml::kSuccess ? mw / 1000.0 : 0.0;
  gpu.counter_at_s = gpu.power_at_s = now_s;
  if (!gpu.last.from_counter && power_rc != nvml::kSuccess) {
    notes.push_back(fmt::format(
        "{}: not measured: neither its energy counter ({}) nor its power ({}) can be read",
        gpu_label(gpu.last), lib_->error_text(energy_rc), lib_->error_text(power_rc)));
    return std::nullopt;
  }
  notes.push_back(
      gpu.last.from_counter
          ? fmt::format("gpu energy from NVML's energy counter: {}", gpu_label(gpu.last))
          : fmt::format("gpu energy from power samples (the energy counter is not "
                        "supported on {}): {}",
                        gpu.last.name, gpu_label(gpu.last)));
  return gpu;
}

double NvmlGpus::counter_joules(Gpu& gpu, double now_s, double power_w,
                                std::vector<std::string>& notes) {
  uint64_t mj = 0;
  if (nvml::Return rc = lib_->total_energy_mj(gpu.device, mj); rc != nvml::kSuccess) {
    if (!std::exchange(gpu.warned, true)) {
      notes.push_back(
          fmt::format("{}: its energy counter stopped answering ({}); its figure "
                      "stays at {:.1f} J",
                      gpu_label(gpu.last), lib_->error_text(rc), gpu.last.joules));
    }
    return gpu.last.joules;
  }
  if (mj != gpu.counter_mj) {
    // Below the previous value only when the driver was reloaded (the counter restarts).
    if (mj > gpu.counter_mj) gpu.counted_j += static_cast<double>(mj - gpu.counter_mj) / 1e3;
    gpu.counter_mj = mj;
    gpu.counter_at_s = now_s;
    return gpu.counted_j;
  }
  double unmoved_s = now_s - gpu.counter_at_s;
  return unmoved_s < counter_period_s_ ? gpu.counted_j + power_w * unmoved_s : gpu.counted_j;
}

double NvmlGpus::power_joules(Gpu& gpu, double now_s, double power_w) const {
  double joules = gpu.last.joules + (gpu.last.power_w + power_w) / 2 * (now_s - gpu.power_at_s);
  gpu.power_at_s = now_s;
  return joules;
}

void NvmlGpus::sample_usage(Gpu& gpu) const {
  nvml::Utilization rates{};
  if (lib_->utilization(gpu.device, rates) == nvml::kSuccess) {
    gpu.last.utilization = rates.gpu / 100.0;
  }
  nvml::Memory memory{};
  if (lib_->memory(gpu.device, memory) == nvml::kSuccess) {
    gpu.last.memory_used_bytes = static_cast<int64_t>(memory.used);
    gpu.last.memory_total_bytes = static_cast<int64_t>(memory.total);
  }
  std::vector<NvmlProcess> processes;
  if (lib_->compute_processes(gpu.device, processes) == nvml::kSuccess) {
    gpu.last.processes.clear();
    for (const NvmlProcess& p : processes) {
      gpu.last.processes.push_back({p.pid, p.used_memory_bytes});
    }
  }
  // How much of the GPU each process used since the last reading: what trials sharing it
  // are charged by (EnergyAccountant).  A listed process without a sample ran no kernel.
  if (!gpu.per_process_util) return;
  std::vector<NvmlProcessUtilization> used;
  nvml::Return rc = lib_->process_utilization(gpu.device, gpu.util_seen_us, used);
  if (rc == nvml::kNotSupported) {
    gpu.per_process_util = false;
    return;
  }
  if (rc != nvml::kSuccess) return;
  for (GpuProcess& p : gpu.last.processes) p.sm_utilization = 0.0;
  for (const NvmlProcessUtilization& u : used) {
    auto it = std::find_if(gpu.last.processes.begin(), gpu.last.processes.end(),
                           [&](const GpuProcess& p) { return p.pid == u.pid; });
    if (it == gpu.last.processes.end()) {
      gpu.last.processes.push_back({u.pid, 0, u.sm});  // e.g. a graphics process
    } else {
      it->sm_utilization = u.sm;
    }
  }
}

std::vector<GpuEnergy> NvmlGpus::read(double now_s, std::vector<std::string>& notes) {
  std::vector<GpuEnergy> out;
  for (Gpu& gpu : gpus_) {
    unsigned int mw = 0;
    bool have_power = lib_->power_mw(gpu.device, mw) == nvml::kSuccess;
    double power_w = have_power ? mw / 1000.0 : gpu.last.power_w;
    double joules = gpu.last.from_counter ? counter_joules(gpu, now_s, power_w, notes)
                                          : power_joules(gpu, now_s, power_w);
    gpu.last.joules = std::max(gpu.last.joules, joules);
    gpu.last.power_w = power_w;
    sample_usage(gpu);
    out.push_back(gpu.last);
  }
  return out;
}

}  // namespace greentune::energy
