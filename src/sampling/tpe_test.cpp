#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <numeric>
#include <random>
#include <set>

#include "greentune/sampler.hpp"
#include "sampling/qmc_sampler.hpp"
#include "sampling/random_sampler.hpp"
#include "sampling/tpe_history.hpp"
#include "sampling/tpe_math.hpp"
#include "sampling/tpe_parzen.hpp"
#include "sampling/tpe_sampler.hpp"

namespace greentune {
namespace {

using nlohmann::json;
using Objective = std::function<double(const Params&)>;

SearchSpace space_from(const char* text) {
  auto space = SearchSpace::from_json(nlohmann::ordered_json::parse(text));
  EXPECT_TRUE(space) << space.error().message;
  return *space;
}

SearchSpace mixed_space() {
  return space_from(R"({
    "eta": {"type": "float", "low": 0.0001, "high": 1, "log": true},
    "x": {"type": "float", "low": -2, "high": 3},
    "lr": {"type": "float", "low": 0, "high": 1, "step": 0.1},
    "n": {"type": "int", "low": 1, "high": 9, "step": 2},
    "depth": {"type": "int", "low": 1, "high": 20, "log": true},
    "booster": {"type": "categorical", "choices": ["gbtree", "dart", 3, true]}})");
}

double num(const Params& p, const std::string& name) {
  const ParamValue& v = p.at(name);
  if (const auto* i = std::get_if<int64_t>(&v)) return static_cast<double>(*i);
  return std::get<double>(v);
}

Result<Params> sample(const Sampler& sampler, const SearchSpace& space,
                      const std::vector<Trial>& trials, int64_t number, uint64_t seed = 7,
                      Direction direction = Direction::kMinimize) {
  return sampler.sample(SampleRequest{space, direction, trials, number, seed});
}

Params must_sample(const Sampler& sampler, const SearchSpace& space,
                   const std::vector<Trial>& trials, int64_t number, uint64_t seed = 7) {
  auto params = sample(sampler, space, trials, number, seed);
  EXPECT_TRUE(params) << params.error().message;
  return params ? *params : Params{};
}

Trial trial_with(int64_t number, TrialState state, Params params,
                 std::optional<double> value = std::nullopt) {
  Trial t;
  t.number = number;
  t.state = state;
  t.params = std::move(params);
  t.value = value;
  return t;
}

// A sequential study: each trial is suggested, then completed with f's value.
std::vector<Trial> run_study(const Sampler& sampler, const SearchSpace& space, const Objective& f,
                             int trials, uint64_t seed) {
  std::vector<Trial> history;
  for (int n = 0; n < trials; ++n) {
    Params p = must_sample(sampler, space, history, n, seed);
    double value = f(p);
    history.push_back(trial_with(n, TrialState::kComplete, std::move(p), value));
  }
  return history;
}

double best_value(const std::vector<Trial>& trials) {
  double best = INFINITY;
  for (const Trial& t : trials) best = std::min(best, t.value.value_or(INFINITY));
  return best;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// ---- the sampler contract ---------------------------------------------------------------------

TEST(TpeSamplerTest, IsAPureFunctionOfTheRequest) {
  SearchSpace space = mixed_space();
  for (bool multivariate : {false, true}) {
    std::vector<Trial> history;
    TpeOptions options;
    options.multivariate = multivariate;
    for (int64_t n = 0; n < 40; ++n) {
      TpeSampler a(std::nullopt, options);
      TpeSampler b(std::nullopt, options);
      Params first = must_sample(a, space, history, n);
      EXPECT_EQ(first, must_sample(a, space, history, n));
      EXPECT_EQ(first, must_sample(b, space, history, n));
      history.push_back(trial_with(n, TrialState::kComplete, first, num(first, "x")));
    }
  }
}

TEST(TpeSamplerTest, ValuesAreAlwaysValid) {
  SearchSpace space = mixed_space();
  for (bool multivariate : {false, true}) {
    TpeOptions options;
    options.multivariate = multivariate;
    TpeSampler sampler(11, options);
    std::vector<Trial> history;
    for (int64_t n = 0; n < 120; ++n) {
      Params p = must_sample(sampler, space, history, n);
      auto st = space.validate(p);
      ASSERT_TRUE(st) << st.error().message;
      double value = std::log10(num(p, "eta")) + num(p, "x") + num(p, "n") - num(p, "depth");
      // Every kind of trial the history can hold.
      TrialState state = n % 7 == 3    ? TrialState::kRunning
                         : n % 7 == 5  ? TrialState::kFailed
                         : n % 11 == 4 ? TrialState::kPruned
                                       : TrialState::kComplete;
      history.push_back(trial_with(
          n, state, p, state == TrialState::kFailed ? std::nullopt : std::optional(value)));
    }
  }
}

TEST(TpeSamplerTest, SeedsAndOptions) {
  SearchSpace space = mixed_space();
  auto seeded = make_sampler({{"name", "tpe"}, {"seed", 5}, {"multivariate", true}});
  ASSERT_TRUE(seeded) << seeded.error().message;
  EXPECT_EQ((*seeded)->name(), "tpe");
  EXPECT_TRUE((*seeded)->uses_history());
  TpeOptions mv;
  mv.multivariate = true;
  EXPECT_EQ(must_sample(**seeded, space, {}, 3, 99),
            must_sample(TpeSampler(5, mv), space, {}, 3, 5));
  std::set<Params> seen;
  for (uint64_t seed = 0; seed < 5; ++seed)
    seen.insert(must_sample(TpeSampler(), space, {}, 1, seed));
  EXPECT_EQ(seen.size(), 5u);
  EXPECT_EQ(must_sample(TpeSampler(), SearchSpace(), {}, 0), Params{});

  auto options = make_sampler({{"name", "tpe"}, {"n_startup_trials", 0}, {"n_ei_candidates", 8}});
  ASSERT_TRUE(options);
  const auto& tpe = dynamic_cast<const TpeSampler&>(**options);
  EXPECT_EQ(tpe.options().n_startup_trials, 0);
  EXPECT_EQ(tpe.options().n_ei_candidates, 8);
  EXPECT_FALSE(tpe.options().multivariate);
}

TEST(TpeSamplerTest, OptionErrors) {
  auto message = [](const json& j) {
    auto s = make_sampler(j);
    return s ? std::string() : s.error().message;
  };
  EXPECT_EQ(message({{"name", "tpe"}, {"multivariate", 1}}),
            "sampler \"tpe\": \"multivariate\" must be true or false, got 1");
  EXPECT_EQ(message({{"name", "tpe"}, {"n_ei_candidates", 0}}),
            "sampler \"tpe\": \"n_ei_candidates\" must be an integer from 1 to 1000000, got 0");
  EXPECT_EQ(message({{"name", "tpe"}, {"n_startup_trials", -1}}),
            "sampler \"tpe\": \"n_startup_trials\" must be an integer from 0 to 1000000, got -1");
  EXPECT_EQ(message({{"name", "tpe"}, {"gamma", 3}}),
            "sampler \"tpe\": unknown option \"gamma\"; accepted: name, seed, multivariate, "
            "n_startup_trials, n_ei_candidates");
}

// ---- startup -----------------------------------------------------------------------------------

TEST(TpeSamplerTest, StartupTrialsAreTheQmcSequence) {
  SearchSpace space = mixed_space();
  TpeSampler tpe;
  QmcSampler qmc;
  std::vector<Trial> history;
  for (int64_t n = 0; n < 10; ++n) {
    Params p = must_sample(tpe, space, history, n);
    EXPECT_EQ(p, must_sample(qmc, space, {}, n)) << n;
    history.push_back(trial_with(n, TrialState::kComplete, p, num(p, "x")));
  }
  // Running and failed trials do not end the startup phase.
  history.push_back(trial_with(10, TrialState::kRunning, history[0].params));
  history[3].state = TrialState::kFailed;
  EXPECT_EQ(must_sample(tpe, space, history, 11), must_sample(qmc, space, {}, 11));
  // Ten finished trials do.
  history[3].state = TrialState::kPruned;
  EXPECT_NE(must_sample(tpe, space, history, 11), must_sample(qmc, space, {}, 11));
}

// ---- search behaviour
// ----------------------------------------------------------------------------

TEST(TpeSamplerTest, ConcentratesNearTheOptimumOfAQuadratic) {
  SearchSpace space = space_from(R"({"x": {"type": "float", "low": -5, "high": 5}})");
  Objective f = [](const Params& p) { return std::pow(num(p, "x") - 1.3, 2); };
  std::vector<double> tpe_distance;
  std::vector<double> random_distance;
  for (uint64_t seed = 0; seed < 10; ++seed) {
    std::vector<Trial> tpe = run_study(TpeSampler(), space, f, 50, seed);
    std::vector<Trial> random = run_study(RandomSampler(), space, f, 50, seed);
    for (int n = 30; n < 50; ++n) {
      tpe_distance.push_back(std::abs(num(tpe[n].params, "x") - 1.3));
      random_distance.push_back(std::abs(num(random[n].params, "x") - 1.3));
    }
  }
  // TPE keeps exploring (Optuna 3.1 on this problem: median 0.64; uniform: 2.5).
  EXPECT_LT(median(tpe_distance), 1.0);
  EXPECT_LT(median(tpe_distance) * 2.5, median(random_distance));
}

TEST(TpeSamplerTest, MaximizeLooksForLargeValues) {
  SearchSpace space = space_from(R"({"x": {"type": "float", "low": 0, "high": 1}})");
  TpeSampler sampler;
  std::vector<Trial> history;
  for (int n = 0; n < 40; ++n) {
    Params p = *sample(sampler, space, history, n, 3, Direction::kMaximize);
    history.push_back(trial_with(n, TrialState::kComplete, p, num(p, "x")));
  }
  std::vector<double> late;
  for (int n = 25; n < 40; ++n) late.push_back(num(history[n].params, "x"));
  EXPECT_GT(median(late), 0.8);
}

TEST(TpeSamplerTest, LearnsWhichChoiceIsBest) {
  SearchSpace space = space_from(R"({"c": {"type": "categorical", "choices": ["a", "b", "c", "d"]},
                                     "x": {"type": "float", "low": 0, "high": 1}})");
  Objective f = [](const Params& p) {
    return (std::get<std::string>(p.at("c")) == "c" ? 0.0 : 1.0) + 0.1 * num(p, "x");
  };
  for (bool multivariate : {false, true}) {
    TpeOptions options;
    options.multivariate = multivariate;
    int best_chosen = 0;
    for (uint64_t seed = 0; seed < 4; ++seed) {
      std::vector<Trial> trials = run_study(TpeSampler(std::nullopt, options), space, f, 60, seed);
      for (int n = 30; n < 60; ++n)
        best_chosen += std::get<std::string>(trials[n].params.at("c")) == "c";
    }
    EXPECT_GT(best_chosen, 4 * 30 * 6 / 10) << "multivariate " << multivariate;
  }
}

// The issue's bar: Branin's minimum to within 0.05 in 100 evaluations for most seeds.
TEST(TpeSamplerTest, FindsBraninsMinimumForMostSeeds) {
  SearchSpace space = space_from(R"({"x1": {"type": "float", "low": -5, "high": 10},
                                     "x2": {"type": "float", "low": 0, "high": 15}})");
  Objective branin = [](const Params& p) {
    double x1 = num(p, "x1");
    double x2 = num(p, "x2");
    double a = x2 - 5.1 / (4 * M_PI * M_PI) * x1 * x1 + 5 / M_PI * x1 - 6;
    return a * a + 10 * (1 - 1 / (8 * M_PI)) * std::cos(x1) + 10;
  };
  int found = 0;
  for (uint64_t seed = 0; seed < 20; ++seed) {
    double regret = best_value(run_study(TpeSampler(), space, branin, 100, seed)) - 0.397887;
    found += regret <= 0.05;
  }
  EXPECT_GT(found, 10);  // 14 of the 20 when written
}

