// Small experiments first: the parts of running a trial in stages over data fractions
// (StagePlan, orchestrator.hpp) that are pure functions of the trial and its stages.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "greentune/trainer.hpp"
#include "greentune/trial.hpp"
#include "greentune/watch.hpp"

namespace greentune::study_detail {

// Where a staged trial starts: after the last stage whose value is stored (a pure
// function of storage; the stage that was interrupted runs again).
size_t first_stage_to_run(const std::vector<int64_t>& stages, const Trial& trial,
                          const std::string& metric);

// A stage's objective: its final value of `metric`, else the last one it reported.
std::optional<double> stage_objective(const TrialOutcome& outcome, const TrialWatch& watch,
                                      const std::string& metric);

// How a stage of a staged trial ended and what came of it: a "stage" event.
struct StageEnd {
  std::span<const int64_t> stages;  // the units each stage of the trial ends at
  size_t stage = 0;                 // the stage that ended: an index into `stages`
  int64_t max_resource = 1;         // units of the whole data
  std::string_view metric;          // the objective
  std::optional<double> value;      // its value at this stage; nullopt: none that counts
  std::string_view decision;  // "continue", "final", "prune", "stopped", "failed", "interrupted"
  std::string_view why;

  // The event's message, for trial number `trial_number`.
  std::string message(int64_t trial_number) const;
  // The event's data: the stage, its units and data fraction, the value, the decision.
  nlohmann::json data() const;
};

}  // namespace greentune::study_detail
