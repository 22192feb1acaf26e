// End-to-end tests of the greentune binary: real processes, a real SQLite file.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <set>
#include <thread>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "testing/test_helpers.hpp"

namespace greentune {
namespace {

using testing::CommandResult;
using testing::greentune_binary;
using testing::run_command;

class CliTest : public ::testing::Test {
 protected:
  std::string db() const { return dir_.file("study.db"); }
  std::string url() const { return "sqlite:///" + db(); }
  CommandResult gt(std::vector<std::string> args) {
    args.insert(args.begin(), greentune_binary());
    args.push_back("--storage");
    args.push_back(url());
    return run_command(args);
  }
  std::string write_study(const std::string& name, const std::string& text) {
    std::string path = dir_.file(name);
    testing::write_file(path, text);
    return path;
  }
  nlohmann::json trials_json(const std::string& study) {
    auto r = gt({"trials", "--study", study, "--json"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return nlohmann::json::parse(r.out)["trials"];
  }
  testing::TempDir dir_;
};

const char* kBranin = R"([study]
name = "b"
direction = "minimize"
target = 0.5

[budget]
max_trials = 60

[search]
sampler = "qmc"
seed = 11

[search.space]
x1 = { type = "float", low = -5.0, high = 10.0 }
x2 = { type = "float", low = 0.0, high = 15.0 }

[trial]
trainer = "function:branin"
)";

TEST_F(CliTest, TuneJsonSummaryAndEveryTrialStored) {
  auto file = write_study("b.toml", kBranin);
  auto r = gt({"tune", file, "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  for (const char* key : {"study", "direction", "metric", "n_trials", "states", "best",
                          "stopped_because"}) {
    EXPECT_TRUE(j.contains(key)) << key;
  }
  EXPECT_EQ(j["study"], "b");
  EXPECT_EQ(j["direction"], "minimize");
  EXPECT_EQ(j["metric"], "value");
  EXPECT_EQ(j["stopped_because"], "max_trials");
  EXPECT_EQ(j["n_trials"], 60);
  EXPECT_EQ(j["states"]["complete"], 60);
  auto trials = trials_json("b");
  ASSERT_EQ(trials.size(), 60u);
  double best = 1e300;
  for (size_t i = 0; i < trials.size(); ++i) {
    EXPECT_EQ(trials[i]["number"], i);
    EXPECT_EQ(trials[i]["state"], "complete");
    best = std::min(best, trials[i]["value"].get<double>());
  }
  EXPECT_EQ(j["best"]["value"].get<double>(), best);
  // The report command prints the same summary.
  auto report = gt({"report", "--study", "b", "--json"});
  ASSERT_EQ(report.exit_code, 0) << report.err;
  EXPECT_EQ(nlohmann::json::parse(report.out), j);
}

TEST_F(CliTest, TuneAgainOnAFinishedStudyChangesNothing) {
  auto file = write_study("b.toml", kBranin);
  ASSERT_EQ(gt({"tune", file, "--json"}).exit_code, 0);
  auto before = trials_json("b");
  auto again = gt({"tune", file, "--json"});
  EXPECT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.err.find("study \"b\" already finished (max_trials); nothing to do"),
            std::string::npos)
      << again.err;
  EXPECT_EQ(trials_json("b"), before);
}

TEST_F(CliTest, SameSeedSameSequenceFromTuneAndAskTell) {
  auto file = write_study("b.toml", kBranin);
  ASSERT_EQ(gt({"tune", file, "--study", "via-tune"}).exit_code, 0);
  auto tuned = trials_json("via-tune");
  std::string space =
      R"({"x1": {"type": "float", "low": -5.0, "high": 10.0}, "x2": {"type": "float", "low": 0.0, "high": 15.0}})";
  for (int i = 0; i < 5; ++i) {
    auto a = gt({"ask", "--study", "via-ask", "--space", space, "--sampler", "qmc", "--seed", "11"});
    ASSERT_EQ(a.exit_code, 0) << a.err;
    auto j = nlohmann::json::parse(a.out);
    EXPECT_EQ(j["trial"], i);
    EXPECT_EQ(j["params"], tuned[i]["params"]);
    auto t = gt({"tell", "--study", "via-ask", "--trial", std::to_string(i), "--value",
                 tuned[i]["value"].dump()});
    ASSERT_EQ(t.exit_code, 0) << t.err;
  }
}

// Two processes asking 200 times each against one SQLite study: 400 distinct numbers,
// 0..399 with no gap.
TEST_F(CliTest, TwoProcessesAskingGetDenseDistinctNumbers) {
  std::string space = R"({"x": {"type": "float", "low": 0, "high": 1}})";
  ASSERT_EQ(gt({"ask", "--study", "race", "--space", space, "--sampler", "random"}).exit_code, 0);
  std::string script = dir_.file("asker.sh");
  testing::write_file(script,
                      "for i in $(seq 200); do \"$1\" ask --study race --storage \"$2\" || exit 1;"
                      " done\n");
  std::vector<std::string> argv = {"/bin/sh", script, greentune_binary(), url()};
  CommandResult results[2];
  std::thread a([&] { results[0] = run_command(argv); });
  std::thread b([&] { results[1] = run_command(argv); });
  a.join();
  b.join();
  std::set<int64_t> numbers;
  for (const auto& r : results) {
    ASSERT_EQ(r.exit_code, 0) << r.err;
    size_t lines = 0;
    std::istringstream in(r.out);
    for (std::string line; std::getline(in, line); ++lines) {
      numbers.insert(nlohmann::json::parse(line)["trial"].get<int64_t>());
    }
    EXPECT_EQ(lines, 200u);
  }
  ASSERT_EQ(numbers.size(), 400u);
  EXPECT_EQ(*numbers.begin(), 1);
  EXPECT_EQ(*numbers.rbegin(), 400);
}

// SIGKILL in the middle of a study, then run it again: nothing finished is lost and the
// study goes on to its end.
TEST_F(CliTest, KilledStudyContinuesWithoutLosingFinishedTrials) {
  std::string text = kBranin;
  text.replace(text.find("target = 0.5"), 12, "target = -1");
  text.replace(text.find("max_trials = 60"), 15, "max_trials = 1500");
  auto file = write_study("long.toml", text);
  pid_t pid = testing::spawn_command({greentune_binary(), "tune", file, "--quiet", "--storage", url()});
  ASSERT_GT(pid, 0);
  // Wait until some trials are stored, then kill it without warning.
  size_t seen = 0;
  for (int i = 0; i < 400 && seen < 40; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
    auto r = gt({"trials", "--study", "b", "--json"});
    if (r.exit_code == 0) seen = nlohmann::json::parse(r.out)["trials"].size();
  }
  ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status)) << "the study finished before it could be killed";
  auto before = trials_json("b");
  ASSERT_GE(before.size(), 40u);
  auto r = gt({"tune", file, "--json", "--quiet"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["stopped_because"], "max_trials");
  auto after = trials_json("b");
  ASSERT_EQ(after.size(), 1500u);
  for (const auto& t : before) {
    if (t["state"] != "complete") continue;
    const auto& same = after[t["number"].get<size_t>()];
    EXPECT_EQ(same["state"], "complete");
    EXPECT_EQ(same["value"], t["value"]);
    EXPECT_EQ(same["params"], t["params"]);
  }
  for (const auto& t : after) EXPECT_EQ(t["state"], "complete") << t.dump();
}

}  // namespace
}  // namespace greentune

