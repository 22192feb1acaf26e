// RAPL through powercap, against fixture trees written like the kernel's: wraparound,
// nested domains, a domain shown twice, mirrored dies, counters a VM gets wrong.
#include <gtest/gtest.h>

#include <cerrno>
#include <cmath>

#include "energy/powercap.hpp"
#include "energy/rapl_counter.hpp"
#include "energy/rapl_meter.hpp"
#include "energy/test_fixtures.hpp"

namespace greentune::energy {
namespace {

using testing::kIntelRangeUj;
using testing::PowercapTree;

std::vector<std::string> names(const std::vector<RaplZone>& zones) {
  std::vector<std::string> out;
  for (const RaplZone& z : zones) out.push_back(z.name + "@" + z.control);
  return out;
}

bool has_note(const std::vector<std::string>& notes, const std::string& part) {
  for (const std::string& n : notes) {
    if (n.find(part) != std::string::npos) return true;
  }
  return false;
}

TEST(RaplDelta, CountsForwardAndAcrossOneWrap) {
  EXPECT_EQ(rapl_delta_uj(100, 250, 1000), 150u);
  // 1000 is the last value before 0: 999 -> 1000 -> 0 -> ... -> 4 is 1 + 1 + 4 steps.
  EXPECT_EQ(rapl_delta_uj(999, 4, 1000), 6u);
  EXPECT_EQ(rapl_delta_uj(kIntelRangeUj - 1'000'000, 4'000'000, kIntelRangeUj), 5'000'001u);
  EXPECT_EQ(rapl_delta_uj(7, 7, 1000), 0u);
  EXPECT_EQ(rapl_delta_uj(500, 4, 0), std::nullopt);      // no range: cannot wrap
  EXPECT_EQ(rapl_delta_uj(2000, 4, 1000), std::nullopt);  // above the range
}

TEST(RaplCounter, WrapInTheMiddleOfATrialGivesTheExactJoules) {
  RaplCounter c("pkg", kIntelRangeUj, 500, kIntelRangeUj - 3'000'000, 0.0);
  ASSERT_TRUE(c.update(kIntelRangeUj - 1'000'000, 1.0));  // 2 J
  ASSERT_TRUE(c.update(4'000'000, 2.0));                  // wraps: 1 J + 1 uJ + 4 J
  ASSERT_TRUE(c.update(10'000'000, 3.0));                 // 6 J
  EXPECT_EQ(c.total_uj(), 2'000'000u + 5'000'001u + 6'000'000u);
}

TEST(RaplCounter, SteppingBackwardsIsNotAWrap) {
  RaplCounter c("/x/energy_uj", kIntelRangeUj, 500, 5'000'000, 0.0);
  Status s = c.update(4'999'000, 1.0);  // a "wrap" would be 262 kJ in 1 s
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message.find("went backwards"), std::string::npos);
  EXPECT_NE(s.error().message.find("using the power model"), std::string::npos);
  EXPECT_FALSE(c.update(6'000'000, 2.0));  // stays distrusted
}

TEST(RaplCounter, ACounterThatDoesNotMoveIsDistrusted) {
  RaplCounter c("/x/energy_uj", kIntelRangeUj, 500, 123, 0.0);
  EXPECT_TRUE(c.update(123, 1.0));
  Status s = c.update(123, RaplCounter::kStuckAfterS);
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message.find("has not moved"), std::string::npos);
}

TEST(Powercap, UsesPackagesAndDramNeverPsysCoreOrUncore) {
  greentune::testing::TempDir dir;
  PowercapTree t(dir.path());
  t.zone("intel-rapl:0", "package-0", 1000);
  t.zone("intel-rapl:0/intel-rapl:0:0", "core", 400);
  t.zone("intel-rapl:0/intel-rapl:0:1", "uncore", 300);
  t.zone("intel-rapl:0/intel-rapl:0:2", "dram", 200);
  t.zone("intel-rapl:1", "psys", 9000);
  std::vector<RaplZone> zones = discover_rapl_zones(real_files(), t.root().string());
  ASSERT_EQ(zones.size(), 5u);
  RaplPlan plan = plan_rapl(zones, {});
  EXPECT_EQ(names(plan.cpu), std::vector<std::string>{"package-0@intel-rapl"});
  EXPECT_EQ(names(plan.dram), std::vector<std::string>{"dram@intel-rapl"});
  EXPECT_EQ(plan.dram[0].package, 0);
  EXPECT_FALSE(plan.psys);
  EXPECT_TRUE(has_note(plan.notes, "psys left out"));
}

