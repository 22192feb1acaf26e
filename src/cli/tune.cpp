// greentune tune STUDY.toml: run a study to completion.
#include <unistd.h>

#include <cmath>
#include <csignal>
#include <ctime>
#include <filesystem>
#include <sstream>
#include <cstdio>
#include <random>

#include <fmt/chrono.h>
#include <fmt/format.h>

#include "cli/commands.hpp"
#include "cli/energy_setup.hpp"
#include "cli/judge_setup.hpp"
#include "cli/study_setup.hpp"
#include "config/duration.hpp"
#include "greentune/config.hpp"
#include "greentune/orchestrator.hpp"
#include "greentune/process_executor.hpp"
#include "greentune/summary.hpp"
#include "greentune/trainer.hpp"
#include "sampling/grid_sampler.hpp"

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

struct TuneArgs {
  CommonOptions common;
  std::string file;
  std::string study;
  std::string runs_dir = "greentune-runs";
  bool quiet = false;
  std::optional<double> start_below;  // gCO2e/kWh: wait until the forecast is below it
  std::string max_wait = "24h";       // ... for at most this long
};

int print_summary(const TuneArgs& args, Storage& storage, const StudyRecord& record,
                  const std::vector<Trial>& trials) {
  auto summary = summary_with_costs(storage, record, trials);
  if (!summary) return fail(summary.error());
  if (args.common.json) {
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

std::string utc_time(double unix_s) {
  return fmt::format("{:%Y-%m-%d %H:%M:%S} UTC", fmt::gmtime(static_cast<std::time_t>(unix_s)));
}

std::string for_people(double seconds) {
  auto s = static_cast<int64_t>(std::ceil(std::max(0.0, seconds)));
  if (s < 120) return fmt::format("{} s", s);
  if (s < 7200) return fmt::format("{} min", (s + 59) / 60);
  return fmt::format("{}h{:02}m", s / 3600, (s % 3600) / 60);
}

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
  double now = static_cast<double>(std::time(nullptr));
  double intensity_now = carbon->gco2e_per_kwh_at(now);
  auto below = carbon->forecast_below(*args.start_below, now);
  if (below && *below <= now) {
    fmt::print(stderr, "carbon-aware start: {} is {:.4g} gCO2e/kWh now, below {:.4g}: starting\n",
               carbon->label(), intensity_now, *args.start_below);
    return std::optional<double>();
  }
  if (carbon->is_constant()) {
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("--start-below {:.4g}: the intensity of {} is a constant {:.4g} "
                                  "gCO2e/kWh and will not fall below it; accepted: [carbon] "
                                  "intensity_file with a forecast, or a higher threshold",
                                  *args.start_below, carbon->label(), intensity_now));
  }
  double latest = now + *max_wait;
  if (below && *below <= latest) {
    fmt::print(stderr,
               "carbon-aware start: {} is {:.4g} gCO2e/kWh now; the forecast falls below {:.4g} "
               "at {} (in {}): waiting until then (Ctrl-C to stop)\n",
               carbon->label(), intensity_now, *args.start_below, utc_time(*below),
               for_people(*below - now));
    return std::optional<double>(*below);
  }
  fmt::print(stderr,
             "carbon-aware start: {} is {:.4g} gCO2e/kWh now and the forecast {} below {:.4g} "
             "within --max-wait {}: starting at {}, the end of the wait, anyway\n",
             carbon->label(), intensity_now, below ? "does not fall" : "never falls",
             *args.start_below, args.max_wait, utc_time(latest));
  return std::optional<double>(latest);
}

// A new study whose name was used before in the same runs dir (its database deleted, or
// another storage) must not resume trials from the old study's checkpoints: the old
// directory is kept under another name, nothing is deleted.
Status set_aside_old_runs(const std::string& runs_dir, const std::string& study) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path dir = fs::path(runs_dir) / study;
  if (!fs::is_directory(dir, ec) || fs::is_empty(dir, ec)) return {};
  fs::path aside;
  for (int k = 1;; ++k) {
    aside = fs::path(runs_dir) / fmt::format("{}.old-{}", study, k);
    if (!fs::exists(aside, ec)) break;
  }
  fs::rename(dir, aside, ec);
  if (ec) {
    return make_error(ErrorCode::kIo,
                      fmt::format("{} holds the trials of an earlier study named \"{}\" and "
                                  "could not be moved aside to {}: {}",
                                  dir.string(), study, aside.string(), ec.message()));
  }
  fmt::print(stderr,
             "note: {} held the files of an earlier study named \"{}\"; moved to {} so that "
             "this new study does not resume from its checkpoints\n",
             dir.string(), study, aside.string());
  return {};
}

