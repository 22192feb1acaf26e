// Small experiments first ([pruner] resource = "data_fraction"): the stages of a trial.
// The pruners themselves do not change: a stage's objective is stored as the trial's
// intermediate value at step = the stage's units, and asha / hyperband judge it at the
// rung that step reaches.  So a stage ends exactly where a rung of the trial is.
#include <algorithm>
#include <cmath>

#include "pruning/pruners.hpp"

namespace greentune {

int64_t data_fraction_max_resource(const PrunerSpec& spec) {
  const double units =
      static_cast<double>(spec.min_resource) * std::pow(spec.reduction_factor, 3.0);
  // A reduction factor of millions would make stages of no data at all; keep it an int.
  return std::max<int64_t>(spec.min_resource, std::llround(std::min(units, 1e15)));
}

std::vector<int64_t> data_fraction_stages(const PrunerSpec& spec, std::string_view study,
                                          int64_t trial_number) {
  const int64_t max_resource = spec.max_resource.value_or(data_fraction_max_resource(spec));
  pruning::Rungs rungs{spec.min_resource, spec.reduction_factor, spec.min_early_stopping_rate,
                       max_resource};
  if (spec.kind == "hyperband") {
    const int64_t n_brackets = spec.n_brackets.value_or(
        pruning::hyperband_n_brackets(spec.min_resource, max_resource, spec.reduction_factor));
    rungs.min_early_stopping_rate = pruning::hyperband_brackets(n_brackets, spec.reduction_factor)
                                        .bracket_of(study, trial_number);
  }
  std::vector<int64_t> stages;
  for (int64_t rung = 0; rungs.exists(rung); ++rung) {
    // Up, so that the stage's step reaches the rung (2.5 -> 3); the slack absorbs pow's
    // rounding (9.000000000000002 is 9).
    const auto units = static_cast<int64_t>(std::ceil(rungs.step_of(rung) - 1e-9));
    if (units >= max_resource) break;
    if (stages.empty() || units > stages.back()) stages.push_back(units);
  }
  stages.push_back(max_resource);
  return stages;
}

}  // namespace greentune
