// The pruners behind make_pruner (pruner.hpp), and the pieces they share.  Each follows
// the Optuna 3.1 pruner of the same name; where greentune differs, the pruner's file says
// so.  Internal to the pruning module (and its tests).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "greentune/pruner.hpp"
#include "greentune/trial.hpp"

namespace greentune::pruning {

// A metric's values of one trial by step (ascending; a step reported twice keeps its last
// value), up to and including `up_to` when given.
using StepValues = std::map<int64_t, double>;
StepValues values_of(const Trial& trial, const std::string& metric,
                     std::optional<int64_t> up_to = std::nullopt);

// Optuna's _is_first_in_interval_step: true when `step` is the first step reported in
// its interval (warmup + k * interval, ...), i.e. no earlier report fell in it.
bool is_first_in_interval_step(int64_t step, const StepValues& values, int64_t n_warmup_steps,
                               int64_t interval_steps);

// numpy.nanpercentile(values, q) with the default linear method (numpy 1.24's
// arithmetic, so results match Optuna bit for bit): NaN when no value is a number.
double nan_percentile(std::vector<double> values, double q);

// The best of the values (nanmin / nanmax): NaN when none is a number.
double nan_best(Direction direction, const StepValues& values);

// A number in messages ("0.52", "1.2e-05", "nan") and in JSON (NaN as null, infinities
// as "inf" / "-inf", as the summary writes them).
std::string num(double v);
nlohmann::json num_json(double v);

// "minimize" -> "lower", for messages.
inline const char* better_word(Direction d) {
  return d == Direction::kMinimize ? "lower" : "higher";
}

// CRC-32 (zlib's, as Python's binascii.crc32).
uint32_t crc32(std::string_view text);

// ---- the pruners (spec already validated by make_pruner)

std::unique_ptr<Pruner> make_percentile_pruner(const PrunerSpec& spec);  // median, percentile
std::unique_ptr<Pruner> make_threshold_pruner(const PrunerSpec& spec);
std::unique_ptr<Pruner> make_successive_halving_pruner(const PrunerSpec& spec,
                                                       int64_t max_resource);
std::unique_ptr<Pruner> make_hyperband_pruner(const PrunerSpec& spec, int64_t max_resource);
// `wrapped` may be null (kind = "patience").
std::unique_ptr<Pruner> make_patient_pruner(const PrunerSpec& spec,
                                            std::unique_ptr<Pruner> wrapped);

// ---- successive halving, shared by asha and hyperband

struct Rungs {
  int64_t min_resource = 1;
  double reduction_factor = 3.0;
  int64_t min_early_stopping_rate = 0;
  int64_t max_resource = 1;  // no rung at or beyond it: a trial there has finished

  // The step at which rung k completes: min_resource * reduction_factor^(mesr + k).
  double step_of(int64_t rung) const;
  // Whether rung k exists (its step is below max_resource).
  bool exists(int64_t rung) const { return step_of(rung) < static_cast<double>(max_resource); }
};

// The values a trial recorded at each rung, replaying Optuna's check after each of its
// reports in step order: the value at the first report at or after a rung's step (a
// report that passes several rungs records it at each); a NaN there ends it (pruned).
std::vector<double> rung_values(const StepValues& values, const Rungs& rungs);

// One successive-halving decision of a trial against `others` (the trials it competes
// with, not itself).
PruneDecision successive_halving_decide(const PruneContext& ctx, const Rungs& rungs,
                                        const std::vector<const Trial*>& others);

// Hyperband's brackets: the trial allocation budget of each (Optuna's
// _calculate_trial_allocation_budget) and the bracket of a trial by number.
struct Brackets {
  std::vector<int64_t> budgets;  // by bracket id
  int64_t total = 0;
  int64_t bracket_of(std::string_view study, int64_t trial_number) const;
};
Brackets hyperband_brackets(int64_t n_brackets, double reduction_factor);
// floor(log(max_resource / min_resource, reduction_factor)) + 1, as Optuna computes it.
int64_t hyperband_n_brackets(int64_t min_resource, int64_t max_resource, double reduction_factor);

}  // namespace greentune::pruning
