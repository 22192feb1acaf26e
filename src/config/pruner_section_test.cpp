// [pruner]: files that parse into a PrunerSpec, and the exact message of each refusal.
#include <gtest/gtest.h>

#include <string>

#include "greentune/config.hpp"

namespace greentune {
namespace {

// A valid study file of 8 lines with [trial] max_steps = 40: [pruner] starts on line 9.
constexpr const char* kHead = R"([study]
name = "s"
direction = "minimize"
[search.space]
x = { type = "float", low = 0.0, high = 1.0 }
[trial]
trainer = "function:branin"
max_steps = 40
)";

// The same without max_steps (7 lines).
constexpr const char* kHeadNoSteps = R"([study]
name = "s"
direction = "minimize"
[search.space]
x = { type = "float", low = 0.0, high = 1.0 }
[trial]
trainer = "function:branin"
)";

PrunerSpec pruner_of(const std::string& section, const char* head = kHead) {
  auto spec = parse_study_file(head + section, "study.toml");
  EXPECT_TRUE(spec.has_value()) << spec.error().message;
  return spec ? spec->pruner : PrunerSpec{};
}

std::string error_of(const std::string& section, const char* head = kHead) {
  auto spec = parse_study_file(head + section, "study.toml");
  if (spec) return "(parsed without error)";
  EXPECT_EQ(spec.error().code, ErrorCode::kInvalidArgument);
  return spec.error().message;
}

TEST(PrunerSection, AbsentIsNone) {
  PrunerSpec p = pruner_of("");
  EXPECT_EQ(p.kind, "none");
  EXPECT_EQ(p.to_json(), PrunerSpec{}.to_json());
  EXPECT_EQ(pruner_of("[pruner]\nkind = \"none\"\n").kind, "none");
}

TEST(PrunerSection, MedianWithItsKeys) {
  PrunerSpec p = pruner_of(
      "[pruner]\nkind = \"median\"\nn_startup_trials = 3\nn_warmup_steps = 5\n"
      "interval_steps = 2\nn_min_trials = 4\n");
  EXPECT_EQ(p.kind, "median");
  EXPECT_EQ(p.n_startup_trials, 3);
  EXPECT_EQ(p.n_warmup_steps, 5);
  EXPECT_EQ(p.interval_steps, 2);
  EXPECT_EQ(p.n_min_trials, 4);
  EXPECT_EQ(p.percentile, 50.0);
  // Optuna's defaults.
  PrunerSpec d = pruner_of("[pruner]\nkind = \"median\"\n");
  EXPECT_EQ(d.n_startup_trials, 5);
  EXPECT_EQ(d.n_warmup_steps, 0);
  EXPECT_EQ(d.interval_steps, 1);
  EXPECT_EQ(d.n_min_trials, 1);
}

TEST(PrunerSection, PercentileAshaHyperbandThresholdPatience) {
  EXPECT_EQ(pruner_of("[pruner]\nkind = \"percentile\"\npercentile = 25\n").percentile, 25.0);
  PrunerSpec asha = pruner_of(
      "[pruner]\nkind = \"asha\"\nmin_resource = 2\nreduction_factor = 4\n"
      "min_early_stopping_rate = 1\nresource = \"step\"\n");
  EXPECT_EQ(asha.min_resource, 2);
  EXPECT_EQ(asha.reduction_factor, 4.0);
  EXPECT_EQ(asha.min_early_stopping_rate, 1);
  EXPECT_FALSE(asha.max_resource.has_value());  // [trial] max_steps when the pruner is made
  PrunerSpec hb = pruner_of("[pruner]\nkind = \"hyperband\"\nmax_resource = 81\nn_brackets = 3\n",
                            kHeadNoSteps);
  EXPECT_EQ(*hb.max_resource, 81);
  EXPECT_EQ(*hb.n_brackets, 3);
  PrunerSpec th = pruner_of("[pruner]\nkind = \"threshold\"\nupper = 2.5\nn_warmup_steps = 1\n");
  EXPECT_EQ(*th.upper, 2.5);
  EXPECT_FALSE(th.lower.has_value());
  PrunerSpec pat = pruner_of("[pruner]\nkind = \"patience\"\npatience = 3\nmin_delta = 0.01\n");
  EXPECT_EQ(*pat.patience, 3);
  EXPECT_EQ(pat.min_delta, 0.01);
  PrunerSpec wrapped = pruner_of("[pruner]\nkind = \"median\"\npatience = 2\n");
  EXPECT_EQ(wrapped.kind, "median");
  EXPECT_EQ(*wrapped.patience, 2);
}