// A batch of concurrent suggestions: each sees the ones before it as running trials
// (the constant liar), or does not see them at all.
std::vector<double> batch(const SearchSpace& space, std::vector<Trial> history, int size, bool liar,
                          uint64_t seed) {
  std::vector<double> xs;
  auto start = static_cast<int64_t>(history.size());
  std::vector<Trial> seen = history;
  for (int i = 0; i < size; ++i) {
    Params p = must_sample(TpeSampler(), space, liar ? seen : history, start + i, seed);
    xs.push_back(num(p, "x"));
    seen.push_back(trial_with(start + i, TrialState::kRunning, p));
  }
  return xs;
}

double closest_pair(std::vector<double> xs) {
  std::sort(xs.begin(), xs.end());
  double gap = INFINITY;
  for (size_t i = 1; i < xs.size(); ++i) gap = std::min(gap, xs[i] - xs[i - 1]);
  return gap;
}

TEST(TpeSamplerTest, ConstantLiarSpreadsConcurrentSuggestions) {
  SearchSpace space = space_from(R"({"x": {"type": "float", "low": 0, "high": 1}})");
  Objective f = [](const Params& p) { return std::pow(num(p, "x") - 0.5, 2); };
  std::vector<double> with_liar;
  std::vector<double> without;
  for (uint64_t seed = 0; seed < 20; ++seed) {
    std::vector<Trial> history = run_study(TpeSampler(), space, f, 30, seed);
    with_liar.push_back(closest_pair(batch(space, history, 4, true, seed)));
    without.push_back(closest_pair(batch(space, history, 4, false, seed)));
  }
  // Measured: medians 0.098 and 0.004.
  EXPECT_GT(median(with_liar), 5 * median(without));
}

