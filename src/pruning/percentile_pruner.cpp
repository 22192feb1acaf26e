// median and percentile: Optuna 3.1's MedianPruner / PercentilePruner.
//
// Prune when the trial's best value so far (over all its steps up to this one) is worse
// than the given percentile of the COMPLETE trials' values at this step.  As in Optuna,
// only complete trials count, both for n_startup_trials and for the reference; pruned
// and failed trials do not.  Checks happen at the first report of each interval after
// the warmup; a trial whose values are all NaN is pruned.
#include <fmt/format.h>

#include <cmath>

#include "pruning/pruners.hpp"

namespace greentune::pruning {
namespace {

class PercentilePruner : public Pruner {
 public:
  explicit PercentilePruner(const PrunerSpec& spec)
      : median_(spec.kind == "median"),
        percentile_(median_ ? 50.0 : spec.percentile),
        n_startup_trials_(spec.n_startup_trials),
        n_warmup_steps_(spec.n_warmup_steps),
        interval_steps_(spec.interval_steps),
        n_min_trials_(spec.n_min_trials) {}

  std::string_view name() const override { return median_ ? "median" : "percentile"; }

  PruneDecision decide(const PruneContext& ctx) const override {
    const std::string& metric = ctx.metric;
    const int64_t step = ctx.step;
    PruneDecision d;
    d.data = {{"step", step}};
    auto keep = [&](std::string why, const char* skipped) {
      d.message = std::move(why);
      d.data["skipped"] = skipped;
      return d;
    };

    std::vector<const Trial*> complete;
    for (const Trial& t : *ctx.trials) {
      if (t.state == TrialState::kComplete && t.number != ctx.trial->number) {
        complete.push_back(&t);
      }
    }
    const auto n_complete = static_cast<int64_t>(complete.size());
    d.data["n_complete"] = n_complete;
    if (n_complete == 0) return keep("no decision: no complete trial yet", "n_startup_trials");
    if (n_complete < n_startup_trials_) {
      return keep(fmt::format("no decision: {} complete trial{}, pruning starts after {} "
                              "(n_startup_trials)",
                              n_complete, n_complete == 1 ? "" : "s", n_startup_trials_),
                  "n_startup_trials");
    }
    if (step < n_warmup_steps_) {
      return keep(fmt::format("no decision: step {} is in the warmup (n_warmup_steps = {})", step,
                              n_warmup_steps_),
                  "n_warmup_steps");
    }
    StepValues mine = values_of(*ctx.trial, metric, step);
    if (!mine.contains(step)) {
      return keep(fmt::format("no decision: no {} at step {}", metric, step), "no_value");
    }
    if (!is_first_in_interval_step(step, mine, n_warmup_steps_, interval_steps_)) {
      return keep(fmt::format("no decision: step {} is not the first report of its interval "
                              "(interval_steps = {} after {} warmup steps)",
                              step, interval_steps_, n_warmup_steps_),
                  "interval_steps");
    }

    const double best = nan_best(ctx.direction, mine);
    d.data["value"] = num_json(best);
    if (std::isnan(best)) {
      d.prune = true;
      d.message = fmt::format("{} is NaN at every step up to {}", metric, step);
      return d;
    }

    std::vector<double> at_step;
    for (const Trial* t : complete) {
      StepValues theirs = values_of(*t, metric);
      if (auto it = theirs.find(step); it != theirs.end()) at_step.push_back(it->second);
    }
    const auto n = static_cast<int64_t>(at_step.size());
    d.data["n"] = n;
    if (n < n_min_trials_) {
      return keep(fmt::format("no decision: {} complete trial{} reported {} at step {}, {} "
                              "needed (n_min_trials)",
                              n, n == 1 ? "" : "s", metric, step, n_min_trials_),
                  "n_min_trials");
    }
    // For maximize the best p% lie above the (100 - p)th percentile.
    const double q = ctx.direction == Direction::kMaximize ? 100.0 - percentile_ : percentile_;
    const double reference = nan_percentile(at_step, q);
    d.data["percentile"] = percentile_;
    d.data["reference"] = num_json(reference);
    if (std::isnan(reference)) {
      return keep(fmt::format("no decision: no complete trial has a number for {} at step {}",
                              metric, step),
                  "no_reference");
    }
    d.prune = ctx.direction == Direction::kMaximize ? best < reference : best > reference;
    const std::string what =
        median_ ? fmt::format("the median {}", num(reference))
                : fmt::format("{}, the cutoff of the best {}%", num(reference), num(percentile_));
    d.message = fmt::format(
        "{} {} (best so far) at step {} is {} {} of {} complete trial{} at "
        "that step",
        metric, num(best), step, d.prune ? "worse than" : "not worse than", what, n,
        n == 1 ? "" : "s");
    return d;
  }

 private:
  bool median_;
  double percentile_;
  int64_t n_startup_trials_;
  int64_t n_warmup_steps_;
  int64_t interval_steps_;
  int64_t n_min_trials_;
};

}  // namespace

std::unique_ptr<Pruner> make_percentile_pruner(const PrunerSpec& spec) {
  return std::make_unique<PercentilePruner>(spec);
}

}  // namespace greentune::pruning
