// The in-process executor: a built-in trainer runs to its end inside start(), with a
// checkpoint directory per trial (and per stage) that survives re-queueing.
#include <filesystem>

#include <fmt/format.h>

#include "exec/run_dirs.hpp"
#include "greentune/executor.hpp"

namespace greentune {
namespace {

namespace fs = std::filesystem;

class FinishedTrial : public RunningTrial {
 public:
  explicit FinishedTrial(TrialOutcome outcome) : outcome_(std::move(outcome)) {}
  Result<std::optional<TrialOutcome>> poll() override { return std::optional(outcome_); }
  void stop(StopReason, const std::string&) override {}

 private:
  TrialOutcome outcome_;
};

class InProcessExecutor : public Executor {
 public:
  InProcessExecutor(Trainer& trainer, const SearchSpace& space, InProcessOptions options)
      : trainer_(trainer), space_(space), options_(std::move(options)) {}

  Result<std::unique_ptr<RunningTrial>> start(const Trial& trial,
                                              TrialReporter& reporter) override {
    fs::path dir;
    if (keeps_files()) {
      dir = exec::trial_dir(options_.runs_dir, options_.study, trial.number);
    }
    return run_in(trial.params, trial.number, dir, "", reporter);
  }

  Result<std::unique_ptr<RunningTrial>> start_stage(const Trial& trial, const TrialStage& stage,
                                                    TrialReporter& reporter) override {
    Params params = trial.params;
    params[kDataFractionParam] = stage.data_fraction();
    fs::path dir;
    if (keeps_files()) {
      dir = exec::stage_dir(options_.runs_dir, options_.study, trial.number, stage);
    }
    return run_in(params, trial.number, dir, fmt::format("stage-{}/", stage.units), reporter);
  }

 private:
  bool keeps_files() const { return !options_.runs_dir.empty() && trainer_.keeps_checkpoints(); }

  Result<std::unique_ptr<RunningTrial>> run_in(const Params& params, int64_t number,
                                               const fs::path& dir,
                                               const std::string& artifact_prefix,
                                               TrialReporter& reporter) {
    std::string checkpoint;
    if (!dir.empty()) {
      std::error_code ec;
      fs::create_directories(dir / "checkpoint", ec);
      if (ec) {
        return make_error(ErrorCode::kIo, fmt::format("cannot create the trial directory {}: {}",
                                                      (dir / "checkpoint").string(), ec.message()));
      }
      checkpoint = (dir / "checkpoint").string();
      if (auto ok = reporter.artifact(artifact_prefix + "checkpoint", checkpoint); !ok) {
        return tl::unexpected(ok.error());
      }
    }
    auto outcome = trainer_.run(TrainerRun{space_, params, number, checkpoint}, reporter);
    if (!outcome) return tl::unexpected(outcome.error());
    if (reporter.should_stop() && outcome->state != TrialState::kComplete) {
      auto why = reporter.stop_reason().value_or(StopReason::kInterrupted);
      if (why == StopReason::kInterrupted) {
        outcome->resumable = true;  // stopped by an interrupt before it finished
      } else {
        outcome->state = TrialState::kPruned;  // a judge stopped it (pruner, rule, budget)
      }
    }
    return std::make_unique<FinishedTrial>(std::move(*outcome));
  }

  Trainer& trainer_;
  const SearchSpace& space_;
  InProcessOptions options_;
};

}  // namespace

std::unique_ptr<Executor> make_in_process_executor(Trainer& trainer, const SearchSpace& space,
                                                   InProcessOptions options) {
  return std::make_unique<InProcessExecutor>(trainer, space, std::move(options));
}

}  // namespace greentune
