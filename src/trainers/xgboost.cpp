// xgboost: gradient-boosted trees through XGBoost's C API.
//
// One step is one boosting round (on every fold, in lockstep): the validation metric is
// reported after each, so pruners judge a trial by its rounds and a stopped trial costs
// only the rounds it ran.  The boosters are saved to the checkpoint directory every
// checkpoint_every rounds and when the run is stopped; a resumed run loads them and goes
// on from the round it reached.  init_model = "path" starts every fold from a saved
// model (incremental training: more trees on new data).  The table is turned into an
// XGBoost matrix once; each run slices its rows from it.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <filesystem>
#include <mutex>

#include "text/quote.hpp"
#include "trainers/registry.hpp"
#include "trainers/tabular.hpp"

#include <xgboost/c_api.h>

namespace greentune::trainers {
namespace {

using text::in_quotes;

namespace fs = std::filesystem;

// greentune's own options; everything else goes to XGBoost as a booster parameter.
constexpr std::string_view kOwn[] = {"num_boost_round", "init_model", "early_stopping_rounds",
                                     "checkpoint_every"};

// The booster parameters of XGBoost 1.7's documentation (general, tree, dart, linear and
// learning-task parameters) and greentune's own.
constexpr OptionSpec kOptions[] = {
    {"num_boost_round", OptionKind::kInt, "100"},
    {"init_model", OptionKind::kString, ""},
    {"early_stopping_rounds", OptionKind::kInt, "0"},
    {"checkpoint_every", OptionKind::kInt, "10"},
    {"booster", OptionKind::kString, ""},
    {"verbosity", OptionKind::kInt, "0"},
    {"nthread", OptionKind::kInt, ""},
    {"disable_default_eval_metric", OptionKind::kBool, ""},
    {"eta", OptionKind::kFloat, ""},
    {"learning_rate", OptionKind::kFloat, ""},
    {"gamma", OptionKind::kFloat, ""},
    {"min_split_loss", OptionKind::kFloat, ""},
    {"max_depth", OptionKind::kInt, ""},
    {"min_child_weight", OptionKind::kFloat, ""},
    {"max_delta_step", OptionKind::kFloat, ""},
    {"subsample", OptionKind::kFloat, ""},
    {"sampling_method", OptionKind::kString, ""},
    {"colsample_bytree", OptionKind::kFloat, ""},
    {"colsample_bylevel", OptionKind::kFloat, ""},
    {"colsample_bynode", OptionKind::kFloat, ""},
    {"lambda", OptionKind::kFloat, ""},
    {"reg_lambda", OptionKind::kFloat, ""},
    {"alpha", OptionKind::kFloat, ""},
    {"reg_alpha", OptionKind::kFloat, ""},
    {"tree_method", OptionKind::kString, "hist"},
    {"scale_pos_weight", OptionKind::kFloat, ""},
    {"updater", OptionKind::kString, ""},
    {"refresh_leaf", OptionKind::kInt, ""},
    {"process_type", OptionKind::kString, ""},
    {"grow_policy", OptionKind::kString, ""},
    {"max_leaves", OptionKind::kInt, ""},
    {"max_bin", OptionKind::kInt, ""},
    {"predictor", OptionKind::kString, ""},
    {"num_parallel_tree", OptionKind::kInt, ""},
    {"monotone_constraints", OptionKind::kString, ""},
    {"interaction_constraints", OptionKind::kString, ""},
    {"max_cat_to_onehot", OptionKind::kInt, ""},
    {"max_cat_threshold", OptionKind::kInt, ""},
    {"sample_type", OptionKind::kString, ""},
    {"normalize_type", OptionKind::kString, ""},
    {"rate_drop", OptionKind::kFloat, ""},
    {"one_drop", OptionKind::kBool, ""},
    {"skip_drop", OptionKind::kFloat, ""},
    {"feature_selector", OptionKind::kString, ""},
    {"top_k", OptionKind::kInt, ""},
    {"objective", OptionKind::kString, ""},
    {"base_score", OptionKind::kFloat, ""},
    {"eval_metric", OptionKind::kString, ""},
    {"seed", OptionKind::kInt, "0"},
    {"seed_per_iteration", OptionKind::kBool, ""},
    {"tweedie_variance_power", OptionKind::kFloat, ""},
    {"huber_slope", OptionKind::kFloat, ""},
};

constexpr OptionAlias kAliases[] = {
    {"n_estimators", "num_boost_round", "xgboost's scikit-learn API"},
    {"num_round", "num_boost_round", "xgboost's command line"},
    {"random_state", "seed", "xgboost's scikit-learn API"},
    {"n_jobs", "nthread", "xgboost's scikit-learn API"},
    {"xgb_model", "init_model", "xgboost.train"},
};

bool own_option(const std::string& name) {
  for (std::string_view o : kOwn) {
    if (o == name) return true;
  }
  return false;
}

Error xgb_error(const std::string& what) {
  return Error{ErrorCode::kInternal, fmt::format("{}: {}", what, XGBGetLastError())};
}

#define GT_XGB(call, what)                                           \
  do {                                                               \
    if ((call) != 0) return tl::unexpected(xgb_error(what));        \
  } while (0)

struct Matrix {
  DMatrixHandle h = nullptr;
  Matrix() = default;
  explicit Matrix(DMatrixHandle handle) : h(handle) {}
  Matrix(Matrix&& o) noexcept : h(std::exchange(o.h, nullptr)) {}
  Matrix& operator=(Matrix&& o) noexcept {
    std::swap(h, o.h);
    return *this;
  }
  Matrix(const Matrix&) = delete;
  Matrix& operator=(const Matrix&) = delete;
  ~Matrix() {
    if (h) XGDMatrixFree(h);
  }
};

struct Booster {
  BoosterHandle h = nullptr;
  Booster() = default;
  Booster(Booster&& o) noexcept : h(std::exchange(o.h, nullptr)) {}
  Booster& operator=(Booster&& o) noexcept {
    std::swap(h, o.h);
    return *this;
  }
  Booster(const Booster&) = delete;
  Booster& operator=(const Booster&) = delete;
  ~Booster() {
    if (h) XGBoosterFree(h);
  }
};

Result<Matrix> slice(const Matrix& all, const std::vector<int32_t>& rows) {
  DMatrixHandle out = nullptr;
  GT_XGB(XGDMatrixSliceDMatrix(all.h, rows.data(), rows.size(), &out), "slicing the data");
  return Matrix(out);
}

// Probabilities (n x classes) or values (n) of a booster on a matrix.
Result<data::Predictions> predict(const Booster& b, const Matrix& m, size_t n, size_t classes) {
  constexpr const char* kConfig =
      R"({"type": 0, "training": false, "iteration_begin": 0, "iteration_end": 0, "strict_shape": false})";
  const bst_ulong* shape = nullptr;
  bst_ulong dim = 0;
  const float* out = nullptr;
  GT_XGB(XGBoosterPredictFromDMatrix(b.h, m.h, kConfig, &shape, &dim, &out), "predicting");
  size_t total = 1;
  for (bst_ulong i = 0; i < dim; ++i) total *= shape[i];
  data::Predictions p{n, classes, std::vector<double>(n * classes)};
  if (classes == 2 && total == n) {  // binary:logistic: P(class 1)
    for (size_t i = 0; i < n; ++i) {
      p.values[2 * i] = 1.0 - out[i];
      p.values[2 * i + 1] = out[i];
    }
  } else if (total == n * classes) {
    for (size_t i = 0; i < total; ++i) p.values[i] = out[i];
  } else {
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("the model predicts {} values for {} rows; expected {} (is the "
                                  "objective one that gives probabilities?)", total, n, n * classes));
  }
  return p;
}

std::string default_objective(const data::Dataset& d) {
  if (d.task == data::Task::kRegression) return "reg:squarederror";
  return d.n_classes() == 2 ? "binary:logistic" : "multi:softprob";
}

// Sets the booster parameters of a run: the objective for the task, then the options.
Status configure(const Booster& b, const data::Dataset& d, const Options& o) {
  std::string objective = o.text("objective", default_objective(d));
  GT_XGB(XGBoosterSetParam(b.h, "objective", objective.c_str()), "setting objective");
  if (objective.starts_with("multi:")) {
    std::string k = std::to_string(d.n_classes());
    GT_XGB(XGBoosterSetParam(b.h, "num_class", k.c_str()), "setting num_class");
  }
  for (const auto& [name, value] : o.values()) {
    if (own_option(name) || name == "objective") continue;
    std::string text = Options::library_text(value);
    GT_XGB(XGBoosterSetParam(b.h, name.c_str(), text.c_str()), fmt::format("setting {}", name));
  }
  return {};
}

class XgboostTrainer : public Trainer {
 public:
  XgboostTrainer(TrainerSpec spec, std::shared_ptr<const Table> table, std::string init_model,
                 int init_rounds)
      : spec_(held_copy(spec)), table_(std::move(table)), init_model_(std::move(init_model)),
        init_rounds_(init_rounds) {}

