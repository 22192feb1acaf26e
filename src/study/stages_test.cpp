// Small experiments first ([pruner] resource = "data_fraction"): the orchestrator runs a
// trial in stages over growing shares of the data, with the real ASHA pruner deciding
// between them.  The decisions expected here are worked out by hand from ASHA's rule: at
// a rung, a trial goes on only when it is among the best floor(n / 3) of the n values
// recorded there (at least the best one).
#include <atomic>
#include <map>

#include <gtest/gtest.h>

#include "greentune/orchestrator.hpp"
#include "study/judge.hpp"
#include "greentune/pruner.hpp"
#include "greentune/study.hpp"
#include "greentune/trainer.hpp"
#include "testing/test_helpers.hpp"

namespace greentune {
namespace {

// loss = x + (1 - data_fraction): a better x is better at every fraction, and more data
// helps.  Reports three epochs first (which must stay out of the intermediate values).
double loss_of(double x, double fraction) { return x + (1.0 - fraction); }

// A trainer run in process: records the fraction each run got.
class FractionTrainer : public Trainer {
 public:
  Result<TrialOutcome> run(const TrainerRun& run, TrialReporter& reporter) override {
    const Params& params = run.params;
    const double x = std::get<double>(params.at("x"));
    const double fraction = std::get<double>(params.at(kDataFractionParam));
    runs.emplace_back(x, fraction);
    for (int64_t epoch = 1; epoch <= 3; ++epoch) {
      auto ok = reporter.report(epoch, {{"loss", loss_of(x, fraction) + 1.0 / epoch}});
      if (!ok) return tl::unexpected(ok.error());
    }
    return TrialOutcome{TrialState::kComplete, {{"loss", loss_of(x, fraction)}}, "", false};
  }
  std::vector<std::pair<double, double>> runs;  // (x, data_fraction) of each run
};

// Counts what the judges of the stages saw: one judge per stage, each watching only the
// steps of its own stage.
class CountingJudge : public TrialJudge {
 public:
  explicit CountingJudge(size_t* most_steps_seen) : most_(most_steps_seen) {}
  Result<std::vector<Verdict>> check(const TrialWatch& watch, const HistoryFn&) override {
    if (auto it = watch.metrics.find("loss"); it != watch.metrics.end()) {
      *most_ = std::max(*most_, it->second.size());
    }
    return std::vector<Verdict>{};
  }

 private:
  size_t* most_;
};

// A program-like executor: each stage run takes `polls[trial number]` polls, then reports
// energy of `units` joules and its loss.  Stopped (interrupted), it reports half that
// energy and ends resumable.
class SlowStageExecutor : public Executor {
 public:
  struct Start {
    int64_t trial;
    int64_t units;
    bool operator==(const Start&) const = default;
  };
  std::vector<Start> starts;
  std::map<int64_t, int> polls;                 // by trial number; default 1
  std::optional<Start> interrupt_at;            // sets `interrupt` when this stage starts
  std::atomic<bool>* interrupt = nullptr;

  Result<std::unique_ptr<RunningTrial>> start(const Trial&, TrialReporter&) override {
    return make_error(ErrorCode::kInvalidArgument, "a staged trial must start by stage");
  }
  Result<std::unique_ptr<RunningTrial>> start_stage(const Trial& trial, const TrialStage& stage,
                                                    TrialReporter& reporter) override {
    starts.push_back({trial.number, stage.units});
    if (interrupt_at && *interrupt_at == starts.back()) interrupt->store(true);
    auto it = polls.find(trial.number);
    return std::unique_ptr<RunningTrial>(std::make_unique<Run>(
        reporter, std::get<double>(trial.params.at("x")), stage,
        it == polls.end() ? 1 : it->second));
  }

 private:
  class Run : public RunningTrial {
   public:
    Run(TrialReporter& reporter, double x, TrialStage stage, int polls)
        : reporter_(reporter), x_(x), stage_(stage), left_(polls) {}
    Result<std::optional<TrialOutcome>> poll() override {
      const auto joules = static_cast<double>(stage_.units);
      if (stopped_) {
        if (auto ok = reporter_.energy({{"cpu", joules / 2, "model"}}); !ok) {
          return tl::unexpected(ok.error());
        }
        return std::optional(TrialOutcome{TrialState::kPruned, {}, "interrupted", true});
      }
      if (--left_ > 0) return std::optional<TrialOutcome>();
      if (auto ok = reporter_.energy({{"cpu", joules, "model"}}); !ok) {
        return tl::unexpected(ok.error());
      }
      return std::optional(TrialOutcome{
          TrialState::kComplete, {{"loss", loss_of(x_, stage_.data_fraction())}}, "", false});
    }
    void stop(StopReason reason, const std::string&) override {
      stopped_ = reason == StopReason::kInterrupted;
    }

