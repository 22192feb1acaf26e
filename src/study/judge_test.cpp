// The orchestrator's judge hook: verdicts are stored as events, "stop" ends the trial
// PRUNED with its last value, "warn" changes nothing else, and the watch holds what the
// trial reported.
#include <atomic>

#include <gtest/gtest.h>

#include "greentune/orchestrator.hpp"
#include "greentune/study.hpp"
#include "greentune/trainer.hpp"
#include "testing/test_helpers.hpp"

namespace greentune {
namespace {

// Reports loss = 10 - step for steps 0..9 and finishes with the last one, unless told to
// stop, in which case it returns at once (as a trainer that checks between epochs does).
class CountdownTrainer : public Trainer {
 public:
  Result<TrialOutcome> run(const TrainerRun&, TrialReporter& reporter) override {
    ++runs;
    for (int64_t step = 0; step < 10; ++step) {
      if (auto ok = reporter.report(step, {{"loss", 10.0 - static_cast<double>(step)}}); !ok) {
        return tl::unexpected(ok.error());
      }
      if (reporter.should_stop()) return TrialOutcome{TrialState::kFailed, {}, "stopped", false};
      last_step = step;
    }
    return TrialOutcome{TrialState::kComplete, {{"loss", 1.0}}, "", false};
  }
  int runs = 0;
  int64_t last_step = -1;
};

// Stops (or warns) once the loss reported is at or below `at`, and records what it saw.
class LossJudge : public TrialJudge {
 public:
  LossJudge(double at, bool stop, std::vector<TrialWatch>* seen) : at_(at), stop_(stop), seen_(seen) {}
  Result<std::vector<Verdict>> check(const TrialWatch& watch, const HistoryFn& history) override {
    if (seen_) seen_->push_back(watch);
    auto it = watch.metrics.find("loss");
    if (fired_ || it == watch.metrics.end() || it->second.back().value > at_) return std::vector<Verdict>{};
    auto trials = history();
    if (!trials) return tl::unexpected(trials.error());
    fired_ = true;
    Verdict v;
    v.source = "rule:test";
    v.reason = StopReason::kRule;
    v.stop = stop_;
    v.message = fmt::format("loss {} <= {}", it->second.back().value, at_);
    v.data = {{"loss", it->second.back().value}, {"trials_seen", (*trials)->size()}};
    return std::vector<Verdict>{v};
  }

 private:
  double at_;
  bool stop_;
  std::vector<TrialWatch>* seen_;
  bool fired_ = false;
};

class JudgeHookTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = open_storage("memory:");
    ASSERT_TRUE(s) << s.error().message;
    storage_ = std::move(*s);
    StudyRecord r = testing::unit_study_record("j");
    auto study = Study::create(*storage_, r, clock_.now());
    ASSERT_TRUE(study) << study.error().message;
    study_ = std::make_unique<Study>(std::move(*study));
  }
  TuneOptions options() {
    TuneOptions o;
    o.metric = "loss";
    o.clock = &clock_;
    o.completion.max_trials = 1;
    o.max_steps = 10;
    return o;
  }
  std::vector<Event> verdicts() {
    std::vector<Event> out;
    std::vector<Event> all = storage_->events(study_->id()).value();
    for (const auto& e : all) {
      if (e.kind == "verdict") out.push_back(e);
    }
    return out;
  }
  testing::FakeClock clock_;
  std::unique_ptr<Storage> storage_;
  std::unique_ptr<Study> study_;
};

TEST_F(JudgeHookTest, StopVerdictPrunesTheTrialKeepingItsLastValue) {
  CountdownTrainer trainer;
  std::vector<TrialWatch> seen;
  TuneOptions o = options();
  o.judge = [&seen](const Trial&) { return std::make_unique<LossJudge>(6.0, true, &seen); };
  std::vector<std::string> printed;
  o.on_verdict = [&](const Trial& t, const Verdict& v) {
    printed.push_back(fmt::format("{} {}", t.number, v.source));
  };
  auto result = run_study(*study_, trainer, o);
  ASSERT_TRUE(result) << result.error().message;
  auto trials = study_->trials().value();
  ASSERT_EQ(trials.size(), 1u);
  EXPECT_EQ(trials[0].state, TrialState::kPruned);
  ASSERT_TRUE(trials[0].value);
  EXPECT_DOUBLE_EQ(*trials[0].value, 6.0);  // the last value it reported (step 4)
  EXPECT_EQ(trainer.last_step, 3);          // it stopped right after step 4's report
  auto events = verdicts();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].data["source"], "rule:test");
  EXPECT_EQ(events[0].data["reason"], "rule");
  EXPECT_EQ(events[0].data["action"], "stop");
  EXPECT_EQ(events[0].data["step"], 4);
  EXPECT_EQ(events[0].data["loss"], 6.0);
  EXPECT_EQ(events[0].data["trials_seen"], 1);
  EXPECT_EQ(printed, std::vector<std::string>{"0 rule:test"});
  // The watch the judge saw last: five reports, the metric by step, the study's settings.
  ASSERT_EQ(seen.size(), 5u);
  EXPECT_EQ(seen.back().reports.size(), 5u);
  EXPECT_EQ(seen.back().metrics.at("loss").size(), 5u);
  EXPECT_EQ(seen.back().metric, "loss");
  EXPECT_EQ(seen.back().max_steps, 10);
  EXPECT_TRUE(seen.back().new_report);
  EXPECT_EQ(seen.back().trial->number, 0);
}

