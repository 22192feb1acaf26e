// Small experiments first ([pruner] resource = "data_fraction") end to end: the real
// `greentune tune` runs a real program (a shell script, trial protocol) once per stage on
// growing shares of the data, a real SQLite file keeps what happened, and ASHA stops the
// trials that are not among the best at a stage.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "greentune/storage.hpp"
#include "testing/test_helpers.hpp"

namespace greentune {
namespace {

using testing::CommandResult;
using testing::greentune_binary;
using testing::run_command;

// The trial program: loss = x + (1 - data_fraction), reported after one epoch (worse) and
// as the final value.  It logs what it received (the argument, GREENTUNE_PARAM_...,
// GREENTUNE_PARAMS) and whether its checkpoint directory held an earlier fit.  In a file:
// commands substitute {name}.
constexpr const char* kProgram = R"SH(
x="$1"; f="$2"; log="$3"
fit="$GREENTUNE_CHECKPOINT_DIR/fit"
if [ -e "$fit" ]; then echo "resumed|$GREENTUNE_TRIAL|$(cat "$fit")" >> "$log"; fi
echo "ran|$GREENTUNE_TRIAL|$f|$GREENTUNE_PARAM_DATA_FRACTION|$GREENTUNE_PARAMS" >> "$log"
echo "$f" > "$fit"
v=$(awk -v x="$x" -v f="$f" 'BEGIN { printf "%.17g", x + (1 - f) }')
e=$(awk -v v="$v" 'BEGIN { printf "%.17g", v + 0.5 }')
echo "{\"step\": 1, \"metrics\": {\"loss\": $e}}" >> "$GREENTUNE_REPORT_FILE"
echo "{\"final\": {\"loss\": $v}}" >> "$GREENTUNE_REPORT_FILE"
)SH";

constexpr const char* kStudy = R"([study]
name = "small"
direction = "minimize"
metric = "loss"

[budget]
max_trials = 8

[search]
sampler = "random"
seed = 3

[search.space]
x = {{ type = "float", low = 0.0, high = 1.0 }}

[pruner]
kind = "asha"
resource = "data_fraction"

[trial]
command = ["/bin/sh", "{}", "{{x}}", "{{data_fraction}}", "{}"]
timeout = "30s"
grace = "1s"
)";

class SmallFirstE2eTest : public ::testing::Test {
 protected:
  std::string url() const { return "sqlite:///" + dir_.file("study.db"); }
  CommandResult gt(std::vector<std::string> args) {
    args.insert(args.begin(), greentune_binary());
    args.push_back("--storage");
    args.push_back(url());
    return run_command(args);
  }
  std::string write_study(const std::string& text) {
    testing::write_file(dir_.file("program.sh"), kProgram);
    std::string path = dir_.file("study.toml");
    testing::write_file(path, text);
    return path;
  }
  // The lines the program logged, split at '|'.
  std::vector<std::vector<std::string>> logged() {
    std::vector<std::vector<std::string>> lines;
    std::istringstream in(testing::read_file(dir_.file("ran.log")));
    for (std::string line; std::getline(in, line);) {
      std::vector<std::string> fields;
      std::istringstream parts(line);
      for (std::string field; std::getline(parts, field, '|');) fields.push_back(field);
      lines.push_back(fields);
    }
    return lines;
  }
  testing::TempDir dir_;
};

// ASHA by hand, one trial at a time (concurrency 1): at each rung a trial goes on only
// when its loss is at or below the max(0, floor(n / 3) - 1)-th smallest of the n losses
// recorded there.  Losses at one fraction differ by x only.  Returns how many stages each
// trial runs (4: it completes).
std::vector<size_t> stages_by_hand(const std::vector<double>& xs) {
  std::vector<std::vector<double>> at_rung(3);
  std::vector<size_t> stages;
  for (double x : xs) {
    size_t ran = 1;
    for (size_t rung = 0; rung < 3; ++rung, ++ran) {
      at_rung[rung].push_back(x);
      std::vector<double> sorted = at_rung[rung];
      std::sort(sorted.begin(), sorted.end());
      auto index = static_cast<size_t>(
          std::max<int64_t>(0, static_cast<int64_t>(sorted.size()) / 3 - 1));
      if (x > sorted[index]) break;
    }
    stages.push_back(ran);
  }
  return stages;
}

