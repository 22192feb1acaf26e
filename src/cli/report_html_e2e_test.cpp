// greentune report --html, end to end: real studies in a real SQLite file, the real binary
// writing the page, and real headless Chromium opening it through web/test/page_check.mjs
// (no console errors, every chart with its data points, no network, a screenshot).
// Screenshots go to build/test-output/report_html/TEST/; the test prints their paths.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>

#include "testing/test_helpers.hpp"

namespace greentune {
namespace {

namespace fs = std::filesystem;
using testing::CommandResult;

constexpr const char* kChromium = "/usr/bin/chromium";
constexpr const char* kAllCharts = "history,intermediate,energy,carbon,pareto,importance,parallel";

// Markup that must stay text wherever it is shown (and a marker that says if it ran).
constexpr const char* kStudyPayload =
    "</script><script>window.__xss=1</script><img src=x onerror=window.__xss=2>";
constexpr const char* kMetricPayload = "<b onmouseover=window.__xss=3>loss</b>";
constexpr const char* kChoiceScript = "</script><script>window.__xss=5</script>";
constexpr const char* kChoiceImg = "<img src=x onerror=window.__xss=6>";
constexpr const char* kParamPayload = "<img src=x onerror=window.__xss=4>";

// A trial program: a falling curve of 8 steps of the payload metric, x + 1/step, its last
// value final.
constexpr const char* kCurveProgram = R"sh(for s in 1 2 3 4 5 6 7 8; do
  v=$(awk -v x="$GREENTUNE_PARAM_X" -v s="$s" 'BEGIN { printf "%.6f", x + 1.0 / s }')
  echo "{\"step\": $s, \"metrics\": {\"$GT_METRIC\": $v}}" >> "$GREENTUNE_REPORT_FILE"
done
echo "{\"final\": {\"$GT_METRIC\": $v}}" >> "$GREENTUNE_REPORT_FILE"
)sh";

class ReportHtmlE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(kChromium)) GTEST_SKIP() << kChromium << " is absent (Debian: chromium)";
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    out_ = fs::path(GREENTUNE_BINARY_DIR) / "test-output" / "report_html" / info->name();
    fs::remove_all(out_);
    fs::create_directories(out_);
  }
  std::string url() const { return "sqlite:///" + dir_.file("study.db"); }
  CommandResult gt(std::vector<std::string> args) {
    args.insert(args.begin(), testing::greentune_binary());
    args.push_back("--storage");
    args.push_back(url());
    return testing::run_command(args);
  }
  // `report --html` of a study into the test's output folder; the page's path.
  std::string html_report(const std::string& study, const std::string& file) {
    const std::string path = (out_ / file).string();
    auto r = gt({"report", "--study", study, "--html", path});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.err.find(fmt::format("wrote {} (", path)), std::string::npos) << r.err;
    EXPECT_NE(r.err.find(fmt::format("trials, {} bytes)", fs::file_size(path))), std::string::npos)
        << r.err;
    return path;
  }
  // page_check.mjs on a page; its JSON summary (and its complaints in the failure).
  nlohmann::json page_check(const std::string& page, const std::string& name,
                            std::vector<std::string> flags) {
    const std::string shots = (out_ / name).string();
    std::vector<std::string> argv = {"node", GREENTUNE_SOURCE_DIR "/web/test/page_check.mjs",
                                     "file://" + page, shots, "--offline"};
    argv.insert(argv.end(), flags.begin(), flags.end());
    CommandResult r = testing::run_command(argv);
    EXPECT_EQ(r.exit_code, 0) << r.err << r.out;
    std::cout << "screenshot: " << shots << "/screenshot.png (and section-*.png)\n";
    auto summary = nlohmann::json::parse(r.out, nullptr, false);
    EXPECT_FALSE(summary.is_discarded()) << r.out;
    return summary;
  }
  std::string write(const std::string& name, const std::string& text) {
    const std::string path = dir_.file(name);
    testing::write_file(path, text);
    return path;
  }
  testing::TempDir dir_;
  fs::path out_;
};

TEST_F(ReportHtmlE2eTest, XgboostStudyWithAPrunerShowsEveryChartWithItsData) {
  // XGBoost on the breast cancer data, ASHA stopping most trials at 6 or 12 rounds.
  const std::string study = write("xgb.toml", fmt::format(R"([study]
name = "report-xgb"
direction = "maximize"
metric = "roc_auc"

[budget]
max_trials = 48

[search]
sampler = "random"
seed = 11

[search.space]
eta         = {{ type = "float", low = 0.01, high = 0.3, log = true }}
max_depth   = {{ type = "int", low = 2, high = 8 }}
subsample   = {{ type = "float", low = 0.5, high = 1.0 }}
grow_policy = {{ type = "categorical", choices = ["depthwise", "lossguide"] }}

[trial]
trainer = "xgboost"

[trainer]
num_boost_round = 24

[data]
path = "{}/data/datasets/breast_cancer.csv"
target = "diagnosis"
task = "classification"
split = 0.25

[pruner]
kind = "asha"
min_resource = 6
max_resource = 24
reduction_factor = 2

[carbon]
region = "aws:eu-west-1"
)",
                                                          GREENTUNE_SOURCE_DIR));
  auto tuned = gt({"tune", study, "--quiet", "--runs-dir", dir_.file("runs")});
  ASSERT_EQ(tuned.exit_code, 0) << tuned.err;
  const std::string page = html_report("report-xgb", "report-xgb.html");
  const nlohmann::json summary = page_check(page, "report-xgb", {"--expect-charts", kAllCharts});
  EXPECT_EQ(summary["trials"], 48);
  // Stopped trials are drawn among the intermediate curves, and every trial's energy.
  EXPECT_GT(summary["charts"]["intermediate"]["series"].get<int>(), 20);
  EXPECT_EQ(summary["charts"]["energy"]["points"].get<int>() % 48, 0);
  EXPECT_GE(summary["charts"]["importance"]["points"], 4);

  // The same view in the dashboard's live and index modes of greentune.js, against a
  // stand-in for its API: redrawn in place when the version changes, the token sent.
  CommandResult live = testing::run_command(
      {"node", GREENTUNE_SOURCE_DIR "/web/test/live_mode_test.mjs", page, (out_ / "live").string()});
  EXPECT_EQ(live.exit_code, 0) << live.err << live.out;
  std::cout << "screenshots: " << (out_ / "live").string() << "/live.png, index.png\n";
}

