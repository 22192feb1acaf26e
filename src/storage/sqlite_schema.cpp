#include "storage/sqlite_schema.hpp"

#include <fmt/format.h>

#include <array>

namespace greentune::storage_detail {
namespace {

// Version 1: the initial schema.  Times are seconds since the epoch (REAL).  NaN
// cannot be stored as REAL (SQLite turns it into NULL): nullable value columns read
// NULL back as NaN, and trials.value, where NULL means "no value", holds NaN as the
// text 'NaN'.  Tables keyed by trial are WITHOUT ROWID, so reading a study's rows
// walks one b-tree in key order.
constexpr const char* kSchemaV1 = R"sql(
CREATE TABLE studies (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  direction TEXT NOT NULL CHECK (direction IN ('minimize', 'maximize')),
  metric TEXT NOT NULL,
  space TEXT NOT NULL,    -- JSON
  sampler TEXT NOT NULL,  -- JSON
  spec TEXT NOT NULL,     -- JSON
  created REAL NOT NULL,
  finished REAL,
  stopped_because TEXT NOT NULL DEFAULT '',
  elapsed_s REAL NOT NULL DEFAULT 0
);
CREATE TABLE trials (
  id INTEGER PRIMARY KEY,
  study_id INTEGER NOT NULL REFERENCES studies(id) ON DELETE CASCADE,
  number INTEGER NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('waiting', 'running', 'complete', 'pruned', 'failed')),
  value REAL,
  created REAL,
  started REAL,
  finished REAL,
  heartbeat REAL,
  worker TEXT NOT NULL DEFAULT '',  -- who runs it: host/pid/start of the orchestrator
  UNIQUE (study_id, number)
);
CREATE INDEX trials_by_state ON trials(study_id, state, number);
CREATE TABLE trial_params (
  trial_id INTEGER NOT NULL REFERENCES trials(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('bool', 'int', 'float', 'string')),
  value TEXT NOT NULL,
  PRIMARY KEY (trial_id, name)
) WITHOUT ROWID;
CREATE TABLE trial_values (
  trial_id INTEGER NOT NULL REFERENCES trials(id) ON DELETE CASCADE,
  metric TEXT NOT NULL,
  step INTEGER NOT NULL,
  value REAL,  -- NULL is NaN
  time REAL NOT NULL,
  PRIMARY KEY (trial_id, metric, step)
) WITHOUT ROWID;
CREATE TABLE system_samples (
  id INTEGER PRIMARY KEY,
  trial_id INTEGER NOT NULL REFERENCES trials(id) ON DELETE CASCADE,
  time REAL,
  cpu_user_s REAL,
  cpu_system_s REAL,
  cpu_utilization REAL,
  rss_bytes INTEGER NOT NULL,
  threads INTEGER NOT NULL,
  io_read_bytes INTEGER NOT NULL,
  io_write_bytes INTEGER NOT NULL,
  gpu_utilization REAL,
  gpu_memory_bytes INTEGER NOT NULL
);
CREATE INDEX system_samples_by_trial ON system_samples(trial_id, id);
CREATE TABLE trial_energy (
  trial_id INTEGER NOT NULL REFERENCES trials(id) ON DELETE CASCADE,
  component TEXT NOT NULL,
  joules REAL,
  source TEXT NOT NULL,
  PRIMARY KEY (trial_id, component)
) WITHOUT ROWID;
CREATE TABLE events (
  id INTEGER PRIMARY KEY,
  study_id INTEGER NOT NULL REFERENCES studies(id) ON DELETE CASCADE,
  trial_id INTEGER REFERENCES trials(id) ON DELETE CASCADE,
  time REAL NOT NULL,
  kind TEXT NOT NULL,
  level TEXT NOT NULL,
  message TEXT NOT NULL,
  data TEXT NOT NULL  -- JSON
);
CREATE INDEX events_by_study ON events(study_id, id);
CREATE INDEX events_by_trial ON events(trial_id);
CREATE TABLE artifacts (
  id INTEGER PRIMARY KEY,
  trial_id INTEGER NOT NULL REFERENCES trials(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  path TEXT NOT NULL,
  bytes INTEGER NOT NULL,
  created REAL NOT NULL
);
CREATE INDEX artifacts_by_trial ON artifacts(trial_id, id);
)sql";

// Append-only: never edit a released migration, add the next one.
constexpr std::array<const char*, 1> kMigrations = {kSchemaV1};

Error open_error(const Db& db, std::string_view why) {
  return Error{ErrorCode::kStorage,
               fmt::format("cannot use \"{}\" as greentune storage: {}", db.path(), why)};
}

Result<int64_t> query_int(Db& db, std::string_view sql) {
  auto stmt = db.query(sql);
  if (!stmt) return tl::unexpected(stmt.error());
  auto row = stmt->step();
  if (!row) return tl::unexpected(row.error());
  return *row ? stmt->int64(0) : 0;
}

// The stored version, or 0 for a new, empty database.  Refuses a database that has
// tables of its own but no schema_version: it is not ours.
Result<int64_t> stored_version(Db& db) {
  auto has_version = query_int(
      db, "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'");
  if (!has_version) return has_version;
  if (*has_version) return query_int(db, "SELECT MAX(version) FROM schema_version");
  auto tables = query_int(db, "SELECT COUNT(*) FROM sqlite_master");
  if (!tables) return tables;
  if (*tables > 0) {
    return tl::unexpected(open_error(
        db, "it is a SQLite database of another program (it has tables but no schema_version)"));
  }
  return 0;
}

Status apply_migrations(Db& db, int64_t from) {
  if (from == 0) {
    auto ok = db.exec("CREATE TABLE schema_version (version INTEGER NOT NULL)");
    if (!ok) return ok;
  }
  for (auto v = static_cast<size_t>(from); v < kMigrations.size(); ++v) {
    if (auto ok = db.exec(kMigrations[v]); !ok) return ok;
  }
  if (auto ok = db.run("DELETE FROM schema_version"); !ok) return ok;
  return db.run("INSERT INTO schema_version (version) VALUES (?)", current_schema_version());
}

Status migrate(Db& db) {
  auto tx = Transaction::begin(db, Transaction::Mode::kWrite);
  if (!tx) return tl::unexpected(tx.error());
  auto version = stored_version(db);
  if (!version) return tl::unexpected(version.error());
  if (*version > current_schema_version()) {
    return tl::unexpected(open_error(
        db, fmt::format("its schema version is {}, but this greentune knows versions up to {}; "
                        "use a newer greentune",
                        *version, current_schema_version())));
  }
  if (*version < current_schema_version()) {
    if (auto ok = apply_migrations(db, *version); !ok) return ok;
  }
  return tx->commit();
}

Status use_wal(Db& db) {
  if (auto ok = db.exec_retrying_busy("PRAGMA journal_mode = WAL"); !ok) {
    return tl::unexpected(open_error(
        db, fmt::format("it is not a SQLite database or cannot be read: {}", db.message())));
  }
  auto mode = db.query("PRAGMA journal_mode");
  if (!mode) return tl::unexpected(mode.error());
  auto row = mode->step();
  if (!row) return tl::unexpected(row.error());
  if (*row && mode->text(0) == "wal") {
    // In WAL mode, NORMAL syncs at checkpoints, not at every commit: a killed process
    // loses nothing (its commits are in the WAL), and a power cut may lose the last
    // commits but never corrupts the file.  Every step a trial reports is a commit, so
    // FULL's fsync per commit would cost a fast trainer more than its training.
    return db.exec_retrying_busy("PRAGMA synchronous = NORMAL");
  }
  return tl::unexpected(open_error(db, "it cannot be switched to WAL journal mode"));
}

}  // namespace

int64_t current_schema_version() { return static_cast<int64_t>(kMigrations.size()); }

Result<std::unique_ptr<Db>> open_and_migrate(const std::string& path) {
  auto db = Db::open(path);
  if (!db) return db;
  if (auto ok = use_wal(**db); !ok) return tl::unexpected(ok.error());
  if (auto ok = migrate(**db); !ok) return tl::unexpected(ok.error());
  return db;
}

}  // namespace greentune::storage_detail
