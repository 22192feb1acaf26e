// SqliteStorage: events, system samples, energy and artifacts.
#include <fmt/format.h>

#include "storage/sqlite_codec.hpp"
#include "storage/sqlite_storage.hpp"
#include "storage/sqlite_trial_rows.hpp"
#include "storage/trial_rules.hpp"

namespace greentune::storage_detail {
namespace {

// Runs a query and turns each row into a T with from_row (which returns Result<T>).
template <class T, class FromRow, class... Args>
Result<std::vector<T>> read_rows(Db& db, std::string_view sql, FromRow from_row,
                                 const Args&... args) {
  auto stmt = db.query(sql, args...);
  if (!stmt) return tl::unexpected(stmt.error());
  std::vector<T> out;
  for (;;) {
    auto row = stmt->step();
    if (!row) return tl::unexpected(row.error());
    if (!*row) return out;
    Result<T> item = from_row(*stmt);
    if (!item) return tl::unexpected(item.error());
    out.push_back(std::move(*item));
  }
}

Result<Event> event_from_row(const Statement& row) {
  Event e;
  e.id = row.int64(0);
  e.study_id = row.int64(1);
  if (!row.is_null(2)) e.trial_id = row.int64(2);
  e.time = row.real(3);
  e.kind = row.text(4);
  e.level = row.text(5);
  e.message = row.text(6);
  auto data = decode_json("event data", row.text(7));
  if (!data) return tl::unexpected(data.error());
  e.data = std::move(*data);
  return e;
}

Result<SystemSample> sample_from_row(const Statement& row) {
  SystemSample s;
  s.time = row.real(0);
  s.cpu_user_s = row.real(1);
  s.cpu_system_s = row.real(2);
  s.cpu_utilization = row.real(3);
  s.rss_bytes = row.int64(4);
  s.threads = row.int64(5);
  s.io_read_bytes = row.int64(6);
  s.io_write_bytes = row.int64(7);
  s.gpu_utilization = row.real(8);
  s.gpu_memory_bytes = row.int64(9);
  return s;
}

Result<EnergyRecord> energy_from_row(const Statement& row) {
  return EnergyRecord{row.text(0), row.real(1), row.text(2)};
}

Result<Artifact> artifact_from_row(const Statement& row) {
  Artifact a;
  a.id = row.int64(0);
  a.trial_id = row.int64(1);
  a.name = row.text(2);
  a.path = row.text(3);
  a.bytes = row.int64(4);
  a.created = row.real(5);
  return a;
}

// kNotFound unless the trial exists.
Status require_trial(Db& db, int64_t trial_id) {
  auto trial = read_trial_ref(db, trial_id);
  if (!trial) return tl::unexpected(trial.error());
  return {};
}

}  // namespace

Status SqliteStorage::add_event(const Event& e) {
  return writing([&](Db& db) -> Status {
    if (auto ok = require_study(db, e.study_id); !ok) return ok;
    if (e.trial_id) {
      if (auto ok = require_trial(db, *e.trial_id); !ok) return ok;
    }
    return db.run(
        "INSERT INTO events (study_id, trial_id, time, kind, level, message, data) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        e.study_id, e.trial_id, e.time, e.kind, e.level, e.message, encode_json(e.data));
  });
}

Result<std::vector<Event>> SqliteStorage::events(int64_t study_id) {
  return reading([&](Db& db) {
    return read_rows<Event>(db,
                            "SELECT id, study_id, trial_id, time, kind, level, message, data "
                            "FROM events WHERE study_id = ? ORDER BY id",
                            event_from_row, study_id);
  });
}

Status SqliteStorage::add_system_sample(int64_t trial_id, const SystemSample& s) {
  return writing([&](Db& db) -> Status {
    if (auto ok = require_trial(db, trial_id); !ok) return ok;
    return db.run(
        "INSERT INTO system_samples (trial_id, time, cpu_user_s, cpu_system_s, "
        "cpu_utilization, rss_bytes, threads, io_read_bytes, io_write_bytes, gpu_utilization, "
        "gpu_memory_bytes) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        trial_id, s.time, s.cpu_user_s, s.cpu_system_s, s.cpu_utilization, s.rss_bytes, s.threads,
        s.io_read_bytes, s.io_write_bytes, s.gpu_utilization, s.gpu_memory_bytes);
  });
}

Result<std::vector<SystemSample>> SqliteStorage::system_samples(int64_t trial_id) {
  return reading([&](Db& db) {
    return read_rows<SystemSample>(
        db,
        "SELECT time, cpu_user_s, cpu_system_s, cpu_utilization, rss_bytes, threads, "
        "io_read_bytes, io_write_bytes, gpu_utilization, gpu_memory_bytes "
        "FROM system_samples WHERE trial_id = ? ORDER BY id",
        sample_from_row, trial_id);
  });
}

Status SqliteStorage::set_trial_energy(int64_t trial_id, const EnergyRecord& energy) {
  return writing([&](Db& db) -> Status {
    if (auto ok = require_trial(db, trial_id); !ok) return ok;
    return db.run(
        "INSERT OR REPLACE INTO trial_energy (trial_id, component, joules, source) "
        "VALUES (?, ?, ?, ?)",
        trial_id, energy.component, energy.joules, energy.source);
  });
}

Result<std::vector<EnergyRecord>> SqliteStorage::trial_energy(int64_t trial_id) {
  return reading([&](Db& db) {
    return read_rows<EnergyRecord>(db,
                                   "SELECT component, joules, source FROM trial_energy "
                                   "WHERE trial_id = ? ORDER BY component",
                                   energy_from_row, trial_id);
  });
}

Result<int64_t> SqliteStorage::add_artifact(const Artifact& a) {
  return writing([&](Db& db) -> Result<int64_t> {
    if (auto ok = require_trial(db, a.trial_id); !ok) return tl::unexpected(ok.error());
    auto ok = db.run(
        "INSERT INTO artifacts (trial_id, name, path, bytes, created) VALUES (?, ?, ?, ?, ?)",
        a.trial_id, a.name, a.path, a.bytes, a.created);
    if (!ok) return tl::unexpected(ok.error());
    return db.last_insert_rowid();
  });
}

Result<std::vector<Artifact>> SqliteStorage::artifacts(int64_t trial_id) {
  return reading([&](Db& db) {
    return read_rows<Artifact>(db,
                               "SELECT id, trial_id, name, path, bytes, created FROM artifacts "
                               "WHERE trial_id = ? ORDER BY id",
                               artifact_from_row, trial_id);
  });
}

Result<std::map<int64_t, std::vector<EnergyRecord>>> SqliteStorage::study_energy(
    int64_t study_id) {
  return reading([&](Db& db) -> Result<std::map<int64_t, std::vector<EnergyRecord>>> {
    auto stmt = db.query(
        "SELECT e.trial_id, e.component, e.joules, e.source FROM trial_energy e "
        "JOIN trials t ON t.id = e.trial_id WHERE t.study_id = ? ORDER BY e.trial_id, "
        "e.component",
        study_id);
    if (!stmt) return tl::unexpected(stmt.error());
    std::map<int64_t, std::vector<EnergyRecord>> out;
    for (;;) {
      auto row = stmt->step();
      if (!row) return tl::unexpected(row.error());
      if (!*row) return out;
      out[stmt->int64(0)].push_back(EnergyRecord{stmt->text(1), stmt->real(2), stmt->text(3)});
    }
  });
}

Result<std::map<int64_t, std::vector<SystemSample>>> SqliteStorage::study_samples(
    int64_t study_id) {
  return reading([&](Db& db) -> Result<std::map<int64_t, std::vector<SystemSample>>> {
    auto stmt = db.query(
        "SELECT s.time, s.cpu_user_s, s.cpu_system_s, s.cpu_utilization, s.rss_bytes, "
        "s.threads, s.io_read_bytes, s.io_write_bytes, s.gpu_utilization, s.gpu_memory_bytes, "
        "s.trial_id FROM system_samples s JOIN trials t ON t.id = s.trial_id "
        "WHERE t.study_id = ? ORDER BY s.trial_id, s.id",
        study_id);
    if (!stmt) return tl::unexpected(stmt.error());
    std::map<int64_t, std::vector<SystemSample>> out;
    for (;;) {
      auto row = stmt->step();
      if (!row) return tl::unexpected(row.error());
      if (!*row) return out;
      auto sample = sample_from_row(*stmt);
      if (!sample) return tl::unexpected(sample.error());
      out[stmt->int64(10)].push_back(*sample);
    }
  });
}

Result<std::map<int64_t, std::vector<Artifact>>> SqliteStorage::study_artifacts(
    int64_t study_id) {
  return reading([&](Db& db) -> Result<std::map<int64_t, std::vector<Artifact>>> {
    auto stmt = db.query(
        "SELECT a.id, a.trial_id, a.name, a.path, a.bytes, a.created FROM artifacts a "
        "JOIN trials t ON t.id = a.trial_id WHERE t.study_id = ? ORDER BY a.trial_id, a.id",
        study_id);
    if (!stmt) return tl::unexpected(stmt.error());
    std::map<int64_t, std::vector<Artifact>> out;
    for (;;) {
      auto row = stmt->step();
      if (!row) return tl::unexpected(row.error());
      if (!*row) return out;
      auto a = artifact_from_row(*stmt);
      if (!a) return tl::unexpected(a.error());
      out[a->trial_id].push_back(std::move(*a));
    }
  });
}

Result<std::optional<int64_t>> SqliteStorage::change_counter() {
  std::lock_guard<std::mutex> lock(mu_);
  auto stmt = db_->query("PRAGMA data_version");
  if (!stmt) return tl::unexpected(stmt.error());
  auto row = stmt->step();
  if (!row) return tl::unexpected(row.error());
  if (!*row) return std::optional<int64_t>();
  // data_version moves on others' commits; this connection's own show in total_changes.
  return std::optional<int64_t>(stmt->int64(0) * 1000003 + db_->total_changes());
}

}  // namespace greentune::storage_detail
