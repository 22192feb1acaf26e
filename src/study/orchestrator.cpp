#include "greentune/orchestrator.hpp"

#include <algorithm>
#include <list>

#include <fmt/format.h>

#include "greentune/storage.hpp"
#include "greentune/worker.hpp"
#include "study/outcome.hpp"
#include "study/stages.hpp"
#include "study/storage_reporter.hpp"

namespace greentune {
namespace {

using study_detail::finish;
using study_detail::first_stage_to_run;
using study_detail::record_event;
using study_detail::Spent;
using study_detail::SpentByTrial;
using study_detail::StageEnd;
using study_detail::stage_objective;
using study_detail::StorageReporter;

// One running trial and what the loop keeps about it.
struct Slot {
  Trial trial;
  TrialWatch watch;
  std::unique_ptr<TrialJudge> judge;
  std::unique_ptr<StorageReporter> reporter;
  std::unique_ptr<RunningTrial> run;  // null while Executor::start runs (in-process trainers)
  double last_heartbeat = 0;
  bool stopped_by_judge = false;
  std::vector<int64_t> stages;  // a staged trial: the units each stage ends at; else empty
  size_t stage = 0;             // ... and the stage running
};

Status stop_study(Study& study, const CompletionReason& reason, double now) {
  auto ok = study.storage().set_study_stopped(study.id(), reason.criterion, now);
  if (!ok) return ok;
  return record_event(study.storage(), study.id(), std::nullopt, now, "completion", "info",
                      fmt::format("study ended by {}: {}", reason.criterion, reason.detail),
                      {{"criterion", reason.criterion}});
}

// Criteria after which trials still running are wasted work and are stopped.
bool stops_running_trials(const CompletionReason& r) {
  return r.criterion == "target" || r.criterion == "max_wall" ||
         r.criterion == "max_energy_kwh" || r.criterion == "max_co2e_g";
}

// The loop's state for one run_study call.
class Loop {
 public:
  Loop(Study& study, Executor& executor, const TuneOptions& options)
      : study_(study),
        executor_(executor),
        options_(options),
        clock_(options.clock ? *options.clock : system_clock()),
        wall_mark_(clock_.monotonic()) {}

  Result<TuneResult> run();

 private:
  bool interrupt_requested() const {
    return options_.interrupted && options_.interrupted->load();
  }
  double unflushed_wall() { return clock_.monotonic() - wall_mark_; }
  Status flush_wall();
  Status poll_running();
  Status load_spent();
  void add_spent(StudyProgress& progress);
  Status check_completion_now(bool full);
  Status start_one();
  Status start_run(Slot& slot);
  Result<bool> end_stage(Slot& slot, TrialOutcome& outcome, double now);
  Status stage_event(const Slot& slot, std::optional<double> value, const std::string& decision,
                     const std::string& why, double now);
  Status record_verdict(const Slot& slot, const Verdict& v, std::optional<int64_t> step,
                        double now);
  Status judge(Slot& slot);
  Status ran_to_the_end(const Slot& slot, TrialOutcome& outcome, double now);
  void stop_all(StopReason reason, const std::string& why);

