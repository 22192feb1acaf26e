// greentune report --study NAME: the summary of a study; --html OUT.html writes it as an
// interactive, self-contained page (report/html_report.hpp).
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
#include "report/html_report.hpp"
#include "report/study_views.hpp"

namespace greentune::cli {
namespace {

struct ReportArgs : StudyArgs {
  std::string emissions_csv;
  std::string html;
};

// --html: the view of the study (every trial read once) as one HTML file.
int write_html_report(Storage& storage, const Study& study, const std::vector<Trial>& trials,
                      const std::string& path) {
  auto data = load_study_data(storage, study.record(), trials);
  if (!data) return fail(data.error());
  const std::string page = html_report(study_view_json(*data));
  if (auto ok = write_file_atomically(path, page, "--html"); !ok) return fail(ok.error());
  fmt::print(stderr, "wrote {} ({} trials, {} bytes)\n", path, trials.size(), page.size());
  return 0;
}

int run_report(const ReportArgs& args) {
  if (!args.html.empty()) {
    if (auto ok = check_output_file(args.html, "--html"); !ok) return fail(ok.error());
  }
  if (!args.emissions_csv.empty()) {
    if (auto ok = check_output_file(args.emissions_csv, "--emissions-csv"); !ok) {
      return fail(ok.error());
    }
  }
  return with_study(args, [&](Storage& storage, const Study& study,
                              const std::vector<Trial>& trials) {
    if (!args.html.empty()) {
      if (int code = write_html_report(storage, study, trials, args.html); code != 0) return code;
    }
    if (!args.emissions_csv.empty()) {
      auto rows = emissions_csv_rows(storage, study.record(), trials, carbon_of(study.record()),
                                     static_cast<double>(std::time(nullptr)));
      if (!rows) return fail(rows.error());
      auto ok = write_emissions_csv(args.emissions_csv,
                                    fmt::format("{}\n{}", emissions_csv_header(), *rows));
      if (!ok) return fail(ok.error());
      fmt::print(stderr, "wrote {} ({} rows: the columns of CodeCarbon {}'s emissions.csv, then "
                 "greentune's)\n", args.emissions_csv, std::count(rows->begin(), rows->end(), '\n'),
                 kCodeCarbonVersion);
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
  sub.add_option("--html", args->html,
                 "also write an interactive HTML report (one self-contained file: charts of "
                 "the history, energy, CO2e, Pareto front, importance; no network needed)");
  return [args] { return run_report(*args); };
}

}  // namespace greentune::cli
