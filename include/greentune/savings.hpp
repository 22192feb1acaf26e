// What stopping trials early saved: for each trial a verdict stopped (pruner, debugger
// rule or per-trial budget), the energy it would have spent to finish, estimated as its
// energy per step so far (or the complete trials' median energy per step when lower: a
// trial stopped early spent much of its energy starting up) times the steps it had left.  Part of the study summary
// ("saved" in `report --json`, a "saved" line in the text).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "greentune/result.hpp"
#include "greentune/storage.hpp"
#include "greentune/trial.hpp"

namespace greentune {

// One trial stopped early and what finishing it would have cost.
struct TrialSaving {
  int64_t trial = -1;      // number
  std::string source;      // the verdict's source: "pruner:asha", "rule:overfit", ...
  int64_t steps_done = 0;  // 0 when it reported no step (nothing estimated)
  int64_t steps_left = 0;
  double joules_spent = 0.0;  // all components, as stored
  // min(joules_spent / steps_done, Savings::complete_joules_per_step) * steps_left
  double joules_saved = 0.0;
  // When the saved energy would have been spent: from the trial's end for as long again
  // per step as it ran (for CO2e with an intensity that changes over time).
  double t0 = 0.0;
  double t1 = 0.0;
};

struct Savings {
  std::vector<TrialSaving> trials;   // by trial number
  std::optional<int64_t> max_steps;  // the steps a trial runs when not stopped
  std::string max_steps_from;        // "[trial] max_steps" | "the longest complete trial" | ""
  // [pruner] resource = "data_fraction": a step is a unit of data (1/max_resource of it),
  // and max_steps is the pruner's max_resource.
  bool over_data = false;
  // The median energy per step of the complete trials (start-up included), if any: a
  // stopped trial's steps left are charged at no more than this.
  std::optional<double> complete_joules_per_step;
  double joules() const;
  int64_t not_estimated() const;  // stopped trials without a step or without energy
  // How it was estimated, one sentence for people.
  std::string method() const;
};

// The steps a trial has done: its last step of `metric` (of any metric when it has none
// of it), plus one when it counted from step 0.  0 when it reported nothing.
int64_t steps_done(const Trial& trial, const std::string& metric);

// The pure estimate.  `energy` holds each trial's records by trial id; `events` are the
// study's (only "verdict" events whose data.action is "stop" count, the first per trial);
// `max_steps` is [trial] max_steps, else the most steps a complete trial did.  `now`
// stands in for a missing finish time.
Savings estimate_savings(const std::vector<Trial>& trials,
                         const std::map<int64_t, std::vector<EnergyRecord>>& energy,
                         const std::vector<Event>& events, const std::string& metric,
                         std::optional<int64_t> max_steps, double now);

// The same from storage: the study's events and trials' energy, and max_steps from the
// study's stored spec.
Result<Savings> study_savings(Storage& storage, const StudyRecord& study,
                              const std::vector<Trial>& trials, double now);
// The same from what was read already.
Savings study_savings(const StudyRecord& study, const std::vector<Trial>& trials,
                      const std::map<int64_t, std::vector<EnergyRecord>>& energy,
                      const std::vector<Event>& events, double now);

// {"kwh", "joules", "co2e_g", "trials_stopped_early", "not_estimated", "max_steps",
//  "by_source": {source: {"kwh", "trials"}}, "method"}.  co2e_g is null without `co2e_g`
// (grams of CO2e for joules spent evenly between t0 and t1).
nlohmann::json savings_json(
    const Savings& savings,
    const std::function<double(double joules, double t0, double t1)>& co2e_g = {});

// The summary's line: "saved      0.012 kWh (5.1 g CO2e) by stopping 12 of 30 trials early ...",
// from a summary JSON that has "saved" (nothing when it has none).
std::string savings_text(const nlohmann::json& summary);

}  // namespace greentune
