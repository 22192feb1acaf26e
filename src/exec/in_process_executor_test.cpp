// The in-process executor: each trial (and each stage) gets its own checkpoint directory,
// the same one when it runs again, and trainers that keep nothing get none.
#include <gtest/gtest.h>

#include <filesystem>

#include "greentune/executor.hpp"
#include "greentune/space.hpp"
#include "testing/test_helpers.hpp"

namespace greentune {
namespace {

namespace fs = std::filesystem;

// Records what each run was given.
class RecordingTrainer : public Trainer {
 public:
  explicit RecordingTrainer(bool keeps) : keeps_(keeps) {}
  Result<TrialOutcome> run(const TrainerRun& run, TrialReporter&) override {
    dirs.push_back(run.checkpoint_dir);
    trials.push_back(run.trial);
    auto f = run.params.find(kDataFractionParam);
    fractions.push_back(f == run.params.end() ? 1.0 : std::get<double>(f->second));
    return TrialOutcome{TrialState::kComplete, {{"loss", 1.0}}, "", false};
  }
  bool keeps_checkpoints() const override { return keeps_; }
  std::vector<std::string> dirs;
  std::vector<int64_t> trials;
  std::vector<double> fractions;

 private:
  bool keeps_;
};

struct ArtifactReporter : TrialReporter {
  Status report(int64_t, const std::map<std::string, double>&) override { return {}; }
  bool should_stop() override { return false; }
  Status artifact(const std::string& name, const std::string& path) override {
    artifacts.emplace_back(name, path);
    return {};
  }
  std::vector<std::pair<std::string, std::string>> artifacts;
};

Trial trial_number(int64_t n) {
  Trial t;
  t.number = n;
  t.params = {{"x", 0.5}};
  return t;
}

TEST(InProcessExecutor, EachTrialAndStageGetsItsOwnCheckpointDirectory) {
  testing::TempDir dir;
  SearchSpace space;
  RecordingTrainer trainer(true);
  auto exec = make_in_process_executor(trainer, space, {"s", dir.file("runs")});
  ArtifactReporter reporter;
  ASSERT_TRUE(exec->start(trial_number(3), reporter));
  ASSERT_TRUE(exec->start(trial_number(3), reporter));  // run again: the same directory
  ASSERT_TRUE(exec->start_stage(trial_number(4), TrialStage{3, 27}, reporter));
  std::string t3 = (fs::absolute(dir.file("runs")) / "s/trial-3/checkpoint").string();
  std::string s3 = (fs::absolute(dir.file("runs")) / "s/trial-4/stage-3/checkpoint").string();
  EXPECT_EQ(trainer.dirs, (std::vector<std::string>{t3, t3, s3}));
  EXPECT_EQ(trainer.trials, (std::vector<int64_t>{3, 3, 4}));
  EXPECT_DOUBLE_EQ(trainer.fractions[2], 3.0 / 27.0);
  EXPECT_TRUE(fs::is_directory(t3));
  EXPECT_TRUE(fs::is_directory(s3));
  ASSERT_EQ(reporter.artifacts.size(), 3U);
  EXPECT_EQ(reporter.artifacts[0], (std::pair<std::string, std::string>{"checkpoint", t3}));
  EXPECT_EQ(reporter.artifacts[2].first, "stage-3/checkpoint");
}

TEST(InProcessExecutor, NoRunsDirOrNothingToKeepMeansNoDirectory) {
  testing::TempDir dir;
  SearchSpace space;
  RecordingTrainer keeps(true);
  ArtifactReporter reporter;
  ASSERT_TRUE(make_in_process_executor(keeps, space)->start(trial_number(0), reporter));
  RecordingTrainer stateless(false);
  ASSERT_TRUE(make_in_process_executor(stateless, space, {"s", dir.file("runs")})
                  ->start(trial_number(0), reporter));
  EXPECT_EQ(keeps.dirs, std::vector<std::string>{""});
  EXPECT_EQ(stateless.dirs, std::vector<std::string>{""});
  EXPECT_FALSE(fs::exists(dir.file("runs")));
  EXPECT_TRUE(reporter.artifacts.empty());
}

}  // namespace
}  // namespace greentune
