// linear: logistic regression and linear SVM through liblinear (the solvers
// scikit-learn's liblinear options call), ridge regression solved with Eigen.
//
// Features are standardised with the training rows' mean and standard deviation, and a
// missing value becomes that mean.  One step per fold; each fold's model is saved in the
// checkpoint directory, so a run that resumes reuses the folds it has already fitted.
#include <fmt/format.h>

#include <Eigen/Dense>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>

#include "text/quote.hpp"
#include "trainers/registry.hpp"
#include "trainers/tabular.hpp"

#include <linear.h>

namespace greentune::trainers {
namespace {

using text::in_quotes;

namespace fs = std::filesystem;

constexpr OptionSpec kOptions[] = {
    // logistic | svm (classification), ridge (regression); default: by the task
    {"model", OptionKind::kString, ""},
    {"C", OptionKind::kFloat, "1.0"},        // inverse regularisation (logistic, svm)
    {"alpha", OptionKind::kFloat, "1.0"},    // L2 penalty (ridge)
    {"tol", OptionKind::kFloat, "0.0001"},   // liblinear's stopping tolerance
    {"class_weight", OptionKind::kString, "none"},  // none | balanced
};

void quiet(const char*) {}

// liblinear's solvers draw from rand(): seeded and serialised, so runs repeat.
std::mutex& liblinear_mutex() {
  static std::mutex m;
  return m;
}

struct Fitted {
  virtual ~Fitted() = default;
  // Class probabilities or values of row r.
  virtual void predict(const float* x, double* out) const = 0;
  virtual Status save(const std::string& path) const = 0;
};

// Standardised rows in liblinear's sparse form (every feature present, and the bias).
struct SparseRows {
  std::vector<feature_node> nodes;
  std::vector<feature_node*> rows;

  SparseRows(const data::Dataset& d, const std::vector<int32_t>& idx, const Scaling& s) {
    size_t width = d.cols + 2;
    nodes.resize(idx.size() * width);
    for (size_t i = 0; i < idx.size(); ++i) {
      feature_node* row = &nodes[i * width];
      fill(d.row(static_cast<size_t>(idx[i])), d.cols, s, row);
      rows.push_back(row);
    }
  }

  static void fill(const float* x, size_t cols, const Scaling& s, feature_node* row) {
    for (size_t j = 0; j < cols; ++j) row[j] = {static_cast<int>(j) + 1, scaled(s, j, x[j])};
    row[cols] = {static_cast<int>(cols) + 1, 1.0};  // the bias feature (intercept_scaling 1)
    row[cols + 1] = {-1, 0.0};
  }
};

class LiblinearModel : public Fitted {
 public:
  LiblinearModel(model* m, Scaling s, size_t classes, bool probabilities)
      : model_(m), scaling_(std::move(s)), classes_(classes), probabilities_(probabilities) {}
  ~LiblinearModel() override { free_and_destroy_model(&model_); }
  LiblinearModel(const LiblinearModel&) = delete;
  LiblinearModel& operator=(const LiblinearModel&) = delete;

  void predict(const float* x, double* out) const override {
    size_t cols = scaling_.mean.size();
    std::vector<feature_node> row(cols + 2);
    SparseRows::fill(x, cols, scaling_, row.data());
    int n = get_nr_class(model_);
    std::vector<double> dec(static_cast<size_t>(n));
    std::vector<int> labels(static_cast<size_t>(n));
    get_labels(model_, labels.data());
    std::fill(out, out + classes_, 0.0);
    if (probabilities_) {
      predict_probability(model_, row.data(), dec.data());
      for (int c = 0; c < n; ++c) out[labels[static_cast<size_t>(c)]] = dec[static_cast<size_t>(c)];
      return;
    }
    // SVM: no probabilities; a logistic of the decision values (one-vs-rest, normalised)
    // so that log loss and AUC stay defined.  AUC and accuracy only need the order.
    predict_values(model_, row.data(), dec.data());
    if (n == 2) {
      double p0 = 1 / (1 + std::exp(-dec[0]));
      out[labels[0]] = p0;
      out[labels[1]] = 1 - p0;
      return;
    }
    double sum = 0;
    for (int c = 0; c < n; ++c) sum += (out[labels[static_cast<size_t>(c)]] = 1 / (1 + std::exp(-dec[static_cast<size_t>(c)])));
    for (size_t c = 0; c < classes_; ++c) out[c] /= sum;
  }

