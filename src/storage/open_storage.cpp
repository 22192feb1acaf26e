#include <fmt/format.h>

#include "greentune/storage.hpp"
#include "storage/memory_storage.hpp"
#include "storage/sqlite_storage.hpp"
#include "storage/url.hpp"

namespace greentune {

Result<std::unique_ptr<Storage>> open_storage(const std::string& url) {
  using storage_detail::StorageUrl;
  auto parsed = storage_detail::parse_storage_url(url);
  if (!parsed) return tl::unexpected(parsed.error());
  switch (parsed->kind) {
    case StorageUrl::Kind::kMemory:
      return std::unique_ptr<Storage>(std::make_unique<storage_detail::MemoryStorage>());
    case StorageUrl::Kind::kSqlite:
      return storage_detail::SqliteStorage::open(parsed->location);
    case StorageUrl::Kind::kPostgresql:
      return make_error(ErrorCode::kInvalidArgument,
                        "PostgreSQL storage is not available in this build yet; use "
                        "sqlite:///path.db or memory:");
  }
  return make_error(ErrorCode::kInternal, fmt::format("unhandled storage URL \"{}\"", url));
}

}  // namespace greentune
