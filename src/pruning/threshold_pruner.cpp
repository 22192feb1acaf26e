// threshold: Optuna 3.1's ThresholdPruner.  Prune when the value at this step is below
// `lower`, above `upper`, or NaN; checks follow n_warmup_steps and interval_steps as for
// the median pruner.
#include <fmt/format.h>

#include <cmath>

#include "pruning/pruners.hpp"

namespace greentune::pruning {
namespace {

class ThresholdPruner : public Pruner {
 public:
  explicit ThresholdPruner(const PrunerSpec& spec)
      : lower_(spec.lower),
        upper_(spec.upper),
        n_warmup_steps_(spec.n_warmup_steps),
        interval_steps_(spec.interval_steps) {}

  std::string_view name() const override { return "threshold"; }

  PruneDecision decide(const PruneContext& ctx) const override {
    const int64_t step = ctx.step;
    PruneDecision d;
    d.data = {{"step", step}};
    if (lower_) d.data["lower"] = *lower_;
    if (upper_) d.data["upper"] = *upper_;
    auto keep = [&](std::string why, const char* skipped) {
      d.message = std::move(why);
      d.data["skipped"] = skipped;
      return d;
    };
    if (step < n_warmup_steps_) {
      return keep(fmt::format("no decision: step {} is in the warmup (n_warmup_steps = {})", step,
                              n_warmup_steps_),
                  "n_warmup_steps");
    }
    StepValues mine = values_of(*ctx.trial, ctx.metric, step);
    auto it = mine.find(step);
    if (it == mine.end()) {
      return keep(fmt::format("no decision: no {} at step {}", ctx.metric, step), "no_value");
    }
    if (!is_first_in_interval_step(step, mine, n_warmup_steps_, interval_steps_)) {
      return keep(fmt::format("no decision: step {} is not the first report of its interval "
                              "(interval_steps = {} after {} warmup steps)",
                              step, interval_steps_, n_warmup_steps_),
                  "interval_steps");
    }
    const double v = it->second;
    d.data["value"] = num_json(v);
    if (std::isnan(v)) {
      d.prune = true;
      d.message = fmt::format("{} is NaN at step {}", ctx.metric, step);
    } else if (lower_ && v < *lower_) {
      d.prune = true;
      d.data["reference"] = *lower_;
      d.message = fmt::format("{} {} at step {} is below the lower threshold {}", ctx.metric,
                              num(v), step, num(*lower_));
    } else if (upper_ && v > *upper_) {
      d.prune = true;
      d.data["reference"] = *upper_;
      d.message = fmt::format("{} {} at step {} is above the upper threshold {}", ctx.metric,
                              num(v), step, num(*upper_));
    } else {
      d.message =
          fmt::format("{} {} at step {} is within the thresholds [{}, {}]", ctx.metric, num(v),
                      step, lower_ ? num(*lower_) : "-inf", upper_ ? num(*upper_) : "inf");
    }
    return d;
  }

 private:
  std::optional<double> lower_;
  std::optional<double> upper_;
  int64_t n_warmup_steps_;
  int64_t interval_steps_;
};

// patience: Optuna 3.1's PatientPruner.  Prune (or, when it wraps a pruner, let that one
// decide) only once the best of the last patience + 1 values is worse than the best
// before them by more than min_delta; until then keep the trial whatever the wrapped
// pruner would say.
class PatientPruner : public Pruner {
 public:
  PatientPruner(const PrunerSpec& spec, std::unique_ptr<Pruner> wrapped)
      : patience_(spec.patience.value_or(0)),
        min_delta_(spec.min_delta),
        wrapped_(std::move(wrapped)),
        name_(wrapped_ ? fmt::format("{}+patience", wrapped_->name()) : "patience") {}

  std::string_view name() const override { return name_; }

  PruneDecision decide(const PruneContext& ctx) const override {
    const int64_t step = ctx.step;
    PruneDecision d;
    d.data = {{"step", step}, {"patience", patience_}, {"min_delta", min_delta_}};
    StepValues mine = values_of(*ctx.trial, ctx.metric, step);
    const auto size = static_cast<int64_t>(mine.size());
    if (size <= patience_ + 1) {
      d.message = fmt::format("no decision: {} value{} of {} so far, patience needs more than {}",
                              size, size == 1 ? "" : "s", ctx.metric, patience_ + 1);
      d.data["skipped"] = "patience";
      return d;
    }
    StepValues before;
    StepValues after;
    int64_t i = 0;
    for (const auto& [s, v] : mine) (i++ < size - patience_ - 1 ? before : after)[s] = v;
    const double best_before = nan_best(ctx.direction, before);
    const double best_after = nan_best(ctx.direction, after);
    // NaN compares false: no patience verdict when either side has no number.
    const bool stalled = ctx.direction == Direction::kMinimize
                             ? best_before + min_delta_ < best_after
                             : best_before - min_delta_ > best_after;
    const std::string what =
        fmt::format("the best {} of the last {} step{} ({}) is {} the best before them ({}){}",
                    ctx.metric, patience_ + 1, patience_ == 0 ? "" : "s", num(best_after),
                    stalled ? "worse than" : "not worse than", num(best_before),
                    min_delta_ > 0 ? fmt::format(" by more than {}", num(min_delta_)) : "");
    if (!stalled) {
      d.message = fmt::format("{}: keep it", what);
      d.data["value"] = num_json(best_after);
      d.data["reference"] = num_json(best_before);
      return d;
    }
    if (!wrapped_) {
      d.prune = true;
      d.message = fmt::format("{} at step {}", what, step);
      d.data["value"] = num_json(best_after);
      d.data["reference"] = num_json(best_before);
      return d;
    }
    PruneDecision inner = wrapped_->decide(ctx);
    inner.message = fmt::format("{} (out of patience: {})", inner.message, what);
    inner.data["patience"] = patience_;
    inner.data["min_delta"] = min_delta_;
    inner.data["stalled"] = true;
    return inner;
  }

 private:
  int64_t patience_;
  double min_delta_;
  std::unique_ptr<Pruner> wrapped_;
  std::string name_;
};

}  // namespace

std::unique_ptr<Pruner> make_threshold_pruner(const PrunerSpec& spec) {
  return std::make_unique<ThresholdPruner>(spec);
}

std::unique_ptr<Pruner> make_patient_pruner(const PrunerSpec& spec,
                                            std::unique_ptr<Pruner> wrapped) {
  return std::make_unique<PatientPruner>(spec, std::move(wrapped));
}

}  // namespace greentune::pruning
