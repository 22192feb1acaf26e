// [study], [budget] and [search].
#include "config/sections.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <string_view>
#include <vector>

#include "config/messages.hpp"
#include "config/space_section.hpp"

namespace greentune {
namespace {

constexpr std::string_view kNameAccepted =
    "letters, digits, '.', '_' and '-', starting with a "
    "letter or digit, e.g. \"my-study\"";
constexpr std::array<std::string_view, 3> kSamplers = {"random", "qmc", "grid"};
// Samplers of a later version: recognised so that the message says so.
constexpr std::array<std::string_view, 2> kLaterSamplers = {"tpe", "gp"};
constexpr std::string_view kSpaceExample = R"(x = { type = "float", low = 0.0, high = 1.0 })";

bool any_number(double) { return true; }
bool positive(double v) { return v > 0; }
bool between_0_and_1(double v) { return v > 0 && v < 1; }

bool is_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// [A-Za-z0-9._-]+, not starting with '.', '_' or '-' (no hidden files, no "..", no flags).
bool valid_study_name(std::string_view name) {
  if (name.empty() || !is_alnum(name[0])) return false;
  return std::all_of(name.begin(), name.end(),
                     [](char c) { return is_alnum(c) || c == '.' || c == '_' || c == '-'; });
}

void read_direction(SectionReader& r, StudySpec& spec) {
  std::optional<std::string> direction;
  r.read_string("direction", direction);
  if (!direction) return;
  auto parsed = direction_from_string(*direction);
  if (parsed) {
    spec.direction = *parsed;
  } else {
    r.fail_value("direction", fmt::format("unknown direction {}; accepted: minimize, maximize",
                                          in_quotes(*direction)));
  }
}

void check_sampler(SectionReader& r, const std::string& sampler) {
  auto available = fmt::format("accepted: {}", fmt::join(kSamplers, ", "));
  if (std::find(kLaterSamplers.begin(), kLaterSamplers.end(), sampler) != kLaterSamplers.end()) {
    r.fail_value("sampler",
                 fmt::format("sampler {} is not available yet; {}", in_quotes(sampler), available));
  } else if (std::find(kSamplers.begin(), kSamplers.end(), sampler) == kSamplers.end()) {
    r.fail_value("sampler", fmt::format("unknown sampler {}; {}", in_quotes(sampler), available));
  }
}

Status space_missing(const std::string& path, FilePosition pos) {
  return tl::unexpected(study_file_error(
      path, pos,
      fmt::format("[search.space] is required; add it with at least one parameter, e.g. {}",
                  kSpaceExample)));
}

Status parse_space(SectionReader& r, const std::string& path, StudySpec& spec) {
  auto it = r.table().find("space");
  if (it == r.table().end()) return space_missing(path, position_of(r.table()));
  if (!it->second.is_table()) {
    r.fail_type("space", it->second, "a table of parameters, [search.space]");
    return r.status();
  }
  auto space =
      parse_space_section(*it->second.as_table(), position_of(it->first, it->second), path);
  if (!space) return tl::unexpected(space.error());
  spec.search.space = std::move(*space);
  return {};
}

}  // namespace

Status parse_study_section(const toml::table& root, const std::string& path, StudySpec& spec) {
  auto r = open_section(root, "study", path);
  if (!r) {
    return tl::unexpected(study_file_error(
        path, FilePosition{},
        "[study] is required; add it with name = \"...\" and direction = \"minimize\" or "
        "\"maximize\""));
  }
  std::optional<std::string> name, metric;
  std::optional<double> target;
  r->check_keys(kStudyKeys, section_of_key);
  r->read_string("name", name);
  if (name && !valid_study_name(*name)) {
    r->fail_value("name", fmt::format("{} has characters that are not allowed; accepted: {}",
                                      in_quotes(*name), kNameAccepted));
  }
  read_direction(*r, spec);
  r->read_string("metric", metric);
  r->read_number("target", target, any_number, "a finite number");
  r->require("name", kNameAccepted);
  r->require("direction", "minimize, maximize");
  if (!r->ok()) return r->status();
  spec.name = *name;
  spec.metric = metric.value_or(spec.metric);
  spec.completion.target = target;
  return {};
}

Status parse_budget_section(const toml::table& root, const std::string& path, StudySpec& spec) {
  auto r = open_section(root, "budget", path);
  if (!r) return {};
  CompletionSpec& c = spec.completion;
  std::optional<double> tolerance;
  std::optional<int64_t> concurrency;
  r->check_keys(kBudgetKeys, section_of_key);
  r->read_int("max_trials", c.max_trials, 1);
  r->read_duration("max_wall", c.max_wall_s, /*allow_zero=*/false);
  r->read_int("patience", c.patience, 1);
  r->read_int("convergence", c.convergence, 2);
  r->read_number("convergence_tolerance", tolerance, between_0_and_1,
                 "a number between 0 and 1, exclusive");
  r->read_int("concurrency", concurrency, 1);
  r->read_number("max_energy_kwh", c.max_energy_kwh, positive, "a number > 0");
  r->read_number("max_co2e_g", c.max_co2e_g, positive, "a number > 0");
  c.convergence_tolerance = tolerance.value_or(c.convergence_tolerance);
  spec.concurrency = concurrency.value_or(spec.concurrency);
  return r->status();
}

Status parse_search_section(const toml::table& root, const std::string& path, StudySpec& spec) {
  auto r = open_section(root, "search", path);
  if (!r) return space_missing(path, FilePosition{});
  std::optional<std::string> sampler;
  std::optional<int64_t> seed;
  std::optional<std::vector<std::string>> warm_start;
  r->check_keys(kSearchKeys, section_of_key);
  r->read_string("sampler", sampler);
  if (sampler) check_sampler(*r, *sampler);
  r->read_int("seed", seed, 0);
  r->read_string_array("warm_start", warm_start);
  if (warm_start && !warm_start->empty()) {
    r->fail_value("warm_start",
                  "warm starting from parent studies is not available yet; accepted: []");
  }
  if (!r->ok()) return r->status();
  spec.search.sampler = sampler.value_or(spec.search.sampler);
  if (seed) spec.search.seed = static_cast<uint64_t>(*seed);
  return parse_space(*r, path, spec);
}

}  // namespace greentune
