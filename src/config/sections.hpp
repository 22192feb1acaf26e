// The sections of a study file, each read from the parsed document into a StudySpec.
//
// Each parser reads one section and leaves the spec's defaults where the file says
// nothing; a required section that is missing is an error at 1:1.  They expect
// check_sections() to have passed: every known section present is a table.
#pragma once

#include <toml++/toml.h>

#include <array>
#include <optional>
#include <string>
#include <string_view>

#include "config/toml_fields.hpp"
#include "greentune/config.hpp"
#include "greentune/result.hpp"

namespace greentune {

inline constexpr std::array<std::string_view, 4> kStudyKeys = {"name", "direction", "metric",
                                                               "target"};
inline constexpr std::array<std::string_view, 8> kBudgetKeys = {
    "max_trials",  "max_wall",       "patience",  "convergence", "convergence_tolerance",
    "concurrency", "max_energy_kwh", "max_co2e_g"};
inline constexpr std::array<std::string_view, 4> kCarbonKeys = {"region", "intensity",
                                                                "intensity_file", "pue"};
inline constexpr std::array<std::string_view, 3> kEnergyKeys = {"cpu_tdp_w", "rapl", "nvml"};
inline constexpr std::array<std::string_view, 2> kRetentionKeys = {"keep_best", "logs_ttl"};
inline constexpr std::array<std::string_view, 8> kSearchKeys = {
    "sampler",        "seed",          "multivariate", "n_startup_trials",
    "output_warping", "input_warping", "warm_start",   "space"};
inline constexpr std::array<std::string_view, 7> kDataKeys = {
    "path", "target", "task", "split", "folds", "seed", "categorical"};
inline constexpr std::array<std::string_view, 12> kTrialKeys = {
    "trainer",       "command",        "dataset", "max_steps", "timeout",
    "grace",         "env",            "cwd",     "metric_regex", "monitor_interval",
    "log_max_bytes", "max_energy_kwh"};

// Fails on the first top-level entry, in file order, that is not one of [study],
// [budget], [search], [trial], [data], [trainer], [pruner], [[rules]], [carbon], [energy],
// [retention] (naming the closest), or that has the wrong shape.
Status check_sections(const toml::table& root, const std::string& path);

// TOML text parsed, or a "PATH:LINE:COL: syntax error: ..." error.
Result<toml::table> parse_toml_document(std::string_view text, const std::string& path);
// A whole file's text; kInvalidArgument `cannot read WHAT "PATH": why` when it cannot be read.
Result<std::string> read_config_file(const std::string& path, std::string_view what);

// A parsed study file (or a ladder rung assembled from one) into a StudySpec.
Result<StudySpec> parse_study_document(const toml::table& root, const std::string& path);

// A reader over section `name`, or nullopt when the file has none.
std::optional<SectionReader> open_section(const toml::table& root, std::string_view name,
                                          const std::string& path);
// "it belongs in [budget]" when `key` is a key of some section; for check_keys.
std::optional<std::string> section_of_key(std::string_view key);

Status parse_study_section(const toml::table& root, const std::string& path, StudySpec& spec);
Status parse_budget_section(const toml::table& root, const std::string& path, StudySpec& spec);
Status parse_search_section(const toml::table& root, const std::string& path, StudySpec& spec);
Status parse_trial_section(const toml::table& root, const std::string& path, StudySpec& spec);
// [pruner] (config/pruner_section.cpp) and [[rules]] (config/rules_section.cpp).
Status parse_pruner_section(const toml::table& root, const std::string& path, StudySpec& spec);
Status parse_rules_section(const toml::table& root, const std::string& path, StudySpec& spec);
Status parse_carbon_section(const toml::table& root, const std::string& path, StudySpec& spec);
Status parse_energy_section(const toml::table& root, const std::string& path, StudySpec& spec);
// [retention] (config/retention_section.cpp): what gc keeps; absent: spec.retention unset.
Status parse_retention_section(const toml::table& root, const std::string& path,
                               StudySpec& spec);
// [data] and [trainer] (config/data_section.cpp): what built-in trainers learn from, and
// their fixed options (any names: the trainer checks them, StudySpec::locations places
// its errors).
Status parse_data_section(const toml::table& root, const std::string& path, StudySpec& spec);
Status parse_trainer_section(const toml::table& root, const std::string& path, StudySpec& spec);

}  // namespace greentune
