// Storage: where studies and trials live.  Everything that matters is written here
// first; every other part of greentune reads state back from it.
//
// Backends: memory ("memory:"), SQLite ("sqlite:///rel.db", "sqlite:////abs.db"; the
// embedded default), PostgreSQL ("postgresql://...", a later issue).
//
// Thread safety: a Storage may be used from several threads at once.  The SQLite
// backend is also safe across processes: every state change runs in one transaction
// (BEGIN IMMEDIATE, busy timeout), so trial numbers stay dense and unique with many
// processes asking at once.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "greentune/result.hpp"
#include "greentune/trial.hpp"

namespace greentune {

struct StudyRecord {
  int64_t id = -1;
  std::string name;
  Direction direction = Direction::kMinimize;
  std::string metric = "value";
  nlohmann::ordered_json space = nlohmann::ordered_json::object();  // SearchSpace::to_json()
  nlohmann::json sampler = nlohmann::json::object();  // {"name": "qmc", "seed": 7, ...}
  nlohmann::json spec = nlohmann::json::object();     // the validated study spec, if any
  double created = 0.0;
  std::optional<double> finished;  // set when a completion criterion ended the study
  std::string stopped_because;     // the criterion that ended it ("target", ...); "" while open
  double elapsed_s = 0.0;          // wall time spent running trials, over all sessions
};

// Something that happened to a study or trial: why a trial was stopped, what fired,
// warnings about reports.  `data` holds the numbers behind it.
struct Event {
  int64_t id = -1;
  int64_t study_id = -1;
  std::optional<int64_t> trial_id;
  double time = 0.0;
  std::string kind;     // e.g. "completion", "trial_failed", "report_warning"
  std::string level = "info";  // "info" | "warning" | "error"
  std::string message;  // one line for people
  nlohmann::json data = nlohmann::json::object();
};

// One sample of a trial's process tree (filled in by the executor's monitor).  The last
// sample of a program that exited is taken at its exit: CPU time from wait4 (the whole
// tree, as /usr/bin/time reports it) and, in rss_bytes, the peak RSS seen.
struct SystemSample {
  double time = 0.0;
  double cpu_user_s = 0.0;    // cumulative
  double cpu_system_s = 0.0;  // cumulative
  double cpu_utilization = 0.0;  // cores busy over the last interval (1.0 = one core)
  int64_t rss_bytes = 0;
  int64_t threads = 0;
  int64_t io_read_bytes = 0;   // cumulative
  int64_t io_write_bytes = 0;  // cumulative
  double gpu_utilization = 0.0;  // 0..1 over the trial's GPUs, if any
  int64_t gpu_memory_bytes = 0;
};

// Energy of one trial for one component ("cpu", "dram", "gpu").
struct EnergyRecord {
  std::string component;
  double joules = 0.0;
  std::string source;  // "rapl" | "nvml" | "model"
};

struct Artifact {
  int64_t id = -1;
  int64_t trial_id = -1;
  std::string name;
  std::string path;
  int64_t bytes = 0;
  double created = 0.0;
};

class Storage {
 public:
  virtual ~Storage() = default;

  // ---- studies
  // Creates a study; kConflict if the name is taken.  Fills in id.
  virtual Result<StudyRecord> create_study(StudyRecord study) = 0;
  // nullopt when there is no study of that name.
  virtual Result<std::optional<StudyRecord>> find_study(const std::string& name) = 0;
  virtual Result<std::vector<StudyRecord>> list_studies() = 0;
  // Marks the study finished by a completion criterion (or clears it when reason is "").
  virtual Status set_study_stopped(int64_t study_id, const std::string& reason, double now) = 0;
  virtual Status add_study_elapsed(int64_t study_id, double seconds) = 0;

