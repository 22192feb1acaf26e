// The JSON API of the dashboard: what each /api route answers, from the StudyCache.
// Independent of HTTP plumbing, so that dashboard.cpp only routes, checks access and
// copies a Reply into the response.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "server/routes.hpp"
#include "server/study_cache.hpp"

namespace greentune::server {

// What to send back.
struct Reply {
  int status = 200;
  std::string content_type = "application/json; charset=utf-8";
  std::string body;
  // Instead of `body`: text that lives elsewhere (an asset, a cached document), sent
  // without a copy while `keep` keeps it alive.  Used when shared_body is not empty.
  std::string_view shared_body;
  std::shared_ptr<const void> keep;
  std::vector<std::pair<std::string, std::string>> headers;  // besides the security ones
};

// {"error": message} with `status`.
Reply error_reply(int status, const std::string& message);

// JSON text of `value`; bytes that are not UTF-8 (names may hold any) become U+FFFD.
std::string json_text(const nlohmann::json& value);

// Most trials one /trials page returns; larger limits are capped to it.
inline constexpr size_t kMaxTrialsPage = 1000;
inline constexpr size_t kDefaultTrialsPage = 100;

// A query parameter's value, nullopt when absent.
using QueryParam = std::function<std::optional<std::string>(const std::string& key)>;

// The reply of an API route (kStudies, kStudy, kStudyView, kStudyTrials, kVersion):
// 404 for an unknown study, 400 for a bad offset or limit, 500 when storage fails.
Reply api_reply(const Route& route, const QueryParam& query, StudyCache& cache);

// offset and limit of a /trials request: absent -> 0 and kDefaultTrialsPage; limits above
// kMaxTrialsPage are capped; anything but a decimal integer (offset >= 0, limit >= 1) is
// an error message.
struct PageRange {
  size_t offset = 0;
  size_t limit = kDefaultTrialsPage;
};
Result<PageRange> page_range(const std::optional<std::string>& offset,
                             const std::optional<std::string>& limit);

}  // namespace greentune::server
