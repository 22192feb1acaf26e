#include <atomic>

#include <gtest/gtest.h>

#include "greentune/orchestrator.hpp"
#include "greentune/study.hpp"
#include "greentune/trainer.hpp"
#include "testing/test_helpers.hpp"

namespace greentune {
namespace {

StudyRecord record(const std::string& name, const std::string& sampler = "random") {
  StudyRecord r;
  r.name = name;
  r.direction = Direction::kMinimize;
  r.space = {{"x1", {{"type", "float"}, {"low", -5.0}, {"high", 10.0}}},
             {"x2", {{"type", "float"}, {"low", 0.0}, {"high", 15.0}}}};
  r.sampler = {{"name", sampler}, {"seed", 3}};
  return r;
}

class StudyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = open_storage("memory:");
    ASSERT_TRUE(s) << s.error().message;
    storage_ = std::move(*s);
  }
  Study create(const std::string& name, const std::string& sampler = "random") {
    auto study = Study::create(*storage_, record(name, sampler), clock_.now());
    EXPECT_TRUE(study) << study.error().message;
    return std::move(*study);
  }
  std::unique_ptr<Storage> storage_;
  testing::FakeClock clock_;
};

TEST_F(StudyTest, AskTellAndBest) {
  Study study = create("s");
  auto t0 = study.ask(clock_.now(), "w");
  auto t1 = study.ask(clock_.now(), "w");
  ASSERT_TRUE(t0 && t1);
  EXPECT_EQ(t0->number, 0);
  EXPECT_EQ(t1->number, 1);
  EXPECT_EQ(t0->state, TrialState::kRunning);
  ASSERT_TRUE(study.tell(0, TrialState::kComplete, 3.0, clock_.now()));
  ASSERT_TRUE(study.tell(1, TrialState::kComplete, 2.0, clock_.now()));
  auto trials = study.trials();
  ASSERT_TRUE(trials);
  auto best = best_trial(Direction::kMinimize, *trials);
  ASSERT_TRUE(best);
  EXPECT_EQ(best->number, 1);
  EXPECT_EQ(best_trial(Direction::kMaximize, *trials)->number, 0);
}

TEST_F(StudyTest, TellTwiceIsAConflictAndChangesNothing) {
  Study study = create("s");
  ASSERT_TRUE(study.ask(clock_.now(), "w"));
  ASSERT_TRUE(study.tell(0, TrialState::kComplete, 1.0, clock_.now()));
  auto again = study.tell(0, TrialState::kComplete, 5.0, clock_.now());
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::kConflict);
  EXPECT_EQ(again.error().message, "trial 0 of study \"s\" is complete, not running; nothing changed");
  EXPECT_EQ(*(*study.trials())[0].value, 1.0);
}

TEST_F(StudyTest, TellCompleteNeedsFiniteValue) {
  Study study = create("s");
  ASSERT_TRUE(study.ask(clock_.now(), "w"));
  auto r = study.tell(0, TrialState::kComplete, std::nan(""), clock_.now());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  auto missing = study.tell(7, TrialState::kFailed, std::nullopt, clock_.now());
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
}

TEST_F(StudyTest, EnqueuedTrialsRunFirstInOrder) {
  Study study = create("s");
  ASSERT_TRUE(study.enqueue({{"x1", 1.0}, {"x2", 2.0}}, clock_.now()));
  ASSERT_TRUE(study.enqueue({{"x1", 3.0}, {"x2", 4.0}}, clock_.now()));
  auto bad = study.enqueue({{"x1", 1.0}}, clock_.now());
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument);
  auto a = study.ask(clock_.now(), "w");
  auto b = study.ask(clock_.now(), "w");
  auto c = study.ask(clock_.now(), "w");
  ASSERT_TRUE(a && b && c);
  EXPECT_EQ(a->number, 0);
  EXPECT_TRUE(same_value(a->params.at("x1"), ParamValue{1.0}));
  EXPECT_EQ(b->number, 1);
  EXPECT_EQ(c->number, 2);
}