  Result<TrialOutcome> run(const TrainerRun& run, TrialReporter& reporter) override {
    const Table& t = *table_;
    auto all = whole_table();
    if (!all) return tl::unexpected(all.error());
    Options o = options_for(spec_, kOptions, run.params);
    double fraction = data_fraction_of(run.params);
    size_t classes = t.data.task == data::Task::kClassification ? t.data.n_classes() : 1;
    size_t k = t.folds.size();
    std::vector<std::vector<int32_t>> rows(k);
    std::vector<Matrix> train(k), valid(k);
    std::vector<Booster> boosters(k);
    int done = -1;  // rounds every fold has (after a resume)
    for (size_t f = 0; f < k; ++f) {
      rows[f] = training_rows(t, f, fraction);
      auto tr = slice(**all, rows[f]);
      if (!tr) return tl::unexpected(tr.error());
      auto va = slice(**all, t.folds[f].valid);
      if (!va) return tl::unexpected(va.error());
      train[f] = std::move(*tr);
      valid[f] = std::move(*va);
      DMatrixHandle cache[2] = {train[f].h, valid[f].h};
      GT_XGB(XGBoosterCreate(cache, 2, &boosters[f].h), "creating a booster");
      auto rounds = start_from(boosters[f], run, f);
      if (!rounds) return tl::unexpected(rounds.error());
      done = done < 0 ? *rounds : std::min(done, *rounds);
      if (auto ok = configure(boosters[f], t.data, o); !ok) return tl::unexpected(ok.error());
    }
    auto total = static_cast<int>(o.integer("num_boost_round", 100));
    auto every = std::max<int64_t>(1, o.integer("checkpoint_every", 10));
    int64_t patience = o.integer("early_stopping_rounds", 0);
    StepScores s, best;
    int best_round = 0;
    for (int round = done; round < total; ++round) {
      std::vector<data::Predictions> pv, pt;
      for (size_t f = 0; f < k; ++f) {
        GT_XGB(XGBoosterUpdateOneIter(boosters[f].h, init_rounds_ + round, train[f].h), "boosting");
        auto v = predict(boosters[f], valid[f], t.folds[f].valid.size(), classes);
        if (!v) return tl::unexpected(v.error());
        auto p = predict(boosters[f], train[f], rows[f].size(), classes);
        if (!p) return tl::unexpected(p.error());
        pv.push_back(std::move(*v));
        pt.push_back(std::move(*p));
      }
      s = score_step(t, pv, pt, rows);
      int step = round + 1;
      if (auto ok = reporter.report(step, metrics_of(t, s)); !ok) return tl::unexpected(ok.error());
      bool last = step == total;
      if (best_round == 0 || better(s.value, best.value)) {
        best = s;
        best_round = step;
      }
      bool early = patience > 0 && step - best_round >= patience;
      bool stop = reporter.should_stop() && !last;
      if (stop || last || early || step % every == 0) {
        if (auto ok = save_checkpoint(boosters, run); !ok) return tl::unexpected(ok.error());
      }
      if (stop) return stopped_outcome(step);
      if (early) break;
    }
    std::string model = checkpoint_file(run, "model.ubj");
    GT_XGB(XGBoosterSaveModel(boosters[0].h, model.c_str()), "saving the model");
    return finish(t, s, run, reporter, model);
  }

