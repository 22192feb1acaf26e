// asha and hyperband: Optuna 3.1's SuccessiveHalvingPruner (asynchronous successive
// halving) and HyperbandPruner (brackets of it).
//
// Rung k completes at step min_resource * reduction_factor^(min_early_stopping_rate + k).
// When a trial first reports at or after that step, its value there is recorded at the
// rung and compared with every value recorded at that rung so far (by any trial, running
// ones included): it goes on only when it is among the best 1/reduction_factor of them
// (at least the best one).  Optuna keeps the recorded values as trial attributes; here
// they are recomputed from the intermediate values in storage, replaying the check after
// each report, so decisions come out the same after a restart and across processes.
//
// Differences from Optuna: min_resource has no "auto" (default 1) and there is no
// bootstrap_count; there is no rung at or beyond max_resource ([trial] max_steps by
// default), because stopping a trial that has done all its steps saves nothing.  A
// trial stopped by the pruner that reports once more before it exits (the grace period)
// may count at the next rung too.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "pruning/pruners.hpp"

namespace greentune::pruning {

double Rungs::step_of(int64_t rung) const {
  return static_cast<double>(min_resource) *
         std::pow(reduction_factor, static_cast<double>(min_early_stopping_rate + rung));
}

std::vector<double> rung_values(const StepValues& values, const Rungs& rungs) {
  std::vector<double> recorded;
  auto rung = static_cast<int64_t>(0);
  for (const auto& [step, value] : values) {
    while (rungs.exists(rung) && static_cast<double>(step) >= rungs.step_of(rung)) {
      if (std::isnan(value)) return recorded;  // pruned there: nothing recorded
      recorded.push_back(value);
      ++rung;
    }
  }
  return recorded;
}

PruneDecision successive_halving_decide(const PruneContext& ctx, const Rungs& rungs,
                                        const std::vector<const Trial*>& others) {
  const std::string& metric = ctx.metric;
  const int64_t step = ctx.step;
  PruneDecision d;
  d.data = {{"step", step}};
  StepValues mine = values_of(*ctx.trial, metric, step);
  auto at = mine.find(step);
  if (at == mine.end()) {
    d.message = fmt::format("no decision: no {} at step {}", metric, step);
    d.data["skipped"] = "no_value";
    return d;
  }
  const double value = at->second;
  d.data["value"] = num_json(value);
  // The rungs this trial completed at its earlier reports (it was promoted at each, or
  // it would not be running).
  auto rung = static_cast<int64_t>(rung_values(StepValues(mine.begin(), at), rungs).size());

  std::vector<std::vector<double>> recorded;  // the others' values by rung
  recorded.reserve(others.size());
  for (const Trial* t : others) recorded.push_back(rung_values(values_of(*t, metric), rungs));

  const std::string top = fmt::format("top 1/{}", num(rungs.reduction_factor));
  std::string promoted;  // what happened at the rungs this report completed
  while (true) {
    if (!rungs.exists(rung) || static_cast<double>(step) < rungs.step_of(rung)) {
      std::string next =
          rungs.exists(rung)
              ? fmt::format("the next rung is {} at step {}", rung, num(rungs.step_of(rung)))
              : fmt::format("no rung is left before max_resource {}", rungs.max_resource);
      d.message = promoted.empty() ? fmt::format("no decision at step {}: {}", step, next)
                                   : fmt::format("{}; {}", promoted, next);
      if (promoted.empty()) d.data["skipped"] = "between_rungs";
      return d;
    }
    d.data["rung"] = rung;
    d.data["rung_step"] = rungs.step_of(rung);
    if (std::isnan(value)) {
      d.prune = true;
      d.message = fmt::format("{} is NaN at step {} (rung {})", metric, step, rung);
      return d;
    }
    std::vector<double> competing;
    for (const auto& values : recorded) {
      if (static_cast<int64_t>(values.size()) > rung) competing.push_back(values[rung]);
    }
    competing.push_back(value);
    std::sort(competing.begin(), competing.end());
    const auto n = static_cast<int64_t>(competing.size());
    auto index =
        static_cast<int64_t>(std::floor(static_cast<double>(n) / rungs.reduction_factor)) - 1;
    index = std::max<int64_t>(index, 0);
    const bool minimize = ctx.direction == Direction::kMinimize;
    const double cutoff = minimize ? competing[index] : competing[n - 1 - index];
    const bool promotable = minimize ? value <= cutoff : value >= cutoff;
    d.data["reference"] = num_json(cutoff);
    d.data["n"] = n;
    if (!promotable) {
      d.prune = true;
      d.message = fmt::format(
          "{} {} at step {} (rung {}) is not in the {} of the {} values at "
          "that rung (cutoff {})",
          metric, num(value), step, rung, top, n, num(cutoff));
      return d;
    }
    promoted = fmt::format(
        "{} {} at step {} (rung {}) is in the {} of the {} value{} at that "
        "rung (cutoff {}): promoted",
        metric, num(value), step, rung, top, n, n == 1 ? "" : "s", num(cutoff));
    ++rung;
  }
}

namespace {

class SuccessiveHalvingPruner : public Pruner {
 public:
  explicit SuccessiveHalvingPruner(Rungs rungs) : rungs_(rungs) {}
  std::string_view name() const override { return "asha"; }