TEST(TpeSamplerTest, NeverSuggestsWhatIsRunning) {
  SearchSpace space = space_from(R"({"n": {"type": "int", "low": 0, "high": 100}})");
  Objective f = [](const Params& p) { return std::abs(num(p, "n") - 37); };
  for (uint64_t seed = 0; seed < 10; ++seed) {
    std::vector<Trial> history = run_study(TpeSampler(), space, f, 20, seed);
    std::set<int64_t> running;
    for (int i = 0; i < 4; ++i) {
      Params p = must_sample(TpeSampler(), space, history, 20 + i, seed);
      int64_t n = std::get<int64_t>(p.at("n"));
      EXPECT_FALSE(running.count(n)) << "seed " << seed << " suggestion " << i;
      running.insert(n);
      history.push_back(trial_with(20 + i, TrialState::kRunning, p));
    }
  }
}

TEST(TpeSamplerTest, MultivariateHandlesACorrelatedValley) {
  SearchSpace space = space_from(R"({"x": {"type": "float", "low": -1, "high": 1},
                                     "y": {"type": "float", "low": -1, "high": 1}})");
  // A narrow diagonal valley: independent marginals see little of it.
  Objective f = [](const Params& p) {
    double x = num(p, "x");
    double y = num(p, "y");
    return 100 * std::pow(x - y, 2) + std::pow(x + y - 0.5, 2);
  };
  TpeOptions mv;
  mv.multivariate = true;
  double independent = 0.0;
  double joint = 0.0;
  for (uint64_t seed = 0; seed < 8; ++seed) {
    independent += best_value(run_study(TpeSampler(), space, f, 60, seed));
    joint += best_value(run_study(TpeSampler(std::nullopt, mv), space, f, 60, seed));
  }
  // Over 40 seeds the mean best values are 0.063 (joint) and 0.098 (independent).
  EXPECT_LE(joint, independent) << "joint " << joint / 8 << ", independent " << independent / 8;
}

