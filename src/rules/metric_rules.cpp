// Rules over the metric stream: loss_not_decreasing, overfit, overtraining,
// nan_or_exploding, vanishing_gradient.  Each re-evaluates only when the metrics it reads
// grew, so a check between reports costs a map lookup.
#include <fmt/format.h>

#include <cmath>
#include <map>

#include "rules/rule_base.hpp"

namespace greentune::rules_internal {
namespace {

double mean_of(const std::vector<StepValue>& s, int64_t after, int64_t up_to) {
  double sum = 0.0;
  int n = 0;
  for (const auto& sv : s) {
    if (sv.step > after && sv.step <= up_to) {
      sum += sv.value;
      ++n;
    }
  }
  return n > 0 ? sum / n : std::nan("");
}

class LossNotDecreasing : public RuleBase {
 public:
  using RuleBase::RuleBase;

 protected:
  std::optional<Finding> evaluate(const TrialWatch& w) override {
    std::string metric = loss_metric(w, text("metric"));
    if (!growth_.grew(metric_size(w, metric))) return std::nullopt;
    auto s = finite_series(w, metric);
    if (s.empty()) return std::nullopt;
    int64_t n = integer("num_steps");
    int64_t last = s.back().step;
    // Two full windows: (last - 2n, last - n] and (last - n, last].
    if (s.front().step > last - 2 * n + 1) return std::nullopt;
    double earlier = mean_of(s, last - 2 * n, last - n);
    double recent = mean_of(s, last - n, last);
    if (std::isnan(earlier) || std::isnan(recent)) return std::nullopt;
    double d = number("min_relative_decrease");
    double required = earlier - d * std::abs(earlier);
    if (recent < required) return std::nullopt;
    Finding f;
    f.message = fmt::format(
        "{} mean {} over steps {}-{} is not below {} (mean {} over steps {}-{}, "
        "min_relative_decrease {})",
        metric, num(recent), last - n + 1, last, num(required), num(earlier), last - 2 * n + 1,
        last - n, num(d));
    f.data = {{"metric", metric},
              {"step", last},
              {"num_steps", n},
              {"recent_mean", recent},
              {"earlier_mean", earlier},
              {"recent_steps", {last - n + 1, last}},
              {"earlier_steps", {last - 2 * n + 1, last - n}},
              {"threshold", required},
              {"min_relative_decrease", d}};
    return f;
  }

 private:
  Growth growth_;
};

// Validation and training values at the steps where both are reported, from start_step.
struct Pair {
  int64_t step;
  double validation;
  double training;
  // How far validation is above training, relative to training (training != 0).
  double gap() const { return (validation - training) / std::abs(training); }
};

std::vector<Pair> joined(const TrialWatch& w, const std::string& validation,
                         const std::string& training, int64_t start_step) {
  std::vector<Pair> out;
  auto train = finite_series(w, training);
  std::map<int64_t, double> train_at;
  for (const auto& sv : train) train_at.emplace_hint(train_at.end(), sv.step, sv.value);
  for (const auto& sv : finite_series(w, validation)) {
    if (sv.step < start_step) continue;
    if (auto it = train_at.find(sv.step); it != train_at.end()) {
      out.push_back({sv.step, sv.value, it->second});
    }
  }
  return out;
}

class Overfit : public RuleBase {
 public:
  using RuleBase::RuleBase;

 protected:
  std::optional<Finding> evaluate(const TrialWatch& w) override {
    std::string val = text("validation_metric");
    std::string train = text("training_metric");
    if (!growth_.grew(metric_size(w, val) + metric_size(w, train))) return std::nullopt;
    auto pairs = joined(w, val, train, integer("start_step"));
    double threshold = number("ratio_threshold");
    int64_t patience = integer("patience");
    std::vector<const Pair*> run;  // the last steps above the threshold, newest first
    for (auto it = pairs.rbegin(); it != pairs.rend() && std::ssize(run) < patience; ++it) {
      if (it->training == 0.0 || !(it->gap() > threshold)) break;
      run.push_back(&*it);
    }
    if (std::ssize(run) < patience) return std::nullopt;
    const Pair& last = *run.front();
    double gap = last.gap();
    nlohmann::json gaps = nlohmann::json::array();
    for (auto it = run.rbegin(); it != run.rend(); ++it) {
      const Pair& p = **it;
      gaps.push_back({{"step", p.step},
                      {"validation", p.validation},
                      {"training", p.training},
                      {"gap", p.gap()}});
    }
    Finding f;
    f.message = fmt::format(
        "{} {} vs {} {} at step {}: relative gap {} > {} at {} reported steps in a row "
        "(steps {}-{})",
        val, num(last.validation), train, num(last.training), last.step, num(gap), num(threshold),
        patience, run.back()->step, last.step);
    f.data = {{"metric", val},
              {"validation_metric", val},
              {"training_metric", train},
              {"step", last.step},
              {"gap", gap},
              {"threshold", threshold},
              {"patience", patience},
              {"window", {run.back()->step, last.step}},
              {"values", gaps}};
    return f;
  }

 private:
  Growth growth_;
};

class Overtraining : public RuleBase {
 public:
  using RuleBase::RuleBase;

