#include "energy/carbon_aware_start.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <ctime>

#include <fmt/chrono.h>
#include <fmt/format.h>

namespace greentune {
namespace {

std::string utc_time(double unix_s) {
  return fmt::format("{:%Y-%m-%d %H:%M:%S} UTC", fmt::gmtime(static_cast<std::time_t>(unix_s)));
}

std::string for_people(double seconds) {
  auto s = static_cast<int64_t>(std::ceil(std::max(0.0, seconds)));
  if (s < 120) return fmt::format("{} s", s);
  if (s < 7200) return fmt::format("{} min", (s + 59) / 60);
  return fmt::format("{}h{:02}m", s / 3600, (s % 3600) / 60);
}

}  // namespace

Result<CarbonAwareStart> plan_carbon_aware_start(const CarbonIntensity& carbon, double threshold,
                                                 double now, double max_wait_s,
                                                 const std::string& max_wait_text) {
  double intensity_now = carbon.gco2e_per_kwh_at(now);
  auto below = carbon.forecast_below(threshold, now);
  if (below && *below <= now) {
    return CarbonAwareStart{
        std::nullopt, fmt::format("carbon-aware start: {} is {:.4g} gCO2e/kWh now, below {:.4g}: "
                                  "starting",
                                  carbon.label(), intensity_now, threshold)};
  }
  if (carbon.is_constant()) {
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("--start-below {:.4g}: the intensity of {} is a constant {:.4g} "
                                  "gCO2e/kWh and will not fall below it; accepted: [carbon] "
                                  "intensity_file with a forecast, or a higher threshold",
                                  threshold, carbon.label(), intensity_now));
  }
  double latest = now + max_wait_s;
  if (below && *below <= latest) {
    return CarbonAwareStart{
        *below, fmt::format("carbon-aware start: {} is {:.4g} gCO2e/kWh now; the forecast falls "
                            "below {:.4g} at {} (in {}): waiting until then (Ctrl-C to stop)",
                            carbon.label(), intensity_now, threshold, utc_time(*below),
                            for_people(*below - now))};
  }
  return CarbonAwareStart{
      latest, fmt::format("carbon-aware start: {} is {:.4g} gCO2e/kWh now and the forecast {} "
                          "below {:.4g} within --max-wait {}: starting at {}, the end of the "
                          "wait, anyway",
                          carbon.label(), intensity_now, below ? "does not fall" : "never falls",
                          threshold, max_wait_text, utc_time(latest))};
}

}  // namespace greentune
