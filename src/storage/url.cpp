#include "storage/url.hpp"

#include <fmt/format.h>

#include <string_view>

namespace greentune::storage_detail {
namespace {

constexpr std::string_view kSqlitePrefix = "sqlite:///";

tl::unexpected<Error> invalid_url(const std::string& url, std::string_view why) {
  return make_error(ErrorCode::kInvalidArgument,
                    fmt::format("invalid storage URL \"{}\": {}; accepted forms: {}", url, why,
                                kAcceptedStorageUrls));
}

Result<StorageUrl> parse_sqlite(const std::string& url) {
  if (!url.starts_with(kSqlitePrefix)) {
    return invalid_url(url,
                       "a SQLite URL has three slashes before a relative path and four "
                       "before an absolute one");
  }
  std::string path = url.substr(kSqlitePrefix.size());
  if (path.empty() || path.back() == '/') return invalid_url(url, "no database file is named");
  return StorageUrl{StorageUrl::Kind::kSqlite, std::move(path)};
}

Result<StorageUrl> parse_postgresql(const std::string& url) {
  std::string_view rest(url);
  rest.remove_prefix(rest.find("://") + 3);
  if (rest.empty()) return invalid_url(url, "no server or database is named");
  return StorageUrl{StorageUrl::Kind::kPostgresql, url};
}

}  // namespace

Result<StorageUrl> parse_storage_url(const std::string& url) {
  if (url == "memory:") return StorageUrl{StorageUrl::Kind::kMemory, ""};
  if (url.starts_with("sqlite:")) return parse_sqlite(url);
  if (url.starts_with("postgresql://") || url.starts_with("postgres://")) {
    return parse_postgresql(url);
  }
  if (url.empty()) return invalid_url(url, "it is empty");
  return invalid_url(url, "unknown scheme");
}

}  // namespace greentune::storage_detail
