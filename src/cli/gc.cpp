// greentune gc --study NAME [--keep-best K] [--logs-ttl 30d] [--dry-run]: delete the files
// of finished trials that are not among the best (study/retention.hpp).
#include <fmt/format.h>

#include <cstdio>
#include <optional>

#include "cli/commands.hpp"
#include "cli/study_view.hpp"
#include "config/duration.hpp"
#include "config/spec_json.hpp"
#include "greentune/clock.hpp"
#include "greentune/summary.hpp"
#include "study/retention.hpp"

namespace greentune::cli {
namespace {

struct GcArgs : StudyArgs {
  std::optional<int64_t> keep_best;
  std::string logs_ttl;
  bool dry_run = false;
};

// The flags (`logs_ttl_s`: --logs-ttl parsed) over the study file's [retention] (as stored
// with the study) over the defaults: keep the best 1, keep logs.
RetentionSpec policy_of(const GcArgs& args, std::optional<double> logs_ttl_s,
                        const StudyRecord& record) {
  RetentionSpec policy;
  if (!record.spec.empty()) {
    if (auto spec = study_spec_from_json(record.spec); spec && spec->retention) {
      policy = *spec->retention;
    }
  }
  if (args.keep_best) policy.keep_best = *args.keep_best;
  if (logs_ttl_s) policy.logs_ttl_s = logs_ttl_s;
  return policy;
}

nlohmann::json items_json(const std::vector<RetentionItem>& items) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& i : items) {
    list.push_back({{"trial", i.trial},
                    {"name", i.name},
                    {"path", i.path},
                    {"bytes", i.bytes},
                    {"why", i.why}});
  }
  return list;
}

void print_result(const GcArgs& args, const std::vector<RetentionItem>& items, int64_t bytes,
                  const std::vector<std::string>& failures) {
  if (args.common.json) {
    fmt::print("{}\n", nlohmann::json{{"dry_run", args.dry_run},
                                      {"deleted", items_json(items)},
                                      {"bytes", bytes},
                                      {"failed", failures}}
                           .dump());
    return;
  }
  for (const auto& i : items) {
    fmt::print("{}  trial {}  {}  {}  ({}): {}\n", args.dry_run ? "would delete" : "deleted",
               i.trial, i.name, i.path, human_bytes(i.bytes), i.why);
  }
  fmt::print("{}\n", freed_text(bytes, items.size(), args.dry_run));
}

int run_gc(const GcArgs& args) {
  // Bad flags are refused before storage is opened.
  if (args.keep_best && *args.keep_best < 0) {
    return fail(Error{ErrorCode::kInvalidArgument,
                      fmt::format("--keep-best: {} is out of range; accepted: an integer >= 0 "
                                  "(0: no trial keeps its checkpoints)",
                                  *args.keep_best)});
  }
  std::optional<double> logs_ttl_s;
  if (!args.logs_ttl.empty()) {
    auto ttl = parse_duration(args.logs_ttl);
    if (!ttl) {
      return fail(
          Error{ErrorCode::kInvalidArgument, fmt::format("--logs-ttl: {}", ttl.error().message)});
    }
    logs_ttl_s = *ttl;
  }
  return with_study(
      args, [&](Storage& storage, const Study& study, const std::vector<Trial>& trials) {
        const RetentionSpec policy = policy_of(args, logs_ttl_s, study.record());
        auto artifacts = storage.study_artifacts(study.id());
        if (!artifacts) return fail(artifacts.error());
        const double now = system_clock().now();
        RetentionPlan plan = plan_retention(study.record(), trials, *artifacts, policy, now);
        if (args.dry_run) {
          print_result(args, plan.items, plan.bytes, {});
          return 0;
        }
        auto done = apply_retention(storage, study.record(), plan, policy, now);
        if (!done) return fail(done.error());
        print_result(args, done->deleted, done->bytes, done->failures);
        for (const auto& f : done->failures) {
          fmt::print(stderr, "greentune: error: cannot delete {}\n", f);
        }
        return done->failures.empty() ? 0 : 1;
      });
}

}  // namespace

Runner setup_gc(CLI::App& sub) {
  auto args = std::make_shared<GcArgs>();
  add_study_options(sub, *args);
  sub.add_option("--keep-best", args->keep_best,
                 "the best K complete trials keep every file (default: [retention] keep_best, "
                 "else 1)");
  sub.add_option("--logs-ttl", args->logs_ttl,
                 "also delete the logs (stdout, stderr, report) of the other finished trials "
                 "once this old, e.g. \"30d\" (default: [retention] logs_ttl, else keep them)");
  sub.add_flag("--dry-run", args->dry_run, "list what would be deleted; delete nothing");
  return [args] { return run_gc(*args); };
}

}  // namespace greentune::cli