// What the trials of this run have to work with (for right-sizing advice read later,
// perhaps on another machine).
Status record_machine(Storage& storage, int64_t study_id, const StudySpec& spec) {
  RuleEnvironment env = rule_environment(spec);
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  Event e;
  e.study_id = study_id;
  e.time = static_cast<double>(std::time(nullptr));
  e.kind = "machine";
  e.message = fmt::format("running on {}: {} cores{}", host, env.cpu_cores,
                          env.memory_limit_bytes
                              ? fmt::format(", {:.1f} GiB", static_cast<double>(*env.memory_limit_bytes) /
                                                                (1 << 30))
                              : "");
  e.data = {{"host", host}, {"cpu_cores", env.cpu_cores}};
  if (env.memory_limit_bytes) e.data["memory_bytes"] = *env.memory_limit_bytes;
  return storage.add_event(e);
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

// Some valid params, to check that every {placeholder} of the command is a param: those
// of the space, and data_fraction when the trials run in stages over data fractions.
Params example_params(const StudySpec& spec) {
  const SearchSpace& space = spec.search.space;
  Params params;
  for (size_t i = 0; i < space.size(); ++i) params[space.params()[i].name] = space.decode(i, 0.5);
  if (spec.pruner.resource == "data_fraction") params[kDataFractionParam] = 1.0;
  return params;
}

// True when `program` can be run from `cwd`: a path (relative to cwd) to an executable
// file, or a name found in PATH (the trial's own PATH if [trial] env sets one).
bool runnable(const std::string& program, const std::string& cwd, const StudySpec& spec) {
  namespace fs = std::filesystem;
  auto executable = [](const fs::path& p) {
    return fs::is_regular_file(p) && ::access(p.c_str(), X_OK) == 0;
  };
  if (program.find('/') != std::string::npos) return executable(fs::path(cwd) / program);
  auto env_path = spec.trial.env.find("PATH");
  const char* inherited = std::getenv("PATH");
  std::string path = env_path != spec.trial.env.end() ? env_path->second
                                                      : (inherited ? inherited : "");
  std::stringstream dirs(path);
  for (std::string dir; std::getline(dirs, dir, ':');) {
    if (executable(fs::path(dir.empty() ? "." : dir) / program)) return true;
  }
  return false;
}

Result<std::unique_ptr<Executor>> program_executor(const TuneArgs& args, const StudySpec& spec,
                                                   EnergyMeter* meter) {
  namespace fs = std::filesystem;
  if (auto ok = substitute_params(spec.trial.command, example_params(spec)); !ok) {
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("{}: {}", spec.path, ok.error().message));
  }
  fs::path base = fs::absolute(spec.path).parent_path();
  ProcessExecutorOptions o;
  o.study = spec.name;
  o.command = spec.trial.command;
  o.env = spec.trial.env;
  o.cwd = (base / spec.trial.cwd.value_or(".")).lexically_normal().string();
  o.runs_dir = fs::absolute(args.runs_dir).string();
  o.timeout_s = spec.trial.timeout_s;
  o.grace_s = spec.trial.grace_s;
  o.monitor_interval_s = spec.trial.monitor_interval_s;
  o.log_max_bytes = spec.trial.log_max_bytes;
  o.energy_meter = meter;
  for (const auto& m : spec.trial.metric_regex) o.metric_regex.push_back({m.name, m.regex});
  if (!fs::is_directory(o.cwd)) {
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("{}: [trial] cwd: {} is not a directory", spec.path, o.cwd));
  }
  if (!runnable(o.command[0], o.cwd, spec)) {
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("{}: [trial] command: cannot find the program \"{}\" (looked "
                                  "{}); accepted: a program in PATH or a path to an executable",
                                  spec.path, o.command[0],
                                  o.command[0].find('/') == std::string::npos
                                      ? "in PATH"
                                      : "relative to " + o.cwd));
  }
  auto executor = make_process_executor(std::move(o));
  if (!executor) {
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("{}: {}", spec.path, executor.error().message));
  }
  return executor;
}

