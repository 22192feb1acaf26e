// What `tune` (and any other loop that runs a study file's trials) needs besides the
// orchestrator: the process executor of the file's [trial] command, the runs directory of
// a new study kept apart from an old one of the same name, and a record of the machine.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "greentune/config.hpp"
#include "greentune/energy.hpp"
#include "greentune/executor.hpp"
#include "greentune/result.hpp"
#include "greentune/storage.hpp"

namespace greentune {

// The process executor of spec's [trial] command, with trial directories under
// `runs_dir`.  kInvalidArgument naming the file and key when a {placeholder} is not a
// param, [trial] cwd is not a directory, or the program cannot be found.  `meter` may be
// null (no energy figures) and must outlive the executor.
Result<std::unique_ptr<Executor>> make_program_executor(const StudySpec& spec,
                                                        const std::string& runs_dir,
                                                        EnergyMeter* meter);

// A new study whose name was used before in the same runs dir (its database deleted, or
// another storage) must not resume trials from the old study's checkpoints: the old
// directory RUNS/STUDY is renamed RUNS/STUDY.old-K, nothing is deleted.  Returns the note
// saying so when it moved one; kIo when it could not.
Result<std::optional<std::string>> set_aside_old_runs(const std::string& runs_dir,
                                                      const std::string& study);

// A "machine" event on the study: host, cores and memory this run's trials have, read by
// right-sizing advice later (perhaps on another machine).
Status record_machine(Storage& storage, int64_t study_id);

}  // namespace greentune
