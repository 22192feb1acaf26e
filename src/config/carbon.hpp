// The carbon intensity a study is charged with: its [carbon] section (region, constant
// intensity or a time series file, PUE) made into a CarbonIntensity (energy/).
#pragma once

#include <optional>

#include "greentune/carbon.hpp"
#include "greentune/config.hpp"
#include "greentune/result.hpp"
#include "greentune/storage.hpp"

namespace greentune {

// The intensity of spec's [carbon] section; nullopt when it has none.  kInvalidArgument
// naming the file and [carbon] for a region, intensity or file it refuses.
Result<std::optional<CarbonIntensity>> carbon_for(const StudySpec& spec);
// The same for a stored study (its spec as stored); nullopt when it has none or when the
// intensity file it named cannot be read any more.
std::optional<CarbonIntensity> carbon_of(const StudyRecord& record);

}  // namespace greentune
