// The process executor driven by the real orchestrator on real child processes: the
// trial protocol end to end, and what only real processes show (children killed with the
// group, hostile argv, the log cap, orphans, a missing program, CPU energy).  The
// executor's own logic (timeouts, grace, interrupts, concurrency, the launch spec) is
// tested on fake processes without sleeping, in process_executor_fake_test.cpp.
#include "greentune/process_executor.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "exec/process_executor_fixture.hpp"
#include "greentune/orchestrator.hpp"
#include "greentune/storage.hpp"
#include "testing/test_helpers.hpp"

namespace greentune {
namespace {

TEST_F(ProcessExecutorTest, ProgramThatReportsAndCompletes) {
  auto r = run(sh(R"(for i in 1 2 3; do
      echo "{\"step\": $i, \"metrics\": {\"loss\": 0.$((9 - i)), \"acc\": 0.$i}}" >> "$GREENTUNE_REPORT_FILE"
    done
    echo '{"final": {"loss": 0.25}}' >> "$GREENTUNE_REPORT_FILE"
    echo hello; echo oops >&2)"));
  ASSERT_TRUE(r) << r.error().message;
  Trial t = trial(0);
  EXPECT_EQ(t.state, TrialState::kComplete);
  EXPECT_EQ(*t.value, 0.25);  // the final value, not the last step's
  ASSERT_EQ(t.intermediate.at("loss").size(), 3u);
  EXPECT_EQ(t.intermediate.at("loss")[2].value, 0.6);
  EXPECT_EQ(t.intermediate.at("acc")[0].value, 0.1);
  EXPECT_EQ(testing::read_file(run_file(0, "stdout.log")), "hello\n");
  EXPECT_EQ(testing::read_file(run_file(0, "stderr.log")), "oops\n");
  auto samples = *storage_->system_samples(t.id);
  ASSERT_FALSE(samples.empty());  // at least the closing one
  EXPECT_EQ(events_of(t, "trial_usage").size(), 1u);
  EXPECT_EQ(storage_->artifacts(t.id)->size(), 4u);
}

TEST_F(ProcessExecutorTest, TheLastReportedValueIsTheObjectiveWithoutFinal) {
  auto r = run(sh(R"(echo '{"step": 0, "metrics": {"loss": 3}}' >> "$GREENTUNE_REPORT_FILE"
                     echo '{"step": 1, "metrics": {"loss": 2}}' >> "$GREENTUNE_REPORT_FILE")"));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(*trial(0).value, 2.0);
}

TEST_F(ProcessExecutorTest, CrashIsFailedWithExitCodeAndLastStderrLines) {
  auto r = run(sh("for i in $(seq 1 30); do echo line $i >&2; done; exit 3"));
  ASSERT_TRUE(r) << r.error().message;
  Trial t = trial(0);
  EXPECT_EQ(t.state, TrialState::kFailed);
  EXPECT_FALSE(t.value);
  auto failed = events_of(t, "trial_failed");
  ASSERT_EQ(failed.size(), 1u);
  std::string expected = "trial 0 failed: exited with code 3; last lines of stderr:\n";
  for (int i = 21; i <= 30; ++i) expected += "line " + std::to_string(i) + (i < 30 ? "\n" : "");
  EXPECT_EQ(failed[0].message, expected);
}

TEST_F(ProcessExecutorTest, NoObjectiveReportedIsFailed) {
  auto r = run(sh("echo '{\"step\": 0, \"metrics\": {\"acc\": 1}}' >> \"$GREENTUNE_REPORT_FILE\""));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(trial(0).state, TrialState::kFailed);
  EXPECT_EQ(events_of(trial(0), "trial_failed")[0].message,
            "trial 0 failed: the trial reported no value of the objective \"loss\"");
}

TEST_F(ProcessExecutorTest, ProgramIgnoringSigtermIsKilledWithItsChildrenAfterGrace) {
  ProcessExecutorOptions o;
  o.timeout_s = 0.3;
  o.grace_s = 1.0;
  std::string pidfile = dir_.file("child.pid");
  auto start = std::chrono::steady_clock::now();
  auto r = run(sh("trap '' TERM; sleep 100 & echo $! > " + pidfile + "; while :; do sleep 1; done"),
               1, o);
  ASSERT_TRUE(r) << r.error().message;
  double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_GE(took, 1.2);  // the timeout, then the whole grace period
  EXPECT_LT(took, 3.5);
  pid_t child = std::stoi(testing::read_file(pidfile));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  // Gone, or a zombie waiting to be reaped by whoever adopted it: not running.
  std::string stat = testing::file_bytes_or_empty("/proc/" + std::to_string(child) + "/stat");
  bool running = !stat.empty() && stat[stat.rfind(')') + 2] != 'Z';
  EXPECT_FALSE(running) << "the trial's background child survived: " << stat;
}

TEST_F(ProcessExecutorTest, HostileParamValuesArriveIntactAsSingleArguments) {
  StudyRecord r;
  r.name = "hostile";
  r.metric = "loss";
  r.space = {{"s",
              {{"type", "categorical"},
               {"choices", {"a b", "it's \"quoted\"", ";rm -rf /tmp/x", "$(touch pwned)"}}}}};
  r.sampler = {{"name", "grid"}, {"seed", 1}};
  study_.emplace(std::move(*Study::create(*storage_, r, 0.0)));
  std::string script =
      "import json, os, sys\n"
      "open(os.environ['GREENTUNE_REPORT_FILE'], 'a').write(json.dumps({'final': {'loss': 1}}) + "
      "'\\n')\n"
      "print(json.dumps({'argv': sys.argv[1:], 'env': os.environ['GREENTUNE_PARAM_S'],\n"
      "                  'json': json.loads(os.environ['GREENTUNE_PARAMS'])['s']}))\n";
  std::string program = dir_.file("argv.py");
  testing::write_file(program, script);
  auto executor = make_process_executor({.study = "hostile",
                                         .command = {"python3", program, "--s", "{s}", "x{s}y"},
                                         .cwd = dir_.path().string(),
                                         .runs_dir = dir_.file("runs")});
  ASSERT_TRUE(executor) << executor.error().message;
  TuneOptions t;
  t.metric = "loss";
  t.poll_interval_s = 0.01;
  auto result = run_study(*study_, **executor, t);
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_EQ(result->reason->criterion, "exhausted");
  auto trials = study_->trials();
  ASSERT_EQ(trials->size(), 4u);
  for (const auto& tr : *trials) {
    std::string value = std::get<std::string>(tr.params.at("s"));
    auto out = nlohmann::json::parse(testing::read_file(dir_.file("runs") + "/hostile/trial-" +
                                                        std::to_string(tr.number) + "/stdout.log"));
    EXPECT_EQ(out["argv"], (nlohmann::json{"--s", value, "x" + value + "y"}));
    EXPECT_EQ(out["env"], value);
    EXPECT_EQ(out["json"], value);
  }
  EXPECT_FALSE(std::filesystem::exists(dir_.file("pwned")));
}

TEST_F(ProcessExecutorTest, MetricRegexOnStdout) {
  ProcessExecutorOptions o;
  o.metric_regex = {{"loss", "loss=([0-9.]+)"}};
  auto r = run(sh("echo 'epoch 1 loss=0.9'; echo noise; echo 'epoch 2 loss=0.4'"), 1, o);
  ASSERT_TRUE(r) << r.error().message;
  Trial t = trial(0);
  EXPECT_EQ(t.state, TrialState::kComplete);
  EXPECT_EQ(*t.value, 0.4);
  EXPECT_EQ(t.intermediate.at("loss").size(), 2u);
}

TEST_F(ProcessExecutorTest, MillionsOfLinesKeepTheLogCappedAndMemoryFlat) {
  ProcessExecutorOptions o;
  o.log_max_bytes = 1 << 20;
  rusage before{};
  ::getrusage(RUSAGE_SELF, &before);
  // 100 MB of output, then the objective.
  auto r = run(sh("head -c 100000000 /dev/zero | tr '\\0' 'x' | fold -w 100; "
                  "echo '{\"final\": {\"loss\": 1}}' >> \"$GREENTUNE_REPORT_FILE\""),
               1, o);
  ASSERT_TRUE(r) << r.error().message;
  rusage after{};
  ::getrusage(RUSAGE_SELF, &after);
  EXPECT_EQ(trial(0).state, TrialState::kComplete);
  auto size = std::filesystem::file_size(run_file(0, "stdout.log"));
  EXPECT_GE(size, 1u << 20);
  EXPECT_LT(size, (1u << 20) + 200);
  // ru_maxrss is the peak of this test process, in KiB: it must not have grown by
  // anything like the 100 MB that went through it.
  EXPECT_LT(after.ru_maxrss - before.ru_maxrss, 20 * 1024);
}

TEST_F(ProcessExecutorTest, ProgramNotFoundFailsTheTrialWithAClearMessage) {
  auto r = run({"no-such-program-xyz"});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "cannot run \"no-such-program-xyz\": No such file or directory");
  EXPECT_EQ(trial(0).state, TrialState::kFailed);
}

TEST(Substitution, PlaceholdersBracesAndUnknownNames) {
  Params p{{"lr", 0.5}, {"name", std::string("a b")}};
  auto argv = substitute_params({"--lr={lr}", "{name}", "{{literal}}"}, p);
  ASSERT_TRUE(argv);
  EXPECT_EQ(*argv, (std::vector<std::string>{"--lr=0.5", "a b", "{literal}"}));
  auto bad = substitute_params({"{nope}"}, p);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message,
            "[trial] command: \"{nope}\" in \"{nope}\" is not a parameter of the search space");
  EXPECT_EQ(param_env_name("batch-size"), "GREENTUNE_PARAM_BATCH_SIZE");
}

}  // namespace
}  // namespace greentune

