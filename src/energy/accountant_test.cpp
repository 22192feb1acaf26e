// EnergyAccountant: each trial's share of the machine's joules.
#include <gtest/gtest.h>

#include "greentune/energy.hpp"

namespace greentune {
namespace {

EnergyReading reading(double t_s, double busy_s, double cpu_j, std::optional<double> dram_j,
                      EnergySource source = EnergySource::kRapl) {
  EnergyReading r;
  r.elapsed_s = t_s;
  r.cpu_busy_s = busy_s;
  r.cpu = {cpu_j, source};
  if (dram_j) r.dram = ComponentEnergy{*dram_j, source};
  return r;
}

double joules(const std::vector<EnergyRecord>& records, const std::string& component) {
  for (const EnergyRecord& r : records) {
    if (r.component == component) return r.joules;
  }
  return -1;
}

std::string source(const std::vector<EnergyRecord>& records, const std::string& component) {
  for (const EnergyRecord& r : records) {
    if (r.component == component) return r.source;
  }
  return "";
}

TEST(EnergyAccountant, TwoConcurrentTrialsShareByCpuTime) {
  EnergyAccountant acc;
  acc.add(reading(0, 100, 0, 0.0), {{.trial_id = 1, .cpu_s = 0}, {.trial_id = 2, .cpu_s = 0}});
  // 10 s: the machine did 40 CPU seconds; trial 1 did 30, trial 2 did 6, others 4.
  acc.add(reading(10, 140, 2000, 200.0),
          {{.trial_id = 1, .cpu_s = 30}, {.trial_id = 2, .cpu_s = 6}});
  EXPECT_DOUBLE_EQ(joules(acc.energy_of(1), "cpu"), 2000 * 30.0 / 40);
  EXPECT_DOUBLE_EQ(joules(acc.energy_of(1), "dram"), 200 * 30.0 / 40);
  EXPECT_DOUBLE_EQ(joules(acc.energy_of(2), "cpu"), 2000 * 6.0 / 40);
  EXPECT_DOUBLE_EQ(acc.unattributed().cpu_j, 2000 * 4.0 / 40);
  EXPECT_EQ(source(acc.energy_of(1), "cpu"), "rapl");
  // Next interval trial 2 ran alone and the machine's count lags the trials' samples.
  acc.add(reading(20, 150, 3000, 300.0), {{.trial_id = 2, .cpu_s = 18}});
  EXPECT_DOUBLE_EQ(joules(acc.energy_of(2), "cpu"), 300 + 1000);
  EXPECT_DOUBLE_EQ(joules(acc.energy_of(1), "cpu"), 1500);
  EXPECT_TRUE(acc.energy_of(3).empty());
  acc.forget(1);
  EXPECT_TRUE(acc.energy_of(1).empty());
}

TEST(EnergyAccountant, ModelledDramFollowsRssAndModelSourcesStick) {
  EnergyAccountant acc;
  acc.add(reading(0, 0, 0, std::nullopt, EnergySource::kModel), {});
  int64_t gib = int64_t{1} << 30;
  acc.add(reading(4, 2, 100, std::nullopt, EnergySource::kModel),
          {{.trial_id = 7, .cpu_s = 2, .rss_bytes = 2 * gib}});
  EXPECT_DOUBLE_EQ(joules(acc.energy_of(7), "dram"), kDramWattsPerGb * 2 * 4);
  EXPECT_EQ(source(acc.energy_of(7), "dram"), "model");
  // RAPL readings after modelled ones: the trial's figure stays "model".
  acc.add(reading(5, 3, 150, 1.0, EnergySource::kRapl), {{.trial_id = 7, .cpu_s = 3}});
  EXPECT_DOUBLE_EQ(joules(acc.energy_of(7), "cpu"), 150);
  EXPECT_EQ(source(acc.energy_of(7), "cpu"), "model");
}

TEST(EnergyAccountant, AGpuGoesToTheTrialsRunningOnIt) {
  EnergyAccountant acc;
  auto with_gpus = [](EnergyReading r, double gpu0_j, double gpu1_j) {
    r.gpus.push_back({.index = 0, .joules = gpu0_j, .processes = {{.pid = 100}, {.pid = 200}}});
    r.gpus.push_back({.index = 1, .joules = gpu1_j});
    return r;
  };
  acc.add(with_gpus(reading(0, 0, 0, 0.0), 0, 0), {});
  acc.add(with_gpus(reading(1, 2, 10, 1.0), 600, 90),
          {{.trial_id = 1, .cpu_s = 1, .pids = {100}},
           {.trial_id = 2, .cpu_s = 1, .pids = {200, 201}},
           {.trial_id = 3, .cpu_s = 0, .pids = {300}}});
  EXPECT_DOUBLE_EQ(joules(acc.energy_of(1), "gpu"), 300);
  EXPECT_DOUBLE_EQ(joules(acc.energy_of(2), "gpu"), 300);
  EXPECT_EQ(source(acc.energy_of(2), "gpu"), "nvml");
  EXPECT_DOUBLE_EQ(joules(acc.energy_of(3), "gpu"), -1);  // never on a GPU: no record
  EXPECT_DOUBLE_EQ(acc.unattributed().gpu_j, 90);         // GPU 1 idle
  // A trial given GPU 1 (CUDA_VISIBLE_DEVICES) gets it without a process on it yet.
  acc.add(with_gpus(reading(2, 2, 10, 1.0), 600, 150),
          {{.trial_id = 3, .cpu_s = 0, .gpu_indices = {1}}});
  EXPECT_DOUBLE_EQ(joules(acc.energy_of(3), "gpu"), 60);
}

TEST(GpuUsageOf, MeanUtilizationOfItsGpusAndMemoryOfItsProcesses) {
  EnergyReading r;
  r.gpus.push_back({.index = 0, .utilization = 0.5, .processes = {{100, 1000}, {200, 5000}}});
  r.gpus.push_back({.index = 1, .utilization = 1.0, .processes = {{101, 300}}});
  r.gpus.push_back({.index = 2, .utilization = 0.9});
  TrialGpuUsage u = gpu_usage_of(r, {.trial_id = 1, .pids = {100, 101}});
  EXPECT_EQ(u.gpus, 2);
  EXPECT_DOUBLE_EQ(u.utilization, 0.75);
  EXPECT_EQ(u.memory_bytes, 1300);
  EXPECT_EQ(gpu_usage_of(r, {.trial_id = 2, .pids = {999}}).gpus, 0);
}

// Every joule read is somebody's or nobody's, once: over trials that start and end
// between readings, greentune's own process, measured and modelled DRAM, a GPU used by
// a trial in some intervals and by nobody in others.
TEST(EnergyAccountant, EveryJouleReadIsCountedOnce) {
  EnergyAccountant acc;
  auto with_gpu = [](EnergyReading r, double gpu_j) {
    r.gpus.push_back(GpuEnergy{.index = 0, .joules = gpu_j});
    return r;
  };
  const TrialUsage self0{.trial_id = kGreentuneUsageId, .cpu_s = 1.0};
  acc.add(with_gpu(reading(0, 10, 0, 0.0), 0), {self0});
  // Trial 1 starts; greentune does 0.5 s of its own work; the machine 6 CPU seconds.
  acc.add(with_gpu(reading(5, 16, 500, 40.0), 300),
          {{.trial_id = 1, .cpu_s = 4, .gpu_indices = {0}},
           {.trial_id = kGreentuneUsageId, .cpu_s = 1.5}});
  // Trial 1's last reading, trial 2 starts (in-flight for its first interval).
  acc.add(with_gpu(reading(10, 22, 1100, 90.0), 700),
          {{.trial_id = 1, .cpu_s = 6, .gpu_indices = {0}},
           {.trial_id = 2, .cpu_s = 3},
           {.trial_id = kGreentuneUsageId, .cpu_s = 1.6}});
  acc.forget(1);
  // Only trial 2 and greentune now, and nobody on the GPU.
  acc.add(with_gpu(reading(15, 30, 1800, 130.0), 950),
          {{.trial_id = 2, .cpu_s = 9}, {.trial_id = kGreentuneUsageId, .cpu_s = 2.0}});
  EnergyTotals t = acc.totals();
  EXPECT_DOUBLE_EQ(t.machine_j, 1800 + 130 + 950);
  EXPECT_NEAR(t.trials_j + t.greentune_j + t.other_j, t.machine_j, 1e-9);
  // greentune's own: 0.5/6, 0.1/6 and 0.4/8 of the CPU and DRAM joules of each interval.
  double own = (500 + 40) * 0.5 / 6 + (600 + 50) * 0.1 / 6 + (700 + 40) * 0.4 / 8;
  EXPECT_NEAR(t.greentune_j, own, 1e-9);
  EXPECT_NEAR(joules(acc.energy_of(kGreentuneUsageId), "cpu"),
              500 * 0.5 / 6 + 600 * 0.1 / 6 + 700 * 0.4 / 8, 1e-9);
  // The GPU's last 250 J had no user.
  EXPECT_NEAR(acc.unattributed().gpu_j, 250, 1e-9);
  // What trial 2 holds now plus what trial 1 was charged before it was forgotten.
  double trial2 = joules(acc.energy_of(2), "cpu") + joules(acc.energy_of(2), "dram");
  double trial1 = (500 + 40) * 4.0 / 6 + 300 + (600 + 50) * 2.0 / 6 + 400;
  EXPECT_NEAR(t.trials_j, trial1 + trial2, 1e-9);
}

// Two trials on one GPU with a third, foreign process: each pays for what its kernels
// used (NVML's per-process SM utilization), the foreign share is nobody's.
TEST(EnergyAccountant, TrialsSharingAGpuPayForWhatTheyUsed) {
  EnergyAccountant acc;
  auto gpu_reading = [](double t, double joules, std::vector<GpuProcess> processes) {
    EnergyReading r = reading(t, 0, 0, 0.0);
    r.gpus.push_back(GpuEnergy{.index = 0, .joules = joules, .processes = std::move(processes)});
    return r;
  };
  TrialUsage one{.trial_id = 1, .cpu_s = 0, .pids = {100, 101}};
  TrialUsage two{.trial_id = 2, .cpu_s = 0, .pids = {200}};
  acc.add(gpu_reading(0, 0, {}), {one, two});
  acc.add(gpu_reading(10, 1000,
                      {{.pid = 100, .sm_utilization = 0.5},
                       {.pid = 101, .sm_utilization = 0.1},
                       {.pid = 200, .sm_utilization = 0.2},
                       {.pid = 300, .sm_utilization = 0.2}}),
          {one, two});
  EXPECT_NEAR(joules(acc.energy_of(1), "gpu"), 600, 1e-9);
  EXPECT_NEAR(joules(acc.energy_of(2), "gpu"), 200, 1e-9);
  EXPECT_NEAR(acc.unattributed().gpu_j, 200, 1e-9);
  // Where one trial's processes have no per-process figure: equal shares, as before.
  acc.add(gpu_reading(20, 1600,
                      {{.pid = 100, .sm_utilization = 0.5}, {.pid = 200, .sm_utilization = -1}}),
          {one, two});
  EXPECT_NEAR(joules(acc.energy_of(1), "gpu"), 900, 1e-9);
  EXPECT_NEAR(joules(acc.energy_of(2), "gpu"), 500, 1e-9);
  // An idle GPU held by both: equal shares.
  acc.add(gpu_reading(30, 1800,
                      {{.pid = 100, .sm_utilization = 0.0}, {.pid = 200, .sm_utilization = 0.0}}),
          {one, two});
  EXPECT_NEAR(joules(acc.energy_of(1), "gpu"), 1000, 1e-9);
  EXPECT_NEAR(joules(acc.energy_of(2), "gpu"), 600, 1e-9);
  EnergyTotals t = acc.totals();
  EXPECT_NEAR(t.trials_j + t.greentune_j + t.other_j, t.machine_j, 1e-9);
}

TEST(EnergyAccountant, ModelledDramIsPartOfWhatWasRead) {
  EnergyAccountant acc;
  int64_t gib = int64_t{1} << 30;
  acc.add(reading(0, 0, 0, std::nullopt, EnergySource::kModel), {});
  acc.add(reading(10, 5, 200, std::nullopt, EnergySource::kModel),
          {{.trial_id = 3, .cpu_s = 4, .rss_bytes = gib},
           {.trial_id = kGreentuneUsageId, .cpu_s = 0.5, .rss_bytes = gib / 4}});
  EnergyTotals t = acc.totals();
  EXPECT_DOUBLE_EQ(t.machine_j, 200 + kDramWattsPerGb * 1.25 * 10);
  EXPECT_NEAR(t.trials_j + t.greentune_j + t.other_j, t.machine_j, 1e-9);
  EXPECT_NEAR(t.other_j, 200 * 0.5 / 5, 1e-9);
}

}  // namespace
}  // namespace greentune
