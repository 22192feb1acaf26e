#include "greentune/space.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "space/distribution.hpp"

namespace greentune {
namespace {

using nlohmann::json;

Param float_param(std::string name, double low, double high, bool log = false,
                  std::optional<double> step = std::nullopt) {
  return Param{std::move(name), FloatDistribution{low, high, log, step}};
}

Param int_param(std::string name, int64_t low, int64_t high, bool log = false, int64_t step = 1) {
  return Param{std::move(name), IntDistribution{low, high, log, step}};
}

Param cat_param(std::string name, std::vector<ParamValue> choices) {
  return Param{std::move(name), CategoricalDistribution{std::move(choices)}};
}

// The error message of create(), or "" when it succeeds.
std::string create_error(std::vector<Param> params) {
  auto space = SearchSpace::create(std::move(params));
  if (space) return "";
  EXPECT_EQ(space.error().code, ErrorCode::kInvalidArgument);
  return space.error().message;
}

std::string json_error(const std::string& text) {
  auto space = SearchSpace::from_json(json::parse(text));
  if (space) return "";
  EXPECT_EQ(space.error().code, ErrorCode::kInvalidArgument);
  return space.error().message;
}

SearchSpace must_create(std::vector<Param> params) {
  auto space = SearchSpace::create(std::move(params));
  EXPECT_TRUE(space) << space.error().message;
  return *space;
}

// ---- ParamValue -----------------------------------------------------------------------

TEST(ParamValueTest, SameValueComparesNumbersAcrossTypes) {
  EXPECT_TRUE(same_value(int64_t{3}, 3.0));
  EXPECT_TRUE(same_value(3.0, int64_t{3}));
  EXPECT_FALSE(same_value(int64_t{3}, 3.5));
  EXPECT_FALSE(same_value(true, int64_t{1}));
  EXPECT_FALSE(same_value(std::string("3"), int64_t{3}));
  EXPECT_TRUE(same_value(std::string("a"), std::string("a")));
  EXPECT_FALSE(same_value(std::nan(""), std::nan("")));
  EXPECT_FALSE(same_value(int64_t{9007199254740993}, 9007199254740992.0));
}

TEST(ParamValueTest, Display) {
  EXPECT_EQ(to_display(0.1), "0.1");
  EXPECT_EQ(to_display(0.1 + 0.2), "0.30000000000000004");
  EXPECT_EQ(to_display(int64_t{3}), "3");
  EXPECT_EQ(to_display(std::string("gbtree")), "gbtree");
  EXPECT_EQ(to_display(true), "true");
  EXPECT_EQ(to_display(1e-300), "1e-300");
}

TEST(ParamValueTest, JsonRoundTripKeepsTypes) {
  for (const ParamValue& v : {ParamValue(true), ParamValue(int64_t{-4}), ParamValue(2.5),
                              ParamValue(1.0), ParamValue(std::string("x"))}) {
    auto back = param_value_from_json(json::parse(to_json(v).dump()));
    ASSERT_TRUE(back);
    EXPECT_EQ(*back, v);
  }
  EXPECT_FALSE(param_value_from_json(json::array()));
  EXPECT_FALSE(param_value_from_json(json(nullptr)));
  EXPECT_FALSE(param_value_from_json(json(uint64_t{1} << 63)));
}

// ---- create() validation ----------------------------------------------------------------

TEST(SearchSpaceCreateTest, FloatErrors) {
  EXPECT_EQ(create_error({float_param("eta", 0.3, 0.001)}),
            "parameter \"eta\": low (0.3) must be less than high (0.001)");
  EXPECT_EQ(create_error({float_param("eta", 0.5, 0.5)}),
            "parameter \"eta\": low (0.5) must be less than high (0.5)");
  EXPECT_EQ(create_error({float_param("eta", 0, 1, true)}),
            "parameter \"eta\": log scale needs low > 0 (got 0)");
  EXPECT_EQ(create_error({float_param("lr", 0, 1, false, 0.3)}),
            "parameter \"lr\": step 0.3 does not divide the range [0, 1]; (high - low) must be "
            "a multiple of step");
  EXPECT_EQ(create_error({float_param("lr", 0, 1e-12, false, 1)}),
            "parameter \"lr\": step 1 does not divide the range [0, 1e-12]; (high - low) must "
            "be a multiple of step");
  EXPECT_EQ(create_error({float_param("lr", 0.1, 1, true, 0.1)}),
            "parameter \"lr\": log and step cannot be used together; remove one of them");
  EXPECT_EQ(create_error({float_param("lr", 0, 1, false, 0.0)}),
            "parameter \"lr\": step must be a positive number (got 0)");
  EXPECT_EQ(create_error({float_param("lr", 0, 1, false, -0.5)}),
            "parameter \"lr\": step must be a positive number (got -0.5)");
  EXPECT_EQ(create_error({float_param("x", 0, INFINITY)}),
            "parameter \"x\": low and high must be finite numbers (got low=0, high=inf)");
  EXPECT_EQ(create_error({float_param("x", NAN, 1)}),
            "parameter \"x\": low and high must be finite numbers (got low=nan, high=1)");
  EXPECT_EQ(create_error({float_param("x", -1e308, 1e308)}),
            "parameter \"x\": the range [-1e+308, 1e+308] is too wide (high - low overflows)");
  EXPECT_EQ(create_error({float_param("x", 0, 1, false, 1e-12)}),
            "parameter \"x\": step 1e-12 is too small for the range [0, 1] (more than "
            "1000000000 values); use a larger step or no step");
}

TEST(SearchSpaceCreateTest, DecimalStepsThatDivideAreAccepted) {
  EXPECT_EQ(create_error({float_param("a", 0, 0.3, false, 0.1)}), "");
  EXPECT_EQ(create_error({float_param("b", 0.001, 0.3, false, 0.001)}), "");
  EXPECT_EQ(create_error({float_param("c", -1.5, 2.25, false, 0.05)}), "");
  EXPECT_EQ(create_error({float_param("d", 1e6, 1e6 + 0.3, false, 0.1)}), "");
}

TEST(SearchSpaceCreateTest, IntErrors) {
  EXPECT_EQ(create_error({int_param("n", 9, 1)}),
            "parameter \"n\": low (9) must be less than high (1)");
  EXPECT_EQ(create_error({int_param("n", 1, 10, false, 2)}),
            "parameter \"n\": step 2 does not divide the range [1, 10]; (high - low) must be a "
            "multiple of step");
  EXPECT_EQ(create_error({int_param("n", 1, 9, false, 0)}),
            "parameter \"n\": step must be at least 1 (got 0)");
  EXPECT_EQ(create_error({int_param("n", 0, 8, true)}),
            "parameter \"n\": log scale needs low > 0 (got 0)");
  EXPECT_EQ(create_error({int_param("n", 1, 9, true, 2)}),
            "parameter \"n\": log and step cannot be used together; remove the step (log scale "
            "needs step 1, got 2)");
  EXPECT_EQ(create_error({int_param("n", 0, int64_t{1} << 52)}),
            "parameter \"n\": the range [0, 4503599627370496] has more than 2^50 values; narrow "
            "it or use a larger step");
  EXPECT_EQ(create_error({int_param("n", 1, 1024, true)}), "");
}

TEST(SearchSpaceCreateTest, IntRangeWiderThanInt64Works) {
  constexpr int64_t kStep = int64_t{1} << 20;
  auto space = must_create({int_param("n", INT64_MIN, INT64_MAX - (kStep - 1), false, kStep)});
  EXPECT_EQ(space.cardinality(0), uint64_t{1} << 44);
  for (int64_t v : {INT64_MIN, INT64_MAX - (kStep - 1), INT64_MIN + 77 * kStep}) {
    EXPECT_TRUE(space.contains(0, v));
    EXPECT_EQ(space.decode(0, space.encode(0, v)), ParamValue(v));
  }
  EXPECT_FALSE(space.contains(0, int64_t{1}));
}

TEST(SearchSpaceCreateTest, CategoricalErrors) {
  EXPECT_EQ(create_error({cat_param("booster", {})}),
            "parameter \"booster\": choices must not be empty");
  EXPECT_EQ(create_error({cat_param("booster", {std::string("gbtree"), std::string("gbtree")})}),
            "parameter \"booster\": choice \"gbtree\" appears more than once; choices must be "
            "distinct");
  EXPECT_EQ(create_error({cat_param("k", {int64_t{1}, 1.0})}),
            "parameter \"k\": choice 1 appears more than once; choices must be distinct");
  EXPECT_EQ(create_error({cat_param("k", {NAN})}),
            "parameter \"k\": choice nan can never be matched; remove it");
  EXPECT_EQ(create_error({cat_param("k", {true, int64_t{1}, std::string("1"), 1.5})}), "");
}

TEST(SearchSpaceCreateTest, NameErrors) {
  EXPECT_EQ(create_error({float_param("eta", 0, 1), float_param("eta", 0, 2)}),
            "duplicate parameter \"eta\"");
  EXPECT_EQ(create_error({float_param("", 0, 1)}), "parameter name must not be empty");
}

// ---- JSON form ---------------------------------------------------------------------------

TEST(SearchSpaceJsonTest, ParsesTheDocumentedForm) {
  auto space = SearchSpace::from_json(nlohmann::ordered_json::parse(R"({
    "eta": {"type": "float", "low": 0.001, "high": 0.3, "log": true},
    "n": {"type": "int", "low": 1, "high": 9, "step": 2},
    "b": {"type": "categorical", "choices": ["a", 1, 2.5, true]}})"));
  ASSERT_TRUE(space) << space.error().message;
  ASSERT_EQ(space->size(), 3u);
  // The params keep the order in which they were written.
  EXPECT_EQ(space->params()[0].name, "eta");
  EXPECT_EQ(space->params()[1].name, "n");
  EXPECT_EQ(space->params()[2].name, "b");
  const auto& eta = std::get<FloatDistribution>(space->find("eta")->dist);
  EXPECT_EQ(eta.low, 0.001);
  EXPECT_EQ(eta.high, 0.3);
  EXPECT_TRUE(eta.log);
  EXPECT_FALSE(eta.step);
  const auto& n = std::get<IntDistribution>(space->find("n")->dist);
  EXPECT_EQ(n.step, 2);
  const auto& b = std::get<CategoricalDistribution>(space->find("b")->dist);
  ASSERT_EQ(b.choices.size(), 4u);
  EXPECT_EQ(b.choices[0], ParamValue(std::string("a")));
  EXPECT_EQ(b.choices[1], ParamValue(int64_t{1}));
  EXPECT_EQ(b.choices[2], ParamValue(2.5));
  EXPECT_EQ(b.choices[3], ParamValue(true));
  EXPECT_EQ(space->find("missing"), nullptr);
}

TEST(SearchSpaceJsonTest, IntBoundsMayBeIntegralFloats) {
  auto space = SearchSpace::from_json(
      json::parse(R"({"n": {"type": "int", "low": 1.0, "high": 9.0, "step": 2.0}})"));
  ASSERT_TRUE(space) << space.error().message;
  EXPECT_EQ(std::get<IntDistribution>(space->params()[0].dist).high, 9);
  EXPECT_EQ(json_error(R"({"n": {"type": "int", "low": 1.5, "high": 9}})"),
            "parameter \"n\": \"low\" must be an integer, got 1.5");
}

TEST(SearchSpaceJsonTest, Errors) {
  EXPECT_EQ(json_error(R"({"eta": {"type": "float", "lo": 0, "high": 1}})"),
            "parameter \"eta\": unknown key \"lo\"; accepted: type, low, high, step, log");
  EXPECT_EQ(json_error(R"({"b": {"type": "categorical", "choices": [1], "low": 0}})"),
            "parameter \"b\": unknown key \"low\"; accepted: type, choices");
  EXPECT_EQ(json_error(R"({"eta": {"low": 0, "high": 1}})"),
            "parameter \"eta\": missing \"type\"; accepted: float, int, categorical");
  EXPECT_EQ(json_error(R"({"eta": {"type": "double", "low": 0, "high": 1}})"),
            "parameter \"eta\": unknown type \"double\"; accepted: float, int, categorical");
  EXPECT_EQ(json_error(R"({"eta": {"type": "float", "high": 1}})"),
            "parameter \"eta\": missing \"low\"; a float parameter needs \"low\" and \"high\"");
  EXPECT_EQ(json_error(R"({"eta": {"type": "float", "low": "0", "high": 1}})"),
            "parameter \"eta\": \"low\" must be a number, got \"0\"");
  EXPECT_EQ(json_error(R"({"eta": {"type": "float", "low": 0, "high": 1, "log": 1}})"),
            "parameter \"eta\": \"log\" must be true or false, got 1");
  EXPECT_EQ(json_error(R"({"b": {"type": "categorical"}})"),
            "parameter \"b\": missing \"choices\"; a categorical parameter needs a list of "
            "choices");
  EXPECT_EQ(json_error(R"({"b": {"type": "categorical", "choices": "a"}})"),
            "parameter \"b\": \"choices\" must be a list, got \"a\"");
  EXPECT_EQ(json_error(R"({"b": {"type": "categorical", "choices": [[1]]}})"),
            "parameter \"b\": choices must be booleans, numbers or strings, got [1]");
  EXPECT_EQ(json_error(R"({"b": {"type": "categorical", "choices": []}})"),
            "parameter \"b\": choices must not be empty");
  EXPECT_EQ(json_error(R"({"eta": 0.3})"),
            "parameter \"eta\": expected an object such as {\"type\": \"float\", \"low\": 0, "
            "\"high\": 1}, got 0.3");
  EXPECT_EQ(json_error(R"([1])"),
            "a search space must be a JSON object of parameters, e.g. {\"eta\": {\"type\": "
            "\"float\", \"low\": 0.001, \"high\": 0.3, \"log\": true}}; got [1]");
  EXPECT_EQ(json_error(R"({"eta": {"type": "float", "low": 0.3, "high": 0.001}})"),
            "parameter \"eta\": low (0.3) must be less than high (0.001)");
}

TEST(SearchSpaceJsonTest, RoundTripIsExact) {
  auto space = must_create({
      float_param("a", 0.1 + 0.2, 1.0 / 3.0),
      float_param("b", 1e-7, 0.30000000000000004, true),
      float_param("c", -1.5, 2.25, false, 0.05),
      int_param("d", -7, 8, false, 3),
      int_param("e", 1, 1 << 20, true),
      cat_param("f", {std::string("x"), int64_t{2}, 2.5, 1.0, false}),
  });
  nlohmann::ordered_json j = space.to_json();
  auto back = SearchSpace::from_json(nlohmann::ordered_json::parse(j.dump()));
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->to_json(), j);
  EXPECT_EQ(back->to_json().dump(), j.dump());
  const auto& a = std::get<FloatDistribution>(back->find("a")->dist);
  EXPECT_EQ(a.low, 0.1 + 0.2);
  EXPECT_EQ(a.high, 1.0 / 3.0);
  const auto& f = std::get<CategoricalDistribution>(back->find("f")->dist);
  EXPECT_EQ(f.choices[3], ParamValue(1.0));  // stays a double
}

// ---- encode / decode ---------------------------------------------------------------------

TEST(SearchSpaceEncodingTest, IntRoundTripIsExhaustive) {
  auto space = must_create({int_param("a", -5, 20), int_param("b", 1, 1000, true),
                            int_param("c", 3, 63, false, 5), int_param("d", 1, 2)});
  for (size_t i = 0; i < space.size(); ++i) {
    const auto& d = std::get<IntDistribution>(space.params()[i].dist);
    for (int64_t v = d.low; v <= d.high; v += d.step) {
      double u = space.encode(i, v);
      EXPECT_GT(u, 0.0);
      EXPECT_LT(u, 1.0);
      EXPECT_EQ(space.decode(i, u), ParamValue(v)) << space.params()[i].name << " " << v;
    }
  }
}

TEST(SearchSpaceEncodingTest, IntValuesOwnEqualShares) {
  auto space = must_create({int_param("n", 1, 4)});
  EXPECT_EQ(space.decode(0, 0.0), ParamValue(int64_t{1}));
  EXPECT_EQ(space.decode(0, 0.2499), ParamValue(int64_t{1}));
  EXPECT_EQ(space.decode(0, 0.2501), ParamValue(int64_t{2}));
  EXPECT_EQ(space.decode(0, 0.7501), ParamValue(int64_t{4}));
  EXPECT_EQ(space.decode(0, 1.0), ParamValue(int64_t{4}));
  EXPECT_EQ(space.encode(0, int64_t{1}), 0.125);
  EXPECT_EQ(space.encode(0, 3.0), 0.625);  // an integral double stands for the int
}

TEST(SearchSpaceEncodingTest, LogIntSharesFollowLogSpace) {
  auto space = must_create({int_param("n", 1, 100, true)});
  // 1 owns [log 0.5, log 1.5) of [log 0.5, log 100.5].
  double share_of_1 = (std::log(1.5) - std::log(0.5)) / (std::log(100.5) - std::log(0.5));
  EXPECT_EQ(space.decode(0, share_of_1 * 0.99), ParamValue(int64_t{1}));
  EXPECT_EQ(space.decode(0, share_of_1 * 1.01), ParamValue(int64_t{2}));
}

TEST(SearchSpaceEncodingTest, CategoricalRoundTripIsExhaustive) {
  std::vector<ParamValue> choices = {std::string("a"), int64_t{1}, 2.5, true, std::string("b")};
  auto space = must_create({cat_param("c", choices)});
  for (size_t i = 0; i < choices.size(); ++i) {
    double u = space.encode(0, choices[i]);
    EXPECT_DOUBLE_EQ(u, (i + 0.5) / choices.size());
    EXPECT_EQ(space.decode(0, u), choices[i]);
  }
  EXPECT_EQ(space.decode(0, 0.0), choices[0]);
  EXPECT_EQ(space.decode(0, 1.0), choices[4]);
  EXPECT_EQ(space.decode(0, 0.39), choices[1]);
  EXPECT_EQ(space.decode(0, 0.41), choices[2]);
  EXPECT_TRUE(std::isnan(space.encode(0, std::string("zzz"))));
}

TEST(SearchSpaceEncodingTest, FloatStepRoundTripAndTidyValues) {
  auto space = must_create(
      {float_param("a", 0.1, 0.9, false, 0.2), float_param("b", 0.001, 0.3, false, 0.001)});
  EXPECT_EQ(space.cardinality(0), 5u);
  EXPECT_EQ(space.cardinality(1), 300u);
  EXPECT_EQ(space.decode(0, 0.7), ParamValue(0.7));  // 0.1 + 3 * 0.2, tidied
  EXPECT_EQ(space.decode(1, 1.0), ParamValue(0.3));
  EXPECT_TRUE(space.contains(0, 0.7));
  for (size_t i = 0; i < space.size(); ++i) {
    const auto& d = std::get<FloatDistribution>(space.params()[i].dist);
    for (uint64_t k = 0; k < *space.cardinality(i); ++k) {
      ParamValue v = grid_value(d, k);
      EXPECT_TRUE(space.contains(i, v)) << to_display(v);
      EXPECT_EQ(space.decode(i, space.encode(i, v)), v) << to_display(v);
    }
  }
}

TEST(SearchSpaceEncodingTest, FloatRoundTripIsExactUpToRounding) {
  auto space = must_create({float_param("lin", -3.5, 12.25), float_param("log", 1e-6, 10, true),
                            float_param("tiny", 0.1, 0.1000001)});
  std::mt19937_64 gen(42);
  for (size_t i = 0; i < space.size(); ++i) {
    const auto& d = std::get<FloatDistribution>(space.params()[i].dist);
    EXPECT_EQ(space.decode(i, space.encode(i, d.low)), ParamValue(d.low));
    EXPECT_EQ(space.decode(i, space.encode(i, d.high)), ParamValue(d.high));
    for (int n = 0; n < 2000; ++n) {
      double r = static_cast<double>(gen() >> 11) * 0x1p-53;
      double v = d.log ? d.low * std::pow(d.high / d.low, r) : d.low * (1 - r) + d.high * r;
      v = std::clamp(v, d.low, d.high);
      double u = space.encode(i, v);
      ASSERT_GE(u, 0.0);
      ASSERT_LE(u, 1.0);
      double back = std::get<double>(space.decode(i, u));
      // Exact equality is impossible: encode() maps neighbouring doubles to the same u
      // (in log space, most of them), so decode() can only return one of them.
      EXPECT_NEAR(back, v, std::abs(v) * 1e-14) << space.params()[i].name;
      EXPECT_TRUE(space.contains(i, back));
    }
  }
}

TEST(SearchSpaceEncodingTest, DecodeClampsAndAcceptsAnyInput) {
  auto space = must_create({float_param("x", 1, 2), int_param("n", 0, 10)});
  EXPECT_EQ(space.decode(0, -1.0), ParamValue(1.0));
  EXPECT_EQ(space.decode(0, 7.0), ParamValue(2.0));
  EXPECT_EQ(space.decode(0, std::nan("")), ParamValue(1.0));
  EXPECT_EQ(space.decode(1, 2.0), ParamValue(int64_t{10}));
  EXPECT_DOUBLE_EQ(space.encode(0, 1.5), 0.5);
}

TEST(SearchSpaceEncodingTest, LogFloatIsUniformInLogSpace) {
  auto space = must_create({float_param("eta", 1e-4, 1, true)});
  EXPECT_NEAR(std::get<double>(space.decode(0, 0.5)), 1e-2, 1e-15);
  EXPECT_NEAR(space.encode(0, 1e-3), 0.25, 1e-15);
}

// ---- contains / validate / cardinality ------------------------------------------------------

TEST(SearchSpaceContainsTest, Messages) {
  auto space = must_create({int_param("n", 1, 9, false, 2), float_param("eta", 0.001, 0.3),
                            float_param("lr", 0, 1, false, 0.1),
                            cat_param("booster", {std::string("gbtree"), std::string("dart")})});
  auto msg = [&](size_t i, const ParamValue& v) {
    auto st = space.contains(i, v);
    return st ? std::string() : st.error().message;
  };
  EXPECT_EQ(msg(0, int64_t{4}), "parameter \"n\": 4 is not on the grid low=1, step=2");
  EXPECT_EQ(msg(0, int64_t{11}), "parameter \"n\": 11 is outside [1, 9]");
  EXPECT_EQ(msg(0, 2.5), "parameter \"n\": expected an integer, got 2.5");
  EXPECT_EQ(msg(0, std::string("abc")), "parameter \"n\": expected an integer, got \"abc\"");
  EXPECT_EQ(msg(0, true), "parameter \"n\": expected an integer, got true");
  EXPECT_EQ(msg(0, 5.0), "");
  EXPECT_EQ(msg(0, int64_t{9}), "");
  EXPECT_EQ(msg(1, 0.5), "parameter \"eta\": 0.5 is outside [0.001, 0.3]");
  EXPECT_EQ(msg(1, std::nan("")), "parameter \"eta\": nan is outside [0.001, 0.3]");
  EXPECT_EQ(msg(1, std::string("x")), "parameter \"eta\": expected a number, got \"x\"");
  EXPECT_EQ(msg(1, 0.001), "");
  EXPECT_EQ(msg(2, int64_t{1}), "");
  EXPECT_EQ(msg(2, 0.3), "");
  EXPECT_EQ(msg(2, 0.1 + 0.2),
            "parameter \"lr\": 0.30000000000000004 is not on the grid low=0, step=0.1 "
            "(nearest: 0.3)");
  EXPECT_EQ(msg(3, std::string("x")),
            "parameter \"booster\": \"x\" is not one of the choices [\"gbtree\", \"dart\"]");
  EXPECT_EQ(msg(3, std::string("dart")), "");
}

TEST(SearchSpaceContainsTest, Validate) {
  auto space = must_create({float_param("eta", 0.001, 0.3), int_param("n", 1, 9)});
  EXPECT_TRUE(space.validate({{"eta", 0.1}, {"n", int64_t{3}}}));
  auto missing = space.validate({{"eta", 0.1}});
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().message, "missing parameter \"n\"");
  auto unknown = space.validate({{"eta", 0.1}, {"n", int64_t{3}}, {"etta", 1.0}});
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().message, "unknown parameter \"etta\"; the space has: eta, n");
  auto bad = space.validate({{"eta", 0.1}, {"n", int64_t{30}}});
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(bad.error().message, "parameter \"n\": 30 is outside [1, 9]");
}

TEST(SearchSpaceContainsTest, Cardinality) {
  auto space = must_create({float_param("a", 0, 1), float_param("b", 0, 1, false, 0.25),
                            int_param("c", 1, 9, false, 2), int_param("d", 1, 100, true),
                            cat_param("e", {true, false})});
  EXPECT_EQ(space.cardinality(0), std::nullopt);
  EXPECT_EQ(space.cardinality(1), 5u);
  EXPECT_EQ(space.cardinality(2), 5u);
  EXPECT_EQ(space.cardinality(3), 100u);
  EXPECT_EQ(space.cardinality(4), 2u);
}

TEST(SearchSpaceTest, EmptySpace) {
  auto space = must_create({});
  EXPECT_TRUE(space.empty());
  EXPECT_TRUE(space.validate({}));
  EXPECT_EQ(space.to_json(), nlohmann::ordered_json::object());
}

}  // namespace
}  // namespace greentune
