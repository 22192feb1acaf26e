// Debugger rules on synthetic watches: each fires in its window and not before, once; the
// catalog and validate_rule; a healthy but noisy trial that no rule fires on by default.
#include "greentune/rules.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>

namespace greentune {
namespace {

constexpr double kStart = 1000.0;
constexpr double kGiB = 1024.0 * 1024.0 * 1024.0;

RuleSpec spec(const std::string& kind, std::map<std::string, nlohmann::json> params = {},
              const std::string& action = "stop") {
  RuleSpec s;
  s.kind = kind;
  s.action = action;
  s.params = std::move(params);
  EXPECT_TRUE(validate_rule(s)) << validate_rule(s).error().message;
  return s;
}

// A watch fed like the orchestrator feeds it: reports, samples, polls.
struct Feed {
  Feed() {
    w.started = kStart;
    w.now = kStart;
    w.metric = "val_loss";
  }
  void report(double t, int64_t step, const std::map<std::string, double>& metrics) {
    w.now = t;
    w.reports.push_back({t, step});
    for (const auto& [name, value] : metrics) w.metrics[name].push_back({step, value});
    w.new_report = true;
  }
  void sample(double t, double cpu, double gpu = 0.0, int64_t rss = 100 << 20,
              int64_t gpu_memory = 0) {
    w.now = t;
    SystemSample s;
    s.time = t;
    s.cpu_utilization = cpu;
    s.gpu_utilization = gpu;
    s.rss_bytes = rss;
    s.gpu_memory_bytes = gpu_memory;
    w.samples.push_back(s);
  }
  // Asks the rule as the orchestrator would; clears new_report.
  std::optional<Verdict> check(Rule& rule) {
    auto v = rule.check(w);
    w.new_report = false;
    return v;
  }
  TrialWatch w;
};

// Reports `values` of `metric` at steps 1, 2, ... one second apart; returns the step at
// which the rule first fired (0: never).
int64_t first_firing(Rule& rule, Feed& f, const std::string& metric,
                     const std::vector<double>& values) {
  for (size_t i = 0; i < values.size(); ++i) {
    auto step = static_cast<int64_t>(i + 1);
    f.report(kStart + static_cast<double>(step), step, {{metric, values[i]}});
    if (f.check(rule)) return step;
  }
  return 0;
}

// ---- catalog and validation

TEST(RuleCatalog, EveryKindHasARuleAndValidDefaults) {
  auto kinds = rule_kinds();
  EXPECT_EQ(kinds.size(), 11u);
  for (const auto& info : rule_catalog()) {
    RuleSpec s;
    s.kind = info.kind;
    EXPECT_TRUE(validate_rule(s)) << info.kind;
    EXPECT_NE(make_rule(s, RuleEnvironment{}), nullptr) << info.kind;
    EXPECT_FALSE(info.meaning.empty()) << info.kind;
    for (const auto& p : info.params) {
      EXPECT_EQ(p.check(p.default_value), "") << info.kind << "." << p.name;
      EXPECT_FALSE(p.meaning.empty()) << info.kind << "." << p.name;
      s.params[p.name] = p.default_value;  // explicit defaults validate too
    }
    EXPECT_TRUE(validate_rule(s)) << info.kind;
  }
}

TEST(RuleCatalog, ValidateNamesTheProblemAndTheClosestName) {
  RuleSpec s;
  s.kind = "overfitt";
  auto r = validate_rule(s);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(r.error().message.find("did you mean \"overfit\""), std::string::npos)
      << r.error().message;
  EXPECT_NE(r.error().message.find("energy_forecast"), std::string::npos);

  s.kind = "overfit";
  s.params["patiense"] = 3;
  r = validate_rule(s);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("unknown param \"patiense\"; did you mean \"patience\"?"),
            std::string::npos)
      << r.error().message;

  s.params = {{"zzzzzzzzz", 1}};
  r = validate_rule(s);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("accepted: validation_metric, training_metric"),
            std::string::npos)
      << r.error().message;

