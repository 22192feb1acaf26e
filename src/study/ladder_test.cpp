#include <gtest/gtest.h>

#include "greentune/ladder.hpp"

namespace greentune {
namespace {

LadderSpec ladder(double min_gain, std::optional<double> target, size_t rungs = 4) {
  LadderSpec l;
  l.name = "l";
  l.min_gain_per_kwh = min_gain;
  for (size_t i = 0; i < rungs; ++i) {
    RungSpec r;
    r.name = "r" + std::to_string(i);
    r.study.direction = Direction::kMaximize;
    r.study.metric = "accuracy";
    r.study.completion.target = target;
    l.rungs.push_back(r);
  }
  return l;
}

RungResult rung(const std::string& name, std::optional<double> best, double kwh) {
  RungResult r;
  r.name = name;
  r.best = best;
  r.kwh = kwh;
  return r;
}

TEST(Ladder, ClimbsUntilTheTargetIsMet) {
  LadderSpec l = ladder(1.0, 0.9);
  std::vector<RungResult> r = {rung("r0", 0.5, 0.001)};
  EXPECT_TRUE(climb_decision(l, r).climb);
  r.push_back(rung("r1", 0.85, 0.01));
  EXPECT_TRUE(climb_decision(l, r).climb);
  EXPECT_NEAR(*r[1].gain_per_kwh, 35.0, 1e-9);  // 0.35 / 0.01 kWh
  r.push_back(rung("r2", 0.92, 0.02));
  auto d = climb_decision(l, r);
  EXPECT_FALSE(d.climb);
  EXPECT_EQ(d.why, "rung 3 (r2) met the target 0.9");
  auto [index, why] = recommend(l, r);
  EXPECT_EQ(index, 2u);
  EXPECT_EQ(why, "r2 is the simplest rung that meets the target (0.92 vs 0.9)");
}

TEST(Ladder, StopsWhenTheGainDoesNotPayForItsEnergy) {
  LadderSpec l = ladder(10.0, 0.99);
  std::vector<RungResult> r = {rung("r0", 0.5, 0.001), rung("r1", 0.9, 0.01), rung("r2", 0.905, 0.1)};
  auto d = climb_decision(l, r);
  EXPECT_FALSE(d.climb);
  EXPECT_NE(d.why.find("gained 0.05 per kWh over the rungs below, under min_gain_per_kwh = 10"),
            std::string::npos)
      << d.why;
  auto [index, why] = recommend(l, r);
  EXPECT_EQ(index, 1u);  // r2 is better but did not pay
  EXPECT_NE(why.find("no rung met the target; r1"), std::string::npos);
}

TEST(Ladder, GainIsOverTheBestRungBelowAndRespectsTheDirection) {
  LadderSpec l = ladder(0.0, std::nullopt);
  for (auto& rs : l.rungs) rs.study.direction = Direction::kMinimize;
  std::vector<RungResult> r = {rung("r0", 1.0, 1), rung("r1", 0.5, 1), rung("r2", 0.8, 2)};
  climb_decision(l, r);
  EXPECT_NEAR(*r[1].gain_per_kwh, 0.5, 1e-12);
  EXPECT_NEAR(*r[2].gain_per_kwh, -0.15, 1e-12);  // worse than r1, the best below
  std::vector<RungResult> all = r;
  all.push_back(rung("r3", 0.4, 1));
  auto d = climb_decision(l, all);
  EXPECT_EQ(d.why, "the top rung (r3) is reached without meeting the target");
  EXPECT_EQ(recommend(l, all).first, 3u);
}

TEST(Ladder, TableJsonAndText) {
  LadderSpec l = ladder(1.0, 0.9, 2);
  std::vector<RungResult> r = {rung("r0", 0.5, 0.001), rung("r1", 0.95, 0.002)};
  r[1].model_bytes = 1234;
  auto d = climb_decision(l, r);
  auto j = ladder_json(l, r, d);
  EXPECT_EQ(j["recommended"], "r1");
  EXPECT_EQ(j["rungs"].size(), 2u);
  EXPECT_EQ(j["rungs"][1]["model_bytes"], 1234);
  EXPECT_TRUE(j["rungs"][0]["gain_per_kwh"].is_null());
  EXPECT_EQ(j["rungs"][1]["met_target"], true);
  std::string text = ladder_text(l, r, d);
  EXPECT_NE(text.find("recommended  r1: r1 is the simplest rung that meets the target"), std::string::npos)
      << text;
  EXPECT_NE(text.find("gain/kWh"), std::string::npos);
}

}  // namespace
}  // namespace greentune
