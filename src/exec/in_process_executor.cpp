// The in-process executor: a built-in trainer runs to its end inside start().
#include "greentune/executor.hpp"

namespace greentune {
namespace {

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
  InProcessExecutor(Trainer& trainer, const SearchSpace& space)
      : trainer_(trainer), space_(space) {}

  Result<std::unique_ptr<RunningTrial>> start(const Trial& trial,
                                              TrialReporter& reporter) override {
    auto outcome = trainer_.run(space_, trial.params, reporter);
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

 private:
  Trainer& trainer_;
  const SearchSpace& space_;
};

}  // namespace

std::unique_ptr<Executor> make_in_process_executor(Trainer& trainer, const SearchSpace& space) {
  return std::make_unique<InProcessExecutor>(trainer, space);
}

}  // namespace greentune
