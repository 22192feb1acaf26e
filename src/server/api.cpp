#include "server/api.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

#include "report/study_views.hpp"

namespace greentune::server {
namespace {

using nlohmann::json;

Reply body_reply(std::string body) {
  Reply r;
  r.body = std::move(body);
  return r;
}

// A document of a cached study, which the reply keeps alive until it is sent.
Reply cached_reply(const std::string& body, std::shared_ptr<const LoadedStudy> study) {
  Reply r;
  r.shared_body = body;
  r.keep = std::move(study);
  return r;
}

Reply failure_reply(const Error& error) {
  if (error.code == ErrorCode::kNotFound) return error_reply(404, error.message);
  return error_reply(500, error.message);
}

std::optional<size_t> parse_size(const std::string& text) {
  size_t value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || ptr != end) return std::nullopt;
  return value;
}

Reply study_reply(const Route& route, const QueryParam& query, StudyCache& cache) {
  Result<PageRange> range = PageRange{};
  if (route.kind == Route::Kind::kStudyTrials) {
    // Checked before the study is read: a bad request costs nothing.
    range = page_range(query("offset"), query("limit"));
    if (!range) return error_reply(400, range.error().message);
  }
  auto study = cache.study(route.name);
  if (!study) return failure_reply(study.error());
  const LoadedStudy& s = **study;
  switch (route.kind) {
    case Route::Kind::kStudy:
      return cached_reply(s.summary_body(), *study);
    case Route::Kind::kStudyView:
      return cached_reply(s.view_body(), *study);
    default:
      return body_reply(json_text(trials_page_json(s.data(), range->offset, range->limit)));
  }
}

}  // namespace

Reply error_reply(int status, const std::string& message) {
  Reply r;
  r.status = status;
  r.body = json_text(json{{"error", message}});
  return r;
}

std::string json_text(const json& value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

Result<PageRange> page_range(const std::optional<std::string>& offset,
                             const std::optional<std::string>& limit) {
  PageRange range;
  if (offset) {
    auto v = parse_size(*offset);
    if (!v)
      return make_error(ErrorCode::kInvalidArgument,
                        "offset must be a whole number >= 0, not \"" + *offset + "\"");
    range.offset = *v;
  }
  if (limit) {
    auto v = parse_size(*limit);
    if (!v || *v == 0) {
      return make_error(ErrorCode::kInvalidArgument,
                        fmt::format("limit must be a whole number from 1 to {}, not \"{}\"",
                                    kMaxTrialsPage, *limit));
    }
    range.limit = std::min(*v, kMaxTrialsPage);
  }
  return range;
}

Reply api_reply(const Route& route, const QueryParam& query, StudyCache& cache) {
  switch (route.kind) {
    case Route::Kind::kVersion: {
      auto version = cache.version();
      if (!version) return failure_reply(version.error());
      return body_reply(json_text(json{{"version", *version ? json(**version) : json(nullptr)}}));
    }
    case Route::Kind::kStudies: {
      auto body = cache.studies_body();
      if (!body) return failure_reply(body.error());
      return body_reply(std::move(*body));
    }
    case Route::Kind::kStudy:
    case Route::Kind::kStudyView:
    case Route::Kind::kStudyTrials:
      return study_reply(route, query, cache);
    default:
      return error_reply(404, "no such API route");
  }
}

}  // namespace greentune::server
