// The judge a study's specs make: the per-trial budget, the pruner deciding at every
// reported step in order however reports are batched, and stage plans over data fractions.
#include <gtest/gtest.h>

#include "study/judge.hpp"

namespace greentune {
namespace {

HistoryFn no_history() {
  return [] { return Result<History>(std::make_shared<const std::vector<Trial>>()); };
}

// A watch of trial 0 that reported `loss` at steps 0..values.size()-1.
TrialWatch watch_of(const Trial& trial, const std::vector<double>& values) {
  TrialWatch w;
  w.trial = &trial;
  w.metric = "loss";
  for (size_t i = 0; i < values.size(); ++i) {
    auto step = static_cast<int64_t>(i);
    w.metrics["loss"].push_back({step, values[i]});
    w.reports.push_back({static_cast<double>(i), step});
  }
  w.new_report = true;
  return w;
}

JudgeSpec threshold_above(double upper) {
  JudgeSpec spec;
  spec.file = "s.toml";
  spec.study = "s";
  spec.metric = "loss";
  spec.pruner.kind = "threshold";
  spec.pruner.upper = upper;
  return spec;
}

TEST(StudyJudge, NothingToJudgeMakesNoFactory) {
  JudgeSpec spec;
  auto factory = make_judge_factory(spec, rule_environment(spec));
  ASSERT_TRUE(factory) << factory.error().message;
  EXPECT_FALSE(static_cast<bool>(*factory));
}

TEST(StudyJudge, PerTrialEnergyBudgetStopsOnceSpent) {
  JudgeSpec spec;
  spec.trial_max_energy_kwh = 0.001;  // 3600 J
  RuleEnvironment env = rule_environment(spec);
  EXPECT_DOUBLE_EQ(*env.trial_max_energy_j, 3600.0);
  auto factory = make_judge_factory(spec, env);
  ASSERT_TRUE(factory && *factory);
  Trial t;
  auto judge = (*factory)(t);
  TrialWatch w = watch_of(t, {1.0});
  w.joules = {{"cpu", 3000.0}};
  EXPECT_TRUE(judge->check(w, no_history())->empty());
  w.joules = {{"cpu", 3000.0}, {"dram", 700.0}};
  auto verdicts = judge->check(w, no_history());
  ASSERT_EQ(verdicts->size(), 1U);
  EXPECT_EQ((*verdicts)[0].source, "budget:trial_energy");
  EXPECT_EQ((*verdicts)[0].reason, StopReason::kBudget);
  EXPECT_TRUE(judge->check(w, no_history())->empty()) << "the budget fires once";
}

TEST(StudyJudge, PrunerSeesEveryStepOfABatchInOrder) {
  auto factory = make_judge_factory(threshold_above(5.0), {});
  ASSERT_TRUE(factory && *factory);
  Trial t;
  auto judge = (*factory)(t);
  // Step 1 crossed the threshold, step 2 came back under it: read in one poll, the
  // trial is still pruned at step 1, as if each report had been judged on its own.
  auto verdicts = judge->check(watch_of(t, {1.0, 9.0, 2.0}), no_history());
  ASSERT_TRUE(verdicts) << verdicts.error().message;
  ASSERT_EQ(verdicts->size(), 1U);
  EXPECT_EQ((*verdicts)[0].source, "pruner:threshold");
  EXPECT_EQ((*verdicts)[0].reason, StopReason::kPruned);
}

TEST(StudyJudge, PrunerWaitsForANewReport) {
  auto factory = make_judge_factory(threshold_above(5.0), {});
  Trial t;
  auto judge = (*factory)(t);
  TrialWatch w = watch_of(t, {9.0});
  w.new_report = false;
  EXPECT_TRUE(judge->check(w, no_history())->empty());
}

TEST(StudyJudge, RefusedSpecsNameTheFileAndSection) {
  JudgeSpec spec = threshold_above(5.0);
  spec.pruner.kind = "sometimes";
  auto factory = make_judge_factory(spec, {});
  ASSERT_FALSE(factory);
  EXPECT_EQ(factory.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(factory.error().message.rfind("s.toml: [pruner] ", 0), 0U) << factory.error().message;
}

TEST(StudyJudge, OverDataFractionsThePrunerDecidesBetweenStagesOnly) {
  JudgeSpec spec;
  spec.study = "s";
  spec.metric = "loss";
  spec.pruner.kind = "asha";
  spec.pruner.resource = "data_fraction";
  auto factory = make_judge_factory(spec, {});
  ASSERT_TRUE(factory) << factory.error().message;
  EXPECT_FALSE(static_cast<bool>(*factory)) << "no rules, no budget: no per-step judge";
  auto plan = make_stage_plan(spec);
  ASSERT_TRUE(plan && plan->has_value());
  EXPECT_EQ((*plan)->max_resource, 27);
  EXPECT_EQ((*plan)->source, "pruner:asha");
  Trial t;
  EXPECT_EQ((*plan)->stages(t), (std::vector<int64_t>{1, 3, 9, 27}));
  EXPECT_FALSE(make_stage_plan(threshold_above(1.0))->has_value());
}

TEST(StudyJudge, SpecOfAStudyFile) {
  StudySpec file;
  file.path = "f.toml";
  file.name = "n";
  file.direction = Direction::kMaximize;
  file.metric = "auc";
  file.pruner.kind = "median";
  file.trial.max_steps = 40;
  file.trial.max_energy_kwh = 0.5;
  JudgeSpec j = judge_spec_of(file);
  EXPECT_EQ(j.file, "f.toml");
  EXPECT_EQ(j.study, "n");
  EXPECT_EQ(j.direction, Direction::kMaximize);
  EXPECT_EQ(j.metric, "auc");
  EXPECT_EQ(j.pruner.kind, "median");
  EXPECT_EQ(j.max_steps, 40);
  EXPECT_EQ(j.trial_max_energy_kwh, 0.5);
}

}  // namespace
}  // namespace greentune
