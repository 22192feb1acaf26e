// Live progress of `tune`: the figures, the ETA, the terminal status line and the plain
// lines, on a memory storage and a fake clock.
#include "report/progress.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace greentune {
namespace {

TEST(Progress, DurationText) {
  EXPECT_EQ(clock_text(4.24), "4.2s");
  EXPECT_EQ(clock_text(42), "42s");
  EXPECT_EQ(clock_text(65), "1m05s");
  EXPECT_EQ(clock_text(7300), "2h01m");
  EXPECT_EQ(clock_text(-1), "-");
}

TEST(Progress, EtaIsTheFirstBudgetToRunOut) {
  ProgressFigures f;
  f.finished = 10;
  f.kwh = 0.02;
  CompletionSpec b;
  b.max_trials = 40;
  // 10 trials in 100 s this session: 30 more take 300 s.
  EXPECT_DOUBLE_EQ(*eta_seconds(f, b, 100, 10, 0.02, 0), 300.0);
  // 0.02 kWh in 100 s with 0.05 allowed: 0.03 more take 150 s, sooner than 300.
  b.max_energy_kwh = 0.05;
  EXPECT_DOUBLE_EQ(*eta_seconds(f, b, 100, 10, 0.02, 0), 150.0);
  // The wall budget counts the study's whole time, earlier sessions too.
  f.elapsed_s = 950;
  b.max_wall_s = 1000;
  EXPECT_DOUBLE_EQ(*eta_seconds(f, b, 100, 10, 0.02, 0), 50.0);
  // A running trial counts against max_trials: 30 left minus 2 running.
  CompletionSpec trials_only;
  trials_only.max_trials = 40;
  f.running = 2;
  EXPECT_DOUBLE_EQ(*eta_seconds(f, trials_only, 100, 10, 0, 0), 280.0);
  // A target alone cannot be forecast; nor can anything before a trial finished.
  CompletionSpec target_only;
  target_only.target = 0.9;
  EXPECT_FALSE(eta_seconds(f, target_only, 100, 10, 0.02, 0));
  EXPECT_FALSE(eta_seconds(f, trials_only, 5, 0, 0, 0));
}

TEST(Progress, TextShowsBudgetsTargetAndSavings) {
  ProgressFigures f;
  f.direction = Direction::kMaximize;
  f.finished = 12;
  f.pruned = 3;
  f.max_trials = 60;
  f.best = 0.981;
  f.target = 0.99;
  f.kwh = 2.1e-5;
  f.max_kwh = 0.05;
  f.co2e_g = 0.0066;
  f.saved_kwh = 4e-6;
  f.elapsed_s = 65;
  f.eta_s = 150;
  EXPECT_EQ(progress_text(f),
            "12/60 trials (3 stopped early) · best 0.981 / target 0.99 · 2.1e-05/0.05 kWh · "
            "0.0066 gCO2e · saved ~4e-06 kWh · 1m05s, ETA 2m30s");
  f.best = 0.995;
  EXPECT_NE(progress_text(f).find("target 0.99 met"), std::string::npos);
  // Truncated to the terminal's width, counting the separators as one column.
  EXPECT_EQ(progress_text(f, 20), "12/60 trials (3 stop");
  EXPECT_EQ(progress_text(f, 27), "12/60 trials (3 stopped ear");
  CompletionSpec b;
  b.max_trials = 60;
  EXPECT_EQ(progress_bar_text(f, b, 10, 0).substr(0, 18), "[##........]  20% ");
}

struct Captured {
  FILE* file = nullptr;
  char* buf = nullptr;
  size_t size = 0;
  Captured() : file(open_memstream(&buf, &size)) {}
  ~Captured() {
    std::fclose(file);
    std::free(buf);
  }
  std::string text() {
    std::fflush(file);
    return {buf, size};
  }
};

class LiveProgressTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = open_storage("memory:");
    ASSERT_TRUE(opened);
    storage_ = std::move(*opened);
    StudyRecord r;
    r.name = "s";
    r.direction = Direction::kMinimize;
    r.metric = "loss";
    auto created = storage_->create_study(r);
    ASSERT_TRUE(created);
    study_ = *created;
    budget_.max_trials = 4;
  }

  // A trial that ran from t0 to t1, spent `joules`, and ended in `state` with `value`.
  Trial finished(TrialState state, double value, double joules) {
    auto t = storage_->create_trial(study_.id, {TrialState::kRunning, 1000.0},
                                    [](int64_t, const std::vector<Trial>&) { return Params{}; });
    EXPECT_TRUE(t);
    EXPECT_TRUE(storage_->set_trial_energy(t->id, {"cpu", joules, "model"}));
    EXPECT_TRUE(storage_->finish_trial(t->id, state, value, 1010.0));
    return *t;
  }

  std::vector<Trial> all() { return *storage_->trials(study_.id); }

  LiveProgressOptions options(FILE* out, bool terminal) {
    LiveProgressOptions o;
    o.terminal = terminal;
    o.out = out;
    o.now = [this] { return now_; };
    o.width = 200;
    o.co2e_g = [](double j, double, double) { return j / 3.6e6 * 300.0; };  // 300 g/kWh
    return o;
  }

  std::unique_ptr<Storage> storage_;
  StudyRecord study_;
  CompletionSpec budget_;
  double now_ = 0.0;
};