TEST(Powercap, PsysAloneWhenThereIsNoPackage) {
  greentune::testing::TempDir dir;
  PowercapTree t(dir.path());
  t.zone("intel-rapl:0", "psys", 9000);
  RaplPlan plan = plan_rapl(discover_rapl_zones(real_files(), t.root().string()), {});
  EXPECT_EQ(names(plan.cpu), std::vector<std::string>{"psys@intel-rapl"});
  EXPECT_TRUE(plan.psys);
  EXPECT_TRUE(plan.dram.empty());
}

TEST(Powercap, ADomainShownByIntelRaplAndIntelRaplMmioCountsOnce) {
  greentune::testing::TempDir dir;
  PowercapTree t(dir.path());
  t.zone("intel-rapl:0", "package-0", 1000);
  t.zone("intel-rapl-mmio:0", "package-0", 1000);
  RaplPlan plan = plan_rapl(discover_rapl_zones(real_files(), t.root().string()), {});
  EXPECT_EQ(names(plan.cpu), std::vector<std::string>{"package-0@intel-rapl"});
  EXPECT_TRUE(has_note(plan.notes, "exposed by both intel-rapl and intel-rapl-mmio"));
}

TEST(Powercap, MirroredPerDieCountersOfAnAmdPackageCountOnce) {
  greentune::testing::TempDir dir;
  PowercapTree t(dir.path());
  t.zone("intel-rapl:0", "package-0-die-0", 77'000'000);
  t.zone("intel-rapl:1", "package-0-die-1", 77'000'000);
  std::vector<RaplZone> zones = discover_rapl_zones(real_files(), t.root().string());
  std::map<std::string, uint64_t> first = {{t.energy_path("intel-rapl:0"), 77'000'000},
                                           {t.energy_path("intel-rapl:1"), 77'000'010}};
  RaplPlan plan = plan_rapl(zones, first);
  ASSERT_EQ(plan.cpu.size(), 1u);
  EXPECT_EQ(plan.cpu[0].name, "package-0-die-0");
  EXPECT_EQ(plan.cpu[0].die, 0);
  EXPECT_TRUE(has_note(plan.notes, "reads the same as package-0-die-0"));
}

TEST(Powercap, DiesWithTheirOwnCountersAreSummed) {  // Intel Cascade Lake-AP
  greentune::testing::TempDir dir;
  PowercapTree t(dir.path());
  t.zone("intel-rapl:0", "package-0-die-0", 77'000'000);
  t.zone("intel-rapl:1", "package-0-die-1", 91'000'000);
  std::map<std::string, uint64_t> first = {{t.energy_path("intel-rapl:0"), 77'000'000},
                                           {t.energy_path("intel-rapl:1"), 91'000'000}};
  RaplPlan plan = plan_rapl(discover_rapl_zones(real_files(), t.root().string()), first);
  EXPECT_EQ(plan.cpu.size(), 2u);
}

TEST(Powercap, AmdRaplNamesAndNoZonesAtAll) {
  greentune::testing::TempDir dir;
  PowercapTree t(dir.path());
  t.zone("amd-rapl:0", "package-0", 5);
  t.zone("amd-rapl:1", "package-1", 9'000'000);
  RaplPlan plan = plan_rapl(discover_rapl_zones(real_files(), t.root().string()), {});
  EXPECT_EQ(names(plan.cpu),
            (std::vector<std::string>{"package-0@amd-rapl", "package-1@amd-rapl"}));
  EXPECT_EQ(plan.cpu[1].package, 1);
  EXPECT_TRUE(discover_rapl_zones(real_files(), (dir.path() / "absent").string()).empty());
}

