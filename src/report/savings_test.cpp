// What stopping trials early saved: the estimate, its JSON and its line.
#include "greentune/savings.hpp"

#include <gtest/gtest.h>

#include <utility>

#include "greentune/storage.hpp"

namespace greentune {
namespace {

Trial trial(int64_t number, TrialState state, int64_t first_step, int64_t last_step,
            std::optional<double> started = std::nullopt,
            std::optional<double> finished = std::nullopt) {
  Trial t;
  t.id = 100 + number;
  t.number = number;
  t.state = state;
  for (int64_t s = first_step; s <= last_step; ++s) t.intermediate["val_loss"].push_back({s, 0.5});
  t.started = started;
  t.finished = finished;
  return t;
}

Event stop_verdict(int64_t trial_id, const std::string& source, const char* action = "stop") {
  Event e;
  e.trial_id = trial_id;
  e.kind = "verdict";
  e.data = {{"source", source}, {"reason", "pruned"}, {"action", action}};
  return e;
}

std::vector<EnergyRecord> joules(double cpu, double dram = 0.0) {
  return {{"cpu", cpu, "model"}, {"dram", dram, "model"}};
}

TEST(Savings, EnergyPerStepTimesStepsLeft) {
  // max_steps 40; the complete trials spent 400 J over 40 steps: 10 J/step.  Trial 1
  // stopped after 4 steps having spent 100 J: 25 J/step of its own (mostly start-up), so
  // the complete trials' 10 J/step x 36 left = 360 J.  Trial 2 stopped after 10 steps
  // (0..9, counted from 0) with 50 J: 5 J/step x 30 = 150 J.  Trial 3 got a warning only;
  // trial 4 a stop verdict but it completed.
  std::vector<Trial> trials = {
      trial(0, TrialState::kComplete, 1, 40), trial(1, TrialState::kPruned, 1, 4, 1000.0, 1004.0),
      trial(2, TrialState::kPruned, 0, 9), trial(3, TrialState::kPruned, 1, 5),
      trial(4, TrialState::kComplete, 1, 40)};
  std::map<int64_t, std::vector<EnergyRecord>> energy = {{100, joules(400)},
                                                         {101, joules(80, 20)},
                                                         {102, joules(50)},
                                                         {103, joules(60)},
                                                         {104, joules(400)}};
  std::vector<Event> events = {stop_verdict(101, "pruner:asha"), stop_verdict(101, "rule:overfit"),
                               stop_verdict(102, "rule:overfit"),
                               stop_verdict(103, "rule:low_cpu", "warn"),
                               stop_verdict(104, "pruner:asha")};
  Savings s = estimate_savings(trials, energy, events, "val_loss", 40, 5000.0);
  ASSERT_EQ(s.trials.size(), 2U);
  EXPECT_EQ(s.trials[0].trial, 1);
  EXPECT_EQ(s.trials[0].source, "pruner:asha");  // the first stop verdict
  EXPECT_EQ(s.trials[0].steps_done, 4);
  EXPECT_EQ(s.trials[0].steps_left, 36);
  EXPECT_DOUBLE_EQ(s.trials[0].joules_spent, 100.0);
  EXPECT_DOUBLE_EQ(s.trials[0].joules_saved, 360.0);
  // It would have run 4 s x 36 / 4 = 36 s more after its end.
  EXPECT_DOUBLE_EQ(s.trials[0].t0, 1004.0);
  EXPECT_DOUBLE_EQ(s.trials[0].t1, 1040.0);
  EXPECT_EQ(s.trials[1].steps_done, 10);
  EXPECT_DOUBLE_EQ(s.trials[1].joules_saved, 150.0);
  EXPECT_DOUBLE_EQ(s.trials[1].t0, 5000.0);  // no finish time: now
  EXPECT_DOUBLE_EQ(s.joules(), 510.0);
  ASSERT_TRUE(s.complete_joules_per_step);
  EXPECT_DOUBLE_EQ(*s.complete_joules_per_step, 10.0);
  EXPECT_EQ(s.not_estimated(), 0);

  nlohmann::json j = savings_json(s, [](double joules, double t0, double t1) {
    EXPECT_LE(t0, t1);
    return joules / 3.6e6 * 100.0;  // 100 g/kWh
  });
  EXPECT_DOUBLE_EQ(j["joules"].get<double>(), 510.0);
  EXPECT_DOUBLE_EQ(j["kwh"].get<double>(), 510.0 / 3.6e6);
  EXPECT_DOUBLE_EQ(j["co2e_g"].get<double>(), 510.0 / 3.6e6 * 100.0);
  EXPECT_DOUBLE_EQ(j["complete_joules_per_step"].get<double>(), 10.0);
  EXPECT_EQ(j["trials_stopped_early"], 2);
  EXPECT_EQ(j["max_steps"], 40);
  EXPECT_EQ(j["by_source"]["pruner:asha"]["trials"], 1);
  EXPECT_DOUBLE_EQ(j["by_source"]["rule:overfit"]["kwh"].get<double>(), 150.0 / 3.6e6);
  const std::string method =
      "for each trial stopped early by a pruner, rule or budget verdict: its energy per step "
      "so far, or the median energy per step of the complete trials where that is lower (a "
      "trial stopped after a few steps spent most of its energy starting up), x the steps it "
      "had left of 40 ([trial] max_steps)";
  EXPECT_EQ(j["method"], method);

  nlohmann::json summary = {{"n_trials", 5}, {"saved", j}};
  EXPECT_EQ(savings_text(summary),
            "saved      0.0001417 kWh (0.0142 g CO2e) by stopping 2 of 5 trials early "
            "(pruner:asha 1, rule:overfit 1); estimate: " + method + "\n");
}

TEST(Savings, MaxStepsFromTheLongestCompleteTrial) {
  std::vector<Trial> trials = {trial(0, TrialState::kComplete, 1, 20),
                               trial(1, TrialState::kComplete, 1, 30),
                               trial(2, TrialState::kPruned, 1, 3)};
  std::map<int64_t, std::vector<EnergyRecord>> energy = {{102, joules(30)}};
  Savings s = estimate_savings(trials, energy, {stop_verdict(102, "pruner:median")}, "val_loss",
                               std::nullopt, 0.0);
  EXPECT_EQ(*s.max_steps, 30);
  EXPECT_EQ(s.max_steps_from, "the longest complete trial");
  EXPECT_DOUBLE_EQ(s.joules(), 270.0);  // 10 J/step x 27
}

TEST(Savings, NothingToEstimate) {
  // No max_steps and no complete trial; a stopped trial without reports or energy.
  std::vector<Trial> trials = {trial(0, TrialState::kPruned, 1, 3),
                               trial(1, TrialState::kPruned, 1, 0)};
  std::vector<Event> events = {stop_verdict(100, "pruner:median"),
                               stop_verdict(101, "rule:low_cpu")};
  Savings s = estimate_savings(trials, {}, events, "val_loss", std::nullopt, 0.0);
  EXPECT_EQ(s.trials.size(), 2U);
  EXPECT_EQ(s.joules(), 0.0);
  EXPECT_EQ(s.not_estimated(), 2);
  nlohmann::json j = savings_json(s);
  EXPECT_TRUE(j["co2e_g"].is_null());
  EXPECT_TRUE(j["max_steps"].is_null());
  Savings with_steps = estimate_savings(trials, {}, events, "val_loss", 10, 0.0);
  EXPECT_EQ(with_steps.not_estimated(), 2);
  EXPECT_EQ(savings_text({{"n_trials", 3}, {"saved", savings_json(Savings{})}}),
            "saved      nothing yet: no trial was stopped early\n");
  EXPECT_EQ(savings_text({{"n_trials", 3}}), "");
}

TEST(Savings, StepsDoneUsesTheObjectiveElseAnyMetric) {
  Trial t = trial(0, TrialState::kPruned, 1, 7);
  EXPECT_EQ(steps_done(t, "val_loss"), 7);
  EXPECT_EQ(steps_done(t, "accuracy"), 7);  // no accuracy: any metric
  t.intermediate["val_loss"] = {{0, 1.0}, {5, 1.0}};
  EXPECT_EQ(steps_done(t, "val_loss"), 6);
  EXPECT_EQ(steps_done(Trial{}, "val_loss"), 0);
}

TEST(Savings, FromStorage) {
  auto storage = open_storage("memory:");
  ASSERT_TRUE(storage);
  StudyRecord record;
  record.name = "s";
  record.metric = "val_loss";
  record.spec = {{"trial", {{"max_steps", 12}}}};
  auto study = (*storage)->create_study(record);
  ASSERT_TRUE(study);
  auto make = [&](int64_t last_step, TrialState end) {
    auto t = (*storage)->create_trial(
        study->id, Storage::NewTrial(TrialState::kRunning, 10.0),
        [](int64_t, const std::vector<Trial>&) { return Result<Params>(Params{}); });
    EXPECT_TRUE(t);
    for (int64_t s = 1; s <= last_step; ++s) {
      EXPECT_TRUE((*storage)->add_intermediate(t->id, "val_loss", s, 0.5, 10.0 + s));
    }
    EXPECT_TRUE((*storage)->set_trial_energy(t->id, {"cpu", 12.0 * last_step, "rapl"}));
    EXPECT_TRUE((*storage)->finish_trial(t->id, end, 0.5, 10.0 + last_step));
    return *t;
  };
  make(12, TrialState::kComplete);
  Trial stopped = make(3, TrialState::kPruned);
  Event e = stop_verdict(stopped.id, "pruner:asha");
  e.study_id = study->id;
  ASSERT_TRUE((*storage)->add_event(e));
  auto trials = (*storage)->trials(study->id);
  ASSERT_TRUE(trials);
  auto s = study_savings(**storage, *study, *trials, 100.0);
  ASSERT_TRUE(s) << s.error().message;
  ASSERT_EQ(s->trials.size(), 1U);
  EXPECT_DOUBLE_EQ(s->joules(), 12.0 * 9);  // 12 J/step x 9 steps left of 12
}

}  // namespace
}  // namespace greentune