  s.params = {{"patience", 2.5}};
  r = validate_rule(s);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "rule overfit: patience: expected an integer >= 1, got 2.5");

  s.params = {{"patience", 0}};
  r = validate_rule(s);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message,
            "rule overfit: patience: 0 is out of range; accepted: an integer >= 1");

  s.params = {{"ratio_threshold", "big"}};
  r = validate_rule(s);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "rule overfit: ratio_threshold: expected a number > 0, got \"big\"");

  s.params = {{"validation_metric", 3}};
  EXPECT_FALSE(validate_rule(s));

  s.kind = "nan_or_exploding";
  s.params = {{"relative_to", "last"}};
  r = validate_rule(s);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message,
            "rule nan_or_exploding: relative_to: \"last\" is not accepted; accepted: one of "
            "\"first\", \"best\"");

  s.kind = "stalled";
  s.params = {{"threshold", -1}};
  r = validate_rule(s);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message,
            "rule stalled: threshold: -1 is out of range; accepted: a duration in seconds > 0");

  s.kind = "low_gpu_utilization";
  s.params = {{"threshold_p95", 1.5}};
  r = validate_rule(s);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message,
            "rule low_gpu_utilization: threshold_p95: 1.5 is out of range; accepted: a number "
            "in [0, 1]");

  s.params = {};
  s.action = "kill";
  r = validate_rule(s);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message,
            "rule low_gpu_utilization: action \"kill\" is not accepted; accepted: \"stop\", "
            "\"warn\"");
}

TEST(RuleSpecJson, RoundTrips) {
  auto s = spec("overfit", {{"patience", 3}, {"ratio_threshold", 0.25}}, "warn");
  auto back = RuleSpec::from_json(s.to_json());
  ASSERT_TRUE(back);
  EXPECT_EQ(back->kind, "overfit");
  EXPECT_EQ(back->action, "warn");
  EXPECT_EQ(back->params.at("patience"), 3);
  EXPECT_EQ(back->params.at("ratio_threshold"), 0.25);
}

// ---- verdicts

TEST(Rules, VerdictCarriesSourceReasonActionAndFiresOnce) {
  Feed f;
  auto rule = make_rule(spec("nan_or_exploding"), {});
  f.report(kStart + 1, 1, {{"val_loss", 1.0}});
  EXPECT_FALSE(f.check(*rule));
  f.report(kStart + 2, 2, {{"val_loss", std::nan("")}});
  auto v = f.check(*rule);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->source, "rule:nan_or_exploding");
  EXPECT_EQ(v->reason, StopReason::kRule);
  EXPECT_TRUE(v->stop);
  EXPECT_EQ(v->message, "val_loss is nan at step 2");
  EXPECT_EQ(v->data["metric"], "val_loss");
  EXPECT_EQ(v->data["step"], 2);
  EXPECT_TRUE(v->data["value"].is_null());
  f.report(kStart + 3, 3, {{"val_loss", std::numeric_limits<double>::infinity()}});
  EXPECT_FALSE(f.check(*rule)) << "a rule fires at most once per attempt";

  auto warn = make_rule(spec("nan_or_exploding", {}, "warn"), {});
  auto w = f.check(*warn);
  ASSERT_TRUE(w);
  EXPECT_FALSE(w->stop);
}

// ---- loss_not_decreasing

TEST(LossNotDecreasing, FlatLossFiresOnceTwoWindowsAreFull) {
  Feed f;
  auto rule = make_rule(spec("loss_not_decreasing"), {});
  std::vector<double> flat(40, 0.7);
  EXPECT_EQ(first_firing(*rule, f, "val_loss", flat), 20);  // windows 1-10 and 11-20
}

TEST(LossNotDecreasing, DecreasingThenFlat) {
  Feed f;
  auto rule = make_rule(spec("loss_not_decreasing", {{"num_steps", 5}}), {});
  std::vector<double> values;
  for (int s = 1; s <= 30; ++s) values.push_back(s <= 15 ? 2.0 - 0.1 * s : 0.5);
  // Steps 16-20 (mean 0.5) vs 11-15 (mean 0.7): still decreasing; 20-24 vs 15-19: flat
  // (step 15 is already 0.5).
  EXPECT_EQ(first_firing(*rule, f, "val_loss", values), 24);
}

