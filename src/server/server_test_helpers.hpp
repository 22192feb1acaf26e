// What the server's tests share: studies written to a real SQLite file through the
// Storage API, with params, intermediate values and energy, as `tune` leaves them.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "greentune/storage.hpp"
#include "testing/test_helpers.hpp"

namespace greentune::server::testing {

// A study name no page may run: HTML, script, quotes and a slash.
inline const std::string kHostileName =
    "<script>alert(\"name\")</script> 'q' & a/b <img src=x onerror=alert(2)>";
// A categorical value of the same kind.
inline const std::string kHostileChoice = "<img src=x onerror=alert(1)>";

// A study minimizing "loss" over x in [0, 1] and a categorical "kind".
inline StudyRecord payload_study(const std::string& name) {
  StudyRecord r = greentune::testing::unit_study_record(name);
  r.space["kind"] = {{"type", "categorical"}, {"choices", {"plain", kHostileChoice}}};
  return r;
}

// Adds trial `number`'s worth of history: a complete trial with 5 intermediate values
// and CPU + DRAM energy (every third one pruned, with a verdict).
inline void add_trial(Storage& storage, int64_t study_id, int number, double now) {
  const double x = std::fmod(number * 0.618034, 1.0);
  auto trial = storage.create_trial(
      study_id, Storage::NewTrial(TrialState::kRunning, now, "", false),
      [&](int64_t, const std::vector<Trial>&) -> Result<Params> {
        return Params{{"x", ParamValue(x)},
                      {"kind", ParamValue(std::string(number % 2 ? kHostileChoice : "plain"))}};
      });
  ASSERT_TRUE(trial) << trial.error().message;
  for (int step = 1; step <= 5; ++step) {
    ASSERT_TRUE(storage.add_intermediate(trial->id, "loss", step, x + 1.0 / step, now + step));
  }
  ASSERT_TRUE(storage.set_trial_energy(trial->id, {"cpu", 40.0 + number, "rapl"}));
  ASSERT_TRUE(storage.set_trial_energy(trial->id, {"dram", 4.0, "model"}));
  const bool pruned = number % 3 == 2;
  if (pruned) {
    Event e;
    e.study_id = study_id;
    e.trial_id = trial->id;
    e.time = now + 5;
    e.kind = "verdict";
    e.message = "pruned: <b>median</b> rule";
    e.data = {{"action", "stop"}};
    ASSERT_TRUE(storage.add_event(e));
  }
  ASSERT_TRUE(storage.finish_trial(trial->id, pruned ? TrialState::kPruned : TrialState::kComplete,
                                   x, now + 6));
}

// Creates the study and `trials` trials; returns its id.
inline int64_t write_study(Storage& storage, const std::string& name, int trials) {
  auto study = storage.create_study(payload_study(name));
  EXPECT_TRUE(study) << study.error().message;
  if (!study) return -1;
  for (int i = 0; i < trials; ++i) add_trial(storage, study->id, i, 1.7e9 + i * 10.0);
  return study->id;
}

}  // namespace greentune::server::testing
