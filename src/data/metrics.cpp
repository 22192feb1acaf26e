// Metrics as scikit-learn 1.2 computes them: argmax predictions, clipped and renormalised
// log loss, AUC from average ranks, macro averages over the labels present.
#include "data/metrics.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <numeric>
#include <set>

namespace greentune::data {
namespace {

constexpr std::array<MetricInfo, 9> kMetrics = {{
    {Metric::kAccuracy, "accuracy", Task::kClassification, true},
    {Metric::kBalancedAccuracy, "balanced_accuracy", Task::kClassification, true},
    {Metric::kLogLoss, "log_loss", Task::kClassification, false},
    {Metric::kRocAuc, "roc_auc", Task::kClassification, true},
    {Metric::kF1, "f1", Task::kClassification, true},
    {Metric::kF1Macro, "f1_macro", Task::kClassification, true},
    {Metric::kRmse, "rmse", Task::kRegression, false},
    {Metric::kMae, "mae", Task::kRegression, false},
    {Metric::kR2, "r2", Task::kRegression, true},
}};

size_t argmax(const double* p, size_t k) {
  return static_cast<size_t>(std::max_element(p, p + k) - p);
}

size_t label(float y) { return static_cast<size_t>(y); }

double accuracy(std::span<const float> y, const Predictions& p) {
  size_t right = 0;
  for (size_t i = 0; i < p.n; ++i) right += argmax(p.row(i), p.k) == label(y[i]);
  return static_cast<double>(right) / static_cast<double>(p.n);
}

// confusion[t][q]: rows of true class t predicted as q.
std::vector<std::vector<size_t>> confusion(std::span<const float> y, const Predictions& p) {
  std::vector<std::vector<size_t>> c(p.k, std::vector<size_t>(p.k, 0));
  for (size_t i = 0; i < p.n; ++i) ++c[label(y[i])][argmax(p.row(i), p.k)];
  return c;
}

double balanced_accuracy(std::span<const float> y, const Predictions& p) {
  auto c = confusion(y, p);
  double sum = 0;
  size_t present = 0;
  for (size_t t = 0; t < p.k; ++t) {
    size_t row = std::accumulate(c[t].begin(), c[t].end(), size_t{0});
    if (row == 0) continue;
    sum += static_cast<double>(c[t][t]) / static_cast<double>(row);
    ++present;
  }
  return present ? sum / static_cast<double>(present) : 0.0;
}

double f1_of_class(const std::vector<std::vector<size_t>>& c, size_t cls) {
  size_t tp = c[cls][cls], predicted = 0, actual = 0;
  for (size_t t = 0; t < c.size(); ++t) predicted += c[t][cls];
  actual = std::accumulate(c[cls].begin(), c[cls].end(), size_t{0});
  if (predicted + actual == 0) return 0.0;
  return 2.0 * static_cast<double>(tp) / static_cast<double>(predicted + actual);
}

double f1_macro(std::span<const float> y, const Predictions& p) {
  auto c = confusion(y, p);
  double sum = 0;
  size_t present = 0;
  for (size_t cls = 0; cls < p.k; ++cls) {
    size_t actual = std::accumulate(c[cls].begin(), c[cls].end(), size_t{0});
    size_t predicted = 0;
    for (size_t t = 0; t < p.k; ++t) predicted += c[t][cls];
    if (actual + predicted == 0) continue;  // a label in neither y nor the predictions
    sum += f1_of_class(c, cls);
    ++present;
  }
  return present ? sum / static_cast<double>(present) : 0.0;
}

double log_loss(std::span<const float> y, const Predictions& p) {
  // scikit-learn 1.2 clips at the float64 machine epsilon (eps="auto").
  constexpr double kEps = std::numeric_limits<double>::epsilon();
  double sum = 0;
  for (size_t i = 0; i < p.n; ++i) {
    const double* row = p.row(i);
    double total = 0;
    for (size_t j = 0; j < p.k; ++j) total += std::clamp(row[j], kEps, 1 - kEps);
    double q = std::clamp(row[label(y[i])], kEps, 1 - kEps) / total;
    sum -= std::log(q);
  }
  return sum / static_cast<double>(p.n);
}

// Area under the ROC curve of `score` for `positive`, from average ranks (ties count half).
double binary_auc(const std::vector<double>& score, const std::vector<bool>& positive) {
  size_t n = score.size();
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), size_t{0});
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return score[a] < score[b]; });
  double rank_sum = 0;
  size_t n_pos = 0;
  for (size_t i = 0; i < n;) {
    size_t j = i;
    while (j < n && score[order[j]] == score[order[i]]) ++j;
    double avg_rank = (static_cast<double>(i + 1) + static_cast<double>(j)) / 2.0;
    for (size_t m = i; m < j; ++m) {
      if (positive[order[m]]) {
        rank_sum += avg_rank;
        ++n_pos;
      }
    }
    i = j;
  }
  size_t n_neg = n - n_pos;
  if (n_pos == 0 || n_neg == 0) return std::nan("");
  double np = static_cast<double>(n_pos);
  return (rank_sum - np * (np + 1) / 2) / (np * static_cast<double>(n_neg));
}

