// The rules every storage backend applies to studies and trials, in one place so that
// the backends refuse the same things with the same messages.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "greentune/result.hpp"
#include "greentune/storage.hpp"
#include "greentune/trial.hpp"

namespace greentune::storage_detail {

// Who a stored trial is and where it stands: enough to judge a state change.
struct TrialRef {
  int64_t id = -1;
  int64_t study_id = -1;
  int64_t number = -1;
  TrialState state = TrialState::kWaiting;
};

tl::unexpected<Error> study_not_found(int64_t study_id);
tl::unexpected<Error> trial_not_found(int64_t trial_id);
tl::unexpected<Error> study_name_taken(const std::string& name);

// kInvalidArgument unless the study can be created (it has a name).
Status check_new_study(const StudyRecord& study);
// kInvalidArgument unless create_trial may create a trial in `state` (waiting, running).
Status check_new_trial_state(TrialState state);
// The trial create_trial inserts: number, state, params, times.  No id yet.
Trial new_trial(int64_t number, const Storage::NewTrial& how, Params params);

// kInvalidArgument if `to` is not a finished state; kConflict if the trial is not running.
Status check_finish(const TrialRef& trial, TrialState to);
// kConflict if the trial is not running.
Status check_requeue(const TrialRef& trial);
// kInvalidArgument if seconds is negative or not finite.
Status check_elapsed(double seconds);

}  // namespace greentune::storage_detail