TEST(LossNotDecreasing, MinRelativeDecreaseAndMaximizeStudiesWatchLoss) {
  Feed f;
  f.w.direction = Direction::kMaximize;
  f.w.metric = "accuracy";
  auto rule = make_rule(
      spec("loss_not_decreasing", {{"num_steps", 2}, {"min_relative_decrease", 0.1}}), {});
  // 1% per step: the mean of steps 3-4 is ~2% below the mean of steps 1-2, not 10%.
  std::vector<double> slow = {1.0, 0.99, 0.98, 0.97, 0.96};
  for (size_t i = 0; i < slow.size(); ++i) {
    auto step = static_cast<int64_t>(i + 1);
    f.report(kStart + step, step, {{"accuracy", 0.1}, {"loss", slow[i]}});
    auto v = f.check(*rule);
    if (step < 4) {
      EXPECT_FALSE(v) << step;
    } else {
      ASSERT_TRUE(v) << step;
      EXPECT_EQ(v->data["metric"], "loss");
      EXPECT_EQ(v->data["step"], 4);
      EXPECT_NEAR(v->data["recent_mean"].get<double>(), 0.975, 1e-12);
      EXPECT_NEAR(v->data["earlier_mean"].get<double>(), 0.995, 1e-12);
      break;
    }
  }
}

TEST(LossNotDecreasing, ChecksBetweenReportsCostNothingAndChangeNothing) {
  Feed f;
  auto rule = make_rule(spec("loss_not_decreasing", {{"num_steps", 1}}), {});
  f.report(kStart + 1, 1, {{"val_loss", 1.0}});
  EXPECT_FALSE(f.check(*rule));
  for (int i = 0; i < 100; ++i) {
    f.w.now += 0.05;
    EXPECT_FALSE(f.check(*rule));
  }
  f.report(kStart + 7, 2, {{"val_loss", 1.5}});
  EXPECT_TRUE(f.check(*rule));
}

// ---- overfit

TEST(Overfit, DivergingValidationLossFiresAfterPatienceSteps) {
  Feed f;
  auto rule = make_rule(spec("overfit"), {});  // ratio_threshold 0.5, patience 5
  int64_t fired = 0;
  for (int64_t step = 1; step <= 40 && !fired; ++step) {
    double train = 1.0 / (1.0 + 0.2 * step);
    // Tracks training until step 10, then climbs: the gap passes 0.5 at step 13.
    double val = step <= 10 ? 1.1 * train : 1.1 * train + 0.05 * (step - 10);
    f.report(kStart + step, step, {{"train_loss", train}, {"val_loss", val}});
    if (auto v = f.check(*rule)) {
      fired = step;
      EXPECT_EQ(v->data["validation_metric"], "val_loss");
      EXPECT_EQ(v->data["values"].size(), 5u);
      EXPECT_GT(v->data["gap"].get<double>(), 0.5);
      EXPECT_EQ(v->data["window"][1], step);
    }
  }
  int64_t first_above = 0;
  for (int64_t step = 1; step <= 40; ++step) {
    double train = 1.0 / (1.0 + 0.2 * step);
    double val = step <= 10 ? 1.1 * train : 1.1 * train + 0.05 * (step - 10);
    if ((val - train) / train > 0.5) {
      first_above = step;
      break;
    }
  }
  ASSERT_GT(first_above, 10);
  EXPECT_EQ(fired, first_above + 4);
}

TEST(Overfit, ARunBrokenByOneGoodStepStartsAgainAndStartStepIsRespected) {
  Feed f;
  auto rule = make_rule(spec("overfit", {{"patience", 3}, {"start_step", 3}}), {});
  // gaps: step1 big, step2 big (before start_step), 3 big, 4 small, 5-7 big.
  std::vector<double> gaps = {2, 2, 2, 0.1, 2, 2, 2};
  int64_t fired = 0;
  for (size_t i = 0; i < gaps.size() && !fired; ++i) {
    auto step = static_cast<int64_t>(i + 1);
    f.report(kStart + step, step, {{"train_loss", 1.0}, {"val_loss", 1.0 + gaps[i]}});
    if (f.check(*rule)) fired = step;
  }
  EXPECT_EQ(fired, 7);
}

TEST(Overfit, MissingMetricsNeverFire) {
  Feed f;
  auto rule = make_rule(spec("overfit", {{"patience", 1}}), {});
  for (int64_t step = 1; step <= 10; ++step) {
    f.report(kStart + step, step, {{"val_loss", 10.0}});
    EXPECT_FALSE(f.check(*rule));
  }
}

// ---- overtraining

