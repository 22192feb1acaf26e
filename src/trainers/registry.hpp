// The built-in model trainers, each built from a TrainerSpec (registry.cpp picks one by
// name; greentune/trainer.hpp's make_trainer is the entry point).
#pragma once

#include <memory>

#include "greentune/trainer.hpp"

namespace greentune::trainers {

Result<std::unique_ptr<Trainer>> make_constant_trainer(const TrainerSpec& spec);
Result<std::unique_ptr<Trainer>> make_linear_trainer(const TrainerSpec& spec);
Result<std::unique_ptr<Trainer>> make_xgboost_trainer(const TrainerSpec& spec);
Result<std::unique_ptr<Trainer>> make_mlp_trainer(const TrainerSpec& spec);

}  // namespace greentune::trainers
