// [[rules]]: debugger rules, each a table with kind, action and the rule's parameters.
//
//   [[rules]]
//   kind = "loss_not_decreasing"
//   num_steps = 20
//   action = "warn"
//
// Parameters are those of the rule's catalog entry (greentune/rules.hpp); durations may be
// written "90s", "30m" or as seconds.  Errors name `[[rules]][i] key`.
#include <fmt/format.h>

#include <string_view>
#include <vector>

#include "config/duration.hpp"
#include "config/messages.hpp"
#include "config/sections.hpp"

namespace greentune {
namespace {

constexpr std::string_view kRuleExample = R"([[rules]] kind = "overfit")";

std::string kinds_text() { return fmt::format("{}", fmt::join(rule_kinds(), ", ")); }

void read_kind(SectionReader& r, std::optional<std::string>& kind) {
  r.require("kind", kinds_text());
  r.read_string("kind", kind);
  if (!kind || find_rule_info(*kind)) return;
  std::vector<std::string> kinds = rule_kinds();
  std::vector<std::string_view> views(kinds.begin(), kinds.end());
  std::string hint;
  if (auto close = closest_name(*kind, views)) hint = fmt::format("did you mean \"{}\"? ", *close);
  r.fail_value("kind", fmt::format("unknown rule kind {}; {}accepted: {}", in_quotes(*kind), hint,
                                   kinds_text()));
  kind.reset();
}

// One parameter's TOML value as the JSON a RuleSpec holds, or an error in `r`.
void read_param(SectionReader& r, const RuleParamInfo& p, RuleSpec& spec) {
  const toml::node* node = r.ok() ? r.find(p.name) : nullptr;
  if (!node) return;
  nlohmann::json value;
  switch (p.type) {
    case RuleParamType::kInteger:
      if (!node->is_integer()) return r.fail_type(p.name, *node, p.accepted());
      value = node->as_integer()->get();
      break;
    case RuleParamType::kNumber:
      if (auto* i = node->as_integer()) {
        value = static_cast<double>(i->get());
      } else if (auto* f = node->as_floating_point()) {
        value = f->get();
      } else {
        return r.fail_type(p.name, *node, p.accepted());
      }
      break;
    case RuleParamType::kDuration:
      if (auto* i = node->as_integer()) {
        value = static_cast<double>(i->get());
      } else if (auto* f = node->as_floating_point()) {
        value = f->get();
      } else if (auto* s = node->as_string()) {
        auto seconds = parse_duration(s->get());
        if (!seconds) return r.fail_value(p.name, seconds.error().message);
        value = *seconds;
      } else {
        return r.fail_type(p.name, *node, fmt::format("a duration ({})", kDurationForms));
      }
      break;
    case RuleParamType::kString:
      if (!node->is_string()) return r.fail_type(p.name, *node, p.accepted());
      if (node->as_string()->get().empty()) {
        return r.fail_value(p.name,
                            "empty string; accepted: a non-empty string (leave the key out for "
                            "the default)");
      }
      value = node->as_string()->get();
      break;
  }
  if (auto problem = p.check(value); !problem.empty()) {
    if (p.type == RuleParamType::kString) return r.fail_value(p.name, problem);
    // As written: 0, 1.5, "0s".
    std::string shown = node->is_string()    ? in_quotes(node->as_string()->get())
                        : node->is_integer() ? fmt::format("{}", node->as_integer()->get())
                                             : describe_number(value.get<double>());
    return r.fail_value(p.name,
                        fmt::format("{} is out of range; accepted: {}", shown, p.accepted()));
  }
  spec.params[p.name] = value;
}

Status parse_rule(const toml::table& table, size_t index, const std::string& path,
                  StudySpec& spec) {
  SectionReader r(table, position_of(table), fmt::format("[[rules]][{}]", index), path);
  std::optional<std::string> kind;
  read_kind(r, kind);
  if (!kind) return r.status();
  const RuleInfo& info = *find_rule_info(*kind);
  std::vector<std::string_view> keys = {"kind", "action"};
  for (const auto& p : info.params) keys.push_back(p.name);
  r.check_keys(keys);
  RuleSpec rule;
  rule.kind = *kind;
  std::optional<std::string> action;
  r.read_string("action", action);
  if (action && *action != "stop" && *action != "warn") {
    r.fail_value("action",
                 fmt::format("unknown action {}; accepted: stop, warn", in_quotes(*action)));
  }
  rule.action = action.value_or("stop");
  for (const auto& p : info.params) read_param(r, p, rule);
  if (!r.ok()) return r.status();
  if (auto valid = validate_rule(rule); !valid) {  // the catalog's own check, as a safety net
    r.fail_table(one_line(valid.error().message));
    return r.status();
  }
  FilePosition pos = position_of(table);
  spec.locations[fmt::format("rules[{}]", index)] =
      fmt::format("{}:{}:{}", spec.path, pos.line, pos.column);
  spec.rules.push_back(std::move(rule));
  return {};
}

}  // namespace

Status parse_rules_section(const toml::table& root, const std::string& path, StudySpec& spec) {
  const toml::node* node = root.get("rules");
  if (!node) return {};
  const toml::array* array = node->as_array();
  if (!array) {  // check_sections refuses this first; kept for direct callers
    return tl::unexpected(study_file_error(
        path, position_of(*node),
        fmt::format("[[rules]]: expected an array of tables, e.g. {}", kRuleExample)));
  }
  for (size_t i = 0; i < array->size(); ++i) {
    const toml::table* table = array->get(i)->as_table();
    if (!table) {
      return tl::unexpected(study_file_error(
          path, position_of(*array->get(i)),
          fmt::format("[[rules]][{}]: expected a table, e.g. {}", i, kRuleExample)));
    }
    if (auto status = parse_rule(*table, i, path, spec); !status) return status;
  }
  return {};
}

}  // namespace greentune
