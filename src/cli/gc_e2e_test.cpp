// greentune gc and [retention], and the CSV exports (trials --csv), end to end: the real
// binary, trial programs that leave real checkpoint files, a real SQLite file.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>

#include "greentune/storage.hpp"
#include "testing/test_helpers.hpp"

namespace greentune {
namespace {

namespace fs = std::filesystem;
using testing::CommandResult;

// A trial program: value = x; a checkpoint of 1000 bytes and a model of 500 beside it.
constexpr const char* kTrialProgram = R"sh(echo "training x=$GREENTUNE_PARAM_X"
head -c 1000 /dev/zero > "$GREENTUNE_CHECKPOINT_DIR/state"
head -c 500 /dev/zero > "$GREENTUNE_CHECKPOINT_DIR/model.bin"
echo "{\"final\": {\"value\": $GREENTUNE_PARAM_X}}" >> "$GREENTUNE_REPORT_FILE"
)sh";

class GcE2eTest : public ::testing::Test {
 protected:
  std::string url() const { return "sqlite:///" + dir_.file("study.db"); }
  std::string runs() const { return dir_.file("runs"); }
  CommandResult gt(std::vector<std::string> args) {
    args.insert(args.begin(), testing::greentune_binary());
    args.push_back("--storage");
    args.push_back(url());
    return testing::run_command(args);
  }
  CommandResult tune(const std::string& file) {
    return gt({"tune", file, "--quiet", "--runs-dir", runs()});
  }
  // A study of `trials` program trials minimizing x, with `tail` appended.
  std::string study_file(const std::string& name, int trials, const std::string& tail = "") {
    std::string program = dir_.file("trial.sh");
    testing::write_file(program, kTrialProgram);
    std::string path = dir_.file(name + ".toml");
    testing::write_file(path, fmt::format(R"([study]
name = "{}"
direction = "minimize"

[budget]
max_trials = {}

[search]
sampler = "random"
seed = 5

[search.space]
x = {{ type = "float", low = 0.0, high = 1.0 }}

[trial]
command = ["/bin/sh", "{}"]
{})",
                                          name, trials, program, tail));
    return path;
  }
  std::string trial_dir(const std::string& study, int64_t n) const {
    return fmt::format("{}/{}/trial-{}", runs(), study, n);
  }
  // Trial numbers by value, best (lowest) first.
  std::vector<int64_t> by_value(const std::string& study) {
    auto r = gt({"trials", "--study", study, "--json"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    std::vector<std::pair<double, int64_t>> values;
    const nlohmann::json listed = nlohmann::json::parse(r.out);
    for (const auto& t : listed["trials"]) {
      if (t["state"] == "complete") {
        values.emplace_back(t["value"].get<double>(), t["number"].get<int64_t>());
      }
    }
    std::sort(values.begin(), values.end());
    std::vector<int64_t> out;
    for (const auto& [v, n] : values) out.push_back(n);
    return out;
  }
  std::vector<Event> gc_events(const std::string& study) {
    auto storage = open_storage(url());
    EXPECT_TRUE(storage) << storage.error().message;
    auto record = (*storage)->find_study(study);
    EXPECT_TRUE(record && *record);
    auto events = (*storage)->events((*record)->id);
    EXPECT_TRUE(events);
    std::vector<Event> out;
    for (const auto& e : *events) {
      if (e.kind == "gc") out.push_back(e);
    }
    return out;
  }
  testing::TempDir dir_;
};

TEST_F(GcE2eTest, GcDeletesWhatTheDryRunListsKeepingTheBestAndTheRunning) {
  ASSERT_EQ(tune(study_file("g", 4)).exit_code, 0);
  // Trial 4 is handed out by ask and left running, with files of its own.
  auto asked = gt({"ask", "--study", "g"});
  ASSERT_EQ(asked.exit_code, 0) << asked.err;
  ASSERT_EQ(nlohmann::json::parse(asked.out)["trial"], 4);
  {
    auto storage = open_storage(url());
    ASSERT_TRUE(storage);
    auto record = (*storage)->find_study("g");
    ASSERT_TRUE(record && *record);
    auto running = (*storage)->trial((*record)->id, 4);
    ASSERT_TRUE(running && *running);
    fs::create_directories(trial_dir("g", 4) + "/checkpoint");
    testing::write_file(trial_dir("g", 4) + "/checkpoint/state", "half way");
    Artifact a;
    a.trial_id = (*running)->id;
    a.name = "checkpoint";
    a.path = trial_dir("g", 4) + "/checkpoint";
    a.created = *(*running)->started;
    ASSERT_TRUE((*storage)->add_artifact(a));
  }
  const std::vector<int64_t> ranked = by_value("g");
  ASSERT_EQ(ranked.size(), 4u);
  const int64_t best = ranked[0];

  auto text = gt({"gc", "--study", "g", "--dry-run"});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  for (int64_t n : {ranked[1], ranked[2], ranked[3]}) {
    EXPECT_NE(text.out.find(fmt::format("would delete  trial {}  checkpoint  {}/checkpoint  "
                                        "(1.5 KiB): not among the best 1\n",
                                        n, trial_dir("g", n))),
              std::string::npos)
        << text.out;
  }
  EXPECT_NE(text.out.find("would free 4.4 KiB in 3 paths\n"), std::string::npos) << text.out;

  auto dry = gt({"gc", "--study", "g", "--dry-run", "--json"});
  ASSERT_EQ(dry.exit_code, 0) << dry.err;
  auto planned = nlohmann::json::parse(dry.out);
  EXPECT_EQ(planned["dry_run"], true);
  EXPECT_EQ(planned["bytes"], 4500);
  ASSERT_EQ(planned["deleted"].size(), 3u);
  for (const auto& d : planned["deleted"]) EXPECT_TRUE(fs::exists(d["path"].get<std::string>()));
  EXPECT_TRUE(gc_events("g").empty());  // a dry run records nothing

  auto real = gt({"gc", "--study", "g", "--json"});
  ASSERT_EQ(real.exit_code, 0) << real.err;
  auto done = nlohmann::json::parse(real.out);
  EXPECT_EQ(done["dry_run"], false);
  EXPECT_EQ(done["deleted"], planned["deleted"]);
  EXPECT_EQ(done["bytes"], 4500);
  std::set<int64_t> cleaned;
  for (const auto& d : done["deleted"]) {
    EXPECT_EQ(d["name"], "checkpoint");
    EXPECT_EQ(d["why"], "not among the best 1");
    EXPECT_EQ(d["bytes"], 1500);
    EXPECT_FALSE(fs::exists(d["path"].get<std::string>()));
    cleaned.insert(d["trial"].get<int64_t>());
  }
  EXPECT_EQ(cleaned, (std::set<int64_t>{ranked[1], ranked[2], ranked[3]}));
  EXPECT_EQ(testing::read_file(trial_dir("g", best) + "/checkpoint/state").size(), 1000u);
  EXPECT_EQ(testing::read_file(trial_dir("g", 4) + "/checkpoint/state"), "half way");
  for (int64_t n : ranked) {  // no --logs-ttl: every log stays
    EXPECT_TRUE(fs::exists(trial_dir("g", n) + "/stdout.log")) << n;
    EXPECT_TRUE(fs::exists(trial_dir("g", n) + "/report.jsonl")) << n;
  }

  auto events = gc_events("g");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].data["bytes"], 4500);
  EXPECT_EQ(events[0].data["keep_best"], 1);
  EXPECT_TRUE(events[0].data["logs_ttl_s"].is_null());
  EXPECT_EQ(events[0].data["deleted"].size(), 3u);

