// The energy issue's command-line parts, end to end on the real binary and a real SQLite
// file: carbon-aware start, the per-trial energy budget, CodeCarbon-style emissions CSV.
#include <chrono>
#include <ctime>
#include <regex>
#include <sstream>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "testing/test_helpers.hpp"

namespace greentune {
namespace {

using testing::CommandResult;

class EnergyCliTest : public ::testing::Test {
 protected:
  std::string db() const { return dir_.file("study.db"); }
  CommandResult gt(std::vector<std::string> args) {
    args.insert(args.begin(), testing::greentune_binary());
    args.push_back("--storage");
    args.push_back("sqlite:///" + db());
    return testing::run_command(args);
  }
  std::string write(const std::string& name, const std::string& text) {
    std::string path = dir_.file(name);
    testing::write_file(path, text);
    return path;
  }
  testing::TempDir dir_;
};

std::string branin_study(const std::string& name, int max_trials, const std::string& carbon) {
  return fmt::format(R"([study]
name = "{}"
direction = "minimize"

[budget]
max_trials = {}

[search]
sampler = "qmc"
seed = 3

[search.space]
x1 = {{ type = "float", low = -5.0, high = 10.0 }}
x2 = {{ type = "float", low = 0.0, high = 15.0 }}

[trial]
trainer = "function:branin"

[energy]
rapl = false
cpu_tdp_w = 100

{}
)",
                     name, max_trials, carbon);
}

double unix_now() { return static_cast<double>(std::time(nullptr)); }

std::vector<std::string> split(const std::string& line, char sep) {
  std::vector<std::string> out;
  std::stringstream in(line);
  for (std::string cell; std::getline(in, cell, sep);) out.push_back(cell);
  if (!line.empty() && line.back() == sep) out.emplace_back();
  return out;
}

TEST_F(EnergyCliTest, StartBelowWaitsForTheForecastAndSaysWhen) {
  double now = unix_now();
  const std::string step = fmt::format("{:.0f}", now + 3);
  write("grid.csv", fmt::format("timestamp,gco2e_per_kwh\n{:.0f},450\n{},120\n", now - 3600, step));
  auto file = write("s.toml", branin_study("wait", 2, "[carbon]\nintensity_file = \"grid.csv\""));
  auto t0 = std::chrono::steady_clock::now();
  auto r = gt({"tune", file, "--start-below", "200", "--max-wait", "1m"});
  double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // The step's time in UTC, as people read it.
  auto step_t = static_cast<std::time_t>(std::stoll(step));
  std::tm tm{};
  ::gmtime_r(&step_t, &tm);
  char when[32];
  std::strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S UTC", &tm);
  EXPECT_NE(r.err.find(fmt::format("450 gCO2e/kWh now; the forecast falls below 200 at {} (in",
                                   when)),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("waiting until then"), std::string::npos) << r.err;
  EXPECT_GE(took, 1.5);  // it waited for the step (3 s ahead, minus the second it started in)
  EXPECT_LT(took, 30.0);
}

TEST_F(EnergyCliTest, StartBelowStartsAtOnceWhenAlreadyBelow) {
  auto file = write("s.toml", branin_study("now", 1, "[carbon]\nregion = \"aws:eu-north-1\""));
  auto r = gt({"tune", file, "--start-below", "200"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("below 200: starting"), std::string::npos) << r.err;
}

TEST_F(EnergyCliTest, StartBelowWaitsNoLongerThanMaxWait) {
  double now = unix_now();
  write("grid.csv", fmt::format("{:.0f},450\n{:.0f},100\n", now - 60, now + 7200));
  auto file = write("s.toml", branin_study("bounded", 1, "[carbon]\nintensity_file = \"grid.csv\""));
  auto t0 = std::chrono::steady_clock::now();
  auto r = gt({"tune", file, "--start-below", "200", "--max-wait", "2s"});
  double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("does not fall below 200 within --max-wait 2s"), std::string::npos) << r.err;
  EXPECT_LT(took, 20.0);
}

TEST_F(EnergyCliTest, StartBelowRefusesWhatCannotBeForecast) {
  auto constant = write("c.toml", branin_study("c", 1, "[carbon]\nintensity = 300"));
  auto r = gt({"tune", constant, "--start-below", "200"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("is a constant 300 gCO2e/kWh and will not fall below it"), std::string::npos)
      << r.err;
  auto none = write("n.toml", branin_study("n", 1, ""));
  r = gt({"tune", none, "--start-below", "200"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("has no [carbon] section"), std::string::npos) << r.err;
  r = gt({"tune", none, "--start-below", "200", "--max-wait", "soon"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--max-wait"), std::string::npos) << r.err;
  EXPECT_EQ(testing::file_bytes_or_empty(db()), "");  // nothing written
}

TEST_F(EnergyCliTest, TrialEnergyBudgetStopsABusyProgram) {
  // A program that would spin for a minute; 5e-6 kWh = 18 J at the modelled 100 W TDP
  // share of one core is well under a second of it.
  auto file = write("busy.toml", R"([study]
name = "busy"
direction = "minimize"

[budget]
max_trials = 1

[search.space]
x = { type = "float", low = 0.0, high = 1.0 }

[trial]
command = ["/bin/sh", "-c", "end=$(( $(date +%s) + 60 )); while [ $(date +%s) -lt $end ]; do :; done"]
monitor_interval = 0.1
grace = "1s"
max_energy_kwh = 5e-6

[energy]
rapl = false
cpu_tdp_w = 100
)");
  auto t0 = std::chrono::steady_clock::now();
  auto r = gt({"tune", file, "--runs-dir", dir_.file("runs")});
  double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_LT(took, 30.0);
  EXPECT_NE(r.err.find("stopped by budget:trial_energy"), std::string::npos) << r.err;
  auto trials = gt({"trials", "--study", "busy", "--json"});
  ASSERT_EQ(trials.exit_code, 0) << trials.err;
  auto j = nlohmann::json::parse(trials.out)["trials"];
  ASSERT_EQ(j.size(), 1u);
  EXPECT_EQ(j[0]["state"], "pruned");
  EXPECT_NE(j[0]["stop_reason"].get<std::string>().find("per-trial budget"), std::string::npos)
      << j[0].dump();
  auto report = gt({"report", "--study", "busy", "--json"});
  ASSERT_EQ(report.exit_code, 0) << report.err;
  double kwh = nlohmann::json::parse(report.out)["energy"]["kwh"].get<double>();
  EXPECT_GE(kwh, 5e-6);
  EXPECT_LT(kwh, 5e-6 * 4);  // stopped soon after the budget, not a minute later
}

// Every joule once, as a user sees it: the summary's accounting line and JSON, whose
// trials' part is the trials' energy, and the note on how CPU time is counted.
TEST_F(EnergyCliTest, SummaryAccountsForEveryJouleRead) {
  auto file = write("acc.toml", R"toml([study]
name = "acc"
direction = "minimize"

[budget]
max_trials = 3

[search.space]
x = { type = "float", low = 0.0, high = 1.0 }

[trial]
command = ["python3", "-c", "import json, os, time\nt = time.process_time()\nwhile time.process_time() - t < 0.3: pass\nopen(os.environ['GREENTUNE_REPORT_FILE'], 'a').write(json.dumps(dict(final=dict(value=1))) + chr(10))"]
monitor_interval = 0.1

[energy]
rapl = false
cpu_tdp_w = 100
)toml");
  auto r = gt({"tune", file, "--runs-dir", dir_.file("runs")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("energy: CPU time of each trial: "), std::string::npos) << r.err;
  EXPECT_NE(r.out.find("accounting "), std::string::npos) << r.out;
  auto report = gt({"report", "--study", "acc", "--json"});
  ASSERT_EQ(report.exit_code, 0) << report.err;
  auto energy = nlohmann::json::parse(report.out)["energy"];
  const auto& a = energy["accounting"];
  ASSERT_TRUE(a.is_object()) << energy.dump();
  EXPECT_EQ(a["runs"], 1);
  double machine = a["machine_j"].get<double>();
  double trials = a["trials_j"].get<double>();
  EXPECT_NEAR(trials + a["greentune_j"].get<double>() + a["other_j"].get<double>(), machine,
              1e-6 * machine);
  EXPECT_NEAR(trials, energy["kwh"].get<double>() * 3.6e6, 1e-6 * trials);
  EXPECT_GT(a["greentune_j"].get<double>(), 0.0);
  EXPECT_LT(a["greentune_j"].get<double>(), trials);
  // Each figure's grade: in the summary, the report's JSON and the trial listing.
  EXPECT_NE(r.out.find("grades     cpu model -60%..+190%"), std::string::npos) << r.out;
  EXPECT_EQ(energy["grades"]["cpu"]["source"], "model");
  EXPECT_FALSE(energy["grades"]["cpu"]["basis"].get<std::string>().empty());
  auto listing = gt({"trials", "--study", "acc", "--json"});
  ASSERT_EQ(listing.exit_code, 0) << listing.err;
  auto first = nlohmann::json::parse(listing.out)["trials"][0]["energy"];
  ASSERT_FALSE(first["by_component"].empty()) << first.dump();
  EXPECT_EQ(first["by_component"][0]["grade"]["source"], "model");
  EXPECT_GT(first["kwh"].get<double>(), 0.0);
  auto table = gt({"trials", "--study", "acc"});
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_NE(table.out.find("joules (source)"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("(model)"), std::string::npos) << table.out;
}

TEST_F(EnergyCliTest, EmissionsCsvHasCodeCarbonColumnsPerTrial) {
  auto file = write("s.toml", branin_study("csv", 4, "[carbon]\nregion = \"aws:eu-west-1\""));
  auto r = gt({"tune", file, "--quiet"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::string csv = dir_.file("emissions.csv");
  r = gt({"report", "--study", "csv", "--emissions-csv", csv, "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("wrote " + csv + " (4 rows"), std::string::npos) << r.err;
  auto summary = nlohmann::json::parse(r.out);
  std::stringstream in(testing::read_file(csv));
  std::string line;
  ASSERT_TRUE(std::getline(in, line));
  auto header = split(line, ',');
  auto col = [&](const std::string& name) {
    auto it = std::find(header.begin(), header.end(), name);
    EXPECT_NE(it, header.end()) << name;
    return static_cast<size_t>(it - header.begin());
  };
  for (const char* c : {"timestamp", "project_name", "run_id", "duration", "emissions",
                        "emissions_rate", "cpu_power", "gpu_power", "ram_power", "cpu_energy",
                        "gpu_energy", "ram_energy", "energy_consumed", "country_name",
                        "cloud_provider", "cloud_region", "pue"}) {
    col(c);
  }
  double kwh_sum = 0.0, kg_sum = 0.0;
  int rows = 0;
  while (std::getline(in, line)) {
    auto cells = split(line, ',');
    ASSERT_EQ(cells.size(), header.size()) << line;
    EXPECT_TRUE(std::regex_match(cells[col("timestamp")],
                                 std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)")))
        << cells[col("timestamp")];
    EXPECT_EQ(cells[col("project_name")], "csv");
    EXPECT_EQ(cells[col("run_id")], fmt::format("csv/trial-{}", rows));
    EXPECT_EQ(cells[col("cloud_provider")], "aws");
    EXPECT_EQ(cells[col("cloud_region")], "eu-west-1");
    EXPECT_EQ(cells[col("country_name")], "Ireland");
    double cpu = std::stod(cells[col("cpu_energy")]);
    double ram = std::stod(cells[col("ram_energy")]);
    double gpu = std::stod(cells[col("gpu_energy")]);
    double total = std::stod(cells[col("energy_consumed")]);
    EXPECT_NEAR(total, cpu + ram + gpu, 1e-12 + 1e-6 * total);
    kwh_sum += total;
    kg_sum += std::stod(cells[col("emissions")]);
    ++rows;
  }
  EXPECT_EQ(rows, 4);
  // The rows add up to the study's summary (kWh; kg vs g).
  EXPECT_NEAR(kwh_sum, summary["energy"]["kwh"].get<double>(), 1e-6 * kwh_sum + 1e-15);
  EXPECT_NEAR(kg_sum * 1000.0, summary["co2e_g"].get<double>(), 1e-5 * kg_sum * 1000.0 + 1e-12);
  EXPECT_GT(kwh_sum, 0.0);
}

// A folder that does not exist is a usage error (exit 2), as for every export; a write
// that fails in an existing folder is a runtime failure (exit 1).
TEST_F(EnergyCliTest, EmissionsCsvToAMissingFolderIsAUsageError) {
  auto file = write("s.toml", branin_study("csv2", 1, ""));
  ASSERT_EQ(gt({"tune", file, "--quiet"}).exit_code, 0);
  auto r = gt({"report", "--study", "csv2", "--emissions-csv", dir_.file("no/such/dir/e.csv")});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("cannot write"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace greentune

#include "greentune/storage.hpp"

namespace greentune {
namespace {

// Right-sizing advice is about the machine the trials ran on, as tune recorded it, not
// about the machine that prints the report.
TEST_F(EnergyCliTest, RightSizingUsesTheMachineTuneRecorded) {
  auto file = write("s.toml", R"([study]
name = "rs"
direction = "minimize"

[budget]
max_trials = 1

[search.space]
x = { type = "float", low = 0.0, high = 1.0 }

[trial]
command = ["/bin/sh", "trial.sh"]
monitor_interval = 0.1
)");
  // In a file: braces in the command itself would be taken for {param} placeholders.
  write("trial.sh", "sleep 0.3; echo '{\"final\": {\"value\": 1}}' >> \"$GREENTUNE_REPORT_FILE\"\n");
  ASSERT_EQ(gt({"tune", file, "--quiet", "--runs-dir", dir_.file("runs")}).exit_code, 0);
  auto report = gt({"report", "--study", "rs", "--json"});
  ASSERT_EQ(report.exit_code, 0) << report.err;
  auto here = nlohmann::json::parse(report.out)["right_sizing"]["cpu"]["cores"].get<int64_t>();
  EXPECT_GE(here, 1);
  {
    // As if the study had run on a 64-core machine: a later "machine" event wins.
    auto storage = open_storage("sqlite:///" + db());
    ASSERT_TRUE(storage) << storage.error().message;
    auto study = (*storage)->find_study("rs");
    ASSERT_TRUE(study && *study);
    Event e;
    e.study_id = (*study)->id;
    e.time = unix_now();
    e.kind = "machine";
    e.data = {{"host", "big"}, {"cpu_cores", 64}, {"memory_bytes", int64_t{1} << 38}};
    ASSERT_TRUE((*storage)->add_event(e));
  }
  report = gt({"report", "--study", "rs", "--json"});
  ASSERT_EQ(report.exit_code, 0) << report.err;
  auto sizing = nlohmann::json::parse(report.out)["right_sizing"];
  EXPECT_EQ(sizing["cpu"]["cores"], 64) << sizing.dump();
  EXPECT_EQ(sizing["memory"]["limit_bytes"], int64_t{1} << 38) << sizing.dump();
}

}  // namespace
}  // namespace greentune
