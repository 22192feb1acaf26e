// The machine's CPU and DRAM energy from RAPL counters (powercap), summed over the domains
// plan_rapl() chose.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "energy/powercap.hpp"
#include "energy/rapl_counter.hpp"
#include "greentune/result.hpp"

namespace greentune::energy {

struct RaplTotals {
  double cpu_j = 0.0;            // since open: packages, or psys
  std::optional<double> dram_j;  // since open; nullopt without a trusted DRAM counter
  bool dram_in_cpu = false;      // psys: DRAM is already inside cpu_j
};

class RaplSource {
 public:
  // Opens the counters under root.  An error (one line ending "; using the power model")
  // when RAPL cannot measure the CPU here: no counters, unreadable ones, a counter at 0.
  // `power_bound_w` is the highest power assumed for a domain whose powercap zone gives
  // no constraint_*_max_power_uw.  Appends a line per choice to `notes`.
  static Result<std::unique_ptr<RaplSource>> open(FileReader& files, const std::string& root,
                                                  double power_bound_w, double now_s,
                                                  std::vector<std::string>& notes);

  // Energy since open.  An error (one line) when a CPU counter stops being trustworthy;
  // a DRAM counter that does is dropped instead (with a note: DRAM from the model).
  Result<RaplTotals> read(double now_s, std::vector<std::string>& notes);

  // Half the shortest time a counter takes to wrap at its domain's highest power.
  double max_poll_interval_s() const { return max_poll_interval_s_; }
  // DRAM is measured: by its own counters, or inside psys.
  bool measures_dram() const { return !dram_.empty() || psys_; }

 private:
  RaplSource() = default;
  void set_poll_interval(std::vector<std::string>& notes);

  FileReader* files_ = nullptr;
  std::vector<RaplCounter> cpu_;
  std::vector<RaplCounter> dram_;
  bool psys_ = false;
  double max_poll_interval_s_ = 0.0;
};

}  // namespace greentune::energy
