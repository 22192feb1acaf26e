#include <gtest/gtest.h>

#include "greentune/ladder.hpp"

namespace greentune {
namespace {

const std::string kShared = R"([ladder]
name = "lad"
min_gain_per_kwh = 5.0

[study]
direction = "maximize"
metric = "accuracy"
target = 0.9

[data]
path = "d.csv"
target = "y"
task = "classification"
)";

TEST(LadderFile, RungsOverTheSharedSections) {
  auto l = parse_ladder_file(kShared + R"(
[[rung]]
name = "base"
trial.trainer = "constant"
budget.max_trials = 1
search.space.strategy = { type = "categorical", choices = ["prior"] }

[[rung]]
name = "lin"
[rung.trial]
trainer = "linear"
[rung.search.space]
C = { type = "float", low = 0.01, high = 10.0, log = true }
[rung.budget]
max_trials = 6
[rung.study]
target = 0.95
)", "l.toml");
  ASSERT_TRUE(l) << l.error().message;
  EXPECT_EQ(l->name, "lad");
  EXPECT_EQ(l->min_gain_per_kwh, 5.0);
  ASSERT_EQ(l->rungs.size(), 2u);
  EXPECT_EQ(l->rungs[0].name, "base");
  EXPECT_EQ(l->rungs[0].study.name, "lad.base");
  EXPECT_EQ(l->rungs[0].study.trial.trainer, "constant");
  EXPECT_EQ(l->rungs[0].study.completion.max_trials, 1);
  EXPECT_EQ(l->rungs[1].study.name, "lad.lin");
  EXPECT_EQ(l->rungs[1].study.completion.max_trials, 6);
  EXPECT_EQ(l->rungs[1].study.completion.target, 0.95);  // the rung's [study] over the shared
  EXPECT_EQ(l->rungs[0].study.completion.target, 0.9);
  ASSERT_TRUE(l->rungs[1].study.data);
  EXPECT_EQ(l->rungs[1].study.data->target, "y");
  EXPECT_EQ(l->rungs[1].study.search.space.params()[0].name, "C");
  EXPECT_TRUE(l->notes.empty());
}

TEST(LadderFile, DefaultLadderByTask) {
  auto l = parse_ladder_file(kShared, "l.toml");
  ASSERT_TRUE(l) << l.error().message;
  ASSERT_EQ(l->rungs.size(), 5u);
  EXPECT_EQ(l->rungs[0].name, "constant");
  EXPECT_EQ(l->rungs[1].name, "linear");
  EXPECT_EQ(l->rungs[2].name, "xgboost-small");
  EXPECT_EQ(l->rungs[3].name, "xgboost-large");
  EXPECT_EQ(l->rungs[4].name, "mlp");
  EXPECT_EQ(l->rungs[4].study.trial.trainer, "mlp");
  EXPECT_EQ(l->rungs[3].study.pruner.kind, "asha");
  EXPECT_EQ(l->rungs[1].study.search.space.params()[0].name, "C");
  ASSERT_EQ(l->notes.size(), 1u);
  std::string regression = kShared;
  regression.replace(regression.find("\"classification\""), 16, "\"regression\"");
  regression.replace(regression.find("\"accuracy\""), 10, "\"r2\"");
  auto r = parse_ladder_file(regression, "l.toml");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->rungs[1].study.search.space.params()[0].name, "alpha");
}

std::string error_of(const std::string& text) {
  auto l = parse_ladder_file(text, "l.toml");
  EXPECT_FALSE(l);
  if (l) return "";
  EXPECT_EQ(l.error().code, ErrorCode::kInvalidArgument);
  return l.error().message;
}

TEST(LadderFile, ErrorsNameTheLineInTheLadderFile) {
  EXPECT_EQ(error_of("[study]\ndirection = \"maximize\"\n"),
            "l.toml:1:1: [ladder] is required; add it with name = \"...\" (and min_gain_per_kwh)");
  EXPECT_EQ(error_of(kShared + "[[rung]]\ntrial.trainer = \"linear\"\n"),
            "l.toml:14:1: [[rung]] 1: needs name = \"...\" (e.g. \"linear\")");
  EXPECT_EQ(error_of(kShared + "[[rung]]\nname = \"a\"\n[rung.trail]\ntrainer = \"linear\"\n"),
            "l.toml:16:1: [trail]: unknown section; did you mean [trial]?");
  EXPECT_EQ(error_of(kShared + "[[rung]]\nname = \"a\"\ntrial.trainer = \"linear\"\n"
                               "search.space.C = { type = \"float\", low = 1.0, high = 0.5 }\n"),
            "l.toml:17:14: [search.space] C: low (1) must be less than high (0.5)");
  EXPECT_NE(error_of(kShared + "[[rung]]\nname = \"a\"\nstudy.name = \"x\"\n").find(
                "[study] name: a ladder names its rungs' studies itself"),
            std::string::npos);
  EXPECT_NE(error_of("[ladder]\nname = \"l\"\nmin_gain_per_kwh = -1\n").find("a number >= 0"),
            std::string::npos);
  std::string two = kShared + "[[rung]]\nname = \"a\"\ntrial.trainer = \"constant\"\n"
                    "search.space.strategy = { type = \"categorical\", choices = [\"prior\"] }\n";
  EXPECT_NE(error_of(two + two.substr(kShared.size())).find("the name \"a\" is taken"), std::string::npos);
}

}  // namespace
}  // namespace greentune
