// Retention (gc): which files of finished trials go, on real files, and applying a plan on
// a real SQLite storage.
#include "study/retention.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <set>

#include "greentune/study.hpp"
#include "testing/test_helpers.hpp"

namespace greentune {
namespace {

namespace fs = std::filesystem;

constexpr double kNow = 1.8e9;
constexpr double kDay = 86400.0;

// A study's trials with the files the process executor leaves: trial-N/{stdout.log,
// stderr.log, report.jsonl, checkpoint/state}, all made on disk under a TempDir.
class RetentionTest : public ::testing::Test {
 protected:
  // Adds trial `number` in `state` with `value`, finished `age_days` before kNow.
  void add(int64_t number, TrialState state, std::optional<double> value, double age_days = 1) {
    Trial t;
    t.id = 100 + number;
    t.number = number;
    t.state = state;
    t.value = value;
    t.started = kNow - age_days * kDay - 60;
    if (is_finished(state)) t.finished = kNow - age_days * kDay;
    trials_.push_back(t);
    fs::path dir = dir_.path() / fmt::format("trial-{}", number);
    fs::create_directories(dir / "checkpoint");
    testing::write_file((dir / "stdout.log").string(), "out\n");
    testing::write_file((dir / "stderr.log").string(), "");
    testing::write_file((dir / "report.jsonl").string(), "{\"final\": {\"value\": 1}}\n");
    testing::write_file((dir / "checkpoint" / "state").string(), std::string(1000, 'x'));
    for (auto [name, file] :
         {std::pair{"stdout", "stdout.log"}, std::pair{"stderr", "stderr.log"},
          std::pair{"report", "report.jsonl"}, std::pair{"checkpoint", "checkpoint"}}) {
      artifact(number, name, (dir / file).string());
    }
  }
  void artifact(int64_t number, const std::string& name, const std::string& path) {
    Artifact a;
    a.trial_id = 100 + number;
    a.name = name;
    a.path = path;
    a.created = *trials_[static_cast<size_t>(number)].started;
    artifacts_[a.trial_id].push_back(a);
  }
  std::string file(int64_t number, const std::string& name) const {
    return (dir_.path() / fmt::format("trial-{}", number) / name).string();
  }
  RetentionPlan plan(RetentionSpec policy = {}, Direction direction = Direction::kMinimize) {
    StudyRecord record;
    record.direction = direction;
    return plan_retention(record, trials_, artifacts_, policy, kNow);
  }
  // "N:name" of each planned path.
  static std::set<std::string> planned(const RetentionPlan& p) {
    std::set<std::string> out;
    for (const auto& i : p.items) out.insert(fmt::format("{}:{}", i.trial, i.name));
    return out;
  }

