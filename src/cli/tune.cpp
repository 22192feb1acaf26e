// greentune tune STUDY.toml: run a study to completion.
#include <sys/ioctl.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string_view>
#include <ctime>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "cli/tune.hpp"
#include "config/carbon.hpp"
#include "config/duration.hpp"
#include "energy/carbon_aware_start.hpp"
#include "exec/trial_cgroup.hpp"
#include "greentune/config.hpp"
#include "greentune/energy.hpp"
#include "greentune/orchestrator.hpp"
#include "greentune/summary.hpp"
#include "greentune/trainer.hpp"
#include "report/progress.hpp"
#include "sampling/grid_sampler.hpp"
#include "study/judge.hpp"
#include "study/open_study.hpp"
#include "study/program_trials.hpp"
#include "study/retention.hpp"
#include "study/trainer_setup.hpp"

namespace greentune::cli {
namespace {

std::atomic<bool> g_interrupted{false};

extern "C" void on_stop_signal(int) { g_interrupted.store(true); }

void install_signal_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

// Where the meter's notes (where each figure comes from, fallbacks) go: held until the
// study has started (so that a bad study file prints its error alone), then printed to
// stderr as they come.  Nothing when quiet.
class EnergyNotes {
 public:
  explicit EnergyNotes(bool quiet) : quiet_(quiet) {}
  void add(const std::string& line);
  void print_held_and_go_live();

 private:
  bool quiet_;
  bool live_ = false;
  std::vector<std::string> held_;
};

void EnergyNotes::add(const std::string& line) {
  if (quiet_) return;
  if (live_) {
    fmt::print(stderr, "energy: {}\n", line);
  } else {
    held_.push_back(line);
  }
}

void EnergyNotes::print_held_and_go_live() {
  live_ = true;
  for (const auto& line : std::exchange(held_, {})) add(line);
}

// The machine's meter with spec's [energy] settings.  `notes` must outlive the meter.
Result<std::unique_ptr<EnergyMeter>> meter_for(const StudySpec& spec, EnergyNotes& notes) {
  EnergyOptions o;
  o.cpu_tdp_w = spec.energy.cpu_tdp_w;
  o.use_rapl = spec.energy.rapl;
  o.use_nvml = spec.energy.nvml;
  o.on_note = [&notes](const std::string& line) { notes.add(line); };
  return open_energy_meter(o);
}

int print_summary(const TuneArgs& args, Storage& storage, const StudyRecord& record,
                  const std::vector<Trial>& trials) {
  auto summary = summary_with_costs(storage, record, trials);
  if (!summary) return fail(summary.error());
  if (args.summary_out) {
    *args.summary_out = *summary;
  } else if (args.common.json) {
    fmt::print("{}\n", summary->dump());
  } else {
    fmt::print("{}{}", study_summary_text(record, trials), costs_text(*summary));
  }
  return 0;
}

// Everything that can be checked before storage is touched: a bad file writes nothing.
struct Prepared {
  explicit Prepared(bool quiet) : notes(std::make_unique<EnergyNotes>(quiet)) {}
  StudySpec spec;
  std::optional<CarbonIntensity> carbon;
  std::unique_ptr<EnergyNotes> notes;  // before the meter, which writes to it
  std::unique_ptr<EnergyMeter> meter;  // before the executor, which uses it
  std::unique_ptr<Trainer> trainer;    // a built-in trainer, or
  std::unique_ptr<Executor> executor;  // the executor that runs it (or the program)
  JudgeFactory judge;                  // pruner, rules, per-trial budget (may be empty)
  std::optional<StagePlan> stages;     // [pruner] resource = "data_fraction"
  std::optional<double> start_at;      // carbon-aware start: when to start (unix s)
};

// --start-below G: when to start, from the study's [carbon] intensity (a time series, or
// a constant that already is below G).  Says what it found; waits at most max_wait.
Result<std::optional<double>> carbon_aware_start(const TuneArgs& args, const StudySpec& spec,
                                                 const std::optional<CarbonIntensity>& carbon) {
  if (!args.start_below) return std::optional<double>();
  auto max_wait = parse_duration(args.max_wait);
  if (!max_wait) {
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("--max-wait: {}", max_wait.error().message));
  }
  if (!carbon) {
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("--start-below needs the grid intensity over time: {} has no "
                                  "[carbon] section; accepted: [carbon] intensity_file = "
                                  "\"grid.csv\" (timestamp,gco2e_per_kwh rows of a forecast)",
                                  spec.path));
  }
  auto plan = plan_carbon_aware_start(*carbon, *args.start_below,
                                      static_cast<double>(std::time(nullptr)), *max_wait,
                                      args.max_wait);
  if (!plan) return tl::unexpected(plan.error());
  fmt::print(stderr, "{}\n", plan->message);
  return plan->start_at;
}

