// The process executor's own logic, driven by the real orchestrator on fake processes
// (exec/fake_process.hpp) and a fake clock: timeouts, the grace period, interrupts,
// concurrency, reports and stdout metrics, samples, and the launch spec of the trial
// protocol.  Nothing runs and nothing sleeps; times are the clock's.
#include <gtest/gtest.h>

#include <csignal>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "exec/fake_process.hpp"
#include "exec/process_executor_fixture.hpp"
#include "greentune/process_executor.hpp"
#include "testing/test_helpers.hpp"

namespace greentune {
namespace {

using exec::FakeLaunch;
using exec::FakeProcessLauncher;
using exec::FakeProgram;

// One poll of the orchestrator (the fixture's poll interval) and a little rounding.
constexpr double kPoll = 0.01 + 1e-6;

const char* const kFinal = R"({"final": {"loss": 1}})";

TEST_F(ProcessExecutorTest, HangingProgramTimesOut) {
  FakeProcessLauncher launcher(clock_, FakeProgram());  // runs until SIGTERM ends it
  ProcessExecutorOptions o;
  o.timeout_s = 0.5;
  o.grace_s = 0.5;
  double start = clock_.monotonic();
  auto r = run_fake(launcher, 1, o);
  ASSERT_TRUE(r) << r.error().message;
  double took = clock_.monotonic() - start;
  EXPECT_LT(took, 3.0);
  EXPECT_EQ(trial(0).state, TrialState::kFailed);
  auto failed = events_of(trial(0), "trial_failed");
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_NE(failed[0].message.find("timed out after"), std::string::npos) << failed[0].message;
  // SIGTERM at the timeout ended it: no SIGKILL, no wait for the grace period.
  const FakeLaunch& launch = launcher.launches().at(0);
  ASSERT_TRUE(launch.stopped_at && launch.ended_at);
  EXPECT_GE(*launch.stopped_at - launch.launched_at, 0.5);
  EXPECT_LT(*launch.stopped_at - launch.launched_at, 0.5 + kPoll);
  EXPECT_EQ(launch.grace_s, 0.5);
  EXPECT_EQ(launch.exit->signal, SIGTERM);
  EXPECT_LT(*launch.ended_at - *launch.stopped_at, 0.5);
}

TEST_F(ProcessExecutorTest, AProgramIgnoringSigtermIsKilledWhenTheGraceIsOver) {
  FakeProcessLauncher launcher(clock_, FakeProgram().ignore_sigterm());
  ProcessExecutorOptions o;
  o.timeout_s = 2.0;
  o.grace_s = 3.0;
  auto r = run_fake(launcher, 1, o);
  ASSERT_TRUE(r) << r.error().message;
  const FakeLaunch& launch = launcher.launches().at(0);
  ASSERT_TRUE(launch.stopped_at && launch.ended_at);
  EXPECT_GE(*launch.stopped_at - launch.launched_at, 2.0);
  EXPECT_LT(*launch.stopped_at - launch.launched_at, 2.0 + kPoll);
  EXPECT_GE(*launch.ended_at - *launch.stopped_at, 3.0);  // the whole grace period
  EXPECT_LT(*launch.ended_at - *launch.stopped_at, 3.0 + kPoll);
  EXPECT_EQ(launch.exit->signal, SIGKILL);
  EXPECT_EQ(trial(0).state, TrialState::kFailed);
  auto failed = events_of(trial(0), "trial_failed");
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0].message, "trial 0 failed: timed out after 2 s (timeout = 2 s)");
  auto usage = events_of(trial(0), "trial_usage");
  ASSERT_EQ(usage.size(), 1u);
  EXPECT_TRUE(usage[0].message.starts_with("trial 0: killed by signal 9 (Killed); "))
      << usage[0].message;
}

