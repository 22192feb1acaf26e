// The carbon intensity of a study's [carbon] section, from the study file or from the
// spec stored with the study.
#include "config/carbon.hpp"

#include <filesystem>

#include <fmt/format.h>

#include "config/spec_json.hpp"

namespace greentune {

namespace fs = std::filesystem;

Result<std::optional<CarbonIntensity>> carbon_for(const StudySpec& spec) {
  if (!spec.carbon.any()) return std::optional<CarbonIntensity>();
  CarbonSettings s;
  s.region = spec.carbon.region.value_or("");
  s.intensity_gco2e_per_kwh = spec.carbon.intensity;
  s.intensity_file = spec.carbon.intensity_file.value_or("");
  s.pue = spec.carbon.pue;
  std::string base = fs::absolute(spec.path).parent_path().string();
  auto intensity = make_carbon_intensity(s, base);
  if (!intensity) {
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("{}: [carbon] {}", spec.path, intensity.error().message));
  }
  return std::optional<CarbonIntensity>(std::move(*intensity));
}

std::optional<CarbonIntensity> carbon_of(const StudyRecord& record) {
  auto spec = study_spec_from_json(record.spec);
  if (!spec || !spec->carbon.any()) return std::nullopt;
  auto made = carbon_for(*spec);
  if (!made) return std::nullopt;
  return std::move(*made);
}

}  // namespace greentune