   private:
    TrialReporter& reporter_;
    double x_;
    TrialStage stage_;
    int left_;
    bool stopped_ = false;
  };
};

class StagesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = open_storage("memory:");
    ASSERT_TRUE(s) << s.error().message;
    storage_ = std::move(*s);
    StudyRecord r = testing::unit_study_record("small-first");
    auto study = Study::create(*storage_, r, clock_.now());
    ASSERT_TRUE(study) << study.error().message;
    study_ = std::make_unique<Study>(std::move(*study));
  }

  // Trials with these x, in this order.
  void enqueue(std::initializer_list<double> xs) {
    for (double x : xs) ASSERT_TRUE(study_->enqueue({{"x", x}}, clock_.now()));
  }

  // ASHA over data fractions, as the study's judge builds it for `tune`.
  static StagePlan plan(const PrunerSpec& spec) {
    JudgeSpec judge;
    judge.study = "small-first";
    judge.metric = "loss";
    judge.pruner = spec;
    return make_stage_plan(judge).value().value();
  }
  static PrunerSpec asha(int64_t min_resource = 1, double rf = 3,
                         std::optional<int64_t> max_resource = std::nullopt) {
    PrunerSpec s;
    s.kind = "asha";
    s.resource = "data_fraction";
    s.min_resource = min_resource;
    s.reduction_factor = rf;
    s.max_resource = max_resource;
    return s;
  }

  TuneOptions options(int64_t max_trials, const PrunerSpec& spec = asha()) {
    TuneOptions o;
    o.metric = "loss";
    o.clock = &clock_;
    o.completion.max_trials = max_trials;
    o.stages = plan(spec);
    return o;
  }

  std::vector<Event> events_of(const std::string& kind) {
    std::vector<Event> out;
    std::vector<Event> all = storage_->events(study_->id()).value();
    for (const Event& e : all) {
      if (e.kind == kind) out.push_back(e);
    }
    return out;
  }
  static std::vector<int64_t> steps_of(const Trial& t) {
    std::vector<int64_t> steps;
    auto it = t.intermediate.find("loss");
    if (it == t.intermediate.end()) return steps;
    for (const StepValue& v : it->second) steps.push_back(v.step);
    return steps;
  }
  double joules_of(const Trial& t) {
    double j = 0;
    std::vector<EnergyRecord> records = storage_->trial_energy(t.id).value();
    for (const EnergyRecord& r : records) j += r.joules;
    return j;
  }

  testing::FakeClock clock_;
  std::unique_ptr<Storage> storage_;
  std::unique_ptr<Study> study_;
};