 private:
  bool better(double a, double b) const {
    return table_->metric.higher_is_better ? a > b : a < b;
  }

  // The table as one XGBoost matrix, built at the first run.
  Result<const Matrix*> whole_table() {
    std::lock_guard lock(mutex_);
    if (!all_.h) {
      const data::Dataset& d = table_->data;
      DMatrixHandle h = nullptr;
      GT_XGB(XGDMatrixCreateFromMat(d.x.data(), d.rows, d.cols, std::numeric_limits<float>::quiet_NaN(), &h),
             "building the data matrix");
      all_ = Matrix(h);
      GT_XGB(XGDMatrixSetFloatInfo(all_.h, "label", d.y.data(), d.rows), "setting the labels");
    }
    return &all_;
  }

  std::string fold_checkpoint(const TrainerRun& run, size_t f) const {
    return (fs::path(run.checkpoint_dir) / fmt::format("fold-{}.ubj", f)).string();
  }

  // Loads the fold's checkpoint (a resumed run) or the init model; the rounds of this
  // trial the booster already has.
  Result<int> start_from(Booster& b, const TrainerRun& run, size_t f) {
    if (!run.checkpoint_dir.empty() && fs::exists(fold_checkpoint(run, f))) {
      GT_XGB(XGBoosterLoadModel(b.h, fold_checkpoint(run, f).c_str()), "loading the checkpoint");
      int rounds = 0;
      GT_XGB(XGBoosterBoostedRounds(b.h, &rounds), "reading the checkpoint");
      return rounds - init_rounds_;
    }
    if (!init_model_.empty()) {
      GT_XGB(XGBoosterLoadModel(b.h, init_model_.c_str()), "loading init_model");
    }
    return 0;
  }