namespace greentune {
namespace {

// SIGTERM to `greentune tune` (a spot reclaim): the trials get SIGTERM and their grace
// period, are recorded as interrupted and resumable, and tune exits within the grace
// period plus one second.  Running it again resumes the trial from its checkpoint.
TEST_F(CliTest, SigtermForwardsToTrialsAndTheStudyResumes) {
  std::string program = dir_.file("slow_to_stop.sh");
  testing::write_file(program, R"sh(ck="$GREENTUNE_CHECKPOINT_DIR/started"
echo x >> "$ck"
if [ "$(wc -l < "$ck")" -gt 1 ]; then
  echo '{"final": {"value": 1}}' >> "$GREENTUNE_REPORT_FILE"; exit 0
fi
trap 'sleep 1; exit 0' TERM
while :; do sleep 0.05; done
)sh");
  auto file = write_study("sig.toml", R"([study]
name = "sig"
direction = "minimize"

[budget]
max_trials = 1

[search.space]
x = { type = "float", low = 0.0, high = 1.0 }

[trial]
command = ["/bin/sh", ")" + program + R"("]
grace = "3s"
)");
  std::string runs = dir_.file("runs");
  pid_t pid = testing::spawn_command(
      {greentune_binary(), "tune", file, "--quiet", "--storage", url(), "--runs-dir", runs});
  ASSERT_GT(pid, 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(700));
  auto sent = std::chrono::steady_clock::now();
  ::kill(pid, SIGTERM);
  int status = 0;
  ::waitpid(pid, &status, 0);
  double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - sent).count();
  EXPECT_TRUE(WIFEXITED(status)) << "tune died of the signal instead of handling it";
  EXPECT_EQ(WEXITSTATUS(status), 1);
  EXPECT_GE(took, 0.9);        // it waited for the trial to checkpoint (sleep 1 in its trap)
  EXPECT_LT(took, 3.0 + 1.0);  // grace + 1 s
  auto trials = trials_json("sig");
  ASSERT_EQ(trials.size(), 1u);
  EXPECT_EQ(trials[0]["state"], "waiting");
  EXPECT_NE(trials[0]["stop_reason"].get<std::string>().find("interrupted"), std::string::npos)
      << trials[0].dump();
  auto again = gt({"tune", file, "--json", "--quiet", "--runs-dir", runs});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  auto after = trials_json("sig");
  ASSERT_EQ(after.size(), 1u);  // the same trial, resumed: not a new one
  EXPECT_EQ(after[0]["state"], "complete");
  EXPECT_EQ(after[0]["params"], trials[0]["params"]);
}

}  // namespace
}  // namespace greentune

