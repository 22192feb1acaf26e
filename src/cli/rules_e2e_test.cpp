// Debugger rules end to end: the real `greentune tune` runs real programs (Python with the
// trial-protocol client) that show a fault (NaN at step 7, a diverging validation loss, a
// sleep without reports, a busy loop with no progress, ...) and each is stopped by its
// rule within its window: the verdict names the step (or time) the rule's definition
// gives, and the program stops soon after.  A healthy program with noisy but improving
// curves is never stopped by any rule at default settings.
//
// low_gpu_utilization and cpu_bottleneck need a GPU: greentune runs on the fake NVML
// (src/energy/testdata/fake_nvml.c through LD_LIBRARY_PATH), and the trial program itself
// writes what the GPU shows (its pid on it, the utilization) to the fake's state file.
// Everything else is real: the meter's NVML queries, the executor's samples, the rules.
#include <fmt/format.h>
#include <sched.h>

#include <set>

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <regex>
#include <string>

#include "testing/test_helpers.hpp"

namespace greentune {
namespace {

using testing::CommandResult;
using testing::greentune_binary;
using testing::run_command;

// The trial program: one fault per mode.  Written to a file (commands substitute {name}).
constexpr const char* kProgram = R"PY(
import os, random, sys, time
sys.path.insert(0, sys.argv[1])
import greentune_client as gt

mode = sys.argv[2]


def check_stop():
    if gt.should_stop():
        sys.exit(0)


def busy(seconds):
    end = time.monotonic() + seconds
    x = 0
    while time.monotonic() < end:
        x += 1


if mode == "nan":
    for step in range(1, 51):
        gt.report(step, val_loss=float("nan") if step == 7 else 1.0 / step)
        check_stop()
        time.sleep(0.05)
    gt.final(val_loss=0.02)
elif mode == "overfit":
    for step in range(1, 61):
        train = 1.0 / (1.0 + 0.2 * step)
        val = 1.1 * train + (0.05 * (step - 10) if step > 10 else 0.0)
        gt.report(step, train_loss=train, val_loss=val)
        check_stop()
        time.sleep(0.03)
    gt.final(val_loss=val)
elif mode == "flat":
    for step in range(1, 61):
        gt.report(step, val_loss=max(0.5, 2.0 - 0.1 * step))
        check_stop()
        time.sleep(0.03)
    gt.final(val_loss=0.5)
elif mode == "overtraining":
    for step in range(1, 61):
        val = 1.0 / step + 0.1 if step <= 8 else 0.225 + 0.001 * (step - 8)
        gt.report(step, train_loss=1.0 / step, val_loss=val)
        check_stop()
        time.sleep(0.03)
    gt.final(val_loss=val)
elif mode == "vanishing":
    for step in range(1, 61):
        gt.report(step, val_loss=1.0 / step, grad_norm=0.5 if step < 5 else 1e-9)
        check_stop()
        time.sleep(0.03)
    gt.final(val_loss=0.1)
elif mode == "busy_after_3":  # reports, then spins without progress and ignores SIGTERM
    for step in range(1, 4):
        gt.report(step, val_loss=1.0 / step)
        time.sleep(0.05)
    busy(60)
elif mode == "sleep":  # never reports, never works
    time.sleep(60)
elif mode == "busy":  # never reports
    busy(60)
elif mode == "memory":
    hog = b"x" * (150 << 20)
    for step in range(1, 101):
        gt.report(step, val_loss=1.0 / step)
        check_stop()
        time.sleep(0.05)
    gt.final(val_loss=0.01)
elif mode == "energy":
    for step in range(1, 2001):
        busy(0.05)
        gt.report(step, val_loss=1.0 / step)
        check_stop()
    gt.final(val_loss=0.001)
elif mode == "healthy":
    rng = random.Random(int(float(gt.params().get("x", 0.5)) * 1e6))
    val = None
    for step in range(1, 61):
        busy(0.01)
        base = 2.0 * pow(2.718281828, -step / 40.0) + 0.1
        train = base * (1.0 + 0.02 * rng.uniform(-1, 1))
        val = base * 1.15 * (1.0 + 0.03 * rng.uniform(-1, 1))
        grad = (1.0 / (1.0 + step / 20.0)) * (1.0 + 0.3 * rng.uniform(-1, 1))
        gt.report(step, train_loss=train, val_loss=val, grad_norm=grad)
        check_stop()
        time.sleep(0.02)
    gt.final(val_loss=val)
elif mode.startswith("gpu_"):
    # On the GPU (the fake NVML's state file) at `percent` utilization, 1 GiB held.
    percent = {"gpu_idle": 3, "gpu_starved": 2, "gpu_busy": 95}[mode]
    state = os.environ["FAKE_NVML_STATE"]
    with open(state + ".tmp", "w") as f:
        f.write(f"FakeGPU 250000 {percent} 1073741824 17179869184 {os.getpid()}:1073741824\n")
    os.replace(state + ".tmp", state)
    steps = 60 if mode == "gpu_busy" else 400
    for step in range(1, steps + 1):
        gt.report(step, val_loss=1.0 / step)
        check_stop()
        if mode == "gpu_starved":
            busy(0.05)  # the CPU is the bottleneck
        else:
            time.sleep(0.05)  # waiting on I/O (idle) or on the GPU (busy)
    gt.final(val_loss=1.0 / steps)
else:
    sys.exit("unknown mode " + mode)
)PY";

class RulesE2eTest : public ::testing::Test {
 protected:
  struct Run {
    CommandResult tune;
    nlohmann::json summary;  // report --json
    nlohmann::json trials;   // trials --json
  };