  Status save(const std::string& path) const override {
    if (save_model(path.c_str(), model_) != 0) {
      return make_error(ErrorCode::kIo, fmt::format("cannot write the model {}", path));
    }
    std::ofstream(path + ".scaling") << nlohmann::json{{"mean", scaling_.mean}, {"scale", scaling_.scale}}.dump();
    return {};
  }

 private:
  model* model_;
  Scaling scaling_;
  size_t classes_;
  bool probabilities_;
};

class RidgeModel : public Fitted {
 public:
  RidgeModel(Eigen::VectorXd w, double b, Scaling s) : w_(std::move(w)), b_(b), scaling_(std::move(s)) {}

  void predict(const float* x, double* out) const override {
    double v = b_;
    for (Eigen::Index j = 0; j < w_.size(); ++j) v += w_[j] * scaled(scaling_, static_cast<size_t>(j), x[j]);
    *out = v;
  }

  Status save(const std::string& path) const override {
    std::vector<double> w(w_.data(), w_.data() + w_.size());
    std::ofstream out(path);
    out << nlohmann::json{{"trainer", "linear"}, {"model", "ridge"}, {"w", w}, {"b", b_},
                          {"mean", scaling_.mean}, {"scale", scaling_.scale}}.dump() << "\n";
    if (!out) return make_error(ErrorCode::kIo, fmt::format("cannot write the model {}", path));
    return {};
  }

  static std::unique_ptr<Fitted> load(const std::string& path) {
    std::ifstream in(path);
    auto j = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded() || !j.contains("w")) return nullptr;
    auto w = j["w"].get<std::vector<double>>();
    Scaling s{j["mean"].get<std::vector<double>>(), j["scale"].get<std::vector<double>>()};
    return std::make_unique<RidgeModel>(Eigen::Map<Eigen::VectorXd>(w.data(), static_cast<Eigen::Index>(w.size())),
                                        j["b"].get<double>(), std::move(s));
  }

