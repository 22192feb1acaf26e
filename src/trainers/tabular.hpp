// What the model trainers (constant, linear, xgboost) share: the table, read once with
// its folds; the rows a run trains on (its data_fraction); the metric; and the step
// loop's bookkeeping (reporting the mean over folds, stopping, the model artifact).
#pragma once

#include <memory>
#include <span>
#include <string>
#include <vector>

#include "data/dataset.hpp"
#include "data/metrics.hpp"
#include "data/split.hpp"
#include "greentune/trainer.hpp"
#include "trainers/options.hpp"

namespace greentune::trainers {

// The table and its folds, read when the trainer is built and shared by every run.
struct Table {
  data::Dataset data;
  std::vector<data::Fold> folds;
  data::MetricInfo metric;
  uint64_t seed = 1;
  std::string path;  // as read (resolved against the study file's directory)
};

// Reads [data] (required) and checks the metric against the task and the direction.
Result<std::shared_ptr<const Table>> load_table(const TrainerSpec& spec);

// The training rows of fold `f` for a run with data_fraction `fraction` (1 = all):
// nested, stratified subsamples seeded by [data] seed.
std::vector<int32_t> training_rows(const Table& t, size_t f, double fraction);
double data_fraction_of(const Params& params);

// Labels of `rows`.
std::vector<float> labels_of(const data::Dataset& d, const std::vector<int32_t>& rows);

// Per-feature mean and standard deviation over `rows`, NaN skipped (sd 1 where a
// feature is constant): the linear models' standardisation and imputation.
struct Scaling {
  std::vector<double> mean;
  std::vector<double> scale;
};
Scaling scaling_of(const data::Dataset& d, const std::vector<int32_t>& rows);
// (x - mean) / scale, NaN -> 0 (the mean).
inline double scaled(const Scaling& s, size_t j, float x) {
  return std::isnan(x) ? 0.0 : (x - s.mean[j]) / s.scale[j];
}

// What one step reports: the metric, val_loss and train_loss, each the mean over folds.
struct StepScores {
  double value = 0;
  double val_loss = 0;
  double train_loss = 0;
};
StepScores score_step(const Table& t, const std::vector<data::Predictions>& valid,
                      const std::vector<data::Predictions>& train,
                      const std::vector<std::vector<int32_t>>& train_rows);

std::map<std::string, double> metrics_of(const Table& t, const StepScores& s);

// The outcome of a run that stopped because the reporter asked (the executor decides
// whether it is pruned or resumable).
TrialOutcome stopped_outcome(int64_t step);

// Completes a run: the model file's size goes in the final metrics as model_bytes, and
// the file is reported as the trial's "model" artifact, or removed when the run has no
// checkpoint directory (it was written only to be measured).
Result<TrialOutcome> finish(const Table& t, const StepScores& s, const TrainerRun& run,
                            TrialReporter& reporter, const std::string& model_path);

// A file in the run's checkpoint directory, or in the temporary directory when the run
// has none (in-memory studies, tests).
std::string checkpoint_file(const TrainerRun& run, const std::string& name);

}  // namespace greentune::trainers
