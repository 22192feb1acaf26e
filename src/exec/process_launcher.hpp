// Where the process executor gets its trial processes from: the launch seam.  The real
// launcher spawns programs (TrialProcess::start); tests hand the executor a fake one
// (exec/fake_process.hpp) whose processes follow a script on a fake clock, so that
// timeouts, grace periods, interrupts and concurrency are tested without sleeping.
#pragma once

#include <memory>

#include "exec/process.hpp"
#include "greentune/result.hpp"

namespace greentune::exec {

class ProcessLauncher {
 public:
  virtual ~ProcessLauncher() = default;
  // Starts a trial process as `spec` says.  Errors as TrialProcess::start's.
  // Thread safety: called from the orchestrator's thread only.
  virtual Result<std::unique_ptr<TrialProcess>> launch(const LaunchSpec& spec) = 0;
};

// The launcher of real programs: TrialProcess::start.  Stateless; lives for the whole
// program.
ProcessLauncher& real_process_launcher();

}  // namespace greentune::exec
