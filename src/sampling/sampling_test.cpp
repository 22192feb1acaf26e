#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <boost/random/sobol.hpp>
#include <cmath>
#include <map>
#include <set>

#include "greentune/sampler.hpp"
#include "sampling/grid_sampler.hpp"
#include "sampling/qmc_sampler.hpp"
#include "sampling/random_bits.hpp"
#include "sampling/random_sampler.hpp"

namespace greentune {
namespace {

using nlohmann::json;

SearchSpace space_from(const char* text) {
  auto space = SearchSpace::from_json(json::parse(text));
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

std::unique_ptr<Sampler> must_make(const json& config) {
  auto s = make_sampler(config);
  EXPECT_TRUE(s) << s.error().message;
  return std::move(*s);
}

Params must_sample(const Sampler& sampler, const SearchSpace& space,
                   const std::vector<Trial>& trials, int64_t number, uint64_t seed = 7) {
  SampleRequest req{space, Direction::kMinimize, trials, number, seed};
  auto params = sampler.sample(req);
  EXPECT_TRUE(params) << params.error().message;
  return params ? *params : Params{};
}

Trial trial_with(int64_t number, TrialState state, Params params) {
  Trial t;
  t.number = number;
  t.state = state;
  t.params = std::move(params);
  return t;
}

// ---- every sampler -------------------------------------------------------------------------

class EverySamplerTest : public ::testing::TestWithParam<std::string> {};

TEST_P(EverySamplerTest, IsAPureFunctionOfTheRequest) {
  SearchSpace space = mixed_space();
  std::vector<Trial> history;
  for (int64_t n = 0; n < 40; ++n) {
    auto a = must_make({{"name", GetParam()}});
    auto b = must_make({{"name", GetParam()}});
    Params first = must_sample(*a, space, history, n);
    EXPECT_EQ(first, must_sample(*a, space, history, n));  // same object, again
    EXPECT_EQ(first, must_sample(*b, space, history, n));  // a fresh object
    history.push_back(trial_with(n, TrialState::kComplete, first));
  }
}

TEST_P(EverySamplerTest, ValuesAreAlwaysValid) {
  SearchSpace space = mixed_space();
  auto sampler = must_make({{"name", GetParam()}, {"seed", 11}});
  std::vector<Trial> history;
  for (int64_t n = 0; n < 300; ++n) {
    Params p = must_sample(*sampler, space, history, n);
    auto st = space.validate(p);
    ASSERT_TRUE(st) << st.error().message;
    history.push_back(trial_with(n, TrialState::kRunning, p));
  }
}

TEST_P(EverySamplerTest, SeedChangesTheSequence) {
  SearchSpace space = space_from(R"({"x": {"type": "float", "low": 0, "high": 1},
                                     "y": {"type": "float", "low": 0, "high": 1}})");
  auto sampler = must_make({{"name", GetParam()}});
  std::set<Params> seen;
  for (uint64_t seed = 0; seed < 5; ++seed) seen.insert(must_sample(*sampler, space, {}, 1, seed));
  EXPECT_EQ(seen.size(), 5u);
}

TEST_P(EverySamplerTest, ConfigSeedReplacesTheStudySeed) {
  SearchSpace space = mixed_space();
  auto seeded = must_make({{"name", GetParam()}, {"seed", 5}});
  auto plain = must_make({{"name", GetParam()}});
  EXPECT_EQ(must_sample(*seeded, space, {}, 3, 99), must_sample(*plain, space, {}, 3, 5));
}

TEST_P(EverySamplerTest, EmptySpaceGivesEmptyParams) {
  SearchSpace space;
  auto sampler = must_make({{"name", GetParam()}});
  EXPECT_EQ(must_sample(*sampler, space, {}, 0), Params{});
  EXPECT_EQ(sampler->name(), GetParam());
}

INSTANTIATE_TEST_SUITE_P(Samplers, EverySamplerTest,
                         ::testing::Values("random", "qmc", "grid", "tpe", "auto"));

// Median of a log param over many trials: near the geometric mean of its bounds.
double log10_median(const Sampler& sampler, int trials) {
  SearchSpace space = space_from(R"({"eta": {"type": "float", "low": 0.0001, "high": 1,
                                             "log": true}})");
  std::vector<double> values;
  for (int n = 0; n < trials; ++n) {
    values.push_back(std::get<double>(must_sample(sampler, space, {}, n).at("eta")));
  }
  std::nth_element(values.begin(), values.begin() + trials / 2, values.end());
  return std::log10(values[trials / 2]);
}

