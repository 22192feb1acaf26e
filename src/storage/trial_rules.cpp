#include "storage/trial_rules.hpp"

#include <fmt/format.h>

#include <cmath>

namespace greentune::storage_detail {

tl::unexpected<Error> study_not_found(int64_t study_id) {
  return make_error(ErrorCode::kNotFound, fmt::format("no study with id {}", study_id));
}

tl::unexpected<Error> trial_not_found(int64_t trial_id) {
  return make_error(ErrorCode::kNotFound, fmt::format("no trial with id {}", trial_id));
}

tl::unexpected<Error> study_name_taken(const std::string& name) {
  return make_error(ErrorCode::kConflict, fmt::format("a study named \"{}\" already exists", name));
}

Status check_new_study(const StudyRecord& study) {
  if (study.name.empty()) {
    return make_error(ErrorCode::kInvalidArgument, "a study needs a non-empty name");
  }
  return {};
}

Status check_new_trial_state(TrialState state) {
  if (state == TrialState::kWaiting || state == TrialState::kRunning) return {};
  return make_error(
      ErrorCode::kInvalidArgument,
      fmt::format("a new trial is created waiting or running, not {}", to_string(state)));
}

Trial new_trial(int64_t number, const Storage::NewTrial& how, Params params) {
  Trial trial;
  trial.number = number;
  trial.state = how.state;
  trial.params = std::move(params);
  trial.created = how.now;
  if (how.state == TrialState::kRunning) {
    trial.started = how.now;
    trial.worker = how.worker;
  }
  return trial;
}

Status check_finish(const TrialRef& trial, TrialState to) {
  if (!is_finished(to)) {
    return make_error(
        ErrorCode::kInvalidArgument,
        fmt::format("a trial is finished as complete, pruned or failed, not {}", to_string(to)));
  }
  if (trial.state == TrialState::kRunning) return {};
  return make_error(ErrorCode::kConflict,
                    fmt::format("cannot finish trial {} (id {}) as {}: it is {}, not running; "
                                "the stored trial is unchanged",
                                trial.number, trial.id, to_string(to), to_string(trial.state)));
}

Status check_requeue(const TrialRef& trial) {
  if (trial.state == TrialState::kRunning) return {};
  return make_error(ErrorCode::kConflict,
                    fmt::format("cannot requeue trial {} (id {}): it is {}, not running",
                                trial.number, trial.id, to_string(trial.state)));
}

Status check_elapsed(double seconds) {
  if (std::isfinite(seconds) && seconds >= 0) return {};
  return make_error(
      ErrorCode::kInvalidArgument,
      fmt::format("elapsed time must be a finite number of seconds >= 0, not {}", seconds));
}

}  // namespace greentune::storage_detail
