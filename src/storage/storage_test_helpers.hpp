// Helpers for the storage tests (not part of the library).
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <utility>

#include "greentune/storage.hpp"

namespace greentune::storage_test {

// The value of a Result, or a test failure and a default value.
template <class T>
T ok(Result<T> r) {
  if (r) return std::move(*r);
  ADD_FAILURE() << to_string(r.error().code) << ": " << r.error().message;
  return T{};
}

inline void ok(const Status& s) {
  if (!s) ADD_FAILURE() << to_string(s.error().code) << ": " << s.error().message;
}

inline StudyRecord make_study(const std::string& name) {
  StudyRecord s;
  s.name = name;
  s.direction = Direction::kMaximize;
  s.metric = "val_auc";
  s.space = {{"eta", {{"type", "float"}, {"low", 0.001}, {"high", 0.3}, {"log", true}}},
             {"booster", {{"type", "categorical"}, {"choices", {"gbtree", "dart"}}}}};
  s.sampler = {{"name", "qmc"}, {"seed", 7}};
  s.spec = {{"study", {{"name", name}}}};
  s.created = 1.7e9 + 0.25;
  return s;
}

// make_params that always answers these params.
inline Storage::ParamsFn fixed(Params params) {
  return [params](int64_t, const std::vector<Trial>&) -> Result<Params> { return params; };
}

}  // namespace greentune::storage_test
