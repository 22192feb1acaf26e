// The view of a study (what the HTML report and the dashboard draw): which trials are
// plotted, the Pareto front, stop reasons, and that a 100,000-trial study stays small.
#include "report/study_views.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "greentune/space.hpp"

namespace greentune {
namespace {

using nlohmann::json;

Trial trial(int64_t number, TrialState state, std::optional<double> value) {
  Trial t;
  t.id = 1000 + number;
  t.number = number;
  t.state = state;
  t.value = value;
  t.started = 100.0 + static_cast<double>(number);
  t.finished = *t.started + 0.5;
  return t;
}

bool ascending_unique(const std::vector<size_t>& v) {
  return std::adjacent_find(v.begin(), v.end(), std::greater_equal<>()) == v.end();
}

TEST(PickTrials, AllOfThemWhenTheyFit) {
  EXPECT_EQ(pick_trials(5, {3}, 10), (std::vector<size_t>{0, 1, 2, 3, 4}));
  EXPECT_TRUE(pick_trials(0, {}, 10).empty());
}

TEST(PickTrials, KeepsTheKeptTheEndsAndSpacesTheRest) {
  const std::vector<size_t> picked = pick_trials(1000, {37, 512, 5000}, 10);
  EXPECT_LE(picked.size(), 10U);
  EXPECT_GE(picked.size(), 8U);
  EXPECT_TRUE(ascending_unique(picked));
  for (size_t must : {size_t{0}, size_t{37}, size_t{512}, size_t{999}}) {
    EXPECT_TRUE(std::binary_search(picked.begin(), picked.end(), must)) << must;
  }
  EXPECT_LT(picked.back(), 1000U);  // 5000 is not a trial
}

TEST(PickTrials, MoreToKeepThanRoomKeepsEvenlySpacedOnesWithBothEnds) {
  std::vector<size_t> keep(500);
  for (size_t i = 0; i < keep.size(); ++i) keep[i] = 2 * i + 1;  // 1, 3, ..., 999
  const std::vector<size_t> picked = pick_trials(1000, keep, 50);
  EXPECT_EQ(picked.size(), 50U);
  EXPECT_TRUE(ascending_unique(picked));
  EXPECT_EQ(picked.front(), 1U);
  EXPECT_EQ(picked.back(), 999U);
  for (size_t i : picked) EXPECT_EQ(i % 2, 1U) << i;  // only kept ones: no room for others
}

// Energy (J) and value of each trial, by hand:
//   #0  10 J  5   front (cheapest with 5)
//   #1  20 J  3   front
//   #2  15 J  6   dominated by #0 (less energy, better value)
//   #3  30 J  3   dominated by #1 (less energy, same value)
//   #4   5 J  9   front (cheapest of all)
//   #5   0 J  1   no energy measured: left out
//   #6   8 J  0.1 pruned: left out
//   #7  10 J  4   front (same energy as #0, better value: #0 is dominated)
TEST(ParetoFront, MinimizeByHand) {
  std::vector<Trial> trials = {trial(0, TrialState::kComplete, 5.0),  trial(1, TrialState::kComplete, 3.0),
                               trial(2, TrialState::kComplete, 6.0),  trial(3, TrialState::kComplete, 3.0),
                               trial(4, TrialState::kComplete, 9.0),  trial(5, TrialState::kComplete, 1.0),
                               trial(6, TrialState::kPruned, 0.1),    trial(7, TrialState::kComplete, 4.0)};
  const std::vector<double> joules = {10, 20, 15, 30, 5, 0, 8, 10};
  EXPECT_EQ(pareto_front(trials, joules, Direction::kMinimize), (std::vector<size_t>{4, 7, 1}));
}

TEST(ParetoFront, MaximizeByHand) {
  // Maximizing the same values: #4 (5 J, 9) beats everything that costs more, but for
  // #8 (40 J, 12).
  std::vector<Trial> trials = {trial(0, TrialState::kComplete, 5.0), trial(1, TrialState::kComplete, 3.0),
                               trial(2, TrialState::kComplete, 6.0), trial(3, TrialState::kComplete, 9.0),
                               trial(4, TrialState::kComplete, 9.0), trial(5, TrialState::kFailed, std::nullopt),
                               trial(6, TrialState::kComplete, 12.0)};
  const std::vector<double> joules = {10, 20, 15, 30, 5, 1, 40};
  EXPECT_EQ(pareto_front(trials, joules, Direction::kMaximize), (std::vector<size_t>{4, 6}));
}

TEST(StopReasons, FirstStopVerdictThenTheEndingEvent) {
  auto event = [](int64_t trial_id, const char* kind, const char* action, const char* message) {
    Event e;
    e.trial_id = trial_id;
    e.kind = kind;
    e.message = message;
    if (action != nullptr) e.data = {{"action", action}, {"source", "pruner:asha"}};
    return e;
  };
  const auto reasons = stop_reasons({event(1, "verdict", "warn", "only a warning"),
                                     event(1, "verdict", "stop", "asha: not in the top 1/3"),
                                     event(1, "verdict", "stop", "a later one"),
                                     event(1, "trial_stopped", nullptr, "stopped"),
                                     event(2, "trial_failed", nullptr, "exit code 3"),
                                     event(3, "verdict", "warn", "low GPU use")});
  EXPECT_EQ(reasons.size(), 2U);
  EXPECT_EQ(reasons.at(1), "asha: not in the top 1/3");
  EXPECT_EQ(reasons.at(2), "exit code 3");
}

// A study of n trials of x in [0, 1] and a categorical, values from a fixed LCG (a few
// improvements), every 7th pruned with intermediate values and a stop verdict.
StudyData big_study(size_t n, bool always_improving = false) {
  StudyData data;
  data.record.id = 1;
  data.record.name = "big";
  data.record.direction = Direction::kMinimize;
  auto space = SearchSpace::create(
      {{"x", FloatDistribution{0.0, 1.0}},
       {"kind", CategoricalDistribution{{std::string("a"), std::string("b")}}}});
  EXPECT_TRUE(space.has_value());
  data.record.space = space->to_json();
  data.now = 1e6;
  uint64_t state = 12345;
  for (size_t i = 0; i < n; ++i) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    const double u = static_cast<double>(state >> 11) / 9007199254740992.0;
    const bool pruned = !always_improving && i % 7 == 3;
    Trial t = trial(static_cast<int64_t>(i), pruned ? TrialState::kPruned : TrialState::kComplete,
                    always_improving ? 1e6 - static_cast<double>(i) : u);
    t.params = {{"x", u}, {"kind", std::string(i % 2 ? "a" : "b")}};
    if (pruned) {
      t.value.reset();
      for (int64_t s = 1; s <= 300; ++s) t.intermediate["value"].push_back({s, u + 1.0 / s});
      Event e;
      e.trial_id = t.id;
      e.kind = "verdict";
      e.message = "stopped at step 300";
      e.data = {{"action", "stop"}, {"source", "pruner:median"}};
      data.events.push_back(e);
    }
    data.energy[t.id] = {{"cpu", 1.0 + u, "model"}, {"dram", 0.1, "model"}};
    data.trials.push_back(std::move(t));
  }
  return data;
}

std::set<int64_t> numbers_in(const json& column) {
  std::set<int64_t> out;
  for (const auto& n : column) out.insert(n.get<int64_t>());
  return out;
}

TEST(StudyView, HundredThousandTrialsStayBoundedAndKeepEveryImprovement) {
  const StudyData data = big_study(100000);
  const ViewOptions o;
  const json view = study_view_json(data, o);
  const json& trials = view["trials"];
  EXPECT_EQ(trials["total"], 100000);
  EXPECT_LE(trials["shown"].get<size_t>(), o.max_points);
  EXPECT_TRUE(trials["downsampled"].get<bool>());
  const std::set<int64_t> shown = numbers_in(trials["columns"]["number"]);
  EXPECT_TRUE(shown.count(0) && shown.count(99999));
  // Every improvement of the best is drawn, in the history and among the trials.
  std::optional<double> best;
  size_t improvements = 0;
  for (const Trial& t : data.trials) {
    if (t.state != TrialState::kComplete || (best && *t.value >= *best)) continue;
    best = t.value;
    ++improvements;
    EXPECT_TRUE(shown.count(t.number)) << "improvement at trial " << t.number;
  }
  EXPECT_GT(improvements, 3U);
  EXPECT_EQ(view["history"]["best"].size(), improvements + 1);  // and the last trial
  for (const auto& f : view["pareto"]["front"]) EXPECT_TRUE(shown.count(f[2].get<int64_t>()));
  // Every series is bounded, whatever the number of trials.
  EXPECT_LE(view["curves"]["curves"].size(), o.max_curves);
  EXPECT_EQ(view["curves"]["trials_with_values"], data.trials.size() / 7 + 1);
  for (const auto& c : view["curves"]["curves"]) {
    EXPECT_LE(c["points"].size(), o.max_curve_points);
    EXPECT_EQ(c["stop_reason"], "stopped at step 300");
  }
  EXPECT_LE(view["parallel"]["rows"].size(), o.max_parallel);
  EXPECT_LE(view["carbon_vs_best"]["points"].size(), o.max_points);
  EXPECT_LE(view["rules"]["recent"].size(), o.max_verdicts);
  EXPECT_EQ(view["rules"]["total"], data.trials.size() / 7 + 1);
  for (const auto& [name, values] : view["energy"]["series"].items()) {
    EXPECT_EQ(values.size(), trials["shown"].get<size_t>()) << name;
  }
  EXPECT_EQ(view["importance"]["params"].size(), 2U);
  EXPECT_LT(view.dump().size(), size_t{2} << 20) << "a view of a few hundred kilobytes";
}

TEST(StudyView, AStudyThatAlwaysImprovesIsStillBounded) {
  const StudyData data = big_study(20000, /*always_improving=*/true);
  ViewOptions o;
  o.max_points = 300;
  const json view = study_view_json(data, o);
  EXPECT_LE(view["trials"]["shown"].get<size_t>(), o.max_points);
  EXPECT_LE(view["history"]["best"].size(), o.max_points + 1);
  EXPECT_LE(view["pareto"]["front"].size(), o.max_points);
  EXPECT_LE(view["carbon_vs_best"]["points"].size(), o.max_points);
  const std::set<int64_t> shown = numbers_in(view["trials"]["columns"]["number"]);
  EXPECT_TRUE(shown.count(0) && shown.count(19999));
  EXPECT_EQ(view["history"]["best"].back()[0], 19999);
}

TEST(StudyView, ParamsAreColumnsAndCategoricalsText) {
  const StudyData data = big_study(30);
  const json view = study_view_json(data);
  const json& cols = view["trials"]["columns"];
  ASSERT_EQ(cols["number"].size(), 30U);
  EXPECT_EQ(cols["params"]["kind"][1], "a");
  EXPECT_TRUE(cols["params"]["x"][0].is_number());
  EXPECT_EQ(cols["stop_reason"][3], "stopped at step 300");
  EXPECT_TRUE(cols["stop_reason"][0].is_null());
  EXPECT_EQ(view["space"][1]["choices"], json({"a", "b"}));
  EXPECT_EQ(view["study"]["name"], "big");
}

}  // namespace
}  // namespace greentune
