// Samplers suggest the parameters of the next trial.
//
// A sampler is a strategy: a pure function of the request it is given (space,
// direction, history, the new trial's number, the study seed).  It keeps no state of
// its own between calls, so `greentune ask` in a fresh process and `greentune tune`
// produce the same sequence for a seeded study.  Running trials are part of the history
// (state kRunning, no value) so that samplers can steer away from points in flight.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "greentune/result.hpp"
#include "greentune/space.hpp"
#include "greentune/trial.hpp"

namespace greentune {

struct SampleRequest {
  const SearchSpace& space;
  Direction direction = Direction::kMinimize;
  const std::vector<Trial>& trials;  // every trial so far, by number (all states)
  int64_t number = 0;                // the number the new trial will get
  uint64_t seed = 0;                 // the study's seed
  // Warm start: finished trials of parent studies (complete, or pruned with a value),
  // params already matched to `space`, numbered -1, -2, ... so that they never collide
  // with the study's own.  Samplers that use history (tpe, gp, auto) learn from them as
  // from older trials; they do not count as tried points (a finite space is exhausted by
  // the study's own trials only).  Null or empty: no warm start.
  const std::vector<Trial>* prior = nullptr;
};

class Sampler {
 public:
  virtual ~Sampler() = default;
  virtual std::string_view name() const = 0;
  // False for samplers that never look at SampleRequest::trials (random, qmc): storage
  // then skips reading the history, so asking stays cheap as a study grows.
  virtual bool uses_history() const { return true; }
  // Returns params valid for req.space, or kExhausted when no new point is left.
  // REQUIRES: deterministic in req.
  virtual Result<Params> sample(const SampleRequest& req) const = 0;
};

// Builds a sampler from its stored description {"name": "auto"|"random"|"qmc"|"grid"|"tpe"|
// "gp", ...} (a bare string "qmc" is short for {"name": "qmc"}).  Options: "seed" (a
// non-negative integer; when present it replaces SampleRequest::seed), for qmc "scramble"
// (default true), for tpe "multivariate" (default false), "n_startup_trials" (10) and
// "n_ei_candidates" (24), for gp "n_startup_trials" (10), "output_warping" (true) and
// "input_warping" (false), for auto "n_startup_trials" (10).  Unknown options are refused.
// kInvalidArgument names the accepted samplers.
Result<std::unique_ptr<Sampler>> make_sampler(const nlohmann::json& config);

// The names make_sampler accepts, for messages and validation.
std::vector<std::string> sampler_names();

}  // namespace greentune
