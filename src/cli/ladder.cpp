// greentune ladder LADDER.toml: tune each rung (simplest first) as its own study, climb
// while the target is unmet and the gain pays for its energy, print and store the table
// and the recommendation.
#include <fmt/format.h>

#include <cstdio>
#include <ctime>

#include "cli/commands.hpp"
#include "cli/tune.hpp"
#include "greentune/ladder.hpp"

namespace greentune::cli {
namespace {

struct LadderArgs {
  CommonOptions common;
  std::string file;
  std::string runs_dir = "greentune-runs";
  bool quiet = false;
};

// The best trial's model size, from its "model" artifact.
std::optional<double> model_bytes(Storage& storage, const std::string& study, int64_t trial) {
  auto record = storage.find_study(study);
  if (!record || !*record) return std::nullopt;
  auto t = storage.trial((*record)->id, trial);
  if (!t || !*t) return std::nullopt;
  auto artifacts = storage.artifacts((**t).id);
  if (!artifacts) return std::nullopt;
  for (const Artifact& a : *artifacts) {
    if (a.name == "model" && a.bytes > 0) return static_cast<double>(a.bytes);
  }
  return std::nullopt;
}

RungResult result_of(const RungSpec& rung, const nlohmann::json& summary, Storage& storage) {
  RungResult r;
  r.name = rung.name;
  r.study = rung.study.name;
  const nlohmann::json& best = summary.value("best", nlohmann::json());
  if (best.is_object() && best.value("value", nlohmann::json()).is_number()) {
    r.best = best["value"].get<double>();
    r.model_bytes = model_bytes(storage, rung.study.name, best.value("trial", int64_t{-1}));
  }
  r.kwh = summary.value("energy", nlohmann::json::object()).value("kwh", 0.0);
  const auto& co2e = summary.value("co2e_g", nlohmann::json());
  r.co2e_g = co2e.is_number() ? co2e.get<double>() : 0.0;
  r.seconds = summary.value("elapsed_s", 0.0);
  r.trials = summary.value("n_trials", int64_t{0});
  return r;
}

// Keeps the table with the ladder's first study, as an event of kind "ladder".
Status store_table(Storage& storage, const LadderSpec& ladder, const nlohmann::json& table) {
  auto record = storage.find_study(ladder.rungs.front().study.name);
  if (!record) return tl::unexpected(record.error());
  if (!*record) return {};
  Event e;
  e.study_id = (*record)->id;
  e.time = static_cast<double>(std::time(nullptr));
  e.kind = "ladder";
  e.message = fmt::format("ladder {}: recommended {} ({})", ladder.name,
                          table["recommended"].get<std::string>(), table["stopped"].get<std::string>());
  e.data = table;
  return storage.add_event(e);
}

int run_ladder(const LadderArgs& args) {
  auto ladder = load_ladder_file(args.file);
  if (!ladder) return fail(ladder.error());
  auto storage = open_storage_for(args.common);
  if (!storage) return fail(storage.error());
  for (const std::string& note : ladder->notes) fmt::print(stderr, "ladder: {}\n", note);
  std::vector<RungResult> results;
  ClimbDecision decision;
  for (size_t i = 0; i < ladder->rungs.size(); ++i) {
    const RungSpec& rung = ladder->rungs[i];
    fmt::print(stderr, "ladder {}: rung {} of {}: {} ({})\n", ladder->name, i + 1,
               ladder->rungs.size(), rung.name, rung.study.trial.trainer);
    nlohmann::json summary;
    TuneArgs tune;
    tune.common = args.common;
    tune.common.json = false;
    tune.runs_dir = args.runs_dir;
    tune.quiet = args.quiet;
    tune.summary_out = &summary;
    int rc = tune_study(tune, rung.study);
    if (rc != 0) {
      if (tune_interrupted()) fmt::print(stderr, "ladder interrupted: run the same command to continue\n");
      return rc;
    }
    results.push_back(result_of(rung, summary, **storage));
    decision = climb_decision(*ladder, results);
    fmt::print(stderr, "ladder {}: {}\n", ladder->name, decision.why);
    if (!decision.climb) break;
  }
  nlohmann::json table = ladder_json(*ladder, results, decision);
  if (auto ok = store_table(**storage, *ladder, table); !ok) return fail(ok.error());
  if (args.common.json) {
    fmt::print("{}\n", table.dump());
  } else {
    fmt::print("{}", ladder_text(*ladder, results, decision));
  }
  return 0;
}

}  // namespace

Runner setup_ladder(CLI::App& sub) {
  auto args = std::make_shared<LadderArgs>();
  sub.add_option("LADDER.toml", args->file, "the ladder file")->required();
  sub.add_flag("--quiet,-q", args->quiet, "no progress line per trial");
  sub.add_option("--runs-dir", args->runs_dir, "where trials keep their checkpoints and models")
      ->capture_default_str();
  add_common_options(sub, args->common);
  sub.footer(
      "Each rung is a study named LADDER.RUNG; running the command again continues the "
      "rungs where they stopped (a finished rung is not run again).");
  return [args] { return run_ladder(*args); };
}

}  // namespace greentune::cli
