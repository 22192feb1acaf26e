#include "config/messages.hpp"

#include <gtest/gtest.h>

#include <array>
#include <string>

namespace greentune {
namespace {

constexpr std::array<std::string_view, 3> kKeys = {"max_trials", "max_wall", "patience"};

TEST(Messages, ClosestNameCountsATranspositionAsOne) {
  EXPECT_EQ(closest_name("max_trails", kKeys), "max_trials");
  EXPECT_EQ(closest_name("max_wal", kKeys), "max_wall");
  EXPECT_EQ(closest_name("pateince", kKeys), "patience");
  EXPECT_FALSE(closest_name("concurrency", kKeys).has_value());
}

TEST(Messages, HintListsWhenNothingIsClose) {
  EXPECT_EQ(unknown_name_hint("maxtrial", kKeys), "did you mean \"max_trials\"?");
  EXPECT_EQ(unknown_name_hint("zzzzzzzzz", kKeys), "accepted: max_trials, max_wall, patience");
  EXPECT_EQ(unknown_name_hint("zzzzzzzzz", kKeys, NameStyle::kSection),
            "accepted: [max_trials], [max_wall], [patience]");
}

TEST(Messages, QuotedTextStaysOneLine) {
  EXPECT_EQ(in_quotes("a\"b\\c\nd\x01"), "\"a\\\"b\\\\c\\nd\\x01\"");
  EXPECT_EQ(in_quotes(std::string(100, 'x')), "\"" + std::string(64, 'x') + "...\"");
  EXPECT_EQ(one_line("saw '\n' \"q\""), "saw '\\n' \"q\"");
}

TEST(Messages, KeysAndNumbers) {
  EXPECT_EQ(key_text("eta.low"), "eta.low");
  EXPECT_EQ(key_text("my key"), "\"my key\"");
  EXPECT_EQ(key_text(""), "\"\"");
  EXPECT_EQ(describe_number(10.0), "10.0");
  EXPECT_EQ(describe_number(0.001), "0.001");
  EXPECT_EQ(describe_number(-3.0), "-3.0");
  EXPECT_EQ(describe_number(1e20), "1e+20");
}

}  // namespace
}  // namespace greentune
