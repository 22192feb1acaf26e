// greentune studies: the studies in a storage, one line (or JSON object) each.
#include <cstdio>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "greentune/study.hpp"
#include "greentune/summary.hpp"

namespace greentune::cli {
namespace {

int run_studies(const CommonOptions& common) {
  auto storage = open_storage_for(common);
  if (!storage) return fail(storage.error());
  auto studies = (*storage)->list_studies();
  if (!studies) return fail(studies.error());
  nlohmann::json list = nlohmann::json::array();
  if (!common.json) {
    fmt::print("{:<32}  {:<8}  {:<16}  {:>6}  {:>14}  {}\n", "study", "dir", "metric", "trials",
               "best", "stopped");
  }
  for (const auto& s : *studies) {
    auto trials = (*storage)->trials(s.id);
    if (!trials) return fail(trials.error());
    auto summary = study_summary_json(s, *trials);
    if (common.json) {
      list.push_back(summary);
      continue;
    }
    auto best = best_trial(s.direction, *trials);
    fmt::print("{:<32}  {:<8}  {:<16}  {:>6}  {:>14}  {}\n", s.name, to_string(s.direction),
               s.metric, trials->size(), best ? fmt::format("{:.6g}", *best->value) : "-",
               s.stopped_because.empty() ? "-" : s.stopped_because);
  }
  if (common.json) fmt::print("{}\n", nlohmann::json{{"studies", list}}.dump());
  return 0;
}

}  // namespace

Runner setup_studies(CLI::App& sub) {
  auto common = std::make_shared<CommonOptions>();
  add_common_options(sub, *common);
  return [common] { return run_studies(*common); };
}

}  // namespace greentune::cli
