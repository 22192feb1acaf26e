// greentune report --study NAME: the summary of a study; --html OUT.html writes it as an
// interactive, self-contained page (report/html_report.hpp).
#include <algorithm>
#include <cstdio>
#include <ctime>
#include <filesystem>

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

// A path the page cannot go to is a usage error, found before the study is read: an
// existing directory, or a folder that does not exist.
Status check_output_path(const std::string& path, std::string_view flag) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path p(path);
  if (path.empty() || fs::is_directory(p, ec) || !p.has_filename()) {
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("{}: \"{}\" is a directory, not a file name", flag, path));
  }
  const fs::path folder = p.parent_path().empty() ? fs::path(".") : p.parent_path();
  if (!fs::is_directory(folder, ec)) {
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("{}: cannot write \"{}\": no folder \"{}\"", flag, path,
                                  folder.string()));
  }
  return {};
}

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
    if (auto ok = check_output_path(args.html, "--html"); !ok) return fail(ok.error());
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