// Sleeps until `when` (unix s); false when interrupted first.
bool wait_until(double when) {
  while (!g_interrupted.load()) {
    double left = when - static_cast<double>(std::time(nullptr));
    if (left <= 0) return true;
    ::usleep(static_cast<useconds_t>(std::min(left, 0.2) * 1e6));
  }
  return false;
}

Result<Prepared> prepare(const TuneArgs& args, Result<StudySpec> spec) {
  if (!spec) return tl::unexpected(spec.error());
  if (!args.study.empty()) spec->name = args.study;
  Prepared prepared(args.quiet);
  auto carbon = carbon_for(*spec);
  if (!carbon) return tl::unexpected(carbon.error());
  prepared.carbon = std::move(*carbon);
  auto start_at = carbon_aware_start(args, *spec, prepared.carbon);
  if (!start_at) return tl::unexpected(start_at.error());
  prepared.start_at = *start_at;
  JudgeSpec judge_spec = judge_spec_of(*spec);
  auto judge = make_judge_factory(judge_spec, rule_environment(judge_spec));
  if (!judge) return tl::unexpected(judge.error());
  prepared.judge = std::move(*judge);
  auto stages = make_stage_plan(judge_spec);
  if (!stages) return tl::unexpected(stages.error());
  prepared.stages = std::move(*stages);
  auto meter = meter_for(*spec, *prepared.notes);
  if (meter) {
    prepared.meter = std::move(*meter);
  } else {
    prepared.notes->add("no figures for this run: " + meter.error().message);
  }
  if (!spec->trial.command.empty()) {
    auto executor = make_program_executor(*spec, args.runs_dir, prepared.meter.get());
    if (!executor) return tl::unexpected(executor.error());
    prepared.executor = std::move(*executor);
    // How a trial's CPU time is counted, which its share of the machine's energy rests on.
    const exec::CgroupSupport& cgroup = exec::cgroup_support();
    prepared.notes->add(
        cgroup.available
            ? fmt::format("CPU time of each trial: its own cgroup v2 under {} (every process "
                          "it ran, however it ended)",
                          cgroup.parent)
            : fmt::format("CPU time of each trial: its process group, sampled from /proc, and "
                          "wait4 at exit (no cgroup v2 of its own: {}); processes that leave "
                          "the group or are reaped by init between samples are missed",
                          cgroup.why_not));
  } else {
    auto trainer = make_trainer(trainer_spec_of(*spec));
    if (!trainer) return tl::unexpected(trainer.error());
    prepared.trainer = std::move(*trainer);
  }
  prepared.spec = std::move(*spec);
  return prepared;
}

// The status line is redrawn in place only on a terminal that understands it, and not
// when the summary goes to stdout as JSON (stderr may still be a terminal then, but
// whoever reads the JSON wants plain lines around it).
LiveProgressOptions progress_options(const TuneArgs& args,
                                     std::function<double(double, double, double)> co2e_g) {
  LiveProgressOptions o;
  const char* term = std::getenv("TERM");
  o.terminal = !args.quiet && !args.common.json && isatty(STDERR_FILENO) != 0 &&
               !(term && std::string_view(term) == "dumb");
  o.plain_every_s = args.progress_every_s;
  o.co2e_g = std::move(co2e_g);
  winsize ws{};
  if (o.terminal && ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 20) {
    o.width = ws.ws_col;
  }
  return o;
}

}  // namespace

