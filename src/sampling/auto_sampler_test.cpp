// sampler = "auto": the rule (gp below the thresholds, tpe beyond) and that it hands the
// request on unchanged, so its suggestions are exactly those of the sampler it picks.
#include "sampling/auto_sampler.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "greentune/sampler.hpp"
#include "sampling/gp_sampler.hpp"
#include "sampling/tpe_sampler.hpp"

namespace greentune {
namespace {

using nlohmann::json;

SearchSpace float_space(size_t dims) {
  json j = json::object();
  for (size_t d = 0; d < dims; ++d) {
    j["x" + std::to_string(d)] = {{"type", "float"}, {"low", 0.0}, {"high", 1.0}};
  }
  auto space = SearchSpace::from_json(j);
  EXPECT_TRUE(space) << space.error().message;
  return *space;
}

Trial trial(int64_t number, TrialState state, const SearchSpace& space, double u,
            std::optional<double> value) {
  Trial t;
  t.number = number;
  t.state = state;
  t.value = value;
  for (size_t d = 0; d < space.size(); ++d)
    t.params.emplace(space.params()[d].name, space.decode(d, u));
  return t;
}

// `n` complete trials at spread points with a bowl's values.
std::vector<Trial> history(const SearchSpace& space, int n) {
  std::vector<Trial> out;
  for (int i = 0; i < n; ++i) {
    double u = (i * 0.618034) - static_cast<int>(i * 0.618034);
    out.push_back(trial(i, TrialState::kComplete, space, u, (u - 0.3) * (u - 0.3)));
  }
  return out;
}

TEST(AutoSamplerTest, GpWhileFewObservationsAndParams) {
  SearchSpace space = float_space(3);
  std::vector<Trial> trials = history(space, 299);
  SampleRequest req{space, Direction::kMinimize, trials, 299, 1};
  EXPECT_EQ(AutoSampler::choice(req), "gp");
  // Running, waiting and failed trials and pruned ones without a value are no observations.
  trials.push_back(trial(299, TrialState::kRunning, space, 0.5, std::nullopt));
  trials.push_back(trial(300, TrialState::kFailed, space, 0.5, std::nullopt));
  trials.push_back(trial(301, TrialState::kPruned, space, 0.5, std::nullopt));
  SampleRequest more{space, Direction::kMinimize, trials, 302, 1};
  EXPECT_EQ(AutoSampler::choice(more), "gp");
  trials.push_back(trial(302, TrialState::kPruned, space, 0.5, 1.0));
  SampleRequest at_limit{space, Direction::kMinimize, trials, 303, 1};
  EXPECT_EQ(AutoSampler::choice(at_limit), "tpe");
}

TEST(AutoSamplerTest, WarmStartTrialsCount) {
  SearchSpace space = float_space(2);
  std::vector<Trial> own = history(space, 100);
  std::vector<Trial> prior = history(space, 200);
  for (size_t i = 0; i < prior.size(); ++i) prior[i].number = -static_cast<int64_t>(i) - 1;
  SampleRequest req{space, Direction::kMinimize, own, 100, 1, &prior};
  EXPECT_EQ(AutoSampler::choice(req), "tpe");
  prior.pop_back();
  EXPECT_EQ(AutoSampler::choice(req), "gp");
}

TEST(AutoSamplerTest, TpeForManyParams) {
  std::vector<Trial> none;
  SearchSpace twenty = float_space(AutoSampler::kGpMaxParams);
  SearchSpace more = float_space(AutoSampler::kGpMaxParams + 1);
  EXPECT_EQ(AutoSampler::choice({twenty, Direction::kMinimize, none, 0, 1}), "gp");
  EXPECT_EQ(AutoSampler::choice({more, Direction::kMinimize, none, 0, 1}), "tpe");
}

// Below the thresholds "auto" is "gp" with the same seed, suggestion for suggestion; beyond
// them it is "tpe".
TEST(AutoSamplerTest, SuggestsExactlyWhatItsChoiceSuggests) {
  SearchSpace space = float_space(2);
  AutoSampler automatic(std::nullopt);
  GpSampler gp;
  TpeSampler tpe;
  for (int n : {0, 5, 12, 40}) {
    std::vector<Trial> trials = history(space, n);
    SampleRequest req{space, Direction::kMinimize, trials, n, 9};
    auto a = automatic.sample(req);
    auto g = gp.sample(req);
    ASSERT_TRUE(a && g);
    EXPECT_EQ(*a, *g) << n;
  }
  std::vector<Trial> trials = history(space, 300);
  SampleRequest req{space, Direction::kMinimize, trials, 300, 9};
  auto a = automatic.sample(req);
  auto t = tpe.sample(req);
  ASSERT_TRUE(a && t);
  EXPECT_EQ(*a, *t);
}

TEST(AutoSamplerTest, Options) {
  auto made = make_sampler({{"name", "auto"}, {"seed", 2}, {"n_startup_trials", 4}});
  ASSERT_TRUE(made) << made.error().message;
  EXPECT_EQ((*made)->name(), "auto");
  // Four startup points: the fifth suggestion comes from the GP, not the Sobol sequence.
  SearchSpace space = float_space(2);
  std::vector<Trial> trials = history(space, 4);
  SampleRequest req{space, Direction::kMinimize, trials, 4, 2};
  auto from_auto = (*made)->sample(req);
  auto from_gp = GpSampler(2, GpOptions{.n_startup_trials = 4}).sample(req);
  ASSERT_TRUE(from_auto && from_gp);
  EXPECT_EQ(*from_auto, *from_gp);
  auto unknown = make_sampler({{"name", "auto"}, {"multivariate", true}});
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().message,
            "sampler \"auto\": unknown option \"multivariate\"; accepted: name, seed, "
            "n_startup_trials");
  auto zero = make_sampler({{"name", "auto"}, {"n_startup_trials", 0}});
  ASSERT_FALSE(zero);
  EXPECT_EQ(zero.error().message,
            "sampler \"auto\": \"n_startup_trials\" must be an integer from 1 to 100000, got 0");
}

}  // namespace
}  // namespace greentune
