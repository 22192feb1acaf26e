// make_pruner: a PrunerSpec (from the study file or from storage) to its pruner, with the
// spec checked again, as a stored spec may come from anywhere.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "pruning/pruners.hpp"

namespace greentune {
namespace {

Error bad(std::string_view field, std::string_view text) {
  return Error{ErrorCode::kInvalidArgument, fmt::format("{}: {}", field, text)};
}

std::optional<Error> check_spec(const PrunerSpec& s) {
  auto kinds = pruner_kinds();
  if (std::find(kinds.begin(), kinds.end(), s.kind) == kinds.end()) {
    return bad("kind",
               fmt::format("unknown pruner \"{}\"; accepted: {}", s.kind, fmt::join(kinds, ", ")));
  }
  auto int_at_least = [](std::string_view field, int64_t v, int64_t min) -> std::optional<Error> {
    if (v >= min) return std::nullopt;
    return bad(field, fmt::format("{} is out of range; accepted: an integer >= {}", v, min));
  };
  for (auto e : {int_at_least("n_startup_trials", s.n_startup_trials, 0),
                 int_at_least("n_warmup_steps", s.n_warmup_steps, 0),
                 int_at_least("interval_steps", s.interval_steps, 1),
                 int_at_least("n_min_trials", s.n_min_trials, 1),
                 int_at_least("min_resource", s.min_resource, 1),
                 int_at_least("min_early_stopping_rate", s.min_early_stopping_rate, 0)}) {
    if (e) return e;
  }
  if (s.max_resource) {
    if (auto e = int_at_least("max_resource", *s.max_resource, s.min_resource)) return e;
  }
  if (s.n_brackets) {
    if (auto e = int_at_least("n_brackets", *s.n_brackets, 1)) return e;
  }
  if (s.patience) {
    if (auto e = int_at_least("patience", *s.patience, 0)) return e;
  }
  if (!(s.percentile >= 0.0 && s.percentile <= 100.0)) {
    return bad("percentile", fmt::format("{} is out of range; accepted: a number between 0 and "
                                         "100",
                                         s.percentile));
  }
  if (!(s.reduction_factor > 1.0) || !std::isfinite(s.reduction_factor)) {
    return bad("reduction_factor",
               fmt::format("{} is out of range; accepted: a number > 1", s.reduction_factor));
  }
  if (!(s.min_delta >= 0.0) || !std::isfinite(s.min_delta)) {
    return bad("min_delta",
               fmt::format("{} is out of range; accepted: a number >= 0", s.min_delta));
  }
  if (s.lower && s.upper && *s.lower > *s.upper) {
    return bad("lower",
               fmt::format("{} is above upper {}; accepted: lower <= upper", *s.lower, *s.upper));
  }
  if (s.kind == "threshold" && !s.lower && !s.upper) {
    return bad("kind", "\"threshold\" needs lower = N or upper = N (or both)");
  }
  if (s.kind == "patience" && !s.patience) {
    return bad("kind", "\"patience\" needs patience = N");
  }
  if (s.resource == "data_fraction") {
    if (s.kind != "asha" && s.kind != "hyperband") {
      return bad("resource", fmt::format("\"data_fraction\" works with kind \"asha\" or "
                                         "\"hyperband\" (successive halving over data "
                                         "fractions); kind is \"{}\"",
                                         s.kind));
    }
  } else if (s.resource != "step") {
    return bad("resource", fmt::format("unknown resource \"{}\"; accepted: \"step\", "
                                       "\"data_fraction\"",
                                       s.resource));
  }
  return std::nullopt;
}

}  // namespace

std::vector<std::string> pruner_kinds() {
  return {"none", "median", "percentile", "asha", "hyperband", "threshold", "patience"};
}

Result<std::unique_ptr<Pruner>> make_pruner(const PrunerSpec& spec,
                                            std::optional<int64_t> max_steps) {
  if (auto e = check_spec(spec)) return tl::unexpected(*e);
  if (spec.kind == "none") return std::unique_ptr<Pruner>();
  std::unique_ptr<Pruner> pruner;
  if (spec.kind == "median" || spec.kind == "percentile") {
    pruner = pruning::make_percentile_pruner(spec);
  } else if (spec.kind == "threshold") {
    pruner = pruning::make_threshold_pruner(spec);
  } else if (spec.kind == "asha" || spec.kind == "hyperband") {
    // With data fractions the resource is counted in shares of the data, not in steps.
    std::optional<int64_t> max_resource =
        spec.max_resource ? spec.max_resource
                          : (spec.resource == "data_fraction"
                                 ? std::optional(data_fraction_max_resource(spec))
                                 : max_steps);
    if (!max_resource) {
      return tl::unexpected(
          bad("max_resource", fmt::format("kind \"{}\" needs max_resource = N or [trial] "
                                          "max_steps = N",
                                          spec.kind)));
    }
    if (*max_resource < spec.min_resource) {
      return tl::unexpected(bad("max_resource", fmt::format("{} is below min_resource {}",
                                                            *max_resource, spec.min_resource)));
    }
    pruner = spec.kind == "asha" ? pruning::make_successive_halving_pruner(spec, *max_resource)
                                 : pruning::make_hyperband_pruner(spec, *max_resource);
  }
  if (spec.patience) return pruning::make_patient_pruner(spec, std::move(pruner));
  return pruner;
}

}  // namespace greentune