  Status save_checkpoint(const std::vector<Booster>& boosters, const TrainerRun& run) {
    if (run.checkpoint_dir.empty()) return {};
    for (size_t f = 0; f < boosters.size(); ++f) {
      std::string path = fold_checkpoint(run, f);
      // Written whole, then renamed: a kill leaves the old one.  (XGBoost picks the format
      // by the extension, so the temporary name keeps .ubj.)
      std::string tmp = (fs::path(run.checkpoint_dir) / fmt::format("fold-{}.tmp.ubj", f)).string();
      GT_XGB(XGBoosterSaveModel(boosters[f].h, tmp.c_str()), "saving a checkpoint");
      std::error_code ec;
      fs::rename(tmp, path, ec);
      if (ec) return make_error(ErrorCode::kIo, fmt::format("cannot write {}: {}", path, ec.message()));
    }
    return {};
  }

  TrainerSpec spec_;
  std::shared_ptr<const Table> table_;
  std::string init_model_;  // resolved path, or ""
  int init_rounds_ = 0;     // boosting rounds in the init model
  std::mutex mutex_;
  Matrix all_;
};

tl::unexpected<Error> invalid(std::string message) {
  return make_error(ErrorCode::kInvalidArgument, std::move(message));
}

// Runs one boosting round on a few rows with `o`: XGBoost checks its parameters' values
// only when it trains, and this way a bad one fails before any trial.
Status dry_run(const Table& t, const Options& o) {
  const data::Dataset& d = t.data;
  size_t n = std::min<size_t>(d.rows, 64);
  DMatrixHandle h = nullptr;
  GT_XGB(XGDMatrixCreateFromMat(d.x.data(), n, d.cols, std::numeric_limits<float>::quiet_NaN(), &h), "building");
  Matrix m(h);
  GT_XGB(XGDMatrixSetFloatInfo(m.h, "label", d.y.data(), n), "labels");
  Booster b;
  GT_XGB(XGBoosterCreate(&m.h, 1, &b.h), "creating a booster");
  if (auto ok = configure(b, d, o); !ok) return ok;
  GT_XGB(XGBoosterUpdateOneIter(b.h, 0, m.h), "boosting");
  return {};
}

Status check_objective(const TrainerSpec& spec, const data::Dataset& d, const std::string& objective) {
  bool classify = d.task == data::Task::kClassification;
  bool ok = classify ? (objective == "multi:softprob" || (objective == "binary:logistic" && d.n_classes() == 2))
                     : !(objective.starts_with("binary:") || objective.starts_with("multi:") ||
                         objective.starts_with("rank:"));
  if (ok) return {};
  return invalid(fmt::format("{}: objective {} does not fit {} with {} classes; accepted: {}",
                             place(spec, "trainer", "objective"), in_quotes(objective),
                             classify ? "classification" : "regression", d.n_classes(),
                             classify ? (d.n_classes() == 2 ? "binary:logistic, multi:softprob" : "multi:softprob")
                                      : "a reg:*, count:* or survival:* objective"));
}

}  // namespace