  // ---- trials
  // Called inside the trial-creating transaction with the number the new trial gets and
  // every trial of the study so far (by number).  Returns the new trial's params.
  using ParamsFn = std::function<Result<Params>(int64_t number, const std::vector<Trial>& trials)>;
  struct NewTrial {
    NewTrial(TrialState state_in, double now_in, std::string worker_in = "",
             bool with_history_in = true)
        : state(state_in), now(now_in), worker(std::move(worker_in)),
          with_history(with_history_in) {}
    TrialState state;   // kRunning (ask) or kWaiting (enqueue)
    double now;
    std::string worker;  // who runs it; "" for an outside loop
    bool with_history;   // false: make_params gets an empty list (cheaper)
  };
  // Atomically: reads the study's trials (when with_history), picks the next dense number,
  // calls make_params, and inserts the trial (kRunning sets started).  If make_params fails
  // nothing is written and its error is returned.
  // REQUIRES: make_params does not call back into this storage.
  virtual Result<Trial> create_trial(int64_t study_id, const NewTrial& how,
                                     const ParamsFn& make_params) = 0;
  // Atomically moves the lowest-numbered WAITING trial to RUNNING for `worker`; nullopt if
  // none.
  virtual Result<std::optional<Trial>> claim_waiting_trial(int64_t study_id, double now,
                                                           const std::string& worker) = 0;
  // RUNNING -> COMPLETE | PRUNED | FAILED with an optional value.  kConflict if the trial
  // is already finished (the stored trial is unchanged), kNotFound if there is none.
  virtual Status finish_trial(int64_t trial_id, TrialState state, std::optional<double> value,
                              double now) = 0;
  // RUNNING -> WAITING, keeping params (a trial whose worker died, to be run again).
  virtual Status requeue_trial(int64_t trial_id) = 0;
  virtual Status heartbeat(int64_t trial_id, double now) = 0;
  virtual Status add_intermediate(int64_t trial_id, const std::string& metric, int64_t step,
                                  double value, double now) = 0;
  // Every metric of one report at once (one transaction where the storage has them).
  virtual Status add_intermediates(int64_t trial_id, int64_t step,
                                   const std::map<std::string, double>& metrics, double now) {
    for (const auto& [metric, value] : metrics) {
      if (auto ok = add_intermediate(trial_id, metric, step, value, now); !ok) return ok;
    }
    return {};
  }
  // Every trial of the study, by number, with params and intermediate values.
  virtual Result<std::vector<Trial>> trials(int64_t study_id) = 0;
  virtual Result<std::optional<Trial>> trial(int64_t study_id, int64_t number) = 0;

  // ---- what happened, how it ran, what it cost, what it left
  virtual Status add_event(const Event& event) = 0;
  virtual Result<std::vector<Event>> events(int64_t study_id) = 0;
  virtual Status add_system_sample(int64_t trial_id, const SystemSample& sample) = 0;
  virtual Result<std::vector<SystemSample>> system_samples(int64_t trial_id) = 0;
  // Sets (replaces) the energy of one component of a trial.
  virtual Status set_trial_energy(int64_t trial_id, const EnergyRecord& energy) = 0;
  virtual Result<std::vector<EnergyRecord>> trial_energy(int64_t trial_id) = 0;
  virtual Result<int64_t> add_artifact(const Artifact& artifact) = 0;
  virtual Result<std::vector<Artifact>> artifacts(int64_t trial_id) = 0;

  // ---- whole-study reads, for reports and the dashboard (one query where the storage
  // has them; the defaults ask trial by trial).
  // Every trial's energy records, by trial id (trials without any are absent).
  virtual Result<std::map<int64_t, std::vector<EnergyRecord>>> study_energy(int64_t study_id);
  // Every trial's /proc samples, by trial id, in the order they were taken.
  virtual Result<std::map<int64_t, std::vector<SystemSample>>> study_samples(int64_t study_id);
  // Every trial's artifacts, by trial id.
  virtual Result<std::map<int64_t, std::vector<Artifact>>> study_artifacts(int64_t study_id);
  // Changes whenever anything in the storage may have changed, from this process or
  // another (SQLite: PRAGMA data_version plus this connection's own changes); nullopt
  // when the storage cannot tell.  For caches of what was read.
  virtual Result<std::optional<int64_t>> change_counter() { return std::nullopt; }
};

// Opens a storage from its URL.  kInvalidArgument for an unknown or malformed URL
// (the message lists the accepted forms); kStorage if the database cannot be opened.
Result<std::unique_ptr<Storage>> open_storage(const std::string& url);

// The default URL: sqlite:///./greentune.db
inline constexpr const char* kDefaultStorageUrl = "sqlite:///./greentune.db";

}  // namespace greentune
