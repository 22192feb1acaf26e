// A study: a search space, a direction, a metric, and its trials in storage.
//
// Study is a thin handle: every call reads or writes storage, so several processes may
// hold handles on the same study (ask/tell from external loops, workers).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "greentune/result.hpp"
#include "greentune/sampler.hpp"
#include "greentune/space.hpp"
#include "greentune/storage.hpp"
#include "greentune/trial.hpp"
#include "greentune/warm_start.hpp"

namespace greentune {

class Study {
 public:
  // Loads an existing study; kNotFound (message names the study and how to list them).
  // A study whose spec names warm-start parents (record.spec.search.warm_start) loads
  // their trials finished by its creation (see warm_start.hpp); their errors pass through.
  static Result<Study> load(Storage& storage, const std::string& name);
  // Creates the study; kConflict when the name is taken.  Warm-start parents are loaded
  // and checked first: on their errors nothing is written.
  static Result<Study> create(Storage& storage, StudyRecord record, double now);

  const StudyRecord& record() const { return record_; }
  const SearchSpace& space() const { return space_; }
  Direction direction() const { return record_.direction; }
  int64_t id() const { return record_.id; }

  // Starts a trial for `worker` (current_worker_id() for an orchestrator, "" for an
  // outside loop): the lowest enqueued (WAITING) trial if there is one, else new params
  // from the sampler.  kExhausted when the sampler has nothing new left.
  Result<Trial> ask(double now, const std::string& worker);
  // Finishes a running trial.  A complete trial needs a finite value.
  Status tell(int64_t number, TrialState state, std::optional<double> value, double now);
  // Adds a WAITING trial with the given params (validated against the space).
  Result<Trial> enqueue(const Params& params, double now);

  Result<std::vector<Trial>> trials() const;
  // The parents' trials the sampler learns from (SampleRequest::prior), loaded once when
  // the study is opened; empty without a warm start.  Never part of trials().
  const WarmStart& warm_start() const { return *warm_start_; }
  // Re-reads the study record (stopped_because, elapsed) from storage.
  Status refresh();

  Storage& storage() const { return *storage_; }

 private:
  Study(Storage* storage, StudyRecord record, SearchSpace space, std::unique_ptr<Sampler> sampler,
        WarmStart warm_start);

  Storage* storage_;
  StudyRecord record_;
  SearchSpace space_;
  std::shared_ptr<const Sampler> sampler_;
  std::shared_ptr<const WarmStart> warm_start_;
};

// ---------------------------------------------------------------- completion criteria

// When a study has done its work.  Any criterion that is met ends it.
struct CompletionSpec {
  std::optional<double> target;          // acceptable performance: end once the best meets it
  std::optional<int64_t> max_trials;     // trials started (finished + running)
  std::optional<double> max_wall_s;      // wall time running trials, over all sessions
  std::optional<int64_t> patience;       // finished trials since the best last improved
  std::optional<int64_t> convergence;    // window of finished trials ...
  double convergence_tolerance = 0.01;   // ... whose best improved by no more than this share
  std::optional<double> max_energy_kwh;  // seam for the energy issue
  std::optional<double> max_co2e_g;      // seam for the energy issue
};

// What the study has spent so far, as the criteria see it.
struct StudyProgress {
  Direction direction = Direction::kMinimize;
  const std::vector<Trial>* trials = nullptr;  // by number
  double elapsed_s = 0.0;
  double energy_kwh = 0.0;
  double co2e_g = 0.0;
};

struct CompletionReason {
  std::string criterion;  // "target" | "max_trials" | "max_wall" | "patience" |
                          // "convergence" | "max_energy_kwh" | "max_co2e_g" | "exhausted"
  std::string detail;     // one line for people, with the numbers
};

// The first criterion that is met, in the order above, or nullopt.  Pure.
std::optional<CompletionReason> check_completion(const CompletionSpec& spec,
                                                 const StudyProgress& progress);

}  // namespace greentune
