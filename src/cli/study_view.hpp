// Shared by the read-only subcommands that look at one study (trials, report).
#pragma once

#include <string>
#include <vector>

#include "cli/commands.hpp"
#include "greentune/study.hpp"

namespace greentune::cli {

struct StudyArgs {
  CommonOptions common;
  std::string study;
};

// Adds --study (required) and the common options.
inline void add_study_options(CLI::App& sub, StudyArgs& args) {
  sub.add_option("--study", args.study, "study name")->required();
  add_common_options(sub, args.common);
}

// Opens the storage and the named study and runs `body(storage, study, trials)`, which
// returns the exit code.
template <class Body>
int with_study(const StudyArgs& args, Body body) {
  auto storage = open_storage_for(args.common);
  if (!storage) return fail(storage.error());
  auto study = Study::load(**storage, args.study);
  if (!study) return fail(study.error());
  auto trials = study->trials();
  if (!trials) return fail(trials.error());
  return body(**storage, *study, *trials);
}

}  // namespace greentune::cli
