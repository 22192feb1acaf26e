// greentune trials --study NAME: every trial of a study.
#include <cstdio>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "greentune/study.hpp"
#include "greentune/summary.hpp"
#include "cli/study_view.hpp"

namespace greentune::cli {
namespace {

int run_trials(const StudyArgs& args) {
  return with_study(args, [&](const StudyRecord&, const std::vector<Trial>& trials) {
    if (!args.common.json) {
      fmt::print("{}", trials_table_text(trials));
      return;
    }
    nlohmann::json list = nlohmann::json::array();
    for (const auto& t : trials) list.push_back(trial_json(t));
    fmt::print("{}\n", nlohmann::json{{"trials", list}}.dump());
  });
}

}  // namespace

Runner setup_trials(CLI::App& sub) {
  auto args = std::make_shared<StudyArgs>();
  add_study_options(sub, *args);
  return [args] { return run_trials(*args); };
}

}  // namespace greentune::cli
