// Right-sizing for the summaries: the study's trials' samples and this machine's shape.
#pragma once

#include <nlohmann/json.hpp>
#include <vector>

#include "greentune/result.hpp"
#include "greentune/storage.hpp"
#include "greentune/trial.hpp"

namespace greentune::cli {

// right_sizing_json (summary.hpp) over every trial's samples, with the cores and memory of
// this machine (the cgroup's where lower) and the study's [budget] concurrency.
Result<nlohmann::json> right_sizing_of(Storage& storage, const StudyRecord& record,
                                       const std::vector<Trial>& trials);

}  // namespace greentune::cli
