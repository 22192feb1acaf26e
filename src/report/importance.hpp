// Parameter importance for the report and the dashboard, by PED-ANOVA (Watanabe et al.,
// "PED-ANOVA: Efficiently quantifying hyperparameter importance in arbitrary subspaces",
// IJCAI 2023; the method Optuna 5's default importance evaluator uses):
//
//   a parameter matters as much as the distribution of its values among the top trials
//   (the best `top_fraction` of the complete trials) differs from its distribution among
//   all of them, measured by the Pearson divergence  D = sum_x p_all(x) (p_top(x)/p_all(x) - 1)^2.
//
// Each distribution is a density on the parameter's unit-cube encoding (log scales in log
// space, see space.hpp): for a categorical parameter, or an int with at most kMaxBins
// values, the share of trials at each value (plus a small uniform prior so that a value
// never seen among all trials does not divide by zero); otherwise a Gaussian kernel
// density on kMaxBins grid points with Scott's bandwidth.  The importances are the
// divergences normalised to sum to 1.  Cost: O(trials x params x kMaxBins).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "greentune/space.hpp"
#include "greentune/trial.hpp"

namespace greentune {

struct ParamImportance {
  std::string name;
  double importance = 0.0;  // share of the total divergence, in [0, 1]
  double divergence = 0.0;  // the Pearson divergence itself
};

struct ImportanceResult {
  std::vector<ParamImportance> params;  // most important first; empty when not computed
  size_t trials = 0;                    // complete trials with a finite value
  size_t top_trials = 0;                // of which in the top set
  std::string note;                     // why nothing was computed, or ""
};

inline constexpr size_t kMinImportanceTrials = 10;

// PED-ANOVA over the complete trials with a finite value.  `top_fraction` in (0, 1).
ImportanceResult ped_anova_importance(const SearchSpace& space, Direction direction,
                                      const std::vector<Trial>& trials,
                                      double top_fraction = 0.1);

}  // namespace greentune
