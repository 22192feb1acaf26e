#include "energy/machine_meter.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <limits>
#include <thread>
#include <utility>

#include "energy/cpu_model.hpp"
#include "energy/nvml_meter.hpp"
#include "energy/proc_stat.hpp"
#include "energy/rapl_meter.hpp"

namespace greentune::energy {

namespace {

// Set while a meter is open in this process: a second one would count everything twice.
std::atomic<bool> g_meter_open{false};

const char* kDramModelNote =
    "dram energy from the model: 0.375 W per GB of each trial's RSS (Crucial's \"3 watts for "
    "every 8GB\", as CodeCarbon uses it)";

// Everything the meter is made of, gathered by open_machine_meter().
struct Parts {
  Clock* clock = nullptr;
  std::unique_ptr<MachineCpuTime> cpu_time;
  CpuPowerModel model;
  std::unique_ptr<RaplSource> rapl;
  std::unique_ptr<NvmlGpus> gpus;
  std::vector<std::string> notes;
  double start_s = 0.0;
  double start_busy_s = 0.0;
};

class MachineMeter : public EnergyMeter {
 public:
  MachineMeter(Parts parts, std::function<void(const std::string&)> on_note)
      : p_(std::move(parts)),
        on_note_(std::move(on_note)),
        last_s_(p_.start_s),
        last_busy_s_(p_.start_busy_s) {
    for (std::string& line : std::exchange(p_.notes, {})) add_note(std::move(line));
  }
  ~MachineMeter() override { g_meter_open = false; }

  Result<EnergyReading> read() override;
  double max_poll_interval_s() const override {
    return p_.rapl ? p_.rapl->max_poll_interval_s() : std::numeric_limits<double>::infinity();
  }
  const std::vector<std::string>& notes() const override { return notes_; }

 private:
  void add_note(std::string line) {
    if (on_note_) on_note_(line);
    notes_.push_back(std::move(line));
  }
  void read_cpu_dram(double now_s, double dt_s, double busy_s, EnergyReading& reading);

