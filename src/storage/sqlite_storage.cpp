// SqliteStorage: studies and trials.  Events, samples, energy and artifacts are in
// sqlite_records.cpp.
#include "storage/sqlite_storage.hpp"

#include <fmt/format.h>

#include "storage/sqlite_codec.hpp"
#include "storage/sqlite_schema.hpp"
#include "storage/sqlite_trial_rows.hpp"
#include "storage/trial_rules.hpp"

namespace greentune::storage_detail {
namespace {

constexpr std::string_view kStudyColumns =
    "id, name, direction, metric, space, sampler, spec, created, finished, stopped_because, "
    "elapsed_s";

tl::unexpected<Error> corrupt_study(const std::string& name, const Error& error) {
  return make_error(ErrorCode::kStorage, fmt::format("study \"{}\": {}", name, error.message));
}

Result<StudyRecord> study_from_row(const Statement& row) {
  StudyRecord s;
  s.id = row.int64(0);
  s.name = row.text(1);
  auto direction = direction_from_string(row.text(2));
  if (!direction) return corrupt_study(s.name, direction.error());
  s.direction = *direction;
  s.metric = row.text(3);
  auto space = decode_json<nlohmann::ordered_json>("space", row.text(4));
  if (!space) return corrupt_study(s.name, space.error());
  s.space = std::move(*space);
  auto sampler = decode_json("sampler", row.text(5));
  if (!sampler) return corrupt_study(s.name, sampler.error());
  s.sampler = std::move(*sampler);
  auto spec = decode_json("spec", row.text(6));
  if (!spec) return corrupt_study(s.name, spec.error());
  s.spec = std::move(*spec);
  s.created = row.real(7);
  s.finished = row.optional_real(8);
  s.stopped_because = row.text(9);
  s.elapsed_s = row.real(10);
  return s;
}

template <class... Args>
Result<std::vector<StudyRecord>> read_studies(Db& db, std::string_view where, const Args&... args) {
  auto stmt = db.query(
      fmt::format("SELECT {} FROM studies WHERE {} ORDER BY id", kStudyColumns, where), args...);
  if (!stmt) return tl::unexpected(stmt.error());
  std::vector<StudyRecord> out;
  for (;;) {
    auto row = stmt->step();
    if (!row) return tl::unexpected(row.error());
    if (!*row) return out;
    auto study = study_from_row(*stmt);
    if (!study) return tl::unexpected(study.error());
    out.push_back(std::move(*study));
  }
}

Status insert_study(Db& db, StudyRecord& s) {
  auto ok = db.run(
      "INSERT INTO studies (name, direction, metric, space, sampler, spec, created, finished, "
      "stopped_because, elapsed_s) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
      s.name, to_string(s.direction), s.metric, encode_json(s.space), encode_json(s.sampler),
      encode_json(s.spec), s.created, s.finished, s.stopped_because, s.elapsed_s);
  if (ok) s.id = db.last_insert_rowid();
  return ok;
}

// The id of the study's lowest-numbered waiting trial, if any.
Result<std::optional<int64_t>> first_waiting(Db& db, int64_t study_id) {
  auto stmt =
      db.query("SELECT id FROM trials WHERE study_id = ? AND state = ? ORDER BY number LIMIT 1",
               study_id, to_string(TrialState::kWaiting));
  if (!stmt) return tl::unexpected(stmt.error());
  auto row = stmt->step();
  if (!row) return tl::unexpected(row.error());
  if (!*row) return std::optional<int64_t>();
  return std::optional<int64_t>(stmt->int64(0));
}

}  // namespace

Result<std::unique_ptr<Storage>> SqliteStorage::open(const std::string& path) {
  auto db = open_and_migrate(path);
  if (!db) return tl::unexpected(db.error());
  return std::unique_ptr<Storage>(new SqliteStorage(std::move(*db)));
}

// ---- studies

Result<StudyRecord> SqliteStorage::create_study(StudyRecord study) {
  if (auto ok = check_new_study(study); !ok) return tl::unexpected(ok.error());
  return writing([&](Db& db) -> Result<StudyRecord> {
    auto existing = read_studies(db, "name = ?", study.name);
    if (!existing) return tl::unexpected(existing.error());
    if (!existing->empty()) return study_name_taken(study.name);
    if (auto ok = insert_study(db, study); !ok) return tl::unexpected(ok.error());
    return study;
  });
}

Result<std::optional<StudyRecord>> SqliteStorage::find_study(const std::string& name) {
  return reading([&](Db& db) -> Result<std::optional<StudyRecord>> {
    auto found = read_studies(db, "name = ?", name);
    if (!found) return tl::unexpected(found.error());
    if (found->empty()) return std::optional<StudyRecord>();
    return std::optional<StudyRecord>(std::move(found->front()));
  });
}

Result<std::vector<StudyRecord>> SqliteStorage::list_studies() {
  return reading([&](Db& db) { return read_studies(db, "1"); });
}

Status SqliteStorage::set_study_stopped(int64_t study_id, const std::string& reason, double now) {
  std::optional<double> finished;
  if (!reason.empty()) finished = now;
  return writing([&](Db& db) -> Status {
    auto ok = db.run("UPDATE studies SET finished = ?, stopped_because = ? WHERE id = ?", finished,
                     reason, study_id);
    if (!ok) return ok;
    if (db.changes() == 0) return study_not_found(study_id);
    return {};
  });
}

Status SqliteStorage::add_study_elapsed(int64_t study_id, double seconds) {
  if (auto ok = check_elapsed(seconds); !ok) return ok;
  return writing([&](Db& db) -> Status {
    auto ok =
        db.run("UPDATE studies SET elapsed_s = elapsed_s + ? WHERE id = ?", seconds, study_id);
    if (!ok) return ok;
    if (db.changes() == 0) return study_not_found(study_id);
    return {};
  });
}

// ---- trials

Result<Trial> SqliteStorage::create_trial(int64_t study_id, const NewTrial& how,
                                          const ParamsFn& make_params) {
  if (auto ok = check_new_trial_state(how.state); !ok) return tl::unexpected(ok.error());
  return writing([&](Db& db) -> Result<Trial> {
    if (auto ok = require_study(db, study_id); !ok) return tl::unexpected(ok.error());
    auto trials = how.with_history ? read_study_trials(db, study_id)
                                   : Result<std::vector<Trial>>(std::vector<Trial>{});
    if (!trials) return tl::unexpected(trials.error());
    auto number = how.with_history ? Result<int64_t>(trials->empty() ? 0 : trials->back().number + 1)
                                   : next_trial_number(db, study_id);
    if (!number) return tl::unexpected(number.error());
    auto params = make_params(*number, *trials);
    if (!params) return tl::unexpected(params.error());
    return insert_trial(db, study_id, new_trial(*number, how, std::move(*params)));
  });
}

Result<std::optional<Trial>> SqliteStorage::claim_waiting_trial(int64_t study_id, double now,
                                                                const std::string& worker) {
  return writing([&](Db& db) -> Result<std::optional<Trial>> {
    if (auto ok = require_study(db, study_id); !ok) return tl::unexpected(ok.error());
    auto id = first_waiting(db, study_id);
    if (!id) return tl::unexpected(id.error());
    if (!*id) return std::optional<Trial>();
    auto ok = db.run("UPDATE trials SET state = ?, started = ?, worker = ? WHERE id = ?",
                     to_string(TrialState::kRunning), now, worker, **id);
    if (!ok) return tl::unexpected(ok.error());
    return read_trial_by_id(db, **id);
  });
}

Status SqliteStorage::finish_trial(int64_t trial_id, TrialState state, std::optional<double> value,
                                   double now) {
  return writing([&](Db& db) -> Status {
    auto trial = read_trial_ref(db, trial_id);
    if (!trial) return tl::unexpected(trial.error());
    if (auto ok = check_finish(*trial, state); !ok) return ok;
    return db.run("UPDATE trials SET state = ?, value = ?, finished = ? WHERE id = ?",
                  to_string(state), encode_objective(value), now, trial_id);
  });
}

Status SqliteStorage::requeue_trial(int64_t trial_id) {
  return writing([&](Db& db) -> Status {
    auto trial = read_trial_ref(db, trial_id);
    if (!trial) return tl::unexpected(trial.error());
    if (auto ok = check_requeue(*trial); !ok) return ok;
    return db.run(
        "UPDATE trials SET state = ?, started = NULL, heartbeat = NULL, worker = '' WHERE id = ?",
                  to_string(TrialState::kWaiting), trial_id);
  });
}

Status SqliteStorage::heartbeat(int64_t trial_id, double now) {
  return writing([&](Db& db) -> Status {
    auto ok = db.run("UPDATE trials SET heartbeat = ? WHERE id = ?", now, trial_id);
    if (!ok) return ok;
    if (db.changes() == 0) return trial_not_found(trial_id);
    return {};
  });
}

Status SqliteStorage::add_intermediate(int64_t trial_id, const std::string& metric, int64_t step,
                                       double value, double now) {
  return writing([&](Db& db) -> Status {
    if (auto trial = read_trial_ref(db, trial_id); !trial) return tl::unexpected(trial.error());
    return db.run(
        "INSERT OR REPLACE INTO trial_values (trial_id, metric, step, value, time) "
        "VALUES (?, ?, ?, ?, ?)",
        trial_id, metric, step, value, now);
  });
}

Status SqliteStorage::add_intermediates(int64_t trial_id, int64_t step,
                                        const std::map<std::string, double>& metrics, double now) {
  return writing([&](Db& db) -> Status {
    if (auto trial = read_trial_ref(db, trial_id); !trial) return tl::unexpected(trial.error());
    for (const auto& [metric, value] : metrics) {
      auto ok = db.run(
          "INSERT OR REPLACE INTO trial_values (trial_id, metric, step, value, time) "
          "VALUES (?, ?, ?, ?, ?)",
          trial_id, metric, step, value, now);
      if (!ok) return ok;
    }
    return {};
  });
}

Result<std::vector<Trial>> SqliteStorage::trials(int64_t study_id) {
  return reading([&](Db& db) { return read_study_trials(db, study_id); });
}

Result<std::optional<Trial>> SqliteStorage::trial(int64_t study_id, int64_t number) {
  return reading([&](Db& db) { return read_trial_by_number(db, study_id, number); });
}

}  // namespace greentune::storage_detail