namespace greentune {
namespace {

// The README's Python example, tuned end to end: examples/sgd/study.toml as shipped.
TEST_F(CliTest, SgdExampleIsTunedToItsTarget) {
  std::string study = std::string(GREENTUNE_SOURCE_DIR) + "/examples/sgd/study.toml";
  auto r = gt({"tune", study, "--json", "--quiet", "--runs-dir", dir_.file("runs")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["stopped_because"], "target") << r.out;
  EXPECT_LE(j["best"]["value"].get<double>(), 0.08);
  auto trials = trials_json("breast-cancer-sgd");
  for (const auto& t : trials) {
    EXPECT_EQ(t["state"], "complete") << t.dump();
    EXPECT_GT(t["cpu_seconds"].get<double>(), 0.0);
    EXPECT_GT(t["intermediate"]["val_loss"].size(), 1u);  // a learning curve
  }
}

}  // namespace
}  // namespace greentune

namespace greentune {
namespace {

// A study created anew (its database deleted) with the name of an old one does not
// resume the old study's checkpoints; the old files are kept under another name.
TEST_F(CliTest, ANewStudyDoesNotResumeAnOldStudysCheckpoints) {
  std::string script = dir_.file("ckpt.sh");
  testing::write_file(script,
                      "if [ -f \"$GREENTUNE_CHECKPOINT_DIR/state\" ]; then echo resumed; fi\n"
                      "echo saved > \"$GREENTUNE_CHECKPOINT_DIR/state\"\n"
                      "echo '{\"final\": {\"value\": 1}}' >> \"$GREENTUNE_REPORT_FILE\"\n");
  auto file = write_study("c.toml", fmt::format(R"([study]
name = "ckpt"
direction = "minimize"

[budget]
max_trials = 1

[search.space]
x = {{ type = "float", low = 0.0, high = 1.0 }}

[trial]
command = ["/bin/sh", "{}"]
)",
                                                 script));
  std::string runs = dir_.file("runs");
  ASSERT_EQ(gt({"tune", file, "--quiet", "--runs-dir", runs}).exit_code, 0);
  for (const char* suffix : {"", "-wal", "-shm"}) std::remove((db() + suffix).c_str());
  auto r = gt({"tune", file, "--quiet", "--runs-dir", runs});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("held the files of an earlier study named \"ckpt\""), std::string::npos)
      << r.err;
  EXPECT_EQ(testing::read_file(runs + "/ckpt/trial-0/stdout.log"), "");  // not "resumed"
  EXPECT_EQ(testing::read_file(runs + "/ckpt.old-1/trial-0/checkpoint/state"), "saved\n");
}

}  // namespace
}  // namespace greentune

