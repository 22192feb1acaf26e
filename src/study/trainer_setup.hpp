// The built-in trainer a study file names, with what it needs from the file.
#pragma once

#include "greentune/config.hpp"
#include "greentune/trainer.hpp"

namespace greentune {

// REQUIRES: `spec` outlives the result (it points at the space and the file's
// locations).  The base directory is the study file's.
TrainerSpec trainer_spec_of(const StudySpec& spec);

}  // namespace greentune