TEST(RandomSamplerTest, LogParamsAreLogUniform) {
  EXPECT_NEAR(log10_median(RandomSampler(1), 2001), -2.0, 0.15);
  EXPECT_NEAR(log10_median(QmcSampler(1), 1025), -2.0, 0.05);
}

TEST(RandomSamplerTest, DiscreteValuesAreEquallyLikely) {
  SearchSpace space = space_from(R"({"n": {"type": "int", "low": 1, "high": 4}})");
  RandomSampler sampler(3);
  std::map<int64_t, int> counts;
  for (int n = 0; n < 4000; ++n)
    counts[std::get<int64_t>(must_sample(sampler, space, {}, n)["n"])]++;
  ASSERT_EQ(counts.size(), 4u);
  for (const auto& [value, count] : counts) EXPECT_NEAR(count, 1000, 120) << value;
}

TEST(RandomBitsTest, UniformBelowStaysInRange) {
  std::mt19937_64 gen(1);
  for (uint64_t n : {uint64_t{1}, uint64_t{3}, uint64_t{1000}, (uint64_t{1} << 63) + 5}) {
    for (int i = 0; i < 100; ++i) EXPECT_LT(uniform_below(gen, n), n);
  }
  EXPECT_EQ(unit_double(~uint64_t{0}), 1.0 - 0x1p-53);
  EXPECT_EQ(unit_double(0), 0.0);
}

// ---- qmc -----------------------------------------------------------------------------------

TEST(QmcSamplerTest, PointNIsTheNthVectorOfBoostsSequence) {
  for (size_t dims : {size_t{1}, size_t{2}, size_t{5}, size_t{40}}) {
    boost::random::sobol engine(dims);
    for (uint64_t n = 0; n < 300; ++n) {
      std::vector<double> expected(dims);
      for (auto& x : expected) x = unit_double(engine());
      ASSERT_EQ(QmcSampler::point(dims, n, {}), expected) << "dims " << dims << " point " << n;
    }
  }
  // Far along the sequence too: seed(n) must match discarding n vectors.
  boost::random::sobol engine(3);
  engine.discard(3 * 100000);
  std::vector<double> expected(3);
  for (auto& x : expected) x = unit_double(engine());
  EXPECT_EQ(QmcSampler::point(3, 100000, {}), expected);
}

TEST(QmcSamplerTest, FirstDimensionIsVanDerCorput) {
  // Boost starts after the all-zero point: 1/2, 3/4, 1/4, 3/8, 7/8, 5/8, 1/8.
  std::vector<double> expected = {0.5, 0.75, 0.25, 0.375, 0.875, 0.625, 0.125};
  for (size_t n = 0; n < expected.size(); ++n) {
    EXPECT_EQ(QmcSampler::point(1, n, {})[0], expected[n]) << n;
  }
}

TEST(QmcSamplerTest, ShiftIsAnXorOfEachCoordinate) {
  std::vector<uint64_t> shifts = QmcSampler::shifts(3, 42);
  EXPECT_EQ(shifts, QmcSampler::shifts(3, 42));
  EXPECT_NE(shifts, QmcSampler::shifts(3, 43));
  boost::random::sobol engine(3);
  engine.seed(17);
  std::vector<double> shifted = QmcSampler::point(3, 17, shifts);
  for (size_t d = 0; d < 3; ++d) EXPECT_EQ(shifted[d], unit_double(engine() ^ shifts[d]));
}

TEST(QmcSamplerTest, SamplerDecodesThePoint) {
  SearchSpace space = mixed_space();
  QmcSampler sampler(std::nullopt, /*scramble=*/false);
  for (int64_t n = 0; n < 20; ++n) {
    Params p = must_sample(sampler, space, {}, n);
    std::vector<double> u = QmcSampler::point(space.size(), n, {});
    for (size_t i = 0; i < space.size(); ++i) {
      EXPECT_TRUE(same_value(p.at(space.params()[i].name), space.decode(i, u[i])));
    }
  }
}

// Of the 8 x 8 cells of the unit square, how many the first 64 points of a sampler hit.
int cells_hit(const Sampler& sampler, uint64_t seed) {
  SearchSpace space = space_from(R"({"x": {"type": "float", "low": 0, "high": 1},
                                     "y": {"type": "float", "low": 0, "high": 1}})");
  std::set<std::pair<int, int>> cells;
  for (int n = 0; n < 64; ++n) {
    Params p = must_sample(sampler, space, {}, n, seed);
    cells.emplace(static_cast<int>(std::get<double>(p["x"]) * 8),
                  static_cast<int>(std::get<double>(p["y"]) * 8));
  }
  return static_cast<int>(cells.size());
}

