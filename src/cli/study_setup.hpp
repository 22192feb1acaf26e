// Finding or creating the study a command works on, with the checks that keep a stored
// study consistent with the file or flags that name it.
#pragma once

#include "greentune/config.hpp"
#include "greentune/result.hpp"
#include "greentune/storage.hpp"
#include "greentune/study.hpp"

namespace greentune::cli {

struct OpenedStudy {
  Study study;
  bool created = false;
};

// Loads spec.name, or creates it (drawing a seed when the file gives none).  An existing
// study whose direction, metric, space, sampler, sampler options (multivariate,
// n_startup_trials, warping) or warm_start differ from the file's is refused
// (kInvalidArgument naming what differs): a study's trials only compare within one setup.
// Warm-start parents are checked before anything is written (kNotFound, kInvalidArgument
// naming the file's warm_start key).  Prints the space hints and what the warm start
// contributed to stderr; a new study with a warm start gets a "warm_start" event.
Result<OpenedStudy> open_or_create_study(Storage& storage, const StudySpec& spec);

// A random seed for studies created without one (stored, so the study stays repeatable).
uint64_t draw_seed();

}  // namespace greentune::cli
