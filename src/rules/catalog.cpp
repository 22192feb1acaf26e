// The rule catalog (kinds, parameters, defaults and meanings) and validate_rule.
//
// Defaults follow SageMaker Debugger's built-in rules where it has the rule; where a
// SageMaker default would stop healthy trials (its rules only report unless an action is
// attached, ours stop by default) the default is more lenient and says so.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "greentune/rules.hpp"
#include "rules/rule_base.hpp"

namespace greentune {
namespace {

RuleParamInfo integer(std::string name, int64_t def, int64_t min, std::string meaning) {
  RuleParamInfo p;
  p.name = std::move(name);
  p.default_value = def;
  p.meaning = std::move(meaning);
  p.type = RuleParamType::kInteger;
  p.min = static_cast<double>(min);
  return p;
}

RuleParamInfo number(std::string name, double def, std::optional<double> min, bool min_exclusive,
                     std::optional<double> max, std::string meaning) {
  RuleParamInfo p;
  p.name = std::move(name);
  p.default_value = def;
  p.meaning = std::move(meaning);
  p.type = RuleParamType::kNumber;
  p.min = min;
  p.min_exclusive = min_exclusive;
  p.max = max;
  return p;
}

RuleParamInfo duration(std::string name, double def, bool allow_zero, std::string meaning) {
  RuleParamInfo p =
      number(std::move(name), def, 0.0, !allow_zero, std::nullopt, std::move(meaning));
  p.type = RuleParamType::kDuration;
  return p;
}

RuleParamInfo text(std::string name, std::string def, std::vector<std::string> choices,
                   std::string meaning) {
  RuleParamInfo p;
  p.name = std::move(name);
  p.default_value = std::move(def);
  p.meaning = std::move(meaning);
  p.type = RuleParamType::kString;
  p.choices = std::move(choices);
  return p;
}

constexpr const char* kAutoLoss =
    "the loss to watch; \"\": the study's metric when it is minimized, else \"loss\"";

std::vector<RuleInfo> build_catalog() {
  std::vector<RuleInfo> c;
  c.push_back(
      {"loss_not_decreasing",
       "the loss does not decrease: its mean over the last num_steps steps is not below its "
       "mean over the num_steps steps before by min_relative_decrease (SageMaker "
       "LossNotDecreasing)",
       {text("metric", "", {}, kAutoLoss),
        integer("num_steps", 10, 1, "steps in each of the two windows compared"),
        number("min_relative_decrease", 0.0, 0.0, false, 1.0,
               "how far the recent mean must be below the earlier one (0.01: 1%); 0: any "
               "decrease")}});
  c.push_back(
      {"overfit",
       "validation loss pulls away from training loss: (validation - training) / |training| "
       "above ratio_threshold at patience reported steps in a row (SageMaker Overfit)",
       {text("validation_metric", "val_loss", {}, "the validation loss"),
        text("training_metric", "train_loss", {}, "the training loss"),
        number("ratio_threshold", 0.5, 0.0, true, std::nullopt,
               "relative gap above which a step counts (SageMaker: 0.1, which stops many "
               "healthy trials)"),
        integer("patience", 5, 1, "reported steps in a row above ratio_threshold"),
        integer("start_step", 0, 0, "steps before this one are not looked at")}});
  c.push_back({"overtraining",
               "validation loss stops improving for patience steps while training loss keeps "
               "improving (SageMaker Overtraining)",
               {text("validation_metric", "val_loss", {}, "the validation loss"),
                text("training_metric", "train_loss", {}, "the training loss"),
                integer("patience", 10, 1, "steps since the best validation loss"),
                number("min_delta", 0.0, 0.0, false, 1.0,
                       "relative improvement that counts as one (0.01: 1%); 0: any")}});
  c.push_back({"nan_or_exploding",
               "a NaN or infinite value in any reported metric, or the loss above factor times its "
               "first (or best) value (SageMaker ExplodingTensor)",
               {text("metric", "", {}, kAutoLoss),
                number("factor", 10.0, 1.0, true, std::nullopt,
                       "the loss exploded when above factor x |reference|"),
                text("relative_to", "first", {"first", "best"},
                     "the reference: the loss's first value or its best so far")}});
  c.push_back({"vanishing_gradient",
               "a reported gradient norm below threshold at num_steps reported steps in a row "
               "(SageMaker VanishingGradient)",
               {text("metric", "grad_norm", {}, "the gradient norm the program reports"),
                number("threshold", 1e-7, 0.0, true, std::nullopt,
                       "values with a magnitude below this vanish"),
                integer("num_steps", 3, 1, "reported steps in a row below threshold")}});
  c.push_back(
      {"stalled",
       "no report for threshold seconds after the first one, or near-zero CPU and GPU use "
       "for idle_threshold seconds (SageMaker StalledTrainingRule)",
       {duration("threshold", 1800.0, false, "seconds without a report, after the first one"),
        duration("idle_threshold", 600.0, false, "seconds of near-zero CPU and GPU use"),
        number("idle_cpu_cores", 0.05, 0.0, false, std::nullopt,
               "cores busy at or below which the trial's processes count as idle"),
        number("idle_gpu_utilization", 0.05, 0.0, false, 1.0,
               "GPU utilization (0..1) at or below which the GPU counts as idle")}});
  c.push_back({"max_initialization_time",
               "no report within threshold seconds of the start (SageMaker "
               "MaxInitializationTime); the trial counts as initialised at its first report",
               {duration("threshold", 1200.0, false,
                         "seconds from the start to the first "
                         "report")}});
  c.push_back(
      {"low_gpu_utilization",
       "the GPU is underused over the last window: p95 of its utilization below "
       "threshold_p95, or (when threshold_p5 > 0) p5 below threshold_p5; only for trials "
       "that use a GPU (SageMaker LowGPUUtilization)",
       {duration("window", 300.0, false, "seconds of samples looked at"),
        number("threshold_p95", 0.7, 0.0, false, 1.0, "p95 of utilization (0..1) below this"),
        number("threshold_p5", 0.0, 0.0, false, 1.0,
               "p5 of utilization below this (fluctuating use); 0: off (SageMaker: 0.1)"),
        duration("warmup", 120.0, true, "seconds after the start that are not looked at")}});
  c.push_back(
      {"cpu_bottleneck",
       "the GPU waits on the CPU: in more than threshold of the last window's samples the GPU "
       "is below gpu_threshold while the CPU is above cpu_threshold of its cores; only for "
       "trials that use a GPU (SageMaker CPUBottleneck)",
       {duration("window", 300.0, false, "seconds of samples looked at"),
        number("cpu_threshold", 0.9, 0.0, true, 1.0, "share of the cores busy that is saturated"),
        number("gpu_threshold", 0.1, 0.0, false, 1.0, "GPU utilization (0..1) that is idle"),
        number("threshold", 0.5, 0.0, true, 1.0, "share of the window's samples bottlenecked"),
        duration("warmup", 120.0, true, "seconds after the start that are not looked at")}});
  c.push_back(
      {"memory_pressure",
       "the trial's resident memory above threshold of the memory limit at "
       "num_samples samples in a row",
       {number("threshold", 0.9, 0.0, true, 1.0, "share of the limit"),
        integer("limit_bytes", 0, 0, "the limit in bytes; 0: the machine's (or cgroup's) memory"),
        integer("num_samples", 1, 1, "samples in a row above the threshold")}});
  c.push_back(
      {"energy_forecast",
       "after min_progress of max_steps, the trial's energy extrapolated from its energy per "
       "step exceeds the trial's energy budget ([trial] max_energy_kwh); needs [trial] "
       "max_steps",
       {number("min_progress", 0.1, 0.0, true, 1.0,
               "share of max_steps reported before forecasting"),
        number("margin", 0.0, 0.0, false, std::nullopt,
               "fires when the forecast exceeds the budget x (1 + margin)"),
        number("max_energy_kwh", 0.0, 0.0, false, std::nullopt,
               "the budget in kWh; 0: [trial] max_energy_kwh")}});
  return c;
}

std::string bound(double v) { return fmt::format("{}", v); }

}  // namespace

std::string RuleParamInfo::accepted() const {
  if (type == RuleParamType::kString) {
    if (choices.empty()) return "a string";
    return fmt::format("one of \"{}\"", fmt::join(choices, "\", \""));
  }
  std::string what = type == RuleParamType::kInteger    ? "an integer"
                     : type == RuleParamType::kDuration ? "a duration in seconds"
                                                        : "a number";
  if (min && max) {
    return fmt::format("{} in {}{}, {}]", what, min_exclusive ? "(" : "[", bound(*min),
                       bound(*max));
  }
  if (min) return fmt::format("{} {} {}", what, min_exclusive ? ">" : ">=", bound(*min));
  if (max) return fmt::format("{} <= {}", what, bound(*max));
  return what;
}

std::string RuleParamInfo::check(const nlohmann::json& value) const {
  auto shown = value.dump();
  if (type == RuleParamType::kString) {
    if (!value.is_string()) return fmt::format("expected {}, got {}", accepted(), shown);
    if (!choices.empty() &&
        std::find(choices.begin(), choices.end(), value.get<std::string>()) == choices.end()) {
      return fmt::format("{} is not accepted; accepted: {}", shown, accepted());
    }
    return "";
  }
  bool is_int = value.is_number_integer();
  if (type == RuleParamType::kInteger ? !is_int : !value.is_number()) {
    return fmt::format("expected {}, got {}", accepted(), shown);
  }
  double v = value.get<double>();
  bool in_range =
      std::isfinite(v) && (!min || (min_exclusive ? v > *min : v >= *min)) && (!max || v <= *max);
  if (!in_range) return fmt::format("{} is out of range; accepted: {}", shown, accepted());
  return "";
}

const std::vector<RuleInfo>& rule_catalog() {
  static const std::vector<RuleInfo> catalog = build_catalog();
  return catalog;
}

const RuleInfo* find_rule_info(const std::string& kind) {
  for (const auto& info : rule_catalog()) {
    if (info.kind == kind) return &info;
  }
  return nullptr;
}

std::vector<std::string> rule_kinds() {
  std::vector<std::string> kinds;
  for (const auto& info : rule_catalog()) kinds.push_back(info.kind);
  return kinds;
}

Status validate_rule(const RuleSpec& spec) {
  auto fail = [](std::string text) {
    return tl::unexpected(make_error(ErrorCode::kInvalidArgument, std::move(text)));
  };
  const RuleInfo* info = find_rule_info(spec.kind);
  if (!info) {
    auto kinds = rule_kinds();
    auto close = rules_internal::closest_name(spec.kind, kinds);
    return fail(fmt::format("unknown rule kind \"{}\"; {}accepted: {}", spec.kind,
                            close ? fmt::format("did you mean \"{}\"? ", *close) : "",
                            fmt::join(kinds, ", ")));
  }
  if (spec.action != "stop" && spec.action != "warn") {
    return fail(
        fmt::format("rule {}: action \"{}\" is not accepted; accepted: \"stop\", "
                    "\"warn\"",
                    spec.kind, spec.action));
  }
  std::vector<std::string> names;
  for (const auto& p : info->params) names.push_back(p.name);
  for (const auto& [param_name, value] : spec.params) {
    const std::string& name = param_name;  // a lambda cannot capture a binding (C++20, clang 14)
    auto it = std::find_if(info->params.begin(), info->params.end(),
                           [&name](const RuleParamInfo& p) { return p.name == name; });
    if (it == info->params.end()) {
      auto close = rules_internal::closest_name(name, names);
      return fail(fmt::format("rule {}: unknown param \"{}\"; {}", spec.kind, name,
                              close ? fmt::format("did you mean \"{}\"?", *close)
                                    : fmt::format("accepted: {}", fmt::join(names, ", "))));
    }
    if (auto problem = it->check(value); !problem.empty()) {
      return fail(fmt::format("rule {}: {}: {}", spec.kind, name, problem));
    }
  }
  return {};
}

}  // namespace greentune
