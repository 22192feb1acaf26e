// The fake trial processes themselves: what the executor tests that use them rely on.
#include "exec/fake_process.hpp"

#include <gtest/gtest.h>

#include <csignal>
#include <filesystem>

#include "testing/test_helpers.hpp"

namespace greentune::exec {
namespace {

using greentune::testing::FakeClock;
using greentune::testing::read_file;

class FakeProcessTest : public ::testing::Test {
 protected:
  LaunchSpec spec() {
    LaunchSpec s;
    s.argv = {"train", "--lr=0.1"};
    s.env = {{"GREENTUNE_REPORT_FILE", dir_.file("report.jsonl")}};
    s.stdout_path = dir_.file("stdout.log");
    s.stderr_path = dir_.file("stderr.log");
    s.on_stdout_line = [this](const std::string& line) { lines_.push_back(line); };
    return s;
  }
  std::unique_ptr<TrialProcess> launch(FakeProcessLauncher& launcher) {
    auto p = launcher.launch(spec());
    EXPECT_TRUE(p) << p.error().message;
    return p ? std::move(*p) : nullptr;
  }
  // Polls every 0.25 s of the clock until it ends, at most `limit_s`.
  std::optional<ExitInfo> poll_until_end(TrialProcess& p, double limit_s = 100) {
    for (double waited = 0; waited <= limit_s; waited += 0.25) {
      if (auto exit = p.poll()) return exit;
      clock_.advance(0.25);
    }
    return std::nullopt;
  }

