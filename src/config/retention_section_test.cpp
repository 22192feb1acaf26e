// [retention]: what gc keeps, read, refused with positioned messages, and kept through the
// stored spec.
#include <gtest/gtest.h>

#include <string>

#include "config/spec_json.hpp"
#include "greentune/config.hpp"

namespace greentune {
namespace {

constexpr const char* kHead = R"([study]
name = "s"
direction = "maximize"
[search.space]
x = { type = "float", low = 0.0, high = 1.0 }
[trial]
trainer = "function:branin"
)";  // 7 lines: the sections below start at line 8

Result<StudySpec> parse(const std::string& tail) {
  return parse_study_file(std::string(kHead) + tail, "study.toml");
}

std::string error_of(const std::string& tail) {
  auto spec = parse(tail);
  if (spec) return "parsed";
  EXPECT_EQ(spec.error().code, ErrorCode::kInvalidArgument);
  return spec.error().message;
}

TEST(RetentionSection, ReadsBothKeysAndKeepsThemThroughTheStoredSpec) {
  auto spec = parse("[retention]\nkeep_best = 3\nlogs_ttl = \"30d\"\n");
  ASSERT_TRUE(spec) << spec.error().message;
  ASSERT_TRUE(spec->retention);
  EXPECT_EQ(spec->retention->keep_best, 3);
  EXPECT_EQ(spec->retention->logs_ttl_s, 30.0 * 86400);
  auto back = study_spec_from_json(spec->to_json());
  ASSERT_TRUE(back) << back.error().message;
  ASSERT_TRUE(back->retention);
  EXPECT_EQ(back->retention->keep_best, 3);
  EXPECT_EQ(back->retention->logs_ttl_s, 30.0 * 86400);
  EXPECT_EQ(back->to_json(), spec->to_json());
}

TEST(RetentionSection, DefaultsAndAbsence) {
  auto none = parse("");
  ASSERT_TRUE(none);
  EXPECT_FALSE(none->retention);  // tune deletes nothing without the section
  EXPECT_TRUE(none->to_json()["retention"].is_null());
  auto back = study_spec_from_json(none->to_json());
  ASSERT_TRUE(back);
  EXPECT_FALSE(back->retention);
  // A spec stored before [retention] existed has no key at all.
  nlohmann::json old = none->to_json();
  old.erase("retention");
  auto old_back = study_spec_from_json(old);
  ASSERT_TRUE(old_back) << old_back.error().message;
  EXPECT_FALSE(old_back->retention);

  auto empty = parse("[retention]\n");
  ASSERT_TRUE(empty);
  ASSERT_TRUE(empty->retention);
  EXPECT_EQ(empty->retention->keep_best, 1);
  EXPECT_FALSE(empty->retention->logs_ttl_s);
  auto zero = parse("[retention]\nkeep_best = 0\nlogs_ttl = \"0s\"\n");
  ASSERT_TRUE(zero) << zero.error().message;
  EXPECT_EQ(zero->retention->keep_best, 0);
  EXPECT_EQ(zero->retention->logs_ttl_s, 0.0);
  auto seconds = parse("[retention]\nlogs_ttl = 3600\n");
  ASSERT_TRUE(seconds) << seconds.error().message;
  EXPECT_EQ(seconds->retention->logs_ttl_s, 3600.0);
}

TEST(RetentionSection, RefusedValuesAndKeysSayWhereAndWhat) {
  EXPECT_EQ(error_of("[retention]\nkeep_bset = 2\n"),
            "study.toml:9:1: [retention] keep_bset: unknown key; did you mean \"keep_best\"?");
  EXPECT_EQ(error_of("[retention]\nkeep_best = -1\n"),
            "study.toml:9:13: [retention] keep_best: -1 is out of range; accepted: an integer "
            ">= 0");
  EXPECT_EQ(error_of("[retention]\nkeep_best = \"all\"\n"),
            "study.toml:9:13: [retention] keep_best: expected an integer, got string \"all\"");
  EXPECT_EQ(error_of("[retention]\nlogs_ttl = \"30 days\"\n"),
            "study.toml:9:12: [retention] logs_ttl: \"30 days\" is not a duration; accepted: "
            "\"90s\", \"30m\", \"2h\", \"1d\", combinations like \"1h30m\", or a number of "
            "seconds");
  EXPECT_EQ(error_of("[retention]\nlogs_ttl = -5\n"),
            "study.toml:9:12: [retention] logs_ttl: -5 is out of range; accepted: a duration "
            "of at least zero");
  // A retention key in another section says where it belongs.
  EXPECT_EQ(error_of("[budget]\nkeep_best = 2\n"),
            "study.toml:9:1: [budget] keep_best: unknown key; it belongs in [retention]");
}

}  // namespace
}  // namespace greentune