  auto again = gt({"gc", "--study", "g", "--json"});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  auto second = nlohmann::json::parse(again.out);
  EXPECT_TRUE(second["deleted"].empty());
  EXPECT_EQ(second["bytes"], 0);
  EXPECT_EQ(gc_events("g").size(), 2u);

  // Logs go with --logs-ttl (0s: at once); keep-best 0 takes the best's checkpoint too.
  auto logs = gt({"gc", "--study", "g", "--keep-best", "0", "--logs-ttl", "0s", "--json"});
  ASSERT_EQ(logs.exit_code, 0) << logs.err;
  EXPECT_FALSE(fs::exists(trial_dir("g", best) + "/checkpoint"));
  EXPECT_FALSE(fs::exists(trial_dir("g", ranked[1]) + "/stdout.log"));
  EXPECT_TRUE(fs::exists(trial_dir("g", 4) + "/checkpoint/state"));  // still running
}

TEST_F(GcE2eTest, RetentionSectionIsAppliedWhenTheStudyEnds) {
  auto r = tune(study_file("kept", 5, "\n[retention]\nkeep_best = 2\nlogs_ttl = \"0s\"\n"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // 3 trials' checkpoints (1500 bytes each) and logs (stdout, stderr, report).
  EXPECT_NE(r.err.find("retention: freed 4.6 KiB in 12 paths\n"), std::string::npos) << r.err;
  const std::vector<int64_t> ranked = by_value("kept");
  ASSERT_EQ(ranked.size(), 5u);
  for (size_t i = 0; i < ranked.size(); ++i) {
    const std::string dir = trial_dir("kept", ranked[i]);
    const bool kept = i < 2;
    EXPECT_EQ(fs::exists(dir + "/checkpoint/model.bin"), kept) << dir;
    EXPECT_EQ(fs::exists(dir + "/stdout.log"), kept) << dir;
    EXPECT_EQ(fs::exists(dir + "/report.jsonl"), kept) << dir;
  }
  auto events = gc_events("kept");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].data["keep_best"], 2);
  EXPECT_EQ(events[0].data["logs_ttl_s"], 0.0);
  // gc afterwards follows the study's [retention] and finds nothing left to delete.
  auto dry = gt({"gc", "--study", "kept", "--dry-run", "--json"});
  ASSERT_EQ(dry.exit_code, 0) << dry.err;
  EXPECT_TRUE(nlohmann::json::parse(dry.out)["deleted"].empty()) << dry.out;
  // Without [retention], tune deletes nothing.
  ASSERT_EQ(tune(study_file("plain", 3)).exit_code, 0);
  for (int64_t n = 0; n < 3; ++n)
    EXPECT_TRUE(fs::exists(trial_dir("plain", n) + "/checkpoint/state"));
  EXPECT_TRUE(gc_events("plain").empty());
}