TEST_F(ProcessExecutorTest, InterruptStopsRunningTrialsAndQueuesThemToResume) {
  FakeProcessLauncher launcher(
      clock_, FakeProgram().exit_on_sigterm(0).at(0.3).call([this] { interrupted_.store(true); }));
  double start = clock_.monotonic();
  auto r = run_fake(launcher);
  ASSERT_TRUE(r) << r.error().message;
  double took = clock_.monotonic() - start;
  EXPECT_LT(took, 2.0);
  EXPECT_FALSE(r->reason);
  EXPECT_EQ(r->interrupted_trials, 1);
  EXPECT_EQ(trial(0).state, TrialState::kWaiting);
  // Stopped at the poll after the interrupt, with its grace period.
  const FakeLaunch& launch = launcher.launches().at(0);
  ASSERT_TRUE(launch.stopped_at);
  EXPECT_GE(*launch.stopped_at - launch.launched_at, 0.3);
  EXPECT_LT(*launch.stopped_at - launch.launched_at, 0.3 + 2 * kPoll);
  EXPECT_EQ(launch.grace_s, 1.0);
}

TEST_F(ProcessExecutorTest, AResumedTrialKeepsTheLogsOfItsEarlierAttempt) {
  // First attempt: interrupted after it wrote a line and a report.
  FakeProcessLauncher launcher(clock_, [this](const exec::LaunchSpec&, int n) {
    if (n > 0) {
      return FakeProgram()
          .print("second")
          .report(R"({"step": 2, "metrics": {"loss": 0.5}})")
          .exit(0);
    }
    return FakeProgram()
        .exit_on_sigterm(0)
        .print("first")
        .print_error("oops")
        .report(R"({"step": 1, "metrics": {"loss": 0.9}})")
        .at(0.4)
        .call([this] { interrupted_.store(true); });
  });
  auto r = run_fake(launcher);
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(trial(0).state, TrialState::kWaiting);
  interrupted_.store(false);
  r = run_fake(launcher);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(trial(0).state, TrialState::kComplete);
  EXPECT_EQ(testing::read_file(run_file(0, "stdout.log")), "second\n");
  EXPECT_EQ(testing::read_file(run_file(0, "attempt-1/stdout.log")), "first\n");
  EXPECT_TRUE(testing::read_file(run_file(0, "attempt-1/stderr.log")).starts_with("oops\n"));
  EXPECT_NE(testing::read_file(run_file(0, "attempt-1/report.jsonl")).find("0.9"),
            std::string::npos);
  // Both attempts were given the same checkpoint directory (the resume's point).
  ASSERT_EQ(launcher.launches().size(), 2u);
  EXPECT_EQ(launcher.launches()[1].spec.env.at("GREENTUNE_CHECKPOINT_DIR"),
            launcher.launches()[0].spec.env.at("GREENTUNE_CHECKPOINT_DIR"));
}

TEST_F(ProcessExecutorTest, ConcurrentTrialsRunAtOnce) {
  FakeProcessLauncher launcher(clock_, FakeProgram().at(0.5).report(kFinal).exit(0));
  TuneOptions t;
  t.concurrency = 4;
  double start = clock_.monotonic();
  auto r = run_fake(launcher, 8, {}, t);
  ASSERT_TRUE(r) << r.error().message;
  double took = clock_.monotonic() - start;
  EXPECT_EQ(r->trials_run, 8);
  EXPECT_LT(took, 2.5);  // two waves of four, not eight in a row (4 s)
  EXPECT_EQ(launcher.most_running(), 4);
  ASSERT_EQ(launcher.launches().size(), 8u);
  for (size_t i = 0; i < 8; ++i) {
    // The first four at once; the next four as soon as those ended.
    double at = launcher.launches()[i].launched_at - start;
    if (i < 4) {
      EXPECT_EQ(at, 0.0) << i;
    } else {
      EXPECT_GE(at, 0.5) << i;
      EXPECT_LT(at, 0.5 + kPoll) << i;
    }
  }
}

