// Carbon: grams of CO2e for the energy a study spends.
//
//   CO2e (g) = IT energy (kWh, as the meters measure it) x PUE x grid intensity (gCO2e/kWh)
//
// The grid intensity is a constant (a region of the built-in table, or a number from the
// study file) or a time series read from a CSV file, so that CO2e follows the time each
// joule was spent and a study can wait for a greener hour.  The built-in table
// (data/grid_intensity.csv, data/pue.csv, compiled into the binary) holds annual
// location-based averages, each row with its source and year; see data/README.md.
//
// Everything here is a pure function of its inputs except read_intensity_file (reads a
// file); nothing reads the clock.  Thread-safe: the built-in tables are parsed once, on
// first use, and never change.
#pragma once

#include <array>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "greentune/result.hpp"

namespace greentune {

// One row of data/grid_intensity.csv: an annual average, location-based (the grid's
// generation mix, not the operator's renewable-energy contracts).
struct GridRegion {
  std::string key;             // "aws:eu-north-1", "gcp:europe-north1", "azure:swedencentral",
                               // "country:SE"
  std::string provider;        // one of kRegionProviders
  std::string region;          // the provider's own name, or an ISO 3166 alpha-2 code
  std::string location;        // "Stockholm, Sweden"
  double gco2e_per_kwh = 0.0;  // whole grams: the sources do not support more precision
  std::string source;          // short name of who published the figure
  int year = 0;                // the year the figure describes
  std::string source_url;      // where to check it
};

// One row of data/pue.csv.
struct PueDefault {
  std::string provider;  // "aws", "gcp", "azure", or "default" (on-premises, unknown)
  double pue = 1.0;      // total facility energy / IT energy, >= 1
  std::string source;
  int year = 0;
  std::string source_url;
};

// The providers of the table, in the order `greentune regions --provider` accepts them.
inline constexpr std::array<std::string_view, 4> kRegionProviders = {"aws", "gcp", "azure",
                                                                     "country"};

// ---- the built-in tables

// The rows of data/grid_intensity.csv, in file order.
const std::vector<GridRegion>& grid_regions();
// The rows of data/pue.csv.
const std::vector<PueDefault>& pue_defaults();

// The row for `key` (compared case-insensitively: "AWS:EU-North-1" finds aws:eu-north-1).
// Unknown key: kInvalidArgument naming the closest keys and `greentune regions`.
Result<GridRegion> find_region(std::string_view key);

// The rows of one provider ("" = all of them), lowest gCO2e/kWh first, ties by key.
// Unknown provider: kInvalidArgument listing the accepted ones.
Result<std::vector<GridRegion>> regions_greenest_first(std::string_view provider = "");

// The default PUE of a provider: aws, gcp and azure from data/pue.csv; anything else
// ("country", "", an unknown name) gets the on-premises default.
double default_pue(std::string_view provider);

// Parsers of the two tables, exposed so that tests can check the shipped files and feed
// broken ones.  `name` is what error messages call the text ("grid_intensity.csv").
Result<std::vector<GridRegion>> parse_grid_table(std::string_view csv_text, std::string_view name);
Result<std::vector<PueDefault>> parse_pue_table(std::string_view csv_text, std::string_view name);

// ---- intensity over time

// One step of an intensity time series: `gco2e_per_kwh` holds from `start_unix_s` until
// the next step starts.
struct IntensityStep {
  double start_unix_s = 0.0;
  double gco2e_per_kwh = 0.0;
};

// The grid intensity a study runs under, and its PUE.  A value type: cheap to copy for a
// constant, one vector for a series.
class CarbonIntensity {
 public:
  // A constant intensity.  REQUIRES: gco2e_per_kwh >= 0, pue >= 1.
  static CarbonIntensity constant(double gco2e_per_kwh, double pue, std::string label);
  // A step function.  REQUIRES: steps not empty, starts strictly increasing, values >= 0,
  // pue >= 1.  Before the first step the first value holds; after the last, the last.
  static CarbonIntensity series(std::vector<IntensityStep> steps, double pue, std::string label);

