// [pruner]: which pruner stops trials early, and its settings (greentune/pruner.hpp).
// Parsed after [trial], whose max_steps is asha's and hyperband's default max_resource
// (with resource = "step"), and after [search.space] (data_fraction may not be a param).
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <string_view>
#include <vector>

#include "config/messages.hpp"
#include "config/sections.hpp"
#include "greentune/executor.hpp"

namespace greentune {
namespace {

// clang-format off
constexpr std::array<std::string_view, 16> kPrunerKeys = {
    "kind", "n_startup_trials", "n_warmup_steps", "interval_steps", "n_min_trials",
    "percentile", "min_resource", "max_resource", "reduction_factor",
    "min_early_stopping_rate", "n_brackets", "lower", "upper", "patience", "min_delta",
    "resource"};
// clang-format on

// The keys each kind takes besides kind (patience and min_delta wrap any pruner).
std::vector<std::string_view> keys_of(std::string_view kind) {
  std::vector<std::string_view> keys;
  auto add = [&keys](std::initializer_list<std::string_view> more) {
    keys.insert(keys.end(), more.begin(), more.end());
  };
  if (kind == "none") return keys;
  if (kind == "median" || kind == "percentile") {
    add({"n_startup_trials", "n_warmup_steps", "interval_steps", "n_min_trials"});
    if (kind == "percentile") add({"percentile"});
  } else if (kind == "asha" || kind == "hyperband") {
    add({"min_resource", "max_resource", "reduction_factor"});
    add({kind == "asha" ? "min_early_stopping_rate" : "n_brackets"});
    add({"resource"});
  } else if (kind == "threshold") {
    add({"lower", "upper", "n_warmup_steps", "interval_steps"});
  }
  add({"patience", "min_delta"});
  return keys;
}

bool in_list(const std::vector<std::string_view>& keys, std::string_view key) {
  return std::find(keys.begin(), keys.end(), key) != keys.end();
}

// Fails on the first key, in file order, that the kind does not take.
void check_keys_of_kind(SectionReader& r, const std::string& kind) {
  std::vector<std::string_view> keys = keys_of(kind);
  for (const TableEntry& entry : entries_in_file_order(r.table())) {
    std::string_view key = entry.key->str();
    // resource gets its own message (which kinds take "data_fraction") in read_resource.
    if (key == "kind" || key == "resource" || in_list(keys, key)) continue;
    std::string accepted = keys.empty()
                               ? std::string("no other key (kind = \"none\" prunes nothing)")
                               : fmt::format("{}", fmt::join(keys, ", "));
    r.fail(position_of(*entry.key), key,
           fmt::format("does not apply to kind = {}; accepted: {}", in_quotes(kind), accepted));
    return;
  }
}

void read_kind(SectionReader& r, std::optional<std::string>& kind) {
  r.read_string("kind", kind);
  if (!kind) return;
  auto kinds = pruner_kinds();
  if (std::find(kinds.begin(), kinds.end(), *kind) == kinds.end()) {
    std::vector<std::string_view> names(kinds.begin(), kinds.end());
    auto close = closest_name(*kind, names);
    r.fail_value("kind", fmt::format("unknown pruner {}; {}accepted: {}", in_quotes(*kind),
                                     close ? fmt::format("did you mean \"{}\"? ", *close) : "",
                                     fmt::join(kinds, ", ")));
    kind.reset();
  }
}

void read_resource(SectionReader& r, const StudySpec& spec, PrunerSpec& p) {
  std::optional<std::string> value;
  r.read_string("resource", value);
  if (!value) return;
  if (*value != "step" && *value != "data_fraction") {
    r.fail_value("resource", fmt::format("unknown resource {}; accepted: \"step\", "
                                         "\"data_fraction\"",
                                         in_quotes(*value)));
    return;
  }
  if (*value == "data_fraction") {
    if (p.kind != "asha" && p.kind != "hyperband") {
      r.fail_value("resource",
                   fmt::format("\"data_fraction\" works with kind \"asha\" or \"hyperband\" "
                               "(successive halving over data fractions); kind is {}",
                               in_quotes(p.kind)));
      return;
    }
    if (spec.trial.command.empty()) {
      r.fail_value("resource",
                   fmt::format("\"data_fraction\" needs a [trial] command: a program that trains "
                               "on the share of its data given as {{{}}}; the built-in trainer "
                               "{} has no data to share",
                               kDataFractionParam, in_quotes(spec.trial.trainer)));
      return;
    }
    const auto& params = spec.search.space.params();
    if (std::any_of(params.begin(), params.end(),
                    [](const Param& q) { return q.name == kDataFractionParam; })) {
      r.fail_value("resource",
                   fmt::format("\"data_fraction\" gives each stage of a trial the param {}, "
                               "and [search.space] has a param of that name too; rename it",
                               kDataFractionParam));
      return;
    }
  }
  p.resource = *value;
}

void read_optional_int(SectionReader& r, std::string_view key, int64_t& out, int64_t min) {
  std::optional<int64_t> value;
  r.read_int(key, value, min);
  if (value) out = *value;
}

}  // namespace

Status parse_pruner_section(const toml::table& root, const std::string& path, StudySpec& spec) {
  auto r = open_section(root, "pruner", path);
  if (!r) return {};  // no [pruner]: kind "none"
  PrunerSpec p;
  std::optional<std::string> kind;
  r->check_keys(kPrunerKeys, section_of_key);
  read_kind(*r, kind);
  r->require("kind", fmt::format("{}", fmt::join(pruner_kinds(), ", ")));
  if (!r->ok()) return r->status();
  p.kind = *kind;
  check_keys_of_kind(*r, p.kind);

  read_optional_int(*r, "n_startup_trials", p.n_startup_trials, 0);
  read_optional_int(*r, "n_warmup_steps", p.n_warmup_steps, 0);
  read_optional_int(*r, "interval_steps", p.interval_steps, 1);
  read_optional_int(*r, "n_min_trials", p.n_min_trials, 1);
  std::optional<double> percentile;
  r->read_number(
      "percentile", percentile, [](double v) { return v >= 0 && v <= 100; },
      "a number between 0 and 100");
  p.percentile = percentile.value_or(p.percentile);

  read_optional_int(*r, "min_resource", p.min_resource, 1);
  r->read_int("max_resource", p.max_resource, p.min_resource);
  std::optional<double> reduction_factor;
  r->read_number(
      "reduction_factor", reduction_factor, [](double v) { return v > 1; }, "a number > 1");
  p.reduction_factor = reduction_factor.value_or(p.reduction_factor);
  read_optional_int(*r, "min_early_stopping_rate", p.min_early_stopping_rate, 0);
  r->read_int("n_brackets", p.n_brackets, 1);
  read_resource(*r, spec, p);

  auto any_number = [](double) { return true; };
  r->read_number("lower", p.lower, any_number, "a finite number");
  r->read_number("upper", p.upper, any_number, "a finite number");
  if (r->ok() && p.lower && p.upper && *p.lower > *p.upper) {
    r->fail_value("lower", fmt::format("{} is above upper = {}; accepted: lower <= upper",
                                       describe_number(*p.lower), describe_number(*p.upper)));
  }

  r->read_int("patience", p.patience, 0);
  std::optional<double> min_delta;
  r->read_number(
      "min_delta", min_delta, [](double v) { return v >= 0; }, "a number >= 0");
  p.min_delta = min_delta.value_or(p.min_delta);
  if (r->ok() && min_delta && !p.patience) {
    r->fail_value("min_delta", "applies with patience = N only; add patience or remove it");
  }

  if (r->ok()) {
    const std::string kind_text = in_quotes(p.kind);
    if (p.kind == "threshold" && !p.lower && !p.upper) {
      r->fail_value("kind", fmt::format("{} needs lower = N or upper = N (or both)", kind_text));
    } else if (p.kind == "patience" && !p.patience) {
      r->fail_value("kind", fmt::format("{} needs patience = N", kind_text));
    } else if ((p.kind == "asha" || p.kind == "hyperband") && !p.max_resource &&
               p.resource == "step") {
      if (!spec.trial.max_steps) {
        r->fail_value(
            "kind",
            fmt::format("{} needs max_resource = N here or max_steps = N in [trial]", kind_text));
      } else if (*spec.trial.max_steps < p.min_resource) {
        r->fail_value("min_resource",
                      fmt::format("{} is above [trial] max_steps = {}; accepted: an integer "
                                  "between 1 and {}",
                                  p.min_resource, *spec.trial.max_steps, *spec.trial.max_steps));
      }
    }
  }
  if (!r->ok()) return r->status();
  spec.pruner = std::move(p);
  return {};
}

}  // namespace greentune