TEST(Overtraining, ValidationPlateausWhileTrainingImproves) {
  Feed f;
  auto rule = make_rule(spec("overtraining"), {});  // patience 10
  int64_t fired = 0;
  for (int64_t step = 1; step <= 40 && !fired; ++step) {
    double train = 1.0 / step;
    double val = step <= 8 ? 1.0 / step + 0.1 : 1.0 / 8 + 0.1 + 0.001 * (step - 8);
    f.report(kStart + step, step, {{"train_loss", train}, {"val_loss", val}});
    if (auto v = f.check(*rule)) {
      fired = step;
      EXPECT_EQ(v->data["best_validation_step"], 8);
      EXPECT_EQ(v->data["steps_without_improvement"], 10);
      EXPECT_LT(v->data["training_since"].get<double>(), v->data["training_before"].get<double>());
    }
  }
  EXPECT_EQ(fired, 18);
}

TEST(Overtraining, BothFlatIsNotOvertraining) {
  Feed f;
  auto rule = make_rule(spec("overtraining", {{"patience", 3}}), {});
  for (int64_t step = 1; step <= 20; ++step) {
    f.report(kStart + step, step, {{"train_loss", 0.5}, {"val_loss", 0.6}});
    EXPECT_FALSE(f.check(*rule)) << step;
  }
}

// ---- nan_or_exploding

TEST(NanOrExploding, NanAtStepSevenInAnyMetric) {
  Feed f;
  auto rule = make_rule(spec("nan_or_exploding"), {});
  int64_t fired = 0;
  for (int64_t step = 1; step <= 10 && !fired; ++step) {
    double acc = step == 7 ? std::nan("") : 0.1 * step;
    f.report(kStart + step, step, {{"val_loss", 1.0 / step}, {"accuracy", acc}});
    if (auto v = f.check(*rule)) {
      fired = step;
      EXPECT_EQ(v->data["metric"], "accuracy");
    }
  }
  EXPECT_EQ(fired, 7);
}

TEST(NanOrExploding, InfinityAndExplosionRelativeToFirstOrBest) {
  {
    Feed f;
    auto rule = make_rule(spec("nan_or_exploding"), {});
    EXPECT_EQ(first_firing(*rule, f, "val_loss",
                           {1.0, 0.5, 0.2, -std::numeric_limits<double>::infinity()}),
              4);
  }
  {
    Feed f;  // factor 10 x the first value: 9.9 is not an explosion, 10.5 is
    auto rule = make_rule(spec("nan_or_exploding"), {});
    auto fired = first_firing(*rule, f, "val_loss", {1.0, 0.5, 9.9, 0.4, 10.5});
    EXPECT_EQ(fired, 5);
  }
  {
    Feed f;  // relative to the best (0.05): 0.6 is 12x
    auto rule = make_rule(spec("nan_or_exploding", {{"relative_to", "best"}}), {});
    EXPECT_EQ(first_firing(*rule, f, "val_loss", {1.0, 0.5, 0.05, 0.4, 0.6}), 5);
  }
  {
    Feed f;  // a growing metric that is not the loss is not an explosion
    auto rule = make_rule(spec("nan_or_exploding"), {});
    EXPECT_EQ(first_firing(*rule, f, "accuracy", {0.01, 0.2, 0.5, 0.9}), 0);
  }
}

// ---- vanishing_gradient

TEST(VanishingGradient, BelowThresholdForNumStepsInARow) {
  Feed f;
  auto rule = make_rule(spec("vanishing_gradient"), {});  // 1e-7, 3 steps
  EXPECT_EQ(first_firing(*rule, f, "grad_norm", {0.5, 1e-8, 1e-8, 0.1, 1e-9, 1e-8, 1e-10, 1e-10}),
            7);
}

// ---- stalled

TEST(Stalled, NoReportForThresholdSecondsAfterTheFirst) {
  Feed f;
  auto rule = make_rule(spec("stalled", {{"threshold", 30}}), {});
  f.w.now = kStart + 100;  // before the first report: max_initialization_time's business
  EXPECT_FALSE(f.check(*rule));
  f.report(kStart + 100, 1, {{"val_loss", 1.0}});
  EXPECT_FALSE(f.check(*rule));
  f.report(kStart + 120, 2, {{"val_loss", 0.9}});
  f.w.now = kStart + 150;
  EXPECT_FALSE(f.check(*rule));
  f.w.now = kStart + 150.5;
  auto v = f.check(*rule);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->data["cause"], "no_report");
  EXPECT_EQ(v->data["step"], 2);
  EXPECT_DOUBLE_EQ(v->data["seconds_since_report"].get<double>(), 30.5);
}