namespace greentune {
namespace {

// A program left running by an orchestrator that was SIGKILLed is ended before its
// trial runs again, so two copies never write the same checkpoint.
TEST_F(ProcessExecutorTest, OrphanOfADeadOrchestratorIsEndedBeforeTheTrialRunsAgain) {
  ProcessExecutorOptions o;
  o.study = "p";
  o.command = sh("trap '' TERM; sleep 100");
  o.runs_dir = dir_.file("runs");
  auto executor = make_process_executor(o);
  ASSERT_TRUE(executor);
  auto trial = study_->ask(0.0, "w");
  ASSERT_TRUE(trial);
  struct Quiet : TrialReporter {
    Status report(int64_t, const std::map<std::string, double>&) override { return {}; }
    bool should_stop() override { return false; }
  } quiet;
  auto run = (*executor)->start(*trial, quiet);
  ASSERT_TRUE(run);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  // Another executor (a restarted orchestrator) cleans up the same trial.
  auto again = make_process_executor(o);
  EXPECT_EQ((*again)->clean_up_stale(*trial), 1);
  auto exit_seen = std::chrono::steady_clock::now() + std::chrono::seconds(3);
  std::optional<TrialOutcome> outcome;
  while (!outcome && std::chrono::steady_clock::now() < exit_seen) {
    outcome = *(*run)->poll();
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_TRUE(outcome) << "the orphan was not ended";
  EXPECT_EQ(outcome->state, TrialState::kFailed);
  EXPECT_NE(outcome->message.find("signal 9"), std::string::npos) << outcome->message;
  EXPECT_EQ((*again)->clean_up_stale(*trial), 0);
}

}  // namespace
}  // namespace greentune

namespace greentune {
namespace {

// A meter whose machine draws 100 W of CPU power and whose CPUs are busy exactly as much
// as the trials' processes (so the trials get all of it).
class FakeMeter : public EnergyMeter {
 public:
  Result<EnergyReading> read() override {
    double now = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0_).count();
    EnergyReading r;
    r.elapsed_s = now;
    r.cpu_busy_s = busy_s();
    r.cpu = {100.0 * now, EnergySource::kRapl};
    r.dram = ComponentEnergy{5.0 * now, EnergySource::kRapl};
    ++reads;
    return r;
  }
  double max_poll_interval_s() const override { return 60.0; }
  const std::vector<std::string>& notes() const override { return notes_; }
  int reads = 0;

