// How a trial's run ends in storage: its outcome, as the executor gave it, made the
// trial's state and value.
#pragma once

#include <string>

#include "greentune/result.hpp"
#include "greentune/study.hpp"
#include "greentune/trainer.hpp"
#include "greentune/trial.hpp"

namespace greentune::study_detail {

// Stores the outcome of one trial: complete with its objective, pruned with its last
// value, failed saying why, or queued again when it was interrupted.
Status finish(Study& study, const Trial& trial, const TrialOutcome& outcome,
              const std::string& metric, double now);

}  // namespace greentune::study_detail
