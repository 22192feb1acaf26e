// The model trainers on the shipped datasets: the quality each reaches, checkpoint and
// resume, data_fraction, incremental XGBoost, and the errors a study file can cause.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "data/dataset.hpp"
#include "greentune/trainer.hpp"
#include "testing/test_helpers.hpp"

namespace greentune {
namespace {

namespace fs = std::filesystem;

std::string dataset(const std::string& name) {
  return std::string(GREENTUNE_SOURCE_DIR) + "/data/datasets/" + name + ".csv";
}

struct Shipped {
  const char* name;
  const char* target;
  DataSection::Task task;
};

constexpr Shipped kBreastCancer{"breast_cancer", "diagnosis", DataSection::Task::kClassification};
constexpr Shipped kDigits{"digits", "digit", DataSection::Task::kClassification};
constexpr Shipped kWine{"wine", "cultivar", DataSection::Task::kClassification};
constexpr Shipped kIris{"iris", "species", DataSection::Task::kClassification};
constexpr Shipped kDiabetes{"diabetes", "progression", DataSection::Task::kRegression};

TrainerSpec spec_for(const std::string& trainer, const Shipped& s, const std::string& metric,
                     nlohmann::json options = nlohmann::json::object()) {
  TrainerSpec t;
  t.name = trainer;
  t.metric = metric;
  DataSection d;
  d.path = dataset(s.name);
  d.target = s.target;
  d.task = s.task;
  d.split = 0.25;
  d.seed = 1;
  t.data = d;
  t.options = std::move(options);
  return t;
}

// Records what a trainer reports; asks it to stop after `stop_after` reports.
class Recorder : public TrialReporter {
 public:
  Status report(int64_t step, const std::map<std::string, double>& metrics) override {
    steps.push_back(step);
    last = metrics;
    return {};
  }
  bool should_stop() override { return stop_after > 0 && steps.size() >= stop_after; }
  Status artifact(const std::string& name, const std::string& path) override {
    artifacts[name] = path;
    return {};
  }
  std::vector<int64_t> steps;
  std::map<std::string, double> last;
  std::map<std::string, std::string> artifacts;
  size_t stop_after = 0;
};

struct TrainerResult {
  TrialOutcome outcome;
  Recorder recorder;
};

TrainerResult run_trainer(const TrainerSpec& spec, const Params& params = {}, const std::string& dir = "",
                size_t stop_after = 0) {
  auto trainer = make_trainer(spec);
  EXPECT_TRUE(trainer) << trainer.error().message;
  TrainerResult r;
  if (!trainer) return r;
  r.recorder.stop_after = stop_after;
  SearchSpace space;
  auto outcome = (*trainer)->run(TrainerRun{space, params, 0, dir}, r.recorder);
  EXPECT_TRUE(outcome) << outcome.error().message;
  if (outcome) r.outcome = *outcome;
  return r;
}

double value_of(const TrainerSpec& spec, const Params& params = {}) {
  TrainerResult r = run_trainer(spec, params);
  EXPECT_EQ(r.outcome.state, TrialState::kComplete);
  return r.outcome.final_metrics[spec.metric];
}

TEST(ModelTrainers, ConstantIsTheMajorityBaseline) {
  // 357 of 569 tumours are benign; the stratified validation quarter keeps that share.
  EXPECT_NEAR(value_of(spec_for("constant", kBreastCancer, "accuracy")), 357.0 / 569, 0.01);
  EXPECT_NEAR(value_of(spec_for("constant", kBreastCancer, "roc_auc")), 0.5, 1e-9);
  EXPECT_NEAR(value_of(spec_for("constant", kDiabetes, "r2")), 0.0, 0.05);
}

TEST(ModelTrainers, LinearLearnsEveryShippedDataset) {
  EXPECT_GE(value_of(spec_for("linear", kBreastCancer, "accuracy")), 0.95);
  EXPECT_GE(value_of(spec_for("linear", kBreastCancer, "accuracy", {{"model", "svm"}})), 0.95);
  EXPECT_GE(value_of(spec_for("linear", kDigits, "accuracy")), 0.93);
  EXPECT_GE(value_of(spec_for("linear", kWine, "accuracy")), 0.93);
  EXPECT_GE(value_of(spec_for("linear", kIris, "accuracy")), 0.85);
  EXPECT_GE(value_of(spec_for("linear", kDiabetes, "r2")), 0.40);
  EXPECT_LE(value_of(spec_for("linear", kBreastCancer, "log_loss"), {{"C", 0.5}}), 0.15);
}

TEST(ModelTrainers, XgboostLearnsEveryShippedDataset) {
  EXPECT_GE(value_of(spec_for("xgboost", kBreastCancer, "roc_auc")), 0.98);
  EXPECT_GE(value_of(spec_for("xgboost", kDigits, "accuracy", {{"num_boost_round", 60}})), 0.93);
  EXPECT_GE(value_of(spec_for("xgboost", kWine, "accuracy")), 0.9);
  EXPECT_GE(value_of(spec_for("xgboost", kIris, "accuracy")), 0.9);
  EXPECT_GE(value_of(spec_for("xgboost", kDiabetes, "r2", {{"max_depth", 2}, {"eta", 0.05}})), 0.35);
}

TEST(ModelTrainers, XgboostReportsEveryRoundAndKeepsTheModel) {
  testing::TempDir dir;
  TrainerResult r = run_trainer(spec_for("xgboost", kBreastCancer, "log_loss", {{"num_boost_round", 30}}), {},
                      dir.path().string());
  ASSERT_EQ(r.recorder.steps.size(), 30u);
  EXPECT_EQ(r.recorder.steps.front(), 1);
  EXPECT_EQ(r.recorder.steps.back(), 30);
  EXPECT_TRUE(r.recorder.last.count("val_loss") && r.recorder.last.count("train_loss"));
  EXPECT_LT(r.recorder.last["train_loss"], r.recorder.last["val_loss"]);
  ASSERT_TRUE(r.recorder.artifacts.count("model"));
  EXPECT_TRUE(fs::exists(r.recorder.artifacts["model"]));
  EXPECT_EQ(r.outcome.final_metrics["model_bytes"],
            static_cast<double>(fs::file_size(r.recorder.artifacts["model"])));
}

TEST(ModelTrainers, XgboostResumedFromItsCheckpointEqualsAnUninterruptedRun) {
  TrainerSpec spec = spec_for("xgboost", kBreastCancer, "log_loss",
                              {{"num_boost_round", 40}, {"checkpoint_every", 7}});
  testing::TempDir whole, parts;
  TrainerResult uninterrupted = run_trainer(spec, {{"max_depth", int64_t{3}}}, whole.path().string());
  TrainerResult first = run_trainer(spec, {{"max_depth", int64_t{3}}}, parts.path().string(), 17);
  EXPECT_EQ(first.outcome.state, TrialState::kPruned);  // stopped: the executor decides why
  EXPECT_EQ(first.recorder.steps.back(), 17);
  TrainerResult rest = run_trainer(spec, {{"max_depth", int64_t{3}}}, parts.path().string());
  ASSERT_FALSE(rest.recorder.steps.empty());
  EXPECT_EQ(rest.recorder.steps.front(), 18);  // it went on from round 17
  EXPECT_EQ(rest.outcome.final_metrics["log_loss"], uninterrupted.outcome.final_metrics["log_loss"]);
  EXPECT_EQ(rest.outcome.final_metrics["model_bytes"],
            uninterrupted.outcome.final_metrics["model_bytes"]);
}

TEST(ModelTrainers, LinearResumesTheFoldsItHasFitted) {
  TrainerSpec spec = spec_for("linear", kWine, "accuracy");
  spec.data->folds = 4;
  testing::TempDir whole, parts;
  TrainerResult uninterrupted = run_trainer(spec, {}, whole.path().string());
  EXPECT_EQ(uninterrupted.recorder.steps, (std::vector<int64_t>{1, 2, 3, 4}));
  TrainerResult first = run_trainer(spec, {}, parts.path().string(), 2);
  EXPECT_EQ(first.recorder.steps.size(), 2u);
  auto fitted_before = fs::last_write_time(parts.path() / "fold-0.model");
  TrainerResult rest = run_trainer(spec, {}, parts.path().string());
  EXPECT_EQ(fs::last_write_time(parts.path() / "fold-0.model"), fitted_before);  // reused
  EXPECT_EQ(rest.outcome.final_metrics["accuracy"], uninterrupted.outcome.final_metrics["accuracy"]);
}

TEST(ModelTrainers, CrossValidationReportsTheMeanOverFolds) {
  TrainerSpec spec = spec_for("xgboost", kIris, "accuracy", {{"num_boost_round", 5}});
  spec.data->folds = 3;
  TrainerResult r = run_trainer(spec);
  EXPECT_EQ(r.recorder.steps.size(), 5u);
  EXPECT_GE(r.outcome.final_metrics["accuracy"], 0.85);
}

TEST(ModelTrainers, DataFractionTrainsOnASubsample) {
  TrainerSpec spec = spec_for("xgboost", kDigits, "accuracy", {{"num_boost_round", 20}});
  double ninth = value_of(spec, {{"data_fraction", 1.0 / 9}});
  double all = value_of(spec, {{"data_fraction", 1.0}});
  EXPECT_LT(ninth, all - 0.05);  // 150 training rows for 10 classes learn visibly less
  EXPECT_GT(ninth, 0.5);
}

// digits, shuffled with a fixed seed, split into an old part (1200 rows) and a new one
// (597): related tables, as when new data arrives for a model in use.
void split_digits(const testing::TempDir& dir) {
  std::ifstream in(dataset("digits"));
  std::string header, line;
  std::getline(in, header);
  std::vector<std::string> rows;
  while (std::getline(in, line)) rows.push_back(line);
  std::mt19937_64 rng(5);
  std::shuffle(rows.begin(), rows.end(), rng);
  std::ofstream old_part(dir.file("old.csv")), new_part(dir.file("new.csv"));
  old_part << header << "\n";
  new_part << header << "\n";
  for (size_t i = 0; i < rows.size(); ++i) (i < 1200 ? old_part : new_part) << rows[i] << "\n";
}

TEST(ModelTrainers, IncrementalXgboostBeatsScratchAtEqualRounds) {
  // The old part's model, continued on the new part for 10 rounds, against 10 rounds
  // from scratch on the new part: the same work, judged on the new part's validation rows,
  // which neither model has trained on.
  testing::TempDir dir;
  split_digits(dir);
  TrainerSpec old_spec = spec_for("xgboost", kDigits, "accuracy", {{"num_boost_round", 40}});
  old_spec.data->path = dir.file("old.csv");
  fs::create_directories(dir.path() / "old");
  TrainerResult old_run = run_trainer(old_spec, {}, (dir.path() / "old").string());
  ASSERT_TRUE(old_run.recorder.artifacts.count("model"));
  TrainerSpec scratch = spec_for("xgboost", kDigits, "accuracy", {{"num_boost_round", 10}});
  scratch.data->path = dir.file("new.csv");
  TrainerSpec incremental = scratch;
  incremental.options["init_model"] = old_run.recorder.artifacts["model"];
  double from_scratch = value_of(scratch);
  double continued = value_of(incremental);
  EXPECT_GT(continued, from_scratch + 0.02) << "scratch " << from_scratch;
  // A model of other columns is refused.
  TrainerSpec other = spec_for("xgboost", kBreastCancer, "accuracy",
                               {{"init_model", old_run.recorder.artifacts["model"]}});
  auto refused = make_trainer(other);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("takes 64 features and"), std::string::npos);
}

TEST(ModelTrainers, MlpLearnsEveryShippedDataset) {
  EXPECT_GE(value_of(spec_for("mlp", kBreastCancer, "accuracy")), 0.95);
  EXPECT_GE(value_of(spec_for("mlp", kDigits, "accuracy")), 0.94);
  EXPECT_GE(value_of(spec_for("mlp", kWine, "accuracy")), 0.93);
  EXPECT_GE(value_of(spec_for("mlp", kIris, "accuracy"), {{"epochs", int64_t{60}}}), 0.85);
  EXPECT_GE(value_of(spec_for("mlp", kDiabetes, "r2", {{"width", 16}, {"weight_decay", 0.01}})), 0.3);
}

TEST(ModelTrainers, MlpReportsLossesAndGradientNormsEachEpoch) {
  TrainerResult r = run_trainer(spec_for("mlp", kBreastCancer, "log_loss", {{"epochs", 8}}));
  EXPECT_EQ(r.recorder.steps, (std::vector<int64_t>{1, 2, 3, 4, 5, 6, 7, 8}));
  ASSERT_TRUE(r.recorder.last.count("grad_norm"));
  EXPECT_GT(r.recorder.last["grad_norm"], 0.0);
  EXPECT_TRUE(r.recorder.last.count("train_loss") && r.recorder.last.count("val_loss"));
  EXPECT_LT(r.recorder.last["val_loss"], 0.3);
}

TEST(ModelTrainers, MlpResumedFromItsCheckpointEqualsAnUninterruptedRun) {
  TrainerSpec spec = spec_for("mlp", kWine, "log_loss",
                              {{"epochs", 12}, {"dropout", 0.1}, {"checkpoint_every", 5}});
  testing::TempDir whole, parts;
  TrainerResult uninterrupted = run_trainer(spec, {}, whole.path().string());
  TrainerResult first = run_trainer(spec, {}, parts.path().string(), 7);
  EXPECT_EQ(first.outcome.state, TrialState::kPruned);
  TrainerResult rest = run_trainer(spec, {}, parts.path().string());
  ASSERT_FALSE(rest.recorder.steps.empty());
  EXPECT_EQ(rest.recorder.steps.front(), 8);
  EXPECT_DOUBLE_EQ(rest.outcome.final_metrics["log_loss"], uninterrupted.outcome.final_metrics["log_loss"]);
}

TEST(ModelTrainers, TransferLearningMlpBeatsScratchAtEqualEpochs) {
  // Pre-trained on the old part of digits, fine-tuned on the new part with its first
  // layer frozen, against the same epochs from scratch on the new part.
  testing::TempDir dir;
  split_digits(dir);
  TrainerSpec old_spec = spec_for("mlp", kDigits, "accuracy", {{"epochs", 20}});
  old_spec.data->path = dir.file("old.csv");
  fs::create_directories(dir.path() / "old");
  TrainerResult old_run = run_trainer(old_spec, {}, (dir.path() / "old").string());
  ASSERT_TRUE(old_run.recorder.artifacts.count("model"));
  TrainerSpec scratch = spec_for("mlp", kDigits, "accuracy", {{"epochs", 3}});
  scratch.data->path = dir.file("new.csv");
  TrainerSpec transfer = scratch;
  transfer.options["init_from"] = old_run.recorder.artifacts["model"];
  transfer.options["freeze_layers"] = 1;
  double from_scratch = value_of(scratch);
  double fine_tuned = value_of(transfer);
  EXPECT_GT(fine_tuned, from_scratch + 0.05) << "scratch " << from_scratch;
  TrainerSpec wider = transfer;
  wider.options["width"] = 32;
  wider.options["layers"] = 1;
  wider.data->path = dataset("breast_cancer");
  wider.data->target = "diagnosis";
  auto refused = make_trainer(wider);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("no parameter of"), std::string::npos) << refused.error().message;
}

