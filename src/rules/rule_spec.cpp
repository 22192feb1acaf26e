// RuleSpec <-> JSON (stored with the study's spec).
#include <fmt/format.h>

#include "greentune/rules.hpp"

namespace greentune {

nlohmann::json RuleSpec::to_json() const {
  nlohmann::json p = nlohmann::json::object();
  for (const auto& [name, value] : params) p[name] = value;
  return {{"kind", kind}, {"action", action}, {"params", p}};
}

Result<RuleSpec> RuleSpec::from_json(const nlohmann::json& j) {
  if (!j.is_object() || !j.contains("kind") || !j["kind"].is_string()) {
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("bad rule spec {}: needs a string \"kind\"", j.dump()));
  }
  RuleSpec s;
  s.kind = j["kind"].get<std::string>();
  if (auto it = j.find("action"); it != j.end() && it->is_string()) s.action = it->get<std::string>();
  if (auto it = j.find("params"); it != j.end() && it->is_object()) {
    for (const auto& [name, value] : it->items()) s.params[name] = value;
  }
  return s;
}

}  // namespace greentune