  Study& study_;
  Executor& executor_;
  const TuneOptions& options_;
  Clock& clock_;
  double wall_mark_;
  std::list<Slot> slots_;
  std::optional<CompletionReason> ending_;
  SpentByTrial spent_;
  // The stored trials as the pruner last read them (see judge()).
  History history_;
  bool interrupted_ = false;
  TuneResult result_;
};

// What the study's trials spent before this call, from storage.
Status Loop::load_spent() {
  if (!options_.completion.max_energy_kwh && !options_.completion.max_co2e_g) return {};
  auto trials = study_.trials();
  if (!trials) return tl::unexpected(trials.error());
  for (const auto& t : *trials) {
    auto energy = study_.storage().trial_energy(t.id);
    if (!energy) return tl::unexpected(energy.error());
    if (energy->empty()) continue;
    Spent& s = spent_[t.id];
    for (const auto& e : *energy) s.joules += e.joules;
    s.started = t.started.value_or(0.0);
    s.finished = t.finished;
  }
  return {};
}

void Loop::add_spent(StudyProgress& progress) {
  double now = clock_.now();
  for (const auto& [id, s] : spent_) {
    progress.energy_kwh += s.joules / 3.6e6;
    if (options_.co2e_g) progress.co2e_g += options_.co2e_g(s.joules, s.started, s.finished.value_or(now));
  }
}

Status Loop::flush_wall() {
  double now = clock_.monotonic();
  auto ok = study_.storage().add_study_elapsed(study_.id(), now - wall_mark_);
  wall_mark_ = now;
  return ok;
}

void Loop::stop_all(StopReason reason, const std::string& why) {
  for (auto& slot : slots_) slot.run->stop(reason, why);
}

// Stores verdict `v` on the slot's trial as a "verdict" event at `now`, with the numbers
// behind it, the trial's last `step` (unless the verdict names its own) and, for a staged
// trial, the stage's units; then tells on_verdict.
Status Loop::record_verdict(const Slot& slot, const Verdict& v, std::optional<int64_t> step,
                            double now) {
  nlohmann::json data = v.data;
  data["source"] = v.source;
  data["reason"] = to_string(v.reason);
  data["action"] = v.stop ? "stop" : "warn";
  if (step && !data.contains("step")) data["step"] = *step;
  if (!slot.stages.empty()) data["stage_units"] = slot.stages[slot.stage];
  auto ok = record_event(study_.storage(), study_.id(), slot.trial.id, now, "verdict",
                         v.stop ? "info" : "warning",
                         fmt::format("trial {}: {}: {}{}", slot.trial.number, v.source, v.message,
                                     v.stop ? "; stopping it" : ""),
                         std::move(data));
  if (!ok) return ok;
  if (options_.on_verdict) options_.on_verdict(slot.trial, v);
  return {};
}

// Asks the slot's judge about it and acts on the verdicts: each is stored as an event;
// the first "stop" stops the trial.
Status Loop::judge(Slot& slot) {
  if (!slot.judge || slot.stopped_by_judge) return {};
  slot.watch.now = clock_.now();
  // The pruner compares this trial with the stored ones.  While it is the only trial
  // running here, they change only when a trial finishes (the history is read again
  // then, and at every trial's start), so it is read once, not at every report: a
  // fast trainer reports every few milliseconds, and reading every value of the study
  // each time made a pruned trial cost more than its training.  (Another worker's new
  // reports reach this trial's pruner at its next trial.)  With concurrent trials it is
  // read at every report, as their values change.
  if (slots_.size() > 1) history_.reset();
  HistoryFn history = [this]() -> Result<History> {
    if (!history_) {
      auto trials = study_.trials();
      if (!trials) return tl::unexpected(trials.error());
      history_ = std::make_shared<const std::vector<Trial>>(std::move(*trials));
    }
    return history_;
  };
  auto verdicts = slot.judge->check(slot.watch, history);
  slot.watch.new_report = false;
  if (!verdicts) return tl::unexpected(verdicts.error());
  for (const Verdict& v : *verdicts) {
    if (auto ok = record_verdict(slot, v, slot.watch.last_step(), slot.watch.now); !ok) return ok;
    if (v.stop && !slot.stopped_by_judge) {
      slot.stopped_by_judge = true;
      slot.reporter->judged_stop(v.reason);
      if (slot.run) slot.run->stop(v.reason, fmt::format("{}: {}", v.source, v.message));
    }
  }
  return {};
}

// A trial a judge stopped may have reached its last step before the signal arrived (a
// verdict at step 38 of 40 lands as the program finishes): it ran in full, so it counts
// as complete, with its result.
Status Loop::ran_to_the_end(const Slot& slot, TrialOutcome& outcome, double now) {
  if (!slot.stopped_by_judge || outcome.state != TrialState::kPruned || !options_.max_steps) {
    return {};
  }
  auto values = slot.watch.metrics.find(options_.metric);
  if (values == slot.watch.metrics.end() || values->second.empty() ||
      values->second.back().step < *options_.max_steps) {
    return {};
  }
  outcome.state = TrialState::kComplete;
  return record_event(study_.storage(), study_.id(), slot.trial.id, now, "trial_ran_to_the_end",
                      "info",
                      fmt::format("trial {} reached its last step ({}) before it could be "
                                  "stopped: it counts as complete",
                                  slot.trial.number, values->second.back().step));
}

Status Loop::poll_running() {
  for (auto it = slots_.begin(); it != slots_.end();) {
    auto outcome = it->run->poll();
    if (!outcome) return tl::unexpected(outcome.error());
    if (!*outcome) {
      if (auto ok = judge(*it); !ok) return ok;
    }
    double now = clock_.now();
    if (!*outcome) {
      if (now - it->last_heartbeat >= options_.heartbeat_interval_s) {
        if (auto ok = study_.storage().heartbeat(it->trial.id, now); !ok) return ok;
        it->last_heartbeat = now;
      }
      ++it;
      continue;
    }
    if (auto ok = ran_to_the_end(*it, **outcome, now); !ok) return ok;
    if (!it->stages.empty() && !(*outcome)->resumable) {
      auto next_stage = end_stage(*it, **outcome, now);
      if (!next_stage) return tl::unexpected(next_stage.error());
      if (*next_stage) {
        ++it;
        continue;
      }
    }
    history_.reset();
    if (auto ok = finish(study_, it->trial, **outcome, options_.metric, now); !ok) return ok;
    if (auto s = spent_.find(it->trial.id); s != spent_.end()) s->second.finished = now;
    if (auto ok = flush_wall(); !ok) return ok;
    if ((*outcome)->resumable) {
      ++result_.interrupted_trials;
    } else {
      ++result_.trials_run;
      if (options_.on_trial_finished) {
        auto after = study_.trials();
        if (!after) return tl::unexpected(after.error());
        options_.on_trial_finished((*after)[static_cast<size_t>(it->trial.number)], *after);
      }
    }
    it = slots_.erase(it);
  }
  return {};
}

// `full`: with the trials (a slot is free or a trial ended); else only the wall clock.
Status Loop::check_completion_now(bool full) {
  if (auto ok = study_.refresh(); !ok) return ok;
  std::vector<Trial> trials;
  if (full) {
    auto read = study_.trials();
    if (!read) return tl::unexpected(read.error());
    trials = std::move(*read);
  }
  CompletionSpec spec = options_.completion;
  if (!full) spec = CompletionSpec{.max_wall_s = spec.max_wall_s};
  StudyProgress progress;
  progress.direction = study_.direction();
  progress.trials = &trials;
  progress.elapsed_s = study_.record().elapsed_s + unflushed_wall();
  if (full) add_spent(progress);
  ending_ = check_completion(spec, progress);
  if (ending_ && stops_running_trials(*ending_)) {
    stop_all(StopReason::kStudyDone,
             fmt::format("the study ended by {} while it ran", ending_->criterion));
  }
  return {};
}

Status Loop::start_one() {
  auto trial = study_.ask(clock_.now(), current_worker_id());
  if (!trial && trial.error().code == ErrorCode::kExhausted) {
    ending_ = CompletionReason{"exhausted", trial.error().message};
    return {};
  }
  if (!trial) return tl::unexpected(trial.error());
  Slot& slot = slots_.emplace_back();
  slot.trial = std::move(*trial);
  slot.last_heartbeat = clock_.now();
  history_.reset();
  if (options_.stages) {
    slot.stages = options_.stages->stages(slot.trial);
    slot.stage = first_stage_to_run(slot.stages, slot.trial, options_.metric);
  }
  auto ok = start_run(slot);
  if (!ok) slots_.pop_back();
  return ok;
}

// Starts the slot's trial, or its current stage, with a fresh watch, judge and reporter:
// each run is judged on its own, and a stage does not see the last stage's steps.
Status Loop::start_run(Slot& slot) {
  const bool staged = !slot.stages.empty();
  slot.run.reset();  // before the reporter it holds
  slot.watch = TrialWatch{};
  slot.watch.trial = &slot.trial;
  slot.watch.direction = study_.direction();
  slot.watch.metric = options_.metric;
  slot.watch.started = clock_.now();
  slot.watch.now = slot.watch.started;
  slot.watch.max_steps = options_.max_steps;
  if (!staged) slot.watch.metrics = slot.trial.intermediate;  // a resumed trial's earlier values
  slot.stopped_by_judge = false;
  slot.judge = options_.judge ? options_.judge(slot.trial) : nullptr;
  std::function<Status()> on_report;
  if (slot.judge) on_report = [this, &slot]() { return judge(slot); };
  slot.reporter = std::make_unique<StorageReporter>(study_, slot.trial, clock_,
                                                    options_.interrupted, spent_, slot.watch,
                                                    std::move(on_report), !staged);
  if (auto ok = slot.reporter->load_earlier_energy(); !ok) return ok;
  auto run = staged ? executor_.start_stage(
                          slot.trial,
                          TrialStage{slot.stages[slot.stage], options_.stages->max_resource},
                          *slot.reporter)
                    : executor_.start(slot.trial, *slot.reporter);
  if (!run) {
    // It never started: fail it with the reason, so it is not retried forever.
    TrialOutcome failed{TrialState::kFailed, {}, run.error().message, false};
    auto ok = finish(study_, slot.trial, failed, options_.metric, clock_.now());
    if (!ok) return ok;
    return tl::unexpected(run.error());
  }
  slot.run = std::move(*run);
  return {};
}

// A "stage" event: how a stage of a staged trial ended and what came of it.
Status Loop::stage_event(const Slot& slot, std::optional<double> value,
                         const std::string& decision, const std::string& why, double now) {
  const StageEnd end{.stages = slot.stages,
                     .stage = slot.stage,
                     .max_resource = options_.stages->max_resource,
                     .metric = options_.metric,
                     .value = value,
                     .decision = decision,
                     .why = why};
  return record_event(study_.storage(), study_.id(), slot.trial.id, now, "stage", "info",
                      end.message(slot.trial.number), end.data());
}

// A stage of a staged trial ended (not interrupted).  Returns true when the next stage
// started; false when the trial ends with `outcome`, which is then made the trial's: the
// last stage's objective is its value, a stage the pruner stops ends it PRUNED with that
// stage's value stored, a stage that failed or was stopped ends it so.
Result<bool> Loop::end_stage(Slot& slot, TrialOutcome& outcome, double now) {
  const std::string& metric = options_.metric;
  const int64_t units = slot.stages[slot.stage];
  const bool last = slot.stage + 1 == slot.stages.size();
  std::optional<double> value = stage_objective(outcome, slot.watch, metric);
  if (outcome.state != TrialState::kComplete) {
    // Stopped by a rule, a budget or the timeout, or failed: the trial ends so, its value
    // the last stage's stored (a part of this stage is not comparable with anything).
    outcome.final_metrics.clear();
    std::string decision = outcome.state == TrialState::kFailed ? "failed" : "stopped";
    if (auto ok = stage_event(slot, std::nullopt, decision, outcome.message, now); !ok) {
      return tl::unexpected(ok.error());
    }
    return false;
  }
  if (!value) {
    outcome.state = TrialState::kFailed;
    outcome.message = fmt::format("stage {} ({}/{} of the data) reported no value of the "
                                  "objective \"{}\"",
                                  slot.stage + 1, units, options_.stages->max_resource, metric);
    if (auto ok = stage_event(slot, std::nullopt, "failed", outcome.message, now); !ok) {
      return tl::unexpected(ok.error());
    }
    return false;
  }
  // Stored at every stage, the last included: the trial's curve over data fractions.
  if (auto ok = study_.storage().add_intermediate(slot.trial.id, metric, units, *value, now); !ok) {
    return tl::unexpected(ok.error());
  }
  if (last) {
    outcome.final_metrics[metric] = *value;
    auto ok = stage_event(slot, value, "final", "the trial's value, on all the data", now);
    if (!ok) return tl::unexpected(ok.error());
    return false;
  }
  auto trials = study_.trials();
  if (!trials) return tl::unexpected(trials.error());
  const Trial* self = &slot.trial;
  for (const Trial& t : *trials) {
    if (t.number == slot.trial.number) self = &t;
  }
  PruneDecision d = options_.stages->decide(*self, *trials, units);
  if (d.prune) {
    // The pruner speaks of steps; here a step is the units of data a stage used.
    const std::string why = fmt::format("after {}/{} of the data: {}", units,
                                        options_.stages->max_resource, d.message);
    outcome.state = TrialState::kPruned;
    outcome.final_metrics.clear();  // its value: this stage's, stored above
    outcome.message = fmt::format("{}: {}", options_.stages->source, why);
    if (auto ok = stage_event(slot, value, "prune", d.message, now); !ok) {
      return tl::unexpected(ok.error());
    }
    // Also a stop verdict, as a step pruner's would be: for progress, reasons and savings.
    Verdict v{options_.stages->source, StopReason::kPruned, true, why, d.data};
    if (auto ok = record_verdict(slot, v, std::nullopt, now); !ok) {
      return tl::unexpected(ok.error());
    }
    return false;
  }
  std::string decision = "continue";
  std::string why = d.message;
  if (interrupted_ || interrupt_requested()) {
    // Between stages: queued again, it resumes at the next stage.
    outcome.resumable = true;
    outcome.message = "greentune was interrupted between two stages";
    decision = "interrupted";
  } else if (ending_ && stops_running_trials(*ending_)) {
    outcome.state = TrialState::kPruned;
    outcome.final_metrics.clear();
    outcome.message = fmt::format("the study ended by {} while it ran", ending_->criterion);
    decision = "stopped";
    why = fmt::format("{}; {}", why, outcome.message);
  }
  if (auto ok = stage_event(slot, value, decision, why, now); !ok) {
    return tl::unexpected(ok.error());
  }
  if (decision != "continue") return false;
  ++slot.stage;
  if (auto ok = start_run(slot); !ok) return tl::unexpected(ok.error());
  return true;
}

Result<TuneResult> Loop::run() {
  auto requeued = requeue_stale_trials(study_, clock_.now(), options_.stale_after_s,
                                       [&](const Trial& t) { executor_.clean_up_stale(t); });
  if (!requeued) return tl::unexpected(requeued.error());
  result_.requeued = *requeued;
  if (auto ok = load_spent(); !ok) return tl::unexpected(ok.error());
  const auto capacity = static_cast<size_t>(std::max<int64_t>(1, options_.concurrency));
  for (;;) {
    if (!interrupted_ && interrupt_requested()) {
      interrupted_ = true;
      stop_all(StopReason::kInterrupted, "greentune was interrupted");
    }
    if (auto ok = poll_running(); !ok) return tl::unexpected(ok.error());
    if (interrupted_ || ending_) {
      if (!slots_.empty()) {
        if (options_.on_idle) options_.on_idle();
        clock_.sleep(options_.poll_interval_s);
        continue;
      }
      if (auto ok = flush_wall(); !ok) return tl::unexpected(ok.error());
      if (interrupted_) return result_;
      if (auto ok = stop_study(study_, *ending_, clock_.now()); !ok) return tl::unexpected(ok.error());
      result_.reason = ending_;
      return result_;
    }
    bool free_slot = slots_.size() < capacity;
    if (auto ok = check_completion_now(free_slot); !ok) return tl::unexpected(ok.error());
    if (ending_) continue;
    if (free_slot) {
      if (auto ok = start_one(); !ok) return tl::unexpected(ok.error());
      continue;
    }
    if (options_.on_idle) options_.on_idle();
    clock_.sleep(options_.poll_interval_s);
  }
}

}  // namespace

Result<int64_t> requeue_stale_trials(Study& study, double now, double stale_after_s,
                                     const std::function<void(const Trial&)>& on_stale) {
  auto trials = study.trials();
  if (!trials) return tl::unexpected(trials.error());
  int64_t n = 0;
  for (const auto& t : *trials) {
    // Trials of outside loops (no worker) are theirs to finish.
    if (t.state != TrialState::kRunning || t.worker.empty()) continue;
    double last = t.heartbeat.value_or(t.started.value_or(0));
    auto liveness = worker_liveness(t.worker);
    bool stale = liveness == WorkerLiveness::kDead ||
                 (liveness == WorkerLiveness::kUnknown && now - last >= stale_after_s);
    if (!stale) continue;
    if (on_stale) on_stale(t);
    if (auto ok = study.storage().requeue_trial(t.id); !ok) return tl::unexpected(ok.error());
    auto ok = record_event(study.storage(), study.id(), t.id, now, "trial_requeued", "warning",
                           fmt::format("trial {} was left running by a stopped orchestrator "
                                       "({}, last heartbeat {:.0f} s ago); queued again",
                                       t.number, t.worker, now - last));
    if (!ok) return tl::unexpected(ok.error());
    ++n;
  }
  return n;
}

Result<TuneResult> run_study(Study& study, Executor& executor, const TuneOptions& options) {
  auto result = Loop(study, executor, options).run();
  // This run's readings, every joule once: kept as an event, so that the summary adds up
  // the runs of a resumed study (report/costs.cpp).
  if (auto totals = executor.energy_totals(); totals && totals->machine_j > 0) {
    Clock& clock = options.clock ? *options.clock : system_clock();
    auto ok = record_event(
        study.storage(), study.id(), std::nullopt, clock.now(), "energy_totals", "info",
        fmt::format("this run's energy: {:.1f} J read = {:.1f} J trials + {:.1f} J greentune "
                    "itself + {:.1f} J idle and other programs",
                    totals->machine_j, totals->trials_j, totals->greentune_j, totals->other_j),
        nlohmann::json{{"machine_j", totals->machine_j},
                       {"trials_j", totals->trials_j},
                       {"greentune_j", totals->greentune_j},
                       {"other_j", totals->other_j}});
    if (!ok && result) return tl::unexpected(ok.error());
  }
  return result;
}

Result<TuneResult> run_study(Study& study, Trainer& trainer, const TuneOptions& options) {
  auto executor = make_in_process_executor(trainer, study.space());
  return run_study(study, *executor, options);
}

}  // namespace greentune
