// Finding the RAPL domains under a powercap root and choosing the ones whose sum is the
// machine's CPU (and DRAM) energy, without counting anything twice.
//
// The kernel's layout (Documentation/power/powercap/powercap.rst): ROOT/<control>:N is a
// top-level zone (name "package-N", "package-N-die-M" or "psys"), ROOT/<control>:N/
// <control>:N:M its subzones ("core", "uncore", "dram"); each holds name, energy_uj and
// max_energy_range_uj.  <control> is intel-rapl (MSRs, also used for AMD since 5.8),
// intel-rapl-mmio (the same package domains through MMIO) or amd-rapl.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "energy/sysfs.hpp"

namespace greentune::energy {

enum class RaplKind { kPackage, kDram, kPsys, kCore, kUncore, kOther };

struct RaplZone {
  std::string dir;      // ROOT/intel-rapl:0 or ROOT/intel-rapl:0/intel-rapl:0:2
  std::string control;  // "intel-rapl", "intel-rapl-mmio", "amd-rapl"
  std::string name;     // the zone's `name` file
  RaplKind kind = RaplKind::kOther;
  int package = -1;  // N of package-N (its parent's for a subzone)
  int die = -1;      // M of package-N-die-M
  uint64_t max_range_uj = 0;
  double max_power_w = 0.0;  // largest constraint_*_max_power_uw present, else 0
  std::string energy_path() const { return dir + "/energy_uj"; }
  std::string label() const;  // "package-0 (intel-rapl:0)"
};

// Every RAPL zone under root, top-level zones first, in name order.  Empty when root
// does not exist or holds no RAPL control type.
std::vector<RaplZone> discover_rapl_zones(FileReader& files, const std::string& root);

// What to read.  Never both psys and packages; never core/uncore on top of a package;
// a domain exposed by two control types once; per-die package counters that mirror one
// socket-wide counter once per package.
struct RaplPlan {
  std::vector<RaplZone> cpu;   // summed: packages (or dies with their own counters), or psys
  std::vector<RaplZone> dram;  // summed; empty with psys (it includes DRAM)
  bool psys = false;
  std::vector<std::string> notes;  // what was left out and why
};

// Two readings this close (uJ) taken one after the other are one counter read twice: at
// 500 W a counter moves 50 mJ in 100 us, far longer than two sysfs reads take.
inline constexpr uint64_t kMirrorToleranceUj = 50'000;

// `first_uj` holds a reading of every package, psys and dram zone, by energy_path().
RaplPlan plan_rapl(const std::vector<RaplZone>& zones,
                   const std::map<std::string, uint64_t>& first_uj);

}  // namespace greentune::energy
