#include "storage/memory_storage.hpp"

#include <algorithm>

namespace greentune::storage_detail {

using Lock = std::lock_guard<std::mutex>;

MemoryStorage::StudyData* MemoryStorage::study(int64_t study_id) {
  if (study_id < 1 || study_id > static_cast<int64_t>(studies_.size())) return nullptr;
  return &studies_[static_cast<size_t>(study_id - 1)];
}

Trial* MemoryStorage::find_trial(int64_t trial_id) {
  auto it = trial_places_.find(trial_id);
  if (it == trial_places_.end()) return nullptr;
  return &study(it->second.study_id)->trials[static_cast<size_t>(it->second.number)];
}

TrialRef MemoryStorage::ref(int64_t trial_id, const Trial& trial) const {
  return TrialRef{trial_id, trial_places_.at(trial_id).study_id, trial.number, trial.state};
}

// ---- studies

Result<StudyRecord> MemoryStorage::create_study(StudyRecord record) {
  if (auto ok = check_new_study(record); !ok) return tl::unexpected(ok.error());
  Lock lock(mu_);
  for (const auto& s : studies_) {
    if (s.record.name == record.name) return study_name_taken(record.name);
  }
  record.id = static_cast<int64_t>(studies_.size()) + 1;
  studies_.push_back(StudyData{record, {}, {}});
  return record;
}

Result<std::optional<StudyRecord>> MemoryStorage::find_study(const std::string& name) {
  Lock lock(mu_);
  for (const auto& s : studies_) {
    if (s.record.name == name) return s.record;
  }
  return std::nullopt;
}

Result<std::vector<StudyRecord>> MemoryStorage::list_studies() {
  Lock lock(mu_);
  std::vector<StudyRecord> out;
  for (const auto& s : studies_) out.push_back(s.record);
  return out;
}

Status MemoryStorage::set_study_stopped(int64_t study_id, const std::string& reason, double now) {
  Lock lock(mu_);
  StudyData* s = study(study_id);
  if (!s) return study_not_found(study_id);
  s->record.stopped_because = reason;
  s->record.finished = reason.empty() ? std::nullopt : std::optional<double>(now);
  return {};
}

Status MemoryStorage::add_study_elapsed(int64_t study_id, double seconds) {
  if (auto ok = check_elapsed(seconds); !ok) return ok;
  Lock lock(mu_);
  StudyData* s = study(study_id);
  if (!s) return study_not_found(study_id);
  s->record.elapsed_s += seconds;
  return {};
}

// ---- trials

Result<Trial> MemoryStorage::create_trial(int64_t study_id, const NewTrial& how,
                                          const ParamsFn& make_params) {
  if (auto ok = check_new_trial_state(how.state); !ok) return tl::unexpected(ok.error());
  Lock lock(mu_);
  StudyData* s = study(study_id);
  if (!s) return study_not_found(study_id);
  const auto number = static_cast<int64_t>(s->trials.size());
  static const std::vector<Trial> kNoHistory;
  auto params = make_params(number, how.with_history ? s->trials : kNoHistory);
  if (!params) return tl::unexpected(params.error());
  Trial trial = new_trial(number, how, std::move(*params));
  trial.id = next_trial_id_++;
  trial_places_[trial.id] = TrialPlace{study_id, number};
  s->trials.push_back(trial);
  return trial;
}

Result<std::optional<Trial>> MemoryStorage::claim_waiting_trial(int64_t study_id, double now,
                                                                const std::string& worker) {
  Lock lock(mu_);
  StudyData* s = study(study_id);
  if (!s) return study_not_found(study_id);
  for (Trial& trial : s->trials) {
    if (trial.state != TrialState::kWaiting) continue;
    trial.state = TrialState::kRunning;
    trial.started = now;
    trial.worker = worker;
    return std::optional<Trial>(trial);
  }
  return std::optional<Trial>();
}

Status MemoryStorage::finish_trial(int64_t trial_id, TrialState state, std::optional<double> value,
                                   double now) {
  Lock lock(mu_);
  Trial* trial = find_trial(trial_id);
  if (!trial) return trial_not_found(trial_id);
  if (auto ok = check_finish(ref(trial_id, *trial), state); !ok) return ok;
  trial->state = state;
  trial->value = value;
  trial->finished = now;
  return {};
}

Status MemoryStorage::requeue_trial(int64_t trial_id) {
  Lock lock(mu_);
  Trial* trial = find_trial(trial_id);
  if (!trial) return trial_not_found(trial_id);
  if (auto ok = check_requeue(ref(trial_id, *trial)); !ok) return ok;
  trial->state = TrialState::kWaiting;
  trial->started.reset();
  trial->heartbeat.reset();
  trial->worker.clear();
  return {};
}

Status MemoryStorage::heartbeat(int64_t trial_id, double now) {
  Lock lock(mu_);
  Trial* trial = find_trial(trial_id);
  if (!trial) return trial_not_found(trial_id);
  trial->heartbeat = now;
  return {};
}

Status MemoryStorage::add_intermediate(int64_t trial_id, const std::string& metric, int64_t step,
                                       double value, double /*now*/) {
  Lock lock(mu_);
  Trial* trial = find_trial(trial_id);
  if (!trial) return trial_not_found(trial_id);
  auto& values = trial->intermediate[metric];
  auto it = std::lower_bound(values.begin(), values.end(), step,
                             [](const StepValue& v, int64_t s) { return v.step < s; });
  if (it != values.end() && it->step == step) {
    it->value = value;
  } else {
    values.insert(it, StepValue{step, value});
  }
  return {};
}

Result<std::vector<Trial>> MemoryStorage::trials(int64_t study_id) {
  Lock lock(mu_);
  StudyData* s = study(study_id);
  if (!s) return std::vector<Trial>();
  return s->trials;
}

Result<std::optional<Trial>> MemoryStorage::trial(int64_t study_id, int64_t number) {
  Lock lock(mu_);
  StudyData* s = study(study_id);
  if (!s || number < 0 || number >= static_cast<int64_t>(s->trials.size())) {
    return std::optional<Trial>();
  }
  return std::optional<Trial>(s->trials[static_cast<size_t>(number)]);
}

// ---- events, samples, energy, artifacts

Status MemoryStorage::add_event(const Event& event) {
  Lock lock(mu_);
  StudyData* s = study(event.study_id);
  if (!s) return study_not_found(event.study_id);
  if (event.trial_id && !find_trial(*event.trial_id)) return trial_not_found(*event.trial_id);
  Event stored = event;
  stored.id = next_event_id_++;
  s->events.push_back(std::move(stored));
  return {};
}

Result<std::vector<Event>> MemoryStorage::events(int64_t study_id) {
  Lock lock(mu_);
  StudyData* s = study(study_id);
  if (!s) return std::vector<Event>();
  return s->events;
}

Status MemoryStorage::add_system_sample(int64_t trial_id, const SystemSample& sample) {
  Lock lock(mu_);
  if (!find_trial(trial_id)) return trial_not_found(trial_id);
  samples_[trial_id].push_back(sample);
  return {};
}

Result<std::vector<SystemSample>> MemoryStorage::system_samples(int64_t trial_id) {
  Lock lock(mu_);
  auto it = samples_.find(trial_id);
  if (it == samples_.end()) return std::vector<SystemSample>();
  return it->second;
}

Status MemoryStorage::set_trial_energy(int64_t trial_id, const EnergyRecord& energy) {
  Lock lock(mu_);
  if (!find_trial(trial_id)) return trial_not_found(trial_id);
  energy_[trial_id][energy.component] = energy;
  return {};
}

Result<std::vector<EnergyRecord>> MemoryStorage::trial_energy(int64_t trial_id) {
  Lock lock(mu_);
  std::vector<EnergyRecord> out;
  auto it = energy_.find(trial_id);
  if (it == energy_.end()) return out;
  for (const auto& [component, record] : it->second) out.push_back(record);
  return out;
}

Result<int64_t> MemoryStorage::add_artifact(const Artifact& artifact) {
  Lock lock(mu_);
  if (!find_trial(artifact.trial_id)) return trial_not_found(artifact.trial_id);
  Artifact stored = artifact;
  stored.id = next_artifact_id_++;
  artifacts_[artifact.trial_id].push_back(stored);
  return stored.id;
}

Result<std::vector<Artifact>> MemoryStorage::artifacts(int64_t trial_id) {
  Lock lock(mu_);
  auto it = artifacts_.find(trial_id);
  if (it == artifacts_.end()) return std::vector<Artifact>();
  return it->second;
}

}  // namespace greentune::storage_detail
