// The study file (TOML) turned into a validated StudySpec.
//
// Every error names the file, line, column and field, and what would be accepted;
// unknown keys name the closest valid key.  Loading never touches storage.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "greentune/data.hpp"
#include "greentune/pruner.hpp"
#include "greentune/result.hpp"
#include "greentune/rules.hpp"
#include "greentune/space.hpp"
#include "greentune/study.hpp"
#include "greentune/trial.hpp"

namespace greentune {

struct SearchSpec {
  std::string sampler = "auto";  // auto (gp, then tpe) | random | qmc | grid | tpe | gp
  std::optional<uint64_t> seed;  // none: a random seed is drawn once and stored
  bool multivariate = false;     // tpe: one joint density over all params
  std::optional<int64_t> n_startup_trials;  // tpe, gp, auto: Sobol points before the model
  std::optional<bool> output_warping;       // gp
  std::optional<bool> input_warping;        // gp
  SearchSpace space;
  // Parent studies in the same storage whose finished trials inform the sampler.
  std::vector<std::string> warm_start;
  // Advice about the space found while reading it ("file:line:col: ..."), e.g. a wide
  // float range without log scale; shown when the study is opened, never an error.
  std::vector<std::string> hints;
};

struct TrialSpec {
  std::string trainer;                // "function:branin" ... (or empty with command)
  std::vector<std::string> command;   // a program run as a trial (the executor issue)
  std::optional<std::string> dataset;
  std::optional<int64_t> max_steps;
  std::optional<double> timeout_s;
  // Energy one trial may spend (all components); reaching it stops the trial (PRUNED,
  // reason budget), and the energy_forecast rule stops it earlier when its forecast
  // exceeds it.
  std::optional<double> max_energy_kwh;
  double grace_s = 30.0;
  std::map<std::string, std::string> env;
  std::optional<std::string> cwd;       // relative to the study file's directory
  // [[trial.metric_regex]] name = "...", regex = "...": metrics read from stdout lines.
  struct MetricRegex {
    std::string name;
    std::string regex;
  };
  std::vector<MetricRegex> metric_regex;
  double monitor_interval_s = 1.0;             // /proc sampling of the trial's processes
  int64_t log_max_bytes = 10 * 1024 * 1024;    // per stream (stdout, stderr)
};

// [carbon]: how joules become grams of CO2e.  region, or intensity / intensity_file
// (region may come with either, naming the place and its PUE); none: energy only.
struct CarbonSpec {
  std::optional<std::string> region;          // "aws:eu-north-1" (greentune regions)
  std::optional<double> intensity;            // gCO2e/kWh, constant
  std::optional<std::string> intensity_file;  // timestamp,gco2e_per_kwh (relative: to the file)
  std::optional<double> pue;                  // default: the provider's (data/pue.csv)
  bool any() const { return region || intensity || intensity_file; }
};

// [energy]: how joules are measured.
struct EnergySpec {
  std::optional<double> cpu_tdp_w;  // overrides the CPU table of the power model
  bool rapl = true;                 // false: the model even where RAPL is readable
  bool nvml = true;                 // false: no GPU figures
};

// [retention]: what `greentune gc` keeps of finished trials' files, applied by `tune` when
// the study ends by a completion criterion (study/retention.hpp).
struct RetentionSpec {
  int64_t keep_best = 1;            // the best K complete trials keep every file
  std::optional<double> logs_ttl_s;  // logs of the others go once this old; none: kept
};

struct StudySpec {
  std::string name;
  Direction direction = Direction::kMinimize;
  std::string metric = "value";
  CompletionSpec completion;  // target and [budget]
  int64_t concurrency = 1;
  SearchSpec search;
  TrialSpec trial;
  PrunerSpec pruner;            // [pruner]; kind "none" by default
  std::vector<RuleSpec> rules;  // [[rules]], in file order
  CarbonSpec carbon;
  EnergySpec energy;
  std::optional<RetentionSpec> retention;  // [retention]; none: tune deletes nothing
  std::optional<DataSection> data;  // [data], for built-in trainers
  // [trainer]: the built-in trainer's fixed options, name -> string, number or boolean.
  nlohmann::json trainer_options = nlohmann::json::object();
  std::string path;  // the file it came from
  // "file:line:col" of keys that later checks (which run outside the parser) report
  // errors about, e.g. "trial.trainer".
  std::map<std::string, std::string> locations;

  // "file:line:col: [section] key" for such a key, or "file: [section] key".
  std::string where(const std::string& section, const std::string& key) const;

  // Round-trips through the study record's `spec` column.
  nlohmann::json to_json() const;
  // The sampler description stored with the study: {"name": ..., "seed": ...}, plus
  // "multivariate": true for a multivariate tpe and the sampler options the file sets
  // (n_startup_trials, output_warping, input_warping).
  nlohmann::json sampler_json(uint64_t seed) const;
};

// Parses TOML text; `path` is used in messages only.
Result<StudySpec> parse_study_file(std::string_view text, const std::string& path);
// Reads and parses a file; kInvalidArgument if it cannot be read.
Result<StudySpec> load_study_file(const std::string& path);

}  // namespace greentune
