// Every NVIDIA GPU's energy since the meter opened, from NVML:
//   - the total energy counter (nvmlDeviceGetTotalEnergyConsumption, mJ, Volta and later)
//     where the GPU has one.  The counter moves every 20-100 ms; while it has not moved
//     since the previous change, and for less than `counter_period_s`, the window is
//     estimated as the last power sample x its length (Zeus's approx_instant_energy),
//     and replaced by the counter's figure once it moves;
//   - else the power samples (nvmlDeviceGetPowerUsage, mW) integrated by the trapezoid
//     rule between reads, so the figure is as good as the reads are frequent (a failed
//     sample repeats the previous one).
// Utilization, memory and compute processes are sampled at each read.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "energy/nvml_library.hpp"
#include "greentune/energy.hpp"

namespace greentune::energy {

class NvmlGpus {
 public:
  // Opens NVML from `library` (a name for dlopen, or a path) and every GPU it sees.  An
  // error line ("no GPU figures: ...") when there is nothing to measure; a note per
  // choice (counter or power samples) otherwise.
  static Result<std::unique_ptr<NvmlGpus>> open(const std::string& library, double counter_period_s,
                                                double now_s, std::vector<std::string>& notes);

  // Every GPU now, joules since open (never decreasing).  A GPU whose readings fail keeps
  // its last figure, with one note.
  std::vector<GpuEnergy> read(double now_s, std::vector<std::string>& notes);

 private:
  struct Gpu {
    nvml::Device device = nullptr;
    GpuEnergy last;           // what the previous read returned
    uint64_t counter_mj = 0;  // counter: the value at its last change
    double counter_at_s = 0;  // counter: when that value was first seen
    double counted_j = 0;     // counter: energy up to counter_mj
    double power_at_s = 0;    // power samples: time of the last sample
    bool warned = false;
    // Per-process utilization: the newest sample seen, and whether NVML has them at all.
    unsigned long long util_seen_us = 0;
    bool per_process_util = true;
  };
  NvmlGpus(std::unique_ptr<NvmlLibrary> lib, double counter_period_s)
      : lib_(std::move(lib)), counter_period_s_(counter_period_s) {}
  std::optional<Gpu> open_gpu(unsigned int index, double now_s,
                              std::vector<std::string>& notes) const;
  double counter_joules(Gpu& gpu, double now_s, double power_w, std::vector<std::string>& notes);
  double power_joules(Gpu& gpu, double now_s, double power_w) const;
  void sample_usage(Gpu& gpu) const;

  std::unique_ptr<NvmlLibrary> lib_;
  double counter_period_s_;
  std::vector<Gpu> gpus_;
};

}  // namespace greentune::energy