Result<Prepared> prepare(const TuneArgs& args) {
  auto spec = load_study_file(args.file);
  if (!spec) return tl::unexpected(spec.error());
  if (!args.study.empty()) spec->name = args.study;
  Prepared prepared(args.quiet);
  auto carbon = carbon_for(*spec);
  if (!carbon) return tl::unexpected(carbon.error());
  prepared.carbon = std::move(*carbon);
  auto start_at = carbon_aware_start(args, *spec, prepared.carbon);
  if (!start_at) return tl::unexpected(start_at.error());
  prepared.start_at = *start_at;
  auto judge = make_judge_factory(*spec, rule_environment(*spec));
  if (!judge) return tl::unexpected(judge.error());
  prepared.judge = std::move(*judge);
  auto stages = make_stage_plan(*spec);
  if (!stages) return tl::unexpected(stages.error());
  prepared.stages = std::move(*stages);
  auto meter = meter_for(*spec, *prepared.notes);
  if (meter) {
    prepared.meter = std::move(*meter);
  } else {
    prepared.notes->add("no figures for this run: " + meter.error().message);
  }
  if (!spec->trial.command.empty()) {
    auto executor = program_executor(args, *spec, prepared.meter.get());
    if (!executor) return tl::unexpected(executor.error());
    prepared.executor = std::move(*executor);
  } else {
    auto trainer = make_trainer(spec->trial.trainer, spec->search.space, spec->metric);
    if (!trainer) {
      return make_error(ErrorCode::kInvalidArgument,
                        fmt::format("{}: {}", spec->where("trial", "trainer"),
                                    trainer.error().message));
    }
    prepared.trainer = std::move(*trainer);
  }
  prepared.spec = std::move(*spec);
  return prepared;
}

int run(const TuneArgs& args) {
  auto prepared = prepare(args);
  if (!prepared) return fail(prepared.error());
  const StudySpec& spec = prepared->spec;
  auto storage = open_storage_for(args.common);
  if (!storage) return fail(storage.error());
  auto study = open_or_create_study(**storage, spec);
  if (!study) return fail(study.error());
  auto trials = study->study.trials();
  if (!trials) return fail(trials.error());
  if (!study->study.record().stopped_because.empty()) {
    fmt::print(stderr, "study \"{}\" already finished ({}); nothing to do\n", spec.name,
               study->study.record().stopped_because);
    return print_summary(args, **storage, study->study.record(), *trials);
  }
  if (study->created) {
    if (auto ok = set_aside_old_runs(args.runs_dir, spec.name); !ok) return fail(ok.error());
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
  if (auto ok = record_machine(**storage, study->study.id(), spec); !ok) return fail(ok.error());
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
  if (!args.quiet) {
    options.on_trial_finished = [&](const Trial& t, const std::vector<Trial>& all) {
      fmt::print(stderr, "{}\n", trial_progress_line(study->study.record(), t, all));
    };
    options.on_verdict = [](const Trial& t, const Verdict& v) {
      fmt::print(stderr, "trial {}: {} {}: {}\n", t.number, v.stop ? "stopped by" : "warning from",
                 v.source, v.message);
    };
  }
  if (prepared->trainer) {
    prepared->executor =
        prepared->meter ? make_metered_in_process_executor(*prepared->trainer,
                                                           study->study.space(), *prepared->meter)
                        : make_in_process_executor(*prepared->trainer, study->study.space());
  }
  auto result = run_study(study->study, *prepared->executor, options);
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
  return print_summary(args, **storage, study->study.record(), *final_trials);
}

}  // namespace

Runner setup_tune(CLI::App& sub) {
  auto args = std::make_shared<TuneArgs>();
  sub.add_option("STUDY.toml", args->file, "the study file")->required();
  sub.add_option("--study", args->study, "study name (default: [study] name of the file)");
  sub.add_flag("--quiet,-q", args->quiet, "no progress line per trial");
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
  return [args] { return run(*args); };
}

}  // namespace greentune::cli