TEST(Stalled, IdleProcessesForIdleThresholdSeconds) {
  Feed f;
  auto rule = make_rule(spec("stalled", {{"idle_threshold", 10}}), {});
  f.sample(kStart + 1, 0.9);  // start-up
  EXPECT_FALSE(f.check(*rule));
  int64_t fired_at = 0;
  for (int t = 2; t <= 20 && !fired_at; ++t) {
    f.sample(kStart + t, t == 6 ? 0.5 : 0.01);  // busy once at t=6: idle from there
    if (auto v = f.check(*rule)) {
      fired_at = t;
      EXPECT_EQ(v->data["cause"], "idle");
      EXPECT_DOUBLE_EQ(v->data["idle_s"].get<double>(), 10.0);
    }
  }
  EXPECT_EQ(fired_at, 16);
}

TEST(Stalled, IdleFromTheStartCountsFromTheStart) {
  Feed f;
  auto rule = make_rule(spec("stalled", {{"idle_threshold", 5}}), {});
  int64_t fired_at = 0;
  for (int t = 1; t <= 10 && !fired_at; ++t) {
    f.sample(kStart + t, 0.0);
    if (f.check(*rule)) fired_at = t;
  }
  EXPECT_EQ(fired_at, 5);
}

TEST(Stalled, ABusyGpuIsNotIdle) {
  Feed f;
  auto rule = make_rule(spec("stalled", {{"idle_threshold", 5}}), {});
  for (int t = 1; t <= 20; ++t) {
    f.sample(kStart + t, 0.01, 0.9, 100 << 20, 1 << 30);
    EXPECT_FALSE(f.check(*rule));
  }
}

// ---- max_initialization_time

TEST(MaxInitializationTime, NoFirstReportWithinThreshold) {
  Feed f;
  auto rule = make_rule(spec("max_initialization_time", {{"threshold", 60}}), {});
  f.w.now = kStart + 60;
  EXPECT_FALSE(f.check(*rule));
  f.w.now = kStart + 60.1;
  auto v = f.check(*rule);
  ASSERT_TRUE(v);
  EXPECT_NEAR(v->data["seconds_since_start"].get<double>(), 60.1, 1e-9);

  Feed g;
  auto ok = make_rule(spec("max_initialization_time", {{"threshold", 60}}), {});
  g.report(kStart + 59, 1, {{"val_loss", 1.0}});
  g.w.now = kStart + 1000;
  EXPECT_FALSE(g.check(*ok));
}

// ---- low_gpu_utilization and cpu_bottleneck (synthetic only: greentune samples no GPU yet)

TEST(LowGpuUtilization, UnderusedGpuFiresAfterWarmupAndAFullWindow) {
  Feed f;
  auto rule = make_rule(spec("low_gpu_utilization", {{"window", 60}, {"warmup", 30}}), {});
  int64_t fired_at = 0;
  for (int t = 1; t <= 200 && !fired_at; ++t) {
    f.sample(kStart + t, 1.0, 0.3 + 0.01 * (t % 5), 1 << 30, 2LL << 30);
    if (auto v = f.check(*rule)) {
      fired_at = t;
      EXPECT_EQ(v->data["cause"], "underused");
      EXPECT_LT(v->data["gpu_utilization"]["p95"].get<double>(), 0.7);
      EXPECT_EQ(v->data["samples"], 60);  // (t - 60, t], from start + 30
    }
  }
  EXPECT_EQ(fired_at, 90);
}

TEST(LowGpuUtilization, FluctuatingOnlyWhenP5IsEnabledAndNoGpuNeverFires) {
  auto dips = [](int t) { return t % 10 == 0 ? 0.02 : 0.95; };
  {
    Feed f;
    auto rule = make_rule(spec("low_gpu_utilization", {{"window", 60}, {"warmup", 0}}), {});
    for (int t = 1; t <= 200; ++t) {
      f.sample(kStart + t, 1.0, dips(t), 1 << 30, 2LL << 30);
      EXPECT_FALSE(f.check(*rule)) << t;
    }
  }
  {
    Feed f;
    auto rule = make_rule(
        spec("low_gpu_utilization", {{"window", 60}, {"warmup", 0}, {"threshold_p5", 0.1}}), {});
    int64_t fired_at = 0;
    for (int t = 1; t <= 200 && !fired_at; ++t) {
      f.sample(kStart + t, 1.0, dips(t), 1 << 30, 2LL << 30);
      if (auto v = f.check(*rule)) {
        fired_at = t;
        EXPECT_EQ(v->data["cause"], "fluctuating");
      }
    }
    EXPECT_EQ(fired_at, 60);
  }
  {
    Feed f;  // a CPU-only trial: GPU fields stay zero
    auto rule = make_rule(spec("low_gpu_utilization", {{"window", 60}, {"warmup", 0}}), {});
    for (int t = 1; t <= 200; ++t) {
      f.sample(kStart + t, 1.0);
      EXPECT_FALSE(f.check(*rule));
    }
  }
}