TEST_F(ProcessExecutorTest, GarbageAndHalfLinesInTheReportFile) {
  FakeProcessLauncher launcher(clock_, FakeProgram()
                                           .report(R"({"step": 0, "metrics": {"loss": 5}})")
                                           .report("this is not json")
                                           .write_report(R"({"step": 1, "metr)")
                                           .at(0.3)  // many polls see only the half line
                                           .report(R"(ics": {"loss": 4, "acc": "high"}})")
                                           .report(R"({"step": 2, "metrics": {"loss": NaN}})")
                                           .write_report(R"({"step": 3, "metrics": {"loss": 1.5}})")
                                           .exit(0));
  auto r = run_fake(launcher);
  ASSERT_TRUE(r) << r.error().message;
  Trial t = trial(0);
  EXPECT_EQ(t.state, TrialState::kComplete);
  EXPECT_EQ(*t.value, 1.5);  // the unterminated last line counts once the program exited
  const auto& loss = t.intermediate.at("loss");
  ASSERT_EQ(loss.size(), 4u);
  EXPECT_EQ(loss[1].value, 4.0);  // the half line, completed
  EXPECT_TRUE(std::isnan(loss[2].value));
  auto warnings = events_of(t, "report_warning");
  ASSERT_EQ(warnings.size(), 2u);
  EXPECT_NE(warnings[0].message.find("report line 2"), std::string::npos) << warnings[0].message;
  EXPECT_NE(warnings[1].message.find("report line 3"), std::string::npos) << warnings[1].message;
  EXPECT_NE(warnings[1].message.find("acc"), std::string::npos) << warnings[1].message;
}

TEST_F(ProcessExecutorTest, ReportsAndMetricLinesArriveAsIntermediateValuesWhileItRuns) {
  ProcessExecutorOptions o;
  o.metric_regex = {{"acc", "acc=([0-9.]+)"}};
  std::map<std::string, size_t> stored_while_running;
  FakeProcessLauncher launcher(clock_,
                               FakeProgram()
                                   .report(R"({"step": 0, "metrics": {"loss": 0.9}})")
                                   .print("epoch 0 acc=0.1")
                                   .at(0.5)
                                   .report(R"({"step": 1, "metrics": {"loss": 0.7}})")
                                   .print("noise")
                                   .print("epoch 1 acc=0.3")
                                   .at(1.0)
                                   .call([&] {
                                     for (const auto& [name, values] : trial(0).intermediate) {
                                       stored_while_running[name] = values.size();
                                     }
                                   })
                                   .at(1.5)
                                   .report(R"({"final": {"loss": 0.5}})")
                                   .exit(0));
  auto r = run_fake(launcher, 1, o);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(stored_while_running, (std::map<std::string, size_t>{{"acc", 2}, {"loss", 2}}));
  Trial t = trial(0);
  EXPECT_EQ(t.state, TrialState::kComplete);
  EXPECT_EQ(*t.value, 0.5);
  std::vector<std::pair<int64_t, double>> loss, acc;
  for (const auto& v : t.intermediate.at("loss")) loss.emplace_back(v.step, v.value);
  for (const auto& v : t.intermediate.at("acc")) acc.emplace_back(v.step, v.value);
  EXPECT_EQ(loss, (std::vector<std::pair<int64_t, double>>{{0, 0.9}, {1, 0.7}}));
  EXPECT_EQ(acc, (std::vector<std::pair<int64_t, double>>{{0, 0.1}, {1, 0.3}}));
  EXPECT_EQ(testing::read_file(run_file(0, "stdout.log")),
            "epoch 0 acc=0.1\nnoise\nepoch 1 acc=0.3\n");
}