Result<std::unique_ptr<Trainer>> make_xgboost_trainer(const TrainerSpec& spec) {
  if (auto ok = check_options(spec, kOptions, kAliases); !ok) return tl::unexpected(ok.error());
  auto table = load_table(spec);
  if (!table) return tl::unexpected(table.error());
  const Table& t = **table;
  Options fixed = options_for(spec, kOptions, {});
  if (fixed.has("objective")) {
    if (auto ok = check_objective(spec, t.data, fixed.text("objective", "")); !ok) return tl::unexpected(ok.error());
  }
  if (auto ok = dry_run(t, fixed); !ok) {
    // Which [trainer] option: each alone, to name it.
    for (const auto& [key, value] : spec.options.items()) {
      TrainerSpec one = held_copy(spec);
      one.options = nlohmann::json{{key, value}};
      if (auto alone = dry_run(t, options_for(one, kOptions, {})); !alone) {
        return invalid(fmt::format("{}: XGBoost refused {} = {}: {}", place(spec, "trainer", key), key,
                                   value.dump(), alone.error().message));
      }
    }
    return invalid(fmt::format("{}: XGBoost refused the [trainer] options together: {}",
                               place(spec, "trial", "trainer"), ok.error().message));
  }
  // Each string choice of the space, alone, so that the error names the param.
  if (spec.space) {
    for (const Param& p : spec.space->params()) {
      const auto* c = std::get_if<CategoricalDistribution>(&p.dist);
      if (!c) continue;
      for (const ParamValue& v : c->choices) {
        Options one = options_for(spec, kOptions, {{p.name, v}});
        if (auto ok = dry_run(t, one); !ok) {
          return invalid(fmt::format("{}: XGBoost refused {} = {}: {}", place(spec, "search.space", p.name),
                                     p.name, to_display(v), ok.error().message));
        }
      }
    }
  }
  std::string init;
  int init_rounds = 0;
  if (auto it = spec.options.find("init_model"); it != spec.options.end()) {
    fs::path path(it->get<std::string>());
    if (path.is_relative() && !spec.base_dir.empty()) path = fs::path(spec.base_dir) / path;
    Booster b;
    if (XGBoosterCreate(nullptr, 0, &b.h) != 0 || XGBoosterLoadModel(b.h, path.c_str()) != 0) {
      return invalid(fmt::format("{}: cannot load the model {}: {}", place(spec, "trainer", "init_model"),
                                 path.string(), XGBGetLastError()));
    }
    bst_ulong features = 0;
    XGBoosterGetNumFeature(b.h, &features);
    if (features != t.data.cols) {
      return invalid(fmt::format("{}: the model {} takes {} features and {} has {}; it must come "
                                 "from a table with the same columns", place(spec, "trainer", "init_model"),
                                 path.string(), features, t.path, t.data.cols));
    }
    XGBoosterBoostedRounds(b.h, &init_rounds);
    init = path.string();
  }
  return std::unique_ptr<Trainer>(
      std::make_unique<XgboostTrainer>(spec, std::move(*table), std::move(init), init_rounds));
}

}  // namespace greentune::trainers
