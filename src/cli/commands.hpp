// The greentune command line.  Each subcommand lives in its own file and is registered
// in the one table in commands.cpp.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include <CLI/CLI.hpp>

#include "greentune/result.hpp"
#include "greentune/storage.hpp"

namespace greentune::cli {

// Options every subcommand takes.
struct CommonOptions {
  std::string storage = kDefaultStorageUrl;
  bool json = false;
};

// A subcommand's setup: adds its options to `sub` and returns the function that runs it
// (called after parsing; returns the process exit code).
using Runner = std::function<int()>;
using Setup = Runner (*)(CLI::App& sub);

struct CommandSpec {
  const char* name;
  const char* summary;
  Setup setup;
};

Runner setup_tune(CLI::App& sub);
Runner setup_ask(CLI::App& sub);
Runner setup_tell(CLI::App& sub);
Runner setup_studies(CLI::App& sub);
Runner setup_trials(CLI::App& sub);
Runner setup_report(CLI::App& sub);
Runner setup_regions(CLI::App& sub);
Runner setup_rules(CLI::App& sub);
Runner setup_make_data(CLI::App& sub);
Runner setup_ladder(CLI::App& sub);
Runner setup_gc(CLI::App& sub);
Runner setup_dashboard(CLI::App& sub);

// Adds --storage and --json to a subcommand.
void add_common_options(CLI::App& sub, CommonOptions& options);

// Prints "greentune: error: MESSAGE" to stderr and returns the exit code for it:
// 2 for usage/config errors (including an unknown study or trial), 1 otherwise.
int fail(const Error& error);

// Opens the storage named by --storage; errors are usage errors (exit 2) when the URL is
// malformed.
Result<std::unique_ptr<Storage>> open_storage_for(const CommonOptions& options);

int main(int argc, char** argv);

}  // namespace greentune::cli
