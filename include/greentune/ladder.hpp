// The model ladder: rungs of growing complexity (a constant baseline, a linear model,
// small then large boosted trees, a neural network), each tuned as its own study with its own small
// budget.  It climbs while the target is unmet and each rung's gain over the rungs below
// is worth its energy, and recommends the simplest rung that meets the target.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "greentune/config.hpp"
#include "greentune/result.hpp"

namespace greentune {

struct RungSpec {
  std::string name;  // "xgboost-small"
  StudySpec study;   // named "<ladder>.<rung>"
};

struct LadderSpec {
  std::string name;
  std::string path;
  // The least gain in the metric, per extra kWh, that makes a rung worth climbing to.
  double min_gain_per_kwh = 0.0;
  std::vector<RungSpec> rungs;  // simplest first
  std::vector<std::string> notes;  // e.g. a default rung left out, and why
};

// Reads a ladder file: [ladder] name and min_gain_per_kwh; sections shared by every rung
// ([study] direction / metric / target, [data], [search], [carbon], ...); and [[rung]]
// tables, each with a name and its own sections ([rung.trial], [rung.search.space],
// [rung.budget], [rung.trainer], [rung.pruner]) over the shared ones.  Without [[rung]],
// the default tabular ladder: constant, linear, xgboost-small, xgboost-large, mlp.  Errors
// name the file, line and key, as for study files.
Result<LadderSpec> load_ladder_file(const std::string& path);
Result<LadderSpec> parse_ladder_file(std::string_view text, const std::string& path);

// What one rung's study came to.
struct RungResult {
  std::string name;
  std::string study;
  std::optional<double> best;  // none: no trial completed
  double kwh = 0;
  double co2e_g = 0;
  double seconds = 0;
  std::optional<double> model_bytes;  // the best trial's model
  int64_t trials = 0;
  // Filled by climb_decision: the gain over the best rung below, per kWh of this rung.
  std::optional<double> gain_per_kwh;
  bool met_target = false;
};

struct ClimbDecision {
  bool climb = false;   // run the next rung
  std::string why;      // why it stops (or climbs)
};

// After the rungs run so far (results.size() >= 1), whether to climb to the next one;
// fills each result's gain_per_kwh and met_target.
ClimbDecision climb_decision(const LadderSpec& ladder, std::vector<RungResult>& results);

// The recommended rung: the simplest that met the target; else, of the rungs whose
// gain per kWh cleared min_gain_per_kwh (the first always counts), the best.  Its index
// and why.
std::pair<size_t, std::string> recommend(const LadderSpec& ladder,
                                         const std::vector<RungResult>& results);

// The table as JSON: {"ladder", "metric", "direction", "target", "min_gain_per_kwh",
// "rungs": [...], "recommended", "why", "stopped"}.
nlohmann::json ladder_json(const LadderSpec& ladder, const std::vector<RungResult>& results,
                           const ClimbDecision& stop);
// The table for people.
std::string ladder_text(const LadderSpec& ladder, const std::vector<RungResult>& results,
                        const ClimbDecision& stop);

}  // namespace greentune
