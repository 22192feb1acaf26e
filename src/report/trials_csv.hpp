// greentune trials --study NAME --csv F: one row per trial, for spreadsheets and pandas.
//
// Columns: number, state, value, param_<name> for each parameter of the study's space (in
// the space's order), cpu_j, dram_j, gpu_j, energy_sources ("cpu:rapl;gpu:nvml"), kwh,
// co2e_g (empty without [carbon]), duration_s, started, finished (ISO 8601 UTC),
// stop_reason.  Values are written as stored (numbers read back to the same double),
// quoted as RFC 4180 says where they need it.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "greentune/carbon.hpp"
#include "greentune/storage.hpp"
#include "greentune/trial.hpp"

namespace greentune {

// The header line (no newline) for a study's space.
std::string trials_csv_header(const StudyRecord& record);

// Header and one row per trial of `trials` (by number), each line ending with "\n".
// `energy` and `stop_reasons` are by trial id (trials without any are absent); `carbon`
// is the study's intensity (carbon_of) or none; `now` ends the trials still running.
std::string trials_csv(const StudyRecord& record, const std::vector<Trial>& trials,
                       const std::map<int64_t, std::vector<EnergyRecord>>& energy,
                       const std::map<int64_t, std::string>& stop_reasons,
                       const std::optional<CarbonIntensity>& carbon, double now);

}  // namespace greentune