// ---- no energy spent twice
// ------------------------------------------------------------------------

TEST(TpeSamplerTest, TriesEveryPointOfATinySpaceOnceThenStops) {
  SearchSpace space = space_from(R"({"n": {"type": "int", "low": 1, "high": 3},
                                     "c": {"type": "categorical", "choices": ["a", "b"]}})");
  Objective f = [](const Params& p) { return num(p, "n"); };
  for (int64_t startup : {10, 0}) {
    TpeOptions options;
    options.n_startup_trials = startup;
    TpeSampler sampler(std::nullopt, options);
    std::vector<Trial> history = run_study(sampler, space, f, 6, 1);
    std::set<Params> distinct;
    for (const Trial& t : history) distinct.insert(t.params);
    EXPECT_EQ(distinct.size(), 6u) << "startup " << startup;
    auto more = sample(sampler, space, history, 6);
    ASSERT_FALSE(more);
    EXPECT_EQ(more.error().code, ErrorCode::kExhausted);
    EXPECT_EQ(more.error().message, "every point of the search space has been tried (6 points)");
  }
}

TEST(TpeSamplerTest, RunningAndFailedTrialsCountAsTried) {
  SearchSpace space = space_from(R"({"n": {"type": "int", "low": 1, "high": 4}})");
  TpeOptions options;
  options.n_startup_trials = 0;
  TpeSampler sampler(std::nullopt, options);
  std::vector<Trial> history = {
      trial_with(0, TrialState::kComplete, {{"n", int64_t{1}}}, 1.0),
      trial_with(1, TrialState::kRunning, {{"n", int64_t{2}}}),
      trial_with(2, TrialState::kFailed, {{"n", int64_t{3}}}),
  };
  for (uint64_t seed = 0; seed < 10; ++seed) {
    EXPECT_EQ(must_sample(sampler, space, history, 3, seed).at("n"), ParamValue(int64_t{4}));
  }
  history.push_back(trial_with(3, TrialState::kWaiting, {{"n", int64_t{4}}}));
  EXPECT_EQ(sample(sampler, space, history, 4).error().code, ErrorCode::kExhausted);
}

