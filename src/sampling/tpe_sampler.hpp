// Tree-structured Parzen Estimator (Bergstra et al. 2011), with Optuna 3.1's TPESampler
// as the reference for its choices.
//
// Until n_startup_trials trials have finished (complete or pruned), trial n gets point n
// of the seeded Sobol sequence that sampler = "qmc" uses: a small budget then covers the
// space more evenly than independent draws would.  After that each suggestion
//   1. ranks the finished trials (complete by value, then pruned ones by their last
//      value, later steps first) and puts the best gamma(n) = min(ceil(n / 10), 25) in
//      "below", the rest in "above"; running and waiting trials join "above" as a
//      constant liar, so concurrent suggestions are steered away from points in flight;
//      failed trials are ignored;
//   2. fits a Parzen estimator l(x) to "below" and g(x) to "above" in the unit cube (see
//      tpe_parzen.hpp for kernels, bandwidths and weights);
//   3. draws n_ei_candidates points from l and keeps the one with the largest
//      log l(x) - log g(x).  Independent mode (the default) does this per parameter, as
//      Optuna does; multivariate mode draws whole points from the joint product-kernel
//      mixture and scores them by the joint ratio.
// Warm-start trials (SampleRequest::prior) come first in the history, as its oldest
// trials: they count as finished (startup, gamma) and join "below" or "above" by value.
// No energy spent twice: a suggestion equal to the params of an existing trial of the
// study (any state; possible when every param is discrete; warm-start trials do not
// count) is replaced by the best-scoring candidate that no trial holds, then by a random
// untried point; when every point of a finite space has been tried the sampler answers
// kExhausted.
//
// Cost per suggestion: O(trials * dims) to read the history and sort the centres (radix
// sort) and at most O(candidates * trials * dims) for scoring, of which far kernels are
// skipped; no state is kept between calls.  bench/sampler_overhead measures about 0.8 ms
// per ask + tell at 1000 trials and 6 params in memory.  Deterministic on one platform;
// libm's log/erfc may differ in the last bit between platforms, which can (rarely)
// change a choice.
#pragma once

#include <cstdint>
#include <optional>

#include "greentune/sampler.hpp"

namespace greentune {

struct TpeOptions {
  int64_t n_startup_trials = 10;    // finished trials before TPE takes over from Sobol points
  int64_t n_ei_candidates = 24;     // candidates drawn from l(x) per suggestion (per param)
  bool multivariate = false;        // one joint density over all params instead of one each
  double prior_weight = 1.0;        // weight of the prior kernel against each observation's
  bool consider_magic_clip = true;  // bound bandwidths from below (see tpe_parzen.hpp)
  bool consider_endpoints = false;  // let the outermost observations' bandwidths see 0 and 1
  bool bandwidth_weights = true;    // Optuna 3.1's scoring weights (see tpe_parzen.hpp)
};

class TpeSampler : public Sampler {
 public:
  // seed: when set, replaces the study seed of every request.
  explicit TpeSampler(std::optional<uint64_t> seed = std::nullopt, TpeOptions options = {})
      : seed_(seed), options_(options) {}
  std::string_view name() const override { return "tpe"; }
  // kExhausted ("every point of the search space has been tried (N points)") when every
  // param is discrete and every point is held by some trial.
  Result<Params> sample(const SampleRequest& req) const override;

  const TpeOptions& options() const { return options_; }

  // Optuna's default gamma: how many of n finished trials count as good.
  static size_t gamma(size_t n);

 private:
  std::optional<uint64_t> seed_;
  TpeOptions options_;
};

}  // namespace greentune
