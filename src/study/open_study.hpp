// Finding or creating the study a study file describes, with the checks that keep a stored
// study consistent with the file or flags that name it.
#pragma once

#include <string>
#include <vector>

#include "greentune/config.hpp"
#include "greentune/result.hpp"
#include "greentune/storage.hpp"
#include "greentune/study.hpp"

namespace greentune {

struct OpenedStudy {
  Study study;
  bool created = false;
  // What people should know, in order, for stderr: the space's hints, what each
  // warm-start parent contributed, a sampler that ignores the warm start, a warm-start
  // event that could not be stored.
  std::vector<std::string> notes;
};

// Loads spec.name, or creates it (drawing a seed when the file gives none).  An existing
// study whose direction, metric, space, sampler, sampler options (multivariate,
// n_startup_trials, warping) or warm_start differ from the file's is refused
// (kInvalidArgument naming what differs): a study's trials only compare within one setup.
// Warm-start parents are checked before anything is written (kNotFound, kInvalidArgument
// naming the file's warm_start key).  A new study with a warm start gets a "warm_start"
// event.  Prints nothing: what people should see is in OpenedStudy::notes.
Result<OpenedStudy> open_or_create_study(Storage& storage, const StudySpec& spec);

// A random seed for studies created without one (stored, so the study stays repeatable).
uint64_t draw_seed();

}  // namespace greentune
