// ParamValue conversions: JSON, display, comparison.
#include <fmt/format.h>

#include <cmath>
#include <limits>

#include "greentune/space.hpp"

namespace greentune {

nlohmann::json to_json(const ParamValue& v) {
  return std::visit([](const auto& x) { return nlohmann::json(x); }, v);
}

Result<ParamValue> param_value_from_json(const nlohmann::json& j) {
  using Type = nlohmann::json::value_t;
  switch (j.type()) {
    case Type::boolean:
      return ParamValue(j.get<bool>());
    case Type::number_integer:
      return ParamValue(j.get<int64_t>());
    case Type::number_unsigned: {
      uint64_t u = j.get<uint64_t>();
      if (u <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
        return ParamValue(static_cast<int64_t>(u));
      }
      return make_error(ErrorCode::kInvalidArgument,
                        fmt::format("integer {} is too large (at most {})", u,
                                    std::numeric_limits<int64_t>::max()));
    }
    case Type::number_float:
      return ParamValue(j.get<double>());
    case Type::string:
      return ParamValue(j.get<std::string>());
    default:
      return make_error(ErrorCode::kInvalidArgument,
                        fmt::format("expected a boolean, number or string, got {}", j.dump()));
  }
}

std::string to_display(const ParamValue& v) {
  if (const auto* b = std::get_if<bool>(&v)) return *b ? "true" : "false";
  if (const auto* s = std::get_if<std::string>(&v)) return *s;
  // fmt's "{}" prints the shortest form that reads back as the same double.
  return std::visit([](const auto& x) { return fmt::format("{}", x); }, v);
}

bool same_value(const ParamValue& a, const ParamValue& b) {
  const auto* ai = std::get_if<int64_t>(&a);
  const auto* bi = std::get_if<int64_t>(&b);
  const auto* ad = std::get_if<double>(&a);
  const auto* bd = std::get_if<double>(&b);
  // An int equals a double only when the double holds exactly that integer.
  auto int_equals_double = [](int64_t i, double d) {
    constexpr double kTwo63 = 9223372036854775808.0;
    return d >= -kTwo63 && d < kTwo63 && std::trunc(d) == d && static_cast<int64_t>(d) == i;
  };
  if (ai && bd) return int_equals_double(*ai, *bd);
  if (ad && bi) return int_equals_double(*bi, *ad);
  return a == b;
}

}  // namespace greentune
