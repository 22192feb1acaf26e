// Pruner decisions, against hand-computed values and against Optuna 3.1 itself.
//
// Expected decisions marked "Optuna 3.1" come from running the same history through
// optuna.pruners.* (Debian's python3-optuna 3.1.0, /usr/bin/python3) with an in-memory
// study: finished trials added with optuna.trial.create_trial, the running trial's
// values given with trial.report(value, step) followed by trial.should_prune(), and, for
// ASHA and Hyperband, every trial asked up front and reports interleaved in the order
// the test uses (a pruned trial is told PRUNED and reports no more).
// src/pruning/testdata/optuna_expected.py computes them all again.
#include "greentune/pruner.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "pruning/pruners.hpp"

namespace greentune {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
using Curve = std::vector<std::pair<int64_t, double>>;

Trial make_trial(int64_t number, TrialState state, const Curve& curve,
                 const std::string& metric = "val_loss") {
  Trial t;
  t.id = number + 100;
  t.number = number;
  t.state = state;
  for (const auto& [step, value] : curve) t.intermediate[metric].push_back({step, value});
  return t;
}

PrunerSpec spec_of(const std::string& kind) {
  PrunerSpec s;
  s.kind = kind;
  return s;
}

std::unique_ptr<Pruner> pruner_of(const PrunerSpec& spec, std::optional<int64_t> max_steps = 100) {
  auto p = make_pruner(spec, max_steps);
  EXPECT_TRUE(p) << p.error().message;
  return p ? std::move(*p) : nullptr;
}

// The running trial (number = finished.size()) reports `running` one step at a time; the
// decision after each report.
std::vector<PruneDecision> run(const Pruner& pruner, Direction direction,
                               const std::vector<Trial>& finished, const Curve& running,
                               const std::string& study = "s") {
  std::vector<Trial> trials = finished;
  const auto number = static_cast<int64_t>(trials.size());
  trials.push_back(make_trial(number, TrialState::kRunning, {}));
  std::vector<PruneDecision> out;
  for (const auto& [step, value] : running) {
    trials.back().intermediate["val_loss"].push_back({step, value});
    PruneContext ctx;
    ctx.direction = direction;
    ctx.metric = "val_loss";
    ctx.trial = &trials.back();
    ctx.trials = &trials;
    ctx.step = step;
    ctx.study = study;
    out.push_back(pruner.decide(ctx));
  }
  return out;
}

std::vector<bool> prunes(const std::vector<PruneDecision>& decisions) {
  std::vector<bool> out;
  for (const auto& d : decisions) out.push_back(d.prune);
  return out;
}

std::vector<bool> run_prunes(const PrunerSpec& spec, Direction direction,
                             const std::vector<Trial>& finished, const Curve& running) {
  auto p = pruner_of(spec);
  return prunes(run(*p, direction, finished, running));
}

// Five complete trials (val_loss by epoch); trial 4 stopped after two steps.
const std::vector<Curve> kCurves = {
    {{1, 0.9}, {2, 0.7}, {3, 0.5}, {4, 0.4}, {5, 0.35}},
    {{1, 0.8}, {2, 0.6}, {3, 0.45}, {4, 0.3}, {5, 0.25}},
    {{1, 1.0}, {2, 0.9}, {3, 0.8}, {4, 0.75}, {5, 0.7}},
    {{1, 0.7}, {2, 0.5}, {3, 0.4}, {4, 0.35}},
    {{1, 0.95}, {2, 0.85}},
};
const Curve kRunning = {{1, 0.85}, {2, 0.8}, {3, 0.45}, {4, 0.5}, {5, 0.3}};
const Curve kRunning2 = {{1, 0.85}, {2, 0.8}, {3, 0.6}, {4, 0.5}, {5, 0.3}};

std::vector<Trial> complete_trials(size_t n, bool maximize = false) {
  std::vector<Trial> out;
  for (size_t i = 0; i < n; ++i) {
    Curve c = kCurves[i];
    if (maximize) {
      for (auto& [step, v] : c) v = 1 - v;
    }
    out.push_back(make_trial(static_cast<int64_t>(i), TrialState::kComplete, c));
  }
  return out;
}

Curve flipped(Curve c) {
  for (auto& [step, v] : c) v = 1 - v;
  return c;
}

using B = std::vector<bool>;

// ---- helpers

TEST(PrunerUtil, NanPercentileMatchesNumpy) {
  // numpy 1.24: np.nanpercentile([0.7, 0.5, 0.9, 0.4, 0.85, nan], q)
  std::vector<double> v = {0.7, 0.5, 0.9, 0.4, 0.85, kNaN};
  EXPECT_DOUBLE_EQ(pruning::nan_percentile(v, 0), 0.4);
  EXPECT_DOUBLE_EQ(pruning::nan_percentile(v, 10), 0.44);
  EXPECT_DOUBLE_EQ(pruning::nan_percentile(v, 25), 0.5);
  EXPECT_DOUBLE_EQ(pruning::nan_percentile(v, 50), 0.7);
  EXPECT_DOUBLE_EQ(pruning::nan_percentile(v, 75), 0.85);
  EXPECT_DOUBLE_EQ(pruning::nan_percentile(v, 90), 0.88);
  EXPECT_DOUBLE_EQ(pruning::nan_percentile(v, 100), 0.9);
  EXPECT_DOUBLE_EQ(pruning::nan_percentile(v, 33.3), 0.5664);
  EXPECT_TRUE(std::isnan(pruning::nan_percentile({kNaN, kNaN}, 50)));
  EXPECT_TRUE(std::isnan(pruning::nan_percentile({}, 50)));
}

TEST(PrunerUtil, Crc32AsPythonBinascii) {
  // binascii.crc32(b"s_0"), binascii.crc32(b"breast-cancer-sgd_17")
  EXPECT_EQ(pruning::crc32("s_0"), 2987163180U);
  EXPECT_EQ(pruning::crc32("breast-cancer-sgd_17"), 1957748272U);
}

TEST(PrunerUtil, FirstInIntervalStep) {
  pruning::StepValues v = {{0, 1.0}, {1, 1.0}, {2, 1.0}};
  // warmup 1, interval 3: checks at 1, 4, 7, ...
  EXPECT_TRUE(pruning::is_first_in_interval_step(1, {{1, 1.0}}, 1, 3));
  EXPECT_FALSE(pruning::is_first_in_interval_step(2, v, 1, 3));
  EXPECT_TRUE(pruning::is_first_in_interval_step(5, {{1, 1.0}, {3, 1.0}, {5, 1.0}}, 1, 3));
  EXPECT_FALSE(pruning::is_first_in_interval_step(6, {{4, 1.0}, {6, 1.0}}, 1, 3));
}

// ---- median

TEST(MedianPruner, MinimizeDefaults) {
  // By hand: medians of the complete trials at steps 1..5 are 0.9, 0.7, 0.475, 0.375,
  // 0.35; the running trial's best so far 0.85, 0.8, 0.45, 0.45, 0.3.  Optuna 3.1: same.
  EXPECT_EQ(run_prunes(spec_of("median"), Direction::kMinimize, complete_trials(5), kRunning),
            (B{false, true, false, true, false}));
  // Optuna 3.1 (the value 0.6 at step 3 is worse than the median 0.475).
  EXPECT_EQ(run_prunes(spec_of("median"), Direction::kMinimize, complete_trials(5), kRunning2),
            (B{false, true, true, true, false}));
}

TEST(MedianPruner, MessageAndData) {
  auto p = pruner_of(spec_of("median"));
  auto d = run(*p, Direction::kMinimize, complete_trials(5), kRunning);
  EXPECT_EQ(d[1].message,
            "val_loss 0.8 (best so far) at step 2 is worse than the median 0.7 of 5 complete "
            "trials at that step");
  EXPECT_EQ(d[1].data["step"], 2);
  EXPECT_DOUBLE_EQ(d[1].data["value"].get<double>(), 0.8);
  EXPECT_DOUBLE_EQ(d[1].data["reference"].get<double>(), 0.7);
  EXPECT_EQ(d[1].data["n"], 5);
  EXPECT_EQ(d[2].message,
            "val_loss 0.45 (best so far) at step 3 is not worse than the median 0.475 of 4 "
            "complete trials at that step");
  EXPECT_EQ(p->name(), "median");
}

TEST(MedianPruner, StartupCountsCompleteTrialsOnly) {
  // Optuna 3.1: four complete trials and one pruned one are below n_startup_trials = 5.
  std::vector<Trial> four = complete_trials(4);
  four.push_back(make_trial(4, TrialState::kPruned, kCurves[4]));
  auto p = pruner_of(spec_of("median"));
  auto d = run(*p, Direction::kMinimize, four, kRunning);
  EXPECT_EQ(prunes(d), (B{false, false, false, false, false}));
  EXPECT_EQ(d[1].message,
            "no decision: 4 complete trials, pruning starts after 5 "
            "(n_startup_trials)");
  // Failed trials do not count either (Optuna 3.1).
  std::vector<Trial> failed = complete_trials(4);
  for (int64_t i = 4; i < 7; ++i) {
    failed.push_back(make_trial(i, TrialState::kFailed, {{1, 0.1}, {2, 0.1}, {3, 0.1}}));
  }
  EXPECT_EQ(run_prunes(spec_of("median"), Direction::kMinimize, failed, kRunning2),
            (B{false, false, false, false, false}));
  // n_startup_trials = 0 with two complete trials (Optuna 3.1).
  PrunerSpec s = spec_of("median");
  s.n_startup_trials = 0;
  EXPECT_EQ(run_prunes(s, Direction::kMinimize, complete_trials(2), kRunning),
            (B{false, true, false, true, false}));
  // No complete trial at all: never.
  EXPECT_EQ(run(*pruner_of(s), Direction::kMinimize, {}, kRunning)[1].message,
            "no decision: no complete trial yet");
}

TEST(MedianPruner, PrunedTrialsDoNotShiftTheMedian) {
  // Optuna 3.1: three pruned trials with 0.1 everywhere leave the medians as they are.
  std::vector<Trial> trials = complete_trials(5);
  for (int64_t i = 5; i < 8; ++i) {
    trials.push_back(make_trial(i, TrialState::kPruned, {{1, 0.1}, {2, 0.1}, {3, 0.1}}));
  }
  EXPECT_EQ(run_prunes(spec_of("median"), Direction::kMinimize, trials, kRunning2),
            (B{false, true, true, true, false}));
}

TEST(MedianPruner, WarmupAndInterval) {
  // Optuna 3.1, warmup 2, interval 2: checks at steps 2 and 4 only; step 3 (which would
  // prune) is skipped.
  PrunerSpec s = spec_of("median");
  s.n_warmup_steps = 2;
  s.interval_steps = 2;
  auto p = pruner_of(s);
  auto d = run(*p, Direction::kMinimize, complete_trials(5), kRunning2);
  EXPECT_EQ(prunes(d), (B{false, true, false, true, false}));
  EXPECT_EQ(d[0].message, "no decision: step 1 is in the warmup (n_warmup_steps = 2)");
  EXPECT_EQ(d[2].message,
            "no decision: step 3 is not the first report of its interval "
            "(interval_steps = 2 after 2 warmup steps)");
  EXPECT_EQ(d[2].data["skipped"], "interval_steps");

  // Optuna 3.1, warmup 1, interval 3, a trial worse than all: checks at 1, 4 and 7; at
  // step 7 no complete trial has a value, so no decision.
  s.n_warmup_steps = 1;
  s.interval_steps = 3;
  EXPECT_EQ(
      run_prunes(s, Direction::kMinimize, complete_trials(5),
                 {{1, 0.99}, {2, 0.98}, {3, 0.97}, {4, 0.96}, {5, 0.95}, {6, 0.94}, {7, 0.93}}),
      (B{true, false, false, true, false, false, false}));

  // Optuna 3.1, interval 2 with reports at odd steps only: each is the first of its
  // interval.
  s.n_warmup_steps = 0;
  s.interval_steps = 2;
  EXPECT_EQ(
      run_prunes(s, Direction::kMinimize, complete_trials(5), {{1, 0.95}, {3, 0.9}, {5, 0.8}}),
      (B{true, true, true}));
}

TEST(MedianPruner, MinTrialsAtTheStep) {
  // Optuna 3.1: with n_min_trials = 5 only step 1 and 2 (five values) can prune.
  PrunerSpec s = spec_of("median");
  s.n_min_trials = 5;
  auto p = pruner_of(s);
  auto d = run(*p, Direction::kMinimize, complete_trials(5), kRunning2);
  EXPECT_EQ(prunes(d), (B{false, true, false, false, false}));
  EXPECT_EQ(d[2].message,
            "no decision: 4 complete trials reported val_loss at step 3, 5 needed "
            "(n_min_trials)");
}

TEST(MedianPruner, Maximize) {
  // Optuna 3.1, accuracies = 1 - the losses above.
  EXPECT_EQ(run_prunes(spec_of("median"), Direction::kMaximize, complete_trials(5, true),
                       flipped(kRunning)),
            (B{false, true, false, true, false}));
}

TEST(MedianPruner, NaN) {
  // Optuna 3.1: a first value NaN prunes (its best so far is NaN); a later number is
  // its best then.
  auto p = pruner_of(spec_of("median"));
  auto d = run(*p, Direction::kMinimize, complete_trials(5), {{1, kNaN}, {2, 0.1}});
  EXPECT_EQ(prunes(d), (B{true, false}));
  EXPECT_EQ(d[0].message, "val_loss is NaN at every step up to 1");
  EXPECT_TRUE(d[0].data["value"].is_null());
  // Complete trials with NaN at the step: ignored for the median, but counted for
  // n_min_trials (as numpy.nanpercentile and Optuna do); all NaN: no decision.
  std::vector<Trial> nans;
  for (int64_t i = 0; i < 5; ++i) nans.push_back(make_trial(i, TrialState::kComplete, {{1, kNaN}}));
  auto e = run(*p, Direction::kMinimize, nans, {{1, 5.0}});
  EXPECT_FALSE(e[0].prune);
  EXPECT_EQ(e[0].message, "no decision: no complete trial has a number for val_loss at step 1");
}

TEST(MedianPruner, ResumedTrialKeepsItsEarlierValues) {
  // The judge hands the trial's values as reported (a resumed trial's earlier ones first,
  // possibly a step again): the last value of a step counts.
  std::vector<Trial> trials = complete_trials(5);
  Trial running = make_trial(5, TrialState::kRunning,
                             {{1, 0.85}, {2, 0.8}, {3, 0.45}, {2, 0.8}, {3, 0.45}, {4, 0.5}});
  trials.push_back(running);
  PruneContext ctx;
  ctx.metric = "val_loss";
  ctx.trial = &trials.back();
  ctx.trials = &trials;
  ctx.step = 4;
  auto d = pruner_of(spec_of("median"))->decide(ctx);
  EXPECT_TRUE(d.prune);  // best 0.45 > median 0.375, as without the restart
  ctx.step = 3;
  EXPECT_FALSE(pruner_of(spec_of("median"))->decide(ctx).prune);
}

// ---- percentile

TEST(PercentilePruner, QuartilesBothDirections) {
  // Optuna 3.1.
  PrunerSpec s = spec_of("percentile");
  s.percentile = 25;
  EXPECT_EQ(run_prunes(s, Direction::kMinimize, complete_trials(5), kRunning),
            (B{true, true, true, true, false}));
  EXPECT_EQ(run_prunes(s, Direction::kMaximize, complete_trials(5, true), flipped(kRunning)),
            (B{true, true, true, true, false}));
  s.percentile = 75;
  EXPECT_EQ(run_prunes(s, Direction::kMinimize, complete_trials(5), kRunning),
            (B{false, false, false, false, false}));
  EXPECT_EQ(run_prunes(s, Direction::kMaximize, complete_trials(5, true), flipped(kRunning)),
            (B{false, false, false, false, false}));
}

TEST(PercentilePruner, Message) {
  PrunerSpec s = spec_of("percentile");
  s.percentile = 25;
  auto p = pruner_of(s);
  // Step 1: 25th percentile of 0.9 0.8 1.0 0.7 0.95 is 0.8 (numpy linear).
  auto d = run(*p, Direction::kMinimize, complete_trials(5), kRunning);
  EXPECT_EQ(d[0].message,
            "val_loss 0.85 (best so far) at step 1 is worse than 0.8, the cutoff of the best "
            "25% of 5 complete trials at that step");
  EXPECT_EQ(p->name(), "percentile");
  // Maximize keeps the best 25% too: the cutoff is the 75th percentile of 0.1 0.2 0 0.3
  // 0.05, which is 0.2.
  auto m = run(*p, Direction::kMaximize, complete_trials(5, true), flipped(kRunning));
  EXPECT_NEAR(m[0].data["reference"].get<double>(), 0.2, 1e-12);
}

// ---- threshold

TEST(ThresholdPruner, LowerUpperNaNAndWarmup) {
  // Optuna 3.1: ThresholdPruner(lower=0.1, upper=1.0, n_warmup_steps=1).
  PrunerSpec s = spec_of("threshold");
  s.lower = 0.1;
  s.upper = 1.0;
  s.n_warmup_steps = 1;
  auto p = pruner_of(s);
  auto d = run(*p, Direction::kMinimize, {}, {{0, 5.0}, {1, 0.5}, {2, 1.5}});
  EXPECT_EQ(prunes(d), (B{false, false, true}));
  EXPECT_EQ(d[1].message, "val_loss 0.5 at step 1 is within the thresholds [0.1, 1]");
  EXPECT_EQ(d[2].message, "val_loss 1.5 at step 2 is above the upper threshold 1");
  // Optuna 3.1: NaN prunes; below lower prunes.
  PrunerSpec upper_only = spec_of("threshold");
  upper_only.upper = 1.0;
  auto n = run(*pruner_of(upper_only), Direction::kMinimize, {}, {{0, kNaN}});
  EXPECT_TRUE(n[0].prune);
  EXPECT_EQ(n[0].message, "val_loss is NaN at step 0");
  PrunerSpec lower_only = spec_of("threshold");
  lower_only.lower = 0.1;
  auto l = run(*pruner_of(lower_only), Direction::kMinimize, {}, {{0, 0.05}, {1, 0.2}});
  EXPECT_TRUE(l[0].prune);
  EXPECT_EQ(l[0].message, "val_loss 0.05 at step 0 is below the lower threshold 0.1");
  EXPECT_FALSE(l[1].prune);
  EXPECT_EQ(l[1].message, "val_loss 0.2 at step 1 is within the thresholds [0.1, inf]");
}

// ---- patience

TEST(PatientPruner, WrapsMedian) {
  // Optuna 3.1: PatientPruner(MedianPruner(), patience=1).  Step 4: the best of steps 3-4
  // (0.82) is worse than the best before (0.8), so the median decides (0.8 > 0.375).
  PrunerSpec s = spec_of("median");
  s.patience = 1;
  auto p = pruner_of(s);
  auto d = run(*p, Direction::kMinimize, complete_trials(5),
               {{1, 0.85}, {2, 0.8}, {3, 0.82}, {4, 0.83}, {5, 0.2}});
  EXPECT_EQ(prunes(d), (B{false, false, false, true, false}));
  EXPECT_EQ(p->name(), "median+patience");
  EXPECT_EQ(d[3].message,
            "val_loss 0.8 (best so far) at step 4 is worse than the median 0.375 of 4 complete "
            "trials at that step (out of patience: the best val_loss of the last 2 steps (0.82) "
            "is worse than the best before them (0.8))");
  // Step 2 alone would be pruned by the median; patience keeps it.
  EXPECT_EQ(d[1].message, "no decision: 2 values of val_loss so far, patience needs more than 2");
}

TEST(PatientPruner, AloneWithMinDeltaAndMaximize) {
  // Optuna 3.1: PatientPruner(None, patience=2, min_delta=0.05): the best of the last
  // three is never worse than 0.4 by more than 0.05 (at step 6, min(0.44, 0.46, 0.47) =
  // 0.44 < 0.45): never.
  PrunerSpec s = spec_of("patience");
  s.patience = 2;
  s.min_delta = 0.05;
  EXPECT_EQ(run_prunes(s, Direction::kMinimize, {},
                       {{1, 0.5}, {2, 0.4}, {3, 0.42}, {4, 0.44}, {5, 0.46}, {6, 0.47}}),
            (B{false, false, false, false, false, false}));
  s.min_delta = 0.0;
  auto d = run(*pruner_of(s), Direction::kMinimize, {},
               {{1, 0.5}, {2, 0.4}, {3, 0.42}, {4, 0.44}, {5, 0.46}});
  EXPECT_EQ(prunes(d), (B{false, false, false, false, true}));
  EXPECT_EQ(d[4].message,
            "the best val_loss of the last 3 steps (0.42) is worse than the best "
            "before them (0.4) at step 5");
  // Optuna 3.1: PatientPruner(None, patience=0), maximize.
  PrunerSpec zero = spec_of("patience");
  zero.patience = 0;
  EXPECT_EQ(run_prunes(zero, Direction::kMaximize, {}, {{1, 0.5}, {2, 0.6}, {3, 0.6}, {4, 0.55}}),
            (B{false, false, false, true}));
}

// ---- asha

struct Report {
  int64_t trial;
  int64_t step;
};
using Decided = std::tuple<int64_t, int64_t, bool>;

// Values of nine trials at steps 1-4.
double asha_value(int64_t trial, int64_t step) {
  static const double v[9][4] = {
      {0.50, 0.45, 0.40, 0.38}, {0.60, 0.55, 0.50, 0.48}, {0.40, 0.35, 0.30, 0.28},
      {0.55, 0.50, 0.45, 0.44}, {0.30, 0.28, 0.26, 0.25}, {0.70, 0.65, 0.60, 0.59},
      {0.45, 0.40, 0.35, 0.33}, {0.35, 0.33, 0.31, 0.29}, {0.65, 0.62, 0.58, 0.55}};
  return v[trial][step - 1];
}

// Replays reports of concurrently running trials in `order`; a pruned trial reports no
// more.  Returns (trial, step, prune) per decision.
std::vector<Decided> replay(const Pruner& pruner, Direction direction,
                            const std::vector<Report>& order,
                            const std::function<double(int64_t, int64_t)>& value,
                            const std::string& study = "s") {
  int64_t n = 0;
  for (const auto& r : order) n = std::max(n, r.trial + 1);
  std::vector<Trial> trials;
  for (int64_t i = 0; i < n; ++i) trials.push_back(make_trial(i, TrialState::kRunning, {}));
  std::vector<Decided> out;
  for (const auto& r : order) {
    Trial& t = trials[static_cast<size_t>(r.trial)];
    if (t.state != TrialState::kRunning) continue;
    t.intermediate["val_loss"].push_back({r.step, value(r.trial, r.step)});
    PruneContext ctx;
    ctx.direction = direction;
    ctx.metric = "val_loss";
    ctx.trial = &t;
    ctx.trials = &trials;
    ctx.step = r.step;
    ctx.study = study;
    PruneDecision d = pruner.decide(ctx);
    out.emplace_back(r.trial, r.step, d.prune);
    if (d.prune) t.state = TrialState::kPruned;
  }
  return out;
}

PrunerSpec asha_spec(double rf = 3, int64_t mesr = 0) {
  PrunerSpec s = spec_of("asha");
  s.min_resource = 1;
  s.reduction_factor = rf;
  s.min_early_stopping_rate = mesr;
  return s;
}

TEST(AshaPruner, NineTrialsInNumberOrder) {
  // By hand (rungs at steps 1, 3, 9): at step 1 trial 0 is alone; 1 (0.6) is not the
  // best of 2; 2 is; 3 is not the best of 4; 4 is; 5 is not in the best 6/3 = 2 of 6; 6
  // (0.45) is not in the best 2 of 7; 7 (0.35) is; 8 is not in the best 3 of 9.  At
  // step 3, 7 (0.31) is not the best of 4 values (0.26).  Optuna 3.1: the same.
  std::vector<Report> order;
  for (int64_t i = 0; i < 9; ++i) order.push_back({i, 1});
  for (int64_t s = 2; s <= 4; ++s)
    for (int64_t i = 0; i < 9; ++i) order.push_back({i, s});
  auto d = replay(*pruner_of(asha_spec()), Direction::kMinimize, order, asha_value);
  std::vector<Decided> expected = {{0, 1, false}, {1, 1, true},  {2, 1, false}, {3, 1, true},
                                   {4, 1, false}, {5, 1, true},  {6, 1, true},  {7, 1, false},
                                   {8, 1, true},  {0, 2, false}, {2, 2, false}, {4, 2, false},
                                   {7, 2, false}, {0, 3, false}, {2, 3, false}, {4, 3, false},
                                   {7, 3, true},  {0, 4, false}, {2, 4, false}, {4, 4, false}};
  EXPECT_EQ(d, expected);
}

TEST(AshaPruner, NineTrialsWorstFirst) {
  // Optuna 3.1: reaching rung 0 worst first, almost every trial is promoted; at rung 1
  // (step 3) trial 4 comes first and beats all that follow.
  std::vector<Report> order;
  for (int64_t i : {8, 5, 1, 3, 0, 6, 2, 7, 4}) order.push_back({i, 1});
  for (int64_t s = 2; s <= 4; ++s)
    for (int64_t i : {4, 7, 2, 6, 0, 3, 1, 5, 8}) order.push_back({i, s});
  auto d = replay(*pruner_of(asha_spec()), Direction::kMinimize, order, asha_value);
  std::vector<Decided> expected = {
      {8, 1, false}, {5, 1, true},  {1, 1, false}, {3, 1, false}, {0, 1, false}, {6, 1, false},
      {2, 1, false}, {7, 1, false}, {4, 1, false}, {4, 2, false}, {7, 2, false}, {2, 2, false},
      {6, 2, false}, {0, 2, false}, {3, 2, false}, {1, 2, false}, {8, 2, false}, {4, 3, false},
      {7, 3, true},  {2, 3, true},  {6, 3, true},  {0, 3, true},  {3, 3, true},  {1, 3, true},
      {8, 3, true},  {4, 4, false}};
  EXPECT_EQ(d, expected);
}

TEST(AshaPruner, ConcurrentTrialsAtDifferentRungs) {
  // Optuna 3.1: trial 2 reaches rung 1 (step 3) before most trials reach rung 0; both
  // directions.
  std::vector<Report> order = {{2, 1}, {2, 2}, {2, 3}, {4, 1}, {0, 1}, {4, 2}, {4, 3}, {1, 1},
                               {0, 2}, {0, 3}, {5, 1}, {3, 1}, {6, 1}, {7, 1}, {7, 2}, {7, 3},
                               {8, 1}, {3, 2}, {3, 3}, {6, 2}, {6, 3}, {2, 4}, {4, 4}, {7, 4}};
  std::vector<Decided> expected = {
      {2, 1, false}, {2, 2, false}, {2, 3, false}, {4, 1, false}, {0, 1, true}, {4, 2, false},
      {4, 3, false}, {1, 1, true},  {5, 1, true},  {3, 1, true},  {6, 1, true}, {7, 1, false},
      {7, 2, false}, {7, 3, true},  {8, 1, true},  {2, 4, false}, {4, 4, false}};
  EXPECT_EQ(replay(*pruner_of(asha_spec()), Direction::kMinimize, order, asha_value), expected);
  EXPECT_EQ(replay(*pruner_of(asha_spec()), Direction::kMaximize, order,
                   [](int64_t t, int64_t s) { return 1 - asha_value(t, s); }),
            expected);
}

TEST(AshaPruner, ReductionFactorTwoAndEarlyStoppingRate) {
  // Optuna 3.1: SuccessiveHalvingPruner(min_resource=1, reduction_factor=2,
  // min_early_stopping_rate=1): rungs at steps 2 and 4.
  std::vector<Report> order;
  for (int64_t i = 0; i < 9; ++i) order.push_back({i, 1});
  for (int64_t s = 2; s <= 4; ++s)
    for (int64_t i = 0; i < 9; ++i) order.push_back({i, s});
  auto d = replay(*pruner_of(asha_spec(2, 1)), Direction::kMinimize, order, asha_value);
  std::vector<Decided> expected = {
      {0, 1, false}, {1, 1, false}, {2, 1, false}, {3, 1, false}, {4, 1, false}, {5, 1, false},
      {6, 1, false}, {7, 1, false}, {8, 1, false}, {0, 2, false}, {1, 2, true},  {2, 2, false},
      {3, 2, true},  {4, 2, false}, {5, 2, true},  {6, 2, false}, {7, 2, false}, {8, 2, true},
      {0, 3, false}, {2, 3, false}, {4, 3, false}, {6, 3, false}, {7, 3, false}, {0, 4, false},
      {2, 4, false}, {4, 4, false}, {6, 4, true},  {7, 4, true}};
  EXPECT_EQ(d, expected);
}

TEST(AshaPruner, MessagesAndResumedTrial) {
  std::vector<Report> order;
  for (int64_t i = 0; i < 2; ++i) order.push_back({i, 1});
  std::vector<Trial> trials = {
      make_trial(0, TrialState::kComplete, {{1, 0.5}, {2, 0.45}, {3, 0.4}}),
      make_trial(1, TrialState::kRunning, {{1, 0.6}})};
  auto p = pruner_of(asha_spec());
  PruneContext ctx;
  ctx.metric = "val_loss";
  ctx.trial = &trials[1];
  ctx.trials = &trials;
  ctx.step = 1;
  auto d = p->decide(ctx);
  EXPECT_TRUE(d.prune);
  EXPECT_EQ(d.message,
            "val_loss 0.6 at step 1 (rung 0) is not in the top 1/3 of the 2 values "
            "at that rung (cutoff 0.5)");
  EXPECT_EQ(d.data["rung"], 0);
  EXPECT_EQ(d.data["n"], 2);
  // A trial resumed after step 1 (promoted there): at step 2 no rung; at step 3 it
  // competes at rung 1 only.
  trials[1].intermediate["val_loss"] = {{1, 0.45}, {2, 0.42}};
  ctx.step = 2;
  d = p->decide(ctx);
  EXPECT_FALSE(d.prune);
  EXPECT_EQ(d.message, "no decision at step 2: the next rung is 1 at step 3");
  trials[1].intermediate["val_loss"].push_back({3, 0.39});
  ctx.step = 3;
  d = p->decide(ctx);
  EXPECT_FALSE(d.prune);
  EXPECT_EQ(d.message,
            "val_loss 0.39 at step 3 (rung 1) is in the top 1/3 of the 2 values at "
            "that rung (cutoff 0.39): promoted; the next rung is 2 at step 9");
}

TEST(AshaPruner, NoRungAtOrBeyondMaxResource) {
  // max_resource 9: rungs at 1 and 3 only; a trial at step 9 has finished its work.
  std::vector<Trial> trials = {make_trial(0, TrialState::kComplete, {{1, 0.1}, {3, 0.1}, {9, 0.1}}),
                               make_trial(1, TrialState::kRunning, {{1, 0.1}, {3, 0.1}, {9, 0.9}})};
  auto p = pruner_of(asha_spec(), 9);
  PruneContext ctx;
  ctx.metric = "val_loss";
  ctx.trial = &trials[1];
  ctx.trials = &trials;
  ctx.step = 9;
  auto d = p->decide(ctx);
  EXPECT_FALSE(d.prune);
  EXPECT_EQ(d.message, "no decision at step 9: no rung is left before max_resource 9");
}

TEST(AshaPruner, NaNAtARungPrunes) {
  std::vector<Trial> trials = {make_trial(0, TrialState::kRunning, {{1, kNaN}})};
  PruneContext ctx;
  ctx.metric = "val_loss";
  ctx.trial = &trials[0];
  ctx.trials = &trials;
  ctx.step = 1;
  auto d = pruner_of(asha_spec())->decide(ctx);
  EXPECT_TRUE(d.prune);
  EXPECT_EQ(d.message, "val_loss is NaN at step 1 (rung 0)");
}

TEST(AshaPruner, RungValuesReplayTheChecks) {
  pruning::Rungs r{1, 3.0, 0, 100};
  // A report that passes two rungs records its value at both; NaN ends the record.
  EXPECT_EQ(pruning::rung_values({{1, 0.5}, {4, 0.3}, {12, 0.2}}, r),
            (std::vector<double>{0.5, 0.3, 0.2}));
  EXPECT_EQ(pruning::rung_values({{5, 0.3}}, r), (std::vector<double>{0.3, 0.3}));
  EXPECT_EQ(pruning::rung_values({{1, 0.5}, {3, kNaN}, {9, 0.1}}, r), (std::vector<double>{0.5}));
}

// ---- hyperband

TEST(HyperbandPruner, BracketsAsOptuna) {
  // Optuna 3.1: HyperbandPruner(min_resource=1, max_resource=27, reduction_factor=3) in
  // study "s": 4 brackets with budgets 27, 12, 6, 4 and trials 0..19 in these brackets.
  EXPECT_EQ(pruning::hyperband_n_brackets(1, 27, 3), 4);
  auto b = pruning::hyperband_brackets(4, 3);
  EXPECT_EQ(b.budgets, (std::vector<int64_t>{27, 12, 6, 4}));
  std::vector<int64_t> ids;
  for (int64_t n = 0; n < 20; ++n) ids.push_back(b.bracket_of("s", n));
  EXPECT_EQ(ids,
            (std::vector<int64_t>{2, 1, 3, 3, 3, 2, 1, 1, 0, 0, 0, 0, 2, 0, 3, 0, 2, 0, 1, 0}));
  // Study "sgd-bench", max_resource 40: also 4 brackets.
  EXPECT_EQ(pruning::hyperband_n_brackets(1, 40, 3), 4);
  ids.clear();
  for (int64_t n = 0; n < 20; ++n) ids.push_back(b.bracket_of("sgd-bench", n));
  EXPECT_EQ(ids,
            (std::vector<int64_t>{1, 0, 0, 1, 1, 1, 1, 0, 0, 1, 2, 0, 1, 0, 0, 0, 1, 2, 0, 2}));
  // min_resource 2, max_resource 100, reduction_factor 4, study "x": 3 brackets.
  EXPECT_EQ(pruning::hyperband_n_brackets(2, 100, 4), 3);
  auto c = pruning::hyperband_brackets(3, 4);
  EXPECT_EQ(c.budgets, (std::vector<int64_t>{16, 6, 3}));
  ids.clear();
  for (int64_t n = 0; n < 12; ++n) ids.push_back(c.bracket_of("x", n));
  EXPECT_EQ(ids, (std::vector<int64_t>{1, 0, 0, 0, 0, 0, 0, 1, 0, 2, 0, 2}));
}

TEST(HyperbandPruner, EachBracketComparesItsOwnTrials) {
  // Optuna 3.1: 20 trials in study "s" (max_resource 27) report steps 1..10 round robin,
  // trial i's value (((37 i) mod 20) / 20 + 0.1) * 0.9^step; these are the trials
  // pruned, and where.
  PrunerSpec s = spec_of("hyperband");
  s.min_resource = 1;
  s.reduction_factor = 3;
  auto p = pruner_of(s, 27);
  std::vector<Report> order;
  for (int64_t step = 1; step <= 10; ++step)
    for (int64_t i = 0; i < 20; ++i) order.push_back({i, step});
  auto d = replay(*p, Direction::kMinimize, order, [](int64_t i, int64_t step) {
    return (static_cast<double>((i * 37) % 20) / 20 + 0.1) * std::pow(0.9, step);
  });
  std::vector<std::pair<int64_t, int64_t>> pruned;
  for (const auto& [trial, step, prune] : d) {
    if (prune) pruned.emplace_back(trial, step);
  }
  EXPECT_EQ(pruned, (std::vector<std::pair<int64_t, int64_t>>{
                        {15, 1}, {17, 1}, {7, 3}, {18, 3}, {5, 9}, {12, 9}, {16, 9}}));
  EXPECT_EQ(d.size(), 20U * 10 - (10 - 1) * 2 - (10 - 3) * 2 - (10 - 9) * 3);
}

// ---- make_pruner

TEST(MakePruner, KindsAndErrors) {
  EXPECT_EQ(pruner_kinds(), (std::vector<std::string>{"none", "median", "percentile", "asha",
                                                      "hyperband", "threshold", "patience"}));
  auto none = make_pruner(spec_of("none"), std::nullopt);
  ASSERT_TRUE(none);
  EXPECT_EQ(*none, nullptr);
  auto error = [](const PrunerSpec& s, std::optional<int64_t> max_steps = 10) {
    auto p = make_pruner(s, max_steps);
    EXPECT_FALSE(p);
    return p ? std::string("(made)") : p.error().message;
  };
  EXPECT_EQ(error(spec_of("bogus")),
            "kind: unknown pruner \"bogus\"; accepted: none, median, "
            "percentile, asha, hyperband, threshold, patience");
  EXPECT_EQ(error(spec_of("asha"), std::nullopt),
            "max_resource: kind \"asha\" needs max_resource = N or [trial] max_steps = N");
  EXPECT_EQ(error(spec_of("threshold")),
            "kind: \"threshold\" needs lower = N or upper = N (or both)");
  EXPECT_EQ(error(spec_of("patience")), "kind: \"patience\" needs patience = N");
  PrunerSpec rf = spec_of("asha");
  rf.reduction_factor = 1;
  EXPECT_EQ(error(rf), "reduction_factor: 1 is out of range; accepted: a number > 1");
  PrunerSpec data = spec_of("median");
  data.resource = "data_fraction";
  EXPECT_EQ(error(data), "resource: \"data_fraction\" works with kind \"asha\" or \"hyperband\" "
                         "(successive halving over data fractions); kind is \"median\"");
  data.resource = "rows";
  EXPECT_EQ(error(data), "resource: unknown resource \"rows\"; accepted: \"step\", "
                         "\"data_fraction\"");
  PrunerSpec interval = spec_of("median");
  interval.interval_steps = 0;
  EXPECT_EQ(error(interval), "interval_steps: 0 is out of range; accepted: an integer >= 1");
  // Names as the verdict source gives them.
  PrunerSpec patient_asha = spec_of("asha");
  patient_asha.patience = 3;
  EXPECT_EQ(pruner_of(patient_asha)->name(), "asha+patience");
  EXPECT_EQ(pruner_of(spec_of("hyperband"))->name(), "hyperband");
  PrunerSpec patience = spec_of("patience");
  patience.patience = 2;
  EXPECT_EQ(pruner_of(patience)->name(), "patience");
}

// ---- resource = "data_fraction": the stages of a trial

PrunerSpec data_fraction_spec(const std::string& kind, int64_t min_resource, double rf,
                              std::optional<int64_t> max_resource = std::nullopt) {
  PrunerSpec s = spec_of(kind);
  s.resource = "data_fraction";
  s.min_resource = min_resource;
  s.reduction_factor = rf;
  s.max_resource = max_resource;
  return s;
}

TEST(DataFraction, StageLadders) {
  using Units = std::vector<int64_t>;
  // The defaults: 1, 3, 9 of 27, then all of it.
  PrunerSpec defaults = data_fraction_spec("asha", 1, 3);
  EXPECT_EQ(data_fraction_max_resource(defaults), 27);
  EXPECT_EQ(data_fraction_stages(defaults, "s", 0), (Units{1, 3, 9, 27}));
  EXPECT_EQ(data_fraction_stages(data_fraction_spec("asha", 1, 2, 16), "s", 0),
            (Units{1, 2, 4, 8, 16}));
  // Rungs at 2.5 and 6.25 end at 3 and 7 units, so that the stage's step reaches them.
  EXPECT_EQ(data_fraction_stages(data_fraction_spec("asha", 1, 2.5, 16), "s", 0),
            (Units{1, 3, 7, 16}));
  EXPECT_EQ(data_fraction_max_resource(data_fraction_spec("asha", 1, 2.5)), 16);  // 15.625
  // A rung that rounds up to max_resource (14.0625 -> 15) is the last stage itself.
  EXPECT_EQ(data_fraction_stages(data_fraction_spec("asha", 1, 2.5, 15), "s", 0),
            (Units{1, 3, 7, 15}));
  // No rung below max_resource: one stage on all the data.
  EXPECT_EQ(data_fraction_stages(data_fraction_spec("asha", 5, 3, 5), "s", 0), (Units{5}));
  // asha starts at its min_early_stopping_rate: no stage that no rung would judge.
  PrunerSpec late = defaults;
  late.min_early_stopping_rate = 1;
  EXPECT_EQ(data_fraction_stages(late, "s", 0), (Units{3, 9, 27}));
  // Every stage's units are a rung the pruner decides at, and the pruner agrees.
  auto pruner = pruner_of(defaults, std::nullopt);
  ASSERT_NE(pruner, nullptr);
  EXPECT_EQ(pruner->name(), "asha");
}

TEST(DataFraction, HyperbandStartsATrialAtItsBracket) {
  // Study "s", 1..27 by 3: brackets of trials 0, 1, 2 and 8 are 2, 1, 3 and 0
  // (HyperbandPruner.BracketsAsOptuna).
  PrunerSpec hb = data_fraction_spec("hyperband", 1, 3);
  using Units = std::vector<int64_t>;
  EXPECT_EQ(data_fraction_stages(hb, "s", 8), (Units{1, 3, 9, 27}));
  EXPECT_EQ(data_fraction_stages(hb, "s", 1), (Units{3, 9, 27}));
  EXPECT_EQ(data_fraction_stages(hb, "s", 0), (Units{9, 27}));
  EXPECT_EQ(data_fraction_stages(hb, "s", 2), (Units{27}));
}

}  // namespace
}  // namespace greentune
