// trials --csv's rows, and what the CSV exports share (quoting, a trial's joules and CO2e,
// the emissions.csv header).
#include "report/trials_csv.hpp"

#include <gtest/gtest.h>

#include <sstream>

#include "report/emissions_csv.hpp"

namespace greentune {
namespace {

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

StudyRecord record() {
  StudyRecord r;
  r.name = "s";
  // Space order, not alphabetical: lr before batch.
  r.space = nlohmann::ordered_json::parse(
      R"({"lr": {"type": "float", "low": 0.001, "high": 0.1, "log": true},
          "batch": {"type": "categorical", "choices": ["a,b", "say \"hi\"", "two\nlines"]}})");
  return r;
}

Trial trial(int64_t id, int64_t number, TrialState state) {
  Trial t;
  t.id = id;
  t.number = number;
  t.state = state;
  return t;
}

TEST(CsvField, QuotesOnlyWhatNeedsIt) {
  EXPECT_EQ(csv_field("plain"), "plain");
  EXPECT_EQ(csv_field(""), "");
  EXPECT_EQ(csv_field("a,b"), "\"a,b\"");
  EXPECT_EQ(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(csv_field("two\nlines"), "\"two\nlines\"");
  EXPECT_EQ(csv_field("cr\r"), "\"cr\r\"");
}

TEST(TrialsCsv, HeaderHasTheSpaceInOrderAfterTheFixedColumns) {
  EXPECT_EQ(trials_csv_header(record()),
            "number,state,value,param_lr,param_batch,cpu_j,dram_j,gpu_j,energy_sources,kwh,"
            "co2e_g,duration_s,started,finished,stop_reason");
}

TEST(TrialsCsv, OneRowPerTrialWithEnergyCarbonTimesAndReasons) {
  std::vector<Trial> trials;
  Trial done = trial(10, 0, TrialState::kComplete);
  done.value = 0.25;
  done.params = {{"lr", 0.01}, {"batch", std::string("a,b")}};
  done.started = 1700000000.0;
  done.finished = 1700000010.5;
  trials.push_back(done);
  Trial failed = trial(11, 1, TrialState::kFailed);
  failed.params = {{"lr", 0.1}, {"batch", std::string("say \"hi\"")}};
  failed.started = 1700000011.0;
  failed.finished = 1700000012.0;
  trials.push_back(failed);
  Trial running = trial(12, 2, TrialState::kRunning);
  running.params = {{"lr", 0.001}, {"batch", std::string("two\nlines")}};
  running.started = 1700000020.0;
  trials.push_back(running);
  Trial waiting = trial(13, 3, TrialState::kWaiting);
  waiting.params = {{"lr", 0.05}};
  trials.push_back(waiting);

  std::map<int64_t, std::vector<EnergyRecord>> energy = {
      {10, {{"cpu", 3600.0, "rapl"}, {"dram", 360.0, "rapl"}, {"gpu", 36000.0, "nvml"}}},
      {11, {{"cpu", 7.5, "model"}}}};
  std::map<int64_t, std::string> reasons = {{11, "exited with status 3, stderr: \"boom\""}};
  auto carbon = CarbonIntensity::constant(100.0, 1.0, "test");
  std::string csv = trials_csv(record(), trials, energy, reasons, carbon, 1700000030.0);
  auto lines = lines_of(csv);
  ASSERT_EQ(lines.size(), 6u);  // header, 4 trials, one of them on two lines (quoted)
  EXPECT_EQ(lines[0], trials_csv_header(record()));
  // 39960 J = 0.0111 kWh; x 100 g/kWh = 1.11 g.
  EXPECT_EQ(lines[1],
            "0,complete,0.25,0.01,\"a,b\",3600,360,36000,cpu:rapl;dram:rapl;gpu:nvml,0.0111,"
            "1.11,10.5,2023-11-14T22:13:20.000Z,2023-11-14T22:13:30.500Z,");
  EXPECT_EQ(lines[2],
            "1,failed,,0.1,\"say \"\"hi\"\"\",7.5,0,0,cpu:model,2.0833333333333334e-06,"
            "0.00020833333333333335,1,2023-11-14T22:13:31.000Z,2023-11-14T22:13:32.000Z,"
            "\"exited with status 3, stderr: \"\"boom\"\"\"");
  // Running: no energy stored yet, its duration runs to `now`.
  EXPECT_EQ(lines[3], "2,running,,0.001,\"two");
  EXPECT_EQ(lines[4], "lines\",0,0,0,,0,0,10,2023-11-14T22:13:40.000Z,,");
  // Waiting: never ran, nothing spent, a param it lacks is empty.
  EXPECT_EQ(lines[5], "3,waiting,,0.05,,,,,,,,,,,");
  EXPECT_EQ(csv.back(), '\n');
  // Without [carbon], co2e_g is empty.
  auto plain = lines_of(trials_csv(record(), trials, energy, reasons, std::nullopt, 0.0));
  EXPECT_EQ(plain[1],
            "0,complete,0.25,0.01,\"a,b\",3600,360,36000,cpu:rapl;dram:rapl;gpu:nvml,0.0111,,"
            "10.5,2023-11-14T22:13:20.000Z,2023-11-14T22:13:30.500Z,");
}

TEST(CsvShared, TrialJoulesAndCo2e) {
  TrialJoules j = trial_joules({{"gpu", 2.0, "nvml"}, {"cpu", 1.0, "model"}, {"cpu", 0.5, "rapl"}});
  EXPECT_EQ(j.cpu, 1.5);
  EXPECT_EQ(j.gpu, 2.0);
  EXPECT_EQ(j.total(), 3.5);
  EXPECT_EQ(j.sources, (std::set<std::string>{"cpu:model", "cpu:rapl", "gpu:nvml"}));
  Trial t = trial(1, 0, TrialState::kWaiting);
  auto carbon = CarbonIntensity::constant(360.0, 1.5, "test");
  EXPECT_FALSE(trial_co2e_g(carbon, t, 3.6e6, 0.0));  // never started
  t.started = 100.0;
  EXPECT_NEAR(*trial_co2e_g(carbon, t, 3.6e6, 200.0), 540.0, 1e-9);  // 1 kWh x 360 x 1.5
  EXPECT_FALSE(trial_co2e_g(std::nullopt, t, 3.6e6, 200.0));
}

TEST(EmissionsCsv, HeaderIsCodeCarbon242sThenGreentunes) {
  EXPECT_EQ(kCodeCarbonVersion, "2.4.2");
  EXPECT_EQ(emissions_csv_header(),
            "timestamp,project_name,run_id,duration,emissions,emissions_rate,cpu_power,gpu_power,"
            "ram_power,cpu_energy,gpu_energy,ram_energy,energy_consumed,country_name,"
            "country_iso_code,region,cloud_provider,cloud_region,os,python_version,"
            "codecarbon_version,cpu_count,cpu_model,gpu_count,gpu_model,longitude,latitude,"
            "ram_total_size,tracking_mode,on_cloud,pue,trial,state,value,energy_sources");
}

}  // namespace
}  // namespace greentune