  std::string url() const { return "sqlite:///" + dir_.file("study.db"); }

  CommandResult gt(std::vector<std::string> args) {
    args.insert(args.begin(), greentune_binary());
    args.insert(args.begin(), env_.begin(), env_.end());
    args.push_back("--storage");
    args.push_back(url());
    return run_command(args);
  }

  // Runs a one-study file whose trial program runs `mode`, with `rules` ([[rules]] tables)
  // and `trial_extra` lines in [trial].
  Run run(const std::string& mode, const std::string& rules, const std::string& trial_extra = "",
          int max_trials = 1) {
    std::string program = dir_.file("fault.py");
    testing::write_file(program, kProgram);
    std::string client = std::string(GREENTUNE_SOURCE_DIR) + "/clients/python";
    std::string study = fmt::format(R"([study]
name = "e2e"
direction = "minimize"
metric = "val_loss"

[budget]
max_trials = {}

[search.space]
x = {{ type = "float", low = 0.0, high = 1.0 }}

[trial]
command = ["python3", "{}", "{}", "{}"]
grace = "1s"
timeout = "30s"
monitor_interval = 0.2
{}
{})",
                                    max_trials, program, client, mode, trial_extra, rules);
    std::string file = dir_.file("study.toml");
    testing::write_file(file, study);
    Run r;
    r.tune = gt({"tune", file, "--json", "--runs-dir", dir_.file("runs")});
    EXPECT_EQ(r.tune.exit_code, 0) << r.tune.err;
    auto report = gt({"report", "--study", "e2e", "--json"});
    EXPECT_EQ(report.exit_code, 0) << report.err;
    r.summary = nlohmann::json::parse(report.out, nullptr, false);
    auto trials = gt({"trials", "--study", "e2e", "--json"});
    EXPECT_EQ(trials.exit_code, 0) << trials.err;
    r.trials = nlohmann::json::parse(trials.out, nullptr, false)["trials"];
    return r;
  }

