#include <cmath>

#include <gtest/gtest.h>

#include "greentune/study.hpp"

namespace greentune {
namespace {

// Finished trials with the given values, finishing in order.
std::vector<Trial> finished(const std::vector<double>& values) {
  std::vector<Trial> trials;
  for (size_t i = 0; i < values.size(); ++i) {
    Trial t;
    t.number = static_cast<int64_t>(i);
    t.state = std::isnan(values[i]) ? TrialState::kFailed : TrialState::kComplete;
    if (!std::isnan(values[i])) t.value = values[i];
    t.finished = 100.0 + static_cast<double>(i);
    trials.push_back(t);
  }
  return trials;
}

std::optional<CompletionReason> check(const CompletionSpec& spec, const std::vector<Trial>& trials,
                                      Direction d = Direction::kMinimize, double elapsed = 0) {
  StudyProgress p;
  p.direction = d;
  p.trials = &trials;
  p.elapsed_s = elapsed;
  return check_completion(spec, p);
}

TEST(Completion, NothingConfiguredNeverEnds) {
  EXPECT_FALSE(check({}, finished({5, 4, 3})));
}

TEST(Completion, TargetMinimizeAndMaximize) {
  CompletionSpec spec;
  spec.target = 1.0;
  EXPECT_FALSE(check(spec, finished({3, 2, 1.5})));
  auto r = check(spec, finished({3, 1.0}));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->criterion, "target");
  EXPECT_EQ(r->detail, "trial 1 reached 1 (target 1)");
  EXPECT_FALSE(check(spec, finished({0.5, 0.9}), Direction::kMaximize));
  EXPECT_TRUE(check(spec, finished({0.5, 1.2}), Direction::kMaximize));
}

TEST(Completion, TargetIgnoresFailedTrials) {
  CompletionSpec spec;
  spec.target = 1.0;
  EXPECT_FALSE(check(spec, finished({NAN, 2.0})));
}

TEST(Completion, MaxTrialsCountsRunningButNotWaiting) {
  CompletionSpec spec;
  spec.max_trials = 3;
  auto trials = finished({1, 2});
  Trial waiting;
  waiting.number = 2;
  waiting.state = TrialState::kWaiting;
  trials.push_back(waiting);
  EXPECT_FALSE(check(spec, trials));
  trials.back().state = TrialState::kRunning;
  auto r = check(spec, trials);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->criterion, "max_trials");
}

TEST(Completion, MaxWall) {
  CompletionSpec spec;
  spec.max_wall_s = 60;
  EXPECT_FALSE(check(spec, finished({1}), Direction::kMinimize, 59.9));
  auto r = check(spec, finished({1}), Direction::kMinimize, 60);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->criterion, "max_wall");
}

TEST(Completion, PatienceCountsFinishedTrialsSinceTheBestImproved) {
  CompletionSpec spec;
  spec.patience = 3;
  // Best 1 at trial 1; trials 2, 3 do not improve: 2 < 3.
  EXPECT_FALSE(check(spec, finished({5, 1, 2, 3})));
  auto r = check(spec, finished({5, 1, 2, 3, NAN}));  // a failed trial counts too
  ASSERT_TRUE(r);
  EXPECT_EQ(r->criterion, "patience");
  EXPECT_EQ(r->detail, "no improvement of the best (1, trial 1) in 3 finished trials");
  // An improvement resets the count.
  EXPECT_FALSE(check(spec, finished({5, 1, 2, 3, 0.5})));
}

TEST(Completion, PatienceUsesFinishOrderNotNumbers) {
  CompletionSpec spec;
  spec.patience = 2;
  auto trials = finished({5, 1, 4});
  trials[1].finished = 200.0;  // trial 1 (the best) finished last
  EXPECT_FALSE(check(spec, trials));
}

TEST(Completion, ConvergenceWithinOnePercent) {
  CompletionSpec spec;
  spec.convergence = 3;
  // Best before the window: 100; the last 3 trials improve it to 99.5 (0.5%): converged.
  auto r = check(spec, finished({100, 99.8, 101, 99.5}));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->criterion, "convergence");
  // To 98 (2%): not converged.
  EXPECT_FALSE(check(spec, finished({100, 99.8, 101, 98})));
  // Not enough trials yet.
  EXPECT_FALSE(check(spec, finished({100, 100, 100})));
}

TEST(Completion, EnergyBudgetsSeam) {
  CompletionSpec spec;
  spec.max_energy_kwh = 0.5;
  spec.max_co2e_g = 10;
  auto trials = finished({1});
  StudyProgress p;
  p.trials = &trials;
  p.energy_kwh = 0.6;
  EXPECT_EQ(check_completion(spec, p)->criterion, "max_energy_kwh");
  p.energy_kwh = 0.1;
  p.co2e_g = 11;
  EXPECT_EQ(check_completion(spec, p)->criterion, "max_co2e_g");
}

TEST(Completion, TargetWinsOverMaxTrials) {
  CompletionSpec spec;
  spec.target = 1;
  spec.max_trials = 2;
  EXPECT_EQ(check(spec, finished({3, 0.5}))->criterion, "target");
}

}  // namespace
}  // namespace greentune
