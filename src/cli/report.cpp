// greentune report --study NAME: the summary of a study.
#include <algorithm>
#include <cstdio>
#include <ctime>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "cli/study_view.hpp"
#include "config/carbon.hpp"
#include "greentune/study.hpp"
#include "greentune/summary.hpp"
#include "report/emissions_csv.hpp"

namespace greentune::cli {
namespace {

struct ReportArgs : StudyArgs {
  std::string emissions_csv;
};

int run_report(const ReportArgs& args) {
  return with_study(args, [&](Storage& storage, const Study& study,
                              const std::vector<Trial>& trials) {
    if (!args.emissions_csv.empty()) {
      auto rows = emissions_csv_rows(storage, study.record(), trials, carbon_of(study.record()),
                                     static_cast<double>(std::time(nullptr)));
      if (!rows) return fail(rows.error());
      auto ok = write_emissions_csv(args.emissions_csv,
                                    fmt::format("{}\n{}", emissions_csv_header(), *rows));
      if (!ok) return fail(ok.error());
      fmt::print(stderr, "wrote {} ({} rows, CodeCarbon's emissions.csv columns)\n",
                 args.emissions_csv, std::count(rows->begin(), rows->end(), '\n'));
    }
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
  auto args = std::make_shared<ReportArgs>();
  add_study_options(sub, *args);
  sub.add_option("--emissions-csv", args->emissions_csv,
                 "also write one row per trial with CodeCarbon's emissions.csv columns");
  return [args] { return run_report(*args); };
}

}  // namespace greentune::cli
