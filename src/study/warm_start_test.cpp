// Warm start: parent trials reach the sampler as prior history, matched to the new space,
// and never become trials of the new study.
#include "greentune/warm_start.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "greentune/study.hpp"
#include "testing/test_helpers.hpp"
#include "trainers/functions.hpp"

namespace greentune {
namespace {

using nlohmann::json;
using nlohmann::ordered_json;

ordered_json branin_space(double x2_high = 15.0) {
  return {{"x1", {{"type", "float"}, {"low", -5.0}, {"high", 10.0}}},
          {"x2", {{"type", "float"}, {"low", 0.0}, {"high", x2_high}}}};
}

StudyRecord record(const std::string& name, const std::string& sampler,
                   std::vector<std::string> parents = {}) {
  StudyRecord r;
  r.name = name;
  r.space = branin_space();
  r.sampler = {{"name", sampler}, {"seed", 3}};
  r.spec = {{"search", {{"warm_start", parents}}}};
  return r;
}

double branin_of(const Params& p) {
  std::vector<double> x = {std::get<double>(p.at("x1")), std::get<double>(p.at("x2"))};
  return branin(x);
}

class WarmStartTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = open_storage("memory:");
    ASSERT_TRUE(s) << s.error().message;
    storage_ = std::move(*s);
  }

  Result<Study> create(StudyRecord r) {
    clock_.advance(1.0);
    return Study::create(*storage_, std::move(r), clock_.now());
  }

  // A parent of `n` qmc trials of Branin; returns its values.
  std::vector<double> run_parent(const std::string& name, int n) {
    auto study = create(record(name, "qmc"));
    EXPECT_TRUE(study) << study.error().message;
    std::vector<double> values;
    for (int i = 0; i < n; ++i) {
      clock_.advance(1.0);
      auto t = study->ask(clock_.now(), "");
      EXPECT_TRUE(t) << t.error().message;
      values.push_back(branin_of(t->params));
      EXPECT_TRUE(study->tell(t->number, TrialState::kComplete, values.back(), clock_.now()));
    }
    return values;
  }

  // Adds one finished trial with the given params to a study.
  void add_trial(Study& study, const Params& params, TrialState state, std::optional<double> v) {
    clock_.advance(1.0);
    ASSERT_TRUE(study.enqueue(params, clock_.now()));
    auto t = study.ask(clock_.now(), "");
    ASSERT_TRUE(t) << t.error().message;
    ASSERT_TRUE(study.tell(t->number, state, v, clock_.now()));
  }

  std::unique_ptr<Storage> storage_;
  testing::FakeClock clock_;
};

TEST_F(WarmStartTest, ParentTrialsAreThePriorNotTrialsOfTheChild) {
  run_parent("parent", 30);
  auto child = create(record("child", "tpe", {"parent"}));
  ASSERT_TRUE(child) << child.error().message;
  const WarmStart& warm = child->warm_start();
  ASSERT_EQ(warm.trials.size(), 30u);
  for (size_t i = 0; i < warm.trials.size(); ++i) {
    EXPECT_EQ(warm.trials[i].number, -static_cast<int64_t>(i) - 1);
    EXPECT_EQ(warm.trials[i].state, TrialState::kComplete);
  }
  ASSERT_EQ(warm.parents.size(), 1u);
  EXPECT_EQ(warm.parents[0].used, 30);
  EXPECT_EQ(warm.lines(),
            std::vector<std::string>{"warm start from \"parent\": 30 of 30 finished trials"});
  auto trials = child->trials();
  ASSERT_TRUE(trials);
  EXPECT_TRUE(trials->empty());
  auto first = child->ask(clock_.now(), "");
  ASSERT_TRUE(first);
  EXPECT_EQ(first->number, 0);  // numbering of the child is its own
  // A fresh handle (as `greentune ask` would open) sees the same prior.
  auto again = Study::load(*storage_, "child");
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(again->warm_start().trials.size(), 30u);
}

