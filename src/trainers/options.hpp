// A built-in trainer's options: the ones it knows, each with a type and a default, set
// from [trainer] (fixed) and from the search space (tuned; a space param overrides the
// same [trainer] key).  Checked when the trainer is built, so that a misspelt option (the
// closest one named) or a value of the wrong type fails before any trial runs.
#pragma once

#include <map>
#include <span>
#include <string>
#include <string_view>

#include "greentune/space.hpp"
#include "greentune/trainer.hpp"

namespace greentune::trainers {

enum class OptionKind { kInt, kFloat, kString, kBool };

struct OptionSpec {
  std::string_view name;
  OptionKind kind;
  std::string_view default_value;  // as text ("" = none: the library's own default)
};

// The values of one trial, by name; only options that were set or have a default.
class Options {
 public:
  bool has(const std::string& name) const { return values_.count(name) > 0; }
  const ParamValue* find(const std::string& name) const;
  double number(const std::string& name, double fallback) const;
  int64_t integer(const std::string& name, int64_t fallback) const;
  std::string text(const std::string& name, const std::string& fallback) const;
  bool flag(const std::string& name, bool fallback) const;
  const std::map<std::string, ParamValue>& values() const { return values_; }
  // The value as a library takes it: 0.1, 6, "hist", 1 / 0 for booleans.
  static std::string library_text(const ParamValue& v);

  std::map<std::string, ParamValue> values_;
};

// A name other libraries use for an option ("n_estimators" for num_boost_round), named
// in the error when a study file uses it.
struct OptionAlias {
  std::string_view name;
  std::string_view option;
  std::string_view where;  // "xgboost's scikit-learn API"
};

// Checks [trainer] options and the space against the trainer's options.  Errors name the
// key (spec.where) and, for an unknown one, the option it is another library's name for
// or the closest known option.
Status check_options(const TrainerSpec& spec, std::span<const OptionSpec> known,
                     std::span<const OptionAlias> aliases = {});

// A [trainer] string option that takes one of `accepted`: fine when [trainer] does not
// set it, else an error naming the key, the value and what is accepted.  REQUIRES:
// check_options passed (the value is a string).
Status check_choice(const TrainerSpec& spec, const std::string& key,
                    std::span<const std::string_view> accepted);

// The options of one trial: defaults, then [trainer], then the trial's params (data_fraction
// is not an option and is left out).  REQUIRES: check_options passed.
Options options_for(const TrainerSpec& spec, std::span<const OptionSpec> known,
                    const Params& params);

// The copy a trainer keeps for its runs: without the space pointer and the message
// callback, which point into the study file's spec and may not outlive it.
TrainerSpec held_copy(const TrainerSpec& spec);

// "file:line:col: [section] key" or "[section] key" for messages.
std::string place(const TrainerSpec& spec, const std::string& section, const std::string& key);

}  // namespace greentune::trainers
