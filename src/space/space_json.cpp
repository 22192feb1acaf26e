// The JSON form of a search space (--space, and the copy stored with each study).
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <span>
#include <string_view>

#include "greentune/space.hpp"

namespace greentune {
namespace {

using nlohmann::json;

constexpr const char* kTypes = "float, int, categorical";
constexpr std::string_view kNumericKeys[] = {"type", "low", "high", "step", "log"};
constexpr std::string_view kCategoricalKeys[] = {"type", "choices"};

tl::unexpected<Error> invalid(const std::string& name, const std::string& what) {
  return make_error(ErrorCode::kInvalidArgument, fmt::format("parameter \"{}\": {}", name, what));
}

Result<double> read_number(const std::string& name, const json& obj, const char* key) {
  const json& v = obj.at(key);
  if (!v.is_number())
    return invalid(name, fmt::format("\"{}\" must be a number, got {}", key, v.dump()));
  return v.get<double>();
}

Result<int64_t> read_integer(const std::string& name, const json& obj, const char* key) {
  const json& v = obj.at(key);
  if (v.is_number_integer() && !v.is_number_unsigned()) return v.get<int64_t>();
  if (v.is_number_unsigned() &&
      v.get<uint64_t>() <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    return static_cast<int64_t>(v.get<uint64_t>());
  }
  // 3.0 is fine (some writers emit every number as a float); 3.5 is not.
  if (v.is_number_float()) {
    double d = v.get<double>();
    if (std::trunc(d) == d && std::abs(d) < 9.2e18) return static_cast<int64_t>(d);
  }
  return invalid(name, fmt::format("\"{}\" must be an integer, got {}", key, v.dump()));
}

Result<bool> read_bool(const std::string& name, const json& obj, const char* key) {
  const json& v = obj.at(key);
  if (!v.is_boolean()) {
    return invalid(name, fmt::format("\"{}\" must be true or false, got {}", key, v.dump()));
  }
  return v.get<bool>();
}

// Every key of obj must be one of `accepted`.
Status check_keys(const std::string& name, const json& obj,
                  std::span<const std::string_view> accepted) {
  for (const auto& [key, value] : obj.items()) {
    if (std::find(accepted.begin(), accepted.end(), key) != accepted.end()) continue;
    return invalid(name,
                   fmt::format("unknown key \"{}\"; accepted: {}", key, fmt::join(accepted, ", ")));
  }
  return {};
}

Status require_bounds(const std::string& name, const json& obj, const std::string& type) {
  for (const char* key : {"low", "high"}) {
    if (!obj.contains(key)) {
      return invalid(name, fmt::format("missing \"{}\"; a {} parameter needs \"low\" and "
                                       "\"high\"",
                                       key, type));
    }
  }
  return {};
}

Result<Distribution> read_float(const std::string& name, const json& obj) {
  if (auto st = require_bounds(name, obj, "float"); !st) return tl::unexpected(st.error());
  FloatDistribution d;
  auto low = read_number(name, obj, "low");
  if (!low) return tl::unexpected(low.error());
  auto high = read_number(name, obj, "high");
  if (!high) return tl::unexpected(high.error());
  d.low = *low;
  d.high = *high;
  if (obj.contains("log")) {
    auto log = read_bool(name, obj, "log");
    if (!log) return tl::unexpected(log.error());
    d.log = *log;
  }
  if (obj.contains("step")) {
    auto step = read_number(name, obj, "step");
    if (!step) return tl::unexpected(step.error());
    d.step = *step;
  }
  return d;
}

Result<Distribution> read_int(const std::string& name, const json& obj) {
  if (auto st = require_bounds(name, obj, "int"); !st) return tl::unexpected(st.error());
  IntDistribution d;
  auto low = read_integer(name, obj, "low");
  if (!low) return tl::unexpected(low.error());
  auto high = read_integer(name, obj, "high");
  if (!high) return tl::unexpected(high.error());
  d.low = *low;
  d.high = *high;
  if (obj.contains("log")) {
    auto log = read_bool(name, obj, "log");
    if (!log) return tl::unexpected(log.error());
    d.log = *log;
  }
  if (obj.contains("step")) {
    auto step = read_integer(name, obj, "step");
    if (!step) return tl::unexpected(step.error());
    d.step = *step;
  }
  return d;
}

Result<Distribution> read_categorical(const std::string& name, const json& obj) {
  if (!obj.contains("choices")) {
    return invalid(name, "missing \"choices\"; a categorical parameter needs a list of choices");
  }
  const json& choices = obj.at("choices");
  if (!choices.is_array()) {
    return invalid(name, fmt::format("\"choices\" must be a list, got {}", choices.dump()));
  }
  CategoricalDistribution d;
  for (const json& c : choices) {
    auto v = param_value_from_json(c);
    if (!v) {
      return invalid(name,
                     fmt::format("choices must be booleans, numbers or strings, got {}", c.dump()));
    }
    d.choices.push_back(std::move(*v));
  }
  return d;
}

Result<Param> read_param(const std::string& name, const json& obj) {
  if (!obj.is_object()) {
    return invalid(name, fmt::format("expected an object such as {{\"type\": \"float\", "
                                     "\"low\": 0, \"high\": 1}}, got {}",
                                     obj.dump()));
  }
  auto type_it = obj.find("type");
  if (type_it == obj.end())
    return invalid(name, fmt::format("missing \"type\"; accepted: {}", kTypes));
  std::string type = type_it->is_string() ? type_it->get<std::string>() : type_it->dump();
  Result<Distribution> dist;
  if (type == "float" || type == "int") {
    if (auto st = check_keys(name, obj, kNumericKeys); !st) return tl::unexpected(st.error());
    dist = type == "float" ? read_float(name, obj) : read_int(name, obj);
  } else if (type == "categorical") {
    if (auto st = check_keys(name, obj, kCategoricalKeys); !st) return tl::unexpected(st.error());
    dist = read_categorical(name, obj);
  } else {
    return invalid(name, fmt::format("unknown type \"{}\"; accepted: {}", type, kTypes));
  }
  if (!dist) return tl::unexpected(dist.error());
  return Param{name, std::move(*dist)};
}

json distribution_json(const FloatDistribution& d) {
  json j = {{"type", "float"}, {"low", d.low}, {"high", d.high}, {"log", d.log}};
  if (d.step) j["step"] = *d.step;
  return j;
}

json distribution_json(const IntDistribution& d) {
  return {{"type", "int"}, {"low", d.low}, {"high", d.high}, {"log", d.log}, {"step", d.step}};
}

json distribution_json(const CategoricalDistribution& d) {
  json choices = json::array();
  for (const auto& c : d.choices) choices.push_back(greentune::to_json(c));
  return {{"type", "categorical"}, {"choices", std::move(choices)}};
}

}  // namespace

Result<SearchSpace> SearchSpace::from_json(const nlohmann::ordered_json& j) {
  if (!j.is_object()) {
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("a search space must be a JSON object of parameters, e.g. "
                                  "{{\"eta\": {{\"type\": \"float\", \"low\": 0.001, \"high\": "
                                  "0.3, \"log\": true}}}}; got {}",
                                  j.dump()));
  }
  std::vector<Param> params;
  for (const auto& [name, value] : j.items()) {
    auto p = read_param(name, json(value));
    if (!p) return tl::unexpected(p.error());
    params.push_back(std::move(*p));
  }
  return create(std::move(params));
}

nlohmann::ordered_json SearchSpace::to_json() const {
  nlohmann::ordered_json out = nlohmann::ordered_json::object();
  for (const auto& p : params_) {
    out[p.name] = std::visit([](const auto& d) { return distribution_json(d); }, p.dist);
  }
  return out;
}

}  // namespace greentune