TEST(TpeSamplerTest, SteersAwayFromRepeatsOfTheBest) {
  // TPE's favourite is the best value so far; it must pick something new every time.
  SearchSpace space = space_from(R"({"a": {"type": "int", "low": 0, "high": 5},
                                     "b": {"type": "float", "low": 0, "high": 1, "step": 0.25}})");
  Objective f = [](const Params& p) { return std::abs(num(p, "a") - 2) + num(p, "b"); };
  for (bool multivariate : {false, true}) {
    TpeOptions options;
    options.multivariate = multivariate;
    std::vector<Trial> trials = run_study(TpeSampler(std::nullopt, options), space, f, 30, 4);
    std::set<Params> distinct;
    for (const Trial& t : trials) distinct.insert(t.params);
    EXPECT_EQ(distinct.size(), 30u) << "multivariate " << multivariate;
  }
}

// ---- the pieces --------------------------------------------------------------------------------

TEST(TpeHistoryTest, SplitRanksCompleteThenPrunedByStepThenValue) {
  SearchSpace space = space_from(R"({"x": {"type": "float", "low": 0, "high": 1}})");
  auto at = [](double x) { return Params{{"x", x}}; };
  std::vector<Trial> trials = {
      trial_with(0, TrialState::kComplete, at(0.0), 5.0),
      trial_with(1, TrialState::kPruned, at(0.1), 0.5),  // step 2
      trial_with(2, TrialState::kComplete, at(0.2), 3.0),
      trial_with(3, TrialState::kPruned, at(0.3), 1.0),  // step 10
      trial_with(4, TrialState::kRunning, at(0.4)),
      trial_with(5, TrialState::kFailed, at(0.5)),
      trial_with(6, TrialState::kPruned, at(0.6)),  // no value
      trial_with(7, TrialState::kComplete, at(0.7), 4.0),
      trial_with(8, TrialState::kWaiting, at(0.8)),
  };
  trials[1].intermediate["loss"] = {{1, 0.7}, {2, 0.5}};
  trials[3].intermediate["loss"] = {{10, 1.0}};
  SampleRequest req{space, Direction::kMinimize, trials, 9, 0};
  tpe::History history(req);
  EXPECT_EQ(history.rows(), 9u);
  EXPECT_EQ(history.finished(), 6u);
  std::vector<uint32_t> below;
  std::vector<uint32_t> above;
  history.split(4, below, above);
  EXPECT_EQ(below, (std::vector<uint32_t>{0, 2, 3, 7}));
  EXPECT_EQ(above, (std::vector<uint32_t>{1, 4, 6, 8}));
  history.split(1, below, above);
  EXPECT_EQ(below, (std::vector<uint32_t>{2}));
  // Maximizing flips the order of values, not of tiers.
  SampleRequest max_req{space, Direction::kMaximize, trials, 9, 0};
  tpe::History maximized(max_req);
  maximized.split(2, below, above);
  EXPECT_EQ(below, (std::vector<uint32_t>{0, 7}));
}

