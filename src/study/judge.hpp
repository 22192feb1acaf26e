// The judge of each trial attempt: the study's [pruner], its [[rules]] and [trial]
// max_energy_kwh, all speaking through Verdicts (watch.hpp); and, for [pruner] resource =
// "data_fraction", the plan of stages with the pruner deciding between them.  What a
// trial reports reaches the pruner through here: orchestrator -> TrialWatch -> judge.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "greentune/config.hpp"
#include "greentune/orchestrator.hpp"
#include "greentune/pruner.hpp"
#include "greentune/result.hpp"
#include "greentune/rules.hpp"
#include "greentune/trial.hpp"
#include "greentune/watch.hpp"

namespace greentune {

// What a study's judges are made of.  Every field has a default: no pruner, no rules, no
// per-trial budget.
struct JudgeSpec {
  std::string file;     // the study file, for messages ("study.toml: [pruner] ...")
  std::string study;    // the study's name: hyperband's brackets hash it with the trial
  Direction direction = Direction::kMinimize;
  std::string metric = "value";                // the objective the pruner judges
  PrunerSpec pruner;                           // [pruner]; kind "none" by default
  std::vector<RuleSpec> rules;                 // [[rules]]
  std::optional<int64_t> max_steps;            // [trial] max_steps
  std::optional<double> trial_max_energy_kwh;  // [trial] max_energy_kwh
};

// The judge spec of a study file: its [pruner], [[rules]], [trial] max_steps and
// max_energy_kwh, name, direction and metric.
JudgeSpec judge_spec_of(const StudySpec& spec);

// What rules need to know of this machine: its cores and memory (the cgroup's limits
// where they are lower), and the per-trial energy budget of `spec`.
RuleEnvironment rule_environment(const JudgeSpec& spec);

// An empty factory when the study has no pruner, rules or per-trial budget.
// kInvalidArgument for a pruner spec make_pruner refuses or a rule validate_rule refuses.
// With [pruner] resource = "data_fraction" the factory's judges leave the pruner out: it
// decides between stages (make_stage_plan), not on the steps a stage reports.
Result<JudgeFactory> make_judge_factory(const JudgeSpec& spec, const RuleEnvironment& env);

// The stages of each trial and the pruner's decision between them, for [pruner] resource
// = "data_fraction"; nullopt for any other resource.  kInvalidArgument for a pruner spec
// make_pruner refuses.
Result<std::optional<StagePlan>> make_stage_plan(const JudgeSpec& spec);

}  // namespace greentune