TEST(PrunerSection, RoundTripsThroughTheStoredSpec) {
  auto spec = parse_study_file(
      std::string(kHead) + "[pruner]\nkind = \"asha\"\nreduction_factor = 2\n", "study.toml");
  ASSERT_TRUE(spec) << spec.error().message;
  auto back = PrunerSpec::from_json(spec->to_json()["pruner"]);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->to_json(), spec->pruner.to_json());
}

TEST(PrunerSectionErrors, Kind) {
  EXPECT_EQ(error_of("[pruner]\nn_warmup_steps = 3\n"),
            "study.toml:9:1: [pruner] kind: required; accepted: none, median, percentile, asha, "
            "hyperband, threshold, patience");
  EXPECT_EQ(error_of("[pruner]\nkind = \"ashaa\"\n"),
            "study.toml:10:8: [pruner] kind: unknown pruner \"ashaa\"; did you mean \"asha\"? "
            "accepted: none, median, percentile, asha, hyperband, threshold, patience");
  EXPECT_EQ(error_of("[pruner]\nkind = \"successive\"\n"),
            "study.toml:10:8: [pruner] kind: unknown pruner \"successive\"; accepted: none, "
            "median, percentile, asha, hyperband, threshold, patience");
  EXPECT_EQ(error_of("[pruner]\nkind = 3\n"),
            "study.toml:10:8: [pruner] kind: expected a string, got integer 3");
}

TEST(PrunerSectionErrors, UnknownKeys) {
  EXPECT_EQ(error_of("[pruner]\nkind = \"median\"\nn_warmup_step = 3\n"),
            "study.toml:11:1: [pruner] n_warmup_step: unknown key; did you mean "
            "\"n_warmup_steps\"?");
  EXPECT_EQ(error_of("[pruner]\nkind = \"median\"\nmax_trials = 3\n"),
            "study.toml:11:1: [pruner] max_trials: unknown key; it belongs in [budget]");
}

TEST(PrunerSectionErrors, KeysOfAnotherKind) {
  EXPECT_EQ(error_of("[pruner]\nkind = \"asha\"\nn_brackets = 3\n"),
            "study.toml:11:1: [pruner] n_brackets: does not apply to kind = \"asha\"; accepted: "
            "min_resource, max_resource, reduction_factor, min_early_stopping_rate, resource, "
            "patience, min_delta");
  EXPECT_EQ(error_of("[pruner]\nkind = \"median\"\npercentile = 25\n"),
            "study.toml:11:1: [pruner] percentile: does not apply to kind = \"median\"; "
            "accepted: n_startup_trials, n_warmup_steps, interval_steps, n_min_trials, "
            "patience, min_delta");
  EXPECT_EQ(error_of("[pruner]\nkind = \"none\"\nn_warmup_steps = 3\n"),
            "study.toml:11:1: [pruner] n_warmup_steps: does not apply to kind = \"none\"; "
            "accepted: no other key (kind = \"none\" prunes nothing)");
  EXPECT_EQ(error_of("[pruner]\nkind = \"threshold\"\nupper = 1\nreduction_factor = 2\n"),
            "study.toml:12:1: [pruner] reduction_factor: does not apply to kind = \"threshold\"; "
            "accepted: lower, upper, n_warmup_steps, interval_steps, patience, min_delta");
}

