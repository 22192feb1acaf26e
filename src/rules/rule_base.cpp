// The rule base, shared helpers and make_rule.
#include "rules/rule_base.hpp"

#include "text/json.hpp"
#include "text/quote.hpp"

#include "text/names.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>

namespace greentune {
namespace rules_internal {

RuleBase::RuleBase(const RuleSpec& spec, const RuleEnvironment& env)
    : spec_(spec), env_(env), info_(find_rule_info(spec.kind)) {}

std::optional<Verdict> RuleBase::check(const TrialWatch& watch) {
  if (fired_) return std::nullopt;
  auto finding = evaluate(watch);
  if (!finding) return std::nullopt;
  fired_ = true;
  Verdict v;
  v.source = fmt::format("rule:{}", spec_.kind);
  v.reason = StopReason::kRule;
  v.stop = spec_.action == "stop";
  v.message = std::move(finding->message);  // the source names the rule
  v.data = std::move(finding->data);
  return v;
}

const nlohmann::json& RuleBase::param(std::string_view name) const {
  if (auto it = spec_.params.find(std::string(name)); it != spec_.params.end()) return it->second;
  for (const auto& p : info_->params) {
    if (p.name == name) return p.default_value;
  }
  static const nlohmann::json none;
  return none;  // a programming error: every rule reads only its catalog params
}

double RuleBase::number(std::string_view name) const {
  const auto& v = param(name);
  return v.is_number() ? v.get<double>() : 0.0;
}

int64_t RuleBase::integer(std::string_view name) const {
  const auto& v = param(name);
  return v.is_number() ? v.get<int64_t>() : 0;
}

std::string RuleBase::text(std::string_view name) const {
  const auto& v = param(name);
  return v.is_string() ? v.get<std::string>() : std::string();
}

size_t metric_size(const TrialWatch& watch, const std::string& metric) {
  auto it = watch.metrics.find(metric);
  return it == watch.metrics.end() ? 0 : it->second.size();
}

std::vector<StepValue> finite_series(const TrialWatch& watch, const std::string& metric) {
  std::vector<StepValue> out;
  auto it = watch.metrics.find(metric);
  if (it == watch.metrics.end()) return out;
  const auto& values = it->second;
  bool sorted =
      std::is_sorted(values.begin(), values.end(),
                     [](const StepValue& a, const StepValue& b) { return a.step < b.step; });
  bool unique = sorted && std::adjacent_find(values.begin(), values.end(),
                                             [](const StepValue& a, const StepValue& b) {
                                               return a.step == b.step;
                                             }) == values.end();
  if (unique) {
    for (const auto& sv : values) {
      if (std::isfinite(sv.value)) out.push_back(sv);
    }
    return out;
  }
  std::map<int64_t, double> by_step;  // the last reported value of each step
  for (const auto& sv : values) by_step[sv.step] = sv.value;
  for (const auto& [step, value] : by_step) {
    if (std::isfinite(value)) out.push_back({step, value});
  }
  return out;
}

std::string loss_metric(const TrialWatch& watch, const std::string& param) {
  if (!param.empty()) return param;
  return watch.direction == Direction::kMinimize ? watch.metric : "loss";
}

double quantile(std::vector<double> values, double q) {
  std::sort(values.begin(), values.end());
  double pos = q * static_cast<double>(values.size() - 1);
  auto lo = static_cast<size_t>(std::floor(pos));
  size_t hi = std::min(lo + 1, values.size() - 1);
  double frac = pos - static_cast<double>(lo);
  return values[lo] + (values[hi] - values[lo]) * frac;
}

nlohmann::json number_json(double v) { return text::number_json(v); }

std::string num(double v) { return text::number(v, 4); }

bool on_gpu(const SystemSample& s) { return s.gpu_memory_bytes > 0 || s.gpu_utilization > 0.0; }

std::vector<const SystemSample*> sample_window(const TrialWatch& watch, double window_s,
                                               double warmup_s) {
  std::vector<const SystemSample*> out;
  if (watch.samples.empty()) return out;
  double last = watch.samples.back().time;
  if (last - watch.started < warmup_s + window_s) return out;
  double from = std::max(last - window_s, watch.started + warmup_s);
  for (auto it = watch.samples.rbegin(); it != watch.samples.rend(); ++it) {
    if (it->time <= last - window_s) break;
    if (it->time >= from) out.push_back(&*it);
  }
  std::reverse(out.begin(), out.end());
  return out;
}

std::optional<std::string> closest_name(std::string_view name,
                                        const std::vector<std::string>& candidates) {
  auto i = text::closest_index(name, candidates);
  if (!i) return std::nullopt;
  return candidates[*i];
}

}  // namespace rules_internal

std::unique_ptr<Rule> make_rule(const RuleSpec& spec, const RuleEnvironment& env) {
  using namespace rules_internal;
  static const std::map<std::string, RuleFactory> factories = {
      {"loss_not_decreasing", make_loss_not_decreasing},
      {"overfit", make_overfit},
      {"overtraining", make_overtraining},
      {"nan_or_exploding", make_nan_or_exploding},
      {"vanishing_gradient", make_vanishing_gradient},
      {"stalled", make_stalled},
      {"max_initialization_time", make_max_initialization_time},
      {"low_gpu_utilization", make_low_gpu_utilization},
      {"cpu_bottleneck", make_cpu_bottleneck},
      {"memory_pressure", make_memory_pressure},
      {"energy_forecast", make_energy_forecast},
  };
  auto it = factories.find(spec.kind);
  if (it == factories.end()) return nullptr;  // REQUIRES validate_rule: not reached
  return it->second(spec, env);
}

}  // namespace greentune
