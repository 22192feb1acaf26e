// Study files that parse, and the JSON form of what they give.
#include "greentune/config.hpp"

#include <gtest/gtest.h>

#include <string>

#include "config/spec_json.hpp"
#include "testing/test_helpers.hpp"

namespace greentune {
namespace {

// The smallest valid study file (7 lines).
constexpr const char* kMinimal = R"([study]
name = "s"
direction = "minimize"
[search.space]
x = { type = "float", low = 0.0, high = 1.0 }
[trial]
trainer = "function:branin"
)";

std::string design_example_path() {
  return std::string(GREENTUNE_SOURCE_DIR) + "/src/config/testdata/design_example.toml";
}

StudySpec parse_ok(const std::string& text) {
  auto spec = parse_study_file(text, "study.toml");
  EXPECT_TRUE(spec.has_value()) << spec.error().message;
  return spec ? *spec : StudySpec{};
}

std::vector<std::string> param_names(const StudySpec& spec) {
  std::vector<std::string> names;
  for (const Param& p : spec.search.space.params()) names.push_back(p.name);
  return names;
}

TEST(StudyFile, DesignExampleGivesItsValues) {
  auto spec = load_study_file(design_example_path());
  ASSERT_TRUE(spec.has_value()) << spec.error().message;
  EXPECT_EQ(spec->name, "breast-cancer-xgb");
  EXPECT_EQ(spec->direction, Direction::kMaximize);
  EXPECT_EQ(spec->metric, "val_auc");
  EXPECT_EQ(spec->completion.target, 0.99);
  EXPECT_EQ(spec->completion.max_trials, 60);
  EXPECT_EQ(spec->completion.max_energy_kwh, 0.05);
  EXPECT_EQ(spec->completion.max_co2e_g, 20.0);
  EXPECT_EQ(spec->completion.max_wall_s, 1800.0);
  EXPECT_EQ(spec->completion.patience, 20);
  EXPECT_EQ(spec->concurrency, 1);
  EXPECT_EQ(spec->search.sampler, "qmc");
  EXPECT_EQ(spec->search.seed, 7u);
  EXPECT_TRUE(spec->search.warm_start.empty());
  EXPECT_EQ(param_names(*spec), (std::vector<std::string>{"eta", "max_depth", "booster"}));
  EXPECT_EQ(spec->trial.trainer, "function:branin");
  EXPECT_EQ(spec->trial.dataset, "data/breast_cancer.csv");
  EXPECT_EQ(spec->trial.max_steps, 200);
  EXPECT_EQ(spec->trial.timeout_s, 600.0);
  EXPECT_EQ(spec->trial.grace_s, 30.0);
  EXPECT_EQ(spec->path, design_example_path());
}

TEST(StudyFile, DesignExampleDistributions) {
  auto spec = load_study_file(design_example_path());
  ASSERT_TRUE(spec.has_value()) << spec.error().message;
  const auto& params = spec->search.space.params();
  ASSERT_EQ(params.size(), 3u);
  const auto& eta = std::get<FloatDistribution>(params[0].dist);
  EXPECT_EQ(eta.low, 1e-3);
  EXPECT_EQ(eta.high, 0.3);
  EXPECT_TRUE(eta.log);
  EXPECT_FALSE(eta.step.has_value());
  const auto& depth = std::get<IntDistribution>(params[1].dist);
  EXPECT_EQ(depth.low, 2);
  EXPECT_EQ(depth.high, 10);
  EXPECT_EQ(depth.step, 1);
  const auto& booster = std::get<CategoricalDistribution>(params[2].dist);
  ASSERT_EQ(booster.choices.size(), 2u);
  EXPECT_EQ(std::get<std::string>(booster.choices[0]), "gbtree");
  EXPECT_EQ(std::get<std::string>(booster.choices[1]), "dart");
}

TEST(StudyFile, QuickstartExampleLoads) {
  auto spec = load_study_file(std::string(GREENTUNE_SOURCE_DIR) + "/examples/quickstart.toml");
  ASSERT_TRUE(spec.has_value()) << spec.error().message;
  EXPECT_EQ(spec->name, "quickstart");
  EXPECT_EQ(spec->trial.trainer, "xgboost");
  ASSERT_TRUE(spec->data.has_value());
  EXPECT_EQ(spec->data->target, "diagnosis");
  EXPECT_EQ(param_names(*spec),
            (std::vector<std::string>{"eta", "max_depth", "min_child_weight", "subsample",
                                      "colsample_bytree"}));
}

TEST(StudyFile, BraninExampleLoads) {
  auto spec = load_study_file(std::string(GREENTUNE_SOURCE_DIR) + "/examples/branin.toml");
  ASSERT_TRUE(spec.has_value()) << spec.error().message;
  EXPECT_EQ(param_names(*spec), (std::vector<std::string>{"x1", "x2"}));
}

TEST(StudyFile, MinimalFileHasDefaults) {
  StudySpec spec = parse_ok(kMinimal);
  EXPECT_EQ(spec.metric, "value");
  // No sampler named: "auto", the GP while it is cheap, then TPE (see auto_sampler.hpp).
  EXPECT_EQ(spec.search.sampler, "auto");
  EXPECT_EQ(spec.sampler_json(4), (nlohmann::json{{"name", "auto"}, {"seed", 4}}));
  EXPECT_FALSE(spec.search.seed.has_value());
  EXPECT_EQ(spec.concurrency, 1);
  EXPECT_EQ(spec.completion.convergence_tolerance, 0.01);
  EXPECT_FALSE(spec.completion.max_trials.has_value());
  EXPECT_FALSE(spec.completion.target.has_value());
  EXPECT_EQ(spec.trial.grace_s, 30.0);
  EXPECT_FALSE(spec.trial.timeout_s.has_value());
  EXPECT_TRUE(spec.trial.command.empty());
  EXPECT_EQ(spec.path, "study.toml");
}

TEST(StudyFile, ParamsKeepTheWrittenOrder) {
  StudySpec spec = parse_ok(R"([study]
name = "s"
direction = "maximize"
[trial]
trainer = "function:branin"
[search.space]
zeta = { type = "float", low = 0.0, high = 1.0 }
alpha = { type = "int", low = 1, high = 3 }
mu = { type = "categorical", choices = ["a"] }
beta = { type = "float", low = 1.0, high = 2.0 }
[search.space.gamma]
type = "int"
low = 0
high = 4
)");
  EXPECT_EQ(param_names(spec), (std::vector<std::string>{"zeta", "alpha", "mu", "beta", "gamma"}));
}

TEST(StudyFile, DistributionOptions) {
  StudySpec spec = parse_ok(R"([study]
name = "s"
direction = "minimize"
[trial]
trainer = "function:branin"
[search.space]
lr = { type = "float", low = 1, high = 2, step = 0.25 }
n = { type = "int", low = 16, high = 256, log = true }
k = { type = "int", low = 0, high = 10, step = 2 }
c = { type = "categorical", choices = ["a", 3, 0.5, true] }
)");
  const auto& params = spec.search.space.params();
  ASSERT_EQ(params.size(), 4u);
  EXPECT_EQ(std::get<FloatDistribution>(params[0].dist).step, 0.25);
  EXPECT_EQ(std::get<FloatDistribution>(params[0].dist).low, 1.0);
  EXPECT_TRUE(std::get<IntDistribution>(params[1].dist).log);
  EXPECT_EQ(std::get<IntDistribution>(params[2].dist).step, 2);
  const auto& choices = std::get<CategoricalDistribution>(params[3].dist).choices;
  ASSERT_EQ(choices.size(), 4u);
  EXPECT_EQ(std::get<std::string>(choices[0]), "a");
  EXPECT_EQ(std::get<int64_t>(choices[1]), 3);
  EXPECT_EQ(std::get<double>(choices[2]), 0.5);
  EXPECT_EQ(std::get<bool>(choices[3]), true);
}

TEST(StudyFile, BudgetKeys) {
  StudySpec spec = parse_ok(std::string(kMinimal) + R"([budget]
max_wall = 90
convergence = 5
convergence_tolerance = 0.05
concurrency = 4
)");
  EXPECT_EQ(spec.completion.max_wall_s, 90.0);
  EXPECT_EQ(spec.completion.convergence, 5);
  EXPECT_EQ(spec.completion.convergence_tolerance, 0.05);
  EXPECT_EQ(spec.concurrency, 4);
}

TEST(StudyFile, CommandTrialWithEnvAndCwd) {
  StudySpec spec = parse_ok(R"([study]
name = "cmd.study_1"
direction = "minimize"
[search]
sampler = "random"
seed = 0
[search.space]
x = { type = "float", low = 0.0, high = 1.0 }
[trial]
command = ["python3", "train.py", "--x", "{x}"]
env = { OMP_NUM_THREADS = "4", EMPTY = "" }
cwd = "work"
timeout = 1.5
grace = 0
)");
  EXPECT_TRUE(spec.trial.trainer.empty());
  EXPECT_EQ(spec.trial.command, (std::vector<std::string>{"python3", "train.py", "--x", "{x}"}));
  EXPECT_EQ(spec.trial.env,
            (std::map<std::string, std::string>{{"OMP_NUM_THREADS", "4"}, {"EMPTY", ""}}));
  EXPECT_EQ(spec.trial.cwd, "work");
  EXPECT_EQ(spec.trial.timeout_s, 1.5);
  EXPECT_EQ(spec.trial.grace_s, 0.0);
  EXPECT_EQ(spec.search.sampler, "random");
  EXPECT_EQ(spec.search.seed, 0u);
}

TEST(StudyFile, GridSamplerAndEmptyWarmStart) {
  StudySpec spec =
      parse_ok(std::string(kMinimal) + "[search]\nsampler = \"grid\"\nwarm_start = []\n");
  EXPECT_EQ(spec.search.sampler, "grid");
}

TEST(StudyFile, PrunerNoneIsAccepted) {
  parse_ok(std::string(kMinimal) + "[pruner]\nkind = \"none\"\n");
}

TEST(StudyFile, ToJsonHoldsEverything) {
  auto spec = load_study_file(design_example_path());
  ASSERT_TRUE(spec.has_value()) << spec.error().message;
  nlohmann::json j = spec->to_json();
  EXPECT_EQ(j["name"], "breast-cancer-xgb");
  EXPECT_EQ(j["direction"], "maximize");
  EXPECT_EQ(j["metric"], "val_auc");
  EXPECT_EQ(j["completion"]["target"], 0.99);
  EXPECT_EQ(j["completion"]["max_wall_s"], 1800.0);
  EXPECT_TRUE(j["completion"]["convergence"].is_null());
  EXPECT_EQ(j["concurrency"], 1);
  EXPECT_EQ(j["search"]["sampler"], "qmc");
  EXPECT_EQ(j["search"]["seed"], 7);
  EXPECT_EQ(j["search"]["space"], spec->search.space.to_json());
  EXPECT_EQ(j["search"]["param_order"], (nlohmann::json{"eta", "max_depth", "booster"}));
  EXPECT_EQ(j["trial"]["timeout_s"], 600.0);
  EXPECT_EQ(j["trial"]["grace_s"], 30.0);
  EXPECT_EQ(j["path"], design_example_path());
}

TEST(StudyFile, JsonRoundTrips) {
  auto loaded = load_study_file(design_example_path());
  ASSERT_TRUE(loaded.has_value()) << loaded.error().message;
  loaded->trial.env = {{"A", "1"}};
  auto back = study_spec_from_json(loaded->to_json());
  ASSERT_TRUE(back.has_value()) << back.error().message;
  EXPECT_EQ(back->to_json(), loaded->to_json());
  EXPECT_EQ(back->direction, Direction::kMaximize);
  EXPECT_EQ(param_names(*back), (std::vector<std::string>{"eta", "max_depth", "booster"}));
}

TEST(StudyFile, JsonWithAMissingFieldIsRefused) {
  nlohmann::json j = parse_ok(kMinimal).to_json();
  j["trial"].erase("grace_s");
  auto back = study_spec_from_json(j);
  ASSERT_FALSE(back.has_value());
  EXPECT_EQ(back.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(back.error().message.find("grace_s"), std::string::npos) << back.error().message;
}

TEST(StudyFile, SamplerJson) {
  StudySpec spec = parse_ok(std::string(kMinimal) + "[search]\nsampler = \"random\"\n");
  EXPECT_EQ(spec.sampler_json(42), (nlohmann::json{{"name", "random"}, {"seed", 42}}));
}

TEST(StudyFile, MultivariateTpe) {
  StudySpec spec =
      parse_ok(std::string(kMinimal) + "[search]\nsampler = \"tpe\"\nmultivariate = true\n");
  EXPECT_EQ(spec.search.sampler, "tpe");
  EXPECT_TRUE(spec.search.multivariate);
  EXPECT_EQ(spec.sampler_json(3),
            (nlohmann::json{{"name", "tpe"}, {"seed", 3}, {"multivariate", true}}));
  auto back = study_spec_from_json(spec.to_json());
  ASSERT_TRUE(back.has_value()) << back.error().message;
  EXPECT_TRUE(back->search.multivariate);
  // Specs stored before the key existed read as independent TPE.
  nlohmann::json old = spec.to_json();
  old["search"].erase("multivariate");
  EXPECT_FALSE(study_spec_from_json(old)->search.multivariate);
  StudySpec plain = parse_ok(std::string(kMinimal) + "[search]\nsampler = \"tpe\"\n");
  EXPECT_FALSE(plain.search.multivariate);
  EXPECT_EQ(plain.sampler_json(3), (nlohmann::json{{"name", "tpe"}, {"seed", 3}}));
}

TEST(StudyFile, LoadMissingFile) {
  auto spec = load_study_file("/nonexistent/dir/study.toml");
  ASSERT_FALSE(spec.has_value());
  EXPECT_EQ(spec.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(spec.error().message,
            "cannot read study file \"/nonexistent/dir/study.toml\": No such file or directory");
}

TEST(StudyFile, LoadDirectory) {
  testing::TempDir dir;
  auto spec = load_study_file(dir.path().string());
  ASSERT_FALSE(spec.has_value());
  EXPECT_EQ(spec.error().message,
            "cannot read study file \"" + dir.path().string() + "\": Is a directory");
}

TEST(StudyFile, LoadNamesTheFileInErrors) {
  testing::TempDir dir;
  std::string path = dir.file("bad.toml");
  testing::write_file(path, "[study]\nname = 3\n");
  auto spec = load_study_file(path);
  ASSERT_FALSE(spec.has_value());
  EXPECT_EQ(spec.error().message, path + ":2:8: [study] name: expected a string, got integer 3");
}

}  // namespace
}  // namespace greentune

namespace greentune {
namespace {

const char* kCommandStudy = R"toml([study]
name = "cmd"
direction = "minimize"
metric = "val_loss"

[search.space]
lr = { type = "float", low = 1e-4, high = 0.1, log = true }

[trial]
command = ["python3", "train.py", "--lr", "{lr}"]
monitor_interval = "2s"
log_max_bytes = 4096

[[trial.metric_regex]]
name = "val_loss"
regex = "val_loss=([0-9.]+)"
)toml";

TEST(StudyFileTrial, CommandMetricRegexAndMonitoring) {
  auto spec = parse_study_file(kCommandStudy, "study.toml");
  ASSERT_TRUE(spec) << spec.error().message;
  EXPECT_EQ(spec->trial.command, (std::vector<std::string>{"python3", "train.py", "--lr", "{lr}"}));
  ASSERT_EQ(spec->trial.metric_regex.size(), 1u);
  EXPECT_EQ(spec->trial.metric_regex[0].name, "val_loss");
  EXPECT_EQ(spec->trial.metric_regex[0].regex, "val_loss=([0-9.]+)");
  EXPECT_EQ(spec->trial.monitor_interval_s, 2.0);
  EXPECT_EQ(spec->trial.log_max_bytes, 4096);
  auto j = spec->to_json();
  EXPECT_EQ(j["trial"]["metric_regex"][0]["regex"], "val_loss=([0-9.]+)");
}

TEST(StudyFileTrial, MetricRegexNeedsNameAndRegex) {
  std::string text = kCommandStudy;
  text.replace(text.find("name = \"val_loss\"\n"), 18, "");
  auto spec = parse_study_file(text, "study.toml");
  ASSERT_FALSE(spec);
  EXPECT_EQ(spec.error().message,
            "study.toml:14:1: [trial] metric_regex[0]: needs exactly name = \"...\" and regex = "
            "\"...\" (non-empty), e.g. { name = \"val_loss\", regex = \"val_loss=([0-9.eE+-]+)\" }");
}

}  // namespace
}  // namespace greentune