TEST_F(LiveProgressTest, TerminalRedrawsOneLineInPlace) {
  Captured out;
  LiveProgress p(*storage_, study_, budget_, all(), options(out.file, true));
  now_ = 10;
  Trial t = finished(TrialState::kComplete, 0.5, 3.6e6 * 0.001);
  p.trial_finished(t, all(), "trial 0 complete");
  std::string text = out.text();
  // Each draw starts with carriage return + erase line and ends without a newline; the
  // trial line is printed on a cleared line, then the status line is drawn again.
  EXPECT_NE(text.find("trial 0 complete\n\r\x1b[2K[#####"), std::string::npos) << text;
  now_ = 11;
  Trial second = finished(TrialState::kComplete, 0.7, 3.6e6 * 0.001);
  p.trial_finished(second, all(), "trial 1 complete");
  text = out.text();
  EXPECT_NE(text.find("\r\x1b[2Ktrial 1 complete\n\r\x1b[2K[##########"), std::string::npos)
      << text;
  EXPECT_EQ(text.back() != '\n', true);
  const std::string last = text.substr(text.rfind("\r\x1b[2K") + 5);
  EXPECT_NE(last.find("[##########..........]  50% 2/4 trials"), std::string::npos) << last;
  EXPECT_NE(last.find("0.002 kWh"), std::string::npos) << last;
  EXPECT_NE(last.find("0.6 gCO2e"), std::string::npos) << last;
  EXPECT_NE(last.find("ETA 11s"), std::string::npos) << last;  // 2 more at 5.5 s each
  p.finish();
  const std::string end = out.text();
  EXPECT_NE(end.rfind("\r\x1b[2Kprogress 2/4 trials"), std::string::npos) << end;
  EXPECT_EQ(end.back(), '\n');
}

TEST_F(LiveProgressTest, PlainLinesAreThrottledAndCountEarlierSessions) {
  Trial before = finished(TrialState::kComplete, 0.9, 3.6e6 * 0.002);  // an earlier session
  Captured out;
  LiveProgressOptions o = options(out.file, false);
  o.plain_every_s = 10;
  LiveProgress p(*storage_, study_, budget_, all(), o);
  EXPECT_DOUBLE_EQ(p.figures().kwh, 0.002);
  now_ = 1;
  Trial first = finished(TrialState::kComplete, 0.4, 3.6e6 * 0.001);
  p.trial_finished(first, all(), "trial 1 complete");
  now_ = 5;  // within 10 s of the last line: nothing
  Trial second = finished(TrialState::kPruned, 0.8, 3.6e6 * 0.001);
  p.trial_finished(second, all());
  p.tick();
  std::string text = out.text();
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 2) << text;
  // The trial's line first, then the progress that counts it.
  EXPECT_EQ(text.rfind("trial 1 complete\nprogress 2/4 trials", 0), 0U) << text;
  EXPECT_EQ(text.find('\r'), std::string::npos);
  EXPECT_EQ(text.find("\x1b"), std::string::npos);
  EXPECT_NE(text.find("progress 2/4 trials · best 0.4 · 0.003 kWh"), std::string::npos) << text;
  p.finish();
  text = out.text();
  EXPECT_NE(text.find("progress 3/4 trials (1 stopped early) · best 0.4 · 0.004 kWh"),
            std::string::npos)
      << text;
  (void)before;
}

}  // namespace
}  // namespace greentune
