// Right-sizing recommendations from trials' utilization samples.
#include <gtest/gtest.h>

#include "greentune/summary.hpp"

namespace greentune {
namespace {

constexpr int64_t kGiB = 1024LL * 1024 * 1024;

SystemSample sample(double t, double cpu, int64_t rss, double gpu = 0.0, int64_t gpu_mem = 0) {
  SystemSample s;
  s.time = t;
  s.cpu_utilization = cpu;
  s.rss_bytes = rss;
  s.gpu_utilization = gpu;
  s.gpu_memory_bytes = gpu_mem;
  return s;
}

// A trial of n samples whose cores busy cycle through `cores`.
TrialSamples trial(int64_t number, int n, const std::vector<double>& cores, int64_t rss) {
  TrialSamples t;
  t.number = number;
  for (int i = 0; i < n; ++i) {
    t.samples.push_back(sample(i, cores[static_cast<size_t>(i) % cores.size()], rss));
  }
  return t;
}

TEST(RightSizing, NoSamplesIsNull) {
  EXPECT_TRUE(right_sizing_json({}, {}).is_null());
  EXPECT_TRUE(right_sizing_json({TrialSamples{0, {}}}, {}).is_null());
  EXPECT_EQ(right_sizing_text(nullptr), "");
}

TEST(RightSizing, FewCoresBusyOfMany) {
  MachineShape m{8, 16 * kGiB, 1};
  // 100 samples: 1.0 core most of the time, 1.84 in 10% of them: p95 = 1.84.
  std::vector<double> cores(100, 1.0);
  for (int i = 0; i < 10; ++i) cores[static_cast<size_t>(i) * 10] = 1.84;
  auto r =
      right_sizing_json({trial(0, 100, cores, kGiB + kGiB / 5), trial(1, 100, cores, kGiB)}, m);
  ASSERT_TRUE(r.is_object());
  EXPECT_EQ(r["trials"], 2);
  EXPECT_EQ(r["samples"], 200);
  EXPECT_NEAR(r["cpu"]["p50_cores"].get<double>(), 1.0, 1e-12);
  EXPECT_NEAR(r["cpu"]["p95_cores"].get<double>(), 1.84, 1e-12);
  EXPECT_NEAR(r["cpu"]["peak_cores"].get<double>(), 1.84, 1e-12);
  EXPECT_NEAR(r["cpu"]["p95_share"].get<double>(), 0.23, 1e-12);
  EXPECT_EQ(r["cpu"]["recommended_cores"], 2);
  EXPECT_EQ(r["cpu"]["recommendation"], "p95 CPU utilization 23% of 8 cores: 2 cores would do");
  EXPECT_EQ(r["memory"]["peak_rss_bytes"], kGiB + kGiB / 5);
  EXPECT_EQ(r["memory"]["recommended_bytes"], 2 * kGiB);  // 1.2 GiB x 1.2 headroom
  EXPECT_EQ(r["memory"]["recommendation"], "peak RSS 1.2 GiB of 16.0 GiB: 2.0 GiB would do");
  EXPECT_TRUE(r["gpu"].is_null());
  EXPECT_EQ(r["recommendations"].size(), 2u);
  EXPECT_EQ(right_sizing_text(r),
            "sizing     p95 CPU utilization 23% of 8 cores: 2 cores would do\n"
            "           peak RSS 1.2 GiB of 16.0 GiB: 2.0 GiB would do\n");
}

TEST(RightSizing, ConcurrencyMultipliesTheNeedAndBusyMachinesAreUsed) {
  MachineShape m{4, 8 * kGiB, 2};
  auto r = right_sizing_json({trial(0, 50, {1.9, 2.0}, 3 * kGiB)}, m);
  EXPECT_NEAR(r["cpu"]["p95_share"].get<double>(), 1.0, 1e-12);
  EXPECT_EQ(r["cpu"]["recommended_cores"], 4);
  EXPECT_EQ(r["cpu"]["recommendation"],
            "p95 CPU utilization 100% of 4 cores (2 trials at once): the cores are used");
  EXPECT_EQ(r["memory"]["recommendation"],
            "peak RSS 3.0 GiB of 8.0 GiB (2 trials at once): the memory is used");

  auto small = right_sizing_json({trial(0, 10, {0.3}, 50 * 1024 * 1024)}, {2, std::nullopt, 1});
  EXPECT_EQ(small["cpu"]["recommendation"], "p95 CPU utilization 15% of 2 cores: 1 core would do");
  EXPECT_EQ(small["memory"]["recommendation"], "peak RSS 50 MiB");
  EXPECT_TRUE(small["memory"]["limit_bytes"].is_null());
}

TEST(RightSizing, GpuIdleWhileTheCpuWorksIsInputBound) {
  TrialSamples t{0, {}};
  for (int i = 0; i < 100; ++i) {
    bool idle = i % 10 < 7;  // 70% idle, a core busy meanwhile
    t.samples.push_back(sample(i, idle ? 1.0 : 0.5, kGiB, idle ? 0.02 : 0.95, 4 * kGiB));
  }
  TrialSamples cpu_only = trial(1, 100, {0.5}, kGiB);
  auto r = right_sizing_json({t, cpu_only}, {16, 64 * kGiB, 1});
  ASSERT_TRUE(r["gpu"].is_object());
  EXPECT_EQ(r["gpu"]["trials"], 1);
  EXPECT_NEAR(r["gpu"]["idle_share"].get<double>(), 0.7, 1e-12);
  EXPECT_TRUE(r["gpu"]["cpu_busy_when_idle"].get<bool>());
  EXPECT_EQ(r["gpu"]["recommendation"],
            "GPU idle 70% of the time: input pipeline bound (the CPU works while the GPU waits)");
  EXPECT_EQ(r["recommendations"].size(), 3u);

  for (auto& s : t.samples) {
    if (s.gpu_utilization < 0.1) s.cpu_utilization = 0.01;
  }
  auto waiting = right_sizing_json({t}, {16, 64 * kGiB, 1});
  EXPECT_FALSE(waiting["gpu"]["cpu_busy_when_idle"].get<bool>());
  EXPECT_EQ(waiting["gpu"]["recommendation"],
            "GPU idle 70% of the time while the CPU idles too: waiting on I/O; a smaller GPU or "
            "none would do");

  TrialSamples half{0, {}};
  TrialSamples busy{1, {}};
  for (int i = 0; i < 100; ++i) {
    half.samples.push_back(sample(i, 1.0, kGiB, 0.35, kGiB));
    busy.samples.push_back(sample(i, 1.0, kGiB, 0.9, kGiB));
  }
  EXPECT_EQ(right_sizing_json({half}, {16, 64 * kGiB, 1})["gpu"]["recommendation"],
            "p95 GPU utilization 35%: a smaller GPU would do");
  EXPECT_EQ(right_sizing_json({busy}, {16, 64 * kGiB, 1})["gpu"]["recommendation"],
            "GPU busy 100% of the time (p95 utilization 90%): the GPU is used");
}

}  // namespace
}  // namespace greentune