  // Asserts the only trial was stopped by rule `kind` (PRUNED, the verdict is the stop
  // reason and counted in the summary's savings by source); returns the stop reason.
  std::string expect_stopped_by(const Run& r, const std::string& kind) {
    EXPECT_EQ(r.trials.size(), 1u);
    if (r.trials.size() != 1) return "";
    const auto& t = r.trials[0];
    EXPECT_EQ(t["state"], "pruned") << t.dump();
    EXPECT_TRUE(t["stop_reason"].is_string()) << t.dump();
    std::string reason = t["stop_reason"].is_string() ? t["stop_reason"].get<std::string>() : "";
    EXPECT_NE(reason.find(fmt::format("pruned: rule:{}: ", kind)), std::string::npos) << reason;
    EXPECT_TRUE(r.summary["saved"]["by_source"].contains("rule:" + kind)) << r.summary.dump();
    EXPECT_NE(r.tune.err.find("stopped by rule:" + kind), std::string::npos) << r.tune.err;
    return reason;
  }

  static int64_t last_step(const nlohmann::json& trial, const std::string& metric) {
    const auto& values = trial["intermediate"][metric];
    return values.empty() ? 0 : values.back()[0].get<int64_t>();
  }

  static double number_in(const std::string& text, const std::string& pattern) {
    std::smatch m;
    if (!std::regex_search(text, m, std::regex(pattern))) {
      ADD_FAILURE() << "no match of " << pattern << " in " << text;
      return -1;
    }
    return std::stod(m[1].str());
  }

  // Runs greentune on the fake NVML with one idle GPU that nobody uses yet.
  void use_fake_gpu() {
    std::string state = dir_.file("nvml-state");
    testing::write_file(state, "FakeGPU 60000 0 0 17179869184\n");
    env_ = {"/usr/bin/env", fmt::format("LD_LIBRARY_PATH={}", GREENTUNE_FAKE_NVML_DIR),
            "FAKE_NVML_STATE=" + state};
  }

  testing::TempDir dir_;
  std::vector<std::string> env_;  // a prefix: /usr/bin/env VAR=VALUE ...
};

// The program stops within a few steps of the verdict (it looks at should_stop() after
// each report; a poll is 50 ms).
constexpr int64_t kStepsToStop = 10;

TEST_F(RulesE2eTest, NanAtStepSevenIsStoppedByNanOrExploding) {
  auto r = run("nan", "[[rules]]\nkind = \"nan_or_exploding\"\n");
  auto reason = expect_stopped_by(r, "nan_or_exploding");
  EXPECT_NE(reason.find("val_loss is nan at step 7"), std::string::npos) << reason;
  EXPECT_GE(last_step(r.trials[0], "val_loss"), 7);
  EXPECT_LE(last_step(r.trials[0], "val_loss"), 7 + kStepsToStop);
}

TEST_F(RulesE2eTest, AWarnRuleRecordsTheFindingAndLetsTheTrialFinish) {
  auto r = run("nan", "[[rules]]\nkind = \"nan_or_exploding\"\naction = \"warn\"\n");
  ASSERT_EQ(r.trials.size(), 1u);
  EXPECT_EQ(r.trials[0]["state"], "complete") << r.trials[0].dump();
  EXPECT_EQ(last_step(r.trials[0], "val_loss"), 50);
  EXPECT_NE(r.tune.err.find("trial 0: warning from rule:nan_or_exploding: val_loss is nan at "
                            "step 7"),
            std::string::npos)
      << r.tune.err;
  EXPECT_EQ(r.summary["saved"]["trials_stopped_early"], 0);
}

TEST_F(RulesE2eTest, DivergingValidationLossIsStoppedByOverfit) {
  auto r = run("overfit", "[[rules]]\nkind = \"overfit\"\n");  // gap > 0.5, 5 steps in a row
  auto reason = expect_stopped_by(r, "overfit");
  int64_t first_above = 0;  // the program's curves, as the rule sees them
  for (int64_t step = 1; step <= 60 && !first_above; ++step) {
    double train = 1.0 / (1.0 + 0.2 * step);
    double val = 1.1 * train + (step > 10 ? 0.05 * (step - 10) : 0.0);
    if ((val - train) / train > 0.5) first_above = step;
  }
  int64_t fired = first_above + 4;
  EXPECT_NE(reason.find(fmt::format("(steps {}-{})", first_above, fired)), std::string::npos)
      << reason;
  EXPECT_GE(last_step(r.trials[0], "val_loss"), fired);
  EXPECT_LE(last_step(r.trials[0], "val_loss"), fired + kStepsToStop);
}

