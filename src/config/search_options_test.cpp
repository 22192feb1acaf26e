// [search]: the default sampler, sampler options, warm_start, and the scale of floats
// (scale = "auto" | "log" | "linear", and the hint for wide linear ranges).
#include <gtest/gtest.h>

#include <string>

#include "config/spec_json.hpp"
#include "greentune/config.hpp"

namespace greentune {
namespace {

// [study], then `search` (the [search] keys), then the given [search.space] lines.
std::string study_file(const std::string& search, const std::string& space) {
  return "[study]\nname = \"s\"\ndirection = \"minimize\"\n[search]\n" + search +
         "[search.space]\n" + space + "[trial]\ntrainer = \"function:branin\"\n";
}

StudySpec parse_ok(const std::string& text) {
  auto spec = parse_study_file(text, "study.toml");
  EXPECT_TRUE(spec.has_value()) << spec.error().message;
  return spec ? *spec : StudySpec{};
}

const FloatDistribution& float_param(const StudySpec& spec, size_t i) {
  return std::get<FloatDistribution>(spec.search.space.params()[i].dist);
}

TEST(SearchOptions, SamplerOptionsReachTheStoredDescription) {
  StudySpec spec = parse_ok(study_file(
      "sampler = \"gp\"\nn_startup_trials = 5\noutput_warping = false\ninput_warping = true\n",
      "x = { type = \"float\", low = 0.0, high = 1.0 }\n"));
  EXPECT_EQ(spec.sampler_json(3), (nlohmann::json{{"name", "gp"},
                                                  {"seed", 3},
                                                  {"n_startup_trials", 5},
                                                  {"output_warping", false},
                                                  {"input_warping", true}}));
  auto back = study_spec_from_json(spec.to_json());
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->sampler_json(3), spec.sampler_json(3));
  StudySpec tpe = parse_ok(study_file("sampler = \"tpe\"\nn_startup_trials = 0\n",
                                      "x = { type = \"float\", low = 0.0, high = 1.0 }\n"));
  EXPECT_EQ(tpe.sampler_json(1),
            (nlohmann::json{{"name", "tpe"}, {"seed", 1}, {"n_startup_trials", 0}}));
  StudySpec automatic = parse_ok(
      study_file("n_startup_trials = 20\n", "x = { type = \"float\", low = 0.0, high = 1.0 }\n"));
  EXPECT_EQ(automatic.sampler_json(1),
            (nlohmann::json{{"name", "auto"}, {"seed", 1}, {"n_startup_trials", 20}}));
}

TEST(SearchOptions, WarmStartParentsAreKeptWithTheirPosition) {
  StudySpec spec = parse_ok(study_file("warm_start = [\"v1\", \"v2\"]\n",
                                       "x = { type = \"float\", low = 0.0, high = 1.0 }\n"));
  EXPECT_EQ(spec.search.warm_start, (std::vector<std::string>{"v1", "v2"}));
  EXPECT_EQ(spec.where("search", "warm_start"), "study.toml:5:14: [search] warm_start");
  auto back = study_spec_from_json(spec.to_json());
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->search.warm_start, spec.search.warm_start);
}

TEST(SearchOptions, ScaleAutoPicksLogForThreeDecadesOrMore) {
  StudySpec spec =
      parse_ok(study_file("", R"(wide = { type = "float", low = 1e-5, high = 1.0, scale = "auto" }
edge = { type = "float", low = 0.001, high = 1.0, scale = "auto" }
narrow = { type = "float", low = 0.01, high = 1.0, scale = "auto" }
signed = { type = "float", low = -1.0, high = 1000.0, scale = "auto" }
stepped = { type = "float", low = 0.001, high = 10.0, step = 0.001, scale = "auto" }
logged = { type = "float", low = 0.5, high = 1.0, scale = "log" }
linear = { type = "float", low = 1e-6, high = 1.0, scale = "linear" }
agreed = { type = "float", low = 1e-6, high = 1.0, scale = "log", log = true }
)"));
  EXPECT_TRUE(float_param(spec, 0).log);
  EXPECT_TRUE(float_param(spec, 1).log);  // exactly 1000: three decades
  EXPECT_FALSE(float_param(spec, 2).log);
  EXPECT_FALSE(float_param(spec, 3).log);  // low <= 0 has no log scale
  EXPECT_FALSE(float_param(spec, 4).log);  // a step excludes log
  EXPECT_TRUE(float_param(spec, 5).log);
  EXPECT_FALSE(float_param(spec, 6).log);
  EXPECT_TRUE(float_param(spec, 7).log);
  EXPECT_TRUE(spec.search.hints.empty());  // every scale was chosen
}

TEST(SearchOptions, IntsTakeScaleToo) {
  StudySpec spec =
      parse_ok(study_file("", R"(trees = { type = "int", low = 10, high = 10000, scale = "auto" }
depth = { type = "int", low = 2, high = 12, scale = "auto" }
batch = { type = "int", low = 1, high = 1024, scale = "log" }
wide = { type = "int", low = 1, high = 100000 }
)"));
  const auto& params = spec.search.space.params();
  EXPECT_TRUE(std::get<IntDistribution>(params[0].dist).log);
  EXPECT_FALSE(std::get<IntDistribution>(params[1].dist).log);
  EXPECT_TRUE(std::get<IntDistribution>(params[2].dist).log);
  EXPECT_FALSE(std::get<IntDistribution>(params[3].dist).log);
  EXPECT_TRUE(spec.search.hints.empty());
}

TEST(SearchOptions, WideLinearFloatGetsAHint) {
  StudySpec spec = parse_ok(study_file("", R"(lr = { type = "float", low = 1e-5, high = 0.1 }
narrow = { type = "float", low = 0.001, high = 0.5 }
logged = { type = "float", low = 1e-5, high = 0.1, log = true }
chosen = { type = "float", low = 1e-5, high = 0.1, log = false }
signed = { type = "float", low = -1.0, high = 5000.0 }
)"));
  ASSERT_EQ(spec.search.hints.size(), 1u);
  EXPECT_EQ(spec.search.hints[0],
            "study.toml:6:1: [search.space] lr: hint: [1e-05, 0.1] spans 4 decades but is searched "
            "on a linear scale (9 trials in 10 land in the top decade); log = true or scale = "
            "\"auto\" searches each decade alike");
  EXPECT_FALSE(float_param(spec, 0).log);  // a hint, not a change
}

}  // namespace
}  // namespace greentune
