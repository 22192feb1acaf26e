// The SQLite schema and its migrations.
//
// The database records its schema version in `schema_version` (one row).  Migration i
// (from 0) takes a database from version i to i + 1; opening a database applies the
// missing ones in order, in one write transaction, so several processes opening the
// same new file at once migrate it exactly once.  A database newer than this build is
// refused rather than misread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "greentune/result.hpp"
#include "storage/sqlite_db.hpp"

namespace greentune::storage_detail {

// The schema version this build writes and reads.
int64_t current_schema_version();

// Opens the database file, switches it to WAL and migrates it to the current version.
// kStorage, with the file named and the reason, if it is not a SQLite database, belongs
// to something else, is newer than this build, or cannot be opened.
Result<std::unique_ptr<Db>> open_and_migrate(const std::string& path);

}  // namespace greentune::storage_detail
