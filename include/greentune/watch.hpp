// Judging running trials.  While a trial runs, the orchestrator keeps what it has seen
// of it (reports, process samples, energy) in a TrialWatch and asks a TrialJudge after
// every report and every poll whether to stop it: pruners (pruner.hpp), debugger rules
// (rules.hpp) and the per-trial energy budget all speak through Verdicts.  Each verdict
// is stored as an event with the numbers behind it; a "stop" verdict stops the trial
// (SIGTERM, grace, SIGKILL for programs) and it ends PRUNED.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "greentune/executor.hpp"
#include "greentune/result.hpp"
#include "greentune/storage.hpp"
#include "greentune/trial.hpp"

namespace greentune {

// One report as it arrived: when, at which step (the report's "step"; reports without
// one count up from the last step).
struct ReportMark {
  double time = 0.0;
  int64_t step = 0;
};

// What the orchestrator has seen of one running trial, cumulative over this attempt
// (a resumed trial's earlier intermediate values are in `metrics` too, from storage).
// A staged trial (orchestrator.hpp, StagePlan) gets a fresh watch per stage, holding that
// stage's reports only; `joules` still counts its earlier stages.
struct TrialWatch {
  const Trial* trial = nullptr;  // number, params, started
  Direction direction = Direction::kMinimize;
  std::string metric = "value";  // the study's objective
  double started = 0.0;          // this attempt, seconds since the epoch
  double now = 0.0;
  std::map<std::string, std::vector<StepValue>> metrics;  // metric -> values by step
  std::vector<ReportMark> reports;                        // this attempt's reports
  std::vector<SystemSample> samples;                      // this attempt's /proc samples
  std::map<std::string, double> joules;  // energy so far by component ("cpu","dram","gpu")
  std::optional<int64_t> max_steps;      // [trial] max_steps, if set
  // True when a report arrived since the judge was last asked (pruners decide only then).
  bool new_report = false;

  double total_joules() const {
    double j = 0.0;
    for (const auto& [component, value] : joules) j += value;
    return j;
  }
  // The last step reported, or nullopt before the first report.
  std::optional<int64_t> last_step() const {
    if (reports.empty()) return std::nullopt;
    return reports.back().step;
  }
};

// A judge's finding about a running trial.
struct Verdict {
  std::string source;                 // "pruner:median", "rule:overfit", "budget:trial_energy"
  StopReason reason = StopReason::kRule;  // kPruned | kRule | kBudget
  bool stop = true;                   // false: a warning, nothing else changes
  std::string message;                // one line for people, with the numbers
  nlohmann::json data = nlohmann::json::object();  // the numbers behind it
};

// Every trial of the study (all states, by number), read from storage on demand: judges
// call it only when they need it (a pruner, after a new report).  Shared, not copied:
// the orchestrator keeps one reading while nothing else can change it.
using History = std::shared_ptr<const std::vector<Trial>>;
using HistoryFn = std::function<Result<History>()>;

// Judges one running trial.  One instance per trial attempt, so it may keep state (e.g.
// warn once).  Called from the orchestrator's thread only.
class TrialJudge {
 public:
  virtual ~TrialJudge() = default;
  virtual Result<std::vector<Verdict>> check(const TrialWatch& watch,
                                             const HistoryFn& history) = 0;
};

// Makes the judge of one trial attempt.
using JudgeFactory = std::function<std::unique_ptr<TrialJudge>(const Trial& trial)>;

}  // namespace greentune
