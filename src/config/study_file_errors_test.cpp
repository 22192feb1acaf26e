// Study files that are refused, each with its exact one-line message.
#include <gtest/gtest.h>

#include <string>

#include "greentune/config.hpp"

namespace greentune {
namespace {

// A valid study file of 7 lines: what a test appends starts on line 8.
constexpr const char* kMinimal = R"([study]
name = "s"
direction = "minimize"
[search.space]
x = { type = "float", low = 0.0, high = 1.0 }
[trial]
trainer = "function:branin"
)";

// The message of the error that parsing `text` gives (and that it is one).
std::string error_of(const std::string& text) {
  auto spec = parse_study_file(text, "study.toml");
  if (spec) return "(parsed without error)";
  EXPECT_EQ(spec.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(spec.error().message.find('\n'), std::string::npos);
  return spec.error().message;
}

std::string error_after_minimal(const std::string& tail) { return error_of(kMinimal + tail); }

// [study], [trial] and a [search.space] table with the given parameter line (line 5).
std::string error_of_param(const std::string& line) {
  return error_of("[study]\nname = \"s\"\ndirection = \"minimize\"\n[search.space]\n" + line +
                  "\n[trial]\ntrainer = \"function:branin\"\n");
}

TEST(StudyFileErrors, SyntaxError) {
  EXPECT_EQ(error_of("[study]\nname = \n"),
            "study.toml:2:8: syntax error: Error while parsing key-value pair: expected value, "
            "saw '\\n'");
  EXPECT_EQ(error_of("[study\n"),
            "study.toml:1:7: syntax error: Error while parsing table header: expected ']', "
            "saw '\\n'");
}

TEST(StudyFileErrors, UnknownKeyNamesTheClosest) {
  EXPECT_EQ(error_after_minimal("[budget]\nmax_trails = 10\n"),
            "study.toml:9:1: [budget] max_trails: unknown key; did you mean \"max_trials\"?");
  EXPECT_EQ(error_after_minimal("[search]\nsed = 1\n"),
            "study.toml:9:1: [search] sed: unknown key; did you mean \"seed\"?");
}

TEST(StudyFileErrors, UnknownKeyFarFromAllListsThem) {
  EXPECT_EQ(error_after_minimal("[search]\nbananas = 1\n"),
            "study.toml:9:1: [search] bananas: unknown key; accepted: sampler, seed, "
            "multivariate, n_startup_trials, output_warping, input_warping, warm_start, space");
}

TEST(StudyFileErrors, UnknownKeyOfAnotherSection) {
  EXPECT_EQ(error_of("[study]\nname = \"s\"\nmax_trials = 3\n"),
            "study.toml:3:1: [study] max_trials: unknown key; it belongs in [budget]");
}

TEST(StudyFileErrors, UnknownSection) {
  EXPECT_EQ(error_after_minimal("[bugdet]\nmax_trials = 1\n"),
            "study.toml:8:1: [bugdet]: unknown section; did you mean [budget]?");
  EXPECT_EQ(error_after_minimal("[whatever]\n"),
            "study.toml:8:1: [whatever]: unknown section; accepted: [study], [budget], "
            "[search], [trial], [data], [trainer], [pruner], [[rules]], [carbon], [energy], "
            "[retention]");
  EXPECT_EQ(error_after_minimal("[[rule]]\nkind = \"overfit\"\n"),
            "study.toml:8:1: [[rule]]: unknown section; did you mean [[rules]]?");
}

TEST(StudyFileErrors, KeyOutsideAnySection) {
  EXPECT_EQ(error_of(std::string("max_trials = 3\n") + kMinimal),
            "study.toml:1:1: max_trials: key outside any section; it belongs in [budget]");
  EXPECT_EQ(error_of("study = 3\n"),
            "study.toml:1:1: study: expected a section [study], got integer 3");
}

TEST(StudyFileErrors, StrangeKeysAreQuoted) {
  EXPECT_EQ(error_after_minimal("[budget]\n\"a\\nb\" = 1\n"),
            "study.toml:9:1: [budget] \"a\\nb\": unknown key; accepted: max_trials, max_wall, "
            "patience, convergence, convergence_tolerance, concurrency, max_energy_kwh, "
            "max_co2e_g");
}

TEST(StudyFileErrors, WrongType) {
  EXPECT_EQ(error_after_minimal("[budget]\nmax_trials = \"ten\"\n"),
            "study.toml:9:14: [budget] max_trials: expected an integer, got string \"ten\"");
  EXPECT_EQ(error_after_minimal("[budget]\nmax_trials = 10.0\n"),
            "study.toml:9:14: [budget] max_trials: expected an integer, got float 10.0");
  EXPECT_EQ(error_after_minimal("[budget]\nmax_energy_kwh = [1]\n"),
            "study.toml:9:18: [budget] max_energy_kwh: expected a number, got an array");
}

TEST(StudyFileErrors, IntegersOutOfRange) {
  EXPECT_EQ(error_after_minimal("[budget]\nmax_trials = 0\n"),
            "study.toml:9:14: [budget] max_trials: 0 is out of range; accepted: an integer >= 1");
  EXPECT_EQ(error_after_minimal("[budget]\npatience = -2\n"),
            "study.toml:9:12: [budget] patience: -2 is out of range; accepted: an integer >= 1");
  EXPECT_EQ(error_after_minimal("[budget]\nconvergence = 1\n"),
            "study.toml:9:15: [budget] convergence: 1 is out of range; accepted: an integer >= 2");
  EXPECT_EQ(error_after_minimal("[budget]\nconcurrency = 0\n"),
            "study.toml:9:15: [budget] concurrency: 0 is out of range; accepted: an integer >= 1");
}

TEST(StudyFileErrors, NumbersOutOfRange) {
  EXPECT_EQ(error_after_minimal("[budget]\nconvergence_tolerance = 1\n"),
            "study.toml:9:25: [budget] convergence_tolerance: 1 is out of range; accepted: a "
            "number between 0 and 1, exclusive");
  EXPECT_EQ(
      error_after_minimal("[budget]\nmax_energy_kwh = 0.0\n"),
      "study.toml:9:18: [budget] max_energy_kwh: 0.0 is out of range; accepted: a number > 0");
  EXPECT_EQ(error_after_minimal("[budget]\nmax_co2e_g = -1\n"),
            "study.toml:9:14: [budget] max_co2e_g: -1 is out of range; accepted: a number > 0");
  EXPECT_EQ(error_of("[study]\nname = \"s\"\ndirection = \"minimize\"\ntarget = nan\n"),
            "study.toml:4:10: [study] target: nan is out of range; accepted: a finite number");
}

TEST(StudyFileErrors, DurationsOutOfForm) {
  EXPECT_EQ(error_after_minimal("[budget]\nmax_wall = \"30 minutes\"\n"),
            "study.toml:9:12: [budget] max_wall: \"30 minutes\" is not a duration; accepted: "
            "\"90s\", \"30m\", \"2h\", \"1d\", combinations like \"1h30m\", or a number of "
            "seconds");
  EXPECT_EQ(error_after_minimal("[budget]\nmax_wall = true\n"),
            "study.toml:9:12: [budget] max_wall: expected a duration (\"90s\", \"30m\", \"2h\", "
            "\"1d\", combinations like \"1h30m\", or a number of seconds), got boolean true");
}

TEST(StudyFileErrors, DurationsOutOfRange) {
  EXPECT_EQ(error_after_minimal("timeout = \"0s\"\n"),
            "study.toml:8:11: [trial] timeout: \"0s\" is out of range; accepted: a duration "
            "longer than zero");
  EXPECT_EQ(error_after_minimal("grace = -1\n"),
            "study.toml:8:9: [trial] grace: -1 is out of range; accepted: a duration of at least "
            "zero");
}

TEST(StudyFileErrors, StudyNeedsItsSectionAndKeys) {
  EXPECT_EQ(error_of("[trial]\ntrainer = \"function:branin\"\n"),
            "study.toml:1:1: [study] is required; add it with name = \"...\" and direction = "
            "\"minimize\" or \"maximize\"");
  EXPECT_EQ(error_of("[study]\ndirection = \"minimize\"\n"),
            "study.toml:1:1: [study] name: required; accepted: letters, digits, '.', '_' and "
            "'-', starting with a letter or digit, e.g. \"my-study\"");
  EXPECT_EQ(error_of("\n[study]\nname = \"s\"\n"),
            "study.toml:2:1: [study] direction: required; accepted: minimize, maximize");
}

TEST(StudyFileErrors, StudyName) {
  EXPECT_EQ(error_of("[study]\nname = \"my study\"\n"),
            "study.toml:2:8: [study] name: \"my study\" has characters that are not allowed; "
            "accepted: letters, digits, '.', '_' and '-', starting with a letter or digit, e.g. "
            "\"my-study\"");
  EXPECT_EQ(error_of("[study]\nname = \"..\"\n"),
            "study.toml:2:8: [study] name: \"..\" has characters that are not allowed; "
            "accepted: letters, digits, '.', '_' and '-', starting with a letter or digit, e.g. "
            "\"my-study\"");
  EXPECT_EQ(error_of("[study]\nname = \"\"\n"),
            "study.toml:2:8: [study] name: empty string; accepted: a non-empty string");
}

TEST(StudyFileErrors, Direction) {
  EXPECT_EQ(error_of("[study]\nname = \"s\"\ndirection = \"max\"\n"),
            "study.toml:3:13: [study] direction: unknown direction \"max\"; accepted: minimize, "
            "maximize");
}

TEST(StudyFileErrors, MultivariateIsATpeOption) {
  EXPECT_EQ(error_after_minimal("[search]\nsampler = \"qmc\"\nmultivariate = true\n"),
            "study.toml:10:16: [search] multivariate: multivariate = true applies to sampler = "
            "\"tpe\" only");
  EXPECT_EQ(error_after_minimal("[search]\nmultivariate = true\n"),
            "study.toml:9:16: [search] multivariate: multivariate = true applies to sampler = "
            "\"tpe\" only");
  EXPECT_EQ(error_after_minimal("[search]\nsampler = \"tpe\"\nmultivariate = \"yes\"\n"),
            "study.toml:10:16: [search] multivariate: expected true or false, got string \"yes\"");
}

TEST(StudyFileErrors, UnknownSamplerAndBadSeed) {
  EXPECT_EQ(error_after_minimal("[search]\nsampler = \"sobol\"\n"),
            "study.toml:9:11: [search] sampler: unknown sampler \"sobol\"; accepted: auto, random, "
            "qmc, grid, tpe, gp");
  EXPECT_EQ(error_after_minimal("[search]\nseed = -1\n"),
            "study.toml:9:8: [search] seed: -1 is out of range; accepted: an integer >= 0");
}

TEST(StudyFileErrors, WarmStartNamesStudies) {
  EXPECT_EQ(error_after_minimal("[search]\nwarm_start = [\"../x\"]\n"),
            "study.toml:9:14: [search] warm_start: \"../x\" is not a study name; accepted: "
            "letters, digits, '.', '_' and '-', starting with a letter or digit, e.g. "
            "\"my-study\"");
  EXPECT_EQ(error_after_minimal("[search]\nwarm_start = [\"a\", \"b\", \"a\"]\n"),
            "study.toml:9:14: [search] warm_start: \"a\" is listed twice");
  EXPECT_EQ(error_after_minimal("[search]\nwarm_start = [1]\n"),
            "study.toml:9:15: [search] warm_start[0]: expected a string, got integer 1");
}

TEST(StudyFileErrors, SamplerOptionsBelongToTheirSamplers) {
  EXPECT_EQ(error_after_minimal("[search]\nsampler = \"qmc\"\nn_startup_trials = 5\n"),
            "study.toml:10:20: [search] n_startup_trials: n_startup_trials applies to sampler = "
            "\"auto\", \"tpe\" or \"gp\", not \"qmc\"");
  EXPECT_EQ(error_after_minimal("[search]\nsampler = \"gp\"\nn_startup_trials = 0\n"),
            "study.toml:10:20: [search] n_startup_trials: 0 is out of range; accepted: an "
            "integer >= 1");
  EXPECT_EQ(error_after_minimal("[search]\nn_startup_trials = 100001\n"),
            "study.toml:9:20: [search] n_startup_trials: 100001 is too many; accepted: up to "
            "100000");
  EXPECT_EQ(error_after_minimal("[search]\nsampler = \"tpe\"\noutput_warping = false\n"),
            "study.toml:10:18: [search] output_warping: output_warping applies to sampler = "
            "\"gp\" only");
  EXPECT_EQ(error_after_minimal("[search]\ninput_warping = true\n"),
            "study.toml:9:17: [search] input_warping: input_warping applies to sampler = \"gp\" "
            "only");
}

TEST(StudyFileErrors, ScaleOfAFloat) {
  EXPECT_EQ(error_of_param(R"(lr = { type = "float", low = 1e-5, high = 1.0, scale = "loggy" })"),
            "study.toml:5:56: [search.space] lr.scale: unknown scale \"loggy\"; did you mean "
            "\"log\"?");
  EXPECT_EQ(
      error_of_param(
          R"(lr = { type = "float", low = 1e-5, high = 1.0, log = true, scale = "linear" })"),
      "study.toml:5:68: [search.space] lr.scale: scale = \"linear\" contradicts log = true; give "
      "one of them");
  EXPECT_EQ(error_of_param(
                R"(lr = { type = "float", low = 1e-5, high = 1.0, log = false, scale = "auto" })"),
            "study.toml:5:69: [search.space] lr.scale: scale = \"auto\" chooses log itself; "
            "remove log = false");
  EXPECT_EQ(error_of_param(R"(lr = { type = "float", low = -1.0, high = 1.0, scale = "log" })"),
            "study.toml:5:1: [search.space] lr: log scale needs low > 0 (got -1)");
  EXPECT_EQ(
      error_of_param(R"(n = { type = "int", low = 1, high = 5000, scale = "log", log = false })"),
      "study.toml:5:51: [search.space] n.scale: scale = \"log\" contradicts log = false; give "
      "one of them");
}

TEST(StudyFileErrors, SearchSpaceIsRequired) {
  const std::string expected =
      "[search.space] is required; add it with at least one parameter, e.g. x = { type = "
      "\"float\", low = 0.0, high = 1.0 }";
  EXPECT_EQ(error_of("[study]\nname = \"s\"\ndirection = \"minimize\"\n"),
            "study.toml:1:1: " + expected);
  EXPECT_EQ(error_of("[study]\nname = \"s\"\ndirection = \"minimize\"\n[search]\nseed = 1\n"),
            "study.toml:4:1: " + expected);
  EXPECT_EQ(error_of("[study]\nname = \"s\"\ndirection = \"minimize\"\n[search.space]\n"),
            "study.toml:4:1: [search.space] needs at least one parameter; e.g. x = { type = "
            "\"float\", low = 0.0, high = 1.0 }");
}

TEST(StudyFileErrors, SpaceErrorsFromSearchSpace) {
  EXPECT_EQ(error_of_param("eta = { type = \"float\", low = 0, high = 0.3, log = true }"),
            "study.toml:5:1: [search.space] eta: log scale needs low > 0 (got 0)");
  EXPECT_EQ(error_of_param("n = { type = \"int\", low = 5, high = 2 }"),
            "study.toml:5:1: [search.space] n: low (5) must be less than high (2)");
}

TEST(StudyFileErrors, ParamTypeField) {
  EXPECT_EQ(error_of_param("eta = { low = 0, high = 1 }"),
            "study.toml:5:1: [search.space] eta.type: required; accepted: \"float\", \"int\" or "
            "\"categorical\"");
  EXPECT_EQ(error_of_param("eta = { type = \"flaot\", low = 0, high = 1 }"),
            "study.toml:5:16: [search.space] eta.type: unknown type \"flaot\"; did you mean "
            "\"float\"?");
}

TEST(StudyFileErrors, ParamFields) {
  EXPECT_EQ(error_of_param("eta = { type = \"float\", low = 0, hihg = 1 }"),
            "study.toml:5:34: [search.space] eta.hihg: unknown key; did you mean \"high\"?");
  EXPECT_EQ(error_of_param("eta = { type = \"float\", low = 0 }"),
            "study.toml:5:1: [search.space] eta.high: required; accepted: a number");
  EXPECT_EQ(error_of_param("d = { type = \"int\", low = 2.0, high = 10 }"),
            "study.toml:5:27: [search.space] d.low: expected an integer, got float 2.0");
  EXPECT_EQ(error_of_param("eta = { type = \"float\", low = 0, high = 1, log = \"yes\" }"),
            "study.toml:5:50: [search.space] eta.log: expected true or false, got string \"yes\"");
}

TEST(StudyFileErrors, ParamIsNotATable) {
  EXPECT_EQ(error_of_param("eta = 3"),
            "study.toml:5:1: [search.space] eta: expected a table such as { type = \"float\", "
            "low = 0.0, high = 1.0 }, got integer 3");
  EXPECT_EQ(error_of_param("\"my eta\" = { type = \"float\", low = 0, high = 1 }"),
            "study.toml:5:1: [search.space] \"my eta\": parameter name has characters that are "
            "not allowed; accepted: letters, digits and '_', not starting with a digit");
}

TEST(StudyFileErrors, CategoricalChoices) {
  EXPECT_EQ(error_of_param("b = { type = \"categorical\" }"),
            "study.toml:5:1: [search.space] b.choices: required; accepted: an array of strings, "
            "numbers or booleans, e.g. [\"a\", \"b\"]");
  EXPECT_EQ(error_of_param("b = { type = \"categorical\", choices = \"gbtree\" }"),
            "study.toml:5:39: [search.space] b.choices: expected an array of strings, numbers or "
            "booleans, got string \"gbtree\"");
  EXPECT_EQ(error_of_param("b = { type = \"categorical\", choices = [\"a\", [1]] }"),
            "study.toml:5:45: [search.space] b.choices[1]: expected a string, number or boolean, "
            "got an array");
  EXPECT_EQ(error_of_param("b = { type = \"categorical\", low = 1, choices = [\"a\"] }"),
            "study.toml:5:29: [search.space] b.low: unknown key; accepted: type, choices");
}

TEST(StudyFileErrors, TrialNeedsTrainerOrCommand) {
  const std::string head =
      "[study]\nname = \"s\"\ndirection = \"minimize\"\n[search.space]\n"
      "x = { type = \"float\", low = 0.0, high = 1.0 }\n";
  EXPECT_EQ(error_of(head), "study.toml:1:1: [trial] needs trainer = \"...\" or command = [...]");
  EXPECT_EQ(error_of(head + "[trial]\ndataset = \"d.csv\"\n"),
            "study.toml:6:1: [trial] needs trainer = \"...\" or command = [...]");
  EXPECT_EQ(error_after_minimal("command = [\"python3\"]\n"),
            "study.toml:8:11: [trial] command: give either trainer or command, not both");
}

TEST(StudyFileErrors, TrainerNames) {
  const std::string head =
      "[study]\nname = \"s\"\ndirection = \"minimize\"\n[search.space]\n"
      "x = { type = \"float\", low = 0.0, high = 1.0 }\n[trial]\n";
  EXPECT_EQ(error_of(head + "trainer = \"xgb\"\n"),
            "study.toml:7:11: [trial] trainer: unknown trainer \"xgb\"; accepted: "
            "constant, linear, xgboost, mlp, function:branin, function:hartmann6, function:rosenbrock");
  EXPECT_EQ(error_of(head + "trainer = \"function:\"\n"),
            "study.toml:7:11: [trial] trainer: unknown trainer \"function:\"; accepted: "
            "constant, linear, xgboost, mlp, function:branin, function:hartmann6, function:rosenbrock");
}

TEST(StudyFileErrors, Command) {
  const std::string head =
      "[study]\nname = \"s\"\ndirection = \"minimize\"\n[search.space]\n"
      "x = { type = \"float\", low = 0.0, high = 1.0 }\n[trial]\n";
  EXPECT_EQ(error_of(head + "command = []\n"),
            "study.toml:7:11: [trial] command: empty; accepted: a program and its arguments, "
            "e.g. [\"python3\", \"train.py\"]");
  EXPECT_EQ(error_of(head + "command = [\"\", \"x\"]\n"),
            "study.toml:7:12: [trial] command[0]: empty program name; accepted: a program name "
            "or path");
  EXPECT_EQ(error_of(head + "command = [\"python3\", 3]\n"),
            "study.toml:7:23: [trial] command[1]: expected a string, got integer 3");
  EXPECT_EQ(error_of(head + "command = \"python3 train.py\"\n"),
            "study.toml:7:11: [trial] command: expected an array of strings, got string "
            "\"python3 train.py\"");
}

TEST(StudyFileErrors, TrialEnvAndSteps) {
  EXPECT_EQ(error_after_minimal("env = { A = 1 }\n"),
            "study.toml:8:13: [trial] env.A: expected a string, got integer 1");
  EXPECT_EQ(error_after_minimal("env = { \"A=B\" = \"1\" }\n"),
            "study.toml:8:9: [trial] env.A=B: not a valid variable name; accepted: a non-empty "
            "name without '='");
  EXPECT_EQ(error_after_minimal("env = [\"A=1\"]\n"),
            "study.toml:8:7: [trial] env: expected a table of strings, e.g. { OMP_NUM_THREADS = "
            "\"4\" }, got an array");
  EXPECT_EQ(error_after_minimal("max_steps = 0\n"),
            "study.toml:8:13: [trial] max_steps: 0 is out of range; accepted: an integer >= 1");
}

TEST(StudyFileErrors, PrunerKeys) {
  // More in pruner_section_test.cpp.
  EXPECT_EQ(error_after_minimal("[pruner]\nkind = \"asha\"\n"),
            "study.toml:9:8: [pruner] kind: \"asha\" needs max_resource = N here or max_steps = N "
            "in [trial]");
  EXPECT_EQ(error_after_minimal("[pruner]\nkind = \"none\"\nwarmup = 3\n"),
            "study.toml:10:1: [pruner] warmup: unknown key; accepted: kind, n_startup_trials, "
            "n_warmup_steps, interval_steps, n_min_trials, percentile, min_resource, "
            "max_resource, reduction_factor, min_early_stopping_rate, n_brackets, lower, upper, "
            "patience, min_delta, resource");
}

TEST(StudyFileErrors, RulesKeys) {
  // More in rules_section_test.cpp.
  EXPECT_EQ(error_after_minimal("[[rules]]\nkind = \"overfit\"\npatiense = 3\n"),
            "study.toml:10:1: [[rules]][0] patiense: unknown key; did you mean \"patience\"?");
  EXPECT_EQ(error_after_minimal("[rules]\nkind = \"overfit\"\n"),
            "study.toml:8:1: [rules]: expected [[rules]] entries (an array of tables), got a "
            "table");
}

TEST(StudyFileErrors, CarbonTakesOneSource) {
  EXPECT_EQ(error_after_minimal("[carbon]\nintensity_file = \"g.csv\"\nintensity = 35\n"),
            "study.toml:8:1: [carbon] give intensity or intensity_file, not both (region may "
            "come with either)");
  EXPECT_EQ(error_after_minimal("[carbon]\npue = 0.5\n"),
            "study.toml:9:7: [carbon] pue: 0.5 is out of range; accepted: a power usage "
            "effectiveness between 1 and 5");
}

TEST(StudyFileErrors, EnergyKeys) {
  EXPECT_EQ(error_after_minimal("[energy]\ncpu_tdp = 150\n"),
            "study.toml:9:1: [energy] cpu_tdp: unknown key; did you mean \"cpu_tdp_w\"?");
}

TEST(StudyFileErrors, FirstErrorInFileOrderAmongSections) {
  EXPECT_EQ(error_of("[pruner]\nkind = 1\n[bugdet]\n"),
            "study.toml:3:1: [bugdet]: unknown section; did you mean [budget]?");
}

TEST(StudyFile, CarbonAndEnergySections) {
  auto spec = parse_study_file(std::string(kMinimal) +
                                   "[carbon]\nregion = \"aws:eu-north-1\"\npue = 1.2\n"
                                   "[energy]\ncpu_tdp_w = 150\nrapl = false\n",
                               "study.toml");
  ASSERT_TRUE(spec) << spec.error().message;
  EXPECT_EQ(*spec->carbon.region, "aws:eu-north-1");
  EXPECT_EQ(*spec->carbon.pue, 1.2);
  EXPECT_EQ(*spec->energy.cpu_tdp_w, 150.0);
  EXPECT_FALSE(spec->energy.rapl);
  EXPECT_TRUE(spec->energy.nvml);
  EXPECT_EQ(spec->to_json()["carbon"]["region"], "aws:eu-north-1");
}

}  // namespace
}  // namespace greentune
