// make_trainer: the built-in trainer a study file names.
#include "trainers/registry.hpp"

#include <fmt/format.h>

#include "text/quote.hpp"
#include "trainers/options.hpp"

namespace greentune {

using text::in_quotes;

std::string accepted_trainer_names() {
  return "constant, linear, xgboost, mlp, function:branin, function:hartmann6, function:rosenbrock";
}

Result<std::unique_ptr<Trainer>> make_trainer(const TrainerSpec& spec) {
  if (spec.name == "constant") return trainers::make_constant_trainer(spec);
  if (spec.name == "linear") return trainers::make_linear_trainer(spec);
  if (spec.name == "xgboost") return trainers::make_xgboost_trainer(spec);
  if (spec.name == "mlp") return trainers::make_mlp_trainer(spec);
  if (!spec.name.starts_with("function:")) {
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("{}: unknown trainer {}; accepted: {}",
                                  trainers::place(spec, "trial", "trainer"), in_quotes(spec.name),
                                  accepted_trainer_names()));
  }
  SearchSpace none;
  auto t = make_trainer(spec.name, spec.space ? *spec.space : none, spec.metric);
  if (!t) {
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("{}: {}", trainers::place(spec, "trial", "trainer"), t.error().message));
  }
  return t;
}

}  // namespace greentune