  double pue() const { return pue_; }
  // What the intensity is: "aws:eu-north-1", "35 gCO2e/kWh", "grid.csv".
  const std::string& label() const { return label_; }
  bool is_constant() const { return steps_.size() == 1; }
  const std::vector<IntensityStep>& steps() const { return steps_; }

  // The intensity in force at `unix_s` (a step's value holds from its start, inclusive).
  double gco2e_per_kwh_at(double unix_s) const;
  // The time-weighted mean intensity over [t0, t1]; the value at t0 when t1 <= t0.
  double mean_gco2e_per_kwh(double t0_unix_s, double t1_unix_s) const;
  // Grams of CO2e for `joules` of IT energy spent at uniform power between t0 and t1,
  // PUE included.  Exact (up to rounding) for the step function.  REQUIRES: joules >= 0.
  double co2e_g(double joules, double t0_unix_s, double t1_unix_s) const;
  // The first time >= now at which the intensity is below `threshold_gco2e_per_kwh`
  // (strictly): `now` itself if it already is, else the start of the first step that is;
  // nullopt when no such time exists (the series stays at or above the threshold).
  std::optional<double> forecast_below(double threshold_gco2e_per_kwh, double now_unix_s) const;

 private:
  CarbonIntensity(std::vector<IntensityStep> steps, double pue, std::string label);
  size_t step_at(double unix_s) const;  // index of the step in force at unix_s
  double integral(double t0_unix_s, double t1_unix_s) const;  // gCO2e/kWh x seconds

  std::vector<IntensityStep> steps_;
  double pue_ = 1.0;
  std::string label_;
};

// Seconds since the epoch for a timestamp as intensity files write them: ISO 8601
// "2024-05-01T12:00:00Z" (seconds and fraction optional, "T" or a space, "Z" or an offset
// "+02:00" / "+0200"), a date "2024-05-01" (midnight UTC), or seconds since the epoch
// ("1714564800").  A date-time without "Z" or an offset is refused: it would be ambiguous.
Result<double> parse_timestamp(std::string_view text);

// Parses an intensity file: one `timestamp,gco2e_per_kwh` per line, an optional header
// line, blank lines and lines starting with '#' ignored, timestamps strictly increasing.
// Errors (kInvalidArgument) name `name:line` and what is accepted.
Result<std::vector<IntensityStep>> parse_intensity_csv(std::string_view text,
                                                       std::string_view name);
// Reads and parses an intensity file.  A file that cannot be read is kInvalidArgument
// (the study file names it: a configuration error).
Result<CarbonIntensity> read_intensity_file(const std::filesystem::path& path, double pue,
                                            std::string_view shown_name);

// The [carbon] section of a study file.
struct CarbonSettings {
  std::string region;                             // "aws:eu-north-1"; "" = not given
  std::optional<double> intensity_gco2e_per_kwh;  // `intensity = 35`
  std::string intensity_file;                     // `intensity_file = "grid.csv"`
  std::optional<double> pue;                      // overrides the region's provider default
};

// The intensity a [carbon] section describes.  `intensity` and `intensity_file` exclude
// each other; `region` may come with either (it then only names the place and gives the
// default PUE).  PUE: `pue` if given, else the region's provider default, else the
// on-premises default.  A relative intensity_file is read from `base_dir` (the study
// file's folder).  Errors are kInvalidArgument.  REQUIRES: at least one of region,
// intensity, intensity_file (what a study without [carbon] uses is the caller's choice).
Result<CarbonIntensity> make_carbon_intensity(const CarbonSettings& settings,
                                              const std::filesystem::path& base_dir);

// What a study would have emitted in another region: `kwh` of IT energy x that region's
// provider PUE x its intensity.
struct RegionEmission {
  GridRegion region;
  double pue = 1.0;
  double kwh = 0.0;
  double co2e_g = 0.0;
};
Result<RegionEmission> emitted_in(std::string_view region_key, double kwh);

// "in aws:eu-north-1 (Stockholm, Sweden) this study would have emitted 0.51 gCO2e
// (9 gCO2e/kWh x PUE 1.135; CCF: EEA 2020)".
std::string describe_emission(const RegionEmission& emission);

}  // namespace greentune
