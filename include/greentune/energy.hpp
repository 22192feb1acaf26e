// Energy meters: joules per component (cpu, dram, gpu), each from the best source the
// machine offers, and each running trial's share of them.
//
//   cpu   RAPL package counters through powercap ("rapl"), else the power model ("model")
//   dram  RAPL dram counters ("rapl"), else 0.375 W per GB of the trial's RSS ("model")
//   gpu   NVML, loaded at run time ("nvml"): the energy counter, else integrated power
//
// One EnergyMeter per machine: the orchestrator opens it once and reads it at intervals
// (cumulative joules since it opened); an EnergyAccountant turns consecutive readings and
// the trials' CPU seconds into per-trial joules (Scaphandre's method: a trial gets the
// share of package and DRAM energy equal to its share of the CPU time of all processes in
// the interval; a GPU's energy goes to the trials whose processes use it, split equally).
//
// Thread safety: an EnergyMeter and an EnergyAccountant are used from one thread.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "greentune/clock.hpp"
#include "greentune/result.hpp"
#include "greentune/storage.hpp"

namespace greentune {

// Where a figure came from: measured by a counter, or estimated by the power model.
enum class EnergySource { kRapl, kNvml, kModel };
const char* to_string(EnergySource source);  // "rapl" | "nvml" | "model"

// A cumulative figure for one component.
struct ComponentEnergy {
  double joules = 0.0;
  EnergySource source = EnergySource::kModel;
};

struct GpuProcess {
  int pid = 0;  // as NVML reports it: a host pid (differs inside a container's pid namespace)
  int64_t used_memory_bytes = 0;
  // Share of the GPU's time its kernels ran since the previous reading (NVML's
  // per-process samples), 0..1; negative where NVML gives none.
  double sm_utilization = -1.0;
};

// One GPU at the time of a reading.
struct GpuEnergy {
  int index = 0;  // NVML's index (PCI bus order, as CUDA_DEVICE_ORDER=PCI_BUS_ID)
  std::string name;
  double joules = 0.0;       // cumulative since the meter opened; never decreasing
  bool from_counter = true;  // false: integrated power samples (no energy counter)
  double power_w = 0.0;      // the last power sample
  double utilization = 0.0;  // 0..1: share of NVML's last sample period a kernel ran
  int64_t memory_used_bytes = 0;
  int64_t memory_total_bytes = 0;
  std::vector<GpuProcess> processes;  // compute processes running on it
};

// A machine-wide reading: everything cumulative since the meter opened.
struct EnergyReading {
  double elapsed_s = 0.0;   // since the meter opened (its clock's monotonic time)
  double cpu_busy_s = 0.0;  // CPU seconds of all processes on the machine (/proc/stat)
  ComponentEnergy cpu;      // CPU packages (or psys), measured or modelled
  // DRAM when a counter measures it (or 0 J "rapl" when psys already includes it);
  // nullopt: no counter, the accountant models each trial's DRAM from its RSS.
  std::optional<ComponentEnergy> dram;
  std::vector<GpuEnergy> gpus;
};

class EnergyMeter {
 public:
  virtual ~EnergyMeter() = default;
  // Reads every component now.  A counter found untrustworthy during a read makes its
  // component fall back to the model from the previous reading on (one note says why);
  // figures never decrease between readings.
  virtual Result<EnergyReading> read() = 0;
  // The longest the caller may wait between two read()s: a RAPL counter can wrap around
  // at most once between reads unnoticed (half the time the smallest counter range lasts
  // at the highest package power).  Infinity when no counter can wrap.
  virtual double max_poll_interval_s() const = 0;
  // One line per component saying where its figures come from, and one per fallback or
  // problem saying why ("RAPL counters are not readable (...); using the power model").
  // Grows as read() finds problems.
  virtual const std::vector<std::string>& notes() const = 0;
};

// Watts per GB of RSS for modelled DRAM: Crucial's rule of thumb, "around 3 watts of power
// for every 8GB of DDR3 or DDR4 memory" (crucial.com, "How much power does memory use?"),
// as CodeCarbon uses it; Cloud Carbon Footprint averages it with Micron's 0.4083 to 0.392.
inline constexpr double kDramWattsPerGb = 3.0 / 8.0;
// Idle power of a CPU as a share of its TDP in the model: Cloud Carbon Footprint's AWS
// averages from SPECpower (min 0.74 W, max 3.5 W per vCPU: 0.74 / 3.5 = 0.21).
inline constexpr double kCpuIdleShareOfTdp = 0.21;

struct EnergyOptions {
  std::string powercap_root = "/sys/class/powercap";
  std::string proc_stat_path = "/proc/stat";
  std::string cpuinfo_path = "/proc/cpuinfo";
  std::string cpu_tdp_table_path;   // CSV like data/cpu_tdp.csv; "" = the built-in copy
  std::optional<double> cpu_tdp_w;  // [energy] cpu_tdp_w: TDP of one CPU package (W)
  std::string nvml_library = "libnvidia-ml.so.1";  // dlopen()ed; a path works too
  bool use_rapl = true;                // false: the model even when counters are readable
  bool use_nvml = true;                // false: no GPU figures
  double rapl_power_bound_w = 500.0;   // highest package power, when powercap gives none
  double nvml_counter_period_s = 0.1;  // NVML's energy counter moves every 20-100 ms
  Clock* clock = nullptr;              // nullptr = system_clock(); must outlive the meter
  // Called with each new note as it is added (e.g. to log it); may be empty.
  std::function<void(const std::string& line)> on_note;
};

// Opens the machine's meter.  Never fails for a missing source (each falls back, with a
// note); kConflict when another meter is open in this process (two meters would count
// the same GPUs and counters twice); kIo when the model cannot run either (no /proc/stat).
Result<std::unique_ptr<EnergyMeter>> open_energy_meter(const EnergyOptions& options);

// What one running trial has used so far (from the executor's TreeSample).
struct TrialUsage {
  int64_t trial_id = -1;
  double cpu_s = 0.0;     // user + system CPU seconds of its process tree, cumulative
  int64_t rss_bytes = 0;  // now
  // Its processes (live now, or at the previous reading), to find the GPUs they run on.
  std::vector<int> pids;
  std::vector<int> gpu_indices;  // GPUs given to it (CUDA_VISIBLE_DEVICES), if known
};

// The GPU side of a trial's SystemSample (for the rules): the mean utilization of the GPUs
// it runs on (0..1) and the GPU memory its processes hold.  Inside a container NVML
// reports host pids, which match none of the trial's: give it gpu_indices there.
struct TrialGpuUsage {
  int gpus = 0;
  double utilization = 0.0;
  int64_t memory_bytes = 0;
};
TrialGpuUsage gpu_usage_of(const EnergyReading& reading, const TrialUsage& trial);

// The id under which greentune's own process (the orchestrator: sampler, storage, judges,
// output pumps) is accounted beside the trials, with its own CPU seconds (RUSAGE_SELF
// less what in-process trials used).
inline constexpr int64_t kGreentuneUsageId = -1;

// A run's readings, split so that every joule read is counted once:
// machine_j == trials_j + greentune_j + other_j (up to rounding).
struct EnergyTotals {
  // cpu + dram + gpus as the meter read them between its first and last reading, plus
  // the modelled DRAM charged where there is no DRAM counter.
  double machine_j = 0.0;
  double trials_j = 0.0;     // charged to trials (ended ones included)
  double greentune_j = 0.0;  // charged to greentune's own process
  double other_j = 0.0;      // nobody's: idle CPUs and GPUs, other programs
};

// Energy nobody running was charged for: other programs, idle CPUs and GPUs.
struct UnattributedEnergy {
  double cpu_j = 0.0;
  double dram_j = 0.0;  // measured DRAM only (modelled DRAM is per trial)
  double gpu_j = 0.0;
};

// Splits machine readings between the trials running in each interval.
//   cpu, dram (measured): trial share = its CPU seconds / max(CPU seconds of all processes,
//       sum over trials) in the interval;
//   dram (modelled): kDramWattsPerGb x the trial's RSS at the end of the interval (GB of
//       2^30 bytes) x the interval (s);
//   gpu: a GPU's energy in the interval, split between the trials with a process on it
//       (or that were given it) by their processes' SM utilization where NVML has it for
//       all of them (the share of other processes is nobody's), else equally; nobody's
//       when no trial uses it.
// A record's source is the weakest seen over the trial's intervals (model over counters).
class EnergyAccountant {
 public:
  explicit EnergyAccountant(double dram_w_per_gb = kDramWattsPerGb);
  // Adds the interval since the previous reading.  The first call only sets the baseline.
  // A trial seen for the first time is charged all its CPU seconds in this interval, so
  // pass each new trial in the first reading after it starts (and an ended trial in one
  // reading after its final sample, before forget()).
  void add(const EnergyReading& reading, const std::vector<TrialUsage>& running);
  // The trial's joules so far: "cpu" and "dram" once it ran an interval, "gpu" once it
  // was charged for a GPU.  Empty for an unknown trial.
  std::vector<EnergyRecord> energy_of(int64_t trial_id) const;
  void forget(int64_t trial_id);
  const UnattributedEnergy& unattributed() const { return unattributed_; }
  // Everything read so far, split (see EnergyTotals).
  EnergyTotals totals() const;

 private:
  struct Account {
    double last_cpu_s = 0.0;
    std::optional<ComponentEnergy> cpu, dram, gpu;  // set once charged
  };
  void charge_cpu_dram(const EnergyReading& now, const std::vector<TrialUsage>& running);
  // Adds joules to one of `id`'s components (and to the run's totals).
  void charge(int64_t id, std::optional<ComponentEnergy> Account::*component, double joules,
              EnergySource source);
  void charge_gpus(const EnergyReading& now, const std::vector<TrialUsage>& running);

  double dram_w_per_gb_;
  std::optional<EnergyReading> previous_;
  std::map<int64_t, Account> accounts_;
  UnattributedEnergy unattributed_;
  double machine_j_ = 0.0;
  double trials_j_ = 0.0;
  double greentune_j_ = 0.0;
};

}  // namespace greentune
