// Pruners stop trials that will not win, from their intermediate values (Optuna's
// pruners, Ray Tune's ASHA).  A pruner is a pure function of the study's history and the
// trial's values so far, so it works the same with several trials running at once and
// with resumed trials (their earlier values are kept in storage).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "greentune/result.hpp"
#include "greentune/trial.hpp"

namespace greentune {

// [pruner] in the study file.  Defaults are Optuna 3.1's where it has the pruner.
struct PrunerSpec {
  std::string kind = "none";  // none | median | percentile | asha | hyperband | threshold | patience

  // median, percentile
  int64_t n_startup_trials = 5;  // finished trials before any pruning
  int64_t n_warmup_steps = 0;    // steps of a trial before it may be pruned
  int64_t interval_steps = 1;    // decide every this many steps
  int64_t n_min_trials = 1;      // trials with a value at the step needed to compare
  double percentile = 50.0;      // percentile: keep the trial if at least this good

  // asha, hyperband: rungs at min_resource * reduction_factor^(k + min_early_stopping_rate)
  int64_t min_resource = 1;
  // default: [trial] max_steps; with resource "data_fraction" data_fraction_max_resource()
  std::optional<int64_t> max_resource;
  double reduction_factor = 3.0;
  int64_t min_early_stopping_rate = 0;
  std::optional<int64_t> n_brackets;  // hyperband; default from the resource range

  // threshold
  std::optional<double> lower;
  std::optional<double> upper;

  // patience: wraps the pruner of `kind` (or none when kind = "patience"): prune only
  // once the best of the last patience + 1 values is worse than the best before them by
  // more than min_delta (Optuna's PatientPruner).
  std::optional<int64_t> patience;
  double min_delta = 0.0;

  // What the resource is: "step" (the reported step: epochs, boosting rounds) or
  // "data_fraction" (asha and hyperband only: small experiments first, as scikit-learn's
  // HalvingRandomSearchCV with resource="n_samples").  With "data_fraction" a trial runs in
  // stages, each a new run of its program on a larger share of the data, given to it as
  // the param data_fraction; the resource units are 1/max_resource-ths of the data.
  std::string resource = "step";

  nlohmann::json to_json() const;
  static Result<PrunerSpec> from_json(const nlohmann::json& j);
};

struct PruneContext {
  Direction direction = Direction::kMinimize;
  std::string metric = "value";  // the objective, whose intermediate values are compared
  const Trial* trial = nullptr;  // the running trial; its intermediate values so far
  const std::vector<Trial>* trials = nullptr;  // every trial of the study (all states)
  int64_t step = 0;              // the step just reported
  // The study's name: hyperband puts a trial in a bracket by a hash of name and number,
  // as Optuna does.
  std::string study;
};

struct PruneDecision {
  bool prune = false;
  std::string message;  // why, with the numbers (also when it keeps the trial, for tests)
  nlohmann::json data = nlohmann::json::object();
};

class Pruner {
 public:
  virtual ~Pruner() = default;
  virtual std::string_view name() const = 0;
  // REQUIRES: ctx.trial and ctx.trials set.  Deterministic in ctx.
  virtual PruneDecision decide(const PruneContext& ctx) const = 0;
};

// nullptr for kind "none".  kInvalidArgument for a bad spec (names the field).
Result<std::unique_ptr<Pruner>> make_pruner(const PrunerSpec& spec,
                                            std::optional<int64_t> max_steps);

// The kinds make_pruner accepts, for messages and validation.
std::vector<std::string> pruner_kinds();

// ---- resource = "data_fraction" (small experiments first; the stages run as
// Executor::start_stage, executor.hpp)

// max_resource when the spec gives none: min_resource * reduction_factor^3, rounded (27
// with the defaults), so that a trial has four stages, the first on 1/27 of the data.
int64_t data_fraction_max_resource(const PrunerSpec& spec);

// The stages of one trial, as the units of data each ends at, increasing, the last one
// max_resource: the steps at which the pruner of `spec` decides for this trial (its rungs,
// rounded up so that each stage reaches its rung), then max_resource.  asha's rungs start
// at min_early_stopping_rate; hyperband's at the trial's bracket (a hash of the study's
// name and the trial's number, as the pruner computes it), so a stage that no rung would
// judge is never run.  With the defaults: 1, 3, 9, 27.
// REQUIRES: spec.resource == "data_fraction" and make_pruner(spec, ...) accepts spec.
std::vector<int64_t> data_fraction_stages(const PrunerSpec& spec, std::string_view study,
                                          int64_t trial_number);

}  // namespace greentune
