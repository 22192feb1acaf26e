// PrunerSpec <-> JSON (stored with the study's spec).
#include <fmt/format.h>

#include "text/json.hpp"

#include "greentune/pruner.hpp"

namespace greentune {
namespace {

using nlohmann::json;

using text::or_null;

template <class T>
void read(const json& j, const char* key, T& out) {
  if (auto it = j.find(key); it != j.end() && !it->is_null()) out = it->get<T>();
}

template <class T>
void read(const json& j, const char* key, std::optional<T>& out) {
  if (auto it = j.find(key); it != j.end() && !it->is_null()) out = it->get<T>();
}

}  // namespace

json PrunerSpec::to_json() const {
  return {{"kind", kind},
          {"n_startup_trials", n_startup_trials},
          {"n_warmup_steps", n_warmup_steps},
          {"interval_steps", interval_steps},
          {"n_min_trials", n_min_trials},
          {"percentile", percentile},
          {"min_resource", min_resource},
          {"max_resource", or_null(max_resource)},
          {"reduction_factor", reduction_factor},
          {"min_early_stopping_rate", min_early_stopping_rate},
          {"n_brackets", or_null(n_brackets)},
          {"lower", or_null(lower)},
          {"upper", or_null(upper)},
          {"patience", or_null(patience)},
          {"min_delta", min_delta},
          {"resource", resource}};
}

Result<PrunerSpec> PrunerSpec::from_json(const json& j) {
  if (!j.is_object()) {
    return make_error(ErrorCode::kInvalidArgument, "a pruner spec must be a JSON object");
  }
  PrunerSpec s;
  try {
    read(j, "kind", s.kind);
    read(j, "n_startup_trials", s.n_startup_trials);
    read(j, "n_warmup_steps", s.n_warmup_steps);
    read(j, "interval_steps", s.interval_steps);
    read(j, "n_min_trials", s.n_min_trials);
    read(j, "percentile", s.percentile);
    read(j, "min_resource", s.min_resource);
    read(j, "max_resource", s.max_resource);
    read(j, "reduction_factor", s.reduction_factor);
    read(j, "min_early_stopping_rate", s.min_early_stopping_rate);
    read(j, "n_brackets", s.n_brackets);
    read(j, "lower", s.lower);
    read(j, "upper", s.upper);
    read(j, "patience", s.patience);
    read(j, "min_delta", s.min_delta);
    read(j, "resource", s.resource);
  } catch (const json::exception& e) {
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("bad pruner spec {}: {}", j.dump(), e.what()));
  }
  return s;
}

}  // namespace greentune
