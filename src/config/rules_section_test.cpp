// [[rules]] in the study file: what it reads, and each refusal with its exact message.
#include <gtest/gtest.h>

#include <string>

#include "config/spec_json.hpp"
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

Result<StudySpec> parse_with(const std::string& tail) {
  return parse_study_file(std::string(kMinimal) + tail, "study.toml");
}

std::string error_with(const std::string& tail) {
  auto spec = parse_with(tail);
  if (spec) return "(parsed without error)";
  EXPECT_EQ(spec.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(spec.error().message.find('\n'), std::string::npos);
  return spec.error().message;
}

TEST(RulesSection, NoRulesByDefault) {
  auto spec = parse_with("");
  ASSERT_TRUE(spec) << spec.error().message;
  EXPECT_TRUE(spec->rules.empty());
}

TEST(RulesSection, ReadsRulesInFileOrderWithParamsDurationsAndActions) {
  auto spec = parse_with(R"(
[[rules]]
kind = "overfit"
patience = 3
ratio_threshold = 1

[[rules]]
kind = "stalled"
threshold = "2m"
idle_threshold = 30
action = "warn"

[[rules]]
kind = "nan_or_exploding"
metric = "loss"
relative_to = "best"
factor = 4.5
)");
  ASSERT_TRUE(spec) << spec.error().message;
  ASSERT_EQ(spec->rules.size(), 3u);
  const RuleSpec& overfit = spec->rules[0];
  EXPECT_EQ(overfit.kind, "overfit");
  EXPECT_EQ(overfit.action, "stop");
  EXPECT_EQ(overfit.params.at("patience"), 3);
  EXPECT_TRUE(overfit.params.at("patience").is_number_integer());
  EXPECT_EQ(overfit.params.at("ratio_threshold"), 1.0);
  EXPECT_EQ(overfit.params.size(), 2u);  // defaults are not written out
  const RuleSpec& stalled = spec->rules[1];
  EXPECT_EQ(stalled.action, "warn");
  EXPECT_EQ(stalled.params.at("threshold"), 120.0);
  EXPECT_EQ(stalled.params.at("idle_threshold"), 30.0);
  const RuleSpec& nan = spec->rules[2];
  EXPECT_EQ(nan.params.at("metric"), "loss");
  EXPECT_EQ(nan.params.at("relative_to"), "best");
  EXPECT_EQ(nan.params.at("factor"), 4.5);
  EXPECT_EQ(spec->locations.at("rules[1]"), "study.toml:14:1");
  for (const auto& r : spec->rules) EXPECT_TRUE(validate_rule(r));
}

TEST(RulesSection, RoundTripsThroughTheStoredSpec) {
  auto spec = parse_with(
      "[[rules]]\nkind = \"energy_forecast\"\nmin_progress = 0.2\n"
      "action = \"warn\"\n");
  ASSERT_TRUE(spec) << spec.error().message;
  auto back = study_spec_from_json(spec->to_json());
  ASSERT_TRUE(back) << back.error().message;
  ASSERT_EQ(back->rules.size(), 1u);
  EXPECT_EQ(back->rules[0].kind, "energy_forecast");
  EXPECT_EQ(back->rules[0].action, "warn");
  EXPECT_EQ(back->rules[0].params.at("min_progress"), 0.2);
}

TEST(RulesSection, KindIsRequiredAndMustBeKnown) {
  EXPECT_EQ(error_with("[[rules]]\naction = \"warn\"\n"),
            "study.toml:8:1: [[rules]][0] kind: required; accepted: loss_not_decreasing, "
            "overfit, overtraining, nan_or_exploding, vanishing_gradient, stalled, "
            "max_initialization_time, low_gpu_utilization, cpu_bottleneck, memory_pressure, "
            "energy_forecast");
  EXPECT_EQ(error_with("[[rules]]\nkind = \"overfit\"\n[[rules]]\nkind = \"overfitt\"\n"),
            "study.toml:11:8: [[rules]][1] kind: unknown rule kind \"overfitt\"; did you mean "
            "\"overfit\"? accepted: loss_not_decreasing, overfit, overtraining, "
            "nan_or_exploding, vanishing_gradient, stalled, max_initialization_time, "
            "low_gpu_utilization, cpu_bottleneck, memory_pressure, energy_forecast");
  EXPECT_EQ(error_with("[[rules]]\nkind = 3\n"),
            "study.toml:9:8: [[rules]][0] kind: expected a string, got integer 3");
}

TEST(RulesSection, UnknownParamNamesTheClosestOrListsThem) {
  EXPECT_EQ(error_with("[[rules]]\nkind = \"overfit\"\npatiense = 3\n"),
            "study.toml:10:1: [[rules]][0] patiense: unknown key; did you mean \"patience\"?");
  EXPECT_EQ(error_with("[[rules]]\nkind = \"max_initialization_time\"\nbananas = 3\n"),
            "study.toml:10:1: [[rules]][0] bananas: unknown key; accepted: kind, action, "
            "threshold");
  EXPECT_EQ(error_with("[[rules]]\nkind = \"stalled\"\nactoin = \"warn\"\n"),
            "study.toml:10:1: [[rules]][0] actoin: unknown key; did you mean \"action\"?");
}

TEST(RulesSection, TypesAndRanges) {
  EXPECT_EQ(error_with("[[rules]]\nkind = \"overfit\"\npatience = 2.5\n"),
            "study.toml:10:12: [[rules]][0] patience: expected an integer >= 1, got float 2.5");
  EXPECT_EQ(error_with("[[rules]]\nkind = \"overfit\"\npatience = 0\n"),
            "study.toml:10:12: [[rules]][0] patience: 0 is out of range; accepted: an integer "
            ">= 1");
  EXPECT_EQ(error_with("[[rules]]\nkind = \"overfit\"\nratio_threshold = \"big\"\n"),
            "study.toml:10:19: [[rules]][0] ratio_threshold: expected a number > 0, got string "
            "\"big\"");
  EXPECT_EQ(error_with("[[rules]]\nkind = \"low_gpu_utilization\"\nthreshold_p95 = 70\n"),
            "study.toml:10:17: [[rules]][0] threshold_p95: 70 is out of range; accepted: a "
            "number in [0, 1]");
  EXPECT_EQ(error_with("[[rules]]\nkind = \"overfit\"\nratio_threshold = nan\n"),
            "study.toml:10:19: [[rules]][0] ratio_threshold: nan is out of range; accepted: a "
            "number > 0");
  EXPECT_EQ(error_with("[[rules]]\nkind = \"stalled\"\nthreshold = \"0s\"\n"),
            "study.toml:10:13: [[rules]][0] threshold: \"0s\" is out of range; accepted: a "
            "duration in seconds > 0");
  EXPECT_NE(error_with("[[rules]]\nkind = \"stalled\"\nthreshold = \"soon\"\n")
                .find("study.toml:10:13: [[rules]][0] threshold: "),
            std::string::npos);
  EXPECT_EQ(error_with("[[rules]]\nkind = \"stalled\"\nthreshold = true\n"),
            "study.toml:10:13: [[rules]][0] threshold: expected a duration (\"90s\", \"30m\", "
            "\"2h\", \"1d\", combinations like \"1h30m\", or a number of seconds), got boolean "
            "true");
  EXPECT_EQ(error_with("[[rules]]\nkind = \"nan_or_exploding\"\nrelative_to = \"last\"\n"),
            "study.toml:10:15: [[rules]][0] relative_to: \"last\" is not accepted; accepted: "
            "one of \"first\", \"best\"");
  EXPECT_EQ(error_with("[[rules]]\nkind = \"overfit\"\nvalidation_metric = \"\"\n"),
            "study.toml:10:21: [[rules]][0] validation_metric: empty string; accepted: a "
            "non-empty string (leave the key out for the default)");
}

TEST(RulesSection, Action) {
  EXPECT_EQ(error_with("[[rules]]\nkind = \"overfit\"\naction = \"kill\"\n"),
            "study.toml:10:10: [[rules]][0] action: unknown action \"kill\"; accepted: stop, "
            "warn");
}

TEST(RulesSection, RulesMustBeAnArrayOfTables) {
  EXPECT_NE(error_with("[rules]\nkind = \"overfit\"\n").find("study.toml:8:"), std::string::npos);
  EXPECT_NE(error_with("rules = 3\n").find("study.toml:8:"), std::string::npos);
}

}  // namespace
}  // namespace greentune