TEST_F(SmallFirstE2eTest, TrialsRunInStagesAndAshaStopsTheWorstEarly) {
  std::string file = write_study(
      fmt::format(kStudy, dir_.file("program.sh"), dir_.file("ran.log")));
  auto tune = gt({"tune", file, "--json", "--runs-dir", dir_.file("runs")});
  ASSERT_EQ(tune.exit_code, 0) << tune.err;
  auto listed = gt({"trials", "--study", "small", "--json"});
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  const nlohmann::json trials = nlohmann::json::parse(listed.out)["trials"];
  ASSERT_EQ(trials.size(), 8U);

  std::vector<double> xs;
  for (const auto& t : trials) {
    // The stored params are the sampled ones: data_fraction is not one of them.
    EXPECT_EQ(t["params"].size(), 1U) << t.dump();
    xs.push_back(t["params"]["x"].get<double>());
  }
  const std::vector<size_t> expected_stages = stages_by_hand(xs);
  ASSERT_GT(std::count(expected_stages.begin(), expected_stages.end(), 4U), 1)
      << "the seed should let some trials complete";
  ASSERT_GT(std::count_if(expected_stages.begin(), expected_stages.end(),
                          [](size_t n) { return n < 4; }),
            1)
      << "the seed should let ASHA prune some trials";

  // What each trial received, stage by stage, the same three ways; never a checkpoint
  // of an earlier stage (each stage is a new fit).
  const std::vector<std::string> ladder = {"0.037037037037037035", "0.1111111111111111",
                                           "0.3333333333333333", "1"};
  std::map<int64_t, std::vector<std::string>> received;
  for (const auto& fields : logged()) {
    ASSERT_NE(fields[0], "resumed") << fmt::format("{}", fmt::join(fields, "|"));
    ASSERT_EQ(fields.size(), 5U);
    EXPECT_EQ(fields[2], fields[3]);  // {data_fraction} and GREENTUNE_PARAM_DATA_FRACTION
    auto params = nlohmann::json::parse(fields[4]);
    EXPECT_DOUBLE_EQ(params["data_fraction"].get<double>(), std::stod(fields[2]));
    received[std::stoll(fields[1])].push_back(fields[2]);
  }
  for (size_t i = 0; i < trials.size(); ++i) {
    const auto& t = trials[i];
    const size_t n = expected_stages[i];
    EXPECT_EQ(received[static_cast<int64_t>(i)],
              std::vector<std::string>(ladder.begin(), ladder.begin() + static_cast<long>(n)))
        << "trial " << i;
    const double fraction = n == 4 ? 1.0 : std::stod(ladder[n - 1]);
    EXPECT_EQ(t["state"], n == 4 ? "complete" : "pruned") << t.dump();
    EXPECT_NEAR(t["value"].get<double>(), xs[i] + (1.0 - fraction), 1e-12) << t.dump();
    // Its intermediate values: one per stage, at the stage's units of 27.
    std::vector<int64_t> steps;
    for (const auto& v : t["intermediate"]["loss"]) steps.push_back(v[0].get<int64_t>());
    const std::vector<int64_t> units = {1, 3, 9, 27};
    EXPECT_EQ(steps, std::vector<int64_t>(units.begin(), units.begin() + static_cast<long>(n)))
        << t.dump();
    // Each stage's own files, the fit of each kept.
    for (size_t k = 0; k < n; ++k) {
      std::string stage = fmt::format("stage-{}", units[k]);
      EXPECT_TRUE(t["files"].contains(stage + "/stdout")) << t["files"].dump();
      EXPECT_EQ(testing::read_file(dir_.file(fmt::format("runs/small/trial-{}/{}/checkpoint/fit",
                                                         i, stage))),
                ladder[k] + "\n");
    }
    if (n < 4) {
      const std::string why =
          fmt::format("pruned: pruner:asha: after {}/27 of the data: loss", units[n - 1]);
      EXPECT_NE(t["stop_reason"].get<std::string>().find(why),
                std::string::npos)
          << t.dump();
    }
  }

  // The study's best is a value on all the data.
  auto report = gt({"report", "--study", "small", "--json"});
  ASSERT_EQ(report.exit_code, 0) << report.err;
  auto summary = nlohmann::json::parse(report.out);
  const double best_x = *std::min_element(xs.begin(), xs.end());
  EXPECT_DOUBLE_EQ(summary["best"]["value"].get<double>(), best_x) << summary.dump();
  EXPECT_EQ(summary["saved"]["by_source"]["pruner:asha"]["trials"],
            std::count_if(expected_stages.begin(), expected_stages.end(),
                          [](size_t n) { return n < 4; }))
      << summary.dump();
  // What a stopped trial had left is counted in units of data, not in [trial] max_steps.
  const std::string method = summary["saved"]["method"].get<std::string>();
  EXPECT_NE(method.find("x the units of data it had left of 27"), std::string::npos) << method;

  // A "stage" event at the end of each stage, with what came of it.
  auto storage = open_storage(url());
  ASSERT_TRUE(storage) << storage.error().message;
  auto study = (*storage)->find_study("small");
  ASSERT_TRUE(study && study->has_value());
  auto events = (*storage)->events((*study)->id);
  ASSERT_TRUE(events);
  std::map<std::string, int> decisions;
  size_t stage_events = 0;
  for (const Event& e : *events) {
    if (e.kind != "stage") continue;
    ++stage_events;
    decisions[e.data["decision"].get<std::string>()] += 1;
    EXPECT_TRUE(e.data.contains("data_fraction") && e.data.contains("units") &&
                e.data.contains("value"))
        << e.data.dump();
  }
  size_t runs = 0;
  for (size_t n : expected_stages) runs += n;
  EXPECT_EQ(stage_events, runs);
  const auto complete = std::count(expected_stages.begin(), expected_stages.end(), 4U);
  EXPECT_EQ(decisions["final"], complete);
  EXPECT_EQ(decisions["prune"], static_cast<int>(trials.size()) - complete);
  // Only the stages' values were judged: the pruner never ran on a stage's own epochs.
  EXPECT_EQ(decisions.count("stopped"), 0U);

  // Outside loops cannot drive the stages: ask says so.
  auto ask = gt({"ask", "--study", "small"});
  EXPECT_EQ(ask.exit_code, 2);
  EXPECT_NE(ask.err.find("runs each trial in stages over data fractions"), std::string::npos)
      << ask.err;
}

TEST_F(SmallFirstE2eTest, TheDataFractionPlaceholderNeedsTheResource) {
  std::string text = fmt::format(kStudy, dir_.file("program.sh"), dir_.file("ran.log"));
  const std::string pruner = "[pruner]\nkind = \"asha\"\nresource = \"data_fraction\"\n";
  text.replace(text.find(pruner), pruner.size(), "");
  auto tune = gt({"tune", write_study(text), "--runs-dir", dir_.file("runs")});
  EXPECT_EQ(tune.exit_code, 2);
  EXPECT_NE(tune.err.find("[trial] command: \"{data_fraction}\" in \"{data_fraction}\" is not a "
                          "parameter of the search space (trials get it with [pruner] resource "
                          "= \"data_fraction\")"),
            std::string::npos)
      << tune.err;
  EXPECT_FALSE(std::filesystem::exists(dir_.file("study.db")));
}

}  // namespace
}  // namespace greentune
