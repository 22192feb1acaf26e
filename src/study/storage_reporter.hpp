// What the orchestrator keeps of a running trial: the TrialReporter that sends its
// reports, samples, energy and artifacts to storage and to the trial's TrialWatch, and
// what each trial has spent, for the study's energy and CO2e budgets.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "greentune/clock.hpp"
#include "greentune/result.hpp"
#include "greentune/storage.hpp"
#include "greentune/study.hpp"
#include "greentune/trainer.hpp"
#include "greentune/watch.hpp"

namespace greentune::study_detail {

// Stores an event of the study (of one of its trials when `trial_id` is set) at `now`.
Status record_event(Storage& storage, int64_t study_id, std::optional<int64_t> trial_id,
                    double now, std::string kind, std::string level, std::string message,
                    nlohmann::json data = nlohmann::json::object());

// What a trial has spent so far, for the energy and CO2e budgets.
struct Spent {
  double joules = 0.0;
  double started = 0.0;
  std::optional<double> finished;
};
using SpentByTrial = std::map<int64_t, Spent>;

// Sends what a running trial reports, and what is observed of it, to storage, and keeps
// it in the trial's TrialWatch for its judge.  `on_report` runs the judge right after a
// report (an in-process trainer reports from inside Executor::start, so this is where
// its judge gets to act; should_stop() then tells the trainer).
class StorageReporter : public TrialReporter {
 public:
  // `store_steps` false: a stage of a staged trial, whose step reports stay in the watch
  // (the trial's intermediate values are its stages' values, at their units).
  StorageReporter(Study& study, const Trial& trial, Clock& clock,
                  const std::atomic<bool>* interrupted, SpentByTrial& spent, TrialWatch& watch,
                  std::function<Status()> on_report, bool store_steps);

  Status report(int64_t step, const std::map<std::string, double>& metrics) override;
  bool should_stop() override;
  std::optional<StopReason> stop_reason() override;
  // A judge decided to stop the trial.
  void judged_stop(StopReason reason);
  Status event(const std::string& kind, const std::string& level,
               const std::string& message) override;
  Status sample(const SystemSample& sample) override;
  Status artifact(const std::string& name, const std::string& path) override;
  // A trial run again after an interrupt keeps the energy of its earlier attempts (and a
  // stage, that of the trial's earlier stages): the executor reports this run's, which is
  // added to what was stored before it.
  Status load_earlier_energy();
  Status energy(const std::vector<EnergyRecord>& records) override;

 private:
  Study& study_;
  const Trial& trial_;
  Clock& clock_;
  const std::atomic<bool>* interrupted_;
  SpentByTrial& spent_;
  TrialWatch& watch_;
  std::function<Status()> on_report_;
  bool store_steps_;
  std::optional<StopReason> judged_stop_;
  std::map<std::string, EnergyRecord> earlier_;  // by component, from earlier attempts
};

}  // namespace greentune::study_detail
