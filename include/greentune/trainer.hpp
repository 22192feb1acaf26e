// Trainers: workloads greentune runs in process (built-in functions, and later the
// model ladder's trainers).  Programs run as separate processes go through the
// executor instead; both report intermediate values through a TrialReporter.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "greentune/data.hpp"
#include "greentune/result.hpp"
#include "greentune/space.hpp"
#include "greentune/trial.hpp"

namespace greentune {

struct SystemSample;  // storage.hpp
struct EnergyRecord;  // storage.hpp

// Why greentune stops a trial before it ends by itself.
enum class StopReason {
  kInterrupted,  // greentune itself was told to stop (Ctrl-C, SIGTERM): resumable
  kTimeout,      // [trial] timeout
  kPruned,       // a pruner decided it will not win
  kRule,         // a debugger rule fired
  kBudget,       // an energy / CO2e budget was reached
  kStudyDone,    // the study met a completion criterion while the trial ran
};
inline const char* to_string(StopReason r) {
  switch (r) {
    case StopReason::kInterrupted: return "interrupted";
    case StopReason::kTimeout: return "timeout";
    case StopReason::kPruned: return "pruned";
    case StopReason::kRule: return "rule";
    case StopReason::kBudget: return "budget";
    case StopReason::kStudyDone: return "study_done";
  }
  return "unknown";
}

// Where a running trial sends what it reports and what is observed of it.  Returning
// true from should_stop() asks an in-process trainer to stop at its next step.
class TrialReporter {
 public:
  virtual ~TrialReporter() = default;
  virtual Status report(int64_t step, const std::map<std::string, double>& metrics) = 0;
  virtual bool should_stop() = 0;
  // Why it should stop, once should_stop() is true: kInterrupted (resumable), or kPruned /
  // kRule / kBudget (the trial ends PRUNED).  A reporter that only knows interrupts need
  // not override it.
  virtual std::optional<StopReason> stop_reason() { return std::nullopt; }
  // The rest is what executors observe; a reporter that keeps none of it (a test's)
  // need not override them.
  // Something worth keeping about the trial: a malformed report line, why it failed.
  virtual Status event(const std::string& /*kind*/, const std::string& /*level*/,
                       const std::string& /*message*/) {
    return {};
  }
  // A sample of the trial's processes (cumulative CPU, RSS, ...).
  virtual Status sample(const SystemSample& /*sample*/) { return {}; }
  // A file the trial left: logs, the report file, checkpoints.
  virtual Status artifact(const std::string& /*name*/, const std::string& /*path*/) {
    return {};
  }
  // The trial's energy so far, by component (cumulative: each call replaces the last).
  virtual Status energy(const std::vector<EnergyRecord>& /*records*/) { return {}; }
};

struct TrialOutcome {
  TrialState state = TrialState::kComplete;
  std::map<std::string, double> final_metrics;  // the objective is looked up here by name
  std::string message;                          // why it failed or stopped, if it did
  // Stopped because greentune was interrupted: to be queued again and resumed from its
  // checkpoint, not counted as finished.
  bool resumable = false;
};

// One run of a trial by an in-process trainer.
struct TrainerRun {
  const SearchSpace& space;  // the parameter order
  const Params& params;      // with data_fraction for a stage of a staged trial
  int64_t trial = -1;        // the trial's number
  // Where the trainer saves its state, and finds it when the trial runs again after an
  // interrupt: it then resumes instead of starting over.  Exists; "" = no checkpoints.
  std::string checkpoint_dir;
};

class Trainer {
 public:
  virtual ~Trainer() = default;
  // Runs one trial, reporting each step through `reporter` and returning at its next
  // step once reporter.should_stop().  Errors are for trainer bugs and bad setup; a
  // trial that merely fails returns a kFailed outcome.
  virtual Result<TrialOutcome> run(const TrainerRun& run, TrialReporter& reporter) = 0;
  // False for trainers with no state worth keeping (test functions): they get no trial
  // directory at all.
  virtual bool keeps_checkpoints() const { return true; }
};

// What make_trainer needs to build a trainer from a study file.
struct TrainerSpec {
  std::string name;              // [trial] trainer
  std::string metric;            // [study] metric: what the trainer reports as the objective
  std::optional<bool> maximize;  // [study] direction, checked against the metric's
  const SearchSpace* space = nullptr;
  std::optional<DataSection> data;  // [data]: required by the model trainers
  nlohmann::json options = nlohmann::json::object();  // [trainer]
  std::string base_dir;             // relative paths (data, init_model) start here
  // "file:line:col: [section] key" for errors about a key (StudySpec::where); may be
  // empty, when errors name the key alone.
  std::function<std::string(const std::string& section, const std::string& key)> where;
};

// The trainers a study file may name, for messages: constant, linear, xgboost and the
// test functions.
std::string accepted_trainer_names();

// Builds the trainer, reading its data now (once: every trial and stage shares it), so
// that bad data, an unknown option (the closest one named) or a param of the wrong type
// fails before any trial runs.  kInvalidArgument with the place and what is accepted.
Result<std::unique_ptr<Trainer>> make_trainer(const TrainerSpec& spec);

// "function:branin" | "function:hartmann6" | "function:rosenbrock".  Validates that the
// space fits the function (Branin: 2 float params, Hartmann6: 6, Rosenbrock: n >= 2) and
// reports the metric `metric`.  kInvalidArgument with the accepted names otherwise.
Result<std::unique_ptr<Trainer>> make_trainer(const std::string& name, const SearchSpace& space,
                                              const std::string& metric);

// Known global minima, for benchmarks and tests.
struct TestFunctionInfo {
  std::string name;
  size_t dims = 0;          // 0: any number of dims >= 2
  double minimum = 0.0;
};
std::optional<TestFunctionInfo> test_function_info(const std::string& name);

}  // namespace greentune