TEST_F(GcE2eTest, BadInputExitsTwoAndNamesWhatIsAccepted) {
  ASSERT_EQ(tune(study_file("g", 1)).exit_code, 0);
  auto unknown = gt({"gc", "--study", "nope"});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.err.find("no study named \"nope\""), std::string::npos) << unknown.err;
  auto ttl = gt({"gc", "--study", "g", "--logs-ttl", "30 days"});
  EXPECT_EQ(ttl.exit_code, 2);
  EXPECT_NE(ttl.err.find("--logs-ttl: \"30 days\" is not a duration; accepted: \"90s\""),
            std::string::npos)
      << ttl.err;
  auto negative = gt({"gc", "--study", "g", "--keep-best", "-1"});
  EXPECT_EQ(negative.exit_code, 2);
  EXPECT_NE(negative.err.find("--keep-best: -1 is out of range; accepted: an integer >= 0"),
            std::string::npos)
      << negative.err;
  EXPECT_TRUE(gc_events("g").empty());
  // A bad [retention] refuses the study file before anything is written.
  auto file = study_file("bad", 1, "\n[retention]\nkeep_bets = 2\n");
  auto bad = tune(file);
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find(file + ":19:1: [retention] keep_bets: unknown key; did you mean "
                                "\"keep_best\"?"),
            std::string::npos)
      << bad.err;
  file = study_file("bad", 1, "\n[retention]\nlogs_ttl = \"a month\"\n");
  bad = tune(file);
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find(file + ":19:12: [retention] logs_ttl: \"a month\" is not a duration"),
            std::string::npos)
      << bad.err;
  EXPECT_EQ(gt({"trials", "--study", "bad"}).exit_code, 2);  // never created
}

