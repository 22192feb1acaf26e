#include "config/duration.hpp"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace greentune {
namespace {

TEST(Duration, Forms) {
  const std::vector<std::pair<std::string, double>> cases = {
      {"90s", 90.0},     {"30m", 1800.0},     {"2h", 7200.0},   {"1d", 86400.0},
      {"1h30m", 5400.0}, {"1d2h3m4s", 93784}, {"1.5h", 5400.0}, {"90", 90.0},
      {"2.5", 2.5},      {"0s", 0.0},         {"0", 0.0},       {"2h0.5s", 7200.5},
  };
  for (const auto& [text, seconds] : cases) {
    auto parsed = parse_duration(text);
    ASSERT_TRUE(parsed.has_value()) << text << ": " << parsed.error().message;
    EXPECT_EQ(*parsed, seconds) << text;
  }
}

TEST(Duration, RefusedForms) {
  for (const char* text : {"", "s", "m30", "30 m", "30min", "1h1h", "30m1h", "-5s", "1e3s", "1..5s",
                           "5s3", "1.h", ".5s", "inf", "nan", "1,5h", " 5s"}) {
    EXPECT_FALSE(parse_duration(text).has_value()) << "\"" << text << "\"";
  }
}

TEST(Duration, MessageNamesTheForms) {
  auto parsed = parse_duration("10 minutes");
  ASSERT_FALSE(parsed.has_value());
  EXPECT_EQ(parsed.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(parsed.error().message,
            "\"10 minutes\" is not a duration; accepted: \"90s\", \"30m\", \"2h\", \"1d\", "
            "combinations like \"1h30m\", or a number of seconds");
}

TEST(Duration, HugeNumbersAreRefused) {
  EXPECT_FALSE(parse_duration(std::string(400, '9') + "d").has_value());
}

}  // namespace
}  // namespace greentune
