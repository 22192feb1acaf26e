// greentune report --study NAME: the summary of a study.
#include <cstdio>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "greentune/study.hpp"
#include "greentune/summary.hpp"
#include "cli/study_view.hpp"

namespace greentune::cli {
namespace {

int run_report(const StudyArgs& args) {
  return with_study(args, [&](Storage&, const Study& study, const std::vector<Trial>& trials) {
    if (args.common.json) {
      fmt::print("{}\n", study_summary_json(study.record(), trials).dump());
    } else {
      fmt::print("{}", study_summary_text(study.record(), trials));
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
