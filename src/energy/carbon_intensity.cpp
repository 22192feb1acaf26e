// CarbonIntensity: a step function of time, integrated over the interval energy was spent.
#include <fmt/format.h>

#include <algorithm>
#include <cassert>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "energy/carbon_csv.hpp"
#include "greentune/carbon.hpp"

namespace greentune {
namespace {

constexpr double kJoulesPerKwh = 3.6e6;

tl::unexpected<Error> carbon_error(std::string message) {
  return make_error(ErrorCode::kInvalidArgument, "[carbon] " + std::move(message));
}

Result<std::string> read_text(const std::filesystem::path& path, std::string_view shown_name) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return carbon_error(fmt::format("intensity_file: cannot read {}: {}",
                                    carbon_csv::quote_text(shown_name), std::strerror(errno)));
  }
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

CarbonIntensity::CarbonIntensity(std::vector<IntensityStep> steps, double pue, std::string label)
    : steps_(std::move(steps)), pue_(pue), label_(std::move(label)) {
  assert(!steps_.empty() && pue_ >= 1.0);
}

CarbonIntensity CarbonIntensity::constant(double gco2e_per_kwh, double pue, std::string label) {
  return CarbonIntensity({{0.0, gco2e_per_kwh}}, pue, std::move(label));
}

CarbonIntensity CarbonIntensity::series(std::vector<IntensityStep> steps, double pue,
                                        std::string label) {
  return CarbonIntensity(std::move(steps), pue, std::move(label));
}

size_t CarbonIntensity::step_at(double unix_s) const {
  auto after =
      std::upper_bound(steps_.begin(), steps_.end(), unix_s,
                       [](double t, const IntensityStep& step) { return t < step.start_unix_s; });
  return after == steps_.begin() ? 0 : static_cast<size_t>(after - steps_.begin()) - 1;
}

double CarbonIntensity::integral(double t0_unix_s, double t1_unix_s) const {
  double total = 0.0;
  double t = t0_unix_s;
  for (size_t i = step_at(t0_unix_s); t < t1_unix_s; ++i) {
    double end =
        i + 1 < steps_.size() ? std::min(t1_unix_s, steps_[i + 1].start_unix_s) : t1_unix_s;
    total += steps_[i].gco2e_per_kwh * (end - t);
    t = end;
  }
  return total;
}

double CarbonIntensity::gco2e_per_kwh_at(double unix_s) const {
  return steps_[step_at(unix_s)].gco2e_per_kwh;
}

double CarbonIntensity::mean_gco2e_per_kwh(double t0_unix_s, double t1_unix_s) const {
  if (!(t1_unix_s > t0_unix_s)) return gco2e_per_kwh_at(t0_unix_s);
  return integral(t0_unix_s, t1_unix_s) / (t1_unix_s - t0_unix_s);
}

double CarbonIntensity::co2e_g(double joules, double t0_unix_s, double t1_unix_s) const {
  return joules / kJoulesPerKwh * mean_gco2e_per_kwh(t0_unix_s, t1_unix_s) * pue_;
}

std::optional<double> CarbonIntensity::forecast_below(double threshold_gco2e_per_kwh,
                                                      double now_unix_s) const {
  size_t i = step_at(now_unix_s);
  if (steps_[i].gco2e_per_kwh < threshold_gco2e_per_kwh) return now_unix_s;
  for (++i; i < steps_.size(); ++i) {
    if (steps_[i].gco2e_per_kwh < threshold_gco2e_per_kwh) return steps_[i].start_unix_s;
  }
  return std::nullopt;
}

Result<CarbonIntensity> read_intensity_file(const std::filesystem::path& path, double pue,
                                            std::string_view shown_name) {
  auto text = read_text(path, shown_name);
  if (!text) return tl::unexpected(text.error());
  auto steps = parse_intensity_csv(*text, shown_name);
  if (!steps) return tl::unexpected(steps.error());
  return CarbonIntensity::series(std::move(*steps), pue, std::string(shown_name));
}

Result<CarbonIntensity> make_carbon_intensity(const CarbonSettings& settings,
                                              const std::filesystem::path& base_dir) {
  bool has_intensity = settings.intensity_gco2e_per_kwh.has_value();
  bool has_file = !settings.intensity_file.empty();
  if (has_intensity && has_file) {
    return carbon_error("intensity and intensity_file exclude each other; give one of them");
  }
  if (settings.region.empty() && !has_intensity && !has_file) {
    return carbon_error("needs one of region, intensity, intensity_file");
  }
  std::optional<GridRegion> region;
  if (!settings.region.empty()) {
    auto found = find_region(settings.region);
    if (!found) return carbon_error("region: " + found.error().message);
    region = std::move(*found);
  }
  double pue = settings.pue.value_or(default_pue(region ? region->provider : ""));
  if (!(pue >= 1.0)) {
    return carbon_error(fmt::format("pue {:g} is out of range; accepted: a number >= 1", pue));
  }
  if (has_file) {
    auto path = std::filesystem::path(settings.intensity_file);
    if (path.is_relative()) path = base_dir / path;
    return read_intensity_file(path, pue, settings.intensity_file);
  }
  if (has_intensity) {
    double g = *settings.intensity_gco2e_per_kwh;
    if (!(g >= 0.0)) {
      return carbon_error(
          fmt::format("intensity {:g} is out of range; accepted: a number >= 0 "
                      "(gCO2e/kWh)",
                      g));
    }
    return CarbonIntensity::constant(g, pue, fmt::format("{:g} gCO2e/kWh", g));
  }
  return CarbonIntensity::constant(region->gco2e_per_kwh, pue, region->key);
}

}  // namespace greentune
