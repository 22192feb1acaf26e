// Search space: named parameters, each with a distribution.
//
// Distributions: float (optionally log scale, optionally a step), int (optionally
// log scale, a step), categorical (strings, numbers, booleans).  Samplers work on the
// unit cube: encode() maps a value to [0,1] (log params in log space, ints widened by
// half a step so every value owns an equal share), decode() maps back and snaps to the
// step / the nearest choice.  A SearchSpace is immutable once built; it is cheap to copy.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "greentune/result.hpp"

namespace greentune {

// A parameter value as the user sees it.  Floats are double, ints int64_t,
// categorical choices any of the four.
using ParamValue = std::variant<bool, int64_t, double, std::string>;

nlohmann::json to_json(const ParamValue& v);
// Converts JSON scalars (bool, integer, float, string); anything else is an error.
Result<ParamValue> param_value_from_json(const nlohmann::json& j);
std::string to_display(const ParamValue& v);  // 0.1, 3, "gbtree" (no quotes), true
bool same_value(const ParamValue& a, const ParamValue& b);  // 3 == 3.0, exact otherwise

struct FloatDistribution {
  double low = 0.0;
  double high = 1.0;
  bool log = false;
  std::optional<double> step;  // values low, low+step, ..., high
};

struct IntDistribution {
  int64_t low = 0;
  int64_t high = 1;
  bool log = false;
  int64_t step = 1;
};

struct CategoricalDistribution {
  std::vector<ParamValue> choices;
};

using Distribution = std::variant<FloatDistribution, IntDistribution, CategoricalDistribution>;

struct Param {
  std::string name;
  Distribution dist;
};

// Named parameter values of one trial, keyed by name.
using Params = std::map<std::string, ParamValue>;

class SearchSpace {
 public:
  SearchSpace() = default;

  // Validates and builds a space.  Errors (kInvalidArgument) name the parameter and
  // what would be accepted: low >= high, log with low <= 0, a step that does not
  // divide the range, empty choices, duplicate names, unknown type.
  static Result<SearchSpace> create(std::vector<Param> params);

  // The JSON form used by --space and stored with each study:
  // {"eta": {"type": "float", "low": 0.001, "high": 0.3, "log": true}, ...}
  // Parameter order is the order of the object's keys as written (ordered_json keeps
  // it): it fixes the samplers' dimensions and the built-in functions' x1..xn, so the
  // study file, --space and storage all keep it.  to_json() reproduces it exactly.
  static Result<SearchSpace> from_json(const nlohmann::ordered_json& j);
  nlohmann::ordered_json to_json() const;

  const std::vector<Param>& params() const { return params_; }
  size_t size() const { return params_.size(); }
  bool empty() const { return params_.empty(); }
  const Param* find(const std::string& name) const;

  // Unit-cube encoding of one parameter value; value must be valid for the param.
  double encode(size_t index, const ParamValue& value) const;
  // Maps u in [0,1] back to a valid value (clamped, snapped to step / choice).
  ParamValue decode(size_t index, double u) const;

  // Checks that a value is inside the parameter's distribution (type, range, step,
  // choice).  Used for enqueue(), tell from outside and warm starts.
  Status contains(size_t index, const ParamValue& value) const;
  // Checks a whole parameter set: every param present, none unknown, each contained.
  Status validate(const Params& params) const;

  // Number of distinct values of a parameter, or nullopt for a continuous float.
  std::optional<uint64_t> cardinality(size_t index) const;

 private:
  std::vector<Param> params_;
};

}  // namespace greentune