namespace greentune {
namespace {

// examples/sgd/early_stopping.toml as shipped: the median pruner stops some trials, each
// with its reason and before its last epoch, and the summary counts what that saved.
TEST_F(CliTest, EarlyStoppingExamplePrunesAndCountsTheSavings) {
  std::string study = std::string(GREENTUNE_SOURCE_DIR) + "/examples/sgd/early_stopping.toml";
  auto r = gt({"tune", study, "--json", "--quiet", "--runs-dir", dir_.file("runs")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["stopped_because"], "target") << r.out;
  int pruned = 0;
  for (const auto& t : trials_json("breast-cancer-sgd-pruned")) {
    if (t["state"] != "pruned") {
      EXPECT_EQ(t["state"], "complete") << t.dump();
      continue;
    }
    ++pruned;
    EXPECT_NE(t["stop_reason"].get<std::string>().find("pruner:median"), std::string::npos)
        << t.dump();
    EXPECT_LT(t["intermediate"]["val_loss"].back()[0].get<int>(), 30) << t.dump();
  }
  EXPECT_GE(pruned, 1);
  EXPECT_EQ(j["saved"]["trials_stopped_early"], pruned) << j["saved"].dump();
  EXPECT_GT(j["saved"]["kwh"].get<double>(), 0.0);
}

// Pruning with several trials at once: every decision compares with the complete trials
// of that moment; the study runs to its budget with some trials pruned and none failed.
TEST_F(CliTest, PrunersWorkWithConcurrentTrials) {
  std::string sgd = std::string(GREENTUNE_SOURCE_DIR) + "/examples/sgd";
  auto file = write_study("c.toml", fmt::format(R"([study]
name = "conc"
direction = "minimize"
metric = "val_loss"

[budget]
max_trials = 16
concurrency = 3

[search]
sampler = "random"
seed = 5

[search.space]
lr = {{ type = "float", low = 1e-4, high = 1.0, log = true }}
l2 = {{ type = "float", low = 1e-6, high = 1e-1, log = true }}

[pruner]
kind = "asha"
min_resource = 2
reduction_factor = 2

[trial]
command = ["python3", "train_sgd.py", "--lr", "{{lr}}", "--l2", "{{l2}}", "--epochs", "16",
           "--epoch-delay", "0.02"]
cwd = "{}"
max_steps = 16
)",
                                                 sgd));
  auto r = gt({"tune", file, "--json", "--quiet", "--runs-dir", dir_.file("runs")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["n_trials"], 16);
  EXPECT_EQ(j["states"]["failed"], 0) << r.out;
  EXPECT_GE(j["states"]["pruned"].get<int>(), 1) << r.out;
  EXPECT_GE(j["states"]["complete"].get<int>(), 1) << r.out;
  for (const auto& t : trials_json("conc")) {
    if (t["state"] != "pruned") continue;
    // ASHA stops at a rung (2, 4, 8) or soon after, never at the last epoch.
    EXPECT_LT(t["intermediate"]["val_loss"].back()[0].get<int>(), 16) << t.dump();
    EXPECT_NE(t["stop_reason"].get<std::string>().find("pruner:asha"), std::string::npos);
  }
}

}  // namespace
}  // namespace greentune