TEST(TpeHistoryTest, TheTrialBeingSampledIsLeftOut) {
  SearchSpace space = space_from(R"({"x": {"type": "float", "low": 0, "high": 1}})");
  std::vector<Trial> trials = {trial_with(0, TrialState::kComplete, {{"x", 0.5}}, 1.0),
                               trial_with(1, TrialState::kRunning, {{"x", 0.25}})};
  tpe::History history(SampleRequest{space, Direction::kMinimize, trials, 1, 0});
  EXPECT_EQ(history.rows(), 1u);
  EXPECT_TRUE(history.seen(std::vector<double>{0.5}));
  EXPECT_FALSE(history.seen(std::vector<double>{0.25}));
}

TEST(TpeSamplerTest, GammaIsOptunasDefault) {
  EXPECT_EQ(TpeSampler::gamma(0), 0u);
  EXPECT_EQ(TpeSampler::gamma(1), 1u);
  EXPECT_EQ(TpeSampler::gamma(10), 1u);
  EXPECT_EQ(TpeSampler::gamma(11), 2u);
  EXPECT_EQ(TpeSampler::gamma(249), 25u);
  EXPECT_EQ(TpeSampler::gamma(10000), 25u);
}

TEST(TpeParzenTest, DefaultWeightsRampUpOldObservations) {
  EXPECT_EQ(tpe::default_weights(3), (std::vector<double>{1, 1, 1}));
  std::vector<double> w = tpe::default_weights(30);  // numpy.linspace(1/30, 1, 5) then 25 ones
  ASSERT_EQ(w.size(), 30u);
  EXPECT_DOUBLE_EQ(w[0], 1.0 / 30);
  EXPECT_DOUBLE_EQ(w[1], 1.0 / 30 + (1 - 1.0 / 30) / 4);
  EXPECT_DOUBLE_EQ(w[4], 1.0);
  EXPECT_DOUBLE_EQ(w[29], 1.0);
}

TEST(TpeMathTest, GaussianMassesInBothTails) {
  auto phi = [](double z) { return 0.5 * std::erfc(-z / std::sqrt(2.0)); };
  EXPECT_NEAR(tpe::log_gauss_mass(-1, 2), std::log(phi(2) - phi(-1)), 1e-14);
  EXPECT_NEAR(tpe::log_gauss_mass(1, 2), std::log(phi(2) - phi(1)), 1e-13);
  EXPECT_NEAR(tpe::log_gauss_mass(-3, -2), std::log(phi(-2) - phi(-3)), 1e-13);
  // Far in the tails, where 1 - Phi rounds to 0: log Phi(-40) = -804.608442013754...
  EXPECT_NEAR(tpe::log_ndtr(-40), -804.6084420137538, 1e-9);
  EXPECT_NEAR(tpe::log_gauss_mass(40, 41), -804.6084420137538, 1e-6);
  EXPECT_NEAR(tpe::log_ndtr(-29.9), std::log(phi(-29.9)), 1e-10);
  EXPECT_NEAR(tpe::log_ndtr(-30.1), std::log(phi(-30.1)), 1e-10);
  EXPECT_EQ(tpe::log_gauss_mass(1, 1), -INFINITY);
  EXPECT_NEAR(tpe::log_sum_exp(std::vector<double>{-1000, -1000}), -1000 + std::log(2.0), 1e-12);
  EXPECT_EQ(tpe::log_sum_exp(std::vector<double>{-INFINITY}), -INFINITY);
}

TEST(TpeMathTest, TruncatedNormalStaysInsideAndIsCentred) {
  std::mt19937_64 gen(3);
  double sum = 0;
  for (int i = 0; i < 20000; ++i) {
    double x = tpe::truncated_normal_unit(gen, 0.5, 0.1);
    ASSERT_GE(x, 0.0);
    ASSERT_LE(x, 1.0);
    sum += x;
  }
  EXPECT_NEAR(sum / 20000, 0.5, 0.005);
}

