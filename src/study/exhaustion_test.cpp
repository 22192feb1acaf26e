// No energy spent twice: on a small all-discrete space, the model-based samplers run each
// point once and the study ends saying the space is exhausted, well before its budget.
#include <gtest/gtest.h>

#include <set>

#include "greentune/orchestrator.hpp"
#include "greentune/study.hpp"
#include "greentune/trainer.hpp"
#include "testing/test_helpers.hpp"

namespace greentune {
namespace {

class ExhaustionTest : public ::testing::TestWithParam<const char*> {};

// A value that depends on the point, so that the models have something to fit.
struct Bowl : Trainer {
  Result<TrialOutcome> run(const TrainerRun& run, TrialReporter&) override {
    const Params& params = run.params;
    auto a = static_cast<double>(std::get<int64_t>(params.at("a")));
    auto b = static_cast<double>(std::get<int64_t>(params.at("b")));
    return TrialOutcome{TrialState::kComplete, {{"value", (a - 1) * (a - 1) + b}}, ""};
  }
};

TEST_P(ExhaustionTest, NinePointSpaceRunsNineDistinctTrialsThenEnds) {
  auto storage = open_storage("memory:");
  ASSERT_TRUE(storage) << storage.error().message;
  StudyRecord r;
  r.name = "small";
  r.space = {{"a", {{"type", "int"}, {"low", 0}, {"high", 2}}},
             {"b", {{"type", "int"}, {"low", 0}, {"high", 2}}}};
  r.sampler = {{"name", GetParam()}, {"seed", 5}};
  testing::FakeClock clock;
  auto study = Study::create(**storage, r, clock.now());
  ASSERT_TRUE(study) << study.error().message;
  Bowl trainer;
  TuneOptions options;
  options.clock = &clock;
  options.completion.max_trials = 50;
  auto result = run_study(*study, trainer, options);
  ASSERT_TRUE(result) << result.error().message;
  ASSERT_TRUE(result->reason);
  EXPECT_EQ(result->reason->criterion, "exhausted") << result->reason->detail;
  EXPECT_NE(result->reason->detail.find("9 points"), std::string::npos) << result->reason->detail;
  EXPECT_EQ(result->trials_run, 9);
  auto trials = study->trials();
  ASSERT_TRUE(trials);
  ASSERT_EQ(trials->size(), 9u);
  std::set<std::pair<int64_t, int64_t>> points;
  for (const Trial& t : *trials) {
    EXPECT_EQ(t.state, TrialState::kComplete);
    points.emplace(std::get<int64_t>(t.params.at("a")), std::get<int64_t>(t.params.at("b")));
  }
  EXPECT_EQ(points.size(), 9u);
}

INSTANTIATE_TEST_SUITE_P(ModelSamplers, ExhaustionTest, ::testing::Values("tpe", "gp", "auto"));

}  // namespace
}  // namespace greentune
