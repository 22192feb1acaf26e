// greentune rules [--json]: the debugger rules a study file may list as [[rules]], with
// their parameters, defaults and meanings (the catalog the study-file checks use).
#include <fmt/format.h>

#include <cstdio>
#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "greentune/pruner.hpp"
#include "greentune/rules.hpp"

namespace greentune::cli {
namespace {

std::string shown(const nlohmann::json& value) {
  if (value.is_string()) return fmt::format("\"{}\"", value.get<std::string>());
  return value.dump();
}

int run_rules(const CommonOptions& options) {
  if (options.json) {
    nlohmann::json list = nlohmann::json::array();
    for (const RuleInfo& rule : rule_catalog()) {
      nlohmann::json params = nlohmann::json::array();
      for (const auto& p : rule.params) {
        params.push_back({{"name", p.name},
                          {"default", p.default_value},
                          {"accepted", p.accepted()},
                          {"meaning", p.meaning}});
      }
      list.push_back({{"kind", rule.kind}, {"meaning", rule.meaning}, {"params", params}});
    }
    fmt::print("{}\n", nlohmann::json{{"rules", list}, {"pruners", pruner_kinds()}}.dump());
    return 0;
  }
  for (const RuleInfo& rule : rule_catalog()) {
    fmt::print("{}\n  {}\n", rule.kind, rule.meaning);
    for (const auto& p : rule.params) {
      fmt::print("    {:<24} {:<10} {}\n", p.name, shown(p.default_value), p.meaning);
    }
  }
  fmt::print(
      "\nIn a study file:  [[rules]]  kind = \"overfit\"  action = \"stop\" (or \"warn\")  and any "
      "parameter above.\nPruners ([pruner] kind): {}\n",
      fmt::join(pruner_kinds(), ", "));
  return 0;
}

}  // namespace

Runner setup_rules(CLI::App& sub) {
  auto options = std::make_shared<CommonOptions>();
  sub.add_flag("--json", options->json, "print machine-readable JSON");
  return [options] { return run_rules(*options); };
}

}  // namespace greentune::cli
