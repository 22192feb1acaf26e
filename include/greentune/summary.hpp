// What a study did, for people (text) and programs (JSON).  Reads only what storage
// holds, so `tune --json` at the end of a run and `report --json` later print the same.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "greentune/result.hpp"
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

// A table of trials for `greentune trials` without --json; with `energy` (by trial id,
// Storage::study_energy) a joules column whose figures carry their sources.
std::string trials_table_text(const std::vector<Trial>& trials,
                              const std::map<int64_t, std::vector<EnergyRecord>>* energy = nullptr);

// ---- right-sizing (report/right_sizing.cpp): what the trials used of the machine, from
// their /proc samples, and what would do.

// One trial's samples (storage.system_samples(trial.id)).
struct TrialSamples {
  int64_t number = -1;
  std::vector<SystemSample> samples;
};

// What the trials ran on.
struct MachineShape {
  int64_t cpu_cores = 1;
  std::optional<int64_t> memory_bytes;
  int64_t concurrency = 1;  // trials at once ([budget] concurrency)
};

// {"trials", "samples", "cpu": {"cores", "p50_cores", "p95_cores", "peak_cores",
//  "p95_share", "recommended_cores", "recommendation"}, "memory": {"limit_bytes",
//  "peak_rss_bytes", "p95_rss_bytes", "recommended_bytes", "recommendation"}, "gpu": null |
//  {"trials", "idle_share", "p50_utilization", "p95_utilization", "cpu_busy_when_idle",
//  "recommendation"}, "recommendations": ["p95 CPU utilization 23% of 8 cores: 2 cores
//  would do", ...]}, or null when no trial has samples.  Per trial figures are pooled over
// the study's samples (a long trial weighs more); needs are per trial times concurrency.
nlohmann::json right_sizing_json(const std::vector<TrialSamples>& trials,
                                 const MachineShape& machine);

// The recommendations as text lines ("sizing     ..."), "" for null.
std::string right_sizing_text(const nlohmann::json& right_sizing);

// right_sizing_json over every trial's samples, on the machine the trials ran on: the one
// `tune` recorded (its "machine" events, the last run's), else this one (its cores and
// memory, the cgroup's where lower), with the study's [budget] concurrency.
Result<nlohmann::json> right_sizing_of(Storage& storage, const StudyRecord& record,
                                       const std::vector<Trial>& trials);

// ---- what reports read of a study (report/costs.cpp)

// A study as the reports see it, read once: one query per table where the storage has
// them (Storage::study_energy, ...), so that a 100,000-trial study is read in seconds.
struct StudyData {
  StudyRecord record;
  std::vector<Trial> trials;                             // by number
  std::map<int64_t, std::vector<EnergyRecord>> energy;   // by trial id
  std::map<int64_t, std::vector<SystemSample>> samples;  // by trial id
  std::map<int64_t, std::vector<Artifact>> artifacts;    // by trial id
  std::vector<Event> events;
  double now = 0.0;  // when it was read (seconds since the epoch)

  double joules_of(const Trial& trial) const;  // all components
  std::optional<double> cpu_seconds_of(const Trial& trial) const;  // its last sample's
};
Result<StudyData> load_study_data(Storage& storage, const StudyRecord& record,
                                  std::vector<Trial> trials);
// right_sizing_of from what was read already.
nlohmann::json right_sizing_of(const StudyData& data);

// ---- costs (report/costs.cpp)

// study_summary_json plus "energy" {"kwh", "by_component" (J), "sources"}, "co2e_g"
// (null without [carbon]), "carbon", "cpu_hours", "gpu_hours", "storage_bytes",
// "greenest_region" (what the study would have emitted there), "saved" (savings.hpp) and
// "right_sizing".
Result<nlohmann::json> summary_with_costs(Storage& storage, const StudyRecord& record,
                                          const std::vector<Trial>& trials);
nlohmann::json summary_with_costs(const StudyData& data);

// The bytes under each artifact path of the study's trials (each path once): the study's
// storage footprint, {"bytes", "paths", "by_kind": {"checkpoint": B, "stdout": B, ...}}
// (by the artifact's name; paths that are gone or empty do not count).
nlohmann::json storage_footprint_json(const StudyData& data);

// The bytes of the file at `path`, or of the regular files under the directory at `path`
// (links inside are not followed); 0 for what is gone.  For the footprint and for gc.
int64_t bytes_under(const std::string& path);

// The cost lines of the text summary, from summary_with_costs' JSON.
std::string costs_text(const nlohmann::json& summary);

// 1536 -> "1.5 KiB"
std::string human_bytes(int64_t bytes);

// Seconds since the epoch as ISO 8601 UTC with milliseconds: 2026-11-27T04:50:00.123Z
std::string iso8601(double seconds);

}  // namespace greentune
