#include "trainers/tabular.hpp"

#include <fmt/format.h>

#include <cmath>
#include <filesystem>

#include <unistd.h>

#include "greentune/executor.hpp"
#include "text/quote.hpp"

namespace greentune::trainers {
namespace {

using text::in_quotes;

namespace fs = std::filesystem;

tl::unexpected<Error> invalid(std::string message) {
  return make_error(ErrorCode::kInvalidArgument, std::move(message));
}

}  // namespace

Result<std::shared_ptr<const Table>> load_table(const TrainerSpec& spec) {
  if (!spec.data) {
    return invalid(fmt::format(
        "{}: trainer {} learns from a table; add a [data] section, e.g. [data] path = "
        "\"data/datasets/breast_cancer.csv\", target = \"target\", task = \"classification\"",
        place(spec, "trial", "trainer"), in_quotes(spec.name)));
  }
  const DataSection& d = *spec.data;
  auto table = std::make_shared<Table>();
  fs::path path(d.path);
  if (path.is_relative() && !spec.base_dir.empty()) path = fs::path(spec.base_dir) / path;
  table->path = path.string();
  data::ReadOptions read{d.target, d.task, d.categorical};
  auto dataset = data::read_csv(table->path, read);
  if (!dataset) {
    return invalid(fmt::format("{}: {}", place(spec, "data", "path"), dataset.error().message));
  }
  table->data = std::move(*dataset);
  table->seed = d.seed;
  table->folds = data::make_folds(table->data, d.split, d.folds, d.seed);
  for (const data::Fold& f : table->folds) {
    if (f.train.empty() || f.valid.empty()) {
      return invalid(fmt::format("{}: {} rows are too few to split into training and "
                                 "validation rows", place(spec, "data", "path"), table->data.rows));
    }
  }
  auto metric = data::metric_named(spec.metric);
  const char* task = d.task == data::Task::kClassification ? "classification" : "regression";
  if (!metric || metric->task != d.task) {
    return invalid(fmt::format("{}: trainer {} reports no metric {} for {}; accepted: {}",
                               place(spec, "study", "metric"), in_quotes(spec.name),
                               in_quotes(spec.metric), task, data::metric_names(d.task)));
  }
  if (spec.maximize && *spec.maximize != metric->higher_is_better) {
    return invalid(fmt::format("{}: {} is {} better, but [study] direction = \"{}\"",
                               place(spec, "study", "metric"), spec.metric,
                               metric->higher_is_better ? "higher" : "lower",
                               *spec.maximize ? "maximize" : "minimize"));
  }
  if (metric->metric == data::Metric::kF1 && table->data.n_classes() != 2) {
    return invalid(fmt::format("{}: f1 is for two classes and {} has {}; accepted: f1_macro",
                               place(spec, "study", "metric"), table->path,
                               table->data.n_classes()));
  }
  table->metric = *metric;
  return std::shared_ptr<const Table>(std::move(table));
}

double data_fraction_of(const Params& params) {
  auto it = params.find(kDataFractionParam);
  if (it == params.end()) return 1.0;
  if (const auto* d = std::get_if<double>(&it->second)) return *d;
  return 1.0;
}

std::vector<int32_t> training_rows(const Table& t, size_t f, double fraction) {
  return data::subsample(t.data, t.folds[f].train, fraction, t.seed);
}

std::vector<float> labels_of(const data::Dataset& d, const std::vector<int32_t>& rows) {
  std::vector<float> y(rows.size());
  for (size_t i = 0; i < rows.size(); ++i) y[i] = d.y[static_cast<size_t>(rows[i])];
  return y;
}

Scaling scaling_of(const data::Dataset& d, const std::vector<int32_t>& rows) {
  Scaling s{std::vector<double>(d.cols, 0.0), std::vector<double>(d.cols, 0.0)};
  std::vector<double> count(d.cols, 0.0);
  for (int32_t r : rows) {
    const float* x = d.row(static_cast<size_t>(r));
    for (size_t j = 0; j < d.cols; ++j) {
      if (std::isnan(x[j])) continue;
      s.mean[j] += x[j];
      count[j] += 1;
    }
  }
  for (size_t j = 0; j < d.cols; ++j) s.mean[j] = count[j] > 0 ? s.mean[j] / count[j] : 0.0;
  for (int32_t r : rows) {
    const float* x = d.row(static_cast<size_t>(r));
    for (size_t j = 0; j < d.cols; ++j) {
      if (!std::isnan(x[j])) s.scale[j] += (x[j] - s.mean[j]) * (x[j] - s.mean[j]);
    }
  }
  for (size_t j = 0; j < d.cols; ++j) {
    double sd = count[j] > 0 ? std::sqrt(s.scale[j] / count[j]) : 0.0;
    s.scale[j] = sd > 1e-12 ? sd : 1.0;
  }
  return s;
}

StepScores score_step(const Table& t, const std::vector<data::Predictions>& valid,
                      const std::vector<data::Predictions>& train,
                      const std::vector<std::vector<int32_t>>& train_rows) {
  StepScores s;
  auto n = static_cast<double>(valid.size());
  for (size_t f = 0; f < valid.size(); ++f) {
    std::vector<float> yv = labels_of(t.data, t.folds[f].valid);
    std::vector<float> yt = labels_of(t.data, train_rows[f]);
    s.value += data::score(t.metric.metric, yv, valid[f]) / n;
    s.val_loss += data::loss(t.data.task, yv, valid[f]) / n;
    s.train_loss += data::loss(t.data.task, yt, train[f]) / n;
  }
  return s;
}

std::map<std::string, double> metrics_of(const Table& t, const StepScores& s) {
  return {{std::string(t.metric.name), s.value},
          {"val_loss", s.val_loss},
          {"train_loss", s.train_loss}};
}

TrialOutcome stopped_outcome(int64_t step) {
  return TrialOutcome{TrialState::kPruned, {}, fmt::format("stopped after step {}", step)};
}

Result<TrialOutcome> finish(const Table& t, const StepScores& s, const TrainerRun& run,
                            TrialReporter& reporter, const std::string& model_path) {
  TrialOutcome out{TrialState::kComplete, metrics_of(t, s), ""};
  std::error_code ec;
  auto bytes = fs::file_size(model_path, ec);
  if (!ec) out.final_metrics["model_bytes"] = static_cast<double>(bytes);
  if (run.checkpoint_dir.empty()) {
    fs::remove(model_path, ec);
  } else if (auto ok = reporter.artifact("model", model_path); !ok) {
    return tl::unexpected(ok.error());
  }
  return out;
}

std::string checkpoint_file(const TrainerRun& run, const std::string& name) {
  if (!run.checkpoint_dir.empty()) return (fs::path(run.checkpoint_dir) / name).string();
  std::error_code ec;
  fs::path dir = fs::temp_directory_path(ec) / fmt::format("greentune-{}", ::getpid());
  fs::create_directories(dir, ec);
  return (dir / fmt::format("trial-{}-{}", run.trial, name)).string();
}

}  // namespace greentune::trainers