 private:
  // CPU seconds of this process's children so far: the trials.
  static double busy_s() {
    rusage ru{};
    ::getrusage(RUSAGE_CHILDREN, &ru);
    return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6 + 1e-3;
  }
  std::chrono::steady_clock::time_point t0_ = std::chrono::steady_clock::now();
  std::vector<std::string> notes_;
};

TEST_F(ProcessExecutorTest, EachTrialGetsItsEnergyWithItsSource) {
  FakeMeter meter;
  ProcessExecutorOptions o;
  o.energy_meter = &meter;
  o.monitor_interval_s = 0.1;
  auto r = run(sh("python3 -c 'import time\nt=time.time()\nwhile time.time()-t<0.6: pass'\n"
                  "echo '{\"final\": {\"loss\": 1}}' >> \"$GREENTUNE_REPORT_FILE\""),
               1, o);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_GE(meter.reads, 3);
  auto energy = storage_->trial_energy(trial(0).id);
  ASSERT_TRUE(energy);
  std::map<std::string, EnergyRecord> by;
  for (const auto& e : *energy) by[e.component] = e;
  ASSERT_TRUE(by.count("cpu"));
  EXPECT_EQ(by["cpu"].source, "rapl");
  // ~0.6 s at 100 W, all of it the trial's (it was the only busy process of ours).
  EXPECT_GT(by["cpu"].joules, 30.0);
  EXPECT_LT(by["cpu"].joules, 200.0);
  ASSERT_TRUE(by.count("dram"));
  EXPECT_GT(by["dram"].joules, 0.0);
}

TEST_F(ProcessExecutorTest, StudyStopsAtItsEnergyBudget) {
  FakeMeter meter;
  auto executor = make_process_executor(
      {.study = "p",
       .command = sh("python3 -c 'import time\nt=time.time()\nwhile time.time()-t<0.3: pass'\n"
                     "echo '{\"final\": {\"loss\": 1}}' >> \"$GREENTUNE_REPORT_FILE\""),
       .runs_dir = dir_.file("runs"),
       .monitor_interval_s = 0.05,
       .energy_meter = &meter});
  TuneOptions t;
  t.metric = "loss";
  t.poll_interval_s = 0.01;
  t.completion.max_trials = 50;
  // 150 J: a trial draws 100 W over its wall time, at least 0.3 s (30 J) each, so the budget
  // ends the study after two to five trials; one trial alone would have to take 1.5 s, which
  // it does not even on a loaded CI machine (0.6 s seen there with a 60 J budget).
  t.completion.max_energy_kwh = 150.0 / 3.6e6;
  t.co2e_g = [](double j, double, double) { return j / 3.6e6 * 100.0; };
  auto r = run_study(*study_, **executor, t);
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_TRUE(r->reason);
  EXPECT_EQ(r->reason->criterion, "max_energy_kwh");
  EXPECT_GE(r->trials_run, 2);
  EXPECT_LE(r->trials_run, 6);
  ASSERT_TRUE(study_->refresh());
  EXPECT_EQ(study_->record().stopped_because, "max_energy_kwh");
}

// The run's readings split once: the trials' stored energy, greentune's own process and
// the rest add up to what the meter read between its first and last reading.
TEST_F(ProcessExecutorTest, TheRunsEnergyAddsUpToWhatTheMeterRead) {
  FakeMeter meter;
  ProcessExecutorOptions o;
  o.energy_meter = &meter;
  o.monitor_interval_s = 0.05;
  auto r = run(sh("python3 -c 'import time\nt=time.process_time()\n"
                  "while time.process_time()-t<0.2: pass'\n"
                  "echo '{\"final\": {\"loss\": 1}}' >> \"$GREENTUNE_REPORT_FILE\""),
               3, o);
  ASSERT_TRUE(r) << r.error().message;
  auto events = storage_->events(study_->id());
  ASSERT_TRUE(events);
  std::optional<Event> totals;
  for (const Event& e : *events) {
    if (e.kind == "energy_totals") totals = e;
  }
  ASSERT_TRUE(totals) << "no energy_totals event";
  double machine = totals->data["machine_j"].get<double>();
  double trials = totals->data["trials_j"].get<double>();
  double own = totals->data["greentune_j"].get<double>();
  double other = totals->data["other_j"].get<double>();
  EXPECT_GT(machine, 0.0);
  EXPECT_NEAR(trials + own + other, machine, 1e-6 * machine);
  // What the trials were charged is what storage holds for them.
  double stored = 0.0;
  for (int n = 0; n < 3; ++n) {
    auto energy = storage_->trial_energy(trial(n).id);
    ASSERT_TRUE(energy);
    for (const auto& e : *energy) stored += e.joules;
  }
  EXPECT_NEAR(stored, trials, 1e-6 * trials);
  // The fake machine is busy exactly as much as our children: greentune's own share is
  // what this process did between readings, small beside three 0.2 s trials.
  EXPECT_GE(own, 0.0);
  EXPECT_LT(own, trials);
  std::printf("[ energy   ] read %.1f J = trials %.1f + greentune %.1f + other %.1f\n", machine,
              trials, own, other);
}

// GPUs as NVML shows them: GPU 0 at 70% with, once the trial wrote it to `pid_file`, one of
// its processes holding 2 GiB; GPU 1 at 40% with nobody on it.
class FakeGpuMeter : public FakeMeter {
 public:
  explicit FakeGpuMeter(std::string pid_file) : pid_file_(std::move(pid_file)) {}
  Result<EnergyReading> read() override {
    auto r = FakeMeter::read();
    if (!r) return r;
    double now = r->elapsed_s;
    GpuEnergy gpu0{.index = 0, .name = "fake", .joules = 200.0 * now, .utilization = 0.7};
    std::ifstream in(pid_file_);
    int pid = 0;
    if (in >> pid) gpu0.processes.push_back({pid, int64_t{2} << 30});
    r->gpus.push_back(gpu0);
    r->gpus.push_back({.index = 1, .name = "fake", .joules = 50.0 * now, .utilization = 0.4});
    return r;
  }

