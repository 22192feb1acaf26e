#include "greentune/study.hpp"

#include <cmath>

#include <fmt/format.h>

namespace greentune {

namespace {

Result<WarmStart> warm_start_of(Storage& storage, const StudyRecord& record,
                                const SearchSpace& space, double created) {
  std::vector<std::string> parents = warm_start_parents(record);
  if (parents.empty()) return WarmStart{};
  return load_warm_start(storage, parents,
                         {record.name, record.metric, record.direction, &space, created});
}

}  // namespace

Study::Study(Storage* storage, StudyRecord record, SearchSpace space,
             std::unique_ptr<Sampler> sampler, WarmStart warm_start)
    : storage_(storage),
      record_(std::move(record)),
      space_(std::move(space)),
      sampler_(std::move(sampler)),
      warm_start_(std::make_shared<const WarmStart>(std::move(warm_start))) {}

Result<Study> Study::load(Storage& storage, const std::string& name) {
  auto found = storage.find_study(name);
  if (!found) return tl::unexpected(found.error());
  if (!found->has_value()) {
    return make_error(ErrorCode::kNotFound,
                      fmt::format("no study named \"{}\" in this storage; "
                                  "`greentune studies` lists the studies there",
                                  name));
  }
  StudyRecord record = std::move(**found);
  auto space = SearchSpace::from_json(record.space);
  if (!space) return tl::unexpected(space.error());
  auto sampler = make_sampler(record.sampler);
  if (!sampler) return tl::unexpected(sampler.error());
  auto warm = warm_start_of(storage, record, *space, record.created);
  if (!warm) return tl::unexpected(warm.error());
  return Study(&storage, std::move(record), std::move(*space), std::move(*sampler),
               std::move(*warm));
}

Result<Study> Study::create(Storage& storage, StudyRecord record, double now) {
  auto space = SearchSpace::from_json(record.space);
  if (!space) return tl::unexpected(space.error());
  auto sampler = make_sampler(record.sampler);
  if (!sampler) return tl::unexpected(sampler.error());
  record.created = now;
  auto warm = warm_start_of(storage, record, *space, now);
  if (!warm) return tl::unexpected(warm.error());
  auto created = storage.create_study(std::move(record));
  if (!created) return tl::unexpected(created.error());
  return Study(&storage, std::move(*created), std::move(*space), std::move(*sampler),
               std::move(*warm));
}

Result<Trial> Study::ask(double now, const std::string& worker) {
  auto waiting = storage_->claim_waiting_trial(record_.id, now, worker);
  if (!waiting) return tl::unexpected(waiting.error());
  if (waiting->has_value()) return std::move(**waiting);
  uint64_t seed = record_.sampler.value("seed", uint64_t{0});
  auto sampler = sampler_;
  auto warm = warm_start_;
  const SearchSpace& space = space_;
  Direction direction = record_.direction;
  Storage::NewTrial how{TrialState::kRunning, now, worker, sampler->uses_history()};
  return storage_->create_trial(
      record_.id, how,
      [&](int64_t number, const std::vector<Trial>& trials) -> Result<Params> {
        SampleRequest request{space, direction, trials, number, seed, &warm->trials};
        return sampler->sample(request);
      });
}

Status Study::tell(int64_t number, TrialState state, std::optional<double> value, double now) {
  if (!is_finished(state)) {
    return make_error(ErrorCode::kInvalidArgument,
                      "a trial can only be told complete, pruned or failed");
  }
  if (state == TrialState::kComplete && (!value || !std::isfinite(*value))) {
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("trial {}: a complete trial needs a finite value{}", number,
                                  value ? fmt::format(" (got {})", *value) : ""));
  }
  auto trial = storage_->trial(record_.id, number);
  if (!trial) return tl::unexpected(trial.error());
  if (!trial->has_value()) {
    return make_error(ErrorCode::kNotFound,
                      fmt::format("study \"{}\" has no trial {}", record_.name, number));
  }
  if ((*trial)->state != TrialState::kRunning) {
    return make_error(ErrorCode::kConflict,
                      fmt::format("trial {} of study \"{}\" is {}, not running; nothing changed",
                                  number, record_.name, to_string((*trial)->state)));
  }
  return storage_->finish_trial((*trial)->id, state, value, now);
}

Result<Trial> Study::enqueue(const Params& params, double now) {
  if (auto ok = space_.validate(params); !ok) return tl::unexpected(ok.error());
  return storage_->create_trial(record_.id, {TrialState::kWaiting, now},
                                [&](int64_t, const std::vector<Trial>&) -> Result<Params> {
                                  return params;
                                });
}

Result<std::vector<Trial>> Study::trials() const { return storage_->trials(record_.id); }

Status Study::refresh() {
  auto found = storage_->find_study(record_.name);
  if (!found) return tl::unexpected(found.error());
  if (!found->has_value()) {
    return make_error(ErrorCode::kNotFound, fmt::format("study \"{}\" is gone", record_.name));
  }
  record_ = std::move(**found);
  return {};
}

}  // namespace greentune