// trials --csv, read back by Python's csv module (an independent RFC 4180 reader).
TEST_F(GcE2eTest, TrialsCsvHasARowPerTrialThatPythonReadsBack) {
  std::string program = dir_.file("modes.sh");
  testing::write_file(program, R"sh(if [ "$GREENTUNE_PARAM_MODE" = "ok" ]; then
  echo "{\"final\": {\"value\": $GREENTUNE_PARAM_N}}" >> "$GREENTUNE_REPORT_FILE"
else
  echo 'boom, "badly"' >&2
  exit 3
fi
)sh");
  std::string file = dir_.file("modes.toml");
  testing::write_file(file, fmt::format(R"([study]
name = "modes"
direction = "minimize"
[search]
sampler = "grid"
seed = 1
[search.space]
mode = {{ type = "categorical", choices = ["ok", "fail, \"hard\""] }}
n = {{ type = "int", low = 1, high = 2 }}
[trial]
command = ["/bin/sh", "{}"]
[carbon]
intensity = 100
pue = 1.0
)",
                                        program));
  ASSERT_EQ(tune(file).exit_code, 0);
  std::string csv = dir_.file("trials.csv");
  auto r = gt({"trials", "--study", "modes", "--csv", csv});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("wrote " + csv + " (4 rows)"), std::string::npos) << r.err;
  auto read = testing::run_command(
      {"python3", "-c",
       "import csv, json, sys; print(json.dumps(list(csv.reader(open(sys.argv[1], newline='')))))",
       csv});
  ASSERT_EQ(read.exit_code, 0) << read.err;
  auto rows = nlohmann::json::parse(read.out);
  ASSERT_EQ(rows.size(), 5u);
  const std::vector<std::string> header = {"number",         "state",    "value",      "param_mode",
                                           "param_n",        "cpu_j",    "dram_j",     "gpu_j",
                                           "energy_sources", "kwh",      "co2e_g",     "duration_s",
                                           "started",        "finished", "stop_reason"};
  EXPECT_EQ(rows[0].get<std::vector<std::string>>(), header);
  int failed = 0;
  for (size_t i = 1; i < rows.size(); ++i) {
    auto row = rows[i].get<std::vector<std::string>>();
    ASSERT_EQ(row.size(), header.size());
    EXPECT_EQ(row[0], std::to_string(i - 1));
    if (row[3] == "ok") {
      EXPECT_EQ(row[1], "complete");
      EXPECT_EQ(row[2], row[4]);  // value = n
      EXPECT_EQ(row[14], "");
    } else {
      EXPECT_EQ(row[3], "fail, \"hard\"");  // quoted in the file, read back as it was
      EXPECT_EQ(row[1], "failed");
      EXPECT_EQ(row[2], "");
      EXPECT_FALSE(row[14].empty());
      ++failed;
    }
    EXPECT_GT(std::stod(row[9]), 0.0);  // kwh
    EXPECT_NEAR(std::stod(row[10]), std::stod(row[9]) * 100.0, 1e-9 + 1e-6 * std::stod(row[10]));
    EXPECT_NE(row[8].find("cpu:"), std::string::npos) << row[8];
    EXPECT_EQ(row[12].size(), 24u) << row[12];  // 2026-01-02T03:04:05.678Z
    EXPECT_EQ(row[13].back(), 'Z');
  }
  EXPECT_EQ(failed, 2);
  // A path no file can go to is a usage error, as for report --html, found before the
  // study is read.
  auto bad = gt({"trials", "--study", "modes", "--csv", dir_.file("no/such/dir/t.csv")});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("--csv: cannot write"), std::string::npos) << bad.err;
  EXPECT_NE(bad.err.find("no folder"), std::string::npos) << bad.err;
  auto folder = gt({"report", "--study", "modes", "--emissions-csv", dir_.path().string()});
  EXPECT_EQ(folder.exit_code, 2);
  EXPECT_NE(folder.err.find("--emissions-csv: "), std::string::npos) << folder.err;
  EXPECT_NE(folder.err.find("is a directory"), std::string::npos) << folder.err;
}

}  // namespace
}  // namespace greentune