  greentune::testing::TempDir dir_;
  FakeClock clock_{100.0};
  std::vector<std::string> lines_;
};

TEST_F(FakeProcessTest, FollowsItsScriptOnTheClock) {
  FakeProcessLauncher launcher(clock_, FakeProgram()
                                           .print("hello")
                                           .report(R"({"step": 0, "metrics": {"loss": 2}})")
                                           .at(1.0)
                                           .print_error("oops")
                                           .write_report(R"({"final": )")
                                           .at(2.0)
                                           .print("bye")
                                           .exit(3)
                                           .print("never"));
  auto p = launch(launcher);
  ASSERT_TRUE(p);
  EXPECT_FALSE(p->poll());
  EXPECT_EQ(lines_, std::vector<std::string>{"hello"});
  EXPECT_EQ(read_file(dir_.file("report.jsonl")), "{\"step\": 0, \"metrics\": {\"loss\": 2}}\n");
  clock_.advance(1.5);
  EXPECT_FALSE(p->poll());
  EXPECT_EQ(read_file(dir_.file("stderr.log")), "oops\n");
  clock_.advance(0.5);
  auto exit = p->poll();
  ASSERT_TRUE(exit);
  EXPECT_TRUE(exit->exited);
  EXPECT_EQ(exit->exit_code, 3);
  EXPECT_EQ(read_file(dir_.file("stdout.log")), "hello\nbye\n");
  EXPECT_EQ(lines_, (std::vector<std::string>{"hello", "bye"}));
  EXPECT_TRUE(read_file(dir_.file("report.jsonl")).ends_with(R"({"final": )"));
  const FakeLaunch& record = launcher.launches().at(0);
  EXPECT_EQ(record.spec.argv, (std::vector<std::string>{"train", "--lr=0.1"}));
  EXPECT_EQ(record.launched_at, 100.0);
  EXPECT_EQ(record.ended_at, 102.0);
  EXPECT_FALSE(record.stopped_at);
}

TEST_F(FakeProcessTest, LogsAreCreatedEmptyAtLaunch) {
  testing::write_file(dir_.file("stdout.log"), "an earlier run\n");
  FakeProcessLauncher launcher(clock_, FakeProgram());
  auto p = launch(launcher);
  EXPECT_EQ(read_file(dir_.file("stdout.log")), "");
  EXPECT_TRUE(std::filesystem::exists(dir_.file("stderr.log")));
}

TEST_F(FakeProcessTest, HonouringSigtermItDiesOfItAtTheNextPoll) {
  FakeProcessLauncher launcher(clock_, FakeProgram());
  auto p = launch(launcher);
  clock_.advance(5);
  EXPECT_FALSE(p->poll());
  p->stop(30);
  EXPECT_TRUE(p->stopping());
  auto exit = p->poll();
  ASSERT_TRUE(exit);
  EXPECT_FALSE(exit->exited);
  EXPECT_EQ(exit->signal, SIGTERM);
  EXPECT_EQ(launcher.launches()[0].stopped_at, 105.0);
  EXPECT_EQ(launcher.launches()[0].grace_s, 30.0);
}

TEST_F(FakeProcessTest, IgnoringSigtermItIsKilledOnceTheGraceHasPassed) {
  FakeProcessLauncher launcher(clock_, FakeProgram().ignore_sigterm());
  auto p = launch(launcher);
  p->stop(2.0);
  p->stop(0.0);  // a second stop does not restart (or shorten) the grace period
  clock_.advance(1.9);
  EXPECT_FALSE(p->poll());
  clock_.advance(0.1);
  auto exit = p->poll();
  ASSERT_TRUE(exit);
  EXPECT_EQ(exit->signal, SIGKILL);
  EXPECT_EQ(launcher.launches()[0].ended_at, 102.0);
}

TEST_F(FakeProcessTest, ItsScriptGoesOnWhileItIgnoresSigterm) {
  FakeProcessLauncher launcher(clock_, FakeProgram().ignore_sigterm().at(1).exit(4));
  auto p = launch(launcher);
  p->stop(10);
  auto exit = poll_until_end(*p);
  ASSERT_TRUE(exit);
  EXPECT_EQ(exit->exit_code, 4);
  EXPECT_EQ(launcher.launches()[0].ended_at, 101.0);
}

TEST_F(FakeProcessTest, ExitOnSigtermAndZeroGrace) {
  FakeProcessLauncher launcher(clock_, FakeProgram().exit_on_sigterm(0));
  auto trapping = launch(launcher);
  trapping->stop(1);
  auto exit = trapping->poll();
  ASSERT_TRUE(exit);
  EXPECT_TRUE(exit->exited);
  EXPECT_EQ(exit->exit_code, 0);
  auto killed = launch(launcher);
  killed->stop(0);  // SIGKILL at once: its trap never runs
  exit = killed->poll();
  ASSERT_TRUE(exit);
  EXPECT_EQ(exit->signal, SIGKILL);
}

TEST_F(FakeProcessTest, SamplesAreCumulativeAndTheExitHasThePeak) {
  FakeProcessLauncher launcher(
      clock_, FakeProgram()
                  .use({.cpu_user_s = 1, .cpu_system_s = 0.5, .rss_bytes = 300, .processes = 2})
                  .at(1)
                  .use({.cpu_user_s = 3, .cpu_system_s = 1, .rss_bytes = 100, .processes = 1})
                  .at(2)
                  .die(SIGSEGV));
  auto p = launch(launcher);
  TreeSample s = p->sample();
  EXPECT_EQ(s.cpu_user_s, 1.0);
  EXPECT_EQ(s.rss_bytes, 300);
  EXPECT_EQ(s.processes, 2);
  clock_.advance(1);
  EXPECT_EQ(p->sample().cpu_user_s, 3.0);
  clock_.advance(1);
  auto exit = p->poll();
  ASSERT_TRUE(exit);
  EXPECT_EQ(exit->signal, SIGSEGV);
  EXPECT_EQ(exit->cpu_user_s, 3.0);
  EXPECT_EQ(exit->cpu_system_s, 1.0);
  EXPECT_EQ(exit->max_rss_bytes, 300);
}

TEST_F(FakeProcessTest, WaitMovesTheClockToTheEnd) {
  FakeProcessLauncher launcher(clock_, FakeProgram().ignore_sigterm().at(50).exit(0));
  auto p = launch(launcher);
  p->stop(7.5);
  ExitInfo exit = p->wait();
  EXPECT_EQ(exit.signal, SIGKILL);
  EXPECT_NEAR(clock_.monotonic(), 107.5, 1e-9);
}

TEST_F(FakeProcessTest, CountsWhatRunsAtOnceAndCallsItsScript) {
  int calls = 0;
  FakeProcessLauncher launcher(clock_, [&](const LaunchSpec& spec, int n) {
    EXPECT_EQ(spec.argv[0], "train");
    return FakeProgram().at(n + 1).call([&] { ++calls; }).exit(0);
  });
  auto a = launch(launcher);
  auto b = launch(launcher);
  EXPECT_EQ(launcher.running(), 2);
  clock_.advance(1);
  EXPECT_TRUE(a->poll());
  EXPECT_FALSE(b->poll());
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(launcher.running(), 1);
  b.reset();  // destroyed while it ran: no longer running
  EXPECT_EQ(launcher.running(), 0);
  auto c = launch(launcher);
  EXPECT_EQ(launcher.most_running(), 2);
  EXPECT_EQ(launcher.launches().size(), 3u);
}

TEST_F(FakeProcessTest, AnEmptyCommandIsNotLaunched) {
  FakeProcessLauncher launcher(clock_, FakeProgram());
  LaunchSpec empty;
  auto p = launcher.launch(empty);
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().code, ErrorCode::kInvalidArgument);
  EXPECT_TRUE(launcher.launches().empty());
}

}  // namespace
}  // namespace greentune::exec
