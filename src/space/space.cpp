// SearchSpace: validation, unit-cube encoding, membership.
#include "greentune/space.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "space/distribution.hpp"

namespace greentune {
namespace {

// Float steps above this many values are refused: the grid would be continuous in all
// but name, and the divisibility check would lose its meaning.
constexpr double kMaxFloatValues = 1e9;
// Ints are encoded by index; (k + 0.5) / n decodes back to k exactly while k < 2^51.
constexpr uint64_t kMaxIntValues = uint64_t{1} << 50;

Status invalid(const std::string& name, const std::string& what) {
  return make_error(ErrorCode::kInvalidArgument, fmt::format("parameter \"{}\": {}", name, what));
}

// A value as it reads in a message: strings quoted, numbers shortest round-trip.
std::string describe(const ParamValue& v) {
  if (const auto* s = std::get_if<std::string>(&v)) return fmt::format("\"{}\"", *s);
  return to_display(v);
}

std::string describe_list(const std::vector<ParamValue>& values) {
  std::vector<std::string> parts;
  parts.reserve(values.size());
  for (const auto& v : values) parts.push_back(describe(v));
  return fmt::format("[{}]", fmt::join(parts, ", "));
}

// ---- validation -------------------------------------------------------------------

Status check_float_step(const std::string& name, const FloatDistribution& d) {
  double step = *d.step;
  if (!std::isfinite(step) || step <= 0) {
    return invalid(name, fmt::format("step must be a positive number (got {})", step));
  }
  double steps = (d.high - d.low) / step;
  if (steps > kMaxFloatValues) {
    return invalid(name, fmt::format("step {} is too small for the range [{}, {}] (more than "
                                     "{:.0f} values); use a larger step or no step",
                                     step, d.low, d.high, kMaxFloatValues));
  }
  // Tolerates the rounding of decimal bounds and steps (0.1 does not divide 0.3 exactly
  // in binary) but not a real remainder.
  double scale = std::max(std::abs(d.low), std::abs(d.high)) / step;
  if (std::round(steps) < 1 || std::abs(steps - std::round(steps)) > 1e-9 + scale * 1e-15) {
    return invalid(name, fmt::format("step {} does not divide the range [{}, {}]; "
                                     "(high - low) must be a multiple of step",
                                     step, d.low, d.high));
  }
  return {};
}

Status check_float(const std::string& name, const FloatDistribution& d) {
  if (!std::isfinite(d.low) || !std::isfinite(d.high)) {
    return invalid(name, fmt::format("low and high must be finite numbers (got low={}, high={})",
                                     d.low, d.high));
  }
  if (d.low >= d.high) {
    return invalid(name, fmt::format("low ({}) must be less than high ({})", d.low, d.high));
  }
  if (!std::isfinite(d.high - d.low)) {
    return invalid(
        name, fmt::format("the range [{}, {}] is too wide (high - low overflows)", d.low, d.high));
  }
  if (d.log && d.step) {
    return invalid(name, "log and step cannot be used together; remove one of them");
  }
  if (d.log && d.low <= 0) {
    return invalid(name, fmt::format("log scale needs low > 0 (got {})", d.low));
  }
  return d.step ? check_float_step(name, d) : Status{};
}

Status check_int(const std::string& name, const IntDistribution& d) {
  if (d.low >= d.high) {
    return invalid(name, fmt::format("low ({}) must be less than high ({})", d.low, d.high));
  }
  if (d.step < 1) return invalid(name, fmt::format("step must be at least 1 (got {})", d.step));
  if (d.log && d.step != 1) {
    return invalid(name, fmt::format("log and step cannot be used together; remove the step "
                                     "(log scale needs step 1, got {})",
                                     d.step));
  }
  if (d.log && d.low <= 0) {
    return invalid(name, fmt::format("log scale needs low > 0 (got {})", d.low));
  }
  uint64_t range = static_cast<uint64_t>(d.high) - static_cast<uint64_t>(d.low);
  if (range % static_cast<uint64_t>(d.step) != 0) {
    return invalid(name, fmt::format("step {} does not divide the range [{}, {}]; "
                                     "(high - low) must be a multiple of step",
                                     d.step, d.low, d.high));
  }
  if (range / static_cast<uint64_t>(d.step) >= kMaxIntValues) {
    return invalid(name, fmt::format("the range [{}, {}] has more than 2^50 values; narrow it "
                                     "or use a larger step",
                                     d.low, d.high));
  }
  return {};
}

Status check_categorical(const std::string& name, const CategoricalDistribution& d) {
  if (d.choices.empty()) return invalid(name, "choices must not be empty");
  for (size_t i = 0; i < d.choices.size(); ++i) {
    const auto* x = std::get_if<double>(&d.choices[i]);
    if (x && std::isnan(*x)) return invalid(name, "choice nan can never be matched; remove it");
    for (size_t j = 0; j < i; ++j) {
      if (same_value(d.choices[i], d.choices[j])) {
        return invalid(name, fmt::format("choice {} appears more than once; choices must be "
                                         "distinct",
                                         describe(d.choices[i])));
      }
    }
  }
  return {};
}

Status check_distribution(const std::string& name, const Distribution& dist) {
  if (const auto* f = std::get_if<FloatDistribution>(&dist)) return check_float(name, *f);
  if (const auto* i = std::get_if<IntDistribution>(&dist)) return check_int(name, *i);
  return check_categorical(name, std::get<CategoricalDistribution>(dist));
}

// ---- encoding ---------------------------------------------------------------------

double clamp_unit(double u) {
  if (!(u > 0)) return 0.0;  // also NaN
  return u < 1 ? u : 1.0;
}

// Discrete values own equal shares of [0,1]: value k of n is encoded as the centre of
// its share, and any u in the share decodes to k.
double index_to_unit(uint64_t k, uint64_t n) {
  return (static_cast<double>(k) + 0.5) / static_cast<double>(n);
}

uint64_t unit_to_index(double u, uint64_t n) {
  double k = std::floor(clamp_unit(u) * static_cast<double>(n));
  return k >= static_cast<double>(n - 1) ? n - 1 : static_cast<uint64_t>(k);
}

// The integer a numeric value stands for, clamped to [low, high].
std::optional<int64_t> as_clamped_int(const ParamValue& v, int64_t low, int64_t high) {
  if (const auto* i = std::get_if<int64_t>(&v)) return std::clamp(*i, low, high);
  const auto* d = std::get_if<double>(&v);
  if (!d || std::isnan(*d)) return std::nullopt;
  if (*d <= static_cast<double>(low)) return low;
  if (*d >= static_cast<double>(high)) return high;
  return static_cast<int64_t>(std::llround(*d));
}

// Log-scale ints: value v owns [log(v - 0.5), log(v + 0.5)).
double int_log_low(const IntDistribution& d) { return std::log(static_cast<double>(d.low) - 0.5); }
double int_log_high(const IntDistribution& d) {
  return std::log(static_cast<double>(d.high) + 0.5);
}

// REQUIRES: no step, low <= v <= high.
double encode_continuous(const FloatDistribution& d, double v) {
  if (d.log) return (std::log(v) - std::log(d.low)) / (std::log(d.high) - std::log(d.low));
  return (v - d.low) / (d.high - d.low);
}

double encode_value(const FloatDistribution& d, const ParamValue& value) {
  std::optional<double> x = as_number(value);
  if (!x) return std::nan("");
  double v = std::clamp(*x, d.low, d.high);
  if (d.step) return index_to_unit(nearest_index(d, v), value_count(d));
  return encode_continuous(d, v);
}

double encode_value(const IntDistribution& d, const ParamValue& value) {
  std::optional<int64_t> v = as_clamped_int(value, d.low, d.high);
  if (!v) return std::nan("");
  if (d.log) {
    double lo = int_log_low(d);
    return (std::log(static_cast<double>(*v)) - lo) / (int_log_high(d) - lo);
  }
  uint64_t k =
      (static_cast<uint64_t>(*v) - static_cast<uint64_t>(d.low)) / static_cast<uint64_t>(d.step);
  return index_to_unit(k, value_count(d));
}

double encode_value(const CategoricalDistribution& d, const ParamValue& value) {
  for (size_t i = 0; i < d.choices.size(); ++i) {
    if (same_value(d.choices[i], value)) return index_to_unit(i, d.choices.size());
  }
  return std::nan("");
}

ParamValue decode_value(const FloatDistribution& d, double u) {
  u = clamp_unit(u);
  if (d.step) return grid_value(d, unit_to_index(u, value_count(d)));
  if (u == 0.0) return d.low;
  if (u == 1.0) return d.high;
  double x = d.log ? std::exp(std::log(d.low) + u * (std::log(d.high) - std::log(d.low)))
                   : d.low + u * (d.high - d.low);
  return std::clamp(x, d.low, d.high);
}

ParamValue decode_value(const IntDistribution& d, double u) {
  u = clamp_unit(u);
  if (!d.log) return grid_value(d, unit_to_index(u, value_count(d)));
  double lo = int_log_low(d);
  double x = std::floor(std::exp(lo + u * (int_log_high(d) - lo)) + 0.5);
  if (x <= static_cast<double>(d.low)) return d.low;
  if (x >= static_cast<double>(d.high)) return d.high;
  return static_cast<int64_t>(x);
}

ParamValue decode_value(const CategoricalDistribution& d, double u) {
  return d.choices[unit_to_index(u, d.choices.size())];
}

// ---- membership -------------------------------------------------------------------

Status contains_value(const std::string& name, const FloatDistribution& d, const ParamValue& v) {
  std::optional<double> x = as_number(v);
  if (!x) return invalid(name, fmt::format("expected a number, got {}", describe(v)));
  if (!(d.low <= *x && *x <= d.high)) {
    return invalid(name, fmt::format("{} is outside [{}, {}]", *x, d.low, d.high));
  }
  if (!d.step) return {};
  double nearest = grid_value(d, nearest_index(d, *x));
  if (nearest == *x) return {};
  return invalid(name, fmt::format("{} is not on the grid low={}, step={} (nearest: {})", *x, d.low,
                                   *d.step, nearest));
}

Status contains_value(const std::string& name, const IntDistribution& d, const ParamValue& v) {
  int64_t x = 0;
  const auto* as_double = std::get_if<double>(&v);
  if (const auto* i = std::get_if<int64_t>(&v)) {
    x = *i;
  } else if (as_double && std::trunc(*as_double) == *as_double && std::abs(*as_double) < 9.2e18) {
    x = static_cast<int64_t>(*as_double);
  } else {
    return invalid(name, fmt::format("expected an integer, got {}", describe(v)));
  }
  if (x < d.low || x > d.high) {
    return invalid(name, fmt::format("{} is outside [{}, {}]", x, d.low, d.high));
  }
  uint64_t offset = static_cast<uint64_t>(x) - static_cast<uint64_t>(d.low);
  if (offset % static_cast<uint64_t>(d.step) == 0) return {};
  return invalid(name, fmt::format("{} is not on the grid low={}, step={}", x, d.low, d.step));
}

Status contains_value(const std::string& name, const CategoricalDistribution& d,
                      const ParamValue& v) {
  for (const auto& choice : d.choices) {
    if (same_value(choice, v)) return {};
  }
  return invalid(
      name, fmt::format("{} is not one of the choices {}", describe(v), describe_list(d.choices)));
}

}  // namespace

Result<SearchSpace> SearchSpace::create(std::vector<Param> params) {
  std::set<std::string> seen;
  for (const auto& p : params) {
    if (p.name.empty()) {
      return make_error(ErrorCode::kInvalidArgument, "parameter name must not be empty");
    }
    if (!seen.insert(p.name).second) {
      return make_error(ErrorCode::kInvalidArgument,
                        fmt::format("duplicate parameter \"{}\"", p.name));
    }
    if (auto st = check_distribution(p.name, p.dist); !st) return tl::unexpected(st.error());
  }
  SearchSpace space;
  space.params_ = std::move(params);
  return space;
}

const Param* SearchSpace::find(const std::string& name) const {
  for (const auto& p : params_) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

double SearchSpace::encode(size_t index, const ParamValue& value) const {
  return std::visit([&](const auto& d) { return encode_value(d, value); }, params_[index].dist);
}

ParamValue SearchSpace::decode(size_t index, double u) const {
  return std::visit([&](const auto& d) { return decode_value(d, u); }, params_[index].dist);
}

Status SearchSpace::contains(size_t index, const ParamValue& value) const {
  const Param& p = params_[index];
  return std::visit([&](const auto& d) { return contains_value(p.name, d, value); }, p.dist);
}

Status SearchSpace::validate(const Params& params) const {
  for (const auto& [name, value] : params) {
    if (find(name) == nullptr) {
      std::vector<std::string> names;
      for (const auto& p : params_) names.push_back(p.name);
      std::string known =
          names.empty() ? "no parameters" : fmt::format("{}", fmt::join(names, ", "));
      return make_error(ErrorCode::kInvalidArgument,
                        fmt::format("unknown parameter \"{}\"; the space has: {}", name, known));
    }
  }
  for (size_t i = 0; i < params_.size(); ++i) {
    auto it = params.find(params_[i].name);
    if (it == params.end()) {
      return make_error(ErrorCode::kInvalidArgument,
                        fmt::format("missing parameter \"{}\"", params_[i].name));
    }
    if (auto st = contains(i, it->second); !st) return st;
  }
  return {};
}

std::optional<uint64_t> SearchSpace::cardinality(size_t index) const {
  return value_count(params_[index].dist);
}

}  // namespace greentune
