#include "cli/study_setup.hpp"

#include <optional>
#include <random>
#include <utility>

#include <fmt/format.h>

#include "greentune/clock.hpp"

namespace greentune::cli {
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
  if (sampler != spec.search.sampler) return differs("sampler", sampler, spec.search.sampler);
  if (spec.search.seed && stored.sampler.value("seed", uint64_t{0}) != *spec.search.seed) {
    return differs("seed", std::to_string(stored.sampler.value("seed", uint64_t{0})),
                   std::to_string(*spec.search.seed));
  }
  return {};
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
    auto study = Study::load(storage, spec.name);
    if (!study) return tl::unexpected(study.error());
    return OpenedStudy{std::move(*study), false};
  }
  StudyRecord record;
  record.name = spec.name;
  record.direction = spec.direction;
  record.metric = spec.metric;
  record.space = spec.search.space.to_json();
  record.sampler = spec.sampler_json(spec.search.seed.value_or(draw_seed()));
  record.spec = spec.to_json();
  auto study = Study::create(storage, std::move(record), system_clock().now());
  if (!study) return tl::unexpected(study.error());
  return OpenedStudy{std::move(*study), true};
}

}  // namespace greentune::cli