TEST_F(RulesE2eTest, FlatLossIsStoppedByLossNotDecreasing) {
  // Flat from step 15: windows 15-19 and 20-24 have the same mean: fires at step 24.
  auto r = run("flat", "[[rules]]\nkind = \"loss_not_decreasing\"\nnum_steps = 5\n");
  auto reason = expect_stopped_by(r, "loss_not_decreasing");
  EXPECT_NE(reason.find("val_loss mean 0.5 over steps 20-24 is not below 0.5"), std::string::npos)
      << reason;
  EXPECT_GE(last_step(r.trials[0], "val_loss"), 24);
  EXPECT_LE(last_step(r.trials[0], "val_loss"), 24 + kStepsToStop);
}

TEST_F(RulesE2eTest, ValidationPlateauWhileTrainingImprovesIsStoppedByOvertraining) {
  auto r = run("overtraining", "[[rules]]\nkind = \"overtraining\"\npatience = 5\n");
  auto reason = expect_stopped_by(r, "overtraining");
  EXPECT_NE(reason.find("val_loss has not improved on 0.225 (step 8) for 5 steps"),
            std::string::npos)
      << reason;
  EXPECT_GE(last_step(r.trials[0], "val_loss"), 13);
  EXPECT_LE(last_step(r.trials[0], "val_loss"), 13 + kStepsToStop);
}

TEST_F(RulesE2eTest, VanishingGradientIsStopped) {
  auto r = run("vanishing", "[[rules]]\nkind = \"vanishing_gradient\"\n");  // 3 steps < 1e-7
  auto reason = expect_stopped_by(r, "vanishing_gradient");
  EXPECT_NE(reason.find("(steps 5-7)"), std::string::npos) << reason;
  EXPECT_LE(last_step(r.trials[0], "grad_norm"), 7 + kStepsToStop);
}

TEST_F(RulesE2eTest, BusyLoopWithoutProgressIsStoppedByStalled) {
  auto r = run("busy_after_3", "[[rules]]\nkind = \"stalled\"\nthreshold = \"1s\"\n");
  auto reason = expect_stopped_by(r, "stalled");
  EXPECT_NE(reason.find("since step 3 (threshold 1 s)"), std::string::npos) << reason;
  double quiet = number_in(reason, R"(no report for ([0-9.]+) s)");
  EXPECT_GT(quiet, 1.0);
  EXPECT_LT(quiet, 3.0);
  // It ignores SIGTERM: killed after the 1 s grace.
  EXPECT_LT(r.trials[0]["duration_s"].get<double>(), 8.0);
}

TEST_F(RulesE2eTest, SleepWithoutReportsIsStoppedByStalledAsIdle) {
  auto r = run("sleep", "[[rules]]\nkind = \"stalled\"\nidle_threshold = \"1s\"\n");
  auto reason = expect_stopped_by(r, "stalled");
  double idle = number_in(reason, R"(idle for ([0-9.]+) s)");
  EXPECT_GE(idle, 1.0);
  EXPECT_LT(idle, 3.0);
  EXPECT_LT(r.trials[0]["duration_s"].get<double>(), 8.0);
}

TEST_F(RulesE2eTest, NoFirstReportIsStoppedByMaxInitializationTime) {
  auto r = run("busy", "[[rules]]\nkind = \"max_initialization_time\"\nthreshold = \"1s\"\n");
  auto reason = expect_stopped_by(r, "max_initialization_time");
  double waited = number_in(reason, R"(no report ([0-9.]+) s after the start)");
  EXPECT_GT(waited, 1.0);
  EXPECT_LT(waited, 3.0);
  EXPECT_LT(r.trials[0]["duration_s"].get<double>(), 8.0);
}

