// A thin RAII layer over the SQLite C API: a connection, prepared statements and
// transactions, with errors as Result (kStorage) instead of return codes.
//
// Not thread-safe: a Db and its statements are used by one thread at a time (the
// SQLite storage serializes its calls with a mutex).
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>

#include "greentune/result.hpp"

namespace greentune::storage_detail {

// A value for a statement parameter whose SQL type is chosen at run time.
using SqlValue = std::variant<std::nullptr_t, int64_t, double, std::string>;

// A prepared statement, finalized on destruction.
class Statement {
 public:
  Statement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  ~Statement();
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&&) = delete;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  // Binds parameter i (from 1).  Integers bind as INTEGER, floating point as REAL
  // (SQLite stores NaN as NULL), strings as TEXT, nullopt and nullptr as NULL.
  template <class T>
  void bind(int i, const T& value);
  template <class... Args>
  void bind_all(const Args&... args) {
    int i = 1;
    (bind(i++, args), ...);
  }

  // Steps once: true when a row is ready, false when the statement is done.
  Result<bool> step();
  // Steps to the end (for statements that return no rows).
  Status run();
  // Makes the statement ready to be bound and run again.
  void reset();

  bool is_null(int col) const;
  int64_t int64(int col) const;
  double real(int col) const;  // NULL reads as NaN (the value SQLite turned into NULL)
  std::optional<double> optional_real(int col) const;  // NULL reads as nullopt
  std::string text(int col) const;
  int type(int col) const;  // SQLITE_INTEGER, SQLITE_FLOAT, SQLITE_TEXT, ...

 private:
  void bind_int64(int i, int64_t v);
  void bind_double(int i, double v);
  void bind_text(int i, std::string_view v);
  void bind_null(int i);
  void bind_value(int i, const SqlValue& v);
  Error error(std::string_view what) const;

  sqlite3* db_;
  sqlite3_stmt* stmt_;
  int bind_rc_ = SQLITE_OK;  // the first failed bind, reported by step()
};

template <class T>
inline constexpr bool kIsOptional = false;
template <class T>
inline constexpr bool kIsOptional<std::optional<T>> = true;

template <class T>
void Statement::bind(int i, const T& value) {
  if constexpr (std::is_same_v<T, SqlValue>) {
    bind_value(i, value);
  } else if constexpr (std::is_same_v<T, std::nullptr_t> || std::is_same_v<T, std::nullopt_t>) {
    bind_null(i);
  } else if constexpr (kIsOptional<T>) {
    if (value) {
      bind(i, *value);
    } else {
      bind_null(i);
    }
  } else if constexpr (std::is_integral_v<T>) {
    bind_int64(i, static_cast<int64_t>(value));
  } else if constexpr (std::is_floating_point_v<T>) {
    bind_double(i, static_cast<double>(value));
  } else {
    bind_text(i, std::string_view(value));
  }
}

// One connection to a database file.
class Db {
 public:
  // Opens (creating if absent) the database file with a busy timeout and foreign keys
  // on.  The file's directory must exist: it is not created.
  static Result<std::unique_ptr<Db>> open(const std::string& path);
  ~Db();
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  // Runs a script of one or more statements that return no rows.
  Status exec(const char* sql);
  // Runs sql, retrying while the database is busy (up to a generous deadline): for
  // BEGIN IMMEDIATE, COMMIT and switching the journal mode, which other processes'
  // transactions may block beyond the busy timeout.
  Status exec_retrying_busy(const char* sql);
  Result<Statement> prepare(std::string_view sql);
  // Prepares sql and binds args to its parameters in order.
  template <class... Args>
  Result<Statement> query(std::string_view sql, const Args&... args) {
    auto stmt = prepare(sql);
    if (stmt) stmt->bind_all(args...);
    return stmt;
  }
  // Prepares, binds and runs a statement that returns no rows.
  template <class... Args>
  Status run(std::string_view sql, const Args&... args) {
    auto stmt = query(sql, args...);
    if (!stmt) return tl::unexpected(stmt.error());
    return stmt->run();
  }

  int64_t last_insert_rowid() const { return sqlite3_last_insert_rowid(db_); }
  int64_t total_changes() const { return sqlite3_total_changes64(db_); }
  int64_t changes() const { return sqlite3_changes64(db_); }
  const std::string& path() const { return path_; }
  // SQLite's message for the last failed call.
  std::string message() const { return sqlite3_errmsg(db_); }
  // A kStorage error naming the file, what was being done and SQLite's message.
  Error error(std::string_view what) const;

 private:
  Db(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}

  sqlite3* db_;
  std::string path_;
};

// A transaction, rolled back on destruction unless committed.
// REQUIRES: no other transaction is open on the Db.
class Transaction {
 public:
  enum class Mode {
    kRead,   // BEGIN: a consistent snapshot for several queries
    kWrite,  // BEGIN IMMEDIATE: takes the write lock now, so read-then-write is atomic
  };
  static Result<Transaction> begin(Db& db, Mode mode);
  ~Transaction();
  Transaction(Transaction&& other) noexcept : db_(other.db_) { other.db_ = nullptr; }
  Transaction& operator=(Transaction&&) = delete;
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;

  Status commit();

 private:
  explicit Transaction(Db* db) : db_(db) {}
  Db* db_;  // null once committed or rolled back
};

}  // namespace greentune::storage_detail
