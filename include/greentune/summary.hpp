// What a study did, for people (text) and programs (JSON).  Reads only what storage
// holds, so `tune --json` at the end of a run and `report --json` later print the same.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "greentune/storage.hpp"
#include "greentune/trial.hpp"

namespace greentune {

// {"study", "direction", "metric", "n_trials", "states": {...}, "best": {"trial", "value",
//  "params"} | null, "stopped_because": "target" | ... | null, ...}
// Later issues add fields; these are never renamed.
nlohmann::json study_summary_json(const StudyRecord& study, const std::vector<Trial>& trials);

// {"number", "state", "value", "params", "intermediate", "started", "finished", ...}
nlohmann::json trial_json(const Trial& trial);

// The summary as a few aligned lines for a terminal.
std::string study_summary_text(const StudyRecord& study, const std::vector<Trial>& trials);

// One progress line for a finished trial: "trial 7  complete  0.4123  best 0.3979 (#3)  x=..".
std::string trial_progress_line(const StudyRecord& study, const Trial& trial,
                                const std::vector<Trial>& trials);

// A table of trials for `greentune trials` without --json.
std::string trials_table_text(const std::vector<Trial>& trials);

// Seconds since the epoch as ISO 8601 UTC with milliseconds: 2026-11-27T04:50:00.123Z
std::string iso8601(double seconds);

}  // namespace greentune
