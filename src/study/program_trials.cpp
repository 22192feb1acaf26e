// Running a study file's trials as programs: the process executor its [trial] section
// describes, checked before anything is stored; the runs directory kept apart per study;
// the machine a run had, recorded for right-sizing advice read later.
#include "study/program_trials.hpp"

#include <unistd.h>

#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <sstream>

#include <fmt/format.h>

#include "greentune/process_executor.hpp"
#include "system/machine.hpp"

namespace greentune {
namespace {

namespace fs = std::filesystem;

// Some valid params, to check that every {placeholder} of the command is a param: those
// of the space, and data_fraction when the trials run in stages over data fractions.
Params example_params(const StudySpec& spec) {
  const SearchSpace& space = spec.search.space;
  Params params;
  for (size_t i = 0; i < space.size(); ++i) params[space.params()[i].name] = space.decode(i, 0.5);
  if (spec.pruner.resource == "data_fraction") params[kDataFractionParam] = 1.0;
  return params;
}

// True when `program` can be run from `cwd`: a path (relative to cwd) to an executable
// file, or a name found in PATH (the trial's own PATH if [trial] env sets one).
bool runnable(const std::string& program, const std::string& cwd, const StudySpec& spec) {
  namespace fs = std::filesystem;
  auto executable = [](const fs::path& p) {
    return fs::is_regular_file(p) && ::access(p.c_str(), X_OK) == 0;
  };
  if (program.find('/') != std::string::npos) return executable(fs::path(cwd) / program);
  auto env_path = spec.trial.env.find("PATH");
  const char* inherited = std::getenv("PATH");
  std::string path = env_path != spec.trial.env.end() ? env_path->second
                                                      : (inherited ? inherited : "");
  std::stringstream dirs(path);
  for (std::string dir; std::getline(dirs, dir, ':');) {
    if (executable(fs::path(dir.empty() ? "." : dir) / program)) return true;
  }
  return false;
}

}  // namespace

Result<std::unique_ptr<Executor>> make_program_executor(const StudySpec& spec,
                                                        const std::string& runs_dir,
                                                        EnergyMeter* meter) {
  if (auto ok = substitute_params(spec.trial.command, example_params(spec)); !ok) {
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("{}: {}", spec.path, ok.error().message));
  }
  fs::path base = fs::absolute(spec.path).parent_path();
  ProcessExecutorOptions o;
  o.study = spec.name;
  o.command = spec.trial.command;
  o.env = spec.trial.env;
  o.cwd = (base / spec.trial.cwd.value_or(".")).lexically_normal().string();
  o.runs_dir = fs::absolute(runs_dir).string();
  o.timeout_s = spec.trial.timeout_s;
  o.grace_s = spec.trial.grace_s;
  o.monitor_interval_s = spec.trial.monitor_interval_s;
  o.log_max_bytes = spec.trial.log_max_bytes;
  o.energy_meter = meter;
  for (const auto& m : spec.trial.metric_regex) o.metric_regex.push_back({m.name, m.regex});
  if (!fs::is_directory(o.cwd)) {
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("{}: [trial] cwd: {} is not a directory", spec.path, o.cwd));
  }
  if (!runnable(o.command[0], o.cwd, spec)) {
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("{}: [trial] command: cannot find the program \"{}\" (looked "
                                  "{}); accepted: a program in PATH or a path to an executable",
                                  spec.path, o.command[0],
                                  o.command[0].find('/') == std::string::npos
                                      ? "in PATH"
                                      : "relative to " + o.cwd));
  }
  auto executor = make_process_executor(std::move(o));
  if (!executor) {
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("{}: {}", spec.path, executor.error().message));
  }
  return executor;
}

// A new study whose name was used before in the same runs dir (its database deleted, or
// another storage) must not resume trials from the old study's checkpoints: the old
// directory is kept under another name, nothing is deleted.
Result<std::optional<std::string>> set_aside_old_runs(const std::string& runs_dir,
                                                     const std::string& study) {
  std::error_code ec;
  fs::path dir = fs::path(runs_dir) / study;
  if (!fs::is_directory(dir, ec) || fs::is_empty(dir, ec)) return std::optional<std::string>();
  fs::path aside;
  for (int k = 1;; ++k) {
    aside = fs::path(runs_dir) / fmt::format("{}.old-{}", study, k);
    if (!fs::exists(aside, ec)) break;
  }
  fs::rename(dir, aside, ec);
  if (ec) {
    return make_error(ErrorCode::kIo,
                      fmt::format("{} holds the trials of an earlier study named \"{}\" and "
                                  "could not be moved aside to {}: {}",
                                  dir.string(), study, aside.string(), ec.message()));
  }
  return fmt::format(
      "note: {} held the files of an earlier study named \"{}\"; moved to {} so that this "
      "new study does not resume from its checkpoints",
      dir.string(), study, aside.string());
}

// What the trials of this run have to work with (for right-sizing advice read later,
// perhaps on another machine).
Status record_machine(Storage& storage, int64_t study_id) {
  system::MachineLimits env = system::machine_limits();
  std::string host = system::host_name();
  Event e;
  e.study_id = study_id;
  e.time = static_cast<double>(std::time(nullptr));
  e.kind = "machine";
  e.message = fmt::format("running on {}: {} cores{}", host, env.cpu_cores,
                          env.memory_bytes
                              ? fmt::format(", {:.1f} GiB", static_cast<double>(*env.memory_bytes) /
                                                                (1 << 30))
                              : "");
  e.data = {{"host", host}, {"cpu_cores", env.cpu_cores}};
  if (env.memory_bytes) e.data["memory_bytes"] = *env.memory_bytes;
  return storage.add_event(e);
}

}  // namespace greentune
