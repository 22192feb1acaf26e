#include "study/judge.hpp"

#include <algorithm>
#include <memory>
#include <string>

#include <fmt/format.h>

#include "system/machine.hpp"

namespace greentune {
namespace {

constexpr double kJoulesPerKwh = 3.6e6;

// The pruner, the rules and the per-trial budget of one trial attempt.
class StudyJudge : public TrialJudge {
 public:
  StudyJudge(std::shared_ptr<const Pruner> pruner, std::vector<std::unique_ptr<Rule>> rules,
             std::optional<double> max_energy_j, std::string study)
      : pruner_(std::move(pruner)), rules_(std::move(rules)), max_energy_j_(max_energy_j),
        study_(std::move(study)) {}

  Result<std::vector<Verdict>> check(const TrialWatch& watch, const HistoryFn& history) override {
    std::vector<Verdict> verdicts;
    if (auto v = check_budget(watch)) verdicts.push_back(std::move(*v));
    for (auto& rule : rules_) {
      if (auto v = rule->check(watch)) verdicts.push_back(std::move(*v));
    }
    auto pruned = check_pruner(watch, history);
    if (!pruned) return tl::unexpected(pruned.error());
    if (*pruned) verdicts.push_back(std::move(**pruned));
    return verdicts;
  }

 private:
  std::optional<Verdict> check_budget(const TrialWatch& watch) {
    if (!max_energy_j_ || budget_fired_) return std::nullopt;
    double spent = watch.total_joules();
    if (spent < *max_energy_j_) return std::nullopt;
    budget_fired_ = true;
    Verdict v;
    v.source = "budget:trial_energy";
    v.reason = StopReason::kBudget;
    v.message = fmt::format("spent {:.4g} kWh, the per-trial budget is {:.4g} kWh "
                            "([trial] max_energy_kwh)",
                            spent / kJoulesPerKwh, *max_energy_j_ / kJoulesPerKwh);
    v.data = {{"joules", spent}, {"max_energy_kwh", *max_energy_j_ / kJoulesPerKwh}};
    return v;
  }

  // The pruner decides at every step this attempt reported the objective at, in order,
  // as if it had seen each report on its own: several reports read in one poll get the
  // same decisions as reports read one by one, so a seeded study prunes the same trials
  // however fast the machine is.
  Result<std::optional<Verdict>> check_pruner(const TrialWatch& watch, const HistoryFn& history) {
    if (!pruner_ || !watch.new_report) return std::optional<Verdict>();
    auto values = watch.metrics.find(watch.metric);
    if (values == watch.metrics.end() || values->second.empty()) return std::optional<Verdict>();
    std::vector<int64_t> steps;
    for (size_t i = next_report_; i < watch.reports.size(); ++i) {
      int64_t step = watch.reports[i].step;
      bool has_value = std::any_of(values->second.begin(), values->second.end(),
                                   [step](const StepValue& v) { return v.step == step; });
      if (has_value && (steps.empty() || steps.back() != step)) steps.push_back(step);
    }
    next_report_ = watch.reports.size();
    if (steps.empty()) return std::optional<Verdict>();
    auto trials = history();
    if (!trials) return tl::unexpected(trials.error());
    // The running trial as the pruner sees it: stored params and every value reported.
    Trial self = *watch.trial;
    for (const Trial& t : **trials) {
      if (t.number == watch.trial->number) self = t;
    }
    self.intermediate = watch.metrics;
    PruneContext ctx;
    ctx.direction = watch.direction;
    ctx.metric = watch.metric;
    ctx.trial = &self;
    ctx.trials = trials->get();
    ctx.study = study_;
    PruneDecision d;
    for (int64_t step : steps) {
      ctx.step = step;
      d = pruner_->decide(ctx);
      if (d.prune) break;
    }
    if (!d.prune) return std::optional<Verdict>();
    Verdict v;
    v.source = fmt::format("pruner:{}", pruner_->name());
    v.reason = StopReason::kPruned;
    v.message = d.message;
    v.data = d.data;
    return std::optional(std::move(v));
  }

