// greentune tune STUDY.toml: run a study to completion.
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <sstream>
#include <cstdio>
#include <random>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "cli/energy_setup.hpp"
#include "cli/study_setup.hpp"
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
};

// Some valid params, to check that every {placeholder} of the command is a param.
Params example_params(const SearchSpace& space) {
  Params params;
  for (size_t i = 0; i < space.size(); ++i) params[space.params()[i].name] = space.decode(i, 0.5);
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
  if (auto ok = substitute_params(spec.trial.command, example_params(spec.search.space)); !ok) {
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
  if (spec.search.sampler == "grid") fmt::print(stderr, "warning: {}\n", grid_energy_warning());
  fmt::print(stderr, "{} study \"{}\": {} trials so far, sampler {} (seed {})\n",
             study->created ? "created" : "continuing", spec.name, trials->size(),
             spec.search.sampler, study->study.record().sampler.value("seed", uint64_t{0}));
  prepared->notes->print_held_and_go_live();
  install_signal_handlers();
  TuneOptions options;
  options.completion = spec.completion;
  options.metric = spec.metric;
  options.concurrency = spec.concurrency;
  options.interrupted = &g_interrupted;
  if (prepared->carbon) {
    const CarbonIntensity& carbon = *prepared->carbon;
    options.co2e_g = [&carbon](double j, double t0, double t1) { return carbon.co2e_g(j, t0, t1); };
  }
  if (!args.quiet) {
    options.on_trial_finished = [&](const Trial& t, const std::vector<Trial>& all) {
      fmt::print(stderr, "{}\n", trial_progress_line(study->study.record(), t, all));
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
  sub.add_option("--runs-dir", args->runs_dir,
                 "where trial programs get their logs, report file and checkpoints")
      ->capture_default_str();
  add_common_options(sub, args->common);
  return [args] { return run(*args); };
}

}  // namespace greentune::cli
