// Independent uniform sampling in the unit cube, decoded through the space (so log
// params are log-uniform and discrete values equally likely).
#pragma once

#include <optional>

#include "greentune/sampler.hpp"

namespace greentune {

class RandomSampler : public Sampler {
 public:
  // seed: when set, replaces the study seed of every request.
  explicit RandomSampler(std::optional<uint64_t> seed = std::nullopt) : seed_(seed) {}
  std::string_view name() const override { return "random"; }
  bool uses_history() const override { return false; }
  // Trial n's params depend only on (seed, n): the history is not consulted.
  Result<Params> sample(const SampleRequest& req) const override;

 private:
  std::optional<uint64_t> seed_;
};

}  // namespace greentune