// Figures from Optuna 3.1's _ParzenEstimator.log_pdf for the same observations (x: float
// on [0, 1], n: int on [0, 6]) and default parameters.  Its truncated-normal density
// leaves out -log(sigma) (Optuna issue 5109); with bandwidth weights our independent
// scores equal its figures up to one constant per estimator, which is all the ranking
// sees.  The plain mixture (no bandwidth weights; multivariate always) equals its
// centres, bandwidths and weights put through scipy's truncnorm.logpdf, as Optuna 3.5
// computes it.
TEST(TpeParzenTest, MatchesOptunasEstimator) {
  SearchSpace space = space_from(R"({"x": {"type": "float", "low": 0, "high": 1},
                                     "n": {"type": "int", "low": 0, "high": 6}})");
  std::vector<Trial> trials;
  std::vector<std::pair<double, int64_t>> observed = {{0.2, 1}, {0.6, 3}, {0.65, 3}};
  for (const auto& [x, n] : observed) {
    trials.push_back(trial_with(static_cast<int64_t>(trials.size()), TrialState::kComplete,
                                {{"x", x}, {"n", n}}, 0.0));
  }
  tpe::History history(SampleRequest{space, Direction::kMinimize, trials, 3, 0});
  std::vector<tpe::Axis> axes = tpe::axes_of(space);
  std::vector<uint32_t> rows = {0, 1, 2};
  std::vector<double> scratch;
  std::vector<double> xs = {0.1, 0.5, 0.9};
  std::vector<double> ns = {0.5 / 7, 3.5 / 7, 6.5 / 7};
  // Optuna 3.1 as it is, then with the density fixed.
  std::vector<double> optuna_x = {-0.98308176, -0.67243705, -1.10859382};
  std::vector<double> optuna_n = {-2.15210409, -1.60585643, -2.77165481};
  std::vector<double> fixed_x = {-0.36009216, 0.31839198, -0.39498136};
  std::vector<double> fixed_joint = {-1.79029005, -1.20224118, -3.0956806};
  for (bool bandwidth_weights : {true, false}) {
    tpe::ParzenOptions options{.bandwidth_weights = bandwidth_weights};
    tpe::ParzenEstimator independent(history, rows, axes, options);
    options.multivariate = true;
    tpe::ParzenEstimator joint(history, rows, axes, options);
    auto x_score = [&](size_t i) { return independent.log_marginal(space, 0, xs[i], scratch); };
    auto joint_score = [&](size_t i) {
      return joint.log_joint(space, std::vector<double>{xs[i], ns[i]}, scratch);
    };
    for (size_t i = 0; i < 3; ++i) {
      EXPECT_NEAR(independent.log_marginal(space, 1, ns[i], scratch), optuna_n[i], 1e-7);
      if (bandwidth_weights) {
        EXPECT_NEAR(x_score(i) - x_score(0), optuna_x[i] - optuna_x[0], 1e-7);
      } else {
        EXPECT_NEAR(x_score(i), fixed_x[i], 1e-7);
      }
      // Multivariate scoring is the plain mixture either way.
      EXPECT_NEAR(joint_score(i), fixed_joint[i], 1e-7);
    }
  }
}

