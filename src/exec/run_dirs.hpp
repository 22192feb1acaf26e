// Where a trial's files live, for every executor: RUNS/STUDY/trial-N/, and for a stage of
// a staged trial trial-N/stage-U/ (U: its units of data), so that a new fit starts with
// an empty checkpoint directory and a stage run again finds its own.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "greentune/executor.hpp"

namespace greentune::exec {

// Absolute.
std::filesystem::path trial_dir(const std::string& runs_dir, const std::string& study,
                                int64_t trial_number);
std::filesystem::path stage_dir(const std::string& runs_dir, const std::string& study,
                                int64_t trial_number, const TrialStage& stage);

}  // namespace greentune::exec