TEST_F(RulesE2eTest, ResidentMemoryAboveTheLimitIsStoppedByMemoryPressure) {
  // 150 MiB held against a 100 MiB limit at threshold 0.5.
  auto r = run("memory",
               "[[rules]]\nkind = \"memory_pressure\"\nlimit_bytes = 104857600\n"
               "threshold = 0.5\n");
  auto reason = expect_stopped_by(r, "memory_pressure");
  double mib = number_in(reason, R"(resident memory ([0-9.]+) MiB)");
  EXPECT_GT(mib, 50.0);
  EXPECT_NE(reason.find("above 50% of the 100 MiB limit"), std::string::npos) << reason;
  EXPECT_LT(last_step(r.trials[0], "val_loss"), 100);
}

TEST_F(RulesE2eTest, TrialForecastOverItsBudgetIsStoppedByEnergyForecast) {
  // Steps of 50 ms busy, max_steps = 100000: after 10 steps (min_progress 0.0001) the
  // forecast is ~10000x what 10 steps cost.  The 1000 J budget lies between the two for
  // any machine that charges this trial 0.2 W to 1 kW, so the forecast, not the spending,
  // is what stops it.
  auto r = run("energy",
               fmt::format("[[rules]]\nkind = \"energy_forecast\"\nmin_progress = 0.0001\n"
                           "max_energy_kwh = {}\n",
                           1000.0 / 3.6e6),
               "max_steps = 100000");
  auto reason = expect_stopped_by(r, "energy_forecast");
  double forecast = number_in(reason, R"(forecast ([0-9.e+-]+) J)");
  double so_far = number_in(reason, R"(: ([0-9.e+-]+) J so far)");
  EXPECT_GT(forecast, 1000.0);
  EXPECT_LT(so_far, 1000.0);
  int64_t step = static_cast<int64_t>(number_in(reason, R"(so far at step ([0-9]+))"));
  EXPECT_GE(step, 10);
  EXPECT_LT(last_step(r.trials[0], "val_loss"), 2000);
}

// Cores this process may run on, as greentune counts them for cpu_bottleneck.
int usable_cores() {
  cpu_set_t set;
  CPU_ZERO(&set);
  return ::sched_getaffinity(0, sizeof set, &set) == 0 ? std::max(1, CPU_COUNT(&set)) : 1;
}

TEST_F(RulesE2eTest, GpuWaitingOnInputIsStoppedByLowGpuUtilization) {
  use_fake_gpu();
  auto r = run("gpu_idle",
               "[[rules]]\nkind = \"low_gpu_utilization\"\nwindow = \"2s\"\nwarmup = \"0s\"\n");
  auto reason = expect_stopped_by(r, "low_gpu_utilization");
  EXPECT_NE(reason.find("GPU underused: p95 utilization 3% < 70% over the last 2 s"),
            std::string::npos)
      << reason;
  // 400 steps of 50 ms unstopped; stopped within a few seconds of the first GPU sample.
  EXPECT_LT(r.trials[0]["duration_s"].get<double>(), 8.0);
  EXPECT_LT(last_step(r.trials[0], "val_loss"), 200);
  // The samples carry the GPU figures (right-sizing reads them too).
  EXPECT_GT(r.summary["gpu_hours"].get<double>(), 0.0) << r.summary.dump();
}

