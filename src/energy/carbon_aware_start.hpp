// Carbon-aware start (`tune --start-below G`): when to start a study so that it runs while
// the grid is cleaner than G gCO2e/kWh, from the intensity forecast of its [carbon]
// section, waiting at most a given time.  Pure: the caller waits.
#pragma once

#include <optional>
#include <string>

#include "greentune/carbon.hpp"
#include "greentune/result.hpp"

namespace greentune {

struct CarbonAwareStart {
  std::optional<double> start_at;  // when to start (unix s); nullopt: now
  std::string message;             // what the forecast says and what was decided, one line
};

// `now` and the result in seconds since the epoch; `max_wait_text` is how the user wrote
// max_wait_s, for the message.  kInvalidArgument when the intensity is a constant that is
// not below `threshold` (waiting cannot help).
Result<CarbonAwareStart> plan_carbon_aware_start(const CarbonIntensity& carbon, double threshold,
                                                 double now, double max_wait_s,
                                                 const std::string& max_wait_text);

}  // namespace greentune