  std::shared_ptr<const Pruner> pruner_;
  std::vector<std::unique_ptr<Rule>> rules_;
  std::optional<double> max_energy_j_;
  bool budget_fired_ = false;
  size_t next_report_ = 0;  // watch.reports before this one were judged
  std::string study_;  // hyperband's brackets hash it with the trial number
};

}  // namespace

JudgeSpec judge_spec_of(const StudySpec& spec) {
  JudgeSpec j;
  j.file = spec.path;
  j.study = spec.name;
  j.direction = spec.direction;
  j.metric = spec.metric;
  j.pruner = spec.pruner;
  j.rules = spec.rules;
  j.max_steps = spec.trial.max_steps;
  j.trial_max_energy_kwh = spec.trial.max_energy_kwh;
  return j;
}

RuleEnvironment rule_environment(const JudgeSpec& spec) {
  RuleEnvironment env;
  if (spec.trial_max_energy_kwh) env.trial_max_energy_j = *spec.trial_max_energy_kwh * kJoulesPerKwh;
  system::MachineLimits machine = system::machine_limits();
  env.memory_limit_bytes = machine.memory_bytes;
  env.cpu_cores = machine.cpu_cores;
  return env;
}

Result<JudgeFactory> make_judge_factory(const JudgeSpec& spec, const RuleEnvironment& env) {
  auto pruner = make_pruner(spec.pruner, spec.max_steps);
  if (!pruner) {
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("{}: [pruner] {}", spec.file, pruner.error().message));
  }
  for (const RuleSpec& rule : spec.rules) {
    if (auto ok = validate_rule(rule); !ok) {
      return make_error(ErrorCode::kInvalidArgument,
                        fmt::format("{}: [[rules]] {}", spec.file, ok.error().message));
    }
  }
  std::shared_ptr<const Pruner> shared_pruner = std::move(*pruner);
  // Over data fractions the pruner decides between stages (make_stage_plan), never on the
  // steps a stage reports.
  if (spec.pruner.resource == "data_fraction") shared_pruner.reset();
  std::optional<double> max_energy_j = env.trial_max_energy_j;
  if (!shared_pruner && spec.rules.empty() && !max_energy_j) return JudgeFactory();
  return JudgeFactory([shared_pruner, rules = spec.rules, env, max_energy_j,
                       study = spec.study](const Trial&) -> std::unique_ptr<TrialJudge> {
    std::vector<std::unique_ptr<Rule>> instances;
    for (const RuleSpec& r : rules) instances.push_back(make_rule(r, env));
    return std::make_unique<StudyJudge>(shared_pruner, std::move(instances), max_energy_j,
                                        study);
  });
}

Result<std::optional<StagePlan>> make_stage_plan(const JudgeSpec& spec) {
  if (spec.pruner.resource != "data_fraction") return std::optional<StagePlan>();
  auto made = make_pruner(spec.pruner, spec.max_steps);
  if (!made) {
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("{}: [pruner] {}", spec.file, made.error().message));
  }
  std::shared_ptr<const Pruner> pruner = std::move(*made);
  StagePlan plan;
  plan.max_resource = spec.pruner.max_resource.value_or(data_fraction_max_resource(spec.pruner));
  plan.source = fmt::format("pruner:{}", pruner->name());
  plan.stages = [pruner_spec = spec.pruner, study = spec.study](const Trial& trial) {
    return data_fraction_stages(pruner_spec, study, trial.number);
  };
  plan.decide = [pruner, direction = spec.direction, metric = spec.metric, study = spec.study](
                    const Trial& trial, const std::vector<Trial>& trials, int64_t units) {
    PruneContext ctx;
    ctx.direction = direction;
    ctx.metric = metric;
    ctx.trial = &trial;
    ctx.trials = &trials;
    ctx.step = units;
    ctx.study = study;
    return pruner->decide(ctx);
  };
  return std::optional(std::move(plan));
}

}  // namespace greentune