// With 30 parent observations the model skips its Sobol startup: the first suggestions
// of the child land where the parent found low values, and differ from a cold start's.
TEST_F(WarmStartTest, FirstSuggestionsFollowTheParentsBest) {
  std::vector<double> parent = run_parent("parent", 30);
  std::sort(parent.begin(), parent.end());
  double quartile = parent[parent.size() / 4];
  for (const char* sampler : {"tpe", "gp", "auto"}) {
    auto warm = create(record(fmt::format("warm-{}", sampler), sampler, {"parent"}));
    auto cold = create(record(fmt::format("cold-{}", sampler), sampler));
    ASSERT_TRUE(warm && cold);
    int good = 0;
    for (int i = 0; i < 5; ++i) {
      auto w = warm->ask(clock_.now(), "");
      auto c = cold->ask(clock_.now(), "");
      ASSERT_TRUE(w && c) << sampler;
      if (i == 0) {
        EXPECT_NE(w->params, c->params) << sampler;
      }
      double value = branin_of(w->params);
      good += value <= quartile;
      ASSERT_TRUE(warm->tell(w->number, TrialState::kComplete, value, clock_.now()));
      ASSERT_TRUE(cold->tell(c->number, TrialState::kComplete, branin_of(c->params), clock_.now()));
    }
    EXPECT_GE(good, 3) << sampler << ": of the first 5 warm-started trials, " << good
                       << " beat the parent's best quarter (" << quartile << ")";
  }
}

TEST_F(WarmStartTest, MismatchedTrialsAreDroppedWithCounts) {
  StudyRecord r = record("parent", "random");
  r.space = {{"x1", {{"type", "float"}, {"low", -5.0}, {"high", 10.0}}},
             {"x2", {{"type", "float"}, {"low", 0.0}, {"high", 30.0}}},
             {"extra", {{"type", "int"}, {"low", 1}, {"high", 3}}}};
  auto parent = create(r);
  ASSERT_TRUE(parent) << parent.error().message;
  add_trial(*parent, {{"x1", 1.0}, {"x2", 2.0}, {"extra", int64_t{2}}}, TrialState::kComplete, 5.0);
  add_trial(*parent, {{"x1", 1.0}, {"x2", 20.0}, {"extra", int64_t{2}}}, TrialState::kComplete,
            5.0);
  add_trial(*parent, {{"x1", 2.0}, {"x2", 3.0}, {"extra", int64_t{1}}}, TrialState::kPruned, 9.0);
  add_trial(*parent, {{"x1", 2.0}, {"x2", 3.0}, {"extra", int64_t{1}}}, TrialState::kPruned,
            std::nullopt);
  add_trial(*parent, {{"x1", 3.0}, {"x2", 3.0}, {"extra", int64_t{1}}}, TrialState::kFailed,
            std::nullopt);
  // A parent where x2 is categorical: strings are of another type for a float.
  StudyRecord other = record("other", "random");
  other.space = {{"x1", {{"type", "float"}, {"low", -5.0}, {"high", 10.0}}},
                 {"x2", {{"type", "categorical"}, {"choices", {"low", 4.5}}}}};
  auto typed = create(other);
  ASSERT_TRUE(typed) << typed.error().message;
  add_trial(*typed, {{"x1", 0.0}, {"x2", std::string("low")}}, TrialState::kComplete, 1.0);
  add_trial(*typed, {{"x1", 0.0}, {"x2", 4.5}}, TrialState::kComplete, 2.0);
  // A parent without x2 at all.
  StudyRecord narrow = record("narrow", "random");
  narrow.space = {{"x1", {{"type", "float"}, {"low", -5.0}, {"high", 10.0}}}};
  auto missing = create(narrow);
  ASSERT_TRUE(missing) << missing.error().message;
  add_trial(*missing, {{"x1", 0.0}}, TrialState::kComplete, 1.0);

  auto child = create(record("child", "tpe", {"parent", "other", "narrow"}));
  ASSERT_TRUE(child) << child.error().message;
  const WarmStart& warm = child->warm_start();
  ASSERT_EQ(warm.parents.size(), 3u);
  const WarmStartParent& p = warm.parents[0];
  EXPECT_EQ(p.finished, 3);  // complete twice, pruned with a value once
  EXPECT_EQ(p.used, 2);
  EXPECT_EQ(p.outside_space, 1);  // x2 = 20 beyond the child's 15
  EXPECT_EQ(p.ignored_params, std::vector<std::string>{"extra"});
  EXPECT_EQ(warm.parents[1].used, 1);
  EXPECT_EQ(warm.parents[1].other_type, 1);
  EXPECT_EQ(warm.parents[2].missing_param, 1);
  ASSERT_EQ(warm.trials.size(), 3u);
  EXPECT_EQ(warm.trials[0].params, (Params{{"x1", 1.0}, {"x2", 2.0}}));
  EXPECT_EQ(warm.trials[1].state, TrialState::kPruned);
  EXPECT_EQ(warm.trials[2].params, (Params{{"x1", 0.0}, {"x2", 4.5}}));
  EXPECT_EQ(warm.lines()[0],
            "warm start from \"parent\": 2 of 3 finished trials (1 left out: 1 with a value "
            "outside this space); its parameters extra are not in this space and are ignored");
  EXPECT_EQ(warm.lines()[1],
            "warm start from \"other\": 1 of 2 finished trials (1 left out: 1 with a value of "
            "another type)");
  EXPECT_EQ(warm.lines()[2],
            "warm start from \"narrow\": 0 of 1 finished trials (1 left out: 1 missing a "
            "parameter)");
}