TEST(QmcSamplerTest, CoversTheSquareBetterThanRandom) {
  int qmc_total = 0;
  int random_total = 0;
  for (uint64_t seed = 0; seed < 8; ++seed) {
    int qmc = cells_hit(QmcSampler(), seed);
    EXPECT_GE(qmc, 60) << "seed " << seed;  // a (0,m,2)-net would hit all 64
    qmc_total += qmc;
    random_total += cells_hit(RandomSampler(), seed);
  }
  // Independent draws hit 64 * (1 - (63/64)^64) ~ 41 cells on average.
  EXPECT_LT(random_total, 8 * 50);
  EXPECT_GT(qmc_total, random_total + 8 * 10);
}

TEST(QmcSamplerTest, TooManyDimensions) {
  std::vector<Param> params;
  for (int i = 0; i < 3668; ++i) params.push_back({fmt::format("p{}", i), FloatDistribution{}});
  auto space = SearchSpace::create(params);
  ASSERT_TRUE(space);
  SampleRequest req{*space, Direction::kMinimize, {}, 0, 0};
  auto p = QmcSampler().sample(req);
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().message,
            "the qmc sampler handles at most 3667 parameters; the space has 3668; use "
            "sampler = \"random\"");
}

// ---- grid ----------------------------------------------------------------------------------

SearchSpace small_grid_space() {  // 3 x 2 x 5 = 30 points
  return space_from(R"({"c": {"type": "categorical", "choices": ["a", "b", "c"]},
                        "n": {"type": "int", "low": 1, "high": 2},
                        "x": {"type": "float", "low": 0.01, "high": 100, "log": true}})");
}

TEST(GridSamplerTest, AxesFollowTheRules) {
  auto axes = grid_axes(space_from(R"({
    "a": {"type": "float", "low": 0, "high": 1},
    "b": {"type": "float", "low": 0.01, "high": 100, "log": true},
    "c": {"type": "float", "low": 0, "high": 0.3, "step": 0.1},
    "d": {"type": "int", "low": 1, "high": 9, "step": 4},
    "e": {"type": "categorical", "choices": [true, "x"]}})"));
  ASSERT_TRUE(axes) << axes.error().message;
  using V = std::vector<ParamValue>;
  EXPECT_EQ((*axes)[0], (V{0.0, 0.25, 0.5, 0.75, 1.0}));
  ASSERT_EQ((*axes)[1].size(), 5u);
  EXPECT_EQ((*axes)[1][0], ParamValue(0.01));
  EXPECT_NEAR(std::get<double>((*axes)[1][1]), 0.1, 1e-15);
  EXPECT_NEAR(std::get<double>((*axes)[1][2]), 1.0, 1e-15);
  EXPECT_EQ((*axes)[1][4], ParamValue(100.0));
  EXPECT_EQ((*axes)[2], (V{0.0, 0.1, 0.2, 0.3}));
  EXPECT_EQ((*axes)[3], (V{int64_t{1}, int64_t{5}, int64_t{9}}));
  EXPECT_EQ((*axes)[4], (V{true, std::string("x")}));
}

TEST(GridSamplerTest, CoversEveryPointOnceThenIsExhausted) {
  SearchSpace space = small_grid_space();
  GridSampler sampler;
  std::vector<Trial> history;
  std::set<Params> seen;
  for (int64_t n = 0; n < 30; ++n) {
    Params p = must_sample(sampler, space, history, n);
    EXPECT_TRUE(seen.insert(p).second) << "point repeated at trial " << n;
    history.push_back(trial_with(n, TrialState::kComplete, p));
  }
  SampleRequest req{space, Direction::kMinimize, history, 30, 7};
  auto done = sampler.sample(req);
  ASSERT_FALSE(done);
  EXPECT_EQ(done.error().code, ErrorCode::kExhausted);
  EXPECT_EQ(done.error().message, "grid exhausted: all 30 points have been tried");
}

TEST(GridSamplerTest, SkipsPointsHeldByRunningAndWaitingTrials) {
  SearchSpace space = small_grid_space();
  GridSampler sampler;
  Params first = must_sample(sampler, space, {}, 0);
  for (TrialState state :
       {TrialState::kWaiting, TrialState::kRunning, TrialState::kFailed, TrialState::kPruned}) {
    std::vector<Trial> history = {trial_with(0, state, first)};
    Params next = must_sample(sampler, space, history, 1);
    EXPECT_NE(next, first) << to_string(state);
    // The order is fixed by the seed: the next point does not depend on who took the first.
    EXPECT_EQ(next, must_sample(sampler, space, {trial_with(0, TrialState::kComplete, first)}, 1));
  }
}

