#include "exec/process_launcher.hpp"

namespace greentune::exec {
namespace {

class RealProcessLauncher final : public ProcessLauncher {
 public:
  Result<std::unique_ptr<TrialProcess>> launch(const LaunchSpec& spec) override {
    return TrialProcess::start(spec);
  }
};

}  // namespace

ProcessLauncher& real_process_launcher() {
  static RealProcessLauncher launcher;
  return launcher;
}

}  // namespace greentune::exec
