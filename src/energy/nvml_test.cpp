// NVML through the fake libnvidia-ml.so.1 built beside the tests: the real dlopen path,
// with readings the test scripts.
#include <dlfcn.h>
#include <gtest/gtest.h>

#include "energy/nvml_meter.hpp"

namespace greentune::energy {
namespace {

const std::string kFakeNvml = GREENTUNE_FAKE_NVML_DIR "/libnvidia-ml.so.1";

// The fake's control functions, from the same loaded copy of the library.
struct FakeNvml {
  FakeNvml() {
    handle = dlopen(kFakeNvml.c_str(), RTLD_NOW | RTLD_LOCAL);
    EXPECT_NE(handle, nullptr) << dlerror();
    get(reset, "fake_nvml_reset");
    get(set_init_result, "fake_nvml_set_init_result");
    get(live_inits, "fake_nvml_live_inits");
    get(add_device, "fake_nvml_add_device");
    get(set_energy_mj, "fake_nvml_set_energy_mj");
    get(set_power_mw, "fake_nvml_set_power_mw");
    get(set_usage, "fake_nvml_set_usage");
    get(set_processes, "fake_nvml_set_processes");
    get(set_process_sm, "fake_nvml_set_process_sm");
    reset();
  }
  ~FakeNvml() { dlclose(handle); }
  template <class Fn>
  void get(Fn& fn, const char* name) {
    fn = reinterpret_cast<Fn>(dlsym(handle, name));
    ASSERT_NE(fn, nullptr) << name;
  }