TEST(GridSamplerTest, MatchesValuesAcrossNumericTypes) {
  SearchSpace space = small_grid_space();
  GridSampler sampler;
  Params first = must_sample(sampler, space, {}, 0);
  Params as_double = first;
  as_double["n"] = static_cast<double>(std::get<int64_t>(first["n"]));
  std::vector<Trial> history = {trial_with(0, TrialState::kComplete, as_double)};
  EXPECT_NE(must_sample(sampler, space, history, 1), first);
}

TEST(GridSamplerTest, PointsOffTheGridTakeNothing) {
  SearchSpace space = small_grid_space();
  GridSampler sampler;
  Params first = must_sample(sampler, space, {}, 0);
  Params off = first;
  off["x"] = 0.5;  // a warm-started or enqueued value between grid points
  std::vector<Trial> history = {trial_with(0, TrialState::kComplete, off),
                                trial_with(1, TrialState::kComplete, {})};
  EXPECT_EQ(must_sample(sampler, space, history, 2), first);
}

TEST(GridSamplerTest, RefusesGridsTooLarge) {
  GridSampler sampler;
  auto sample_error = [&](const char* text) {
    SearchSpace space = space_from(text);
    SampleRequest req{space, Direction::kMinimize, {}, 0, 0};
    auto p = sampler.sample(req);
    EXPECT_FALSE(p);
    return p ? std::string() : p.error().message;
  };
  EXPECT_EQ(sample_error(R"({"n": {"type": "int", "low": 0, "high": 10000}})"),
            "parameter \"n\" has 10001 values; grid search takes at most 10000 per parameter; "
            "use a larger step, or sampler = \"qmc\" or \"tpe\"");
  EXPECT_EQ(sample_error(R"({"a": {"type": "int", "low": 1, "high": 1000},
                             "b": {"type": "int", "low": 1, "high": 1001}})"),
            "the grid has 1001000 points; grid search takes at most 1000000; use sampler = "
            "\"qmc\" or \"tpe\" for a space this large");
  SearchSpace just_fits = space_from(R"({"a": {"type": "int", "low": 1, "high": 1000},
                                         "b": {"type": "int", "low": 1, "high": 1000}})");
  EXPECT_TRUE(must_sample(sampler, just_fits, {}, 0).size() == 2);
}

TEST(GridSamplerTest, WarningNamesTpe) {
  EXPECT_EQ(grid_energy_warning(),
            "grid search spends the most energy for what it finds; consider sampler = \"tpe\"");
}

// ---- make_sampler ----------------------------------------------------------------------------

std::string make_error_text(const json& config) {
  auto s = make_sampler(config);
  if (s) return "";
  EXPECT_EQ(s.error().code, ErrorCode::kInvalidArgument);
  return s.error().message;
}

TEST(MakeSamplerTest, NamesAndErrors) {
  EXPECT_EQ(sampler_names(),
            (std::vector<std::string>{"auto", "random", "qmc", "grid", "tpe", "gp"}));
  EXPECT_EQ(make_error_text({{"name", "x"}}),
            "unknown sampler \"x\"; accepted: auto, random, qmc, grid, tpe, gp");
  EXPECT_EQ(make_error_text(json::object()),
            "the sampler description needs a \"name\"; accepted: auto, random, qmc, grid, tpe, "
            "gp");
  EXPECT_EQ(make_error_text({{"name", "random"}, {"sed", 1}}),
            "sampler \"random\": unknown option \"sed\"; accepted: name, seed");
  EXPECT_EQ(make_error_text({{"name", "qmc"}, {"seed", -1}}),
            "sampler \"qmc\": \"seed\" must be a non-negative integer, got -1");
  EXPECT_EQ(make_error_text({{"name", "qmc"}, {"scramble", "yes"}}),
            "sampler \"qmc\": \"scramble\" must be true or false, got \"yes\"");
  EXPECT_EQ(make_error_text(json::array()),
            "a sampler is described by an object such as {\"name\": \"qmc\", \"seed\": 7}; got "
            "[]");
  EXPECT_EQ(must_make("grid")->name(), "grid");
  EXPECT_EQ(must_make({{"name", "qmc"}, {"seed", 3}, {"scramble", false}})->name(), "qmc");
  EXPECT_EQ(must_make({{"name", "random"}, {"seed", nullptr}})->name(), "random");
}

}  // namespace
}  // namespace greentune
