// greentune tune, as the ladder command runs it for each rung.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "greentune/config.hpp"

namespace greentune::cli {

struct TuneArgs {
  CommonOptions common;
  std::string file;
  std::string study;
  std::string runs_dir = "greentune-runs";
  bool quiet = false;
  double progress_every_s = 10.0;  // plain progress lines at most this often
  std::optional<double> start_below;  // gCO2e/kWh: wait until the forecast is below it
  std::string max_wait = "24h";       // ... for at most this long
  // When set, the summary goes here instead of to stdout.
  nlohmann::json* summary_out = nullptr;
};

// Runs the study (a parsed study file, or its error) as `greentune tune` does: checks
// everything before storage is touched, runs trials until a completion criterion, and
// prints the summary.  Returns the exit code (1 when interrupted: the study is saved).
int tune_study(const TuneArgs& args, Result<StudySpec> spec);

// Whether SIGINT / SIGTERM arrived during tune_study.
bool tune_interrupted();

}  // namespace greentune::cli
