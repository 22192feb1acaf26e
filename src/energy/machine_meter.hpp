// The machine's EnergyMeter: RAPL or the power model for the CPU (and DRAM), NVML for
// the GPUs, put together with the CPU time of all processes (/proc/stat).
#pragma once

#include <memory>

#include "energy/sysfs.hpp"
#include "greentune/energy.hpp"

namespace greentune::energy {

// open_energy_meter() with the files read through `files` (tests pass one that fails
// some reads the way the kernel does).  `files` must outlive the meter.
Result<std::unique_ptr<EnergyMeter>> open_machine_meter(const EnergyOptions& options,
                                                        FileReader& files);

}  // namespace greentune::energy