TEST(CpuBottleneck, IdleGpuWhileCpuIsSaturated) {
  RuleEnvironment env;
  env.cpu_cores = 8;
  {
    Feed f;
    auto rule = make_rule(spec("cpu_bottleneck", {{"window", 100}, {"warmup", 0}}), env);
    int64_t fired_at = 0;
    for (int t = 1; t <= 300 && !fired_at; ++t) {
      bool starved = t % 4 != 0;  // 75% of samples: GPU idle, 7.8 of 8 cores busy
      f.sample(kStart + t, starved ? 7.8 : 4.0, starved ? 0.02 : 0.9, 1 << 30, 2LL << 30);
      if (auto v = f.check(*rule)) {
        fired_at = t;
        EXPECT_NEAR(v->data["bottlenecked_share"].get<double>(), 0.75, 0.02);
        EXPECT_DOUBLE_EQ(v->data["cpu_busy_cores"].get<double>(), 0.9 * 8);
      }
    }
    EXPECT_EQ(fired_at, 100);
  }
  {
    Feed f;  // idle GPU but idle CPU too: not a CPU bottleneck
    auto rule = make_rule(spec("cpu_bottleneck", {{"window", 100}, {"warmup", 0}}), env);
    for (int t = 1; t <= 300; ++t) {
      f.sample(kStart + t, 1.0, 0.02, 1 << 30, 2LL << 30);
      EXPECT_FALSE(f.check(*rule));
    }
  }
}

// ---- memory_pressure

TEST(MemoryPressure, RssAboveShareOfTheLimit) {
  RuleEnvironment env;
  env.memory_limit_bytes = static_cast<int64_t>(4 * kGiB);
  Feed f;
  auto rule = make_rule(spec("memory_pressure", {{"num_samples", 2}}), env);
  std::vector<double> gib = {1.0, 3.0, 3.7, 3.5, 3.7, 3.8};
  int64_t fired_at = 0;
  for (size_t i = 0; i < gib.size() && !fired_at; ++i) {
    f.sample(kStart + i + 1.0, 1.0, 0.0, static_cast<int64_t>(gib[i] * kGiB));
    if (auto v = f.check(*rule)) {
      fired_at = static_cast<int64_t>(i + 1);
      EXPECT_EQ(v->data["limit_bytes"], static_cast<int64_t>(4 * kGiB));
    }
  }
  EXPECT_EQ(fired_at, 6);  // 3.7 > 3.6 at samples 3 and 5-6; two in a row first at 6

  Feed g;  // no known limit and none given: never
  auto none = make_rule(spec("memory_pressure"), {});
  g.sample(kStart + 1, 1.0, 0.0, static_cast<int64_t>(100 * kGiB));
  EXPECT_FALSE(g.check(*none));
  auto given = make_rule(spec("memory_pressure", {{"limit_bytes", 1 << 30}}), {});
  EXPECT_TRUE(g.check(*given));
}

// ---- energy_forecast

