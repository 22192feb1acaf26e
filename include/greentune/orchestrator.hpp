// The orchestrator: the loop that runs a study until a completion criterion is met.
//
//   completion? -> ask (enqueued first, else the sampler) -> run the trial -> tell
//
// Every state change goes to storage before the loop moves on, so a study killed at any
// moment resumes from storage: finished trials are kept, and trials left RUNNING by a dead
// orchestrator (stale heartbeat) are queued again with the same params.
#pragma once

#include <atomic>
#include <functional>
#include <optional>
#include <string>

#include "greentune/clock.hpp"
#include "greentune/result.hpp"
#include "greentune/study.hpp"
#include "greentune/trainer.hpp"

namespace greentune {

struct TuneOptions {
  CompletionSpec completion;
  std::string metric = "value";
  // A RUNNING trial whose heartbeat is older than this belongs to a dead orchestrator.
  double stale_after_s = 60.0;
  Clock* clock = nullptr;  // nullptr: the system clock
  // Set from a signal handler to stop after the current trial (it is re-queued).
  const std::atomic<bool>* interrupted = nullptr;
  // Called after each trial is stored (for progress output).  May be empty.
  std::function<void(const Trial&, const std::vector<Trial>&)> on_trial_finished;
};

struct TuneResult {
  std::optional<CompletionReason> reason;  // nullopt when interrupted
  int64_t trials_run = 0;                  // trials this call ran
  int64_t requeued = 0;                    // stale RUNNING trials it queued again
};

// Runs the study with an in-process trainer until a criterion is met, the sampler is
// exhausted, or `interrupted` is set.  The criterion is stored with the study.
Result<TuneResult> run_study(Study& study, Trainer& trainer, const TuneOptions& options);

// Queues again the RUNNING trials of dead orchestrators: a worker on this host whose
// process is gone, or a worker elsewhere whose heartbeat is older than stale_after_s.
// Trials handed to outside loops by `ask` (no worker) are left alone.
Result<int64_t> requeue_stale_trials(Study& study, double now, double stale_after_s);

}  // namespace greentune
