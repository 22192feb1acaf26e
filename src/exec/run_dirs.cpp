#include "exec/run_dirs.hpp"

#include <fmt/format.h>

namespace greentune::exec {

namespace fs = std::filesystem;

fs::path trial_dir(const std::string& runs_dir, const std::string& study, int64_t trial_number) {
  return fs::absolute(fs::path(runs_dir) / study / fmt::format("trial-{}", trial_number));
}

fs::path stage_dir(const std::string& runs_dir, const std::string& study, int64_t trial_number,
                   const TrialStage& stage) {
  return trial_dir(runs_dir, study, trial_number) / fmt::format("stage-{}", stage.units);
}

}  // namespace greentune::exec
