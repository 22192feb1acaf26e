// greentune report --emissions-csv F: one row per trial with CodeCarbon's emissions.csv
// columns where they apply, so that tools reading CodeCarbon's file read this one.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "greentune/carbon.hpp"
#include "greentune/result.hpp"
#include "greentune/storage.hpp"

namespace greentune {

// The header line (no newline).
std::string emissions_csv_header();

// The rows (each ending with "\n") for the finished and running trials of a study.
// `carbon`: the study's intensity, or nullopt (emissions columns empty).  `now` ends
// trials still running.
Result<std::string> emissions_csv_rows(Storage& storage, const StudyRecord& record,
                                       const std::vector<Trial>& trials,
                                       const std::optional<CarbonIntensity>& carbon, double now);

// Writes header and rows to `path` (through a temporary file renamed over it, so a
// reader never sees half a file).  kIo when it cannot be written.
Status write_emissions_csv(const std::string& path, const std::string& content);

}  // namespace greentune
