// Reading and writing trial rows (trials, trial_params, trial_values) of the SQLite
// backend.  Every function REQUIRES an open transaction on db.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "greentune/trial.hpp"
#include "storage/sqlite_db.hpp"
#include "storage/trial_rules.hpp"

namespace greentune::storage_detail {

// Every trial of the study by number, with params and intermediate values, in three
// queries whatever the number of trials.
Result<std::vector<Trial>> read_study_trials(Db& db, int64_t study_id);
// One trial with params and intermediate values; nullopt if there is none.
Result<std::optional<Trial>> read_trial_by_id(Db& db, int64_t trial_id);
Result<std::optional<Trial>> read_trial_by_number(Db& db, int64_t study_id, int64_t number);
// Id, study, number and state of a trial: kNotFound if there is none.
Result<TrialRef> read_trial_ref(Db& db, int64_t trial_id);
// kNotFound unless the study exists.
Status require_study(Db& db, int64_t study_id);

// The number the next trial of the study gets (max + 1, or 0).
Result<int64_t> next_trial_number(Db& db, int64_t study_id);

// Inserts the trial and its params for the study; returns it with its id.
Result<Trial> insert_trial(Db& db, int64_t study_id, Trial trial);

}  // namespace greentune::storage_detail
