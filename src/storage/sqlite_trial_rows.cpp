#include "storage/sqlite_trial_rows.hpp"

#include <fmt/format.h>

#include <string>
#include <unordered_map>

#include "storage/sqlite_codec.hpp"

namespace greentune::storage_detail {
namespace {

constexpr std::string_view kTrialColumns =
    "id, number, state, value, created, started, finished, heartbeat, worker";

// Trials being read, and where each id sits among them.
struct TrialSet {
  std::vector<Trial> trials;
  std::unordered_map<int64_t, size_t> index_of_id;

  Trial* find(int64_t id) {
    auto it = index_of_id.find(id);
    return it == index_of_id.end() ? nullptr : &trials[it->second];
  }
};

Result<TrialState> read_state(const Statement& row, int col, int64_t trial_id) {
  const std::string text = row.text(col);
  auto state = trial_state_from_string(text);
  if (state) return state;
  return make_error(ErrorCode::kStorage,
                    fmt::format("trial id {} has the unknown state \"{}\"", trial_id, text));
}

Result<Trial> trial_from_row(const Statement& row) {
  Trial t;
  t.id = row.int64(0);
  t.number = row.int64(1);
  auto state = read_state(row, 2, t.id);
  if (!state) return tl::unexpected(state.error());
  t.state = *state;
  t.value = decode_objective(row, 3);
  t.created = row.optional_real(4);
  t.started = row.optional_real(5);
  t.finished = row.optional_real(6);
  t.heartbeat = row.optional_real(7);
  t.worker = row.text(8);
  return t;
}

// Runs a query over trials (selecting kTrialColumns) into a TrialSet.
template <class... Args>
Result<TrialSet> read_trial_rows(Db& db, std::string_view where, const Args&... args) {
  auto stmt = db.query(
      fmt::format("SELECT {} FROM trials WHERE {} ORDER BY number", kTrialColumns, where), args...);
  if (!stmt) return tl::unexpected(stmt.error());
  TrialSet set;
  for (;;) {
    auto row = stmt->step();
    if (!row) return tl::unexpected(row.error());
    if (!*row) return set;
    auto trial = trial_from_row(*stmt);
    if (!trial) return tl::unexpected(trial.error());
    set.index_of_id[trial->id] = set.trials.size();
    set.trials.push_back(std::move(*trial));
  }
}

// Fills params from a query returning (trial_id, name, kind, value) rows.
Status fill_params(Db& db, std::string_view sql, int64_t arg, TrialSet& set) {
  auto stmt = db.query(sql, arg);
  if (!stmt) return tl::unexpected(stmt.error());
  for (;;) {
    auto row = stmt->step();
    if (!row) return tl::unexpected(row.error());
    if (!*row) return {};
    Trial* trial = set.find(stmt->int64(0));
    if (!trial) continue;
    std::string name = stmt->text(1);
    auto value = decode_param(name, stmt->text(2), stmt->text(3));
    if (!value) return tl::unexpected(value.error());
    trial->params.emplace(std::move(name), std::move(*value));
  }
}

// Fills intermediate values from a query returning (trial_id, metric, step, value)
// rows, the rows of one trial and metric together and by step.
Status fill_values(Db& db, std::string_view sql, int64_t arg, TrialSet& set) {
  auto stmt = db.query(sql, arg);
  if (!stmt) return tl::unexpected(stmt.error());
  int64_t trial_id = -1;
  std::string metric;
  std::vector<StepValue>* values = nullptr;  // those of trial_id and metric
  for (;;) {
    auto row = stmt->step();
    if (!row) return tl::unexpected(row.error());
    if (!*row) return {};
    if (!values || stmt->int64(0) != trial_id || stmt->text(1) != metric) {
      trial_id = stmt->int64(0);
      metric = stmt->text(1);
      Trial* trial = set.find(trial_id);
      values = trial ? &trial->intermediate[metric] : nullptr;
      if (!values) continue;
    }
    values->push_back(StepValue{stmt->int64(2), stmt->real(3)});
  }
}

Result<std::optional<Trial>> single_trial(Db& db, Result<TrialSet> set) {
  if (!set) return tl::unexpected(set.error());
  if (set->trials.empty()) return std::optional<Trial>();
  const int64_t id = set->trials[0].id;
  auto ok = fill_params(db,
                        "SELECT trial_id, name, kind, value FROM trial_params "
                        "WHERE trial_id = ?",
                        id, *set);
  if (!ok) return tl::unexpected(ok.error());
  ok = fill_values(db,
                   "SELECT trial_id, metric, step, value FROM trial_values "
                   "WHERE trial_id = ? ORDER BY metric, step",
                   id, *set);
  if (!ok) return tl::unexpected(ok.error());
  return std::optional<Trial>(std::move(set->trials[0]));
}

}  // namespace

Result<std::vector<Trial>> read_study_trials(Db& db, int64_t study_id) {
  auto set = read_trial_rows(db, "study_id = ?", study_id);
  if (!set) return tl::unexpected(set.error());
  if (set->trials.empty()) return std::vector<Trial>();
  auto ok = fill_params(db,
                        "SELECT p.trial_id, p.name, p.kind, p.value FROM trial_params p "
                        "JOIN trials t ON t.id = p.trial_id WHERE t.study_id = ?",
                        study_id, *set);
  if (!ok) return tl::unexpected(ok.error());
  ok = fill_values(db,
                   "SELECT v.trial_id, v.metric, v.step, v.value FROM trial_values v "
                   "JOIN trials t ON t.id = v.trial_id WHERE t.study_id = ? "
                   "ORDER BY t.number, v.metric, v.step",
                   study_id, *set);
  if (!ok) return tl::unexpected(ok.error());
  return std::move(set->trials);
}

Result<std::optional<Trial>> read_trial_by_id(Db& db, int64_t trial_id) {
  return single_trial(db, read_trial_rows(db, "id = ?", trial_id));
}

Result<std::optional<Trial>> read_trial_by_number(Db& db, int64_t study_id, int64_t number) {
  return single_trial(db, read_trial_rows(db, "study_id = ? AND number = ?", study_id, number));
}

Result<TrialRef> read_trial_ref(Db& db, int64_t trial_id) {
  auto stmt = db.query("SELECT study_id, number, state FROM trials WHERE id = ?", trial_id);
  if (!stmt) return tl::unexpected(stmt.error());
  auto row = stmt->step();
  if (!row) return tl::unexpected(row.error());
  if (!*row) return trial_not_found(trial_id);
  auto state = read_state(*stmt, 2, trial_id);
  if (!state) return tl::unexpected(state.error());
  return TrialRef{trial_id, stmt->int64(0), stmt->int64(1), *state};
}

Status require_study(Db& db, int64_t study_id) {
  auto stmt = db.query("SELECT 1 FROM studies WHERE id = ?", study_id);
  if (!stmt) return tl::unexpected(stmt.error());
  auto row = stmt->step();
  if (!row) return tl::unexpected(row.error());
  if (!*row) return study_not_found(study_id);
  return {};
}

Result<int64_t> next_trial_number(Db& db, int64_t study_id) {
  auto stmt = db.query("SELECT COALESCE(MAX(number) + 1, 0) FROM trials WHERE study_id = ?",
                       study_id);
  if (!stmt) return tl::unexpected(stmt.error());
  auto row = stmt->step();
  if (!row) return tl::unexpected(row.error());
  return stmt->int64(0);
}

Result<Trial> insert_trial(Db& db, int64_t study_id, Trial trial) {
  auto ok = db.run(
      "INSERT INTO trials (study_id, number, state, value, created, started, finished, "
      "heartbeat, worker) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
      study_id, trial.number, to_string(trial.state), encode_objective(trial.value), trial.created,
      trial.started, trial.finished, trial.heartbeat, trial.worker);
  if (!ok) return tl::unexpected(ok.error());
  trial.id = db.last_insert_rowid();
  auto stmt = db.prepare(
      "INSERT INTO trial_params (trial_id, name, kind, value) "
      "VALUES (?, ?, ?, ?)");
  if (!stmt) return tl::unexpected(stmt.error());
  for (const auto& [name, value] : trial.params) {
    EncodedParam encoded = encode_param(value);
    stmt->reset();
    stmt->bind_all(trial.id, name, encoded.kind, encoded.text);
    if (auto ran = stmt->run(); !ran) return tl::unexpected(ran.error());
  }
  return trial;
}

}  // namespace greentune::storage_detail
