// The model trainers through the real binary: the quickstart, make-data, a runs
// directory with the best model, and bad data refused with exit 2 before anything is
// written.
#include <filesystem>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "testing/test_helpers.hpp"

namespace greentune {
namespace {

namespace fs = std::filesystem;
using testing::CommandResult;
using testing::greentune_binary;
using testing::run_command;

class TrainersE2eTest : public ::testing::Test {
 protected:
  std::string db() const { return dir_.file("study.db"); }
  CommandResult gt(std::vector<std::string> args) {
    args.insert(args.begin(), greentune_binary());
    return run_command(args);
  }
  CommandResult tune(const std::string& study_file) {
    return gt({"tune", study_file, "--storage", "sqlite:///" + db(), "--runs-dir", dir_.file("runs")});
  }
  std::string write_study(const std::string& text) {
    std::string path = dir_.file("study.toml");
    testing::write_file(path, text);
    return path;
  }
  testing::TempDir dir_;
};

TEST_F(TrainersE2eTest, QuickstartTunesXgboostToItsTargetAndPrintsItsEnergy) {
  auto r = gt({"tune", std::string(GREENTUNE_SOURCE_DIR) + "/examples/quickstart.toml",
               "--storage", "sqlite:///" + db(), "--runs-dir", dir_.file("runs"), "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto summary = nlohmann::json::parse(r.out);
  EXPECT_EQ(summary["stopped_because"], "target") << r.out;
  EXPECT_GE(summary["best"]["value"].get<double>(), 0.9985);
  EXPECT_GT(summary["energy"]["kwh"].get<double>(), 0.0);
  EXPECT_GT(summary["co2e_g"].get<double>(), 0.0);
  // The best trial's model is kept.
  int64_t best = summary["best"]["trial"].get<int64_t>();
  fs::path model = fs::path(dir_.file("runs")) / "quickstart" / fmt::format("trial-{}", best) /
                   "checkpoint" / "model.ubj";
  EXPECT_TRUE(fs::exists(model)) << model;
}

TEST_F(TrainersE2eTest, LinearOnMadeDataWithFolds) {
  auto made = gt({"make-data", dir_.file("made.csv"), "--rows", "3000", "--features", "12",
                  "--classes", "3", "--seed", "4"});
  ASSERT_EQ(made.exit_code, 0) << made.err;
  auto r = tune(write_study(R"([study]
name = "made"
direction = "maximize"
metric = "balanced_accuracy"
[budget]
max_trials = 4
[search]
seed = 1
[search.space]
C = { type = "float", low = 0.001, high = 10.0, log = true }
[trial]
trainer = "linear"
[data]
path = "made.csv"
target = "y"
task = "classification"
folds = 3
)"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("trials     4 (4 complete"), std::string::npos) << r.out;
}

TEST_F(TrainersE2eTest, BadDataIsRefusedWithExit2AndNothingWritten) {
  testing::write_file(dir_.file("bad.csv"), "age,income,y\n31,1000,0\n40,n/a,1\n22,800,0\n");
  auto r = tune(write_study(R"([study]
name = "bad"
direction = "maximize"
metric = "accuracy"
[search.space]
max_depth = { type = "int", low = 2, high = 6 }
[trial]
trainer = "xgboost"
[data]
path = "bad.csv"
target = "y"
task = "classification"
)"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("study.toml:10:8: [data] path: "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("bad.csv:3: column \"income\" holds \"n/a\", which is not a number"),
            std::string::npos)
      << r.err;
  EXPECT_FALSE(fs::exists(db()));
  EXPECT_FALSE(fs::exists(dir_.file("runs")));
}

TEST_F(TrainersE2eTest, UnknownOptionAndWrongTypeAreRefusedWithExit2) {
  std::string head = fmt::format(R"([study]
name = "opts"
direction = "maximize"
metric = "accuracy"
[search.space]
eta = {{ type = "float", low = 0.01, high = 0.3 }}
[trial]
trainer = "xgboost"
[data]
path = "{}/data/datasets/iris.csv"
target = "species"
task = "classification"
[trainer]
)", GREENTUNE_SOURCE_DIR);
  auto unknown = tune(write_study(head + "n_estimators = 50\n"));
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.err.find("study.toml:14:16: [trainer] n_estimators: xgboost has no option "
                             "\"n_estimators\"; did you mean \"num_boost_round\"? (n_estimators in "
                             "xgboost's scikit-learn API)"),
            std::string::npos)
      << unknown.err;
  auto wrong = tune(write_study(head + "max_depth = 2.5\n"));
  EXPECT_EQ(wrong.exit_code, 2);
  EXPECT_NE(wrong.err.find("[trainer] max_depth: xgboost option \"max_depth\" takes an integer, got 2.5"),
            std::string::npos)
      << wrong.err;
  EXPECT_FALSE(fs::exists(db()));
}

}  // namespace
}  // namespace greentune

namespace greentune {
namespace {

TEST_F(TrainersE2eTest, LadderRecommendsTheSimplestRungThatMeetsTheTarget) {
  std::string ladder = std::string(GREENTUNE_SOURCE_DIR) + "/examples/ladder.toml";
  auto r = gt({"ladder", ladder, "--storage", "sqlite:///" + db(), "--runs-dir", dir_.file("runs"),
               "--json", "-q"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto table = nlohmann::json::parse(r.out);
  ASSERT_GE(table["rungs"].size(), 2u) << r.out;
  EXPECT_EQ(table["rungs"][0]["rung"], "constant");
  EXPECT_NEAR(table["rungs"][0]["best"].get<double>(), 0.5, 1e-9);  // priors: AUC 0.5
  // The recommendation is the first rung that met the target, and the ladder stopped there.
  size_t first_met = table["rungs"].size();
  for (size_t i = 0; i < table["rungs"].size(); ++i) {
    const auto& rung = table["rungs"][i];
    EXPECT_GT(rung["kwh"].get<double>(), 0.0) << rung;
    EXPECT_GT(rung["model_bytes"].get<double>(), 0.0) << rung;
    if (rung["met_target"].get<bool>() && first_met == table["rungs"].size()) first_met = i;
  }
  ASSERT_LT(first_met, table["rungs"].size()) << r.out;
  EXPECT_EQ(first_met + 1, table["rungs"].size());
  EXPECT_EQ(table["recommended"], table["rungs"][first_met]["rung"]);
  // Each rung is a study; the table is kept with the first.
  auto studies = gt({"studies", "--storage", "sqlite:///" + db()});
  EXPECT_NE(studies.out.find("breast-cancer.constant"), std::string::npos) << studies.out;
  EXPECT_NE(studies.out.find("breast-cancer.linear"), std::string::npos) << studies.out;
  // Again: every rung is finished, nothing runs, the same table.
  auto again = gt({"ladder", ladder, "--storage", "sqlite:///" + db(), "--runs-dir", dir_.file("runs"),
                   "--json", "-q"});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(nlohmann::json::parse(again.out)["recommended"], table["recommended"]);
}

TEST_F(TrainersE2eTest, BadLadderFileExits2) {
  testing::write_file(dir_.file("l.toml"), "[ladder]\nname = \"x\"\n[[rung]]\nname = \"a\"\n"
                                          "trial.trainer = \"constant\"\n");
  auto r = gt({"ladder", dir_.file("l.toml"), "--storage", "sqlite:///" + db()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("[study] direction: required; accepted: minimize, maximize"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace greentune
