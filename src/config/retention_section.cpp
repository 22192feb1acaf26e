// [retention]: what `greentune gc` (and `tune`, when a study ends) keeps of the files of
// finished trials.
#include <optional>

#include "config/sections.hpp"

namespace greentune {

Status parse_retention_section(const toml::table& root, const std::string& path, StudySpec& spec) {
  auto r = open_section(root, "retention", path);
  if (!r) return {};
  RetentionSpec retention;
  std::optional<int64_t> keep_best;
  r->check_keys(kRetentionKeys, section_of_key);
  r->read_int("keep_best", keep_best, 0);
  // "0s": the logs go with the rest of a trial's files.
  r->read_duration("logs_ttl", retention.logs_ttl_s, /*allow_zero=*/true);
  if (!r->ok()) return r->status();
  retention.keep_best = keep_best.value_or(retention.keep_best);
  spec.retention = retention;
  return {};
}

}  // namespace greentune
