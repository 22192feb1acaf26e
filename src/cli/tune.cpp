// greentune tune STUDY.toml: run a study to completion.
#include <csignal>
#include <cstdio>
#include <random>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "cli/study_setup.hpp"
#include "greentune/config.hpp"
#include "greentune/orchestrator.hpp"
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
  bool quiet = false;
};

void print_summary(const TuneArgs& args, const StudyRecord& record,
                   const std::vector<Trial>& trials) {
  if (args.common.json) {
    fmt::print("{}\n", study_summary_json(record, trials).dump());
  } else {
    fmt::print("{}", study_summary_text(record, trials));
  }
}

// Everything that can be checked before storage is touched: a bad file writes nothing.
struct Prepared {
  StudySpec spec;
  std::unique_ptr<Trainer> trainer;
};

Result<Prepared> prepare(const TuneArgs& args) {
  auto spec = load_study_file(args.file);
  if (!spec) return tl::unexpected(spec.error());
  if (!args.study.empty()) spec->name = args.study;
  if (spec->trial.trainer.empty()) {
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("{}: [trial] command: running programs as trials is not "
                                  "available in this version yet; use trainer = \"function:...\"",
                                  spec->path));
  }
  auto trainer = make_trainer(spec->trial.trainer, spec->search.space, spec->metric);
  if (!trainer) {
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("{}: {}", spec->where("trial", "trainer"), trainer.error().message));
  }
  return Prepared{std::move(*spec), std::move(*trainer)};
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
    print_summary(args, study->study.record(), *trials);
    return 0;
  }
  if (spec.search.sampler == "grid") fmt::print(stderr, "warning: {}\n", grid_energy_warning());
  fmt::print(stderr, "{} study \"{}\": {} trials so far, sampler {} (seed {})\n",
             study->created ? "created" : "continuing", spec.name, trials->size(),
             spec.search.sampler, study->study.record().sampler.value("seed", uint64_t{0}));
  install_signal_handlers();
  TuneOptions options;
  options.completion = spec.completion;
  options.metric = spec.metric;
  options.interrupted = &g_interrupted;
  if (!args.quiet) {
    options.on_trial_finished = [&](const Trial& t, const std::vector<Trial>& all) {
      fmt::print(stderr, "{}\n", trial_progress_line(study->study.record(), t, all));
    };
  }
  auto result = run_study(study->study, *prepared->trainer, options);
  if (!result) return fail(result.error());
  if (auto ok = study->study.refresh(); !ok) return fail(ok.error());
  auto final_trials = study->study.trials();
  if (!final_trials) return fail(final_trials.error());
  if (!result->reason) {
    fmt::print(stderr, "interrupted: the study is saved; run the same command to continue\n");
    print_summary(args, study->study.record(), *final_trials);
    return 1;
  }
  fmt::print(stderr, "study ended: {} ({})\n", result->reason->criterion, result->reason->detail);
  print_summary(args, study->study.record(), *final_trials);
  return 0;
}

}  // namespace

Runner setup_tune(CLI::App& sub) {
  auto args = std::make_shared<TuneArgs>();
  sub.add_option("STUDY.toml", args->file, "the study file")->required();
  sub.add_option("--study", args->study, "study name (default: [study] name of the file)");
  sub.add_flag("--quiet,-q", args->quiet, "no progress line per trial");
  add_common_options(sub, args->common);
  return [args] { return run(*args); };
}

}  // namespace greentune::cli
