// Debugger rules (SageMaker Debugger's built-in rules): checks over a running trial's
// metric stream and process samples that catch broken or wasteful trials early (NaN,
// overfitting, a loss that does not decrease, a stalled program, an idle GPU, an energy
// forecast over the trial's budget).  Each firing is a Verdict with the rule, the numbers
// that triggered it and the action: "stop" ends the trial, "warn" changes nothing else.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "greentune/result.hpp"
#include "greentune/watch.hpp"

namespace greentune {

// One [[rules]] entry.  `params` holds the rule's numeric and string parameters; absent
// ones take the documented defaults (rule_catalog()).
struct RuleSpec {
  std::string kind;
  std::string action = "stop";  // "stop" | "warn"
  std::map<std::string, nlohmann::json> params;

  nlohmann::json to_json() const;
  static Result<RuleSpec> from_json(const nlohmann::json& j);
};

// What a rule parameter holds.  Durations are seconds in a RuleSpec; the study file may
// also write them as "90s", "30m" (config converts).
enum class RuleParamType { kInteger, kNumber, kDuration, kString };

// A parameter of a rule: its name, default and meaning, for validation, messages and docs.
struct RuleParamInfo {
  std::string name;
  nlohmann::json default_value;  // number or string
  std::string meaning;
  RuleParamType type = RuleParamType::kNumber;
  // Numbers: the accepted range (min exclusive when min_exclusive).
  std::optional<double> min;
  bool min_exclusive = false;
  std::optional<double> max;
  // Strings: the accepted values; empty: any string.
  std::vector<std::string> choices;

  // What is accepted, for messages: "an integer >= 1", "a number in (0, 1]", "first or best".
  std::string accepted() const;
  // Empty when `value` is acceptable, else what is wrong ("expected ..., got ...").
  std::string check(const nlohmann::json& value) const;
};
struct RuleInfo {
  std::string kind;
  std::string meaning;
  std::vector<RuleParamInfo> params;
};
const std::vector<RuleInfo>& rule_catalog();
// The catalog entry of a kind, or nullptr.
const RuleInfo* find_rule_info(const std::string& kind);
// The catalog's kinds, in catalog order.
std::vector<std::string> rule_kinds();

// Checks a spec against the catalog: known kind and params, types and ranges.
// kInvalidArgument names the field and what would be accepted.
Status validate_rule(const RuleSpec& spec);

// Context every rule may need beyond the watch.
struct RuleEnvironment {
  std::optional<double> trial_max_energy_j;  // [trial] max_energy_kwh, in joules
  std::optional<int64_t> memory_limit_bytes; // the machine's (or cgroup's) memory
  int64_t cpu_cores = 1;                     // cores available to trials
};

// A rule instance for one trial attempt (rules may keep state between checks).
class Rule {
 public:
  virtual ~Rule() = default;
  virtual const RuleSpec& spec() const = 0;
  // A verdict when the rule fires now.  A rule fires at most once per trial attempt.
  virtual std::optional<Verdict> check(const TrialWatch& watch) = 0;
};

// REQUIRES: validate_rule(spec) passed.
std::unique_ptr<Rule> make_rule(const RuleSpec& spec, const RuleEnvironment& env);

}  // namespace greentune
