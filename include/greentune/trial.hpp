// Trials and their states.
#pragma once

#include <cmath>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "greentune/result.hpp"
#include "greentune/space.hpp"

namespace greentune {

enum class TrialState {
  kWaiting,   // enqueued, not started
  kRunning,   // handed to an executor (or to an external loop by `ask`)
  kComplete,  // finished with a value
  kPruned,    // stopped early by a pruner, rule or budget; may carry its last value
  kFailed,    // crashed, timed out, or reported no objective
};

const char* to_string(TrialState s);  // lower case: "waiting", "running", ...
Result<TrialState> trial_state_from_string(std::string_view s);
inline bool is_finished(TrialState s) {
  return s == TrialState::kComplete || s == TrialState::kPruned || s == TrialState::kFailed;
}

enum class Direction { kMinimize, kMaximize };
const char* to_string(Direction d);  // "minimize" / "maximize"
Result<Direction> direction_from_string(std::string_view s);
// True when a is strictly better than b for this direction.
inline bool better(Direction d, double a, double b) {
  return d == Direction::kMinimize ? a < b : a > b;
}

// One intermediate value of a metric at a step.
struct StepValue {
  int64_t step = 0;
  double value = 0.0;  // may be NaN or +-Inf: kept as reported
};

// A snapshot of one trial as stored.  Times are seconds since the Unix epoch.
struct Trial {
  int64_t id = -1;      // storage-wide id
  int64_t number = -1;  // dense, unique within the study, from 0
  TrialState state = TrialState::kWaiting;
  Params params;
  std::optional<double> value;  // the objective, for complete (and possibly pruned) trials
  std::map<std::string, std::vector<StepValue>> intermediate;  // metric -> values by step
  std::optional<double> created;
  std::optional<double> started;
  std::optional<double> finished;
  std::optional<double> heartbeat;
  // Who runs it: the worker id of the orchestrator (see worker.hpp), or "" for a trial
  // handed to an outside loop by `greentune ask`.
  std::string worker;

  // The last intermediate value of a metric, if any was reported.
  std::optional<StepValue> last(const std::string& metric) const;
};

// The best COMPLETE trial (ties: the lowest number), or nullopt.
std::optional<Trial> best_trial(Direction direction, const std::vector<Trial>& trials);

// ---- inline definitions

inline const char* to_string(TrialState s) {
  switch (s) {
    case TrialState::kWaiting: return "waiting";
    case TrialState::kRunning: return "running";
    case TrialState::kComplete: return "complete";
    case TrialState::kPruned: return "pruned";
    case TrialState::kFailed: return "failed";
  }
  return "unknown";
}

inline Result<TrialState> trial_state_from_string(std::string_view s) {
  for (auto state : {TrialState::kWaiting, TrialState::kRunning, TrialState::kComplete,
                     TrialState::kPruned, TrialState::kFailed}) {
    if (s == to_string(state)) return state;
  }
  return make_error(ErrorCode::kInvalidArgument,
                    fmt::format("unknown trial state \"{}\"; accepted: waiting, running, "
                                "complete, pruned, failed",
                                s));
}

inline const char* to_string(Direction d) {
  return d == Direction::kMinimize ? "minimize" : "maximize";
}

inline Result<Direction> direction_from_string(std::string_view s) {
  if (s == "minimize") return Direction::kMinimize;
  if (s == "maximize") return Direction::kMaximize;
  return make_error(ErrorCode::kInvalidArgument,
                    fmt::format("unknown direction \"{}\"; accepted: minimize, maximize", s));
}

inline std::optional<StepValue> Trial::last(const std::string& metric) const {
  auto it = intermediate.find(metric);
  if (it == intermediate.end() || it->second.empty()) return std::nullopt;
  return it->second.back();
}

inline std::optional<Trial> best_trial(Direction direction, const std::vector<Trial>& trials) {
  const Trial* best = nullptr;
  for (const auto& t : trials) {
    if (t.state != TrialState::kComplete || !t.value || std::isnan(*t.value)) continue;
    if (!best || better(direction, *t.value, *best->value)) best = &t;
  }
  if (!best) return std::nullopt;
  return *best;
}

}  // namespace greentune
