// Warm start: the finished trials of parent studies in the same storage, handed to the
// sampler as prior knowledge ([search] warm_start = ["study-a", ...]).
//
// What a parent contributes: its complete trials and its pruned trials that carry a value,
// finished no later than the new study was created (a snapshot: the new study's sequence
// does not change when a parent runs on).  Params are matched by name to the new space;
// a trial is dropped when one of the new space's params is missing from it, or has a
// value of another type or outside the new range / choices; params the new space does not
// have are ignored.  Parents must optimise the same metric in the same direction.
//
// Parent trials never become trials of the new study: they are not stored with it, not
// counted by its budget, patience or best, and not shown in its listings.  Only the
// samplers that learn from history (auto, tpe, gp) use them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "greentune/result.hpp"
#include "greentune/space.hpp"
#include "greentune/storage.hpp"
#include "greentune/trial.hpp"

namespace greentune {

// What one parent contributed and what was dropped, by reason.
struct WarmStartParent {
  std::string study;
  int64_t finished = 0;                     // complete trials and pruned trials with a value
  int64_t used = 0;                         // handed to the sampler
  int64_t missing_param = 0;                // dropped: a param of the new space is absent
  int64_t other_type = 0;                   // dropped: a value of another type than the new param's
  int64_t outside_space = 0;                // dropped: a value outside the new range or choices
  int64_t after_snapshot = 0;               // left out: finished after the new study was created
  std::vector<std::string> ignored_params;  // params of the parent the new space lacks
};

struct WarmStart {
  std::vector<Trial> trials;  // the prior: numbered -1, -2, ... in parent then trial order
  std::vector<WarmStartParent> parents;

  // One line per parent for people: "warm start from "a": 40 of 42 finished trials
  // (2 dropped: 2 with a value outside this space)".
  std::vector<std::string> lines() const;
};

// What a warm start is checked against: the new study's name, metric, direction, space
// and creation time (nullopt: not created yet, every finished trial counts).
struct WarmStartTarget {
  std::string study;
  std::string metric;
  Direction direction = Direction::kMinimize;
  const SearchSpace* space = nullptr;  // REQUIRES: not null
  std::optional<double> created;
};

// Loads the parents' trials.  Errors, before anything is written: kNotFound for a parent
// that is not in this storage (naming it and `greentune studies`); kInvalidArgument for a
// parent with another metric or direction, or for the study itself.
Result<WarmStart> load_warm_start(Storage& storage, const std::vector<std::string>& parents,
                                  const WarmStartTarget& target);

// The parents a stored study names: record.spec["search"]["warm_start"], or none.
std::vector<std::string> warm_start_parents(const StudyRecord& record);

}  // namespace greentune
