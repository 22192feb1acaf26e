// What the debugger rules share: a base that fires at most once and reads parameters
// with their catalog defaults, growth tracking (re-evaluate only on new data), series
// and window helpers.  Internal to the rules module.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "greentune/rules.hpp"
#include "greentune/watch.hpp"

namespace greentune::rules_internal {

// What a rule found: one line with the numbers, and the numbers.
struct Finding {
  std::string message;
  nlohmann::json data = nlohmann::json::object();
};

class RuleBase : public Rule {
 public:
  RuleBase(const RuleSpec& spec, const RuleEnvironment& env);
  const RuleSpec& spec() const override { return spec_; }
  // Fires at most once: the first finding becomes a Verdict, later calls return nullopt.
  std::optional<Verdict> check(const TrialWatch& watch) final;

 protected:
  virtual std::optional<Finding> evaluate(const TrialWatch& watch) = 0;

  // A parameter's value, or its catalog default.
  double number(std::string_view name) const;
  int64_t integer(std::string_view name) const;
  std::string text(std::string_view name) const;
  const RuleEnvironment& env() const { return env_; }

 private:
  const nlohmann::json& param(std::string_view name) const;

  RuleSpec spec_;
  RuleEnvironment env_;
  const RuleInfo* info_;
  bool fired_ = false;
};

// True when `size` differs from what it was at the last call (so a rule over a growing
// vector re-evaluates only when something arrived).
class Growth {
 public:
  bool grew(size_t size) {
    if (size == seen_) return false;
    seen_ = size;
    return true;
  }

 private:
  size_t seen_ = 0;
};

// How many values of a metric the watch holds.
size_t metric_size(const TrialWatch& watch, const std::string& metric);
// The finite values of a metric ordered by step, the last reported value of each step kept.
std::vector<StepValue> finite_series(const TrialWatch& watch, const std::string& metric);
// The loss a rule watches: `param` when set, else the study's objective when it is
// minimized, else "loss".
std::string loss_metric(const TrialWatch& watch, const std::string& param);
// The q-quantile (0..1) of values, linearly interpolated.  REQUIRES: !values.empty().
double quantile(std::vector<double> values, double q);
// Non-finite numbers have no JSON form: NaN becomes null, infinities strings.
nlohmann::json number_json(double v);
// A number as messages show it: 4 significant digits.
std::string num(double v);
// True when a sample shows the trial on a GPU (GPU memory held or utilization).
bool on_gpu(const SystemSample& sample);

// Whether a trial has shown itself on a GPU in any sample so far; looks at each sample
// once, and never again once it has.
class GpuUse {
 public:
  bool seen(const std::vector<SystemSample>& samples) {
    for (; !on_gpu_ && next_ < samples.size(); ++next_) on_gpu_ = on_gpu(samples[next_]);
    return on_gpu_;
  }

 private:
  bool on_gpu_ = false;
  size_t next_ = 0;
};

// The samples of a window that ends at the last sample: times in (last - window, last]
// and not before started + warmup.  Empty until the trial has run warmup + window.
std::vector<const SystemSample*> sample_window(const TrialWatch& watch, double window_s,
                                               double warmup_s);

// The closest candidate (edit distance, a transposition counting one) when it is at most 3.
std::optional<std::string> closest_name(std::string_view name,
                                        const std::vector<std::string>& candidates);

// One factory per rule kind.
using RuleFactory = std::unique_ptr<Rule> (*)(const RuleSpec&, const RuleEnvironment&);
std::unique_ptr<Rule> make_loss_not_decreasing(const RuleSpec&, const RuleEnvironment&);
std::unique_ptr<Rule> make_overfit(const RuleSpec&, const RuleEnvironment&);
std::unique_ptr<Rule> make_overtraining(const RuleSpec&, const RuleEnvironment&);
std::unique_ptr<Rule> make_nan_or_exploding(const RuleSpec&, const RuleEnvironment&);
std::unique_ptr<Rule> make_vanishing_gradient(const RuleSpec&, const RuleEnvironment&);
std::unique_ptr<Rule> make_stalled(const RuleSpec&, const RuleEnvironment&);
std::unique_ptr<Rule> make_max_initialization_time(const RuleSpec&, const RuleEnvironment&);
std::unique_ptr<Rule> make_low_gpu_utilization(const RuleSpec&, const RuleEnvironment&);
std::unique_ptr<Rule> make_cpu_bottleneck(const RuleSpec&, const RuleEnvironment&);
std::unique_ptr<Rule> make_memory_pressure(const RuleSpec&, const RuleEnvironment&);
std::unique_ptr<Rule> make_energy_forecast(const RuleSpec&, const RuleEnvironment&);

}  // namespace greentune::rules_internal
