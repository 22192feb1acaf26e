// Runs any program as a trial, following the trial protocol (DESIGN.md):
//   params in argv ({name} placeholders), GREENTUNE_PARAMS (JSON), GREENTUNE_PARAM_<NAME>;
//   GREENTUNE_TRIAL, GREENTUNE_STUDY, GREENTUNE_REPORT_FILE, GREENTUNE_CHECKPOINT_DIR;
//   reports as JSON lines in the report file, or stdout lines matched by metric regexes;
//   SIGTERM to its process group to stop it, SIGKILL after the grace period.
// Each trial gets a directory RUNS_DIR/STUDY/trial-N/ with stdout.log, stderr.log,
// report.jsonl and checkpoint/; a trial that is queued again after an interruption keeps
// its number and so finds its checkpoint.  The stages of a staged trial
// (Executor::start_stage) work in trial-N/stage-U/ instead, one directory per stage.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "greentune/clock.hpp"
#include "greentune/energy.hpp"
#include "greentune/executor.hpp"
#include "greentune/result.hpp"
#include "greentune/space.hpp"

namespace greentune {

namespace exec {
class ProcessLauncher;  // src/exec/process_launcher.hpp
}  // namespace exec

struct ProcessExecutorOptions {
  std::string study;                       // GREENTUNE_STUDY, and the runs subdirectory
  std::vector<std::string> command;        // argv with {name} placeholders
  std::map<std::string, std::string> env;  // [trial] env, added to the inherited one
  std::string cwd;                         // where the program runs ("" = here)
  std::string runs_dir = "greentune-runs";
  std::optional<double> timeout_s;         // per trial
  double grace_s = 30.0;                   // SIGTERM, then this long, then SIGKILL
  double monitor_interval_s = 1.0;         // /proc sampling of the trial's processes
  int64_t log_max_bytes = 10 * 1024 * 1024;
  struct MetricRegex {
    std::string name;
    std::string regex;
  };
  std::vector<MetricRegex> metric_regex;   // metrics from stdout lines
  Clock* clock = nullptr;                  // nullptr: the system clock
  // The machine's energy meter, shared by every trial (nullptr: no energy figures).  Each
  // trial gets its share: CPU and DRAM by its share of the machine's CPU time, GPUs by
  // the trials whose processes run on them (see energy.hpp).  Must outlive the executor.
  EnergyMeter* energy_meter = nullptr;
  // Starts the trials' processes (nullptr: real programs, exec::real_process_launcher()).
  // Tests pass a fake (exec/fake_process.hpp).  Not owned; must outlive the executor and
  // every trial it started.
  exec::ProcessLauncher* launcher = nullptr;
};

// kInvalidArgument when a metric regex does not compile or the command is empty.
Result<std::unique_ptr<Executor>> make_process_executor(ProcessExecutorOptions options);

// Replaces each {name} in each argument with the param's value as text (one argument
// stays one argument whatever the value holds); "{{" and "}}" stand for braces.
// kInvalidArgument naming the placeholder when it is not a param.
Result<std::vector<std::string>> substitute_params(const std::vector<std::string>& command,
                                                   const Params& params);

// GREENTUNE_PARAM_<NAME>: the name upper-cased, characters other than [A-Z0-9_] as '_'.
std::string param_env_name(const std::string& name);

}  // namespace greentune