TEST(EnergyForecast, ExtrapolatesEnergyPerStepAfterMinProgress) {
  RuleEnvironment env;
  env.trial_max_energy_j = 1500.0;
  Feed f;
  f.w.max_steps = 100;
  auto rule = make_rule(spec("energy_forecast"), env);  // min_progress 0.1
  int64_t fired_at = 0;
  for (int64_t step = 1; step <= 100 && !fired_at; ++step) {
    f.w.joules = {{"cpu", 50.0 + 15.0 * step}, {"dram", 5.0 * step}};  // 20 J per step
    f.report(kStart + step, step, {{"val_loss", 1.0}});
    if (auto v = f.check(*rule)) {
      fired_at = step;
      EXPECT_NEAR(v->data["joules_per_step"].get<double>(), 20.0, 1e-9);
      EXPECT_NEAR(v->data["forecast_j"].get<double>(), 50.0 + 20.0 * 100, 1e-9);
      EXPECT_DOUBLE_EQ(v->data["budget_j"].get<double>(), 1500.0);
    }
  }
  EXPECT_EQ(fired_at, 10);

  Feed g;  // within budget: never; without max_steps: never
  g.w.max_steps = 100;
  auto ok = make_rule(spec("energy_forecast"), env);
  Feed h;
  auto no_steps = make_rule(spec("energy_forecast"), env);
  for (int64_t step = 1; step <= 100; ++step) {
    g.w.joules = {{"cpu", 50.0 + 10.0 * step}};
    g.report(kStart + step, step, {});
    EXPECT_FALSE(g.check(*ok)) << step;
    h.w.joules = {{"cpu", 500.0 * step}};
    h.report(kStart + step, step, {});
    EXPECT_FALSE(h.check(*no_steps));
  }
}

TEST(EnergyForecast, ParamBudgetAndMargin) {
  Feed f;
  f.w.max_steps = 10;
  auto rule =
      make_rule(spec("energy_forecast",
                     {{"max_energy_kwh", 1000.0 / 3.6e6}, {"margin", 0.5}, {"min_progress", 0.5}}),
                {});
  int64_t fired_at = 0;
  for (int64_t step = 1; step <= 10 && !fired_at; ++step) {
    f.w.joules = {{"cpu", 160.0 * step}};  // forecast 1600 > 1500
    f.report(kStart + step, step, {});
    if (f.check(*rule)) fired_at = step;
  }
  EXPECT_EQ(fired_at, 5);
}

// ---- a healthy trial

TEST(Rules, HealthyNoisyTrialIsNeverStoppedAtDefaults) {
  RuleEnvironment env;
  env.cpu_cores = 8;
  env.memory_limit_bytes = static_cast<int64_t>(16 * kGiB);
  env.trial_max_energy_j = 4.0e5;
  std::vector<std::unique_ptr<Rule>> rules;
  for (const auto& kind : rule_kinds()) rules.push_back(make_rule(spec(kind), env));

  std::mt19937 rng(42);
  std::uniform_real_distribution<double> noise(-1.0, 1.0);
  Feed f;
  f.w.max_steps = 200;
  double t = kStart;
  double joules = 0;
  int checks = 0;
  for (int64_t step = 1; step <= 200; ++step) {
    // 5 s per step: samples each second, a poll every 50 ms, an evaluation dip every 20
    // steps, then the report.
    for (int s = 0; s < 5; ++s) {
      t += 1.0;
      bool eval = step % 20 == 0 && s >= 3;
      double cpu = 3.0 + 0.5 * noise(rng);
      double gpu = eval ? 0.3 : 0.88 + 0.08 * noise(rng);
      auto rss = static_cast<int64_t>((2.0 + 0.1 * noise(rng)) * kGiB);
      f.sample(t, cpu, gpu, rss, static_cast<int64_t>(6 * kGiB));
      joules += 250.0 + 30.0 * noise(rng);
      f.w.joules = {{"cpu", joules * 0.3}, {"gpu", joules * 0.6}, {"dram", joules * 0.1}};
      for (double poll = 0.05; poll < 1.0; poll += 0.2) {
        f.w.now = t + poll;
        for (auto& rule : rules) {
          auto v = f.check(*rule);
          EXPECT_FALSE(v) << v->message;
          ++checks;
        }
      }
    }
    double train = 2.0 * std::exp(-static_cast<double>(step) / 150.0) + 0.1;
    train *= 1.0 + 0.02 * noise(rng);
    double val = (2.0 * std::exp(-static_cast<double>(step) / 150.0) + 0.1) * 1.15 *
                 (1.0 + 0.03 * noise(rng));
    double grad = (1.0 / (1.0 + step / 20.0)) * (1.0 + 0.3 * noise(rng));
    f.report(t + 0.5, step, {{"train_loss", train}, {"val_loss", val}, {"grad_norm", grad}});
    for (auto& rule : rules) {
      auto v = f.check(*rule);
      EXPECT_FALSE(v) << v->message;
    }
  }
  EXPECT_GT(checks, 10000);
}

}  // namespace
}  // namespace greentune
