// The machine probes read plausible figures from the real kernel.
#include "system/machine.hpp"

#include <gtest/gtest.h>

#include <thread>

namespace greentune::system {
namespace {

TEST(Machine, LimitsAreWithinWhatTheHardwareHas) {
  MachineLimits m = machine_limits();
  EXPECT_GE(m.cpu_cores, 1);
  EXPECT_LE(m.cpu_cores, static_cast<int64_t>(std::max(1U, std::thread::hardware_concurrency())));
  ASSERT_TRUE(m.memory_bytes.has_value());
  EXPECT_GT(*m.memory_bytes, int64_t{64} << 20);
}

TEST(Machine, SelfUsageGrowsWithWork) {
  SelfUsage before = self_usage();
  volatile double sink = 0;
  for (int i = 0; i < 20'000'000; ++i) sink = sink + i * 1e-9;
  SelfUsage after = self_usage();
  EXPECT_GT(after.cpu_s, before.cpu_s);
  EXPECT_GT(after.max_rss_bytes, 0);
}

TEST(Machine, HostNameIsNotEmpty) { EXPECT_FALSE(host_name().empty()); }

}  // namespace
}  // namespace greentune::system
