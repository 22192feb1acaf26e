// The stages of a staged trial in the process executor ([pruner] resource =
// "data_fraction"): real child processes (and one fake launch), each stage in its own
// trial-N/stage-U/ with its own checkpoint, and the share of the data given as the param
// data_fraction.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <thread>

#include "exec/fake_process.hpp"
#include "greentune/process_executor.hpp"
#include "greentune/storage.hpp"
#include "greentune/study.hpp"
#include "testing/test_helpers.hpp"

namespace greentune {
namespace {

namespace fs = std::filesystem;

// Keeps the artifacts a run names; reports nothing else.
struct Recorder : TrialReporter {
  Status report(int64_t, const std::map<std::string, double>&) override { return {}; }
  bool should_stop() override { return false; }
  Status artifact(const std::string& name, const std::string& path) override {
    artifacts[name] = path;
    return {};
  }
  std::map<std::string, std::string> artifacts;
};

class StageExecutorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    storage_ = std::move(*open_storage("memory:"));
    StudyRecord r = testing::unit_study_record("p");
    study_.emplace(std::move(*Study::create(*storage_, r, 0.0)));
  }
  std::unique_ptr<Executor> executor(const std::string& script,
                                     std::vector<std::string> args = {}) {
    std::string path = dir_.file("script.sh");
    testing::write_file(path, script);
    ProcessExecutorOptions o;
    o.study = "p";
    o.command = {"/bin/sh", path};
    o.command.insert(o.command.end(), args.begin(), args.end());
    o.runs_dir = dir_.file("runs");
    o.grace_s = 1.0;
    auto made = make_process_executor(o);
    EXPECT_TRUE(made) << made.error().message;
    return std::move(*made);
  }
  static TrialOutcome wait(RunningTrial& run) {
    for (;;) {
      auto outcome = run.poll();
      EXPECT_TRUE(outcome) << outcome.error().message;
      if (!outcome || *outcome) return outcome ? **outcome : TrialOutcome{};
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  std::string stage_dir(int64_t trial, int64_t units) const {
    return dir_.file(fmt::format("runs/p/trial-{}/stage-{}", trial, units));
  }

  std::unique_ptr<Storage> storage_;
  std::optional<Study> study_;
  testing::TempDir dir_;
};

TEST_F(StageExecutorTest, EachStageRunsInItsOwnDirectoryWithItsDataFraction) {
  // Says what it got, and whether its checkpoint directory held a fit already.
  auto exec = executor(
      "ck=\"$GREENTUNE_CHECKPOINT_DIR/fit\"\n"
      "[ -e \"$ck\" ] && echo \"found $(cat \"$ck\")\"\n"
      "echo \"arg $1 env $GREENTUNE_PARAM_DATA_FRACTION\"\n"
      "echo \"$GREENTUNE_PARAMS\"\n"
      "echo \"$1\" > \"$ck\"\n",
      {"{data_fraction}"});
  auto trial = study_->ask(0.0, "w");
  ASSERT_TRUE(trial);
  for (int64_t units : {3, 9}) {
    Recorder recorder;
    auto run = exec->start_stage(*trial, TrialStage{units, 27}, recorder);
    ASSERT_TRUE(run) << run.error().message;
    EXPECT_EQ(wait(**run).state, TrialState::kComplete);
    const std::string fraction = units == 3 ? "0.1111111111111111" : "0.3333333333333333";
    std::string out = testing::read_file(stage_dir(0, units) + "/stdout.log");
    // A new stage starts with an empty checkpoint directory: no "found".
    EXPECT_EQ(out.substr(0, out.find('\n')), fmt::format("arg {} env {}", fraction, fraction));
    auto params = nlohmann::json::parse(out.substr(out.find('\n') + 1));
    EXPECT_DOUBLE_EQ(params["data_fraction"].get<double>(), static_cast<double>(units) / 27);
    EXPECT_TRUE(params.contains("x"));
    EXPECT_EQ(recorder.artifacts[fmt::format("stage-{}/checkpoint", units)],
              stage_dir(0, units) + "/checkpoint");
    EXPECT_EQ(recorder.artifacts.count("stdout"), 0U);
  }
  // Stage 9 run again (after an interrupt) finds its own checkpoint; its first run's logs
  // are kept aside.
  Recorder recorder;
  auto again = exec->start_stage(*trial, TrialStage{9, 27}, recorder);
  ASSERT_TRUE(again);
  wait(**again);
  std::string out = testing::read_file(stage_dir(0, 9) + "/stdout.log");
  EXPECT_EQ(out.substr(0, out.find('\n')), "found 0.3333333333333333");
  EXPECT_TRUE(fs::exists(stage_dir(0, 9) + "/attempt-1/stdout.log"));
  EXPECT_EQ(testing::read_file(stage_dir(0, 3) + "/checkpoint/fit"), "0.1111111111111111\n");
}

TEST_F(StageExecutorTest, TheOrphanOfAStageIsEndedBeforeItsTrialRunsAgain) {
  auto exec = executor("trap '' TERM; sleep 100");
  std::vector<Trial> trials;
  for (int i = 0; i < 11; ++i) trials.push_back(*study_->ask(0.0, "w"));
  Recorder recorder;
  auto run = exec->start_stage(trials[10], TrialStage{1, 27}, recorder);
  ASSERT_TRUE(run);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(exec->clean_up_stale(trials[1]), 0);  // trial-1/ is not trial-10/
  EXPECT_EQ(exec->clean_up_stale(trials[10]), 1);
  TrialOutcome outcome = wait(**run);
  EXPECT_NE(outcome.message.find("signal 9"), std::string::npos) << outcome.message;
}

// The launch of a stage as the program would see it, on a fake process: its directory in
// every path, and its share of the data in argv, GREENTUNE_PARAMS and its own variable.
TEST_F(StageExecutorTest, AStageIsLaunchedWithItsDirectoryAndItsDataFraction) {
  testing::FakeClock clock;
  exec::FakeProcessLauncher launcher(clock, exec::FakeProgram().exit(0));
  auto exec = make_process_executor({.study = "p",
                                     .command = {"fit", "--fraction={data_fraction}"},
                                     .runs_dir = dir_.file("runs"),
                                     .clock = &clock,
                                     .launcher = &launcher});
  ASSERT_TRUE(exec) << exec.error().message;
  auto trial = study_->ask(0.0, "w");
  ASSERT_TRUE(trial);
  Recorder recorder;
  auto run = (*exec)->start_stage(*trial, TrialStage{3, 27}, recorder);
  ASSERT_TRUE(run) << run.error().message;
  EXPECT_EQ(wait(**run).state, TrialState::kComplete);
  ASSERT_EQ(launcher.launches().size(), 1u);
  const exec::LaunchSpec& spec = launcher.launches()[0].spec;
  const std::string dir = stage_dir(0, 3);
  EXPECT_EQ(spec.argv, (std::vector<std::string>{"fit", "--fraction=0.1111111111111111"}));
  EXPECT_EQ(spec.env.at("GREENTUNE_PARAM_DATA_FRACTION"), "0.1111111111111111");
  auto params = nlohmann::json::parse(spec.env.at("GREENTUNE_PARAMS"));
  EXPECT_DOUBLE_EQ(params["data_fraction"].get<double>(), 3.0 / 27);
  EXPECT_EQ(params["x"].get<double>(), std::get<double>(trial->params.at("x")));
  EXPECT_EQ(spec.env.at("GREENTUNE_TRIAL"), "0");
  EXPECT_EQ(spec.env.at("GREENTUNE_REPORT_FILE"), dir + "/report.jsonl");
  EXPECT_EQ(spec.env.at("GREENTUNE_CHECKPOINT_DIR"), dir + "/checkpoint");
  EXPECT_EQ(spec.stdout_path, dir + "/stdout.log");
  EXPECT_EQ(spec.stderr_path, dir + "/stderr.log");
  EXPECT_TRUE(fs::is_directory(dir + "/checkpoint"));
  EXPECT_EQ(recorder.artifacts,
            (std::map<std::string, std::string>{{"stage-3/stdout", dir + "/stdout.log"},
                                                {"stage-3/stderr", dir + "/stderr.log"},
                                                {"stage-3/report", dir + "/report.jsonl"},
                                                {"stage-3/checkpoint", dir + "/checkpoint"}}));
}

}  // namespace
}  // namespace greentune
