// greentune report --study NAME: the summary of a study.
#include <cstdio>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "greentune/study.hpp"
#include "greentune/summary.hpp"
#include "cli/energy_setup.hpp"
#include "cli/study_view.hpp"

namespace greentune::cli {
namespace {

int run_report(const StudyArgs& args) {
  return with_study(args, [&](Storage& storage, const Study& study,
                              const std::vector<Trial>& trials) {
    auto summary = summary_with_costs(storage, study.record(), trials);
    if (!summary) return fail(summary.error());
    if (args.common.json) {
      fmt::print("{}\n", summary->dump());
    } else {
      fmt::print("{}{}", study_summary_text(study.record(), trials), costs_text(*summary));
    }
    return 0;
  });
}

}  // namespace

Runner setup_report(CLI::App& sub) {
  auto args = std::make_shared<StudyArgs>();
  add_study_options(sub, *args);
  return [args] { return run_report(*args); };
}

}  // namespace greentune::cli
