// SampleRequest::prior (warm start): observations for the models, never tried points.
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "greentune/sampler.hpp"

namespace greentune {
namespace {

using nlohmann::json;

SearchSpace nine_points() {
  auto space = SearchSpace::from_json(json::parse(R"({"a": {"type": "int", "low": 0, "high": 2},
                                                "b": {"type": "int", "low": 0, "high": 2}})"));
  EXPECT_TRUE(space) << space.error().message;
  return *space;
}

Trial at(int64_t number, int64_t a, int64_t b) {
  Trial t;
  t.number = number;
  t.state = TrialState::kComplete;
  t.params = {{"a", a}, {"b", b}};
  t.value = static_cast<double>((a - 2) * (a - 2) + (b - 1) * (b - 1));  // best at (2, 1)
  return t;
}

// Every point twice: enough observations (18) for the models to skip their startup.
std::vector<Trial> full_prior() {
  std::vector<Trial> prior;
  for (int copy = 0; copy < 2; ++copy) {
    for (int64_t a = 0; a < 3; ++a) {
      for (int64_t b = 0; b < 3; ++b) {
        prior.push_back(at(-static_cast<int64_t>(prior.size()) - 1, a, b));
      }
    }
  }
  return prior;
}

class WarmPriorTest : public ::testing::TestWithParam<const char*> {};

// Parent trials at every point do not exhaust the new study, and the model's first
// suggestion is the parent's best.
TEST_P(WarmPriorTest, PriorPointsAreNotTaken) {
  SearchSpace space = nine_points();
  std::vector<Trial> prior = full_prior();
  std::vector<Trial> own;
  auto sampler = make_sampler({{"name", GetParam()}, {"seed", 4}});
  ASSERT_TRUE(sampler);
  SampleRequest req{space, Direction::kMinimize, own, 0, 4, &prior};
  auto first = (*sampler)->sample(req);
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_EQ(*first, (Params{{"a", int64_t{2}}, {"b", int64_t{1}}})) << GetParam();
}

// The study's own trials exhaust a finite space whatever the prior holds; until then each
// suggestion is a point the study has not tried.
TEST_P(WarmPriorTest, OwnTrialsAloneExhaustTheSpace) {
  SearchSpace space = nine_points();
  std::vector<Trial> prior = full_prior();
  std::vector<Trial> own;
  auto sampler = make_sampler({{"name", GetParam()}, {"seed", 4}});
  ASSERT_TRUE(sampler);
  std::set<Params> seen;
  for (int64_t n = 0; n < 9; ++n) {
    SampleRequest req{space, Direction::kMinimize, own, n, 4, &prior};
    auto p = (*sampler)->sample(req);
    ASSERT_TRUE(p) << GetParam() << " at " << n << ": " << p.error().message;
    EXPECT_TRUE(seen.insert(*p).second) << GetParam() << " repeated a point at " << n;
    own.push_back(at(n, std::get<int64_t>(p->at("a")), std::get<int64_t>(p->at("b"))));
  }
  SampleRequest req{space, Direction::kMinimize, own, 9, 4, &prior};
  auto done = (*sampler)->sample(req);
  ASSERT_FALSE(done);
  EXPECT_EQ(done.error().code, ErrorCode::kExhausted);
}

INSTANTIATE_TEST_SUITE_P(ModelSamplers, WarmPriorTest, ::testing::Values("tpe", "gp", "auto"));

}  // namespace
}  // namespace greentune
