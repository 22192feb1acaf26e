#include "config/space_section.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "config/messages.hpp"

namespace greentune {
namespace {

constexpr std::string_view kLabel = "[search.space]";
constexpr std::array<std::string_view, 3> kTypes = {"float", "int", "categorical"};
constexpr std::array<std::string_view, 6> kScaledKeys = {"type", "low",   "high",
                                                         "log",  "scale", "step"};
constexpr std::array<std::string_view, 3> kScales = {"auto", "log", "linear"};
constexpr std::array<std::string_view, 2> kChoiceKeys = {"type", "choices"};
constexpr std::string_view kExample = R"(x = { type = "float", low = 0.0, high = 1.0 })";

bool any_number(double) { return true; }

Error reader_error(const SectionReader& r) { return r.status().error(); }

// scale = "auto" | "log" | "linear" beside log = true | false: one log flag, or nullopt
// when neither is given.
std::optional<bool> read_scale(SectionReader& r, double low, double high, bool stepped) {
  std::optional<bool> log;
  std::optional<std::string> scale;
  r.read_bool("log", log);
  r.read_string("scale", scale);
  if (!scale || !r.ok()) return log;
  if (std::find(kScales.begin(), kScales.end(), *scale) == kScales.end()) {
    r.fail_value("scale", fmt::format("unknown scale {}; {}", in_quotes(*scale),
                                      unknown_name_hint(*scale, kScales)));
    return log;
  }
  bool scaled_log =
      *scale == "log" || (*scale == "auto" && !stepped && spans_three_decades(low, high));
  if (log && *scale != "auto" && *log != scaled_log) {
    r.fail_value("scale", fmt::format("scale = {} contradicts log = {}; give one of them",
                                      in_quotes(*scale), *log));
  } else if (log && *scale == "auto") {
    r.fail_value("scale",
                 fmt::format("scale = \"auto\" chooses log itself; remove log = {}", *log));
  }
  return scaled_log;
}

Result<Distribution> read_float(SectionReader& r, bool& scale_given) {
  std::optional<double> low, high, step;
  r.check_keys(kScaledKeys);
  r.read_number("low", low, any_number, "a number");
  r.read_number("high", high, any_number, "a number");
  r.read_number("step", step, any_number, "a number");
  r.require("low", "a number");
  r.require("high", "a number");
  if (!r.ok()) return tl::unexpected(reader_error(r));
  std::optional<bool> log = read_scale(r, *low, *high, step.has_value());
  if (!r.ok()) return tl::unexpected(reader_error(r));
  scale_given = log.has_value();
  return FloatDistribution{*low, *high, log.value_or(false), step};
}

Result<Distribution> read_int(SectionReader& r) {
  constexpr int64_t kAny = std::numeric_limits<int64_t>::min();
  std::optional<int64_t> low, high, step;
  r.check_keys(kScaledKeys);
  r.read_int("low", low, kAny);
  r.read_int("high", high, kAny);
  r.read_int("step", step, kAny);
  r.require("low", "an integer");
  r.require("high", "an integer");
  if (!r.ok()) return tl::unexpected(reader_error(r));
  std::optional<bool> log =
      read_scale(r, static_cast<double>(*low), static_cast<double>(*high), step.value_or(1) != 1);
  if (!r.ok()) return tl::unexpected(reader_error(r));
  return IntDistribution{*low, *high, log.value_or(false), step.value_or(1)};
}

// A choice as a ParamValue; nullopt for arrays, tables and dates.
std::optional<ParamValue> choice_of(const toml::node& node) {
  if (auto* s = node.as_string()) return ParamValue(s->get());
  if (auto* i = node.as_integer()) return ParamValue(i->get());
  if (auto* f = node.as_floating_point()) return ParamValue(f->get());
  if (auto* b = node.as_boolean()) return ParamValue(b->get());
  return std::nullopt;
}

Result<Distribution> read_categorical(SectionReader& r) {
  r.check_keys(kChoiceKeys);
  r.require("choices", R"(an array of strings, numbers or booleans, e.g. ["a", "b"])");
  if (!r.ok()) return tl::unexpected(reader_error(r));
  const toml::node& node = *r.find("choices");
  const toml::array* array = node.as_array();
  if (!array) r.fail_type("choices", node, "an array of strings, numbers or booleans");
  CategoricalDistribution dist;
  for (size_t i = 0; array && i < array->size(); ++i) {
    const toml::node& element = *array->get(i);
    std::optional<ParamValue> choice = choice_of(element);
    if (!choice) {
      r.fail(position_of(element), fmt::format("choices[{}]", i),
             "expected a string, number or boolean, got " + describe(element));
      break;
    }
    dist.choices.push_back(std::move(*choice));
  }
  if (!r.ok()) return tl::unexpected(reader_error(r));
  return Distribution(std::move(dist));
}

Result<Distribution> read_distribution(SectionReader& r, bool& scale_given) {
  std::optional<std::string> type;
  r.require("type", R"("float", "int" or "categorical")");
  r.read_string("type", type);
  if (!r.ok()) return tl::unexpected(reader_error(r));
  if (*type == "float") return read_float(r, scale_given);
  if (*type == "int") return read_int(r);
  if (*type == "categorical") return read_categorical(r);
  r.fail_value("type", fmt::format("unknown type {}; {}", in_quotes(*type),
                                   unknown_name_hint(*type, kTypes)));
  return tl::unexpected(reader_error(r));
}

// Parameter names end up in {name} substitutions and GREENTUNE_PARAM_<NAME> variables.
bool valid_param_name(std::string_view name) {
  if (name.empty() || (name[0] >= '0' && name[0] <= '9')) return false;
  for (char c : name) {
    bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    if (!ok) return false;
  }
  return true;
}

// The space module's message about one parameter, without its own naming of it.
std::string_view without_param_name(std::string_view message, const std::string& name) {
  for (const std::string& prefix :
       {fmt::format("parameter \"{}\": ", name), fmt::format("parameter '{}': ", name),
        fmt::format("parameter {}: ", name), fmt::format("\"{}\": ", name),
        fmt::format("{}: ", name)}) {
    if (message.starts_with(prefix)) return message.substr(prefix.size());
  }
  return message;
}

// The hint for a float searched linearly over three decades or more, or "".
std::string scale_hint(const Param& param, bool scale_given) {
  const auto* f = std::get_if<FloatDistribution>(&param.dist);
  if (!f || f->log || f->step || scale_given || !spans_three_decades(f->low, f->high)) return "";
  return fmt::format(
      "{} {}: hint: [{}, {}] spans {:.0f} decades but is searched on a linear scale (9 trials "
      "in 10 land in the top decade); log = true or scale = \"auto\" searches each decade alike",
      kLabel, key_text(param.name), f->low, f->high, std::floor(std::log10(f->high / f->low)));
}

Result<Param> read_param(const TableEntry& entry, const std::string& path,
                         std::vector<std::string>* hints) {
  std::string name(entry.key->str());
  FilePosition pos = position_of(*entry.key, *entry.node);
  auto error = [&](std::string_view text) {
    return tl::unexpected(
        study_file_error(path, pos, fmt::format("{} {}: {}", kLabel, key_text(name), text)));
  };
  if (!valid_param_name(name)) {
    return error(
        "parameter name has characters that are not allowed; accepted: letters, "
        "digits and '_', not starting with a digit");
  }
  const toml::table* table = entry.node->as_table();
  if (!table) {
    return error(
        fmt::format("expected a table such as {{ type = \"float\", low = 0.0, high = 1.0 "
                    "}}, got {}",
                    describe(*entry.node)));
  }
  SectionReader reader(*table, pos, std::string(kLabel), path, name + ".");
  bool scale_given = false;
  auto dist = read_distribution(reader, scale_given);
  if (!dist) return tl::unexpected(dist.error());
  Param param{name, std::move(*dist)};
  auto alone = SearchSpace::create({param});
  if (!alone) return error(without_param_name(alone.error().message, name));
  if (std::string hint = scale_hint(param, scale_given); hints && !hint.empty()) {
    hints->push_back(fmt::format("{}:{}:{}: {}", path, pos.line, pos.column, hint));
  }
  return param;
}

}  // namespace

bool spans_three_decades(double low, double high) { return low > 0 && high / low >= 1000.0; }

Result<SearchSpace> parse_space_section(const toml::table& table, FilePosition position,
                                        const std::string& path, std::vector<std::string>* hints) {
  std::vector<Param> params;
  for (const TableEntry& entry : entries_in_file_order(table)) {
    auto param = read_param(entry, path, hints);
    if (!param) return tl::unexpected(param.error());
    params.push_back(std::move(*param));
  }
  if (params.empty()) {
    return tl::unexpected(study_file_error(
        path, position, fmt::format("{} needs at least one parameter; e.g. {}", kLabel, kExample)));
  }
  auto space = SearchSpace::create(std::move(params));
  if (!space) {
    return tl::unexpected(
        study_file_error(path, position, fmt::format("{}: {}", kLabel, space.error().message)));
  }
  return space;
}

}  // namespace greentune
