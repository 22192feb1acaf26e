// One RAPL energy counter (powercap's energy_uj) turned into energy since it was opened:
// wraparound handled, and readings that cannot be real (a counter stuck at 0, one that
// goes backwards) refused with one line that says why.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "greentune/result.hpp"

namespace greentune::energy {

// The energy between two readings of a counter whose values run from 0 to max_range_uj
// and then start again at 0 (powercap's max_energy_range_uj: "range of the above energy
// counter in micro-joules"): cur - prev, or (max_range_uj - prev) + cur + 1 when cur < prev
// (one wrap).  The kernel's counter really steps by one energy unit (15.3 to 61 uJ), so a
// wrap is counted up to one unit short; nothing in sysfs gives the unit.  nullopt when
// cur < prev cannot be a wrap (no range, or a value above it).
std::optional<uint64_t> rapl_delta_uj(uint64_t prev_uj, uint64_t cur_uj, uint64_t max_range_uj);

// How long a counter lasts before it wraps at a given power (seconds).
double rapl_wrap_period_s(uint64_t max_range_uj, double power_w);

class RaplCounter {
 public:
  // `path` is the energy_uj file (for messages); `power_bound_w` the highest power the
  // domain can draw, used to tell a wrap from a step backwards.
  RaplCounter(std::string path, uint64_t max_range_uj, double power_bound_w, uint64_t first_uj,
              double first_time_s);

  // Adds the energy since the previous update.  An error (one line, ending "; using the
  // power model") when the counter cannot be trusted: it went backwards by less than a
  // wrap, or it has not moved for kStuckAfterS.  After an error the counter stays failed.
  Status update(uint64_t now_uj, double now_s);

  uint64_t total_uj() const { return total_uj_; }
  const std::string& path() const { return path_; }
  uint64_t max_range_uj() const { return max_range_uj_; }
  double power_bound_w() const { return power_bound_w_; }

  // A live counter moves every millisecond or so; one that has not moved in this long
  // is not counting (seen in virtual machines that expose the MSRs as zeros).
  static constexpr double kStuckAfterS = 5.0;

 private:
  std::string path_;
  uint64_t max_range_uj_;
  double power_bound_w_;
  uint64_t last_uj_;
  double last_time_s_;
  double last_change_s_;
  uint64_t total_uj_ = 0;
  bool failed_ = false;
};

}  // namespace greentune::energy