TEST_F(JudgeHookTest, WarnVerdictIsStoredAndTheTrialRunsOn) {
  CountdownTrainer trainer;
  TuneOptions o = options();
  o.judge = [](const Trial&) { return std::make_unique<LossJudge>(6.0, false, nullptr); };
  auto result = run_study(*study_, trainer, o);
  ASSERT_TRUE(result) << result.error().message;
  auto trials = study_->trials().value();
  ASSERT_EQ(trials.size(), 1u);
  EXPECT_EQ(trials[0].state, TrialState::kComplete);
  EXPECT_EQ(trainer.last_step, 9);
  auto events = verdicts();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].level, "warning");
  EXPECT_EQ(events[0].data["action"], "warn");
}

TEST_F(JudgeHookTest, EachTrialGetsItsOwnJudge) {
  CountdownTrainer trainer;
  TuneOptions o = options();
  o.completion.max_trials = 3;
  int made = 0;
  o.judge = [&made](const Trial&) {
    ++made;
    return std::make_unique<LossJudge>(8.0, true, nullptr);
  };
  auto result = run_study(*study_, trainer, o);
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_EQ(made, 3);
  EXPECT_EQ(verdicts().size(), 3u);  // a judge that fired once per trial fired for each
  std::vector<Trial> trials = study_->trials().value();
  for (const auto& t : trials) EXPECT_EQ(t.state, TrialState::kPruned);
}

}  // namespace
}  // namespace greentune

namespace greentune {
namespace {

// Reports `joules` of CPU energy, then (first run only) finds greentune interrupted.
class EnergyTrainer : public Trainer {
 public:
  explicit EnergyTrainer(std::atomic<bool>& interrupted) : interrupted_(interrupted) {}
  Result<TrialOutcome> run(const TrainerRun&, TrialReporter& reporter) override {
    ++runs;
    EnergyRecord cpu{"cpu", runs == 1 ? 10.0 : 5.0, "model"};
    if (auto ok = reporter.energy({cpu}); !ok) return tl::unexpected(ok.error());
    if (runs == 1) {
      interrupted_.store(true);
      if (reporter.should_stop()) return TrialOutcome{TrialState::kFailed, {}, "interrupted", false};
    }
    return TrialOutcome{TrialState::kComplete, {{"loss", 1.0}}, "", false};
  }
  int runs = 0;

 private:
  std::atomic<bool>& interrupted_;
};

TEST_F(JudgeHookTest, AResumedTrialKeepsTheEnergyOfItsEarlierAttempts) {
  std::atomic<bool> interrupted{false};
  EnergyTrainer trainer(interrupted);
  TuneOptions o = options();
  o.interrupted = &interrupted;
  auto first = run_study(*study_, trainer, o);
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_EQ(first->interrupted_trials, 1);
  interrupted.store(false);
  auto second = run_study(*study_, trainer, o);
  ASSERT_TRUE(second) << second.error().message;
  std::vector<Trial> trials = study_->trials().value();
  ASSERT_EQ(trials.size(), 1u);
  EXPECT_EQ(trials[0].state, TrialState::kComplete);
  std::vector<EnergyRecord> energy = storage_->trial_energy(trials[0].id).value();
  ASSERT_EQ(energy.size(), 1u);
  EXPECT_DOUBLE_EQ(energy[0].joules, 15.0);  // 10 J before the interrupt + 5 J after
  EXPECT_EQ(energy[0].source, "model");
}

}  // namespace
}  // namespace greentune

namespace greentune {
namespace {

TEST_F(JudgeHookTest, ATrialThatReachedItsLastStepCountsAsComplete) {
  // The judge stops at the last step (loss 1 at step 9 = max_steps 9): nothing was left
  // to save, and the trial's result is a full one.
  CountdownTrainer trainer;
  TuneOptions o = options();
  o.max_steps = 9;
  o.judge = [](const Trial&) { return std::make_unique<LossJudge>(1.0, true, nullptr); };
  auto result = run_study(*study_, trainer, o);
  ASSERT_TRUE(result) << result.error().message;
  std::vector<Trial> trials = study_->trials().value();
  ASSERT_EQ(trials.size(), 1u);
  EXPECT_EQ(trials[0].state, TrialState::kComplete);
  EXPECT_DOUBLE_EQ(*trials[0].value, 1.0);
  std::vector<Event> all = storage_->events(study_->id()).value();
  EXPECT_TRUE(std::any_of(all.begin(), all.end(),
                          [](const Event& e) { return e.kind == "trial_ran_to_the_end"; }));
}

}  // namespace
}  // namespace greentune
