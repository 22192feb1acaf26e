// The SQLite backend ("sqlite:///path.db"): the embedded default.
//
// Safe across threads and processes: every call runs in one transaction (reads in a
// deferred one, for a consistent snapshot; state changes in BEGIN IMMEDIATE, which
// takes the write lock before reading, so read-then-write is atomic across processes).
// Calls on one SqliteStorage are serialized by a mutex.  REQUIRES: make_params passed
// to create_trial does not call back into the same storage.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "greentune/storage.hpp"
#include "storage/sqlite_db.hpp"

namespace greentune::storage_detail {

class SqliteStorage final : public Storage {
 public:
  // Opens (creating if absent) the database file and migrates it.  kStorage if the
  // file's directory does not exist or the file is not a greentune database.
  static Result<std::unique_ptr<Storage>> open(const std::string& path);

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
  Status add_intermediates(int64_t trial_id, int64_t step,
                           const std::map<std::string, double>& metrics, double now) override;
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
  Result<std::map<int64_t, std::vector<EnergyRecord>>> study_energy(int64_t study_id) override;
  Result<std::map<int64_t, std::vector<SystemSample>>> study_samples(int64_t study_id) override;
  Result<std::map<int64_t, std::vector<Artifact>>> study_artifacts(int64_t study_id) override;
  Result<std::optional<int64_t>> change_counter() override;

 private:
  explicit SqliteStorage(std::unique_ptr<Db> db) : db_(std::move(db)) {}

  // Runs fn(db) under the mutex in a transaction of the given mode; commits if fn
  // succeeds, rolls back if it fails (or throws).  Returns fn's result.
  template <class Fn>
  auto in_transaction(Transaction::Mode mode, Fn&& fn) -> decltype(fn(std::declval<Db&>()));
  template <class Fn>
  auto reading(Fn&& fn) {
    return in_transaction(Transaction::Mode::kRead, std::forward<Fn>(fn));
  }
  template <class Fn>
  auto writing(Fn&& fn) {
    return in_transaction(Transaction::Mode::kWrite, std::forward<Fn>(fn));
  }

  std::mutex mu_;
  std::unique_ptr<Db> db_;
};

template <class Fn>
auto SqliteStorage::in_transaction(Transaction::Mode mode, Fn&& fn)
    -> decltype(fn(std::declval<Db&>())) {
  std::lock_guard<std::mutex> lock(mu_);
  auto tx = Transaction::begin(*db_, mode);
  if (!tx) return tl::unexpected(tx.error());
  auto result = fn(*db_);
  if (!result) return result;
  if (auto ok = tx->commit(); !ok) return tl::unexpected(ok.error());
  return result;
}

}  // namespace greentune::storage_detail