std::string error_of(const TrainerSpec& spec) {
  auto t = make_trainer(spec);
  EXPECT_FALSE(t);
  if (t) return "";
  EXPECT_EQ(t.error().code, ErrorCode::kInvalidArgument);
  return t.error().message;
}

TEST(ModelTrainers, BadSetupFailsBeforeAnyTrialWithThePlaceNamed) {
  TrainerSpec s = spec_for("xgboost", kBreastCancer, "accuracy", {{"max_dept", 3}});
  s.where = [](const std::string& section, const std::string& key) {
    return fmt::format("study.toml:9:1: [{}] {}", section, key);
  };
  EXPECT_EQ(error_of(s),
            "study.toml:9:1: [trainer] max_dept: xgboost has no option \"max_dept\"; did you mean "
            "\"max_depth\"?");
  s.options = {{"max_depth", "deep"}};
  EXPECT_EQ(error_of(s),
            "study.toml:9:1: [trainer] max_depth: xgboost option \"max_depth\" takes an integer, "
            "got \"deep\"");
  s.options = {{"tree_method", "fastest"}};
  EXPECT_NE(error_of(s).find("study.toml:9:1: [trainer] tree_method: XGBoost refused tree_method = "
                             "\"fastest\""),
            std::string::npos);
  s.options = nlohmann::json::object();
  SearchSpace space = *SearchSpace::create({{"max_depth", FloatDistribution{1, 8, false, {}}}});
  s.space = &space;
  EXPECT_EQ(error_of(s),
            "study.toml:9:1: [search.space] max_depth: xgboost option \"max_depth\" takes an "
            "integer; the space gives it other values");
  s.space = nullptr;
  s.metric = "rmse";
  EXPECT_NE(error_of(s).find("[study] metric: trainer \"xgboost\" reports no metric \"rmse\" for "
                             "classification; accepted: accuracy, balanced_accuracy"),
            std::string::npos);
  s.metric = "accuracy";
  s.maximize = false;
  EXPECT_EQ(error_of(s),
            "study.toml:9:1: [study] metric: accuracy is higher better, but [study] direction = "
            "\"minimize\"");
  s.maximize.reset();
  s.data->target = "label";
  EXPECT_NE(error_of(s).find("no column \"label\" (the target)"), std::string::npos);
  s.data.reset();
  EXPECT_NE(error_of(s).find("add a [data] section"), std::string::npos);
  TrainerSpec linear = spec_for("linear", kBreastCancer, "accuracy", {{"model", "lasso"}});
  EXPECT_EQ(error_of(linear), "[trainer] model: unknown model \"lasso\"; accepted: logistic, svm");
  TrainerSpec init = spec_for("xgboost", kBreastCancer, "accuracy", {{"init_model", "/nonexistent.ubj"}});
  EXPECT_NE(error_of(init).find("[trainer] init_model: cannot load the model /nonexistent.ubj"),
            std::string::npos);
  TrainerSpec unknown = spec_for("forest", kBreastCancer, "accuracy");
  EXPECT_EQ(error_of(unknown),
            "[trial] trainer: unknown trainer \"forest\"; accepted: constant, linear, xgboost, mlp, "
            "function:branin, function:hartmann6, function:rosenbrock");
}

}  // namespace
}  // namespace greentune
