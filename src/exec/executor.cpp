// What every executor shares: the default Executor::start_stage.
#include "greentune/executor.hpp"

namespace greentune {

Result<std::unique_ptr<RunningTrial>> Executor::start_stage(const Trial& trial,
                                                           const TrialStage& stage,
                                                           TrialReporter& reporter) {
  Trial run = trial;
  run.params[kDataFractionParam] = stage.data_fraction();
  return start(run, reporter);
}

}  // namespace greentune
