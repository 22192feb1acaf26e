#include "text/names.hpp"

#include <array>
#include <string>

#include <gtest/gtest.h>

namespace greentune::text {
namespace {

TEST(EditDistance, InsertDeleteSubstituteAndTranspositionCostOne) {
  EXPECT_EQ(edit_distance("", ""), 0u);
  EXPECT_EQ(edit_distance("budget", "budget"), 0u);
  EXPECT_EQ(edit_distance("bugdet", "budget"), 1u);  // neighbours swapped
  EXPECT_EQ(edit_distance("max_trial", "max_trials"), 1u);
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
  EXPECT_EQ(edit_distance("abc", ""), 3u);
}

TEST(EditDistance, LongInputIsCutSoItStaysCheap) {
  std::string a(100000, 'a');
  std::string b(100000, 'b');
  EXPECT_EQ(edit_distance(a, b), 64u);
}

TEST(ClosestIndex, WithinTheLimitAndTiesToTheEarlier) {
  constexpr std::array<std::string_view, 3> names = {"median", "percentile", "asha"};
  EXPECT_EQ(closest_index("medain", names), 0u);
  EXPECT_EQ(closest_index("ashha", names), 2u);
  EXPECT_EQ(closest_index("hyperopt", names), std::nullopt);
  constexpr std::array<std::string_view, 2> tie = {"ab", "ba"};
  EXPECT_EQ(closest_index("aa", tie), 0u);
  EXPECT_EQ(closest_index("zz", std::vector<std::string>{"za", "zb"}, 1), 0u);
  EXPECT_EQ(closest_index("zz", std::vector<std::string>{"ab"}, 1), std::nullopt);
}

}  // namespace
}  // namespace greentune::text