  PruneDecision decide(const PruneContext& ctx) const override {
    std::vector<const Trial*> others;
    for (const Trial& t : *ctx.trials) {
      if (t.number != ctx.trial->number) others.push_back(&t);
    }
    return successive_halving_decide(ctx, rungs_, others);
  }

 private:
  Rungs rungs_;
};

class HyperbandPruner : public Pruner {
 public:
  HyperbandPruner(Rungs rungs, int64_t n_brackets)
      : rungs_(rungs), brackets_(hyperband_brackets(n_brackets, rungs.reduction_factor)) {}
  std::string_view name() const override { return "hyperband"; }

  PruneDecision decide(const PruneContext& ctx) const override {
    const int64_t bracket = brackets_.bracket_of(ctx.study, ctx.trial->number);
    std::vector<const Trial*> others;
    for (const Trial& t : *ctx.trials) {
      if (t.number != ctx.trial->number && brackets_.bracket_of(ctx.study, t.number) == bracket) {
        others.push_back(&t);
      }
    }
    Rungs rungs = rungs_;
    rungs.min_early_stopping_rate = bracket;
    PruneDecision d = successive_halving_decide(ctx, rungs, others);
    d.message = fmt::format("bracket {}: {}", bracket, d.message);
    d.data["bracket"] = bracket;
    return d;
  }

 private:
  Rungs rungs_;
  Brackets brackets_;
};

}  // namespace

int64_t Brackets::bracket_of(std::string_view study, int64_t trial_number) const {
  if (budgets.empty() || total <= 0) return 0;
  auto n = static_cast<int64_t>(crc32(fmt::format("{}_{}", study, trial_number)) %
                                static_cast<uint64_t>(total));
  for (size_t id = 0; id < budgets.size(); ++id) {
    n -= budgets[id];
    if (n < 0) return static_cast<int64_t>(id);
  }
  return static_cast<int64_t>(budgets.size()) - 1;  // unreachable: n < total
}

Brackets hyperband_brackets(int64_t n_brackets, double reduction_factor) {
  Brackets b;
  for (int64_t id = 0; id < n_brackets; ++id) {
    const int64_t s = n_brackets - 1 - id;
    const auto budget = static_cast<int64_t>(
        std::ceil(static_cast<double>(n_brackets) *
                  std::pow(reduction_factor, static_cast<double>(s)) / static_cast<double>(s + 1)));
    b.budgets.push_back(budget);
    b.total += budget;
  }
  return b;
}

int64_t hyperband_n_brackets(int64_t min_resource, int64_t max_resource, double reduction_factor) {
  const double ratio = static_cast<double>(max_resource) / static_cast<double>(min_resource);
  return static_cast<int64_t>(std::floor(std::log(ratio) / std::log(reduction_factor))) + 1;
}

std::unique_ptr<Pruner> make_successive_halving_pruner(const PrunerSpec& spec,
                                                       int64_t max_resource) {
  return std::make_unique<SuccessiveHalvingPruner>(
      Rungs{spec.min_resource, spec.reduction_factor, spec.min_early_stopping_rate, max_resource});
}

std::unique_ptr<Pruner> make_hyperband_pruner(const PrunerSpec& spec, int64_t max_resource) {
  const int64_t n_brackets = spec.n_brackets.value_or(
      hyperband_n_brackets(spec.min_resource, max_resource, spec.reduction_factor));
  return std::make_unique<HyperbandPruner>(
      Rungs{spec.min_resource, spec.reduction_factor, 0, max_resource}, n_brackets);
}

}  // namespace greentune::pruning