TEST_F(StagesTest, PromotesAndPrunesAsAshaOverDataFractions) {
  // One at a time.  Trial 0 is alone at every rung: promoted to the end.  Trial 1 is the
  // better of 2 at each rung (floor(2/3) = 0: the best one goes on).  Trial 2 is the worst
  // of 3 at 1/27: pruned.  Trial 3 is the best of 4: to the end.  Trial 4 is second of 5
  // (floor(5/3) = 1: only the best goes on): pruned.
  enqueue({0.5, 0.3, 0.9, 0.1, 0.2});
  FractionTrainer trainer;
  size_t most_steps_seen = 0;
  int judges = 0;
  TuneOptions o = options(5);
  o.judge = [&](const Trial&) {
    ++judges;
    return std::make_unique<CountingJudge>(&most_steps_seen);
  };
  std::vector<std::string> verdicts;
  o.on_verdict = [&](const Trial& t, const Verdict& v) {
    verdicts.push_back(fmt::format("{} {}", t.number, v.source));
  };
  auto result = run_study(*study_, trainer, o);
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_EQ(result->trials_run, 5);

  const std::vector<double> ladder = {1.0 / 27, 3.0 / 27, 9.0 / 27, 1.0};
  std::vector<std::pair<double, double>> expected;
  for (double x : {0.5, 0.3}) {
    for (double f : ladder) expected.emplace_back(x, f);
  }
  expected.emplace_back(0.9, 1.0 / 27);
  for (double f : ladder) expected.emplace_back(0.1, f);
  expected.emplace_back(0.2, 1.0 / 27);
  EXPECT_EQ(trainer.runs, expected);
  EXPECT_EQ(judges, 14);           // one judge per stage run: 4 + 4 + 1 + 4 + 1
  EXPECT_EQ(most_steps_seen, 3U);  // ... watching its own three epochs only

  auto trials = study_->trials().value();
  ASSERT_EQ(trials.size(), 5U);
  const std::vector<TrialState> states = {TrialState::kComplete, TrialState::kComplete,
                                          TrialState::kPruned, TrialState::kComplete,
                                          TrialState::kPruned};
  for (size_t i = 0; i < trials.size(); ++i) {
    EXPECT_EQ(trials[i].state, states[i]) << "trial " << i;
    // The sampled params only: data_fraction is not a param of the trial.
    EXPECT_EQ(trials[i].params.size(), 1U) << "trial " << i;
  }
  // Complete: the last stage's loss, on all the data; intermediate values at the units of
  // each stage (the epochs' reports are not among them).
  EXPECT_DOUBLE_EQ(*trials[0].value, 0.5);
  EXPECT_DOUBLE_EQ(*trials[3].value, 0.1);
  EXPECT_EQ(steps_of(trials[0]), (std::vector<int64_t>{1, 3, 9, 27}));
  EXPECT_DOUBLE_EQ(trials[0].intermediate.at("loss")[1].value, loss_of(0.5, 3.0 / 27));
  // Pruned: the value of the stage it stopped after.
  EXPECT_DOUBLE_EQ(*trials[2].value, loss_of(0.9, 1.0 / 27));
  EXPECT_EQ(steps_of(trials[2]), (std::vector<int64_t>{1}));
  EXPECT_EQ(verdicts, (std::vector<std::string>{"2 pruner:asha", "4 pruner:asha"}));

  // A "stage" event at the end of every stage run, saying what came of it.
  auto stages = events_of("stage");
  ASSERT_EQ(stages.size(), 14U);
  EXPECT_EQ(stages[0].data["units"], 1);
  EXPECT_EQ(stages[0].data["max_resource"], 27);
  EXPECT_DOUBLE_EQ(stages[0].data["data_fraction"].get<double>(), 1.0 / 27);
  EXPECT_EQ(stages[0].data["decision"], "continue");
  EXPECT_EQ(stages[3].data["decision"], "final");
  EXPECT_EQ(stages[8].data["units"], 1);
  EXPECT_EQ(stages[8].data["decision"], "prune");
  EXPECT_DOUBLE_EQ(stages[8].data["value"].get<double>(), loss_of(0.9, 1.0 / 27));
  EXPECT_NE(stages[8].message.find("trial 2: stage 1 of 4 (1/27 of the data"),
            std::string::npos)
      << stages[8].message;
  // The prunes are stop verdicts too (stop reasons, savings).
  auto stops = events_of("verdict");
  ASSERT_EQ(stops.size(), 2U);
  EXPECT_EQ(stops[0].data["source"], "pruner:asha");
  EXPECT_EQ(stops[0].data["action"], "stop");
  EXPECT_EQ(stops[0].data["stage_units"], 1);
}

TEST_F(StagesTest, LadderOfPowersOfTwo) {
  // min_resource 1, max_resource 16, reduction factor 2: 1, 2, 4, 8 of 16, then 16.
  enqueue({0.5});
  FractionTrainer trainer;
  auto result = run_study(*study_, trainer, options(1, asha(1, 2, 16)));
  ASSERT_TRUE(result) << result.error().message;
  std::vector<double> fractions;
  for (const auto& [x, f] : trainer.runs) fractions.push_back(f);
  EXPECT_EQ(fractions, (std::vector<double>{1.0 / 16, 2.0 / 16, 4.0 / 16, 8.0 / 16, 1.0}));
  auto trials = study_->trials().value();
  EXPECT_EQ(trials[0].state, TrialState::kComplete);
  EXPECT_EQ(steps_of(trials[0]), (std::vector<int64_t>{1, 2, 4, 8, 16}));
}

