// make_sampler: the sampler a stored description names.
#include "greentune/sampler.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <span>
#include <string_view>
#include <tuple>

#include "sampling/auto_sampler.hpp"
#include "sampling/gp_sampler.hpp"
#include "sampling/grid_sampler.hpp"
#include "sampling/qmc_sampler.hpp"
#include "sampling/random_sampler.hpp"
#include "sampling/tpe_sampler.hpp"

namespace greentune {
namespace {

using nlohmann::json;

constexpr std::string_view kNames[] = {"auto", "random", "qmc", "grid", "tpe", "gp"};
constexpr std::string_view kCommonKeys[] = {"name", "seed"};
constexpr std::string_view kQmcKeys[] = {"name", "seed", "scramble"};
constexpr std::string_view kTpeKeys[] = {"name", "seed", "multivariate", "n_startup_trials",
                                         "n_ei_candidates"};

std::string accepted_names() {
  return fmt::format("accepted: {}", fmt::join(kNames, ", "));
}

tl::unexpected<Error> invalid(std::string message) {
  return make_error(ErrorCode::kInvalidArgument, std::move(message));
}

Status check_keys(const std::string& name, const json& config,
                  std::span<const std::string_view> accepted) {
  for (const auto& [key, value] : config.items()) {
    if (std::find(accepted.begin(), accepted.end(), key) != accepted.end()) continue;
    return invalid(fmt::format("sampler \"{}\": unknown option \"{}\"; accepted: {}", name, key,
                               fmt::join(accepted, ", ")));
  }
  return {};
}

// "seed": a non-negative integer, or absent / null for the study's seed.
Result<std::optional<uint64_t>> read_seed(const std::string& name, const json& config) {
  auto it = config.find("seed");
  if (it == config.end() || it->is_null()) return std::optional<uint64_t>();
  if (it->is_number_unsigned()) return std::optional<uint64_t>(it->get<uint64_t>());
  if (it->is_number_integer() && it->get<int64_t>() >= 0) {
    return std::optional<uint64_t>(static_cast<uint64_t>(it->get<int64_t>()));
  }
  return invalid(fmt::format("sampler \"{}\": \"seed\" must be a non-negative integer, got {}",
                             name, it->dump()));
}

Result<bool> read_scramble(const json& config) {
  auto it = config.find("scramble");
  if (it == config.end()) return true;
  if (!it->is_boolean()) {
    return invalid(
        fmt::format("sampler \"qmc\": \"scramble\" must be true or false, got {}", it->dump()));
  }
  return it->get<bool>();
}

// TPE's options: "multivariate" (bool), "n_startup_trials" (>= 0), "n_ei_candidates" (>= 1).
Result<TpeOptions> read_tpe_options(const json& config) {
  TpeOptions options;
  if (auto it = config.find("multivariate"); it != config.end()) {
    if (!it->is_boolean()) {
      return invalid(fmt::format("sampler \"tpe\": \"multivariate\" must be true or false, got {}",
                                 it->dump()));
    }
    options.multivariate = it->get<bool>();
  }
  for (auto [key, field, least] : {std::tuple("n_startup_trials", &options.n_startup_trials, 0),
                                   std::tuple("n_ei_candidates", &options.n_ei_candidates, 1)}) {
    auto it = config.find(key);
    if (it == config.end()) continue;
    if (!it->is_number_integer() || it->get<int64_t>() < least || it->get<int64_t>() > 1000000) {
      return invalid(
          fmt::format("sampler \"tpe\": \"{}\" must be an integer from {} to 1000000, got {}", key,
                      least, it->dump()));
    }
    *field = it->get<int64_t>();
  }
  return options;
}

Result<std::unique_ptr<Sampler>> build(const std::string& name, const json& config,
                                       std::optional<uint64_t> seed) {
  if (name == "auto") return make_auto_sampler(config, seed);
  if (name == "gp") return make_gp_sampler(config, seed);
  if (name == "tpe") {
    if (auto st = check_keys(name, config, kTpeKeys); !st) return tl::unexpected(st.error());
    auto options = read_tpe_options(config);
    if (!options) return tl::unexpected(options.error());
    return std::make_unique<TpeSampler>(seed, *options);
  }
  if (name == "qmc") {
    if (auto st = check_keys(name, config, kQmcKeys); !st) return tl::unexpected(st.error());
    auto scramble = read_scramble(config);
    if (!scramble) return tl::unexpected(scramble.error());
    return std::make_unique<QmcSampler>(seed, *scramble);
  }
  if (auto st = check_keys(name, config, kCommonKeys); !st) return tl::unexpected(st.error());
  if (name == "grid") return std::make_unique<GridSampler>(seed);
  return std::make_unique<RandomSampler>(seed);
}

}  // namespace

Result<std::unique_ptr<Sampler>> make_sampler(const json& config) {
  // A bare name ("qmc") is shorthand for {"name": "qmc"}.
  const json described = config.is_string() ? json{{"name", config}} : config;
  if (!described.is_object()) {
    return invalid(
        fmt::format("a sampler is described by an object such as {{\"name\": \"qmc\", "
                    "\"seed\": 7}}; got {}",
                    config.dump()));
  }
  auto name_it = described.find("name");
  if (name_it == described.end() || !name_it->is_string()) {
    return invalid(fmt::format("the sampler description needs a \"name\"; {}", accepted_names()));
  }
  std::string name = name_it->get<std::string>();
  if (std::find(std::begin(kNames), std::end(kNames), name) == std::end(kNames)) {
    return invalid(fmt::format("unknown sampler \"{}\"; {}", name, accepted_names()));
  }
  auto seed = read_seed(name, described);
  if (!seed) return tl::unexpected(seed.error());
  return build(name, described, *seed);
}

std::vector<std::string> sampler_names() {
  return std::vector<std::string>(std::begin(kNames), std::end(kNames));
}

}  // namespace greentune
