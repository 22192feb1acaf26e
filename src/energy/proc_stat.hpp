// The CPU time of every process on the machine (/proc/stat), for the share of each trial.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "energy/sysfs.hpp"
#include "greentune/result.hpp"

namespace greentune::energy {

class MachineCpuTime {
 public:
  virtual ~MachineCpuTime() = default;
  // CPU seconds spent by all processes since boot: user + nice + system + irq + softirq
  // of the "cpu" line (guest time is inside user; idle, iowait and steal are not work).
  virtual Result<double> busy_s() = 0;
};

// /proc/stat (or a fixture in its format) read through `files`; ticks per second from
// sysconf(_SC_CLK_TCK) unless given.
std::unique_ptr<MachineCpuTime> make_proc_stat_cpu_time(FileReader& files, std::string path,
                                                        double ticks_per_s = 0);

// The busy seconds of /proc/stat text.  kIo naming `origin` when there is no "cpu " line.
Result<double> parse_proc_stat_busy_s(std::string_view text, double ticks_per_s,
                                      const std::string& origin);

}  // namespace greentune::energy