 private:
  Eigen::VectorXd w_;
  double b_;
  Scaling scaling_;
};

std::unique_ptr<Fitted> fit_ridge(const data::Dataset& d, const std::vector<int32_t>& rows,
                                  double alpha) {
  Scaling s = scaling_of(d, rows);
  auto n = static_cast<Eigen::Index>(rows.size());
  auto p = static_cast<Eigen::Index>(d.cols);
  Eigen::MatrixXd x(n, p);
  Eigen::VectorXd y(n);
  for (Eigen::Index i = 0; i < n; ++i) {
    const float* r = d.row(static_cast<size_t>(rows[static_cast<size_t>(i)]));
    for (Eigen::Index j = 0; j < p; ++j) x(i, j) = scaled(s, static_cast<size_t>(j), r[j]);
    y[i] = d.y[static_cast<size_t>(rows[static_cast<size_t>(i)])];
  }
  double mean_y = y.mean();
  Eigen::VectorXd xm = x.colwise().mean();
  x.rowwise() -= xm.transpose();
  Eigen::MatrixXd gram = x.transpose() * x;
  gram.diagonal().array() += alpha;
  Eigen::VectorXd w = gram.ldlt().solve(x.transpose() * (y.array() - mean_y).matrix());
  double b = mean_y - xm.dot(w);
  return std::make_unique<RidgeModel>(std::move(w), b, std::move(s));
}

struct LinearSetup {
  std::string model;
  double c = 1.0;
  double alpha = 1.0;
  double tol = 1e-4;
  bool balanced = false;
};

Result<std::unique_ptr<Fitted>> fit_liblinear(const data::Dataset& d,
                                              const std::vector<int32_t>& rows,
                                              const LinearSetup& setup) {
  Scaling s = scaling_of(d, rows);
  SparseRows x(d, rows, s);
  std::vector<double> y = [&] {
    std::vector<double> v;
    for (int32_t r : rows) v.push_back(d.y[static_cast<size_t>(r)]);
    return v;
  }();
  problem prob{static_cast<int>(rows.size()), static_cast<int>(d.cols) + 1, y.data(),
               x.rows.data(), -1.0};
  bool logistic = setup.model == "logistic";
  std::vector<int> labels;
  std::vector<double> weights;
  if (setup.balanced) {  // n / (classes * n_c), as scikit-learn's "balanced"
    std::vector<double> count(d.n_classes(), 0.0);
    for (double v : y) count[static_cast<size_t>(v)] += 1;
    for (size_t c = 0; c < count.size(); ++c) {
      if (count[c] == 0) continue;
      labels.push_back(static_cast<int>(c));
      weights.push_back(static_cast<double>(y.size()) / (static_cast<double>(count.size()) * count[c]));
    }
  }
  parameter param{};
  param.solver_type = logistic ? L2R_LR : L2R_L2LOSS_SVC_DUAL;
  param.eps = setup.tol;
  param.C = setup.c;
  param.nr_weight = static_cast<int>(labels.size());
  param.weight_label = labels.empty() ? nullptr : labels.data();
  param.weight = weights.empty() ? nullptr : weights.data();
  param.p = 0.1;
  if (const char* why = check_parameter(&prob, &param)) {
    return make_error(ErrorCode::kInvalidArgument, fmt::format("liblinear refused the options: {}", why));
  }
  model* m = nullptr;
  {
    std::lock_guard lock(liblinear_mutex());
    set_print_string_function(&quiet);
    std::srand(1);
    m = train(&prob, &param);
  }
  // train() keeps pointers into param's arrays only until it returns; the model copies them.
  return std::unique_ptr<Fitted>(std::make_unique<LiblinearModel>(m, std::move(s), d.n_classes(), logistic));
}

std::unique_ptr<Fitted> load_liblinear(const std::string& path, size_t classes, bool logistic) {
  std::ifstream in(path + ".scaling");
  auto j = nlohmann::json::parse(in, nullptr, false);
  if (j.is_discarded()) return nullptr;
  model* m = load_model(path.c_str());
  if (!m) return nullptr;
  Scaling s{j["mean"].get<std::vector<double>>(), j["scale"].get<std::vector<double>>()};
  return std::make_unique<LiblinearModel>(m, std::move(s), classes, logistic);
}

data::Predictions predict_rows(const Fitted& f, const data::Dataset& d,
                               const std::vector<int32_t>& rows) {
  size_t k = d.task == data::Task::kClassification ? d.n_classes() : 1;
  data::Predictions p{rows.size(), k, std::vector<double>(rows.size() * k)};
  for (size_t i = 0; i < rows.size(); ++i) f.predict(d.row(static_cast<size_t>(rows[i])), &p.values[i * k]);
  return p;
}

class LinearTrainer : public Trainer {
 public:
  LinearTrainer(TrainerSpec spec, std::shared_ptr<const Table> table)
      : spec_(held_copy(spec)), table_(std::move(table)) {}

