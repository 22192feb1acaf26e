// Executors run trials: in process (built-in trainers) or as separate programs (the
// trial protocol).  The orchestrator drives every running trial through poll() from one
// thread, so that it can run several at once, watch them, and stop them.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>

#include "greentune/energy.hpp"
#include "greentune/result.hpp"
#include "greentune/trainer.hpp"
#include "greentune/trial.hpp"

namespace greentune {

// The param a staged trial receives: the share of the data its stage uses, in (0, 1].
inline constexpr const char* kDataFractionParam = "data_fraction";

// One stage of a staged trial (small experiments first, [pruner] resource =
// "data_fraction"): a separate run of the trial on units / max_resource of the data,
// which its program receives as the param data_fraction like any other.
struct TrialStage {
  int64_t units = 1;         // the share of the data, in 1/max_resource-ths
  int64_t max_resource = 1;  // units of the whole data
  double data_fraction() const {
    return static_cast<double>(units) / static_cast<double>(max_resource);
  }
};

// A trial as it runs.
class RunningTrial {
 public:
  virtual ~RunningTrial() = default;
  // Moves the trial on without blocking: forwards what it reported to its reporter,
  // samples its processes, enforces its timeout.  Returns the outcome once it finished.
  virtual Result<std::optional<TrialOutcome>> poll() = 0;
  // Asks it to stop (SIGTERM, the grace period, then SIGKILL for programs).  `why` goes
  // into the outcome's message.  Idempotent: the first reason wins.
  virtual void stop(StopReason reason, const std::string& why) = 0;
};

class Executor {
 public:
  virtual ~Executor() = default;
  // Starts a trial.  `reporter` outlives the returned RunningTrial.
  virtual Result<std::unique_ptr<RunningTrial>> start(const Trial& trial,
                                                      TrialReporter& reporter) = 0;
  // Starts one stage of a staged trial: start() with the param data_fraction added to the
  // trial's params.  An executor that keeps files per trial overrides it so that each
  // stage gets its own (a stage is a new fit: it must not resume the previous stage's
  // checkpoint, while a stage run again after an interrupt must find its own).
  virtual Result<std::unique_ptr<RunningTrial>> start_stage(const Trial& trial,
                                                            const TrialStage& stage,
                                                            TrialReporter& reporter);
  // Called for a trial left RUNNING by a dead orchestrator, before it runs again: ends
  // whatever of it may still be running (a program orphaned by a SIGKILLed orchestrator
  // keeps running and would write to the same checkpoint).  Returns how many processes
  // it stopped.
  virtual int clean_up_stale(const Trial& /*trial*/) { return 0; }
  // What the executor's meter read over this run, split between the trials, greentune's
  // own process and nobody (idle, other programs): every joule once.  nullopt without a
  // meter, or before its first reading.
  virtual std::optional<EnergyTotals> energy_totals() const { return std::nullopt; }
};

// Where an in-process trainer keeps its checkpoints: RUNS_DIR/STUDY/trial-N/checkpoint/
// (trial-N/stage-U/checkpoint/ for a stage), as programs do.
struct InProcessOptions {
  std::string study;     // the runs subdirectory
  std::string runs_dir;  // "" = trainers get no checkpoint directory
};

// Runs a Trainer in the calling thread: start() runs it to the end.
std::unique_ptr<Executor> make_in_process_executor(Trainer& trainer, const SearchSpace& space,
                                                   InProcessOptions options = {});


// The same, metered: each trial is charged the energy of the CPU time this process spent
// running it (its share of the machine's, as for programs).  `meter` outlives the executor.
std::unique_ptr<Executor> make_metered_in_process_executor(Trainer& trainer,
                                                           const SearchSpace& space,
                                                           EnergyMeter& meter,
                                                           InProcessOptions options = {});

}  // namespace greentune