  testing::TempDir dir_;
  std::vector<Trial> trials_;
  std::map<int64_t, std::vector<Artifact>> artifacts_;
};

TEST_F(RetentionTest, TheBestKeepsEverythingTheOthersLoseCheckpointsNotLogs) {
  add(0, TrialState::kComplete, 3.0);
  add(1, TrialState::kComplete, 1.0);  // the best
  add(2, TrialState::kComplete, 2.0);
  RetentionPlan p = plan();
  EXPECT_EQ(planned(p), (std::set<std::string>{"0:checkpoint", "2:checkpoint"}));
  for (const auto& i : p.items) {
    EXPECT_EQ(i.why, "not among the best 1");
    EXPECT_EQ(i.bytes, 1000);
    EXPECT_EQ(i.path, file(i.trial, "checkpoint"));
  }
  EXPECT_EQ(p.bytes, 2000);
  EXPECT_EQ(planned(plan({2, std::nullopt})), (std::set<std::string>{"0:checkpoint"}));
  EXPECT_EQ(planned(plan({0, std::nullopt})),
            (std::set<std::string>{"0:checkpoint", "1:checkpoint", "2:checkpoint"}));
}

TEST_F(RetentionTest, MaximizeKeepsTheHighestAndTiesGoToTheLowerNumber) {
  add(0, TrialState::kComplete, 1.0);
  add(1, TrialState::kComplete, 5.0);
  add(2, TrialState::kComplete, 5.0);  // ties with 1: 1 is kept
  EXPECT_EQ(planned(plan({1, std::nullopt}, Direction::kMaximize)),
            (std::set<std::string>{"0:checkpoint", "2:checkpoint"}));
  EXPECT_EQ(planned(plan({1, std::nullopt}, Direction::kMinimize)),
            (std::set<std::string>{"1:checkpoint", "2:checkpoint"}));
}

TEST_F(RetentionTest, RunningAndWaitingTrialsAreNeverTouched) {
  add(0, TrialState::kComplete, 1.0);
  add(1, TrialState::kRunning, std::nullopt, 100);
  add(2, TrialState::kWaiting, std::nullopt, 100);  // requeued: resumes from its checkpoint
  add(3, TrialState::kComplete, 2.0, 100);
  RetentionPlan p = plan({0, 0.0});
  EXPECT_EQ(planned(p),
            (std::set<std::string>{"0:checkpoint", "0:stdout", "0:stderr", "0:report",
                                   "3:checkpoint", "3:stdout", "3:stderr", "3:report"}));
}

TEST_F(RetentionTest, PrunedAndFailedTrialsAreCleanedWhateverTheirValue) {
  add(0, TrialState::kComplete, 5.0);
  add(1, TrialState::kPruned, 0.1);  // a better value, but not complete
  add(2, TrialState::kFailed, std::nullopt);
  add(3, TrialState::kComplete, std::nan(""));  // no number: never among the best
  RetentionPlan p = plan();
  EXPECT_EQ(planned(p), (std::set<std::string>{"1:checkpoint", "2:checkpoint", "3:checkpoint"}));
  for (const auto& i : p.items) {
    if (i.trial == 1) {
      EXPECT_EQ(i.why, "not among the best 1 (pruned)");
    }
    if (i.trial == 2) {
      EXPECT_EQ(i.why, "not among the best 1 (failed)");
    }
  }
}

TEST_F(RetentionTest, LogsGoOnlyOnceOlderThanTheTtl) {
  add(0, TrialState::kComplete, 1.0, 90);  // the best: keeps its logs however old
  add(1, TrialState::kComplete, 2.0, 40);
  add(2, TrialState::kPruned, 3.0, 10);
  // Without a ttl, logs are kept.
  EXPECT_EQ(planned(plan()), (std::set<std::string>{"1:checkpoint", "2:checkpoint"}));
  RetentionPlan p = plan({1, 30 * kDay});
  EXPECT_EQ(planned(p), (std::set<std::string>{"1:checkpoint", "1:stdout", "1:stderr", "1:report",
                                               "2:checkpoint"}));
  for (const auto& i : p.items) {
    if (i.name != "checkpoint") {
      EXPECT_EQ(i.why, "log older than 30d");
    }
  }
  EXPECT_EQ(p.bytes, 1000 + 1000 + 4 + 0 + 24);
  // Age runs from the trial's end, not from when its log was registered (its start).
  EXPECT_EQ(planned(plan({1, 10 * kDay})).count("2:stdout"), 1u);
  EXPECT_EQ(planned(plan({1, 10 * kDay + 30})).count("2:stdout"), 0u);
  // Stage logs are logs too.
  artifact(2, "stage-3/stdout", file(2, "stdout.log"));
  artifact(2, "stage-3/checkpoint", file(2, "checkpoint"));
  EXPECT_EQ(planned(plan({1, 30 * kDay})).count("2:stage-3/checkpoint"), 0u);  // once: 2:checkpoint
}

TEST_F(RetentionTest, MissingPathsAreSkippedSoASecondRunPlansNothing) {
  add(0, TrialState::kComplete, 1.0);
  add(1, TrialState::kComplete, 2.0);
  fs::remove(file(1, "stdout.log"));
  artifact(1, "model", (dir_.path() / "no-such-model.ubj").string());
  RetentionPlan p = plan({1, 0.0});
  EXPECT_EQ(planned(p), (std::set<std::string>{"1:checkpoint", "1:stderr", "1:report"}));
  for (const auto& i : p.items) fs::remove_all(i.path);
  EXPECT_TRUE(plan({1, 0.0}).items.empty());
}

TEST_F(RetentionTest, ALinkIsDeletedNotWhatItPointsTo) {
  add(0, TrialState::kComplete, 1.0);
  add(1, TrialState::kComplete, 2.0);
  fs::path outside = dir_.path() / "outside";
  fs::create_directories(outside);
  testing::write_file((outside / "precious").string(), "keep me");
  fs::path link = dir_.path() / "trial-1" / "model";
  fs::create_directory_symlink(outside, link);
  // A link inside a planned directory does not count what it points to either.
  fs::create_symlink(outside / "precious", fs::path(file(1, "checkpoint")) / "precious-link");
  artifact(1, "model", link.string());
  RetentionPlan p = plan();
  ASSERT_EQ(planned(p), (std::set<std::string>{"1:checkpoint", "1:model"}));
  for (const auto& i : p.items) {
    if (i.name == "model") {
      EXPECT_EQ(i.bytes, 0);
    }
    if (i.name == "checkpoint") {
      EXPECT_EQ(i.bytes, 1000);
    }
  }
  auto storage = open_storage("sqlite:///" + dir_.file("gc.db"));
  ASSERT_TRUE(storage) << storage.error().message;
  StudyRecord record = testing::unit_study_record("links");
  auto created = (*storage)->create_study(record);
  ASSERT_TRUE(created);
  auto done = apply_retention(**storage, *created, p, {}, kNow);
  ASSERT_TRUE(done) << done.error().message;
  EXPECT_TRUE(done->failures.empty());
  EXPECT_FALSE(fs::exists(fs::symlink_status(link)));
  EXPECT_FALSE(fs::exists(file(1, "checkpoint")));
  EXPECT_EQ(testing::read_file((outside / "precious").string()), "keep me");
}

TEST_F(RetentionTest, NestedAndSharedPathsArePlannedOnceAndKeptPathsWin) {
  add(0, TrialState::kComplete, 1.0);
  add(1, TrialState::kComplete, 2.0);
  // An in-process trainer's model inside the checkpoint directory: counted once.
  testing::write_file(file(1, "checkpoint/model.ubj"), std::string(500, 'm'));
  artifact(1, "model", file(1, "checkpoint/model.ubj"));
  RetentionPlan p = plan();
  EXPECT_EQ(planned(p), (std::set<std::string>{"1:checkpoint"}));
  EXPECT_EQ(p.bytes, 1500);
  // A path that a kept trial also names stays, and so does a directory holding a kept log.
  artifact(1, "shared", file(0, "checkpoint"));
  artifact(1, "rundir", (dir_.path() / "trial-1").string());
  EXPECT_EQ(planned(plan()), (std::set<std::string>{"1:checkpoint"}));
}

TEST_F(RetentionTest, ApplyDeletesRecordsOneGcEventAndThenFindsNothing) {
  auto storage = open_storage("sqlite:///" + dir_.file("gc.db"));
  ASSERT_TRUE(storage) << storage.error().message;
  auto study = Study::create(**storage, testing::unit_study_record("gc"), kNow - 10 * kDay);
  ASSERT_TRUE(study) << study.error().message;
  for (double v : {2.0, 1.0, 3.0}) {
    auto t = study->ask(kNow - 5 * kDay, "w");
    ASSERT_TRUE(t);
    ASSERT_TRUE(study->tell(t->number, TrialState::kComplete, v, kNow - 4 * kDay));
  }
  ASSERT_TRUE(study->ask(kNow - kDay, "w"));  // trial 3: still running
  auto stored = study->trials();
  ASSERT_TRUE(stored);
  for (const Trial& t : *stored) {
    fs::path dir = dir_.path() / fmt::format("trial-{}", t.number);
    fs::create_directories(dir / "checkpoint");
    testing::write_file((dir / "checkpoint" / "state").string(), std::string(100, 's'));
    testing::write_file((dir / "stdout.log").string(), "log\n");
    for (auto [name, path] :
         {std::pair{"checkpoint", dir / "checkpoint"}, std::pair{"stdout", dir / "stdout.log"}}) {
      Artifact a;
      a.trial_id = t.id;
      a.name = name;
      a.path = path.string();
      a.created = *t.started;
      ASSERT_TRUE((*storage)->add_artifact(a));
    }
  }
  auto artifacts = (*storage)->study_artifacts(study->id());
  ASSERT_TRUE(artifacts);
  RetentionSpec policy{1, 2 * kDay};
  RetentionPlan p = plan_retention(study->record(), *stored, *artifacts, policy, kNow);
  EXPECT_EQ(planned(p),
            (std::set<std::string>{"0:checkpoint", "0:stdout", "2:checkpoint", "2:stdout"}));
  auto done = apply_retention(**storage, study->record(), p, policy, kNow);
  ASSERT_TRUE(done) << done.error().message;
  EXPECT_EQ(done->deleted.size(), 4u);
  EXPECT_EQ(done->bytes, 2 * (100 + 4));
  EXPECT_TRUE(fs::exists(file(1, "checkpoint/state")));  // the best
  EXPECT_TRUE(fs::exists(file(3, "checkpoint/state")));  // running
  EXPECT_FALSE(fs::exists(file(0, "checkpoint")));
  EXPECT_FALSE(fs::exists(file(2, "stdout.log")));
  auto events = (*storage)->events(study->id());
  ASSERT_TRUE(events);
  std::vector<Event> gc;
  for (const auto& e : *events) {
    if (e.kind == "gc") gc.push_back(e);
  }
  ASSERT_EQ(gc.size(), 1u);
  EXPECT_EQ(gc[0].level, "info");
  EXPECT_EQ(gc[0].data["deleted"].size(), 4u);
  EXPECT_EQ(gc[0].data["bytes"], 208);
  EXPECT_EQ(gc[0].data["keep_best"], 1);
  EXPECT_EQ(gc[0].data["logs_ttl_s"], 2 * kDay);
  EXPECT_EQ(gc[0].message, "gc: freed 208 B in 4 paths (keep_best 1, logs_ttl 2d)");
  EXPECT_TRUE(plan_retention(study->record(), *stored, *artifacts, policy, kNow).items.empty());
}

TEST(RetentionText, DurationsAndTotals) {
  EXPECT_EQ(duration_text(30 * 86400), "30d");
  EXPECT_EQ(duration_text(5400), "1h30m");
  EXPECT_EQ(duration_text(90), "1m30s");
  EXPECT_EQ(duration_text(0), "0s");
  EXPECT_EQ(duration_text(1.5), "1.5s");
  EXPECT_EQ(freed_text(1536, 1, false), "freed 1.5 KiB in 1 path");
  EXPECT_EQ(freed_text(0, 0, true), "would free 0 B in 0 paths");
}

}  // namespace
}  // namespace greentune
