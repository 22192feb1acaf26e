// The judge of each trial attempt, from the study file: its [pruner], its [[rules]] and
// [trial] max_energy_kwh, all speaking through Verdicts (watch.hpp).
#pragma once

#include "greentune/config.hpp"
#include "greentune/orchestrator.hpp"
#include "greentune/result.hpp"
#include "greentune/rules.hpp"
#include "greentune/watch.hpp"

namespace greentune::cli {

// What rules need to know of this machine: its cores and memory (the cgroup's limits
// where they are lower), and the per-trial energy budget of `spec`.
RuleEnvironment rule_environment(const StudySpec& spec);

// An empty factory when the study has no pruner, rules or per-trial budget.
// kInvalidArgument for a pruner spec make_pruner refuses.
// With [pruner] resource = "data_fraction" the factory's judges leave the pruner out: it
// decides between stages (make_stage_plan), not on the steps a stage reports.
Result<JudgeFactory> make_judge_factory(const StudySpec& spec, const RuleEnvironment& env);

// The stages of each trial and the pruner's decision between them, for [pruner] resource
// = "data_fraction"; nullopt for any other resource.  kInvalidArgument for a pruner spec
// make_pruner refuses.
Result<std::optional<StagePlan>> make_stage_plan(const StudySpec& spec);

}  // namespace greentune::cli