TEST_F(StudyTest, SameSeedSameSequenceAcrossHandles) {
  Study a = create("a");
  Study b = create("b");
  for (int i = 0; i < 5; ++i) {
    auto ta = a.ask(clock_.now(), "w");
    auto tb = b.ask(clock_.now(), "w");
    ASSERT_TRUE(ta && tb);
    EXPECT_EQ(ta->params, tb->params);
  }
  auto reloaded = Study::load(*storage_, "a");
  ASSERT_TRUE(reloaded);
  auto next_a = reloaded->ask(clock_.now(), "w");
  auto next_b = b.ask(clock_.now(), "w");
  EXPECT_EQ(next_a->params, next_b->params);
}

TEST_F(StudyTest, LoadUnknownStudySaysHowToList) {
  auto s = Study::load(*storage_, "nope");
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(s.error().message,
            "no study named \"nope\" in this storage; `greentune studies` lists the studies there");
}

TEST_F(StudyTest, OrchestratorStopsAtTargetAndRecordsWhy) {
  Study study = create("branin", "qmc");
  auto trainer = make_trainer("function:branin", study.space(), "value");
  ASSERT_TRUE(trainer) << trainer.error().message;
  TuneOptions options;
  options.clock = &clock_;
  options.completion.target = 2.0;
  options.completion.max_trials = 500;
  auto result = run_study(study, **trainer, options);
  ASSERT_TRUE(result) << result.error().message;
  ASSERT_TRUE(result->reason);
  EXPECT_EQ(result->reason->criterion, "target");
  ASSERT_TRUE(study.refresh());
  EXPECT_EQ(study.record().stopped_because, "target");
  auto trials = *study.trials();
  EXPECT_LE(*best_trial(Direction::kMinimize, trials)->value, 2.0);
  EXPECT_EQ(static_cast<int64_t>(trials.size()), result->trials_run);
  // Every trial reported its value as an intermediate at step 0, too.
  EXPECT_EQ(trials[0].last("value")->value, *trials[0].value);
}

TEST_F(StudyTest, OrchestratorRequeuesStaleRunningTrials) {
  Study study = create("resume");
  ASSERT_TRUE(study.ask(clock_.now(), "w"));  // left running by a "dead" orchestrator
  clock_.advance(120);
  auto trainer = make_trainer("function:branin", study.space(), "value");
  TuneOptions options;
  options.clock = &clock_;
  options.completion.max_trials = 3;
  auto params_before = (*study.trials())[0].params;
  auto result = run_study(study, **trainer, options);
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_EQ(result->requeued, 1);
  auto trials = *study.trials();
  ASSERT_EQ(trials.size(), 3u);
  EXPECT_EQ(trials[0].state, TrialState::kComplete);
  EXPECT_EQ(trials[0].params, params_before);  // re-run with the same params
}

TEST_F(StudyTest, OrchestratorStopsWhenInterrupted) {
  Study study = create("interrupt");
  auto trainer = make_trainer("function:branin", study.space(), "value");
  std::atomic<bool> stop{true};
  TuneOptions options;
  options.clock = &clock_;
  options.interrupted = &stop;
  auto result = run_study(study, **trainer, options);
  ASSERT_TRUE(result);
  EXPECT_FALSE(result->reason);
  EXPECT_EQ(result->trials_run, 0);
}

TEST_F(StudyTest, GridExhaustionEndsTheStudy) {
  StudyRecord r = record("grid", "grid");
  r.space = {{"c", {{"type", "categorical"}, {"choices", {"a", "b", "c"}}}},
             {"x1", {{"type", "int"}, {"low", 1}, {"high", 2}}}};
  auto study = Study::create(*storage_, r, clock_.now());
  ASSERT_TRUE(study) << study.error().message;
  struct Constant : Trainer {
    Result<TrialOutcome> run(const TrainerRun&, TrialReporter&) override {
      return TrialOutcome{TrialState::kComplete, {{"value", 1.0}}, ""};
    }
  } trainer;
  auto result = run_study(*study, trainer, TuneOptions{});
  ASSERT_TRUE(result) << result.error().message;
  ASSERT_TRUE(result->reason);
  EXPECT_EQ(result->reason->criterion, "exhausted");
  EXPECT_EQ(result->trials_run, 6);
}

}  // namespace
}  // namespace greentune
