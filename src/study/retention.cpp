#include "study/retention.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <set>
#include <system_error>

#include "greentune/clock.hpp"
#include "greentune/summary.hpp"
#include "study/storage_reporter.hpp"
#include "text/json.hpp"

namespace greentune {
namespace {

namespace fs = std::filesystem;

// What a trial writes about itself, kept longest: the process executor's stdout, stderr and
// report file, also per stage ("stage-2/stdout").
bool is_log(const std::string& artifact_name) {
  const std::string base = artifact_name.substr(artifact_name.rfind('/') + 1);
  return base == "stdout" || base == "stderr" || base == "report";
}

// The trial ids of the best `keep` COMPLETE trials with a number for a value.
std::set<int64_t> best_ids(Direction direction, const std::vector<Trial>& trials, int64_t keep) {
  std::vector<const Trial*> complete;
  for (const auto& t : trials) {
    if (t.state == TrialState::kComplete && t.value && !std::isnan(*t.value)) {
      complete.push_back(&t);
    }
  }
  std::stable_sort(complete.begin(), complete.end(), [&](const Trial* a, const Trial* b) {
    if (better(direction, *a->value, *b->value)) return true;
    if (better(direction, *b->value, *a->value)) return false;
    return a->number < b->number;
  });
  std::set<int64_t> ids;
  for (size_t i = 0; i < complete.size() && static_cast<int64_t>(i) < keep; ++i) {
    ids.insert(complete[i]->id);
  }
  return ids;
}

// The form paths are compared in: absolute, with "." and ".." resolved lexically (links
// are not followed: a link is its own path).
fs::path comparable(const std::string& path) {
  std::error_code ec;
  fs::path p = fs::absolute(path, ec);
  return (ec ? fs::path(path) : p).lexically_normal();
}

// True when `inner` is `outer` or lies under it.
bool within(const fs::path& inner, const fs::path& outer) {
  auto [o, i] = std::mismatch(outer.begin(), outer.end(), inner.begin(), inner.end());
  // A trailing separator of `outer` shows as an empty last element.
  return o == outer.end() || (std::next(o) == outer.end() && o->empty());
}

struct Candidate {
  RetentionItem item;
  fs::path where;
};

}  // namespace

std::string duration_text(double seconds) {
  if (!(seconds >= 0) || std::floor(seconds) != seconds || seconds > 1e15) {
    return fmt::format("{:g}s", seconds);
  }
  auto left = static_cast<int64_t>(seconds);
  if (left == 0) return "0s";
  std::string out;
  for (auto [unit, size] : {std::pair{'d', int64_t{86400}}, std::pair{'h', int64_t{3600}},
                            std::pair{'m', int64_t{60}}, std::pair{'s', int64_t{1}}}) {
    if (left >= size) {
      out += fmt::format("{}{}", left / size, unit);
      left %= size;
    }
  }
  return out;
}

std::string freed_text(int64_t bytes, size_t paths, bool dry_run) {
  return fmt::format("{} {} in {} path{}", dry_run ? "would free" : "freed", human_bytes(bytes),
                     paths, paths == 1 ? "" : "s");
}

RetentionPlan plan_retention(const StudyRecord& record, const std::vector<Trial>& trials,
                             const std::map<int64_t, std::vector<Artifact>>& artifacts,
                             const RetentionSpec& policy, double now) {
  const std::set<int64_t> best = best_ids(record.direction, trials, policy.keep_best);
  const std::string not_best = fmt::format("not among the best {}", policy.keep_best);
  std::vector<fs::path> kept;
  std::vector<Candidate> candidates;
  for (const Trial& t : trials) {  // by number
    auto list = artifacts.find(t.id);
    if (list == artifacts.end()) continue;
    const bool keep_all = !is_finished(t.state) || best.count(t.id) > 0;
    for (const Artifact& a : list->second) {
      std::optional<std::string> why;
      if (!keep_all && !is_log(a.name)) {
        why = t.state == TrialState::kComplete
                  ? not_best
                  : fmt::format("{} ({})", not_best, to_string(t.state));
      } else if (!keep_all && policy.logs_ttl_s) {
        const double written = std::max(a.created, t.finished.value_or(a.created));
        if (now - written >= *policy.logs_ttl_s) {
          why = fmt::format("log older than {}", duration_text(*policy.logs_ttl_s));
        }
      }
      fs::path where = comparable(a.path);
      if (!why) {
        kept.push_back(std::move(where));
        continue;
      }
      candidates.push_back({{t.number, a.name, a.path, 0, *why}, std::move(where)});
    }
  }
  RetentionPlan plan;
  std::vector<fs::path> planned;
  for (Candidate& c : candidates) {
    if (c.item.path.empty() || !c.where.has_relative_path()) continue;  // never "/" or ""
    auto covers = [&](const fs::path& p) { return within(p, c.where) || within(c.where, p); };
    if (std::any_of(kept.begin(), kept.end(), covers)) continue;
    if (std::any_of(planned.begin(), planned.end(),
                    [&](const fs::path& p) { return within(c.where, p); })) {
      continue;  // already planned, or inside what is
    }
    std::error_code ec;
    const fs::file_status status = fs::symlink_status(c.item.path, ec);
    if (ec || !fs::exists(status)) continue;
    if (fs::is_symlink(status)) {
      c.item.bytes = 0;  // the link goes, what it points to stays
    } else if (fs::is_regular_file(status) || fs::is_directory(status)) {
      c.item.bytes = bytes_under(c.item.path);
    } else {
      continue;  // a socket, a FIFO, a device: not a trial's file to delete
    }
    // A planned directory may hold an earlier planned path: count those bytes once.
    for (size_t i = 0; i < plan.items.size();) {
      if (within(planned[i], c.where)) {
        plan.bytes -= plan.items[i].bytes;
        plan.items.erase(plan.items.begin() + static_cast<std::ptrdiff_t>(i));
        planned.erase(planned.begin() + static_cast<std::ptrdiff_t>(i));
      } else {
        ++i;
      }
    }
    plan.bytes += c.item.bytes;
    plan.items.push_back(std::move(c.item));
    planned.push_back(std::move(c.where));
  }
  return plan;
}

Result<RetentionOutcome> apply_retention(Storage& storage, const StudyRecord& record,
                                         const RetentionPlan& plan, const RetentionSpec& policy,
                                         double now) {
  RetentionOutcome out;
  nlohmann::json paths = nlohmann::json::array();
  for (const RetentionItem& item : plan.items) {
    std::error_code ec;
    const fs::file_status status = fs::symlink_status(item.path, ec);
    if (ec || !fs::exists(status)) continue;  // gone since the plan
    // remove() on a link removes the link; remove_all() does not follow links inside.
    if (fs::is_symlink(status) || !fs::is_directory(status)) {
      fs::remove(item.path, ec);
    } else {
      fs::remove_all(item.path, ec);
    }
    if (ec) {
      out.failures.push_back(fmt::format("{}: {}", item.path, ec.message()));
      continue;
    }
    out.bytes += item.bytes;
    out.deleted.push_back(item);
    paths.push_back(item.path);
  }
  nlohmann::json data = {{"deleted", paths},
                         {"bytes", out.bytes},
                         {"keep_best", policy.keep_best},
                         {"logs_ttl_s", text::or_null(policy.logs_ttl_s)},
                         {"failed", out.failures}};
  std::string message = fmt::format(
      "gc: {} (keep_best {}{}){}", freed_text(out.bytes, out.deleted.size(), false),
      policy.keep_best,
      policy.logs_ttl_s ? fmt::format(", logs_ttl {}", duration_text(*policy.logs_ttl_s)) : "",
      out.failures.empty() ? "" : fmt::format("; {} could not be deleted", out.failures.size()));
  auto ok = study_detail::record_event(storage, record.id, std::nullopt, now, "gc",
                                       out.failures.empty() ? "info" : "warning",
                                       std::move(message), std::move(data));
  if (!ok) return tl::unexpected(ok.error());
  return out;
}

Result<std::optional<std::string>> retain_after_study(Storage& storage, const StudyRecord& record,
                                                      const std::vector<Trial>& trials,
                                                      const StudySpec& spec) {
  if (!spec.retention) return std::nullopt;
  const double now = system_clock().now();
  auto artifacts = storage.study_artifacts(record.id);
  if (!artifacts) return tl::unexpected(artifacts.error());
  RetentionPlan plan = plan_retention(record, trials, *artifacts, *spec.retention, now);
  auto done = apply_retention(storage, record, plan, *spec.retention, now);
  if (!done) return tl::unexpected(done.error());
  std::string line =
      fmt::format("retention: {}", freed_text(done->bytes, done->deleted.size(), false));
  if (!done->failures.empty()) {
    line += fmt::format("; {} could not be deleted, the first: {}", done->failures.size(),
                        done->failures.front());
  }
  return line;
}

}  // namespace greentune
