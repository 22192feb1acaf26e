#include "greentune/orchestrator.hpp"

#include <cmath>

#include "greentune/worker.hpp"

#include <fmt/format.h>

namespace greentune {
namespace {

// Sends a trainer's reports to storage, and heartbeats the trial as it goes.
class StorageReporter : public TrialReporter {
 public:
  StorageReporter(Storage& storage, int64_t trial_id, Clock& clock,
                  const std::atomic<bool>* interrupted)
      : storage_(storage), trial_id_(trial_id), clock_(clock), interrupted_(interrupted) {}

  Status report(int64_t step, const std::map<std::string, double>& metrics) override {
    double now = clock_.now();
    for (const auto& [name, value] : metrics) {
      if (auto ok = storage_.add_intermediate(trial_id_, name, step, value, now); !ok) return ok;
    }
    return storage_.heartbeat(trial_id_, now);
  }
  bool should_stop() override { return interrupted_ && interrupted_->load(); }

 private:
  Storage& storage_;
  int64_t trial_id_;
  Clock& clock_;
  const std::atomic<bool>* interrupted_;
};

// The objective of a finished trial: its final value of `metric`, else the last one it
// reported.
std::optional<double> objective(const TrialOutcome& outcome, const Trial& stored,
                                const std::string& metric) {
  if (auto it = outcome.final_metrics.find(metric); it != outcome.final_metrics.end()) {
    return it->second;
  }
  if (auto last = stored.last(metric)) return last->value;
  return std::nullopt;
}

Status record_event(Storage& storage, const Study& study, std::optional<int64_t> trial_id,
                    double now, std::string kind, std::string level, std::string message,
                    nlohmann::json data = nlohmann::json::object()) {
  Event e;
  e.study_id = study.id();
  e.trial_id = trial_id;
  e.time = now;
  e.kind = std::move(kind);
  e.level = std::move(level);
  e.message = std::move(message);
  e.data = std::move(data);
  return storage.add_event(e);
}

// Stores the outcome of one trial: complete with its objective, or failed saying why.
Status finish(Study& study, const Trial& trial, const TrialOutcome& outcome,
              const std::string& metric, double now) {
  Storage& storage = study.storage();
  auto stored = storage.trial(study.id(), trial.number);
  if (!stored) return tl::unexpected(stored.error());
  auto value = objective(outcome, stored->value_or(trial), metric);
  TrialState state = outcome.state;
  std::string why = outcome.message;
  if (state == TrialState::kComplete && (!value || !std::isfinite(*value))) {
    state = TrialState::kFailed;
    why = value ? fmt::format("objective {} is not finite ({})", metric, *value)
                : fmt::format("the trial reported no value of the objective \"{}\"", metric);
  }
  if (state == TrialState::kFailed) {
    auto ok = record_event(storage, study, trial.id, now, "trial_failed", "error",
                           fmt::format("trial {} failed: {}", trial.number, why));
    if (!ok) return ok;
  }
  return study.tell(trial.number, state, state == TrialState::kFailed ? std::nullopt : value, now);
}

Result<std::optional<CompletionReason>> completion(Study& study, const TuneOptions& options,
                                                   const std::vector<Trial>& trials) {
  if (auto ok = study.refresh(); !ok) return tl::unexpected(ok.error());
  StudyProgress progress;
  progress.direction = study.direction();
  progress.trials = &trials;
  progress.elapsed_s = study.record().elapsed_s;
  return check_completion(options.completion, progress);
}

Status stop_study(Study& study, const CompletionReason& reason, double now) {
  auto ok = study.storage().set_study_stopped(study.id(), reason.criterion, now);
  if (!ok) return ok;
  return record_event(study.storage(), study, std::nullopt, now, "completion", "info",
                      fmt::format("study ended by {}: {}", reason.criterion, reason.detail),
                      {{"criterion", reason.criterion}});
}

}  // namespace

Result<int64_t> requeue_stale_trials(Study& study, double now, double stale_after_s) {
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
    if (auto ok = study.storage().requeue_trial(t.id); !ok) return tl::unexpected(ok.error());
    auto ok = record_event(study.storage(), study, t.id, now, "trial_requeued", "warning",
                           fmt::format("trial {} was left running by a stopped orchestrator "
                                       "({}, last heartbeat {:.0f} s ago); queued again",
                                       t.number, t.worker, now - last));
    if (!ok) return tl::unexpected(ok.error());
    ++n;
  }
  return n;
}

Result<TuneResult> run_study(Study& study, Trainer& trainer, const TuneOptions& options) {
  Clock& clock = options.clock ? *options.clock : system_clock();
  TuneResult result;
  auto requeued = requeue_stale_trials(study, clock.now(), options.stale_after_s);
  if (!requeued) return tl::unexpected(requeued.error());
  result.requeued = *requeued;
  for (;;) {
    if (options.interrupted && options.interrupted->load()) return result;
    auto trials = study.trials();
    if (!trials) return tl::unexpected(trials.error());
    auto reason = completion(study, options, *trials);
    if (!reason) return tl::unexpected(reason.error());
    if (*reason) {
      if (auto ok = stop_study(study, **reason, clock.now()); !ok) return tl::unexpected(ok.error());
      result.reason = *reason;
      return result;
    }
    auto trial = study.ask(clock.now(), current_worker_id());
    if (!trial && trial.error().code == ErrorCode::kExhausted) {
      CompletionReason r{"exhausted", trial.error().message};
      if (auto ok = stop_study(study, r, clock.now()); !ok) return tl::unexpected(ok.error());
      result.reason = r;
      return result;
    }
    if (!trial) return tl::unexpected(trial.error());
    double start = clock.monotonic();
    StorageReporter reporter(study.storage(), trial->id, clock, options.interrupted);
    auto outcome = trainer.run(study.space(), trial->params, reporter);
    if (!outcome) return tl::unexpected(outcome.error());
    if (options.interrupted && options.interrupted->load() &&
        outcome->state != TrialState::kComplete) {
      // Stopped by the user before it finished: leave it resumable.
      if (auto ok = study.storage().requeue_trial(trial->id); !ok) return tl::unexpected(ok.error());
      return result;
    }
    if (auto ok = finish(study, *trial, *outcome, options.metric, clock.now()); !ok) {
      return tl::unexpected(ok.error());
    }
    if (auto ok = study.storage().add_study_elapsed(study.id(), clock.monotonic() - start); !ok) {
      return tl::unexpected(ok.error());
    }
    ++result.trials_run;
    if (options.on_trial_finished) {
      auto after = study.trials();
      if (!after) return tl::unexpected(after.error());
      const Trial& done = (*after)[static_cast<size_t>(trial->number)];
      options.on_trial_finished(done, *after);
    }
  }
}

}  // namespace greentune
