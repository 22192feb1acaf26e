// The in-memory backend ("memory:"): everything lives in this object and is gone with
// it.  Same semantics as the SQLite backend, for tests and throwaway studies.
//
// Thread-safe: one mutex guards all state.  REQUIRES: make_params passed to
// create_trial does not call back into the same storage (the mutex is held).
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "greentune/storage.hpp"
#include "storage/trial_rules.hpp"

namespace greentune::storage_detail {

class MemoryStorage final : public Storage {
 public:
  Result<StudyRecord> create_study(StudyRecord study) override;
  Result<std::optional<StudyRecord>> find_study(const std::string& name) override;
  Result<std::vector<StudyRecord>> list_studies() override;
  Status set_study_stopped(int64_t study_id, const std::string& reason, double now) override;
  Status add_study_elapsed(int64_t study_id, double seconds) override;

  Result<Trial> create_trial(int64_t study_id, const NewTrial& how,
                             const ParamsFn& make_params) override;
  Result<std::optional<Trial>> claim_waiting_trial(int64_t study_id, double now,
                                                   const std::string& worker) override;
  Status finish_trial(int64_t trial_id, TrialState state, std::optional<double> value,
                      double now) override;
  Status requeue_trial(int64_t trial_id) override;
  Status heartbeat(int64_t trial_id, double now) override;
  Status add_intermediate(int64_t trial_id, const std::string& metric, int64_t step, double value,
                          double now) override;
  Result<std::vector<Trial>> trials(int64_t study_id) override;
  Result<std::optional<Trial>> trial(int64_t study_id, int64_t number) override;

  Status add_event(const Event& event) override;
  Result<std::vector<Event>> events(int64_t study_id) override;
  Status add_system_sample(int64_t trial_id, const SystemSample& sample) override;
  Result<std::vector<SystemSample>> system_samples(int64_t trial_id) override;
  Status set_trial_energy(int64_t trial_id, const EnergyRecord& energy) override;
  Result<std::vector<EnergyRecord>> trial_energy(int64_t trial_id) override;
  Result<int64_t> add_artifact(const Artifact& artifact) override;
  Result<std::vector<Artifact>> artifacts(int64_t trial_id) override;

 private:
  struct StudyData {
    StudyRecord record;
    std::vector<Trial> trials;  // by number; trials[i].number == i
    std::vector<Event> events;  // by id
  };
  // Where a trial id lives: trials_of(study)[number].
  struct TrialPlace {
    int64_t study_id;
    int64_t number;
  };

  // All REQUIRE mu_ held.
  StudyData* study(int64_t study_id);
  Trial* find_trial(int64_t trial_id);
  TrialRef ref(int64_t trial_id, const Trial& trial) const;

  std::mutex mu_;
  std::vector<StudyData> studies_;  // studies_[id - 1]
  std::map<int64_t, TrialPlace> trial_places_;
  std::map<int64_t, std::vector<SystemSample>> samples_;
  std::map<int64_t, std::map<std::string, EnergyRecord>> energy_;  // by component
  std::map<int64_t, std::vector<Artifact>> artifacts_;
  int64_t next_trial_id_ = 1;
  int64_t next_event_id_ = 1;
  int64_t next_artifact_id_ = 1;
};

}  // namespace greentune::storage_detail