 protected:
  std::optional<Finding> evaluate(const TrialWatch& w) override {
    std::string val = text("validation_metric");
    std::string train = text("training_metric");
    if (!growth_.grew(metric_size(w, val) + metric_size(w, train))) return std::nullopt;
    auto v = finite_series(w, val);
    auto t = finite_series(w, train);
    if (v.empty() || t.empty()) return std::nullopt;
    double delta = number("min_delta");
    int64_t patience = integer("patience");
    auto improves = [delta](double value, double best) {
      return value < best - delta * std::abs(best);
    };
    StepValue best = v.front();
    for (const auto& sv : v) {
      if (improves(sv.value, best.value)) best = sv;
    }
    int64_t last = v.back().step;
    if (last - best.step < patience) return std::nullopt;
    // Training: its best up to the validation's best step, and its best since.
    std::optional<double> before, since;
    int64_t since_step = 0;
    for (const auto& sv : t) {
      if (sv.step <= best.step) {
        if (!before || sv.value < *before) before = sv.value;
      } else if (sv.step <= last && (!since || sv.value < *since)) {
        since = sv.value;
        since_step = sv.step;
      }
    }
    if (!before || !since || !improves(*since, *before)) return std::nullopt;
    Finding f;
    f.message = fmt::format(
        "{} has not improved on {} (step {}) for {} steps (patience {}) while {} improved "
        "from {} to {} (step {})",
        val, num(best.value), best.step, last - best.step, patience, train, num(*before),
        num(*since), since_step);
    f.data = {{"metric", val},
              {"validation_metric", val},
              {"training_metric", train},
              {"step", last},
              {"best_validation", best.value},
              {"best_validation_step", best.step},
              {"steps_without_improvement", last - best.step},
              {"patience", patience},
              {"training_before", *before},
              {"training_since", *since},
              {"min_delta", delta}};
    return f;
  }

 private:
  Growth growth_;
};

class NanOrExploding : public RuleBase {
 public:
  using RuleBase::RuleBase;

 protected:
  std::optional<Finding> evaluate(const TrialWatch& w) override {
    std::string loss = loss_metric(w, text("metric"));
    for (const auto& [metric, values] : w.metrics) {
      size_t& seen = seen_[metric];
      if (seen > values.size()) seen = 0;  // a new vector: look again from the start
      for (; seen < values.size(); ++seen) {
        const StepValue& sv = values[seen];
        if (!std::isfinite(sv.value)) return non_finite(metric, sv);
        if (metric != loss) continue;
        if (auto f = exploded(metric, sv)) return f;
      }
    }
    return std::nullopt;
  }

 private:
  std::optional<Finding> non_finite(const std::string& metric, const StepValue& sv) {
    Finding f;
    f.message = fmt::format("{} is {} at step {}", metric, sv.value, sv.step);
    f.data = {{"metric", metric}, {"step", sv.step}, {"value", number_json(sv.value)}};
    return f;
  }

  std::optional<Finding> exploded(const std::string& metric, const StepValue& sv) {
    bool to_first = text("relative_to") != "best";
    double factor = number("factor");
    std::optional<double> reference = to_first ? first_ : best_;
    if (!first_) first_ = sv.value;
    if (!best_ || sv.value < *best_) best_ = sv.value;
    if (!reference || *reference == 0.0) return std::nullopt;
    double limit = factor * std::abs(*reference);
    if (!(sv.value > limit)) return std::nullopt;
    Finding f;
    f.message = fmt::format("{} {} at step {} is above {} x its {} value {} (limit {})", metric,
                            num(sv.value), sv.step, num(factor), to_first ? "first" : "best",
                            num(*reference), num(limit));
    f.data = {{"metric", metric},
              {"step", sv.step},
              {"value", sv.value},
              {"reference", *reference},
              {"relative_to", to_first ? "first" : "best"},
              {"factor", factor},
              {"threshold", limit}};
    return f;
  }

  std::map<std::string, size_t> seen_;  // values of each metric already looked at
  std::optional<double> first_, best_;  // of the loss
};

class VanishingGradient : public RuleBase {
 public:
  using RuleBase::RuleBase;

 protected:
  std::optional<Finding> evaluate(const TrialWatch& w) override {
    std::string metric = text("metric");
    if (!growth_.grew(metric_size(w, metric))) return std::nullopt;
    auto s = finite_series(w, metric);
    double threshold = number("threshold");
    int64_t n = integer("num_steps");
    nlohmann::json values = nlohmann::json::array();
    int64_t count = 0;
    for (auto it = s.rbegin(); it != s.rend() && count < n; ++it, ++count) {
      if (!(std::abs(it->value) < threshold)) return std::nullopt;
      values.insert(values.begin(), nlohmann::json{it->step, it->value});
    }
    if (count < n) return std::nullopt;
    int64_t first_step = values.front()[0].get<int64_t>();
    Finding f;
    f.message = fmt::format(
        "{} {} at step {}: below {} at {} reported steps in a row (steps {}-{})", metric,
        num(s.back().value), s.back().step, num(threshold), n, first_step, s.back().step);
    f.data = {{"metric", metric},        {"step", s.back().step},
              {"value", s.back().value}, {"threshold", threshold},
              {"num_steps", n},          {"window", {first_step, s.back().step}},
              {"values", values}};
    return f;
  }

 private:
  Growth growth_;
};

}  // namespace

std::unique_ptr<Rule> make_loss_not_decreasing(const RuleSpec& s, const RuleEnvironment& e) {
  return std::make_unique<LossNotDecreasing>(s, e);
}
std::unique_ptr<Rule> make_overfit(const RuleSpec& s, const RuleEnvironment& e) {
  return std::make_unique<Overfit>(s, e);
}
std::unique_ptr<Rule> make_overtraining(const RuleSpec& s, const RuleEnvironment& e) {
  return std::make_unique<Overtraining>(s, e);
}
std::unique_ptr<Rule> make_nan_or_exploding(const RuleSpec& s, const RuleEnvironment& e) {
  return std::make_unique<NanOrExploding>(s, e);
}
std::unique_ptr<Rule> make_vanishing_gradient(const RuleSpec& s, const RuleEnvironment& e) {
  return std::make_unique<VanishingGradient>(s, e);
}

}  // namespace greentune::rules_internal
