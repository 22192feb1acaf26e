// [search] warm_start, space hints and resume checks, end to end: the real binary on a
// real SQLite file.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "testing/test_helpers.hpp"

namespace greentune {
namespace {

using testing::CommandResult;
using testing::file_bytes_or_empty;
using testing::run_command;

// A study file on Branin; {name}, {sampler}, {trials} and {extra} (more [search] lines)
// are filled in.
std::string study_text(const std::string& name, const std::string& sampler, int trials,
                       const std::string& extra = "", const std::string& metric = "value") {
  return fmt::format(R"([study]
name = "{}"
direction = "minimize"
metric = "{}"

[budget]
max_trials = {}

[search]
sampler = "{}"
seed = 5
{}
[search.space]
x1 = {{ type = "float", low = -5.0, high = 10.0 }}
x2 = {{ type = "float", low = 0.0, high = 15.0 }}

[trial]
trainer = "function:branin"
)",
                     name, metric, trials, sampler, extra);
}

class WarmStartCliTest : public ::testing::Test {
 protected:
  std::string db() const { return dir_.file("s.db"); }
  CommandResult gt(std::vector<std::string> args) {
    args.insert(args.begin(), testing::greentune_binary());
    args.push_back("--storage");
    args.push_back("sqlite:///" + db());
    return run_command(args, dir_.path().string());
  }
  CommandResult tune(const std::string& file, const std::string& text,
                     std::vector<std::string> more = {}) {
    testing::write_file(dir_.file(file), text);
    std::vector<std::string> args = {"tune", file};
    args.insert(args.end(), more.begin(), more.end());
    return gt(args);
  }
  nlohmann::json trials_json(const std::string& study) {
    auto r = gt({"trials", "--study", study, "--json"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return nlohmann::json::parse(r.out)["trials"];
  }
  std::string snapshot() {
    return gt({"studies", "--json"}).out + file_bytes_or_empty(db()) +
           file_bytes_or_empty(db() + "-wal");
  }
  // A parent of 20 qmc trials.
  void run_parent() {
    auto r = tune("parent.toml", study_text("parent", "qmc", 20));
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  // Runs `text`; expects exit 2, exactly `message`, and storage as it was.
  void expect_refused(const std::string& text, const std::string& message) {
    std::string before = snapshot();
    auto r = tune("child.toml", text);
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_EQ(r.err, "greentune: error: " + message + "\n");
    EXPECT_EQ(snapshot(), before);
  }

  testing::TempDir dir_;
};

TEST_F(WarmStartCliTest, ChildLearnsFromParentButCountsOnlyItsOwnTrials) {
  run_parent();
  auto r =
      tune("child.toml", study_text("child", "tpe", 3, "warm_start = [\"parent\"]\n"), {"--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("warm start from \"parent\": 20 of 20 finished trials\n"), std::string::npos)
      << r.err;
  auto summary = nlohmann::json::parse(r.out);
  EXPECT_EQ(summary["n_trials"], 3);
  EXPECT_EQ(summary["stopped_because"], "max_trials");
  auto trials = trials_json("child");
  ASSERT_EQ(trials.size(), 3u);
  for (size_t i = 0; i < trials.size(); ++i) EXPECT_EQ(trials[i]["number"], i);
  // The parent is untouched.
  EXPECT_EQ(trials_json("parent").size(), 20u);
  // With 20 observations TPE skips its Sobol startup: the child's first trial is not
  // the one a cold study with the same seed starts with.
  ASSERT_EQ(tune("cold.toml", study_text("cold", "tpe", 1)).exit_code, 0);
  EXPECT_NE(trials_json("cold")[0]["params"], trials[0]["params"]);
}

// `greentune ask` in a fresh process continues a warm-started study exactly as `tune`
// would have.
TEST_F(WarmStartCliTest, AskContinuesLikeTune) {
  run_parent();
  std::string extra = "warm_start = [\"parent\"]\n";
  ASSERT_EQ(tune("a.toml", study_text("via-tune", "auto", 4, extra)).exit_code, 0);
  ASSERT_EQ(tune("b.toml", study_text("via-ask", "auto", 1, extra)).exit_code, 0);
  auto tuned = trials_json("via-tune");
  ASSERT_EQ(tuned.size(), 4u);
  EXPECT_EQ(trials_json("via-ask")[0]["params"], tuned[0]["params"]);
  for (int i = 1; i < 4; ++i) {
    auto a = gt({"ask", "--study", "via-ask"});
    ASSERT_EQ(a.exit_code, 0) << a.err;
    auto j = nlohmann::json::parse(a.out);
    EXPECT_EQ(j["trial"], i);
    EXPECT_EQ(j["params"], tuned[i]["params"]) << i;
    auto t = gt({"tell", "--study", "via-ask", "--trial", std::to_string(i), "--value",
                 tuned[i]["value"].dump()});
    ASSERT_EQ(t.exit_code, 0) << t.err;
  }
}

TEST_F(WarmStartCliTest, BadParentsAreRefusedWithNothingWritten) {
  run_parent();
  ASSERT_EQ(tune("loss.toml", study_text("loss", "qmc", 2, "", "loss")).exit_code, 0);
  expect_refused(study_text("child", "tpe", 3, "warm_start = [\"parent\", \"nope\"]\n"),
                 "child.toml:12:14: [search] warm_start: no study named \"nope\" in this storage "
                 "to warm start from; `greentune studies` lists the studies there");
  expect_refused(study_text("child", "tpe", 3, "warm_start = [\"loss\"]\n"),
                 "child.toml:12:14: [search] warm_start: parent study \"loss\" optimises metric "
                 "\"loss\", this study \"value\"; a warm-start parent must have the same metric "
                 "and direction");
  expect_refused(study_text("child", "tpe", 3, "warm_start = [\"child\"]\n"),
                 "child.toml:12:14: [search] warm_start: \"child\" is this study itself; warm "
                 "start from earlier studies");
}

TEST_F(WarmStartCliTest, SamplersWithoutAModelSaySoAndStillCheckParents) {
  run_parent();
  auto r = tune("child.toml", study_text("child", "random", 2, "warm_start = [\"parent\"]\n"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("note: sampler random does not learn from earlier trials, so "
                       "warm_start only checks its parents"),
            std::string::npos)
      << r.err;
}

// Resuming with another sampler option or other parents would change the sequence the
// stored trials came from: refused, the study as it was.
TEST_F(WarmStartCliTest, ResumeWithOtherSamplerOptionsOrParentsIsRefused) {
  run_parent();
  ASSERT_EQ(tune("child.toml", study_text("child", "tpe", 3)).exit_code, 0);
  expect_refused(study_text("child", "tpe", 6, "multivariate = true\n"),
                 "child.toml: study \"child\" already exists in this storage with sampler options "
                 "{\"name\":\"tpe\",\"seed\":5}, but the file says "
                 "{\"multivariate\":true,\"name\":\"tpe\",\"seed\":5}; give the study a new name "
                 "([study] name or --study) to start afresh");
  expect_refused(study_text("child", "tpe", 6, "warm_start = [\"parent\"]\n"),
                 "child.toml: study \"child\" already exists in this storage with warm_start [], "
                 "but the file says [\"parent\"]; give the study a new name ([study] name or "
                 "--study) to start afresh");
  // The same file is accepted (the study has ended: nothing to do).
  auto r = tune("child.toml", study_text("child", "tpe", 3));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("already finished"), std::string::npos) << r.err;
}

TEST_F(WarmStartCliTest, WideLinearRangeGetsAHintFromTune) {
  std::string text = study_text("hinted", "qmc", 1);
  std::string from = "low = 0.0, high = 15.0";
  text.replace(text.find(from), from.size(), "low = 0.001, high = 15.0");
  auto r = tune("hinted.toml", text);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("hinted.toml:15:1: [search.space] x2: hint: [0.001, 15] spans 4 decades "
                       "but is searched on a linear scale (9 trials in 10 land in the top "
                       "decade); log = true or scale = \"auto\" searches each decade alike\n"),
            std::string::npos)
      << r.err;
}

}  // namespace
}  // namespace greentune
