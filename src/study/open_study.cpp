#include "study/open_study.hpp"

#include <optional>
#include <random>
#include <utility>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <string>
#include <vector>

#include "greentune/clock.hpp"
#include "greentune/warm_start.hpp"

namespace greentune {
namespace {

// The first parameter in which two spaces differ, as (stored, file) descriptions.
std::optional<std::pair<std::string, std::string>> space_difference(
    const nlohmann::ordered_json& stored, const nlohmann::ordered_json& file) {
  if (stored == file) return std::nullopt;
  auto describe = [](const nlohmann::ordered_json& space, const std::string& name) {
    auto it = space.find(name);
    return it == space.end() ? fmt::format("no parameter {}", name)
                             : fmt::format("{} = {}", name, it->dump());
  };
  for (const auto& [name, dist] : file.items()) {
    if (!stored.contains(name) || stored[name] != dist) {
      return std::pair{describe(stored, name), describe(file, name)};
    }
  }
  for (const auto& [name, dist] : stored.items()) {
    if (!file.contains(name)) return std::pair{describe(stored, name), describe(file, name)};
  }
  return std::pair{std::string("the parameters in another order"), std::string("this order")};
}

Status check_same(const StudyRecord& stored, const StudySpec& spec) {
  auto differs = [&](const char* what, const std::string& was, const std::string& now) {
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("{}: study \"{}\" already exists in this storage with {} {}, "
                                  "but the file says {}; give the study a new name "
                                  "([study] name or --study) to start afresh",
                                  spec.path, spec.name, what, was, now));
  };
  if (stored.direction != spec.direction) {
    return differs("direction", to_string(stored.direction), to_string(spec.direction));
  }
  if (stored.metric != spec.metric) return differs("metric", stored.metric, spec.metric);
  if (auto diff = space_difference(stored.space, spec.search.space.to_json())) {
    return differs("search space", diff->first, diff->second);
  }
  std::string sampler = stored.sampler.value("name", "");
  if (sampler != spec.search.sampler) {
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("{}: study \"{}\" already exists in this storage with sampler "
                                  "{}, but the file says {}{}; to continue it, write [search] "
                                  "sampler = \"{}\"; to start afresh, give the study a new name "
                                  "([study] name or --study)",
                                  spec.path, spec.name, sampler, spec.search.sampler,
                                  spec.search.sampler == "auto" ? " (the default)" : "", sampler));
  }
  uint64_t seed = stored.sampler.value("seed", uint64_t{0});
  if (spec.search.seed && seed != *spec.search.seed) {
    return differs("seed", std::to_string(seed), std::to_string(*spec.search.seed));
  }
  // multivariate, n_startup_trials, output_warping, input_warping: the sampler's options
  // change its sequence, so a resumed study keeps the ones it was created with.
  nlohmann::json wanted = spec.sampler_json(seed);
  if (stored.sampler != wanted) {
    return differs("sampler options", stored.sampler.dump(), wanted.dump());
  }
  std::vector<std::string> parents = warm_start_parents(stored);
  if (parents != spec.search.warm_start) {
    return differs("warm_start", nlohmann::json(parents).dump(),
                   nlohmann::json(spec.search.warm_start).dump());
  }
  return {};
}

// The parents of spec's warm start exist and fit, checked before anything is written;
// errors point at the file's warm_start key.
Status check_warm_start(Storage& storage, const StudySpec& spec) {
  if (spec.search.warm_start.empty()) return {};
  auto checked =
      load_warm_start(storage, spec.search.warm_start,
                      {spec.name, spec.metric, spec.direction, &spec.search.space, std::nullopt});
  if (checked) return {};
  return make_error(checked.error().code, fmt::format("{}: {}", spec.where("search", "warm_start"),
                                                      checked.error().message));
}

// What people should know about the search: hints about the space, what each warm-start
// parent contributed, and that samplers without a model ignore it.
void add_search_notes(const StudySpec& spec, const Study& study, std::vector<std::string>& notes) {
  for (const std::string& hint : spec.search.hints) notes.push_back(hint);
  for (const std::string& line : study.warm_start().lines()) notes.push_back(line);
  const std::string& sampler = spec.search.sampler;
  if (!spec.search.warm_start.empty() && sampler != "auto" && sampler != "tpe" && sampler != "gp") {
    notes.push_back(fmt::format(
        "note: sampler {} does not learn from earlier trials, so warm_start only checks its "
        "parents; use sampler = \"auto\", \"tpe\" or \"gp\" to learn from them",
        sampler));
  }
}

// An event on the new study saying what its warm start contributed.
void record_warm_start(Storage& storage, const Study& study, std::vector<std::string>& notes) {
  const WarmStart& warm = study.warm_start();
  if (warm.parents.empty()) return;
  nlohmann::json parents = nlohmann::json::array();
  for (const WarmStartParent& p : warm.parents) {
    parents.push_back({{"study", p.study},
                       {"finished", p.finished},
                       {"used", p.used},
                       {"missing_param", p.missing_param},
                       {"other_type", p.other_type},
                       {"outside_space", p.outside_space},
                       {"after_snapshot", p.after_snapshot},
                       {"ignored_params", p.ignored_params}});
  }
  Event event;
  event.study_id = study.id();
  event.time = study.record().created;
  event.kind = "warm_start";
  event.message = fmt::format("{}", fmt::join(warm.lines(), "; "));
  event.data = {{"parents", parents}, {"prior_trials", warm.trials.size()}};
  if (auto ok = storage.add_event(event); !ok) {
    notes.push_back(fmt::format("warning: could not record the warm start: {}", ok.error().message));
  }
}

}  // namespace

uint64_t draw_seed() {
  std::random_device rd;
  return (static_cast<uint64_t>(rd()) << 20) ^ rd();
}

Result<OpenedStudy> open_or_create_study(Storage& storage, const StudySpec& spec) {
  auto found = storage.find_study(spec.name);
  if (!found) return tl::unexpected(found.error());
  if (found->has_value()) {
    if (auto ok = check_same(**found, spec); !ok) return tl::unexpected(ok.error());
    if (auto ok = check_warm_start(storage, spec); !ok) return tl::unexpected(ok.error());
    auto study = Study::load(storage, spec.name);
    if (!study) return tl::unexpected(study.error());
    OpenedStudy opened{std::move(*study), false, {}};
    add_search_notes(spec, opened.study, opened.notes);
    return opened;
  }
  if (auto ok = check_warm_start(storage, spec); !ok) return tl::unexpected(ok.error());
  StudyRecord record;
  record.name = spec.name;
  record.direction = spec.direction;
  record.metric = spec.metric;
  record.space = spec.search.space.to_json();
  record.sampler = spec.sampler_json(spec.search.seed.value_or(draw_seed()));
  record.spec = spec.to_json();
  auto study = Study::create(storage, std::move(record), system_clock().now());
  if (!study) return tl::unexpected(study.error());
  OpenedStudy opened{std::move(*study), true, {}};
  record_warm_start(storage, opened.study, opened.notes);
  add_search_notes(spec, opened.study, opened.notes);
  return opened;
}

}  // namespace greentune
