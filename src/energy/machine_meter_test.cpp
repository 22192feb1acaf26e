// The machine's meter put together: sources chosen, fallbacks said once, and per-trial
// figures through the accountant.
#include "energy/machine_meter.hpp"

#include <gtest/gtest.h>

#include <cerrno>
#include <limits>

#include "energy/test_fixtures.hpp"

namespace greentune::energy {
namespace {

using greentune::testing::FakeClock;
using greentune::testing::TempDir;
using testing::kIntelRangeUj;
using testing::PowercapTree;

struct Machine {
  Machine() : tree(dir.path() / "powercap") {
    options.powercap_root = tree.root().string();
    options.proc_stat_path = dir.file("stat");
    options.cpuinfo_path = dir.file("cpuinfo");
    options.nvml_library = GREENTUNE_FAKE_NVML_DIR "/absent.so";
    options.clock = &clock;
    options.on_note = [this](const std::string& line) { logged.push_back(line); };
    testing::write_proc_stat(options.proc_stat_path, 1000);
    greentune::testing::write_file(options.cpuinfo_path,
                                   testing::cpuinfo_text("Intel(R) Xeon(R) Gold 6248 CPU", 1, 40));
  }
  bool logged_line(const std::string& part) const {
    for (const std::string& n : logged) {
      if (n.find(part) != std::string::npos) return true;
    }
    return false;
  }
  TempDir dir;
  PowercapTree tree;
  FakeClock clock;
  EnergyOptions options;
  std::vector<std::string> logged;
};

TEST(MachineMeter, RootOnlyRaplFallsBackToTheModelWithOneLine) {
  Machine m;
  m.tree.zone("intel-rapl:0", "package-0", 1'000'000);
  testing::FailingFiles files;
  files.errors[m.tree.energy_path("intel-rapl:0")] = EACCES;
  auto meter = open_machine_meter(m.options, files);
  ASSERT_TRUE(meter) << meter.error().message;
  EXPECT_EQ(m.logged.front(), "RAPL counters are not readable (permission denied: " +
                                  m.tree.energy_path("intel-rapl:0") +
                                  " is root-only since Linux 5.10); using the power model");
  EXPECT_TRUE(m.logged_line("cpu energy from the power model"));
  EXPECT_TRUE(m.logged_line("no GPU figures: NVML not found"));
  EXPECT_EQ((*meter)->notes(), m.logged);
  auto r = (*meter)->read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->cpu.source, EnergySource::kModel);
  EXPECT_FALSE(r->dram);
}

TEST(MachineMeter, OnlyOneMeterPerProcess) {
  Machine m;
  auto first = open_machine_meter(m.options, real_files());
  ASSERT_TRUE(first);
  auto second = open_machine_meter(m.options, real_files());
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().code, ErrorCode::kConflict);
  first->reset();
  EXPECT_TRUE(open_machine_meter(m.options, real_files()));
}

// A trial running alone through a wraparound: it gets exactly the package's joules.
TEST(MachineMeter, RaplWrapDuringATrialGivesTheTrialTheExactJoules) {
  Machine m;
  m.tree.zone("intel-rapl:0", "package-0", kIntelRangeUj - 7'000'000);
  auto meter = open_machine_meter(m.options, real_files());
  ASSERT_TRUE(meter) << meter.error().message;
  EXPECT_EQ((*meter)->max_poll_interval_s(), kIntelRangeUj / 1e6 / 500 / 2);
  EnergyAccountant acc;
  acc.add(*(*meter)->read(), {{.trial_id = 1, .cpu_s = 0}});
  m.clock.advance(1);
  m.tree.set("intel-rapl:0", kIntelRangeUj - 2'000'000);
  testing::write_proc_stat(m.options.proc_stat_path, 1001);
  acc.add(*(*meter)->read(), {{.trial_id = 1, .cpu_s = 1}});
  m.clock.advance(1);
  m.tree.set("intel-rapl:0", 3'000'000);  // wrapped
  testing::write_proc_stat(m.options.proc_stat_path, 1002);
  acc.add(*(*meter)->read(), {{.trial_id = 1, .cpu_s = 2}});
  std::vector<EnergyRecord> e = acc.energy_of(1);
  ASSERT_EQ(e.size(), 2u);
  EXPECT_EQ(e[0].component, "cpu");
  EXPECT_DOUBLE_EQ(e[0].joules, 5.0 + 5.000001);
  EXPECT_EQ(e[0].source, "rapl");
  EXPECT_EQ(e[1].source, "model");  // no DRAM counter: modelled from RSS
}

TEST(MachineMeter, ACounterThatGoesBackwardsMidRunSwitchesToTheModel) {
  Machine m;
  m.tree.zone("intel-rapl:0", "package-0", 50'000'000);
  auto meter = open_machine_meter(m.options, real_files());
  ASSERT_TRUE(meter);
  m.clock.advance(1);
  m.tree.set("intel-rapl:0", 60'000'000);
  ASSERT_DOUBLE_EQ((*meter)->read()->cpu.joules, 10);
  m.clock.advance(1);
  m.tree.set("intel-rapl:0", 59'000'000);
  testing::write_proc_stat(m.options.proc_stat_path, 1040);  // all 40 CPUs busy for 1 s
  auto r = (*meter)->read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->cpu.source, EnergySource::kModel);
  EXPECT_DOUBLE_EQ(r->cpu.joules, 10 + 150);  // Gold 6248 at full load for 1 s
  EXPECT_TRUE(m.logged_line("went backwards"));
  EXPECT_EQ((*meter)->max_poll_interval_s(), std::numeric_limits<double>::infinity());
}

// The model for a CPU-bound program alone on 40 CPUs: a known CPU-seconds series in,
// exact joules out (idle share by its CPU share, the rest by its CPU seconds / 40).
TEST(MachineMeter, ModelledTrialJoulesFollowItsCpuSeconds) {
  Machine m;
  m.options.use_rapl = false;
  auto meter = open_machine_meter(m.options, real_files());
  ASSERT_TRUE(meter);
  EnergyAccountant acc;
  acc.add(*(*meter)->read(), {{.trial_id = 1, .cpu_s = 0}});
  const double max_w = 150, idle_w = max_w * kCpuIdleShareOfTdp;
  double expected_j = 0, busy_s = 1000, trial_s = 0;
  for (double cpu_s : {1.0, 1.0, 0.5, 4.0}) {  // CPU seconds per 1 s interval
    m.clock.advance(1);
    busy_s += cpu_s;
    trial_s += cpu_s;
    testing::write_proc_stat(m.options.proc_stat_path, busy_s);
    acc.add(*(*meter)->read(), {{.trial_id = 1, .cpu_s = trial_s}});
    expected_j += idle_w * 1 + (max_w - idle_w) * cpu_s / 40;
  }
  std::vector<EnergyRecord> e = acc.energy_of(1);
  ASSERT_FALSE(e.empty());
  EXPECT_NEAR(e[0].joules, expected_j, 1e-9);
  EXPECT_EQ(e[0].source, "model");
}

}  // namespace
}  // namespace greentune::energy