TEST_F(WarmStartTest, BadParentsAreRefusedAndNothingIsWritten) {
  run_parent("parent", 3);
  StudyRecord maximizing = record("maximizing", "random");
  maximizing.direction = Direction::kMaximize;
  ASSERT_TRUE(create(maximizing));
  StudyRecord loss = record("loss", "random");
  loss.metric = "loss";
  ASSERT_TRUE(create(loss));

  auto missing = create(record("child", "tpe", {"parent", "nope"}));
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(missing.error().message,
            "no study named \"nope\" in this storage to warm start from; `greentune studies` "
            "lists the studies there");
  auto direction = create(record("child", "tpe", {"maximizing"}));
  ASSERT_FALSE(direction);
  EXPECT_EQ(direction.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(direction.error().message.find("same metric and direction"), std::string::npos);
  auto metric = create(record("child", "tpe", {"loss"}));
  ASSERT_FALSE(metric);
  EXPECT_EQ(metric.error().message,
            "parent study \"loss\" optimises metric \"loss\", this study \"value\"; a warm-start "
            "parent must have the same metric and direction");
  auto self = create(record("child", "tpe", {"child"}));
  ASSERT_FALSE(self);
  EXPECT_EQ(self.error().code, ErrorCode::kInvalidArgument);

  auto found = storage_->find_study("child");
  ASSERT_TRUE(found);
  EXPECT_FALSE(found->has_value());
}

// The prior is the parents as they were when the child was created: trials a parent
// finishes later do not change the child's sequence.
TEST_F(WarmStartTest, PriorIsASnapshotAtCreation) {
  run_parent("parent", 12);
  auto child = create(record("child", "gp", {"parent"}));
  ASSERT_TRUE(child) << child.error().message;
  auto parent = Study::load(*storage_, "parent");
  ASSERT_TRUE(parent);
  clock_.advance(5.0);
  auto later = parent->ask(clock_.now(), "");
  ASSERT_TRUE(later);
  ASSERT_TRUE(parent->tell(later->number, TrialState::kComplete, 1.0, clock_.now()));
  auto reloaded = Study::load(*storage_, "child");
  ASSERT_TRUE(reloaded) << reloaded.error().message;
  EXPECT_EQ(reloaded->warm_start().trials.size(), 12u);
  EXPECT_EQ(reloaded->warm_start().parents[0].after_snapshot, 1);
  EXPECT_EQ(reloaded->warm_start().lines()[0],
            "warm start from \"parent\": 12 of 13 finished trials (1 left out: 1 finished "
            "after this study was created)");
}

}  // namespace
}  // namespace greentune
