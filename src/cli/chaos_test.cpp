// The chaos test: a study of 30 checkpointing trials whose orchestrator is SIGKILLed at
// 5 random moments and started again each time.  It must end with exactly 30 finished
// trials, no finished trial lost, and no trial run again from scratch once it had a
// checkpoint.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <map>
#include <random>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "testing/test_helpers.hpp"

namespace greentune {
namespace {

using testing::greentune_binary;
using testing::run_command;

class ChaosTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string src = GREENTUNE_SOURCE_DIR;
    testing::write_file(file_, R"([study]
name = "chaos"
direction = "minimize"
metric = "loss"

[budget]
max_trials = 30
concurrency = 2

[search]
sampler = "random"
seed = 5

[search.space]
x = { type = "float", low = 0.0, high = 1.0 }

[trial]
command = ["python3", ")" + src + R"(/src/cli/testdata/checkpointing_trial.py"]
env = { PYTHONPATH = ")" + src + R"(/clients/python" }
grace = "2s"
)");
  }
  std::vector<std::string> tune_argv() const {
    return {greentune_binary(), "tune", file_, "--quiet", "--storage", "sqlite:///" + db_,
            "--runs-dir", runs_};
  }
  // Trials as stored: number -> (state, value as JSON).
  std::map<int64_t, std::pair<std::string, nlohmann::json>> stored() {
    auto r = run_command({greentune_binary(), "trials", "--study", "chaos", "--json",
                          "--storage", "sqlite:///" + db_});
    std::map<int64_t, std::pair<std::string, nlohmann::json>> out;
    if (r.exit_code != 0) return out;  // not created yet
    const nlohmann::json trials = nlohmann::json::parse(r.out)["trials"];
    for (const auto& t : trials) {
      out[t["number"].get<int64_t>()] = {t["state"].get<std::string>(), t["value"]};
    }
    return out;
  }

  testing::TempDir dir_;
  std::string file_ = dir_.file("chaos.toml");
  std::string db_ = dir_.file("chaos.db");
  std::string runs_ = dir_.file("runs");
};

TEST_F(ChaosTest, FiveKillsLoseNothingAndNeverRestartFromScratch) {
  std::mt19937 rng(20261127);
  std::uniform_int_distribution<int> delay_ms(400, 2500);
  std::map<int64_t, nlohmann::json> finished_before;
  int kills = 0;
  for (int round = 0; round < 5; ++round) {
    pid_t pid = testing::spawn_command(tune_argv());
    ASSERT_GT(pid, 0);
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms(rng)));
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
    kills += WIFSIGNALED(status) ? 1 : 0;
    // Whatever had finished before this kill must still be there, unchanged.
    auto now = stored();
    for (const auto& [number, value] : finished_before) {
      ASSERT_TRUE(now.count(number));
      EXPECT_EQ(now[number].first, "complete") << "trial " << number;
      EXPECT_EQ(now[number].second, value) << "trial " << number;
    }
    for (const auto& [number, t] : now) {
      if (t.first == "complete") finished_before[number] = t.second;
    }
  }
  EXPECT_EQ(kills, 5) << "the study ended before all five kills";
  auto last = run_command(tune_argv());
  ASSERT_EQ(last.exit_code, 0) << last.err;
  auto end = stored();
  ASSERT_EQ(end.size(), 30u);
  for (const auto& [number, t] : end) EXPECT_EQ(t.first, "complete") << "trial " << number;
  for (const auto& [number, value] : finished_before) EXPECT_EQ(end[number].second, value);
  // Every start of every trial resumed from at least the epoch of the one before: a
  // checkpoint, once written, was never thrown away.
  int resumed = 0;
  for (int n = 0; n < 30; ++n) {
    std::istringstream starts(testing::read_file(runs_ + "/chaos/trial-" + std::to_string(n) +
                                                 "/checkpoint/starts.log"));
    int previous = -1;
    int count = 0;
    for (int epoch; starts >> epoch; ++count) {
      EXPECT_GE(epoch, previous) << "trial " << n << " started from scratch after a checkpoint";
      resumed += epoch > 0;
      previous = epoch;
    }
    EXPECT_GE(count, 1) << "trial " << n;
  }
  EXPECT_GT(resumed, 0) << "no kill landed while a trial had a checkpoint: the test proved little";
}

}  // namespace
}  // namespace greentune
