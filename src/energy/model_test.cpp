// The power model: /proc/cpuinfo, the TDP table, and figures that follow CPU seconds.
#include <gtest/gtest.h>

#include "energy/cpu_model.hpp"
#include "energy/proc_stat.hpp"
#include "energy/test_fixtures.hpp"
#include "greentune/energy.hpp"

namespace greentune::energy {
namespace {

std::vector<CpuTdpRow> builtin_table() {
  auto rows = parse_cpu_tdp_table(builtin_cpu_tdp_csv(), "builtin");
  EXPECT_TRUE(rows) << rows.error().message;
  return rows.value_or(std::vector<CpuTdpRow>{});
}

TEST(CpuTdpTable, TheBuiltInCopyIsDataCpuTdpCsv) {
  std::string file = greentune::testing::read_file(GREENTUNE_SOURCE_DIR "/data/cpu_tdp.csv");
  EXPECT_EQ(std::string(builtin_cpu_tdp_csv()), file);
}

TEST(CpuTdpTable, EveryRowHasASourceAndTheGenericRowIsThere) {
  std::vector<CpuTdpRow> rows = builtin_table();
  EXPECT_GE(rows.size(), 40u);
  for (const CpuTdpRow& r : rows) {
    EXPECT_FALSE(r.source.empty()) << r.match;
    EXPECT_GE(r.year, 2017) << r.match;
    if (r.match != "*") {
      EXPECT_GE(r.threads, r.cores) << r.match;
    }
  }
  EXPECT_EQ(find_cpu_tdp(rows, "Some Future CPU 9000")->match, "*");
}

TEST(CpuTdpTable, MatchesWholeWordsTheLongestFirst) {
  std::vector<CpuTdpRow> rows = builtin_table();
  EXPECT_EQ(find_cpu_tdp(rows, "Intel(R) Xeon(R) Gold 6248 CPU @ 2.50GHz")->tdp_w, 150);
  EXPECT_EQ(find_cpu_tdp(rows, "Intel(R) Xeon(R) Gold 6248R CPU @ 3.00GHz")->tdp_w, 205);
  EXPECT_EQ(find_cpu_tdp(rows, "AMD EPYC 7742 64-Core Processor")->tdp_w, 225);
  EXPECT_EQ(find_cpu_tdp(rows, "Intel(R) Xeon(R) Platinum 8480+")->tdp_w, 350);
  EXPECT_EQ(find_cpu_tdp(rows, "13th Gen Intel(R) Core(TM) i9-13900K")->cores, 24);
  EXPECT_EQ(find_cpu_tdp(rows, "AMD Ryzen 9 7950X3D 16-Core Processor")->match, "*");
}

TEST(CpuTdpTable, MalformedRowsNameTheLine) {
  auto rows =
      parse_cpu_tdp_table("model,tdp_w,cores,threads,source,year\nX 1,abc,1,2,s,2020\n", "my.csv");
  ASSERT_FALSE(rows);
  EXPECT_NE(rows.error().message.find("my.csv:2:"), std::string::npos);
  auto quoted = parse_cpu_tdp_table("h\nX 1,10,1,2,\"a, b\",2020\n", "q.csv");
  ASSERT_TRUE(quoted);
  EXPECT_EQ((*quoted)[0].source, "a, b");
}

TEST(CpuInfo, CountsCpusAndSockets) {
  CpuInfo info = parse_cpuinfo(testing::cpuinfo_text("Intel(R) Xeon(R) Gold 6248 CPU", 2, 40));
  EXPECT_EQ(info.model_name, "Intel(R) Xeon(R) Gold 6248 CPU");
  EXPECT_EQ(info.logical_cpus, 80);
  EXPECT_EQ(info.sockets, 2);
  EXPECT_EQ(parse_cpuinfo("processor : 0\nCPU part : 0xd0c\n").sockets, 1);
}

TEST(PowerModel, TwoSocketsAndAVirtualMachineShare) {
  std::vector<CpuTdpRow> rows = builtin_table();
  CpuInfo metal{"Intel(R) Xeon(R) Gold 6248 CPU @ 2.50GHz", 80, 2};
  CpuPowerModel m = make_cpu_power_model(metal, find_cpu_tdp(rows, metal.model_name), {});
  EXPECT_DOUBLE_EQ(m.max_w, 300);
  EXPECT_DOUBLE_EQ(m.idle_w, 300 * kCpuIdleShareOfTdp);
  CpuInfo vm{"Intel(R) Xeon(R) Gold 6248 CPU @ 2.50GHz", 4, 1};  // 4 of 40 threads
  EXPECT_DOUBLE_EQ(make_cpu_power_model(vm, find_cpu_tdp(rows, vm.model_name), {}).max_w, 15);
  EXPECT_DOUBLE_EQ(make_cpu_power_model(vm, find_cpu_tdp(rows, vm.model_name), 200.0).max_w, 20);
  CpuInfo unknown{"Mystery CPU", 8, 1};
  EXPECT_DOUBLE_EQ(make_cpu_power_model(unknown, find_cpu_tdp(rows, "Mystery CPU"), {}).max_w, 28);
  EXPECT_DOUBLE_EQ(make_cpu_power_model(unknown, nullptr, 65.0).max_w, 65);
}

// A CPU-bound program: its figure follows the CPU seconds it burns, interval by interval.
TEST(PowerModel, FiguresFollowCpuSeconds) {
  CpuPowerModel m;
  m.max_w = 100;
  m.idle_w = 20;
  m.logical_cpus = 4;
  // Idle, one core, four cores, more than the CPUs can do (clamped), no time.
  EXPECT_DOUBLE_EQ(model_cpu_energy_j(m, 2.0, 0.0), 40);
  EXPECT_DOUBLE_EQ(model_cpu_energy_j(m, 2.0, 2.0), 40 + 80 * 2.0 / 4);
  EXPECT_DOUBLE_EQ(model_cpu_energy_j(m, 2.0, 8.0), 200);
  EXPECT_DOUBLE_EQ(model_cpu_energy_j(m, 2.0, 50.0), 200);
  EXPECT_DOUBLE_EQ(model_cpu_energy_j(m, 0.0, 1.0), 0);
}

TEST(ProcStat, BusyIsUserNiceSystemIrqSoftirq) {
  auto busy = parse_proc_stat_busy_s("cpu  100 20 30 9999 50 5 5 70 40 0\ncpu0 1 2 3\n", 100, "s");
  ASSERT_TRUE(busy);
  EXPECT_DOUBLE_EQ(*busy, 1.6);  // not idle, iowait, steal; guest is inside user
  EXPECT_FALSE(parse_proc_stat_busy_s("intr 1 2\n", 100, "s"));
  EXPECT_FALSE(parse_proc_stat_busy_s("cpu  1 x\n", 100, "s"));
}

}  // namespace
}  // namespace greentune::energy
