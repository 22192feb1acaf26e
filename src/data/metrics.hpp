// Quality metrics on a validation set, defined as scikit-learn defines them (the tests
// compare each with scikit-learn on the same predictions).
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "data/dataset.hpp"

namespace greentune::data {

// What a model predicts for n rows: class probabilities (n x k, row-major, k = classes)
// for classification; one value per row (k = 1) for regression.
struct Predictions {
  size_t n = 0;
  size_t k = 1;
  std::vector<double> values;
  const double* row(size_t i) const { return values.data() + i * k; }
};

enum class Metric {
  kAccuracy,
  kBalancedAccuracy,
  kLogLoss,
  kRocAuc,   // binary; one-vs-rest, macro-averaged, for more classes
  kF1,       // binary, class 1 positive
  kF1Macro,
  kRmse,
  kMae,
  kR2,
};

struct MetricInfo {
  Metric metric;
  std::string_view name;
  Task task;
  bool higher_is_better;
};

// "accuracy", "balanced_accuracy", "log_loss", "roc_auc", "f1", "f1_macro", "rmse",
// "mae", "r2".
std::optional<MetricInfo> metric_named(std::string_view name);
std::string metric_names(Task task);  // comma-separated, for messages
// The default metric of a task: accuracy, rmse.
MetricInfo default_metric(Task task);

// REQUIRES: p.n == labels.size(); the metric's task is the data's.
double score(Metric m, std::span<const float> labels, const Predictions& p);

// The loss each trainer reports as train_loss / val_loss (what the debugger rules
// watch): log loss for classification, RMSE for regression.
double loss(Task task, std::span<const float> labels, const Predictions& p);

}  // namespace greentune::data
