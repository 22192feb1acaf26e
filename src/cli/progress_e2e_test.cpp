// tune's live progress, end to end: the real binary on a real SQLite file, its stderr a
// pipe (plain lines) or a real pseudo-terminal (the status line redrawn in place).
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "testing/test_helpers.hpp"

namespace greentune {
namespace {

using testing::CommandResult;

class ProgressE2eTest : public ::testing::Test {
 protected:
  std::string study(const std::string& budget) {
    std::string path = dir_.file("branin.toml");
    testing::write_file(path, fmt::format(R"([study]
name = "progress"
direction = "minimize"
target = 0.0

[budget]
{}

[search]
sampler = "random"
seed = 3

[search.space]
x1 = {{ type = "float", low = -5.0, high = 10.0 }}
x2 = {{ type = "float", low = 0.0, high = 15.0 }}

[trial]
trainer = "function:branin"

[carbon]
intensity = 300
)",
                                          budget));
    return path;
  }
  std::string url() const { return "sqlite:///" + dir_.file("study.db"); }
  testing::TempDir dir_;
};

TEST_F(ProgressE2eTest, PlainLinesOnAPipeShowBudgetBestEnergyAndEta) {
  auto r = testing::run_command({testing::greentune_binary(), "tune", study("max_trials = 6"),
                                 "--storage", url(), "--runs-dir", dir_.file("runs"),
                                 "--progress-every", "0"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // Not a terminal: no carriage returns nor escape sequences, one line per trial.
  EXPECT_EQ(r.err.find('\r'), std::string::npos);
  EXPECT_EQ(r.err.find('\x1b'), std::string::npos);
  for (int n = 1; n <= 6; ++n) {
    // Each trial's line, then the progress that counts it.
    EXPECT_NE(r.err.find(fmt::format("\nprogress {}/6 trials", n)), std::string::npos) << r.err;
    const size_t line = r.err.find(fmt::format("trial {:>4}  complete", n - 1));
    ASSERT_NE(line, std::string::npos) << r.err;
    EXPECT_EQ(r.err.find(fmt::format("progress {}/6 trials", n)),
              r.err.find('\n', line) + 1) << r.err;
  }
  EXPECT_NE(r.err.find("/ target 0 ·"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(" kWh · "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(" gCO2e · "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(", ETA "), std::string::npos) << r.err;
}

TEST_F(ProgressE2eTest, QuietKeepsOnlyTheProgressLines) {
  auto r = testing::run_command({testing::greentune_binary(), "tune", study("max_trials = 3"),
                                 "--storage", url(), "--runs-dir", dir_.file("runs"), "--quiet"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err.find("trial    0"), std::string::npos) << r.err;
  // The default interval is 10 s: a fast study prints its last line only.
  EXPECT_NE(r.err.find("progress 3/3 trials"), std::string::npos) << r.err;
}

TEST_F(ProgressE2eTest, ATerminalGetsOneStatusLineRedrawnInPlace) {
  if (!std::filesystem::exists("/usr/bin/script")) GTEST_SKIP() << "no script(1) for a pty";
  // script(1) runs the command on a new pseudo-terminal: stderr is a tty there.
  const std::string command =
      fmt::format("'{}' tune '{}' --storage '{}' --runs-dir '{}'", testing::greentune_binary(),
                  study("max_trials = 5"), url(), dir_.file("runs"));
  auto r = testing::run_command({"/usr/bin/script", "-qec", command, "/dev/null"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const std::string& screen = r.out;  // the terminal's bytes
  EXPECT_NE(screen.find("\r\x1b[2K["), std::string::npos) << screen;  // the bar, in place
  EXPECT_NE(screen.find("trials"), std::string::npos) << screen;
  // Trial lines are printed on the cleared status line, which is drawn again below them.
  EXPECT_NE(screen.find("\r\x1b[2Ktrial    1"), std::string::npos) << screen;
  // The last thing drawn is the final plain line, not a half status line.
  EXPECT_NE(screen.find("\x1b[2Kprogress 5/5 trials"), std::string::npos) << screen;
}

}  // namespace
}  // namespace greentune
