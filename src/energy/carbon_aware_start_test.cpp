// When a carbon-aware start begins: now, at the forecast's first time below the
// threshold, or at the end of the wait; and never for a constant above the threshold.
#include "energy/carbon_aware_start.hpp"

#include <gtest/gtest.h>

namespace greentune {
namespace {

constexpr double kHour = 3600.0;
constexpr double kMay1st2024 = 1714521600.0;  // 2024-05-01T00:00:00Z

CarbonIntensity forecast() {
  return CarbonIntensity::series({{kMay1st2024, 300},
                                  {kMay1st2024 + kHour, 250},
                                  {kMay1st2024 + 2 * kHour, 90},
                                  {kMay1st2024 + 3 * kHour, 400}},
                                 1.0, "grid.csv");
}

TEST(CarbonAwareStart, BelowAlreadyStartsNow) {
  auto plan = plan_carbon_aware_start(forecast(), 500, kMay1st2024, 6 * kHour, "6h");
  ASSERT_TRUE(plan) << plan.error().message;
  EXPECT_FALSE(plan->start_at.has_value());
  EXPECT_EQ(plan->message, "carbon-aware start: grid.csv is 300 gCO2e/kWh now, below 500: starting");
}

TEST(CarbonAwareStart, WaitsForTheFirstTimeTheForecastFallsBelow) {
  auto plan = plan_carbon_aware_start(forecast(), 100, kMay1st2024, 6 * kHour, "6h");
  ASSERT_TRUE(plan) << plan.error().message;
  EXPECT_EQ(plan->start_at, kMay1st2024 + 2 * kHour);
  EXPECT_EQ(plan->message,
            "carbon-aware start: grid.csv is 300 gCO2e/kWh now; the forecast falls below 100 at "
            "2024-05-01 02:00:00 UTC (in 2h00m): waiting until then (Ctrl-C to stop)");
}

TEST(CarbonAwareStart, StartsAtTheEndOfTheWaitWhenTheForecastIsTooLate) {
  auto plan = plan_carbon_aware_start(forecast(), 100, kMay1st2024, kHour, "1h");
  ASSERT_TRUE(plan) << plan.error().message;
  EXPECT_EQ(plan->start_at, kMay1st2024 + kHour);
  EXPECT_NE(plan->message.find("does not fall below 100 within --max-wait 1h: starting at "
                               "2024-05-01 01:00:00 UTC"),
            std::string::npos)
      << plan->message;
  auto never = plan_carbon_aware_start(forecast(), 50, kMay1st2024, kHour, "1h");
  ASSERT_TRUE(never);
  EXPECT_NE(never->message.find("never falls below 50"), std::string::npos) << never->message;
}

TEST(CarbonAwareStart, AConstantAboveTheThresholdIsRefused) {
  auto plan = plan_carbon_aware_start(CarbonIntensity::constant(35, 1.0, "35 gCO2e/kWh"), 30,
                                      kMay1st2024, kHour, "1h");
  ASSERT_FALSE(plan);
  EXPECT_EQ(plan.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(plan.error().message.find("is a constant 35 gCO2e/kWh"), std::string::npos);
}

}  // namespace
}  // namespace greentune
