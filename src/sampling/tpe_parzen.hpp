// The Parzen estimator of TPE: a weighted mixture over the unit cube with one kernel
// per observed trial plus a prior kernel, shared by every dimension.
//
// Per dimension, kernel k is
//   - continuous and binned params: a Gaussian N(mu_k, sigma_k^2) truncated to [0, 1];
//     binned params (ints, stepped floats) are scored by the kernel's mass on the bin
//     that holds the point, continuous ones by its density;
//   - categorical params: probabilities (c + [choice == observed_k]) / (K c + 1), with
//     c = prior_weight / (n + 1) over K choices (the prior kernel: 1 / K each).
// The prior kernel is N(0.5, 1) truncated to [0, 1] (nearly flat: its density varies by
// 12% over the interval), as Optuna 3.1 uses.
//
// Bandwidths follow Optuna 3.1:
//   - independent (one mixture per param): sigma_k is the larger of the gaps to the
//     neighbouring observations once the prior's centre and the ends 0 and 1 are added
//     to the sorted centres; without consider_endpoints the first and the last centre
//     use their inner gap only;
//   - multivariate (one joint mixture): Scott's rule as in BOHB, sigma = 0.2 *
//     n^(-1/(dims + 4)) for every observation kernel;
//   - the "magic clip" bounds every observation bandwidth to [1 / min(100, n + 2), 1],
//     so that a crowd of observations does not shrink kernels to spikes;
//   - the prior kernel keeps sigma = 1.
// Weights follow Optuna's default: 1 for the 25 newest observations, a linear ramp
// from 1/n up to 1 for older ones, and prior_weight for the prior; normalised.  Kernels
// are drawn by these weights.
//
// Independent scoring (log_marginal) uses, with bandwidth_weights (the default), each
// kernel's weight times its bandwidth on continuous dimensions, renormalised: every
// kernel then has the same peak height whatever its width.  This is what Optuna 3.1's
// TPE computes: its truncated-normal log density leaves out the -log(sigma) term
// (Optuna issue 5109, fixed in 3.5), so its l and g are these mixtures up to a constant
// factor each, which the ranking by log l - log g does not see.  Wide kernels (isolated
// observations, the prior) count for more than in the plain mixture and a crowd of
// narrow ones for less.  On bench/tuning_efficiency it reaches low regret sooner on
// Hartmann6 and Rosenbrock and as soon on Branin, so we keep it.
//
// Multivariate scoring (log_joint) uses the plain weights (as Optuna 3.5 and later):
// there every observation has the same bandwidths, and the only effect of bandwidth
// weights would be to inflate the prior by (1 / sigma)^dims, a dimension-dependent
// artifact that flattened l and g on our correlated-valley test.
#pragma once

#include <cstdint>
#include <optional>
#include <random>
#include <span>
#include <vector>

#include "sampling/tpe_history.hpp"
#include "sampling/tpe_kernels.hpp"

namespace greentune::tpe {

struct ParzenOptions {
  bool multivariate = false;        // Scott's-rule bandwidths for a joint density
  double prior_weight = 1.0;        // weight of the prior kernel before normalising
  bool consider_magic_clip = true;  // clip bandwidths from below by 1 / min(100, n + 2)
  bool consider_endpoints = false;  // let the outermost observations see the ends
  bool bandwidth_weights = true;    // independent scoring: weights times bandwidths (above)
};

// Optuna's default weights of n observations in trial order (oldest first).
std::vector<double> default_weights(size_t n);

class ParzenEstimator {
 public:
  // A mixture over the given rows of history (in trial order) plus the prior; keeps
  // nothing of history.  REQUIRES: axes describe history's dims; rows index history.
  ParzenEstimator(const History& history, std::span<const uint32_t> rows,
                  const std::vector<Axis>& axes, const ParzenOptions& options);

  size_t kernels() const { return log_w_.size(); }

  // A kernel drawn by weight.
  size_t sample_kernel(std::mt19937_64& gen) const;
  // A coordinate of dimension d drawn from kernel k: in [0, 1], and for a categorical
  // dimension the centre of the chosen choice.  Not yet canonical for binned dims.
  double sample(size_t d, size_t k, std::mt19937_64& gen) const;

  // log of dimension d's own mixture at the canonical coordinate u: a density for
  // continuous params, the mass of u's bin for binned ones, a probability for choices.
  // scratch is reused between calls to save allocations.
  double log_marginal(const SearchSpace& space, size_t d, double u,
                      std::vector<double>& scratch) const;
  // log of the joint mixture (product kernels) at the canonical point x.
  double log_joint(const SearchSpace& space, std::span<const double> x,
                   std::vector<double>& scratch) const;

 private:
  // A categorical dimension.
  struct Choices {
    uint64_t count = 0;
    std::vector<uint32_t> observed;  // the choice of each observation kernel
    double hit_mass = 0.0;           // an observation kernel's probability of its choice
    double miss_mass = 0.0;          // ... and of each other choice
  };

  // Bandwidths of one numeric dimension (observations, then the prior), and in `order`
  // the kernels sorted by centre (left empty for multivariate bandwidths).
  std::vector<double> bandwidths(const std::vector<double>& mu, std::vector<uint32_t>& order) const;
  Choices choices_of(std::vector<uint32_t> observed, uint64_t count) const;
  double log_choice_marginal(const Choices& c, double u) const;
  void add_log_choice(const Choices& c, double u, std::span<double> acc) const;

  ParzenOptions options_;
  size_t observations_ = 0;
  size_t dims_ = 0;
  std::vector<Axis> axes_;
  std::vector<std::optional<GaussianColumn>> numeric_;  // per dimension, unless categorical
  std::vector<Choices> choices_;                        // per dimension (unused unless categorical)
  std::vector<double> w_;            // normalised weights, prior last: for drawing kernels
  std::vector<double> log_w_;        // their logs
  std::vector<double> cum_w_;        // running sums, for drawing kernels
  std::vector<double> joint_log_w_;  // log weights of the joint mixture, for scoring
};

}  // namespace greentune::tpe