 private:
  std::string pid_file_;
};

// The samples' GPU figures: (utilization, memory) of each sample taken while it ran.
std::vector<std::pair<double, int64_t>> gpu_figures(Storage& storage, const Trial& t) {
  std::vector<std::pair<double, int64_t>> out;
  auto samples = storage.system_samples(t.id);
  EXPECT_TRUE(samples);
  if (!samples) return out;
  for (const auto& s : *samples) out.emplace_back(s.gpu_utilization, s.gpu_memory_bytes);
  return out;
}

TEST_F(ProcessExecutorTest, SamplesShowTheGpuThatAChildOfTheTrialRunsOn) {
  // The GPU process is the shell's child, not the trial's leader.
  FakeGpuMeter meter(dir_.file("gpu.pid"));
  ProcessExecutorOptions o;
  o.energy_meter = &meter;
  o.monitor_interval_s = 0.05;
  o.env["PID_FILE"] = dir_.file("gpu.pid");
  auto r = run(sh("sleep 1 &\necho $! > \"$PID_FILE\"\nwait\n"
                  "echo '{\"final\": {\"loss\": 1}}' >> \"$GREENTUNE_REPORT_FILE\""),
               1, o);
  ASSERT_TRUE(r) << r.error().message;
  auto figures = gpu_figures(*storage_, trial(0));
  int on_gpu = 0;
  for (const auto& [utilization, memory] : figures) {
    if (memory == 0) continue;
    ++on_gpu;
    EXPECT_DOUBLE_EQ(utilization, 0.7);  // GPU 0 only: GPU 1 is not its
    EXPECT_EQ(memory, int64_t{2} << 30);
  }
  EXPECT_GE(on_gpu, 5) << figures.size() << " samples";
  auto energy = storage_->trial_energy(trial(0).id);
  ASSERT_TRUE(energy);
  bool gpu_energy = false;
  for (const auto& e : *energy) gpu_energy |= e.component == "gpu" && e.joules > 0.0;
  EXPECT_TRUE(gpu_energy);
}

TEST_F(ProcessExecutorTest, SamplesShowTheGpusTrialEnvGivesIt) {
  FakeGpuMeter meter(dir_.file("no-such.pid"));
  ProcessExecutorOptions o;
  o.energy_meter = &meter;
  o.monitor_interval_s = 0.05;
  o.env["CUDA_VISIBLE_DEVICES"] = "1";
  auto r = run(sh("sleep 0.5\necho '{\"final\": {\"loss\": 1}}' >> \"$GREENTUNE_REPORT_FILE\""),
               1, o);
  ASSERT_TRUE(r) << r.error().message;
  int given = 0;
  for (const auto& [utilization, memory] : gpu_figures(*storage_, trial(0))) {
    if (utilization == 0.0) continue;  // before the first reading
    ++given;
    EXPECT_DOUBLE_EQ(utilization, 0.4);
    EXPECT_EQ(memory, 0);
  }
  EXPECT_GE(given, 3);
}

TEST_F(ProcessExecutorTest, AGpuListedByUuidIsNotTakenForAnIndex) {
  FakeGpuMeter meter(dir_.file("no-such.pid"));
  ProcessExecutorOptions o;
  o.energy_meter = &meter;
  o.monitor_interval_s = 0.05;
  o.env["CUDA_VISIBLE_DEVICES"] = "GPU-6f1c2a3b,1";  // CUDA stops at the UUID: no index
  auto r = run(sh("sleep 0.3\necho '{\"final\": {\"loss\": 1}}' >> \"$GREENTUNE_REPORT_FILE\""),
               1, o);
  ASSERT_TRUE(r) << r.error().message;
  for (const auto& [utilization, memory] : gpu_figures(*storage_, trial(0))) {
    EXPECT_EQ(utilization, 0.0);
    EXPECT_EQ(memory, 0);
  }
}

}  // namespace
}  // namespace greentune