TEST_F(RulesE2eTest, GpuWaitingOnABusyCpuIsStoppedByCpuBottleneck) {
  use_fake_gpu();
  // One busy core must count as saturated whatever the machine has.
  auto r = run("gpu_starved",
               fmt::format("[[rules]]\nkind = \"cpu_bottleneck\"\nwindow = \"2s\"\n"
                           "warmup = \"0s\"\ncpu_threshold = {}\n",
                           0.5 / usable_cores()));
  auto reason = expect_stopped_by(r, "cpu_bottleneck");
  EXPECT_NE(reason.find("CPU bottleneck: in "), std::string::npos) << reason;
  EXPECT_NE(reason.find("the GPU was below 10%"), std::string::npos) << reason;
  EXPECT_LT(r.trials[0]["duration_s"].get<double>(), 8.0);
}

TEST_F(RulesE2eTest, BusyGpuIsNotStoppedByTheGpuRules) {
  use_fake_gpu();
  // The warm-up covers Python's start, before the program is on the GPU.
  auto r = run("gpu_busy",
               "[[rules]]\nkind = \"low_gpu_utilization\"\nwindow = \"1s\"\n"
               "warmup = \"1.5s\"\nthreshold_p5 = 0.1\n\n"
               "[[rules]]\nkind = \"cpu_bottleneck\"\nwindow = \"1s\"\nwarmup = \"1.5s\"\n");
  ASSERT_EQ(r.trials.size(), 1u);
  EXPECT_EQ(r.trials[0]["state"], "complete") << r.trials[0].dump();
  EXPECT_EQ(last_step(r.trials[0], "val_loss"), 60);
  EXPECT_EQ(r.tune.err.find("rule:"), std::string::npos) << r.tune.err;
}

TEST_F(RulesE2eTest, HealthyNoisyProgramIsNeverStoppedByAnyRuleAtDefaults) {
  std::string rules;
  for (const char* kind :
       {"loss_not_decreasing", "overfit", "overtraining", "nan_or_exploding", "vanishing_gradient",
        "stalled", "max_initialization_time", "low_gpu_utilization", "cpu_bottleneck",
        "memory_pressure", "energy_forecast"}) {
    rules += fmt::format("[[rules]]\nkind = \"{}\"\n\n", kind);
  }
  auto r = run("healthy", rules, "max_steps = 60\nmax_energy_kwh = 0.01", /*max_trials=*/2);
  ASSERT_EQ(r.trials.size(), 2u);
  for (const auto& t : r.trials) {
    EXPECT_EQ(t["state"], "complete") << t.dump();
    EXPECT_TRUE(t["stop_reason"].is_null()) << t.dump();
    EXPECT_EQ(last_step(t, "val_loss"), 60);
  }
  EXPECT_EQ(r.summary["saved"]["trials_stopped_early"], 0);
  EXPECT_EQ(r.tune.err.find("rule:"), std::string::npos) << r.tune.err;
}

}  // namespace
}  // namespace greentune

namespace greentune {
namespace {

TEST(RulesCommand, ListsEveryRuleWithItsParametersAndThePruners) {
  auto r = testing::run_command({testing::greentune_binary(), "rules", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  std::set<std::string> kinds;
  for (const auto& rule : j["rules"]) {
    kinds.insert(rule["kind"].get<std::string>());
    EXPECT_FALSE(rule["meaning"].get<std::string>().empty());
    for (const auto& p : rule["params"]) {
      EXPECT_TRUE(p.contains("default")) << p.dump();
      EXPECT_FALSE(p["accepted"].get<std::string>().empty()) << p.dump();
    }
  }
  for (const char* k : {"loss_not_decreasing", "overfit", "overtraining", "nan_or_exploding",
                        "vanishing_gradient", "stalled", "max_initialization_time",
                        "low_gpu_utilization", "cpu_bottleneck", "memory_pressure",
                        "energy_forecast"}) {
    EXPECT_TRUE(kinds.count(k)) << k;
  }
  EXPECT_EQ(j["pruners"].size(), 7u);
  auto text = testing::run_command({testing::greentune_binary(), "rules"});
  ASSERT_EQ(text.exit_code, 0);
  EXPECT_NE(text.out.find("energy_forecast"), std::string::npos);
}

}  // namespace
}  // namespace greentune
