// greentune ask --study NAME [--space JSON] ...: start a trial for an outside loop.
//
// Each call is a fresh process: the sampler rebuilds what it needs from storage, so a
// seeded study gives the same sequence as `greentune tune` would.
#include <cstdio>
#include <optional>
#include <set>
#include <vector>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "greentune/clock.hpp"
#include "greentune/sampler.hpp"
#include "greentune/study.hpp"
#include "sampling/grid_sampler.hpp"
#include "study/open_study.hpp"

namespace greentune::cli {
namespace {

struct AskArgs {
  CommonOptions common;
  std::string study;
  std::string space;
  std::string direction;
  std::string sampler;
  std::string metric;
  std::optional<uint64_t> seed;
};

// Parses JSON keeping the written key order; a key written twice in one object is an
// error (JSON parsers silently keep one of them, which would hide a duplicate parameter).
Result<nlohmann::ordered_json> parse_json_object(const std::string& text, const char* flag) {
  std::vector<std::set<std::string>> keys;  // one set per open object
  std::optional<std::string> duplicate;
  auto callback = [&](int, nlohmann::ordered_json::parse_event_t event,
                      nlohmann::ordered_json& parsed) {
    using Event = nlohmann::ordered_json::parse_event_t;
    if (event == Event::object_start) keys.emplace_back();
    if (event == Event::object_end && !keys.empty()) keys.pop_back();
    if (event == Event::key && !keys.empty() && !keys.back().insert(parsed.get<std::string>()).second) {
      duplicate = duplicate.value_or(parsed.get<std::string>());
    }
    return true;
  };
  auto j = nlohmann::ordered_json::parse(text, callback, /*allow_exceptions=*/false);
  if (j.is_discarded()) {
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("{}: not valid JSON: {}; expected e.g. "
                                  "'{{\"x\": {{\"type\": \"float\", \"low\": 0, \"high\": 1}}}}'",
                                  flag, text));
  }
  if (duplicate) {
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("{}: duplicate key \"{}\"; each parameter (and each field of "
                                  "one) is given once",
                                  flag, *duplicate));
  }
  return j;
}

Result<SearchSpace> parse_space(const std::string& text) {
  auto j = parse_json_object(text, "--space");
  if (!j) return tl::unexpected(j.error());
  auto space = SearchSpace::from_json(*j);
  if (!space) return make_error(ErrorCode::kInvalidArgument, "--space: " + space.error().message);
  return space;
}

// Builds the spec of a study created by `ask`: flags in place of a study file.
Result<StudySpec> spec_from_flags(const AskArgs& args) {
  StudySpec spec;
  spec.name = args.study;
  spec.path = "--space";
  if (!args.direction.empty()) {
    auto d = direction_from_string(args.direction);
    if (!d) return make_error(ErrorCode::kInvalidArgument, "--direction: " + d.error().message);
    spec.direction = *d;
  }
  if (!args.metric.empty()) spec.metric = args.metric;
  if (!args.sampler.empty()) spec.search.sampler = args.sampler;
  spec.search.seed = args.seed;
  auto space = parse_space(args.space);
  if (!space) return tl::unexpected(space.error());
  spec.search.space = std::move(*space);
  return spec;
}

// Flags given for an existing study must agree with it.
Status check_flags(const AskArgs& args, const StudyRecord& record) {
  auto conflict = [&](const char* flag, const std::string& stored) {
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("{}: study \"{}\" already exists with {} {}; drop the flag "
                                  "or use a new study name",
                                  flag, record.name, flag + 2, stored));
  };
  if (!args.direction.empty() && args.direction != to_string(record.direction)) {
    return conflict("--direction", to_string(record.direction));
  }
  if (!args.metric.empty() && args.metric != record.metric) return conflict("--metric", record.metric);
  std::string sampler = record.sampler.value("name", "");
  if (!args.sampler.empty() && args.sampler != sampler) return conflict("--sampler", sampler);
  uint64_t seed = record.sampler.value("seed", uint64_t{0});
  if (args.seed && *args.seed != seed) return conflict("--seed", std::to_string(seed));
  if (!args.space.empty()) {
    auto space = parse_space(args.space);
    if (!space) return tl::unexpected(space.error());
    if (space->to_json() != record.space) return conflict("--space", record.space.dump());
  }
  return {};
}

// A study whose trials run in stages over data fractions needs greentune tune between
// the stages (a new run per stage, the pruner deciding in between): an outside loop has
// no way to take part in that, so ask refuses rather than hand out a trial that would
// train once on all the data and skew the study.
Status check_not_staged(const StudyRecord& record) {
  const nlohmann::json& spec = record.spec;
  if (!spec.is_object() || !spec.contains("pruner") || !spec["pruner"].is_object() ||
      spec["pruner"].value("resource", std::string("step")) != "data_fraction") {
    return {};
  }
  return make_error(ErrorCode::kInvalidArgument,
                    fmt::format("study \"{}\" runs each trial in stages over data fractions "
                                "([pruner] resource = \"data_fraction\"), which only greentune "
                                "tune can drive; run greentune tune with its study file, or ask "
                                "for a study with another name",
                                record.name));
}

Result<Study> open_study(Storage& storage, const AskArgs& args) {
  auto found = storage.find_study(args.study);
  if (!found) return tl::unexpected(found.error());
  if (found->has_value()) {
    if (auto ok = check_flags(args, **found); !ok) return tl::unexpected(ok.error());
    if (auto ok = check_not_staged(**found); !ok) return tl::unexpected(ok.error());
    return Study::load(storage, args.study);
  }
  if (args.space.empty()) {
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("study \"{}\" does not exist; give --space JSON to create it",
                                  args.study));
  }
  auto spec = spec_from_flags(args);
  if (!spec) return tl::unexpected(spec.error());
  if (auto sampler = make_sampler(spec->sampler_json(0)); !sampler) {
    return make_error(ErrorCode::kInvalidArgument, "--sampler: " + sampler.error().message);
  }
  if (spec->search.sampler == "grid") fmt::print(stderr, "warning: {}\n", grid_energy_warning());
  auto opened = open_or_create_study(storage, *spec);
  if (!opened) return tl::unexpected(opened.error());
  for (const std::string& note : opened->notes) fmt::print(stderr, "{}\n", note);
  return std::move(opened->study);
}

int run(const AskArgs& args) {
  auto storage = open_storage_for(args.common);
  if (!storage) return fail(storage.error());
  auto study = open_study(**storage, args);
  if (!study) return fail(study.error());
  auto trial = study->ask(system_clock().now(), /*worker=*/"");
  if (!trial) return fail(trial.error());
  nlohmann::json out = {{"trial", trial->number}, {"params", nlohmann::json::object()}};
  for (const auto& [name, value] : trial->params) out["params"][name] = to_json(value);
  fmt::print("{}\n", out.dump());
  return 0;
}

}  // namespace

Runner setup_ask(CLI::App& sub) {
  auto args = std::make_shared<AskArgs>();
  sub.add_option("--study", args->study, "study name (created on first use)")->required();
  sub.add_option("--space", args->space, "search space as JSON (needed to create the study)");
  sub.add_option("--direction", args->direction, "minimize (default) or maximize");
  sub.add_option("--metric", args->metric, "the objective's name (default: value)");
  sub.add_option("--sampler", args->sampler,
                 "auto (default: gp, then tpe) | random | qmc | grid | tpe | gp");
  sub.add_option("--seed", args->seed, "sampler seed (default: drawn once and stored)");
  add_common_options(sub, args->common);
  return [args] { return run(*args); };
}

}  // namespace greentune::cli