TEST(PrunerSectionErrors, Ranges) {
  EXPECT_EQ(error_of("[pruner]\nkind = \"asha\"\nreduction_factor = 1\n"),
            "study.toml:11:20: [pruner] reduction_factor: 1 is out of range; accepted: a number "
            "> 1");
  EXPECT_EQ(error_of("[pruner]\nkind = \"percentile\"\npercentile = 101.5\n"),
            "study.toml:11:14: [pruner] percentile: 101.5 is out of range; accepted: a number "
            "between 0 and 100");
  EXPECT_EQ(error_of("[pruner]\nkind = \"asha\"\nmin_resource = 0\n"),
            "study.toml:11:16: [pruner] min_resource: 0 is out of range; accepted: an integer "
            ">= 1");
  EXPECT_EQ(error_of("[pruner]\nkind = \"median\"\ninterval_steps = 0\n"),
            "study.toml:11:18: [pruner] interval_steps: 0 is out of range; accepted: an integer "
            ">= 1");
  EXPECT_EQ(error_of("[pruner]\nkind = \"median\"\nn_startup_trials = -1\n"),
            "study.toml:11:20: [pruner] n_startup_trials: -1 is out of range; accepted: an "
            "integer >= 0");
  EXPECT_EQ(error_of("[pruner]\nkind = \"median\"\nn_warmup_steps = 2.5\n"),
            "study.toml:11:18: [pruner] n_warmup_steps: expected an integer, got float 2.5");
  EXPECT_EQ(error_of("[pruner]\nkind = \"hyperband\"\nmin_resource = 4\nmax_resource = 3\n"),
            "study.toml:12:16: [pruner] max_resource: 3 is out of range; accepted: an integer "
            ">= 4");
  EXPECT_EQ(error_of("[pruner]\nkind = \"hyperband\"\nn_brackets = 0\n"),
            "study.toml:11:14: [pruner] n_brackets: 0 is out of range; accepted: an integer >= 1");
  EXPECT_EQ(error_of("[pruner]\nkind = \"patience\"\npatience = 2\nmin_delta = -0.1\n"),
            "study.toml:12:13: [pruner] min_delta: -0.1 is out of range; accepted: a number >= 0");
  EXPECT_EQ(error_of("[pruner]\nkind = \"threshold\"\nlower = nan\n"),
            "study.toml:11:9: [pruner] lower: nan is out of range; accepted: a finite number");
}

TEST(PrunerSectionErrors, WhatAKindNeeds) {
  EXPECT_EQ(error_of("[pruner]\nkind = \"threshold\"\n"),
            "study.toml:10:8: [pruner] kind: \"threshold\" needs lower = N or upper = N (or both)");
  EXPECT_EQ(error_of("[pruner]\nkind = \"threshold\"\nlower = 2\nupper = 1\n"),
            "study.toml:11:9: [pruner] lower: 2.0 is above upper = 1.0; accepted: lower <= upper");
  EXPECT_EQ(error_of("[pruner]\nkind = \"patience\"\n"),
            "study.toml:10:8: [pruner] kind: \"patience\" needs patience = N");
  EXPECT_EQ(error_of("[pruner]\nkind = \"median\"\nmin_delta = 0.1\n"),
            "study.toml:11:13: [pruner] min_delta: applies with patience = N only; add patience "
            "or remove it");
  EXPECT_EQ(error_of("[pruner]\nkind = \"asha\"\n", kHeadNoSteps),
            "study.toml:9:8: [pruner] kind: \"asha\" needs max_resource = N here or max_steps = N "
            "in [trial]");
  EXPECT_EQ(error_of("[pruner]\nkind = \"hyperband\"\nmin_resource = 50\n"),
            "study.toml:11:16: [pruner] min_resource: 50 is above [trial] max_steps = 40; "
            "accepted: an integer between 1 and 40");
}

// A program run as the trial, with no max_steps (7 lines): [pruner] starts on line 8.
constexpr const char* kHeadCommand = R"([study]
name = "s"
direction = "minimize"
[search.space]
x = { type = "float", low = 0.0, high = 1.0 }
[trial]
command = ["prog", "--x", "{x}", "--data-fraction", "{data_fraction}"]
)";

