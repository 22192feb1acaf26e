// The orchestrator: the loop that runs a study until a completion criterion is met.
//
//   completion? -> ask (enqueued first, else the sampler) -> start -> poll ... -> tell
//
// Up to `concurrency` trials run at once, each driven through Executor / RunningTrial
// from this one thread.  Every state change goes to storage before the loop moves on, so
// a study killed at any moment resumes from storage: finished trials are kept, and trials
// left RUNNING by a dead orchestrator are queued again with the same params (and so the
// same checkpoint directory).
#pragma once

#include <atomic>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "greentune/clock.hpp"
#include "greentune/executor.hpp"
#include "greentune/pruner.hpp"
#include "greentune/result.hpp"
#include "greentune/study.hpp"
#include "greentune/trainer.hpp"
#include "greentune/watch.hpp"

namespace greentune {

// Small experiments first ([pruner] resource = "data_fraction"): each trial runs in
// stages, each a new run of it (Executor::start_stage) on a larger share of the data.
// When a stage but the last ends complete, its objective is stored as the trial's
// intermediate value of the metric at step = the stage's units, and `decide` says
// whether the trial stops there (PRUNED) or its next stage starts; the last stage's
// objective is the trial's value.  The stages' own step reports are watched by the judge
// (rules, budgets) but not stored as intermediate values, which hold the stages' values.
// A trial run again after an interrupt resumes at the stage after the last one stored.
struct StagePlan {
  int64_t max_resource = 1;  // units of the whole data
  // The units of data each stage of `trial` ends at, increasing; the last is max_resource.
  std::function<std::vector<int64_t>(const Trial& trial)> stages;
  // After a stage but the last: `trial` as stored (with that stage's value at step =
  // `units`), `trials` every trial of the study.  Pure, as pruners are (pruner.hpp).
  std::function<PruneDecision(const Trial& trial, const std::vector<Trial>& trials,
                              int64_t units)>
      decide;
  std::string source = "pruner";  // who decides, in verdicts: "pruner:asha"
};

struct TuneOptions {
  CompletionSpec completion;
  std::string metric = "value";
  int64_t concurrency = 1;          // trials running at once
  double poll_interval_s = 0.05;    // how often running trials are polled
  double heartbeat_interval_s = 5;  // how often a running trial's heartbeat is stored
  // A RUNNING trial of a worker on another host whose heartbeat is older than this
  // belongs to a dead orchestrator.
  double stale_after_s = 60.0;
  Clock* clock = nullptr;  // nullptr: the system clock
  // Set (e.g. from a signal handler) to stop: running trials get SIGTERM and their grace
  // period, are queued again as resumable, and run_study returns.
  const std::atomic<bool>* interrupted = nullptr;
  // Grams of CO2e for `joules` spent evenly between t0 and t1 (seconds since the epoch),
  // PUE included: for the max_co2e_g budget.  Empty: no carbon figures (budget never met).
  std::function<double(double joules, double t0, double t1)> co2e_g;
  // Makes the judge of each trial attempt (pruner, debugger rules, per-trial budget):
  // asked after every report and every poll whether to stop the trial.  May be empty.
  JudgeFactory judge;
  // [trial] max_steps, for the judges (energy forecasts, savings).
  std::optional<int64_t> max_steps;
  // Called for every verdict a judge gives (for progress output).  May be empty.
  std::function<void(const Trial&, const Verdict&)> on_verdict;
  // Trials in stages over data fractions; nullopt: each trial is one run.
  std::optional<StagePlan> stages;
  // Called after each trial is stored (for progress output).  May be empty.
  std::function<void(const Trial&, const std::vector<Trial>&)> on_trial_finished;
  // Called each time the loop waits for running trials (every poll_interval_s): for a
  // progress display's clock.  May be empty; must be cheap.
  std::function<void()> on_idle;
};

struct TuneResult {
  std::optional<CompletionReason> reason;  // nullopt when interrupted
  int64_t trials_run = 0;                  // trials this call finished
  int64_t requeued = 0;                    // stale RUNNING trials it queued again at start
  int64_t interrupted_trials = 0;          // running trials queued again on interrupt
};

// Runs the study until a criterion is met, the sampler is exhausted, or `interrupted`
// is set.  The criterion is stored with the study.
Result<TuneResult> run_study(Study& study, Executor& executor, const TuneOptions& options);
// The same with an in-process trainer.
Result<TuneResult> run_study(Study& study, Trainer& trainer, const TuneOptions& options);

// Queues again the RUNNING trials of dead orchestrators: a worker on this host whose
// process is gone, or a worker elsewhere whose heartbeat is older than stale_after_s.
// Trials handed to outside loops by `ask` (no worker) are left alone.
// `on_stale` (may be empty) is called for each such trial first.
Result<int64_t> requeue_stale_trials(Study& study, double now, double stale_after_s,
                                     const std::function<void(const Trial&)>& on_stale = {});

}  // namespace greentune
