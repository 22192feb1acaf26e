// The CPU power model, for machines without readable RAPL counters:
//   watts = idle + (max - idle) x utilization,  utilization = busy CPU seconds / (CPUs x s)
// with max from the CPU's TDP (data/cpu_tdp.csv, or [energy] cpu_tdp_w) and idle =
// kCpuIdleShareOfTdp x max.  A trial's share (EnergyAccountant) then comes to
//   its CPU share x idle x s  +  (max - idle) x its CPU seconds / CPUs.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "greentune/result.hpp"

namespace greentune::energy {

struct CpuInfo {
  std::string model_name;  // the first "model name" ("" when absent, as on many ARM CPUs)
  int logical_cpus = 0;    // "processor" entries
  int sockets = 1;         // distinct "physical id" values (1 when absent)
};
CpuInfo parse_cpuinfo(std::string_view text);

// One row of data/cpu_tdp.csv.
struct CpuTdpRow {
  std::string match;   // a model-name fragment ("Gold 6248", "EPYC 7742"); "*" = no match
  double tdp_w = 0.0;  // per package; for "*": per logical CPU
  int cores = 0;       // per package
  int threads = 0;     // per package
  std::string source;
  int year = 0;
};

// Parses the table (header "model,tdp_w,cores,threads,source,year"; '#' comment lines;
// fields may be "quoted").  kInvalidArgument naming `origin` and the line when malformed.
Result<std::vector<CpuTdpRow>> parse_cpu_tdp_table(std::string_view csv, const std::string& origin);

// data/cpu_tdp.csv as compiled in (generated from the file by CMake).
std::string_view builtin_cpu_tdp_csv();

// The row whose `match` occurs in model_name as a whole word run (case-insensitive,
// "(R)"/"(TM)" dropped), the longest if several; else the "*" row; nullptr if neither.
const CpuTdpRow* find_cpu_tdp(const std::vector<CpuTdpRow>& rows, std::string_view model_name);

struct CpuPowerModel {
  double max_w = 0.0;   // every visible CPU busy
  double idle_w = 0.0;  // every visible CPU idle
  int logical_cpus = 1;
  std::string description;  // one line for the notes
};

// max_w = TDP x sockets x min(1, visible CPUs / (sockets x the row's threads)): a virtual
// machine that sees 4 of a 48-thread package's CPUs gets 4/48 of its TDP.  For the "*" row,
// max_w = its watts per logical CPU x visible CPUs.  `tdp_override_w` replaces the row's
// TDP per package (with a "*" row or none: TDP x sockets).
CpuPowerModel make_cpu_power_model(const CpuInfo& cpu, const CpuTdpRow* row,
                                   std::optional<double> tdp_override_w);

// The machine's CPU energy over dt_s with busy_cpu_s CPU seconds of work (clamped to
// what the CPUs can do in dt_s).
double model_cpu_energy_j(const CpuPowerModel& model, double dt_s, double busy_cpu_s);

}  // namespace greentune::energy
