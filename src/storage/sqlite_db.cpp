#include "storage/sqlite_db.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <limits>
#include <thread>

namespace greentune::storage_detail {
namespace {

// SQLite waits this long for a lock before answering SQLITE_BUSY ...
constexpr int kBusyTimeoutMs = 30'000;
// ... and exec_retrying_busy keeps trying until this much time has passed.
constexpr auto kBusyRetryDeadline = std::chrono::seconds(120);
constexpr std::chrono::milliseconds kMaxBackoff{100};

bool is_busy(int rc) {
  const int primary = rc & 0xff;
  return primary == SQLITE_BUSY || primary == SQLITE_LOCKED;
}

tl::unexpected<Error> storage_error(std::string message) {
  return make_error(ErrorCode::kStorage, std::move(message));
}

Status check_directory(const std::string& path) {
  std::filesystem::path dir = std::filesystem::path(path).parent_path();
  if (dir.empty()) return {};
  std::error_code ec;
  if (std::filesystem::is_directory(dir, ec)) return {};
  return storage_error(fmt::format(
      "cannot open SQLite database \"{}\": directory \"{}\" does not exist (greentune does not "
      "create it)",
      path, dir.string()));
}

}  // namespace

// ---- Statement

Statement::~Statement() {
  if (stmt_) sqlite3_finalize(stmt_);
}

Statement::Statement(Statement&& other) noexcept
    : db_(other.db_), stmt_(other.stmt_), bind_rc_(other.bind_rc_) {
  other.stmt_ = nullptr;
}

void Statement::bind_int64(int i, int64_t v) {
  const int rc = sqlite3_bind_int64(stmt_, i, v);
  if (bind_rc_ == SQLITE_OK) bind_rc_ = rc;
}

void Statement::bind_double(int i, double v) {
  const int rc = sqlite3_bind_double(stmt_, i, v);
  if (bind_rc_ == SQLITE_OK) bind_rc_ = rc;
}

void Statement::bind_text(int i, std::string_view v) {
  const int rc = sqlite3_bind_text64(stmt_, i, v.data(), v.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  if (bind_rc_ == SQLITE_OK) bind_rc_ = rc;
}

void Statement::bind_null(int i) {
  const int rc = sqlite3_bind_null(stmt_, i);
  if (bind_rc_ == SQLITE_OK) bind_rc_ = rc;
}

void Statement::bind_value(int i, const SqlValue& v) {
  std::visit([&](const auto& x) { bind(i, x); }, v);
}

Error Statement::error(std::string_view what) const {
  return Error{ErrorCode::kStorage, fmt::format("SQLite database \"{}\": {} \"{}\": {}",
                                                sqlite3_db_filename(db_, "main"), what,
                                                sqlite3_sql(stmt_), sqlite3_errmsg(db_))};
}

Result<bool> Statement::step() {
  if (bind_rc_ != SQLITE_OK) {
    return storage_error(fmt::format("cannot bind the parameters of \"{}\": {}", sqlite3_sql(stmt_),
                                     sqlite3_errstr(bind_rc_)));
  }
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return tl::unexpected(error("failed to run"));
}

Status Statement::run() {
  for (;;) {
    auto row = step();
    if (!row) return tl::unexpected(row.error());
    if (!*row) return {};
  }
}

void Statement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  bind_rc_ = SQLITE_OK;
}

bool Statement::is_null(int col) const { return type(col) == SQLITE_NULL; }

int64_t Statement::int64(int col) const { return sqlite3_column_int64(stmt_, col); }

double Statement::real(int col) const {
  if (is_null(col)) return std::numeric_limits<double>::quiet_NaN();
  return sqlite3_column_double(stmt_, col);
}

std::optional<double> Statement::optional_real(int col) const {
  if (is_null(col)) return std::nullopt;
  return sqlite3_column_double(stmt_, col);
}

std::string Statement::text(int col) const {
  const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, col));
  const int n = sqlite3_column_bytes(stmt_, col);  // after column_text, as SQLite asks
  return p ? std::string(p, static_cast<size_t>(n)) : std::string();
}

int Statement::type(int col) const { return sqlite3_column_type(stmt_, col); }

// ---- Db

Result<std::unique_ptr<Db>> Db::open(const std::string& path) {
  if (auto ok = check_directory(path); !ok) return tl::unexpected(ok.error());
  sqlite3* handle = nullptr;
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  const int rc = sqlite3_open_v2(path.c_str(), &handle, flags, nullptr);
  std::unique_ptr<Db> db(new Db(handle, path));
  if (rc != SQLITE_OK) return tl::unexpected(db->error("cannot open"));
  sqlite3_extended_result_codes(handle, 1);
  sqlite3_busy_timeout(handle, kBusyTimeoutMs);
  if (auto ok = db->exec("PRAGMA foreign_keys = ON"); !ok) return tl::unexpected(ok.error());
  return db;
}

Db::~Db() { sqlite3_close_v2(db_); }

Error Db::error(std::string_view what) const {
  const char* message = db_ ? sqlite3_errmsg(db_) : "out of memory";
  return Error{ErrorCode::kStorage,
               fmt::format("SQLite database \"{}\": {}: {}", path_, what, message)};
}

Status Db::exec(const char* sql) {
  if (sqlite3_exec(db_, sql, nullptr, nullptr, nullptr) == SQLITE_OK) return {};
  return tl::unexpected(error(fmt::format("failed to run \"{}\"", sql)));
}

Status Db::exec_retrying_busy(const char* sql) {
  const auto deadline = std::chrono::steady_clock::now() + kBusyRetryDeadline;
  auto backoff = std::chrono::milliseconds(1);
  for (;;) {
    const int rc = sqlite3_exec(db_, sql, nullptr, nullptr, nullptr);
    if (rc == SQLITE_OK) return {};
    if (!is_busy(rc) || std::chrono::steady_clock::now() >= deadline) {
      return tl::unexpected(error(fmt::format("failed to run \"{}\"", sql)));
    }
    std::this_thread::sleep_for(backoff);
    backoff = std::min(backoff * 2, kMaxBackoff);
  }
}

Result<Statement> Db::prepare(std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  const int rc = sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &stmt, nullptr);
  if (rc != SQLITE_OK) return tl::unexpected(error(fmt::format("cannot prepare \"{}\"", sql)));
  return Statement(db_, stmt);
}

// ---- Transaction

Result<Transaction> Transaction::begin(Db& db, Mode mode) {
  const char* sql = mode == Mode::kWrite ? "BEGIN IMMEDIATE" : "BEGIN";
  if (auto ok = db.exec_retrying_busy(sql); !ok) return tl::unexpected(ok.error());
  return Transaction(&db);
}

Transaction::~Transaction() {
  if (db_) (void)db_->exec("ROLLBACK");
}

Status Transaction::commit() {
  auto ok = db_->exec_retrying_busy("COMMIT");
  if (ok) db_ = nullptr;  // on failure the destructor rolls back
  return ok;
}

}  // namespace greentune::storage_detail
