// Storage URLs, written as SQLAlchemy and Optuna write them.
#pragma once

#include <string>

#include "greentune/result.hpp"

namespace greentune::storage_detail {

struct StorageUrl {
  enum class Kind { kMemory, kSqlite, kPostgresql };
  Kind kind = Kind::kMemory;
  // kSqlite: the database file as given ("rel/path.db" or "/abs/path.db").
  // kPostgresql: the whole URL, as the connection string.
  std::string location;
};

// The accepted forms, for error messages.
inline constexpr const char* kAcceptedStorageUrls =
    "sqlite:///relative/path.db, sqlite:////absolute/path.db, "
    "postgresql://user:pass@host:port/db, memory:";

// Parses "memory:", "sqlite:///rel.db", "sqlite:////abs.db" and "postgresql://..."
// (also "postgres://...").  kInvalidArgument otherwise; the message says what is wrong
// and lists the accepted forms.
Result<StorageUrl> parse_storage_url(const std::string& url);

}  // namespace greentune::storage_detail
