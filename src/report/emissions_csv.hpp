// greentune report --emissions-csv F: one row per trial with the columns of CodeCarbon's
// emissions.csv (those of CodeCarbon 2.4.2, kCodeCarbonVersion) followed by greentune's,
// so that tools reading CodeCarbon's file read this one.  Also what the other CSV exports
// (report/trials_csv.hpp) share: quoting a field, a trial's joules and CO2e, writing the
// file whole.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "greentune/carbon.hpp"
#include "greentune/result.hpp"
#include "greentune/storage.hpp"

namespace greentune {

// The CodeCarbon release whose emissions.csv header the file follows, column for column
// (2.3.0 to 2.6.x write the same 31 columns; 2.7 added experiment_id).  Its
// codecarbon_version column holds this: the layout followed, not a CodeCarbon run.
inline constexpr std::string_view kCodeCarbonVersion = "2.4.2";

// The header line (no newline): CodeCarbon 2.4.2's 31 columns in its order, then
// greentune's trial, state, value and energy_sources.  Columns greentune cannot fill
// (python_version, gpu_count, gpu_model, longitude, latitude) stay empty.
std::string emissions_csv_header();

// The rows (each ending with "\n") for the finished and running trials of a study.
// `carbon`: the study's intensity, or nullopt (emissions columns empty).  `now` ends
// trials still running.
Result<std::string> emissions_csv_rows(Storage& storage, const StudyRecord& record,
                                       const std::vector<Trial>& trials,
                                       const std::optional<CarbonIntensity>& carbon, double now);

// Writes header and rows to `path` (through a temporary file renamed over it, so a
// reader never sees half a file).  kIo when it cannot be written.
Status write_emissions_csv(const std::string& path, const std::string& content);

// ---- shared by the CSV exports

// A CSV field as RFC 4180 writes it: as it is, or in double quotes (quotes doubled) when
// it holds a comma, a quote or a line break.
std::string csv_field(std::string_view text);

// A path an export cannot go to is a usage error (kInvalidArgument), found before the study
// is read: an existing directory, or a folder that does not exist.
Status check_output_file(const std::string& path, std::string_view flag);

// `content` written to `path` through a temporary file beside it renamed over it.
// kIo `FLAG: cannot write "PATH": why` when it cannot be.
Status write_file_atomically(const std::string& path, const std::string& content,
                             std::string_view flag);

// One trial's energy records added up by component, and where each figure came from.
struct TrialJoules {
  double cpu = 0.0;
  double dram = 0.0;
  double gpu = 0.0;
  std::set<std::string> sources;  // "cpu:rapl", "gpu:nvml", ... (sorted)
  double total() const { return cpu + dram + gpu; }
};
TrialJoules trial_joules(const std::vector<EnergyRecord>& records);

// Grams of CO2e of `joules` spent by a trial from its start to its end (`now` while it
// runs) under the study's intensity; nullopt without one or for a trial never started.
std::optional<double> trial_co2e_g(const std::optional<CarbonIntensity>& carbon,
                                   const Trial& trial, double joules, double now);

}  // namespace greentune
