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
constexpr std::array<std::string_view, 6> kSamplers = {"auto", "random", "qmc",
                                                       "grid", "tpe",    "gp"};
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
  if (std::find(kSamplers.begin(), kSamplers.end(), sampler) == kSamplers.end()) {
    r.fail_value("sampler", fmt::format("unknown sampler {}; {}", in_quotes(sampler), available));
  }
}

// n_startup_trials (tpe, gp, auto), output_warping and input_warping (gp).
void read_sampler_options(SectionReader& r, const std::string& sampler, SearchSpec& search) {
  std::optional<int64_t> startup;
  r.read_int("n_startup_trials", startup, sampler == "tpe" ? 0 : 1);
  if (startup && *startup > 100000) {
    r.fail_value("n_startup_trials",
                 fmt::format("{} is too many; accepted: up to 100000", *startup));
  }
  if (startup && sampler != "tpe" && sampler != "gp" && sampler != "auto") {
    r.fail_value("n_startup_trials",
                 fmt::format("n_startup_trials applies to sampler = \"auto\", \"tpe\" or "
                             "\"gp\", not {}",
                             in_quotes(sampler)));
  }
  search.n_startup_trials = startup;
  for (auto [key, out] : {std::pair("output_warping", &search.output_warping),
                          std::pair("input_warping", &search.input_warping)}) {
    r.read_bool(key, *out);
    if (*out && sampler != "gp") {
      r.fail_value(key, fmt::format("{} applies to sampler = \"gp\" only", key));
    }
  }
}

// Parent study names: valid names, each once.
void read_warm_start(SectionReader& r, std::vector<std::string>& out) {
  std::optional<std::vector<std::string>> parents;
  r.read_string_array("warm_start", parents);
  if (!parents) return;
  for (size_t i = 0; i < parents->size(); ++i) {
    const std::string& name = (*parents)[i];
    if (!valid_study_name(name)) {
      r.fail_value("warm_start", fmt::format("{} is not a study name; accepted: {}",
                                             in_quotes(name), kNameAccepted));
      return;
    }
    if (std::find(parents->begin(), parents->begin() + static_cast<std::ptrdiff_t>(i), name) !=
        parents->begin() + static_cast<std::ptrdiff_t>(i)) {
      r.fail_value("warm_start", fmt::format("{} is listed twice", in_quotes(name)));
      return;
    }
  }
  out = std::move(*parents);
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
  auto space = parse_space_section(*it->second.as_table(), position_of(it->first, it->second), path,
                                   &spec.search.hints);
  if (!space) return tl::unexpected(space.error());
  spec.search.space = std::move(*space);
  // Where each param is written, for the trainer's checks of its values.
  for (const TableEntry& e : entries_in_file_order(*it->second.as_table())) {
    FilePosition pos = position_of(*e.key);
    spec.locations["search.space." + std::string(e.key->str())] =
        fmt::format("{}:{}:{}", path, pos.line, pos.column);
  }
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
  for (const char* key : {"metric", "direction"}) {
    if (const toml::node* node = r->find(key)) {
      FilePosition pos = position_of(*node);
      spec.locations[std::string("study.") + key] = fmt::format("{}:{}:{}", path, pos.line, pos.column);
    }
  }
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
  std::optional<bool> multivariate;
  r->check_keys(kSearchKeys, section_of_key);
  r->read_string("sampler", sampler);
  if (sampler) check_sampler(*r, *sampler);
  r->read_int("seed", seed, 0);
  r->read_bool("multivariate", multivariate);
  if (multivariate.value_or(false) && sampler.value_or(spec.search.sampler) != "tpe") {
    r->fail_value("multivariate", "multivariate = true applies to sampler = \"tpe\" only");
  }
  read_sampler_options(*r, sampler.value_or(spec.search.sampler), spec.search);
  read_warm_start(*r, spec.search.warm_start);
  if (!r->ok()) return r->status();
  if (const toml::node* parents = r->find("warm_start")) {
    FilePosition pos = position_of(*parents);
    spec.locations["search.warm_start"] = fmt::format("{}:{}:{}", path, pos.line, pos.column);
  }
  spec.search.sampler = sampler.value_or(spec.search.sampler);
  if (seed) spec.search.seed = static_cast<uint64_t>(*seed);
  spec.search.multivariate = multivariate.value_or(false);
  return parse_space(*r, path, spec);
}

}  // namespace greentune

namespace greentune {

Status parse_carbon_section(const toml::table& root, const std::string& path, StudySpec& spec) {
  auto r = open_section(root, "carbon", path);
  if (!r) return {};
  CarbonSpec& c = spec.carbon;
  r->check_keys(kCarbonKeys, section_of_key);
  r->read_string("region", c.region);
  r->read_number("intensity", c.intensity, [](double v) { return v >= 0; },
                 "gCO2e per kWh, a number >= 0");
  r->read_string("intensity_file", c.intensity_file);
  r->read_number("pue", c.pue, [](double v) { return v >= 1.0 && v < 5.0; },
                 "a power usage effectiveness between 1 and 5");
  if (r->ok() && c.intensity && c.intensity_file) {
    r->fail_table("give intensity or intensity_file, not both (region may come with either)");
  }
  return r->status();
}

Status parse_energy_section(const toml::table& root, const std::string& path, StudySpec& spec) {
  auto r = open_section(root, "energy", path);
  if (!r) return {};
  EnergySpec& e = spec.energy;
  std::optional<bool> rapl;
  std::optional<bool> nvml;
  r->check_keys(kEnergyKeys, section_of_key);
  r->read_number("cpu_tdp_w", e.cpu_tdp_w, [](double v) { return v > 0 && v < 2000; },
                 "the TDP of one CPU package in watts, e.g. 150");
  r->read_bool("rapl", rapl);
  r->read_bool("nvml", nvml);
  e.rapl = rapl.value_or(e.rapl);
  e.nvml = nvml.value_or(e.nvml);
  return r->status();
}

}  // namespace greentune
