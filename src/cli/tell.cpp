// greentune tell --study NAME --trial N (--value V | --state pruned|failed)
#include <cstdio>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "greentune/clock.hpp"
#include "greentune/study.hpp"

namespace greentune::cli {
namespace {

struct TellArgs {
  CommonOptions common;
  std::string study;
  int64_t trial = -1;
  std::optional<double> value;
  std::string state;
};

Result<TrialState> state_of(const TellArgs& args) {
  if (args.state.empty()) {
    if (!args.value) {
      return make_error(ErrorCode::kInvalidArgument,
                        "give --value V for a complete trial, or --state pruned|failed");
    }
    return TrialState::kComplete;
  }
  auto state = trial_state_from_string(args.state);
  if (!state || !is_finished(*state)) {
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("--state: \"{}\" is not accepted; accepted: complete, pruned, "
                                  "failed",
                                  args.state));
  }
  if (*state == TrialState::kComplete && !args.value) {
    return make_error(ErrorCode::kInvalidArgument, "--state complete needs --value V");
  }
  if (*state == TrialState::kFailed && args.value) {
    return make_error(ErrorCode::kInvalidArgument, "--state failed takes no --value");
  }
  return *state;
}

int run(const TellArgs& args) {
  auto state = state_of(args);
  if (!state) return fail(state.error());
  auto storage = open_storage_for(args.common);
  if (!storage) return fail(storage.error());
  auto study = Study::load(**storage, args.study);
  if (!study) return fail(study.error());
  if (auto ok = study->tell(args.trial, *state, args.value, system_clock().now()); !ok) {
    return fail(ok.error());
  }
  if (args.common.json) {
    nlohmann::json out = {{"trial", args.trial}, {"state", to_string(*state)}};
    out["value"] = args.value ? nlohmann::json(*args.value) : nlohmann::json(nullptr);
    fmt::print("{}\n", out.dump());
  }
  return 0;
}

}  // namespace

Runner setup_tell(CLI::App& sub) {
  auto args = std::make_shared<TellArgs>();
  sub.add_option("--study", args->study, "study name")->required();
  sub.add_option("--trial", args->trial, "trial number (from ask)")->required();
  sub.add_option("--value", args->value, "the objective value (a complete trial)");
  sub.add_option("--state", args->state, "complete (default with --value) | pruned | failed");
  add_common_options(sub, args->common);
  return [args] { return run(*args); };
}

}  // namespace greentune::cli
