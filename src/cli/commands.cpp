#include "cli/commands.hpp"

#include <cstdio>

#include <fmt/format.h>

namespace greentune::cli {
namespace {

constexpr CommandSpec kCommands[] = {
    {"tune", "run a study (from its study file) until a completion criterion is met", setup_tune},
    {"ask", "start a trial and print its params, for training loops outside greentune", setup_ask},
    {"tell", "finish a trial started with ask: its value, or pruned / failed", setup_tell},
    {"studies", "list the studies in a storage", setup_studies},
    {"trials", "list the trials of a study", setup_trials},
    {"report", "summarize a study: best trial, states, why it stopped", setup_report},
    {"gc", "delete the checkpoints (and old logs) of trials not among the best", setup_gc},
    {"dashboard", "serve the studies live over HTTP (read-only; loopback unless --token)",
     setup_dashboard},
    {"regions", "grid carbon intensity by region and country, greenest first", setup_regions},
    {"rules", "the debugger rules ([[rules]]) with their parameters and defaults, and the pruners",
     setup_rules},
    {"ladder", "tune rungs of growing complexity (constant, linear, boosted trees) while the gain "
     "pays for its energy; recommend the simplest that meets the target", setup_ladder},
    {"make-data", "write a synthetic classification or regression table of any size (CSV)",
     setup_make_data},
};

}  // namespace

void add_common_options(CLI::App& sub, CommonOptions& options) {
  sub.add_option("--storage", options.storage,
                 "storage URL: sqlite:///rel.db, sqlite:////abs.db, memory:")
      ->capture_default_str();
  sub.add_flag("--json", options.json, "print machine-readable JSON");
}

int fail(const Error& error) {
  fmt::print(stderr, "greentune: error: {}\n", error.message);
  switch (error.code) {
    case ErrorCode::kInvalidArgument:
    case ErrorCode::kNotFound:
    case ErrorCode::kConflict:
      return 2;
    default:
      return 1;
  }
}

Result<std::unique_ptr<Storage>> open_storage_for(const CommonOptions& options) {
  return open_storage(options.storage);
}

int main(int argc, char** argv) {
  CLI::App app{"greentune: sustainable model development (tune, train, measure energy)",
               "greentune"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "greentune 0.1.0");
  std::vector<std::pair<CLI::App*, Runner>> runners;
  for (const auto& command : kCommands) {
    CLI::App* sub = app.add_subcommand(command.name, command.summary);
    runners.emplace_back(sub, command.setup(*sub));
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);  // prints help / the message
    return code == 0 ? 0 : 2;
  }
  for (auto& [sub, run] : runners) {
    if (sub->parsed()) return run();
  }
  return 2;
}

}  // namespace greentune::cli
