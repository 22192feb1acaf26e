// Quoting user text keeps messages on one line, bounded and valid UTF-8.
#include "text/quote.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "text/json.hpp"

namespace greentune::text {
namespace {

TEST(Quote, EscapesQuotesBackslashesAndControls) {
  EXPECT_EQ(in_quotes("a\"b\\c\nd\x01\x7f"), "\"a\\\"b\\\\c\\nd\\x01\\x7f\"");
  EXPECT_EQ(in_quotes(std::string(100, 'x')), "\"" + std::string(64, 'x') + "...\"");
}

TEST(Quote, CutsLongTextWithoutSplittingAUtf8Sequence) {
  std::string text = std::string(63, 'x') + "\xc3\xa9" + "tail";  // é straddles byte 64
  EXPECT_EQ(in_quotes(text), "\"" + std::string(63, 'x') + "...\"");
  EXPECT_EQ(cut_utf8("\xc3\xa9", 1), "");
  EXPECT_EQ(in_quotes("caf\xc3\xa9"), "\"caf\xc3\xa9\"");
}

TEST(Quote, PrintableEscapesHighBytesAndOneLineKeepsQuotes) {
  EXPECT_EQ(printable("a\xff\n", 10), "a\\xff\\n");
  EXPECT_EQ(printable("abcdef", 3), "abc...");
  EXPECT_EQ(one_line("saw '\n' \"q\""), "saw '\\n' \"q\"");
}

TEST(Quote, NumbersWithTheirSignificantDigits) {
  EXPECT_EQ(number(0.123456789, 4), "0.1235");
  EXPECT_EQ(number(0.123456789, 6), "0.123457");
  EXPECT_EQ(number(1.5e6, 4), "1.5e+06");
  EXPECT_EQ(number(std::numeric_limits<double>::quiet_NaN(), 6), "nan");
}

TEST(Json, OrNull) {
  EXPECT_TRUE(or_null(std::optional<int>()).is_null());
  EXPECT_EQ(or_null(std::optional<int>(3)), 3);
  EXPECT_TRUE(number_json(std::nan("")).is_null());
  EXPECT_EQ(number_json(-std::numeric_limits<double>::infinity()), "-inf");
  EXPECT_EQ(number_json(0.5), 0.5);
}

}  // namespace
}  // namespace greentune::text
