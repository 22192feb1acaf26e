#include "trainers/options.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "greentune/executor.hpp"
#include "text/names.hpp"
#include "text/quote.hpp"

namespace greentune::trainers {
namespace {

using text::in_quotes;

tl::unexpected<Error> invalid(std::string message) {
  return make_error(ErrorCode::kInvalidArgument, std::move(message));
}

const char* kind_name(OptionKind k) {
  switch (k) {
    case OptionKind::kInt: return "an integer";
    case OptionKind::kFloat: return "a number";
    case OptionKind::kString: return "a string";
    case OptionKind::kBool: return "true or false";
  }
  return "a value";
}

const OptionSpec* find_option(std::span<const OptionSpec> known, std::string_view name) {
  for (const OptionSpec& o : known) {
    if (o.name == name) return &o;
  }
  return nullptr;
}

bool fits(OptionKind kind, const ParamValue& v) {
  switch (kind) {
    case OptionKind::kInt:
      if (std::holds_alternative<int64_t>(v)) return true;
      if (const auto* d = std::get_if<double>(&v)) return std::floor(*d) == *d;
      return false;
    case OptionKind::kFloat:
      return std::holds_alternative<int64_t>(v) || std::holds_alternative<double>(v);
    case OptionKind::kString: return std::holds_alternative<std::string>(v);
    case OptionKind::kBool: return std::holds_alternative<bool>(v);
  }
  return false;
}

std::optional<ParamValue> from_json(const nlohmann::json& j) {
  if (j.is_boolean()) return ParamValue(j.get<bool>());
  if (j.is_number_integer()) return ParamValue(j.get<int64_t>());
  if (j.is_number()) return ParamValue(j.get<double>());
  if (j.is_string()) return ParamValue(j.get<std::string>());
  return std::nullopt;
}

// Whether every value the distribution can give fits the option.
bool distribution_fits(OptionKind kind, const Distribution& dist) {
  if (const auto* c = std::get_if<CategoricalDistribution>(&dist)) {
    for (const ParamValue& v : c->choices) {
      if (!fits(kind, v)) return false;
    }
    return true;
  }
  if (std::holds_alternative<IntDistribution>(dist)) {
    return kind == OptionKind::kInt || kind == OptionKind::kFloat;
  }
  return kind == OptionKind::kFloat;
}

std::string unknown(const TrainerSpec& spec, std::span<const OptionSpec> known,
                    std::span<const OptionAlias> aliases, const std::string& section,
                    const std::string& key) {
  for (const OptionAlias& a : aliases) {
    if (a.name == key) {
      return fmt::format("{}: {} has no option {}; did you mean {}? ({} in {})",
                         place(spec, section, key), spec.name, in_quotes(key), in_quotes(a.option),
                         key, a.where);
    }
  }
  std::vector<std::string> names;
  for (const OptionSpec& o : known) names.emplace_back(o.name);
  auto close = text::closest_index(key, names);
  std::string hint = close ? fmt::format("did you mean {}?", in_quotes(names[*close]))
                           : fmt::format("accepted: {}", fmt::join(names, ", "));
  return fmt::format("{}: {} has no option {}; {}", place(spec, section, key), spec.name,
                     in_quotes(key), hint);
}

std::optional<ParamValue> parse_default(const OptionSpec& o) {
  if (o.default_value.empty()) return std::nullopt;
  std::string text(o.default_value);
  switch (o.kind) {
    case OptionKind::kInt: return ParamValue(static_cast<int64_t>(std::stoll(text)));
    case OptionKind::kFloat: return ParamValue(std::stod(text));
    case OptionKind::kString: return ParamValue(text);
    case OptionKind::kBool: return ParamValue(text == "true");
  }
  return std::nullopt;
}

}  // namespace

TrainerSpec held_copy(const TrainerSpec& spec) {
  TrainerSpec held = spec;
  held.space = nullptr;
  held.where = nullptr;
  return held;
}

std::string place(const TrainerSpec& spec, const std::string& section, const std::string& key) {
  if (spec.where) return spec.where(section, key);
  return fmt::format("[{}] {}", section, key);
}

const ParamValue* Options::find(const std::string& name) const {
  auto it = values_.find(name);
  return it == values_.end() ? nullptr : &it->second;
}

double Options::number(const std::string& name, double fallback) const {
  const ParamValue* v = find(name);
  if (!v) return fallback;
  if (const auto* i = std::get_if<int64_t>(v)) return static_cast<double>(*i);
  if (const auto* d = std::get_if<double>(v)) return *d;
  return fallback;
}

int64_t Options::integer(const std::string& name, int64_t fallback) const {
  const ParamValue* v = find(name);
  if (!v) return fallback;
  if (const auto* i = std::get_if<int64_t>(v)) return *i;
  if (const auto* d = std::get_if<double>(v)) return static_cast<int64_t>(*d);
  return fallback;
}

std::string Options::text(const std::string& name, const std::string& fallback) const {
  const ParamValue* v = find(name);
  if (const auto* s = v ? std::get_if<std::string>(v) : nullptr) return *s;
  return fallback;
}

bool Options::flag(const std::string& name, bool fallback) const {
  const ParamValue* v = find(name);
  if (const auto* b = v ? std::get_if<bool>(v) : nullptr) return *b;
  return fallback;
}

std::string Options::library_text(const ParamValue& v) {
  if (const auto* b = std::get_if<bool>(&v)) return *b ? "1" : "0";
  if (const auto* d = std::get_if<double>(&v)) return fmt::format("{}", *d);
  if (const auto* i = std::get_if<int64_t>(&v)) return fmt::format("{}", *i);
  return std::get<std::string>(v);
}

Status check_options(const TrainerSpec& spec, std::span<const OptionSpec> known,
                     std::span<const OptionAlias> aliases) {
  for (const auto& [key, value] : spec.options.items()) {
    const OptionSpec* o = find_option(known, key);
    if (!o) return invalid(unknown(spec, known, aliases, "trainer", key));
    auto v = from_json(value);
    if (!v || !fits(o->kind, *v)) {
      return invalid(fmt::format("{}: {} option {} takes {}, got {}", place(spec, "trainer", key),
                                 spec.name, in_quotes(key), kind_name(o->kind), value.dump()));
    }
  }
  if (!spec.space) return {};
  for (const Param& p : spec.space->params()) {
    std::string section = "search.space";
    const OptionSpec* o = find_option(known, p.name);
    if (!o) return invalid(unknown(spec, known, aliases, section, p.name));
    if (!distribution_fits(o->kind, p.dist)) {
      return invalid(fmt::format("{}: {} option {} takes {}; the space gives it other values",
                                 place(spec, section, p.name), spec.name, in_quotes(p.name),
                                 kind_name(o->kind)));
    }
  }
  return {};
}

Status check_choice(const TrainerSpec& spec, const std::string& key,
                    std::span<const std::string_view> accepted) {
  auto it = spec.options.find(key);
  if (it == spec.options.end()) return {};
  std::string value = it->get<std::string>();
  if (std::find(accepted.begin(), accepted.end(), value) != accepted.end()) return {};
  return invalid(fmt::format("{}: unknown {} {}; accepted: {}", place(spec, "trainer", key), key,
                             in_quotes(value), fmt::join(accepted, ", ")));
}

Options options_for(const TrainerSpec& spec, std::span<const OptionSpec> known,
                    const Params& params) {
  Options out;
  for (const OptionSpec& o : known) {
    if (auto v = parse_default(o)) out.values_[std::string(o.name)] = *v;
  }
  for (const auto& [key, value] : spec.options.items()) {
    if (auto v = from_json(value)) out.values_[key] = *v;
  }
  for (const auto& [name, value] : params) {
    if (name == kDataFractionParam) continue;
    const OptionSpec* o = find_option(known, name);
    ParamValue v = value;
    if (o && o->kind == OptionKind::kInt) {
      if (const auto* d = std::get_if<double>(&value)) v = static_cast<int64_t>(*d);
    }
    out.values_[name] = v;
  }
  return out;
}

}  // namespace greentune::trainers