TEST_F(StagesTest, TwoTrialsAtOnceCompareAtTheRungs) {
  // Trial 0 (x 0.5) takes one poll a stage, trial 1 (x 0.9) five.  Trial 0 is alone at
  // each rung when it gets there (trial 1 runs but has recorded nothing): promoted to the
  // end.  Trial 1 reaches 1/27 after trial 0 did: worse of 2, pruned.
  enqueue({0.5, 0.9});
  SlowStageExecutor executor;
  executor.polls[1] = 5;
  TuneOptions o = options(2);
  o.concurrency = 2;
  auto result = run_study(*study_, executor, o);
  ASSERT_TRUE(result) << result.error().message;
  using Start = SlowStageExecutor::Start;
  // Trial 1's first stage runs while trial 0 goes through its 3/27, 9/27 and last stages.
  EXPECT_EQ(executor.starts, (std::vector<Start>{{0, 1}, {0, 3}, {1, 1}, {0, 9}, {0, 27}}));
  auto trials = study_->trials().value();
  EXPECT_EQ(trials[0].state, TrialState::kComplete);
  EXPECT_DOUBLE_EQ(*trials[0].value, 0.5);
  EXPECT_EQ(trials[1].state, TrialState::kPruned);
  EXPECT_DOUBLE_EQ(*trials[1].value, loss_of(0.9, 1.0 / 27));
  // Energy of all the stages adds up on the trial: 1 + 3 + 9 + 27 joules.
  EXPECT_DOUBLE_EQ(joules_of(trials[0]), 40.0);
  EXPECT_DOUBLE_EQ(joules_of(trials[1]), 1.0);
}

TEST_F(StagesTest, ResumesAtTheStageThatWasInterrupted) {
  enqueue({0.5});
  std::atomic<bool> interrupted{false};
  SlowStageExecutor executor;
  executor.polls[0] = 3;
  executor.interrupt = &interrupted;
  executor.interrupt_at = SlowStageExecutor::Start{0, 9};
  TuneOptions o = options(1);
  o.interrupted = &interrupted;
  auto first = run_study(*study_, executor, o);
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_FALSE(first->reason);
  EXPECT_EQ(first->interrupted_trials, 1);
  auto trials = study_->trials().value();
  EXPECT_EQ(trials[0].state, TrialState::kWaiting);
  EXPECT_EQ(steps_of(trials[0]), (std::vector<int64_t>{1, 3}));

  // Run again: the stored stages are not run again, the interrupted one is.
  interrupted = false;
  executor.interrupt_at.reset();
  executor.starts.clear();
  auto second = run_study(*study_, executor, o);
  ASSERT_TRUE(second) << second.error().message;
  using Start = SlowStageExecutor::Start;
  EXPECT_EQ(executor.starts, (std::vector<Start>{{0, 9}, {0, 27}}));
  trials = study_->trials().value();
  EXPECT_EQ(trials[0].state, TrialState::kComplete);
  EXPECT_DOUBLE_EQ(*trials[0].value, 0.5);
  EXPECT_EQ(steps_of(trials[0]), (std::vector<int64_t>{1, 3, 9, 27}));
  // 1 + 3, half of 9 before the interrupt, then 9 + 27.
  EXPECT_DOUBLE_EQ(joules_of(trials[0]), 44.5);
}

TEST_F(StagesTest, AStageWithoutTheObjectiveFailsTheTrial) {
  class Silent : public Trainer {
   public:
    Result<TrialOutcome> run(const TrainerRun& run, TrialReporter&) override {
      const Params& params = run.params;
      const double fraction = std::get<double>(params.at(kDataFractionParam));
      if (fraction > 0.1) return TrialOutcome{TrialState::kComplete, {}, "", false};
      return TrialOutcome{TrialState::kComplete, {{"loss", 1.0}}, "", false};
    }
  } trainer;
  enqueue({0.5});
  auto result = run_study(*study_, trainer, options(1));
  ASSERT_TRUE(result) << result.error().message;
  auto trials = study_->trials().value();
  EXPECT_EQ(trials[0].state, TrialState::kFailed);
  auto failed = events_of("trial_failed");
  ASSERT_EQ(failed.size(), 1U);
  EXPECT_NE(failed[0].message.find("stage 2 (3/27 of the data) reported no value of the "
                                   "objective \"loss\""),
            std::string::npos)
      << failed[0].message;
}

}  // namespace
}  // namespace greentune
