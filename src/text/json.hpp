// JSON pieces every module that stores a spec as JSON shares.
#pragma once

#include <cmath>
#include <optional>

#include <nlohmann/json.hpp>

namespace greentune::text {

// The value, or JSON null for an absent one.
template <class T>
nlohmann::json or_null(const std::optional<T>& value) {
  return value ? nlohmann::json(*value) : nlohmann::json(nullptr);
}

// A double in JSON as the summaries write it: NaN as null, infinities as "inf" / "-inf".
inline nlohmann::json number_json(double v) {
  if (std::isnan(v)) return nullptr;
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  return v;
}

}  // namespace greentune::text