TEST_F(ProcessExecutorTest, SamplesFollowTheProcessTreeAndTheLastHoldsTheExitTotals) {
  constexpr int64_t kMiB = 1 << 20;
  FakeProcessLauncher launcher(
      clock_,
      FakeProgram()
          .use({.cpu_user_s = 0.5, .cpu_system_s = 0.25, .rss_bytes = 100 * kMiB, .threads = 4})
          .at(1.0)
          .use({.cpu_user_s = 1.5, .cpu_system_s = 0.5, .rss_bytes = 50 * kMiB, .threads = 2})
          .at(2.0)
          .report(kFinal)
          .exit(0));
  ProcessExecutorOptions o;
  o.monitor_interval_s = 0.5;
  TuneOptions t;
  t.poll_interval_s = 0.25;  // exact in binary: the samples fall on 0, 0.5, 1, 1.5, 2 s
  auto r = run_fake(launcher, 1, o, t);
  ASSERT_TRUE(r) << r.error().message;
  auto samples = *storage_->system_samples(trial(0).id);
  ASSERT_EQ(samples.size(), 6u);  // five while it ran, one at its exit
  EXPECT_EQ(samples[0].cpu_user_s, 0.5);
  EXPECT_EQ(samples[0].rss_bytes, 100 * kMiB);
  EXPECT_EQ(samples[0].threads, 4);
  EXPECT_EQ(samples[1].cpu_utilization, 0.0);  // nothing used from 0 to 0.5 s
  EXPECT_EQ(samples[2].cpu_user_s, 1.5);
  EXPECT_EQ(samples[2].rss_bytes, 50 * kMiB);
  EXPECT_EQ(samples[2].cpu_utilization, 2.5);  // 1.25 CPU-seconds in 0.5 s
  // The closing sample: the exit's CPU totals, the peak RSS, the CPU over the whole run.
  EXPECT_EQ(samples[5].cpu_user_s, 1.5);
  EXPECT_EQ(samples[5].cpu_system_s, 0.5);
  EXPECT_EQ(samples[5].rss_bytes, 100 * kMiB);
  EXPECT_EQ(samples[5].cpu_utilization, 1.0);
  auto usage = events_of(trial(0), "trial_usage");
  ASSERT_EQ(usage.size(), 1u);
  EXPECT_EQ(usage[0].message,
            "trial 0: exited with code 0; 2.00 CPU-seconds (1.50 user, 0.50 system) in 2.00 s; "
            "peak RSS 100.0 MiB");
}

TEST_F(ProcessExecutorTest, TheLaunchSpecFollowsTheTrialProtocol) {
  FakeProcessLauncher launcher(clock_, FakeProgram().report(kFinal).exit(0));
  ProcessExecutorOptions o;
  o.command = {"train", "--x={x}", "{x}", "{{x}}"};
  o.env = {{"FOO", "bar"}, {"GREENTUNE_TRIAL", "the protocol's value wins"}};
  o.cwd = dir_.file("work");
  o.log_max_bytes = 12345;
  auto r = run_fake(launcher, 2, o);
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(launcher.launches().size(), 2u);
  for (int64_t n = 0; n < 2; ++n) {
    const exec::LaunchSpec& spec = launcher.launches()[static_cast<size_t>(n)].spec;
    const double x = std::get<double>(trial(n).params.at("x"));
    std::map<std::string, std::string> env = spec.env;
    // The param as text, the same in argv and in GREENTUNE_PARAM_X, read back exactly.
    const std::string x_text = env["GREENTUNE_PARAM_X"];
    EXPECT_EQ(std::stod(x_text), x) << x_text;
    EXPECT_EQ(spec.argv, (std::vector<std::string>{"train", "--x=" + x_text, x_text, "{x}"}));
    EXPECT_EQ(nlohmann::json::parse(env["GREENTUNE_PARAMS"]), (nlohmann::json{{"x", x}}));
    env.erase("GREENTUNE_PARAM_X");
    env.erase("GREENTUNE_PARAMS");
    EXPECT_EQ(env, (std::map<std::string, std::string>{
                       {"FOO", "bar"},
                       {"GREENTUNE_TRIAL", std::to_string(n)},
                       {"GREENTUNE_STUDY", "p"},
                       {"GREENTUNE_REPORT_FILE", run_file(n, "report.jsonl")},
                       {"GREENTUNE_CHECKPOINT_DIR", run_file(n, "checkpoint")},
                   }));
    EXPECT_EQ(spec.cwd, dir_.file("work"));
    EXPECT_EQ(spec.stdout_path, run_file(n, "stdout.log"));
    EXPECT_EQ(spec.stderr_path, run_file(n, "stderr.log"));
    EXPECT_EQ(spec.log_cap_bytes, 12345);
    EXPECT_FALSE(spec.on_stdout_line);  // no metric regex: nobody needs the lines
    EXPECT_TRUE(std::filesystem::is_directory(run_file(n, "checkpoint")));
    auto artifacts = *storage_->artifacts(trial(n).id);
    EXPECT_EQ(artifacts.size(), 4u);
  }
}

}  // namespace
}  // namespace greentune