int tune_study(const TuneArgs& args, Result<StudySpec> spec_or_error) {
  auto prepared = prepare(args, std::move(spec_or_error));
  if (!prepared) return fail(prepared.error());
  const StudySpec& spec = prepared->spec;
  auto storage = open_storage_for(args.common);
  if (!storage) return fail(storage.error());
  auto study = open_or_create_study(**storage, spec);
  if (!study) return fail(study.error());
  for (const std::string& note : study->notes) fmt::print(stderr, "{}\n", note);
  auto trials = study->study.trials();
  if (!trials) return fail(trials.error());
  if (!study->study.record().stopped_because.empty()) {
    fmt::print(stderr, "study \"{}\" already finished ({}); nothing to do\n", spec.name,
               study->study.record().stopped_because);
    return print_summary(args, **storage, study->study.record(), *trials);
  }
  if (study->created) {
    auto moved = set_aside_old_runs(args.runs_dir, spec.name);
    if (!moved) return fail(moved.error());
    if (*moved) fmt::print(stderr, "{}\n", **moved);
  }
  if (spec.search.sampler == "grid") fmt::print(stderr, "warning: {}\n", grid_energy_warning());
  fmt::print(stderr, "{} study \"{}\": {} trials so far, sampler {} (seed {})\n",
             study->created ? "created" : "continuing", spec.name, trials->size(),
             spec.search.sampler, study->study.record().sampler.value("seed", uint64_t{0}));
  install_signal_handlers();
  if (prepared->start_at && !wait_until(*prepared->start_at)) {
    fmt::print(stderr, "interrupted while waiting for a greener grid: no trial was run\n");
    return 1;
  }
  prepared->notes->print_held_and_go_live();
  if (auto ok = record_machine(**storage, study->study.id()); !ok) return fail(ok.error());
  TuneOptions options;
  options.completion = spec.completion;
  options.metric = spec.metric;
  options.concurrency = spec.concurrency;
  options.interrupted = &g_interrupted;
  options.judge = prepared->judge;
  options.stages = prepared->stages;
  options.max_steps = spec.trial.max_steps;
  if (prepared->carbon) {
    const CarbonIntensity& carbon = *prepared->carbon;
    options.co2e_g = [&carbon](double j, double t0, double t1) { return carbon.co2e_g(j, t0, t1); };
  }
  LiveProgress progress(**storage, study->study.record(), spec.completion, *trials,
                        progress_options(args, options.co2e_g));
  options.on_trial_finished = [&](const Trial& t, const std::vector<Trial>& all) {
    progress.trial_finished(t, all,
                            args.quiet ? "" : trial_progress_line(study->study.record(), t, all));
  };
  if (!args.quiet) {
    options.on_verdict = [&](const Trial& t, const Verdict& v) {
      progress.line(fmt::format("trial {}: {} {}: {}", t.number,
                                v.stop ? "stopped by" : "warning from", v.source, v.message));
    };
  }
  options.on_idle = [&] { progress.tick(); };
  if (prepared->trainer) {
    InProcessOptions in_process{spec.name, args.runs_dir};
    prepared->executor =
        prepared->meter
            ? make_metered_in_process_executor(*prepared->trainer, study->study.space(),
                                               *prepared->meter, in_process)
            : make_in_process_executor(*prepared->trainer, study->study.space(), in_process);
  }
  auto result = run_study(study->study, *prepared->executor, options);
  progress.finish();
  if (!result) return fail(result.error());
  if (auto ok = study->study.refresh(); !ok) return fail(ok.error());
  auto final_trials = study->study.trials();
  if (!final_trials) return fail(final_trials.error());
  if (!result->reason) {
    fmt::print(stderr, "interrupted: the study is saved; run the same command to continue\n");
    print_summary(args, **storage, study->study.record(), *final_trials);
    return 1;
  }
  fmt::print(stderr, "study ended: {} ({})\n", result->reason->criterion, result->reason->detail);
  // [retention]: the files of trials not among the best go now (study/retention.cpp).
  auto retained = retain_after_study(**storage, study->study.record(), *final_trials, spec);
  if (!retained) fmt::print(stderr, "warning: retention: {}\n", retained.error().message);
  if (retained && *retained) fmt::print(stderr, "{}\n", **retained);
  return print_summary(args, **storage, study->study.record(), *final_trials);
}

bool tune_interrupted() { return g_interrupted.load(); }

Runner setup_tune(CLI::App& sub) {
  auto args = std::make_shared<TuneArgs>();
  sub.add_option("STUDY.toml", args->file, "the study file")->required();
  sub.add_option("--study", args->study, "study name (default: [study] name of the file)");
  sub.add_flag("--quiet,-q", args->quiet,
               "no line per trial and no status bar: plain progress lines only");
  sub.add_option("--progress-every", args->progress_every_s,
                 "seconds between plain progress lines when stderr is not a terminal "
                 "(default 10)")
      ->check(CLI::NonNegativeNumber);
  sub.add_option("--start-below", args->start_below,
                 "carbon-aware start: wait until the [carbon] intensity_file forecast is below "
                 "this many gCO2e/kWh")
      ->check(CLI::PositiveNumber);
  sub.add_option("--max-wait", args->max_wait,
                 "with --start-below: wait at most this long (\"6h\", \"30m\"), then start")
      ->capture_default_str();
  sub.add_option("--runs-dir", args->runs_dir,
                 "where trial programs get their logs, report file and checkpoints")
      ->capture_default_str();
  add_common_options(sub, args->common);
  return [args] { return tune_study(*args, load_study_file(args->file)); };
}

}  // namespace greentune::cli
