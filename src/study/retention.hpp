// Retention: which files of a study's finished trials to delete (`greentune gc`, and `tune`
// when a study with [retention] ends), and deleting them.
//
// The best K COMPLETE trials keep everything; RUNNING and WAITING trials are never touched
// (a waiting trial may resume from its checkpoint).  Every other finished trial (COMPLETE
// not among the best K, PRUNED, FAILED) loses its checkpoints and artifacts; its logs
// (stdout, stderr, report) go only once older than logs_ttl, and stay without one.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "greentune/config.hpp"
#include "greentune/result.hpp"
#include "greentune/storage.hpp"
#include "greentune/trial.hpp"

namespace greentune {

// One path to delete.
struct RetentionItem {
  int64_t trial = -1;  // the trial's number
  std::string name;    // the artifact's name: "checkpoint", "stage-2/stdout", "model", ...
  std::string path;
  int64_t bytes = 0;  // what deleting it frees (report's bytes_under; 0 for a link)
  std::string why;    // "not among the best 1", "log older than 30d"
};

struct RetentionPlan {
  std::vector<RetentionItem> items;  // by trial number, then in the order stored
  int64_t bytes = 0;
};

// What to delete of the trials' artifacts (Storage::study_artifacts: by trial id) under
// `policy` at `now`, best by record.direction (ties: the lower number).  Reads what exists
// on disk and nothing else; deletes nothing.  A path is planned once, and not at all when
// it is gone (so a second gc plans nothing), is neither a regular file, a directory nor a
// link, is inside another planned path, or is (or holds) a path that is kept.  A log's age
// runs from the later of its artifact's `created` and its trial's end.
RetentionPlan plan_retention(const StudyRecord& record, const std::vector<Trial>& trials,
                             const std::map<int64_t, std::vector<Artifact>>& artifacts,
                             const RetentionSpec& policy, double now);

struct RetentionOutcome {
  std::vector<RetentionItem> deleted;
  int64_t bytes = 0;                  // freed
  std::vector<std::string> failures;  // "PATH: why" for each path that could not be deleted
};

// Deletes the plan's paths (a link itself, never what it points to; a directory with all
// it holds) and stores one event "gc" (data: "deleted" paths, "bytes", "keep_best",
// "logs_ttl_s", "failed"), level "warning" when some path could not be deleted.  Paths gone
// since the plan are skipped.  Errors are storage errors only.
Result<RetentionOutcome> apply_retention(Storage& storage, const StudyRecord& record,
                                         const RetentionPlan& plan, const RetentionSpec& policy,
                                         double now);

// After a study ended by a completion criterion: spec.retention planned and applied to
// the stored trials, now (system_clock()).  The line for people ("retention: freed 1.2
// MiB in 3 paths"), or nullopt when the study file has no [retention].
Result<std::optional<std::string>> retain_after_study(Storage& storage, const StudyRecord& record,
                                                      const std::vector<Trial>& trials,
                                                      const StudySpec& spec);

// "freed 12.3 MiB in 7 paths" ("would free ..." for a dry run; "1 path").
std::string freed_text(int64_t bytes, size_t paths, bool dry_run);

// Seconds as a duration in the study file's units: 2592000 -> "30d", 5400 -> "1h30m".
std::string duration_text(double seconds);

}  // namespace greentune
