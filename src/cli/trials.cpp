// greentune trials --study NAME: every trial of a study.
#include <algorithm>
#include <cstdio>
#include <ctime>
#include <map>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "cli/study_view.hpp"
#include "config/carbon.hpp"
#include "energy/grade.hpp"
#include "greentune/study.hpp"
#include "greentune/summary.hpp"
#include "report/emissions_csv.hpp"
#include "report/trials_csv.hpp"

namespace greentune::cli {
namespace {

// Events that say why a trial stopped early or failed, by trial id (the last one wins).
std::map<int64_t, std::string> stop_reasons(Storage& storage, int64_t study_id) {
  std::map<int64_t, std::string> reasons;
  auto events = storage.events(study_id);
  if (!events) return reasons;
  for (const auto& e : *events) {
    if (!e.trial_id) continue;
    if (e.kind == "trial_failed" || e.kind == "trial_stopped" || e.kind == "trial_interrupted") {
      reasons[*e.trial_id] = e.message;
    }
  }
  return reasons;
}

// state, value, params, ... plus what was measured of the trial and where its files are.
Result<nlohmann::json> detailed_trial_json(
    Storage& storage, const Trial& t, const std::map<int64_t, std::string>& reasons,
    const std::map<int64_t, std::vector<EnergyRecord>>& energy) {
  nlohmann::json j = trial_json(t);
  // Its energy by component, each figure with its grade (energy/grade.hpp).
  nlohmann::json records = nlohmann::json::array();
  double joules = 0.0;
  if (auto it = energy.find(t.id); it != energy.end()) {
    for (const auto& e : it->second) {
      joules += e.joules;
      records.push_back({{"component", e.component},
                         {"joules", e.joules},
                         {"source", e.source},
                         {"grade", ::greentune::energy::grade_json(
                                       ::greentune::energy::energy_grade(e.component, e.source))}});
    }
  }
  j["energy"] = {{"kwh", joules / 3.6e6}, {"by_component", records}};
  auto samples = storage.system_samples(t.id);
  if (!samples) return tl::unexpected(samples.error());
  int64_t peak = 0;
  for (const auto& s : *samples) peak = std::max(peak, s.rss_bytes);
  j["cpu_seconds"] = samples->empty() ? nlohmann::json(nullptr)
                                      : nlohmann::json(samples->back().cpu_user_s +
                                                       samples->back().cpu_system_s);
  j["peak_rss_bytes"] = samples->empty() ? nlohmann::json(nullptr) : nlohmann::json(peak);
  auto it = reasons.find(t.id);
  j["stop_reason"] = it == reasons.end() ? nlohmann::json(nullptr) : nlohmann::json(it->second);
  auto artifacts = storage.artifacts(t.id);
  if (!artifacts) return tl::unexpected(artifacts.error());
  nlohmann::json files = nlohmann::json::object();
  for (const auto& a : *artifacts) files[a.name] = a.path;
  j["files"] = files;
  return j;
}

struct TrialsArgs : StudyArgs {
  std::string csv;
};

// --csv FILE: one row per trial (report/trials_csv.hpp), written whole or not at all.
int write_trials_csv(Storage& storage, const Study& study, const std::vector<Trial>& trials,
                     const std::string& path) {
  auto energy = storage.study_energy(study.id());
  if (!energy) return fail(energy.error());
  std::string csv = trials_csv(study.record(), trials, *energy, stop_reasons(storage, study.id()),
                               carbon_of(study.record()), static_cast<double>(std::time(nullptr)));
  if (auto ok = write_file_atomically(path, csv, "--csv"); !ok) return fail(ok.error());
  fmt::print(stderr, "wrote {} ({} rows)\n", path, trials.size());
  return 0;
}

int run_trials(const TrialsArgs& args) {
  if (!args.csv.empty()) {
    if (auto ok = check_output_file(args.csv, "--csv"); !ok) return fail(ok.error());
  }
  return with_study(args, [&](Storage& storage, const Study& study,
                              const std::vector<Trial>& trials) {
    if (!args.csv.empty()) {
      if (int code = write_trials_csv(storage, study, trials, args.csv); code != 0) return code;
    }
    auto energy = storage.study_energy(study.id());
    if (!energy) return fail(energy.error());
    if (!args.common.json) {
      fmt::print("{}", trials_table_text(trials, &*energy));
      return 0;
    }
    auto reasons = stop_reasons(storage, study.id());
    nlohmann::json list = nlohmann::json::array();
    for (const auto& t : trials) {
      auto j = detailed_trial_json(storage, t, reasons, *energy);
      if (!j) return fail(j.error());
      list.push_back(std::move(*j));
    }
    fmt::print("{}\n", nlohmann::json{{"trials", list}}.dump());
    return 0;
  });
}

}  // namespace

Runner setup_trials(CLI::App& sub) {
  auto args = std::make_shared<TrialsArgs>();
  add_study_options(sub, *args);
  sub.add_option("--csv", args->csv,
                 "also write one row per trial (params, energy by component and source, kWh, "
                 "CO2e, times, stop reason) to this CSV file");
  return [args] { return run_trials(*args); };
}

}  // namespace greentune::cli
