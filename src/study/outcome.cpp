#include "study/outcome.hpp"

#include <cmath>
#include <optional>

#include <fmt/format.h>

#include "greentune/storage.hpp"
#include "study/storage_reporter.hpp"

namespace greentune::study_detail {
namespace {

// The objective of a finished trial: its final value of `metric`, else the last one it
// reported.
std::optional<double> objective(const TrialOutcome& outcome, const Trial& stored,
                                const std::string& metric) {
  if (auto it = outcome.final_metrics.find(metric); it != outcome.final_metrics.end()) {
    return it->second;
  }
  if (auto last = stored.last(metric)) return last->value;
  return std::nullopt;
}

}  // namespace

Status finish(Study& study, const Trial& trial, const TrialOutcome& outcome,
              const std::string& metric, double now) {
  Storage& storage = study.storage();
  if (outcome.resumable) {
    if (auto ok = storage.requeue_trial(trial.id); !ok) return ok;
    return record_event(storage, study.id(), trial.id, now, "trial_interrupted", "warning",
                        fmt::format("trial {} was interrupted ({}); queued to resume",
                                    trial.number, outcome.message));
  }
  auto stored = storage.trial(study.id(), trial.number);
  if (!stored) return tl::unexpected(stored.error());
  auto value = objective(outcome, stored->value_or(trial), metric);
  TrialState state = outcome.state;
  std::string why = outcome.message;
  if (state == TrialState::kComplete && (!value || !std::isfinite(*value))) {
    state = TrialState::kFailed;
    why = value ? fmt::format("the objective {} is not finite ({})", metric, *value)
                : fmt::format("the trial reported no value of the objective \"{}\"", metric);
  }
  if (state == TrialState::kFailed || state == TrialState::kPruned) {
    bool failed = state == TrialState::kFailed;
    auto ok = record_event(storage, study.id(), trial.id, now,
                           failed ? "trial_failed" : "trial_stopped", failed ? "error" : "info",
                           fmt::format("trial {} {}: {}", trial.number, to_string(state), why));
    if (!ok) return ok;
  }
  if (state == TrialState::kFailed || (value && !std::isfinite(*value))) value.reset();
  return study.tell(trial.number, state, value, now);
}

}  // namespace greentune::study_detail
