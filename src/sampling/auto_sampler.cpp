#include "sampling/auto_sampler.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <array>
#include <cmath>

namespace greentune {
namespace {

constexpr std::array<std::string_view, 3> kAutoKeys = {"name", "seed", "n_startup_trials"};

// Trials with a value the models learn from, as both samplers count them.
size_t observations(const std::vector<Trial>& trials, int64_t number) {
  return static_cast<size_t>(std::count_if(trials.begin(), trials.end(), [&](const Trial& t) {
    bool usable = t.state == TrialState::kComplete || t.state == TrialState::kPruned;
    return usable && t.number != number && t.value && std::isfinite(*t.value);
  }));
}

GpOptions gp_options(std::optional<int> n_startup_trials) {
  GpOptions options;
  if (n_startup_trials) options.n_startup_trials = std::max(*n_startup_trials, 1);
  return options;
}

TpeOptions tpe_options(std::optional<int> n_startup_trials) {
  TpeOptions options;
  if (n_startup_trials) options.n_startup_trials = *n_startup_trials;
  return options;
}

tl::unexpected<Error> invalid(std::string message) {
  return make_error(ErrorCode::kInvalidArgument, std::move(message));
}

}  // namespace

AutoSampler::AutoSampler(std::optional<uint64_t> seed, std::optional<int> n_startup_trials)
    : gp_(seed, gp_options(n_startup_trials)), tpe_(seed, tpe_options(n_startup_trials)) {}

std::string_view AutoSampler::choice(const SampleRequest& req) {
  if (req.space.size() > kGpMaxParams) return "tpe";
  size_t seen = observations(req.trials, req.number);
  if (req.prior) seen += observations(*req.prior, req.number);
  return seen < kGpMaxObservations ? "gp" : "tpe";
}

Result<Params> AutoSampler::sample(const SampleRequest& req) const {
  if (choice(req) == "gp") return gp_.sample(req);
  return tpe_.sample(req);
}

Result<std::unique_ptr<Sampler>> make_auto_sampler(const nlohmann::json& config,
                                                   std::optional<uint64_t> seed) {
  for (const auto& [key, value] : config.items()) {
    if (std::find(kAutoKeys.begin(), kAutoKeys.end(), key) != kAutoKeys.end()) continue;
    return invalid(fmt::format("sampler \"auto\": unknown option \"{}\"; accepted: {}", key,
                               fmt::join(kAutoKeys, ", ")));
  }
  std::optional<int> startup;
  if (auto it = config.find("n_startup_trials"); it != config.end()) {
    if (!it->is_number_integer() || it->get<int64_t>() < 1 || it->get<int64_t>() > 100000) {
      return invalid(fmt::format(
          "sampler \"auto\": \"n_startup_trials\" must be an integer from 1 to 100000, got {}",
          it->dump()));
    }
    startup = static_cast<int>(it->get<int64_t>());
  }
  return std::make_unique<AutoSampler>(seed, startup);
}

}  // namespace greentune