  void* handle = nullptr;
  void (*reset)() = nullptr;
  void (*set_init_result)(int) = nullptr;
  int (*live_inits)() = nullptr;
  int (*add_device)(const char*, int) = nullptr;
  void (*set_energy_mj)(int, unsigned long long) = nullptr;
  void (*set_power_mw)(int, unsigned int) = nullptr;
  void (*set_usage)(int, unsigned int, unsigned long long, unsigned long long) = nullptr;
  void (*set_processes)(int, unsigned int, const unsigned int*,
                        const unsigned long long*) = nullptr;
  void (*set_process_sm)(int, int, const unsigned int*, const unsigned int*) = nullptr;
};

bool has_note(const std::vector<std::string>& notes, const std::string& part) {
  for (const std::string& n : notes) {
    if (n.find(part) != std::string::npos) return true;
  }
  return false;
}

TEST(Nvml, TheEnergyCounterGivesTheExactJoules) {
  FakeNvml fake;
  int gpu = fake.add_device("NVIDIA A100-SXM4-40GB", 1);
  fake.set_energy_mj(gpu, 5'000'000);
  fake.set_power_mw(gpu, 250'000);
  std::vector<std::string> notes;
  auto gpus = NvmlGpus::open(kFakeNvml, 0.1, 0.0, notes);
  ASSERT_TRUE(gpus) << gpus.error().message;
  EXPECT_TRUE(has_note(notes, "NVML's energy counter: GPU 0 (NVIDIA A100-SXM4-40GB)"));
  fake.set_energy_mj(gpu, 5'000'000 + 250'123);
  std::vector<GpuEnergy> r = (*gpus)->read(1.0, notes);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_DOUBLE_EQ(r[0].joules, 250.123);
  EXPECT_TRUE(r[0].from_counter);
  fake.set_energy_mj(gpu, 5'000'000 + 750'000);
  EXPECT_DOUBLE_EQ((*gpus)->read(3.0, notes)[0].joules, 750.0);
  EXPECT_EQ(fake.live_inits(), 1);
  gpus->reset();
  EXPECT_EQ(fake.live_inits(), 0);  // nvmlShutdown on close
}

TEST(Nvml, AWindowShorterThanTheCounterPeriodIsPowerTimesTime) {
  FakeNvml fake;
  int gpu = fake.add_device("NVIDIA H100", 1);
  fake.set_energy_mj(gpu, 1000);
  fake.set_power_mw(gpu, 300'000);
  std::vector<std::string> notes;
  auto gpus = NvmlGpus::open(kFakeNvml, 0.1, 0.0, notes);
  ASSERT_TRUE(gpus);
  // 40 ms later the counter has not moved: 300 W x 0.04 s.
  EXPECT_DOUBLE_EQ((*gpus)->read(0.04, notes)[0].joules, 12.0);
  // It moves (10 J since open; less than the estimate): the figure never goes down.
  fake.set_energy_mj(gpu, 11'000);
  EXPECT_DOUBLE_EQ((*gpus)->read(0.08, notes)[0].joules, 12.0);
  fake.set_energy_mj(gpu, 61'000);
  EXPECT_DOUBLE_EQ((*gpus)->read(0.3, notes)[0].joules, 60.0);
}

TEST(Nvml, WithoutACounterPowerSamplesAreIntegratedExactly) {
  FakeNvml fake;
  int gpu = fake.add_device("Tesla P100-PCIE-16GB", 0);
  fake.set_power_mw(gpu, 100'000);
  std::vector<std::string> notes;
  auto gpus = NvmlGpus::open(kFakeNvml, 0.1, 10.0, notes);
  ASSERT_TRUE(gpus);
  EXPECT_TRUE(has_note(notes,
                       "gpu energy from power samples (the energy counter is not "
                       "supported on Tesla P100-PCIE-16GB)"));
  fake.set_power_mw(gpu, 200'000);
  std::vector<GpuEnergy> r = (*gpus)->read(11.0, notes);
  EXPECT_DOUBLE_EQ(r[0].joules, 150.0);  // (100 + 200) / 2 W x 1 s
  EXPECT_FALSE(r[0].from_counter);
  fake.set_power_mw(gpu, 50'000);
  EXPECT_DOUBLE_EQ((*gpus)->read(13.0, notes)[0].joules, 150.0 + 250.0);  // 125 W x 2 s
}

TEST(Nvml, UtilizationMemoryAndProcessesAreSampled) {
  FakeNvml fake;
  int gpu = fake.add_device("NVIDIA L4", 1);
  fake.set_usage(gpu, 73, 3ULL << 30, 24ULL << 30);
  unsigned int pids[] = {4242, 4343};
  unsigned long long bytes[] = {1ULL << 30, 2ULL << 30};
  fake.set_processes(gpu, 2, pids, bytes);
  std::vector<std::string> notes;
  auto gpus = NvmlGpus::open(kFakeNvml, 0.1, 0.0, notes);
  ASSERT_TRUE(gpus);
  GpuEnergy g = (*gpus)->read(1.0, notes)[0];
  EXPECT_DOUBLE_EQ(g.utilization, 0.73);
  EXPECT_EQ(g.memory_used_bytes, 3LL << 30);
  EXPECT_EQ(g.memory_total_bytes, 24LL << 30);
  ASSERT_EQ(g.processes.size(), 2u);
  EXPECT_EQ(g.processes[1].pid, 4343);
  EXPECT_EQ(g.processes[1].used_memory_bytes, 2LL << 30);
}

TEST(Nvml, PerProcessUtilizationSaysWhoUsedTheGpu) {
  FakeNvml fake;
  int gpu = fake.add_device("NVIDIA H100", 1);
  unsigned int pids[] = {4242, 4343};
  unsigned long long bytes[] = {1ULL << 30, 2ULL << 30};
  fake.set_processes(gpu, 2, pids, bytes);
  std::vector<std::string> notes;
  auto gpus = NvmlGpus::open(kFakeNvml, 0.1, 0.0, notes);
  ASSERT_TRUE(gpus);
  // Not supported (the fake's default): unknown, and never asked again.
  GpuEnergy g = (*gpus)->read(1.0, notes)[0];
  ASSERT_EQ(g.processes.size(), 2u);
  EXPECT_LT(g.processes[0].sm_utilization, 0.0);
  // Supported on a second meter: 4242 ran kernels 60% of the time, 4343 none, and a
  // process NVML lists only in its samples (graphics) 10%.
  unsigned int sm_pids[] = {4242, 5555};
  unsigned int sm[] = {60, 10};
  fake.set_process_sm(gpu, 2, sm_pids, sm);
  auto again = NvmlGpus::open(kFakeNvml, 0.1, 0.0, notes);
  ASSERT_TRUE(again);
  g = (*again)->read(1.0, notes)[0];
  ASSERT_EQ(g.processes.size(), 3u);
  EXPECT_DOUBLE_EQ(g.processes[0].sm_utilization, 0.6);
  EXPECT_DOUBLE_EQ(g.processes[1].sm_utilization, 0.0);
  EXPECT_EQ(g.processes[2].pid, 5555);
  EXPECT_DOUBLE_EQ(g.processes[2].sm_utilization, 0.1);
  // The next reading has newer samples.
  sm[0] = 20;
  fake.set_process_sm(gpu, 2, sm_pids, sm);
  g = (*again)->read(2.0, notes)[0];
  EXPECT_DOUBLE_EQ(g.processes[0].sm_utilization, 0.2);
}

TEST(Nvml, AFailedInitSaysSoCleanly) {
  FakeNvml fake;
  fake.add_device("NVIDIA A100", 1);
  fake.set_init_result(9);  // NVML_ERROR_DRIVER_NOT_LOADED
  std::vector<std::string> notes;
  auto gpus = NvmlGpus::open(kFakeNvml, 0.1, 0.0, notes);
  ASSERT_FALSE(gpus);
  EXPECT_EQ(gpus.error().message,
            "no GPU figures: NVML did not start (nvmlInit_v2: Driver Not Loaded (9))");
  EXPECT_EQ(fake.live_inits(), 0);
}

TEST(Nvml, AMissingLibraryOrNoGpuSaysSo) {
  FakeNvml fake;
  std::vector<std::string> notes;
  auto none = NvmlGpus::open(kFakeNvml, 0.1, 0.0, notes);
  ASSERT_FALSE(none);
  EXPECT_NE(none.error().message.find("NVML sees no GPU"), std::string::npos);
  auto missing = NvmlGpus::open("/nonexistent/libnvidia-ml.so.1", 0.1, 0.0, notes);
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("no GPU figures: NVML not found"), std::string::npos);
}

}  // namespace
}  // namespace greentune::energy