// The fast paths (radix-sorted centres, skipped far kernels, exp_nonpositive) against a
// direct sum over every kernel, on a large history with a crowd and exact duplicates.
TEST(TpeParzenTest, ScoresMatchADirectSumOverALargeHistory) {
  SearchSpace space = space_from(R"({"x": {"type": "float", "low": 0, "high": 1}})");
  std::mt19937_64 gen(5);
  std::vector<Trial> trials;
  for (int i = 0; i < 700; ++i) {
    double u = (gen() >> 11) * 0x1p-53;
    double x = i % 3 == 0 ? u : i % 3 == 1 ? 0.3 + 0.02 * (u - 0.5) : 0.125 * (i % 5);
    trials.push_back(trial_with(i, TrialState::kComplete, {{"x", x}}, 0.0));
  }
  tpe::History history(SampleRequest{space, Direction::kMinimize, trials, 700, 0});
  std::vector<uint32_t> rows(700);
  std::iota(rows.begin(), rows.end(), 0u);
  // Optuna's bandwidth rule and weights, computed plainly.
  std::vector<double> mu;
  for (const Trial& t : trials) mu.push_back(num(t.params, "x"));
  mu.push_back(0.5);
  size_t m = mu.size();
  std::vector<size_t> order(m);
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return mu[a] < mu[b]; });
  auto at = [&](size_t i) { return i == 0 ? 0.0 : i == m + 1 ? 1.0 : mu[order[i - 1]]; };
  std::vector<double> sigma(m);
  for (size_t i = 1; i <= m; ++i) {
    sigma[order[i - 1]] = std::max(at(i) - at(i - 1), at(i + 1) - at(i));
  }
  sigma[order[0]] = at(2) - at(1);
  sigma[order[m - 1]] = at(m) - at(m - 1);
  for (double& s : sigma) s = std::clamp(s, 1.0 / std::min(100.0, m + 1.0), 1.0);
  sigma.back() = 1.0;
  std::vector<double> w = tpe::default_weights(700);
  w.push_back(1.0);
  auto phi = [](double z) { return 0.5 * std::erfc(-z / std::sqrt(2.0)); };
  std::vector<double> scratch;
  for (bool bandwidth_weights : {true, false}) {
    tpe::ParzenEstimator est(history, rows, tpe::axes_of(space),
                             {.bandwidth_weights = bandwidth_weights});
    double total = 0;
    for (size_t k = 0; k < m; ++k) total += w[k] * (bandwidth_weights ? sigma[k] : 1.0);
    for (double u : {0.0, 0.05, 0.29, 0.3, 0.30001, 0.375, 0.5, 0.77, 1.0}) {
      double density = 0;
      for (size_t k = 0; k < m; ++k) {
        double z = (u - mu[k]) / sigma[k];
        double mass = phi((1 - mu[k]) / sigma[k]) - phi(-mu[k] / sigma[k]);
        double weight = w[k] * (bandwidth_weights ? sigma[k] : 1.0) / total;
        density += weight * std::exp(-0.5 * z * z) / (sigma[k] * std::sqrt(2 * M_PI) * mass);
      }
      EXPECT_NEAR(est.log_marginal(space, 0, u, scratch), std::log(density), 1e-12) << u;
    }
  }
}

TEST(TpeMathTest, ExpNonPositiveIsAccurate) {
  for (double x = -707.5; x <= 0.0; x += 0.01234) {
    double exact = std::exp(x);
    ASSERT_NEAR(tpe::exp_nonpositive(x), exact, 4e-16 * exact) << x;
  }
  EXPECT_EQ(tpe::exp_nonpositive(0.0), 1.0);
  EXPECT_GT(tpe::exp_nonpositive(-INFINITY), 0.0);  // clamped to exp(-708)
}

// The mixtures are densities (continuous params) or distributions (discrete ones).
TEST(TpeParzenTest, MixturesIntegrateToOne) {
  SearchSpace space = space_from(R"({"x": {"type": "float", "low": 0, "high": 1},
                                     "n": {"type": "int", "low": 0, "high": 6},
                                     "c": {"type": "categorical", "choices": ["a", "b", "c"]}})");
  std::vector<Trial> trials;
  for (int i = 0; i < 12; ++i) {
    trials.push_back(trial_with(i, TrialState::kComplete,
                                {{"x", 0.05 + 0.07 * i},
                                 {"n", int64_t{i % 7}},
                                 {"c", std::string(1, static_cast<char>('a' + i % 3))}},
                                static_cast<double>(i)));
  }
  tpe::History history(SampleRequest{space, Direction::kMinimize, trials, 12, 0});
  std::vector<tpe::Axis> axes = tpe::axes_of(space);
  std::vector<uint32_t> rows = {0, 1, 2, 5, 8, 11};
  std::vector<double> scratch;
  for (bool multivariate : {false, true}) {
    tpe::ParzenEstimator est(history, rows, axes, {.multivariate = multivariate});
    EXPECT_EQ(est.kernels(), 7u);
    double integral = 0;
    constexpr int kSteps = 20000;
    for (int i = 0; i < kSteps; ++i) {
      integral += std::exp(est.log_marginal(space, 0, (i + 0.5) / kSteps, scratch)) / kSteps;
    }
    EXPECT_NEAR(integral, 1.0, 1e-6);
    double mass = 0;
    for (int k = 0; k < 7; ++k)
      mass += std::exp(est.log_marginal(space, 1, (k + 0.5) / 7, scratch));
    EXPECT_NEAR(mass, 1.0, 1e-12);
    double choices = 0;
    for (int k = 0; k < 3; ++k)
      choices += std::exp(est.log_marginal(space, 2, (k + 0.5) / 3, scratch));
    EXPECT_NEAR(choices, 1.0, 1e-12);
  }
}

}  // namespace
}  // namespace greentune