double roc_auc(std::span<const float> y, const Predictions& p) {
  std::vector<double> score(p.n);
  std::vector<bool> positive(p.n);
  auto auc_of = [&](size_t cls) {
    for (size_t i = 0; i < p.n; ++i) {
      score[i] = p.row(i)[cls];
      positive[i] = label(y[i]) == cls;
    }
    return binary_auc(score, positive);
  };
  if (p.k == 2) return auc_of(1);
  double sum = 0;
  for (size_t cls = 0; cls < p.k; ++cls) sum += auc_of(cls);
  return sum / static_cast<double>(p.k);
}

double rmse(std::span<const float> y, const Predictions& p) {
  double sum = 0;
  for (size_t i = 0; i < p.n; ++i) sum += (p.values[i] - y[i]) * (p.values[i] - y[i]);
  return std::sqrt(sum / static_cast<double>(p.n));
}

double mae(std::span<const float> y, const Predictions& p) {
  double sum = 0;
  for (size_t i = 0; i < p.n; ++i) sum += std::abs(p.values[i] - y[i]);
  return sum / static_cast<double>(p.n);
}

double r2(std::span<const float> y, const Predictions& p) {
  double mean = 0;
  for (size_t i = 0; i < p.n; ++i) mean += y[i];
  mean /= static_cast<double>(p.n);
  double res = 0, tot = 0;
  for (size_t i = 0; i < p.n; ++i) {
    res += (y[i] - p.values[i]) * (y[i] - p.values[i]);
    tot += (y[i] - mean) * (y[i] - mean);
  }
  if (tot == 0) return res == 0 ? 1.0 : 0.0;
  return 1 - res / tot;
}

}  // namespace

std::optional<MetricInfo> metric_named(std::string_view name) {
  for (const MetricInfo& m : kMetrics) {
    if (m.name == name) return m;
  }
  return std::nullopt;
}

std::string metric_names(Task task) {
  std::vector<std::string_view> names;
  for (const MetricInfo& m : kMetrics) {
    if (m.task == task) names.push_back(m.name);
  }
  return fmt::format("{}", fmt::join(names, ", "));
}

MetricInfo default_metric(Task task) {
  return task == Task::kClassification ? kMetrics[0] : kMetrics[6];
}

double score(Metric m, std::span<const float> y, const Predictions& p) {
  switch (m) {
    case Metric::kAccuracy: return accuracy(y, p);
    case Metric::kBalancedAccuracy: return balanced_accuracy(y, p);
    case Metric::kLogLoss: return log_loss(y, p);
    case Metric::kRocAuc: return roc_auc(y, p);
    case Metric::kF1: return f1_of_class(confusion(y, p), 1);
    case Metric::kF1Macro: return f1_macro(y, p);
    case Metric::kRmse: return rmse(y, p);
    case Metric::kMae: return mae(y, p);
    case Metric::kR2: return r2(y, p);
  }
  return std::nan("");
}

double loss(Task task, std::span<const float> y, const Predictions& p) {
  return task == Task::kClassification ? log_loss(y, p) : rmse(y, p);
}

}  // namespace greentune::data
