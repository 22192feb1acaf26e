#include "study/stages.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "greentune/executor.hpp"

namespace greentune::study_detail {

size_t first_stage_to_run(const std::vector<int64_t>& stages, const Trial& trial,
                          const std::string& metric) {
  int64_t done = 0;
  if (auto stored = trial.intermediate.find(metric); stored != trial.intermediate.end()) {
    for (const StepValue& v : stored->second) done = std::max(done, v.step);
  }
  size_t k = 0;
  while (k + 1 < stages.size() && stages[k] <= done) ++k;
  return k;
}

std::optional<double> stage_objective(const TrialOutcome& outcome, const TrialWatch& watch,
                                      const std::string& metric) {
  if (auto it = outcome.final_metrics.find(metric); it != outcome.final_metrics.end()) {
    return it->second;
  }
  auto values = watch.metrics.find(metric);
  if (values == watch.metrics.end() || values->second.empty()) return std::nullopt;
  return values->second.back().value;
}

std::string StageEnd::message(int64_t trial_number) const {
  const TrialStage at{stages[stage], max_resource};
  std::string value_text =
      value ? fmt::format("{} {:.6g}", metric, *value) : fmt::format("no {}", metric);
  return fmt::format("trial {}: stage {} of {} ({}/{} of the data, data_fraction {:.4g}): {}; {}",
                     trial_number, stage + 1, stages.size(), at.units, max_resource,
                     at.data_fraction(), value_text, why);
}

nlohmann::json StageEnd::data() const {
  const TrialStage at{stages[stage], max_resource};
  nlohmann::json data = {{"stage", stage + 1},
                         {"stages", stages.size()},
                         {"units", at.units},
                         {"max_resource", max_resource},
                         {"data_fraction", at.data_fraction()},
                         {"decision", std::string(decision)}};
  data["value"] = value && std::isfinite(*value) ? nlohmann::json(*value) : nlohmann::json(nullptr);
  return data;
}

}  // namespace greentune::study_detail