TEST(PrunerSectionErrors, Resource) {
  EXPECT_EQ(error_of("[pruner]\nkind = \"asha\"\nresource = \"epochs\"\n"),
            "study.toml:11:12: [pruner] resource: unknown resource \"epochs\"; accepted: "
            "\"step\", \"data_fraction\"");
}

TEST(PrunerSection, DataFractionWithAshaAndHyperband) {
  // No [trial] max_steps needed: the resource is counted in shares of the data.
  PrunerSpec asha =
      pruner_of("[pruner]\nkind = \"asha\"\nresource = \"data_fraction\"\n", kHeadCommand);
  EXPECT_EQ(asha.kind, "asha");
  EXPECT_EQ(asha.resource, "data_fraction");
  EXPECT_EQ(asha.max_resource, std::nullopt);
  EXPECT_EQ(data_fraction_max_resource(asha), 27);  // 1 * 3^3
  PrunerSpec hyperband = pruner_of(
      "[pruner]\nkind = \"hyperband\"\nresource = \"data_fraction\"\nmin_resource = 2\n"
      "reduction_factor = 2\n",
      kHeadCommand);
  EXPECT_EQ(hyperband.resource, "data_fraction");
  EXPECT_EQ(data_fraction_max_resource(hyperband), 16);  // 2 * 2^3
  PrunerSpec given = pruner_of(
      "[pruner]\nkind = \"asha\"\nresource = \"data_fraction\"\nmax_resource = 16\n"
      "reduction_factor = 2\n",
      kHeadCommand);
  EXPECT_EQ(given.max_resource, 16);
  // "step" stays the default, and may be written with any kind.
  EXPECT_EQ(pruner_of("[pruner]\nkind = \"asha\"\n").resource, "step");
  EXPECT_EQ(pruner_of("[pruner]\nkind = \"median\"\nresource = \"step\"\n").resource, "step");
}

TEST(PrunerSectionErrors, DataFraction) {
  EXPECT_EQ(error_of("[pruner]\nkind = \"median\"\nresource = \"data_fraction\"\n",
                     kHeadCommand),
            "study.toml:10:12: [pruner] resource: \"data_fraction\" works with kind \"asha\" or "
            "\"hyperband\" (successive halving over data fractions); kind is \"median\"");
  EXPECT_EQ(error_of("[pruner]\nkind = \"none\"\nresource = \"data_fraction\"\n",
                     kHeadCommand),
            "study.toml:10:12: [pruner] resource: \"data_fraction\" works with kind \"asha\" or "
            "\"hyperband\" (successive halving over data fractions); kind is \"none\"");
  EXPECT_EQ(error_of("[pruner]\nkind = \"asha\"\nresource = \"data_fraction\"\n"),
            "study.toml:11:12: [pruner] resource: \"data_fraction\" needs a [trial] command: a "
            "program that trains on the share of its data given as {data_fraction}; the "
            "built-in trainer \"function:branin\" has no data to share");
  constexpr const char* kHeadParamNamedSo = R"([study]
name = "s"
direction = "minimize"
[search.space]
data_fraction = { type = "float", low = 0.1, high = 1.0 }
[trial]
command = ["prog", "{data_fraction}"]
)";
  EXPECT_EQ(error_of("[pruner]\nkind = \"asha\"\nresource = \"data_fraction\"\n",
                     kHeadParamNamedSo),
            "study.toml:10:12: [pruner] resource: \"data_fraction\" gives each stage of a trial "
            "the param data_fraction, and [search.space] has a param of that name too; rename "
            "it");
  EXPECT_EQ(error_of("[pruner]\nkind = \"asha\"\nresource = \"data_fraction\"\n"
                     "min_resource = 4\nmax_resource = 3\n",
                     kHeadCommand),
            "study.toml:12:16: [pruner] max_resource: 3 is out of range; accepted: an integer "
            ">= 4");
}

}  // namespace
}  // namespace greentune