// Two packages and their DRAM through RaplSource: sums, a wrap, the poll interval.
TEST(RaplSource, SumsPackagesAndDramAcrossAWrap) {
  greentune::testing::TempDir dir;
  PowercapTree t(dir.path());
  t.zone("intel-rapl:0", "package-0", kIntelRangeUj - 2'000'000, kIntelRangeUj, 150'000'000);
  t.zone("intel-rapl:0/intel-rapl:0:0", "dram", 50'000'000, 65'712'999'613);
  t.zone("intel-rapl:1", "package-1", 80'000'000, kIntelRangeUj, 150'000'000);
  t.zone("intel-rapl:1/intel-rapl:1:0", "dram", 60'000'000, 65'712'999'613);
  std::vector<std::string> notes;
  auto source = RaplSource::open(real_files(), t.root().string(), 500, 0.0, notes);
  ASSERT_TRUE(source) << source.error().message;
  t.set("intel-rapl:0", 3'000'000);  // wrapped: 2 J + 1 uJ + 3 J
  t.set("intel-rapl:1", 90'000'000);
  t.set("intel-rapl:0/intel-rapl:0:0", 52'000'000);
  t.set("intel-rapl:1/intel-rapl:1:0", 61'500'000);
  auto totals = (*source)->read(1.0, notes);
  ASSERT_TRUE(totals) << totals.error().message;
  EXPECT_DOUBLE_EQ(totals->cpu_j, 5.000001 + 10.0);
  ASSERT_TRUE(totals->dram_j);
  EXPECT_DOUBLE_EQ(*totals->dram_j, 3.5);
  // DRAM has no constraint: 65713 J at the 500 W bound wraps in 131 s; poll every 66 s.
  EXPECT_NEAR((*source)->max_poll_interval_s(), 65'712.999613 / 500 / 2, 1e-9);
  EXPECT_TRUE(has_note(notes, "reading the counters at least every 66 s"));
  EXPECT_TRUE(has_note(notes, "cpu energy from RAPL: package-0 (intel-rapl:0) + package-1"));
}

TEST(RaplSource, RootOnlyCountersFallBackWithOneClearLine) {
  greentune::testing::TempDir dir;
  PowercapTree t(dir.path());
  t.zone("intel-rapl:0", "package-0", 1000);
  testing::FailingFiles files;
  files.errors[t.energy_path("intel-rapl:0")] = EACCES;
  std::vector<std::string> notes;
  auto source = RaplSource::open(files, t.root().string(), 500, 0.0, notes);
  ASSERT_FALSE(source);
  EXPECT_EQ(source.error().message,
            "RAPL counters are not readable (permission denied: " + t.energy_path("intel-rapl:0") +
                " is root-only since Linux 5.10); using the power model");
}

TEST(RaplSource, ACounterAtZeroFallsBack) {
  greentune::testing::TempDir dir;
  PowercapTree t(dir.path());
  t.zone("intel-rapl:0", "package-0", 0);
  std::vector<std::string> notes;
  auto source = RaplSource::open(real_files(), t.root().string(), 500, 0.0, notes);
  ASSERT_FALSE(source);
  EXPECT_NE(source.error().message.find("reads 0 (common in virtual machines)"), std::string::npos);
}

TEST(RaplSource, ABrokenDramCounterIsDroppedAndThePackageKept) {
  greentune::testing::TempDir dir;
  PowercapTree t(dir.path());
  t.zone("intel-rapl:0", "package-0", 1'000'000);
  t.zone("intel-rapl:0/intel-rapl:0:0", "dram", 9'000'000);
  std::vector<std::string> notes;
  auto source = RaplSource::open(real_files(), t.root().string(), 500, 0.0, notes);
  ASSERT_TRUE(source);
  t.set("intel-rapl:0", 2'000'000);
  t.set("intel-rapl:0/intel-rapl:0:0", 8'000'000);  // backwards
  auto totals = (*source)->read(1.0, notes);
  ASSERT_TRUE(totals);
  EXPECT_DOUBLE_EQ(totals->cpu_j, 1.0);
  EXPECT_FALSE(totals->dram_j);
  EXPECT_TRUE(has_note(notes, "went backwards"));
}

}  // namespace
}  // namespace greentune::energy