  Parts p_;
  std::function<void(const std::string&)> on_note_;
  std::vector<std::string> notes_;
  double last_s_;
  double last_busy_s_;
  double cpu_j_ = 0.0;
};

void MachineMeter::read_cpu_dram(double now_s, double dt_s, double busy_s, EnergyReading& reading) {
  std::vector<std::string> lines;
  if (p_.rapl) {
    Result<RaplTotals> totals = p_.rapl->read(now_s, lines);
    if (totals) {
      cpu_j_ = totals->cpu_j;
      reading.cpu = {cpu_j_, EnergySource::kRapl};
      if (totals->dram_in_cpu) reading.dram = ComponentEnergy{0.0, EnergySource::kRapl};
      if (totals->dram_j) reading.dram = ComponentEnergy{*totals->dram_j, EnergySource::kRapl};
    } else {
      lines.push_back(totals.error().message);
      lines.push_back(p_.model.description);
      lines.push_back(kDramModelNote);
      p_.rapl.reset();
    }
  }
  if (!p_.rapl) {
    // The interval whose reading failed is modelled too.
    cpu_j_ += model_cpu_energy_j(p_.model, dt_s, busy_s);
    reading.cpu = {cpu_j_, EnergySource::kModel};
  }
  for (std::string& line : lines) add_note(std::move(line));
}

Result<EnergyReading> MachineMeter::read() {
  double now_s = p_.clock->monotonic();
  Result<double> busy_s = p_.cpu_time->busy_s();
  if (!busy_s) return tl::unexpected(busy_s.error());
  EnergyReading reading;
  reading.elapsed_s = now_s - p_.start_s;
  reading.cpu_busy_s = std::max(0.0, *busy_s - p_.start_busy_s);
  read_cpu_dram(now_s, now_s - last_s_, std::max(0.0, *busy_s - last_busy_s_), reading);
  if (p_.gpus) {
    std::vector<std::string> lines;
    reading.gpus = p_.gpus->read(now_s, lines);
    for (std::string& line : lines) add_note(std::move(line));
  }
  last_s_ = now_s;
  last_busy_s_ = std::max(last_busy_s_, *busy_s);
  return reading;
}

Result<std::vector<CpuTdpRow>> load_tdp_table(const EnergyOptions& options, FileReader& files) {
  if (options.cpu_tdp_table_path.empty()) {
    return parse_cpu_tdp_table(builtin_cpu_tdp_csv(), "data/cpu_tdp.csv (built in)");
  }
  std::string text;
  if (int error = files.read(options.cpu_tdp_table_path, text); error != 0) {
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("cannot read the CPU TDP table {}: {}",
                                  options.cpu_tdp_table_path, errno_text(error)));
  }
  return parse_cpu_tdp_table(text, options.cpu_tdp_table_path);
}

Result<CpuPowerModel> load_model(const EnergyOptions& options, FileReader& files,
                                 std::vector<std::string>& notes) {
  Result<std::vector<CpuTdpRow>> table = load_tdp_table(options, files);
  if (!table) return tl::unexpected(table.error());
  std::string text;
  CpuInfo cpu;
  if (int error = files.read(options.cpuinfo_path, text); error != 0) {
    notes.push_back(fmt::format("cannot read {} ({}); the power model assumes an unknown CPU",
                                options.cpuinfo_path, errno_text(error)));
  } else {
    cpu = parse_cpuinfo(text);
  }
  if (cpu.logical_cpus == 0) {
    cpu.logical_cpus = static_cast<int>(std::thread::hardware_concurrency());
  }
  return make_cpu_power_model(cpu, find_cpu_tdp(*table, cpu.model_name), options.cpu_tdp_w);
}

// RAPL and NVML, each when asked for and available; a note either way.
void open_counters(const EnergyOptions& options, FileReader& files, Parts& parts) {
  if (options.use_rapl) {
    auto rapl = RaplSource::open(files, options.powercap_root, options.rapl_power_bound_w,
                                 parts.start_s, parts.notes);
    if (rapl) {
      parts.rapl = std::move(*rapl);
    } else {
      parts.notes.push_back(rapl.error().message);
    }
  } else {
    parts.notes.push_back("RAPL not used (use_rapl = false)");
  }
  if (!parts.rapl) parts.notes.push_back(parts.model.description);
  if (!parts.rapl || !parts.rapl->measures_dram()) parts.notes.push_back(kDramModelNote);
  if (options.use_nvml) {
    auto gpus = NvmlGpus::open(options.nvml_library, options.nvml_counter_period_s, parts.start_s,
                               parts.notes);
    if (gpus) {
      parts.gpus = std::move(*gpus);
    } else {
      parts.notes.push_back(gpus.error().message);
    }
  }
}

}  // namespace

Result<std::unique_ptr<EnergyMeter>> open_machine_meter(const EnergyOptions& options,
                                                        FileReader& files) {
  if (g_meter_open.exchange(true)) {
    return make_error(ErrorCode::kConflict,
                      "an energy meter is already open in this process; share it (two would "
                      "count the same counters and GPUs twice)");
  }
  Parts parts;
  parts.clock = options.clock != nullptr ? options.clock : &system_clock();
  parts.cpu_time = make_proc_stat_cpu_time(files, options.proc_stat_path);
  Result<double> busy_s = parts.cpu_time->busy_s();
  Result<CpuPowerModel> model = load_model(options, files, parts.notes);
  if (!busy_s || !model) {
    g_meter_open = false;
    return tl::unexpected(!busy_s ? busy_s.error() : model.error());
  }
  parts.model = std::move(*model);
  parts.start_s = parts.clock->monotonic();
  parts.start_busy_s = *busy_s;
  open_counters(options, files, parts);
  return std::unique_ptr<EnergyMeter>(new MachineMeter(std::move(parts), options.on_note));
}

}  // namespace greentune::energy

namespace greentune {

const char* to_string(EnergySource source) {
  switch (source) {
    case EnergySource::kRapl:
      return "rapl";
    case EnergySource::kNvml:
      return "nvml";
    case EnergySource::kModel:
      return "model";
  }
  return "model";
}

Result<std::unique_ptr<EnergyMeter>> open_energy_meter(const EnergyOptions& options) {
  return energy::open_machine_meter(options, energy::real_files());
}

}  // namespace greentune