  Result<TrialOutcome> run(const TrainerRun& run, TrialReporter& reporter) override {
    const Table& t = *table_;
    Options o = options_for(spec_, kOptions, run.params);
    LinearSetup setup{o.text("model", default_model(t)), o.number("C", 1.0),
                      o.number("alpha", 1.0), o.number("tol", 1e-4),
                      o.text("class_weight", "none") == "balanced"};
    double fraction = data_fraction_of(run.params);
    std::vector<data::Predictions> valid, train;
    std::vector<std::vector<int32_t>> rows;
    StepScores s;
    std::string last;
    for (size_t f = 0; f < t.folds.size(); ++f) {
      rows.push_back(training_rows(t, f, fraction));
      std::string path = checkpoint_file(run, fmt::format("fold-{}.model", f));
      auto fitted = fitted_for(setup, rows.back(), path, run);
      if (!fitted) return tl::unexpected(fitted.error());
      valid.push_back(predict_rows(**fitted, t.data, t.folds[f].valid));
      train.push_back(predict_rows(**fitted, t.data, rows.back()));
      s = score_step(t, valid, train, rows);
      last = path;
      if (auto ok = reporter.report(static_cast<int64_t>(f) + 1, metrics_of(t, s)); !ok) {
        return tl::unexpected(ok.error());
      }
      if (reporter.should_stop() && f + 1 < t.folds.size()) {
        return stopped_outcome(static_cast<int64_t>(f) + 1);
      }
    }
    auto out = finish(t, s, run, reporter, last);
    if (run.checkpoint_dir.empty()) cleanup(run);
    return out;
  }

  static std::string default_model(const Table& t) {
    return t.data.task == data::Task::kClassification ? "logistic" : "ridge";
  }

 private:
  // The fold's model: the one saved by an earlier, interrupted run of this trial, or a
  // new fit (saved).
  Result<std::unique_ptr<Fitted>> fitted_for(const LinearSetup& setup,
                                             const std::vector<int32_t>& rows,
                                             const std::string& path, const TrainerRun& run) {
    const Table& t = *table_;
    bool ridge = setup.model == "ridge";
    if (!run.checkpoint_dir.empty() && fs::exists(path)) {
      auto loaded = ridge ? RidgeModel::load(path)
                          : load_liblinear(path, t.data.n_classes(), setup.model == "logistic");
      if (loaded) return loaded;
    }
    Result<std::unique_ptr<Fitted>> fitted =
        ridge ? Result<std::unique_ptr<Fitted>>(fit_ridge(t.data, rows, setup.alpha))
              : fit_liblinear(t.data, rows, setup);
    if (!fitted) return fitted;
    if (auto ok = (*fitted)->save(path); !ok) return tl::unexpected(ok.error());
    return fitted;
  }

  void cleanup(const TrainerRun& run) {
    std::error_code ec;
    for (size_t f = 0; f < table_->folds.size(); ++f) {
      std::string path = checkpoint_file(run, fmt::format("fold-{}.model", f));
      fs::remove(path, ec);
      fs::remove(path + ".scaling", ec);
    }
  }

  TrainerSpec spec_;
  std::shared_ptr<const Table> table_;
};

}  // namespace

Result<std::unique_ptr<Trainer>> make_linear_trainer(const TrainerSpec& spec) {
  if (auto ok = check_options(spec, kOptions); !ok) return tl::unexpected(ok.error());
  auto table = load_table(spec);
  if (!table) return tl::unexpected(table.error());
  constexpr std::string_view kClassifiers[] = {"logistic", "svm"};
  constexpr std::string_view kRegressors[] = {"ridge"};
  constexpr std::string_view kWeights[] = {"none", "balanced"};
  bool classify = (*table)->data.task == data::Task::kClassification;
  if (auto ok = check_choice(spec, "model", classify ? std::span<const std::string_view>(kClassifiers)
                                                     : std::span<const std::string_view>(kRegressors));
      !ok) {
    return tl::unexpected(ok.error());
  }
  if (auto ok = check_choice(spec, "class_weight", kWeights); !ok) return tl::unexpected(ok.error());
  return std::unique_ptr<Trainer>(std::make_unique<LinearTrainer>(spec, std::move(*table)));
}

}  // namespace greentune::trainers