TEST_F(ReportHtmlE2eTest, UserTextIsShownAsTextAndNeverRuns) {
  // A study run by tune: its name, metric and categorical choices are markup, and the
  // median pruner's stop reasons repeat the metric.
  testing::write_file(dir_.file("curve.sh"), kCurveProgram);
  const std::string study = write("xss.toml", fmt::format(R"([study]
name = "xss"
direction = "minimize"
metric = "{metric}"

[budget]
max_trials = 24

[search]
sampler = "random"
seed = 3

[search.space]
kind = {{ type = "categorical", choices = ["{script}", "{img}", "plain"] }}
x    = {{ type = "float", low = 0.0, high = 1.0 }}

[pruner]
kind = "median"
n_startup_trials = 10            # so that 10 complete: enough for the importance

[trial]
command = ["/bin/sh", "{program}"]
env = {{ GT_METRIC = "{metric}" }}
)",
                                                          fmt::arg("metric", kMetricPayload),
                                                          fmt::arg("script", kChoiceScript),
                                                          fmt::arg("img", kChoiceImg),
                                                          fmt::arg("program", dir_.file("curve.sh"))));
  auto tuned = gt({"tune", study, "--study", kStudyPayload, "--quiet", "--runs-dir",
                   dir_.file("runs")});
  ASSERT_EQ(tuned.exit_code, 0) << tuned.err;
  const std::string page = html_report(kStudyPayload, "xss-tune.html");
  page_check(page, "xss-tune",
             {"--expect-charts", kAllCharts, "--assert-no-xss", "--expect-text", kStudyPayload,
              "--expect-text", kMetricPayload, "--expect-text", kChoiceScript, "--expect-text",
              kChoiceImg, "--expect-text", "pruner:median"});

  // A study of an outside loop (ask / tell), whose parameter name is markup.
  const std::string space = nlohmann::json{{kParamPayload, {{"type", "categorical"},
                                                            {"choices", {kChoiceImg, "b"}}}},
                                           {"x", {{"type", "float"}, {"low", 0}, {"high", 1}}}}
                                .dump();
  for (int i = 0; i < 12; ++i) {
    auto asked = gt({"ask", "--study", "xss-ask", "--space", space, "--sampler", "random",
                     "--seed", "4"});
    ASSERT_EQ(asked.exit_code, 0) << asked.err;
    const auto trial = nlohmann::json::parse(asked.out);
    const double x = trial["params"]["x"].get<double>();
    auto told = gt({"tell", "--study", "xss-ask", "--trial", std::to_string(trial["trial"].get<int>()),
                    "--value", fmt::format("{}", (x - 0.3) * (x - 0.3))});
    ASSERT_EQ(told.exit_code, 0) << told.err;
  }
  const std::string asked_page = html_report("xss-ask", "xss-ask.html");
  page_check(asked_page, "xss-ask",
             {"--expect-charts", "history,importance,parallel", "--assert-no-xss",
              "--expect-text", kParamPayload, "--expect-text", kChoiceImg});
}

TEST_F(ReportHtmlE2eTest, BadPathsAndUnknownStudiesAreUsageErrors) {
  auto asked = gt({"ask", "--study", "s", "--space", R"({"x": {"type": "float", "low": 0, "high": 1}})"});
  ASSERT_EQ(asked.exit_code, 0) << asked.err;
  auto no_folder = gt({"report", "--study", "s", "--html", dir_.file("no/such/folder/r.html")});
  EXPECT_EQ(no_folder.exit_code, 2);
  EXPECT_NE(no_folder.err.find("--html: cannot write"), std::string::npos) << no_folder.err;
  auto folder = gt({"report", "--study", "s", "--html", dir_.path().string()});
  EXPECT_EQ(folder.exit_code, 2);
  EXPECT_NE(folder.err.find("is a directory"), std::string::npos) << folder.err;
  auto unknown = gt({"report", "--study", "nope", "--html", dir_.file("r.html")});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.err.find("no study named \"nope\""), std::string::npos) << unknown.err;
  EXPECT_FALSE(fs::exists(dir_.file("r.html")));
  // A study with a running trial and no result yet still makes a page.
  const std::string page = html_report("s", "running.html");
  page_check(page, "running", {});
}

}  // namespace
}  // namespace greentune
