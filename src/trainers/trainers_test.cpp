#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <numbers>
#include <vector>

#include "greentune/trainer.hpp"
#include "trainers/functions.hpp"

namespace greentune {
namespace {

// One run of `trainer` at `params`, without checkpoints.
Result<TrialOutcome> run_on(Trainer& trainer, const SearchSpace& space, const Params& params,
                            TrialReporter& reporter) {
  return trainer.run(TrainerRun{space, params}, reporter);
}

// Records what a trainer reports.
class RecordingReporter : public TrialReporter {
 public:
  Status report(int64_t step, const std::map<std::string, double>& metrics) override {
    reports.emplace_back(step, metrics);
    if (fail) return make_error(ErrorCode::kStorage, "disk full");
    return {};
  }
  bool should_stop() override { return false; }

  std::vector<std::pair<int64_t, std::map<std::string, double>>> reports;
  bool fail = false;
};

SearchSpace float_space(size_t dims, double low = 0, double high = 1) {
  std::vector<Param> params;
  for (size_t i = 0; i < dims; ++i) {
    params.push_back({fmt::format("x{}", i + 1), FloatDistribution{low, high, false, {}}});
  }
  return *SearchSpace::create(std::move(params));
}

Params point(const SearchSpace& space, const std::vector<double>& x) {
  Params p;
  for (size_t i = 0; i < x.size(); ++i) p[space.params()[i].name] = x[i];
  return p;
}

std::string make_error_text(const std::string& name, const SearchSpace& space) {
  auto t = make_trainer(name, space, "value");
  if (t) return "";
  EXPECT_EQ(t.error().code, ErrorCode::kInvalidArgument);
  return t.error().message;
}

TEST(TestFunctionsTest, KnownMinimaAtKnownOptimizers) {
  constexpr double kPi = std::numbers::pi;
  double branin_min = test_function_info("function:branin")->minimum;
  EXPECT_NEAR(branin_min, 0.397887, 1e-6);
  for (auto x : {std::vector<double>{-kPi, 12.275}, {kPi, 2.275}, {9.42478, 2.475}}) {
    EXPECT_NEAR(branin(x), branin_min, 1e-5);
  }
  EXPECT_GT(branin(std::vector<double>{0, 0}), 50);
  double h6_min = test_function_info("function:hartmann6")->minimum;
  EXPECT_NEAR(h6_min, -3.32237, 1e-5);
  std::vector<double> h6_opt = {0.20169, 0.150011, 0.476874, 0.275332, 0.311652, 0.6573};
  EXPECT_NEAR(hartmann6(h6_opt), h6_min, 1e-9);
  EXPECT_GE(hartmann6(h6_opt), h6_min);
  EXPECT_GT(hartmann6(std::vector<double>(6, 0.5)), h6_min + 0.5);
  EXPECT_EQ(rosenbrock(std::vector<double>(7, 1.0)), 0.0);
  EXPECT_EQ(rosenbrock(std::vector<double>{0, 0}), 1.0);
  EXPECT_EQ(rosenbrock(std::vector<double>{-1, 1, 1}), 4.0);
}

TEST(TestFunctionsTest, Info) {
  EXPECT_EQ(test_function_info("function:branin")->dims, 2u);
  EXPECT_EQ(test_function_info("function:hartmann6")->dims, 6u);
  EXPECT_EQ(test_function_info("function:rosenbrock")->dims, 0u);
  EXPECT_EQ(test_function_info("function:rosenbrock")->minimum, 0.0);
  EXPECT_EQ(test_function_info("function:rosenbrock")->name, "function:rosenbrock");
  EXPECT_FALSE(test_function_info("xgboost"));
}

TEST(FunctionTrainerTest, ReportsOnceAtStepZeroAndCompletes) {
  SearchSpace space = float_space(2, -5, 15);
  auto trainer = make_trainer("function:branin", space, "loss");
  ASSERT_TRUE(trainer) << trainer.error().message;
  RecordingReporter reporter;
  auto outcome = run_on(**trainer, space, point(space, {std::numbers::pi, 2.275}), reporter);
  ASSERT_TRUE(outcome) << outcome.error().message;
  EXPECT_EQ(outcome->state, TrialState::kComplete);
  ASSERT_EQ(outcome->final_metrics.count("loss"), 1u);
  EXPECT_NEAR(outcome->final_metrics.at("loss"), 0.397887, 1e-6);
  ASSERT_EQ(reporter.reports.size(), 1u);
  EXPECT_EQ(reporter.reports[0].first, 0);
  EXPECT_EQ(reporter.reports[0].second, outcome->final_metrics);
}

TEST(FunctionTrainerTest, TakesParamsInSpaceOrderAndAcceptsInts) {
  // Rosenbrock is not symmetric: (x1, x2) = (-1, 1) gives 4, (1, -1) gives 400.
  auto space = SearchSpace::create(
      {{"b", IntDistribution{-3, 3, false, 1}}, {"a", FloatDistribution{-3, 3, false, {}}}});
  ASSERT_TRUE(space);
  auto trainer = make_trainer("function:rosenbrock", *space, "value");
  ASSERT_TRUE(trainer) << trainer.error().message;
  RecordingReporter reporter;
  auto outcome = run_on(**trainer, *space, {{"b", int64_t{-1}}, {"a", 1.0}}, reporter);
  ASSERT_TRUE(outcome) << outcome.error().message;
  EXPECT_EQ(outcome->final_metrics.at("value"), 4.0);
}

TEST(FunctionTrainerTest, HartmannAtItsOptimum) {
  SearchSpace space = float_space(6);
  auto trainer = make_trainer("function:hartmann6", space, "value");
  ASSERT_TRUE(trainer);
  RecordingReporter reporter;
  auto outcome = run_on(**trainer, 
      space, point(space, {0.20169, 0.150011, 0.476874, 0.275332, 0.311652, 0.6573}), reporter);
  ASSERT_TRUE(outcome);
  EXPECT_NEAR(outcome->final_metrics.at("value"), -3.32237, 1e-5);
}

TEST(FunctionTrainerTest, DimensionAndTypeChecks) {
  EXPECT_EQ(make_error_text("function:branin", float_space(3)),
            "trainer \"function:branin\" takes 2 parameters (x1..x2 in space order); the space "
            "has 3");
  EXPECT_EQ(make_error_text("function:hartmann6", float_space(2)),
            "trainer \"function:hartmann6\" takes 6 parameters (x1..x6 in space order); the "
            "space has 2");
  EXPECT_EQ(make_error_text("function:rosenbrock", float_space(1)),
            "trainer \"function:rosenbrock\" takes 2 or more parameters; the space has 1");
  EXPECT_EQ(make_error_text("function:rosenbrock", float_space(10)), "");
  auto with_cat = SearchSpace::create(
      {{"x1", FloatDistribution{}},
       {"kind", CategoricalDistribution{{std::string("a"), std::string("b")}}}});
  ASSERT_TRUE(with_cat);
  EXPECT_EQ(make_error_text("function:branin", *with_cat),
            "trainer \"function:branin\": parameter \"kind\" is categorical; test functions take "
            "float or int parameters");
  EXPECT_EQ(make_error_text("xgboost", float_space(2)),
            "unknown trainer \"xgboost\"; accepted: function:branin, function:hartmann6, "
            "function:rosenbrock");
  auto no_metric = make_trainer("function:branin", float_space(2), "");
  EXPECT_FALSE(no_metric);
}

TEST(FunctionTrainerTest, BadParamsAndReporterErrorsAreErrors) {
  SearchSpace space = float_space(2);
  auto trainer = make_trainer("function:branin", space, "value");
  ASSERT_TRUE(trainer);
  RecordingReporter reporter;
  auto missing = run_on(**trainer, space, {{"x1", 0.5}}, reporter);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().message, "missing parameter \"x2\"");
  auto wrong = run_on(**trainer, space, {{"x1", 0.5}, {"x2", std::string("a")}}, reporter);
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().message, "parameter \"x2\": expected a number, got a");
  reporter.fail = true;
  auto failed = run_on(**trainer, space, point(space, {0.5, 0.5}), reporter);
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().code, ErrorCode::kStorage);
}

}  // namespace
}  // namespace greentune
