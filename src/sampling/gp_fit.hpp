// Choosing the kernel's hyperparameters: maximum a posteriori (log marginal likelihood
// plus log priors) by L-BFGS-B over log-parameters.
//
// Priors (values standardised, inputs on the unit cube):
//   lambda_d = 1/lengthscale_d^2:  log p = -0.1 (lambda + 1/lambda), flat between about
//                                   lengthscale 0.3 and 3, mild beyond (Optuna's choice);
//   signal variance s:             Gamma(2, 1), mode 1;
//   noise variance (above 1e-6):   Gamma(1.1, 30), mode about 0.003;
//   Kumaraswamy log a, log b:      Normal(0, 0.75^2), centred on no warping.
// Bounds keep lengthscales in [0.01, 30], s in [0.01, 100], noise in [1e-6, 1].
//
// The sampler keeps no state between suggestions, so there is no previous fit to warm
// start from.  Instead the fit starts from fixed defaults (and one restart with shorter
// lengthscales), and when there are many points it first fits a strided subset of them
// (cheap: the cost is cubic in the points) and polishes that optimum on a larger strided
// subset (all points up to polish_size).  Beyond that the hyperparameters come from a
// subset, as a cost cap: the posterior still conditions on every point.  On Branin,
// Hartmann6 and Rosenbrock-4D (5 seeds, 150 evaluations) the subsets changed the median
// regret by less than seed-to-seed noise.  Every step is deterministic, so the same
// data give the same hyperparameters.
#pragma once

#include <Eigen/Core>
#include <vector>

#include "sampling/gp_kernel.hpp"

namespace greentune::gp {

// The noise variance never goes below this: values are standardised, so it is relative
// to their spread.
inline constexpr double kMinNoiseVar = 1e-6;

struct FitOptions {
  bool input_warping = false;  // fit Kumaraswamy shapes for continuous/ordinal dims
  int max_iterations = 40;     // L-BFGS-B iterations per start
  int subset_above = 80;       // more points than this: fit a subset first
  int subset_size = 48;        // points in that subset
  int polish_size = 128;       // at most this many points (strided) in the polish
  int polish_iterations = 12;  // L-BFGS-B iterations on the polish points
};

// The negative log posterior of the hyperparameters as a function of the vector
// theta = [log lambda (d), log s, log(noise - kMinNoiseVar), log a (d), log b (d)]
// (the warping entries only with input warping).
class MapObjective {
 public:
  // REQUIRES: points d x n on the unit cube, values of size n >= 1, finite.
  MapObjective(std::vector<DimKind> kinds, const Eigen::MatrixXd& points,
               const Eigen::VectorXd& values, bool input_warping);

  Eigen::Index size() const;
  // The value at theta; writes the gradient into grad (resized).  A huge value with a
  // zero gradient when the covariance cannot be factorised.
  double operator()(const Eigen::VectorXd& theta, Eigen::VectorXd& grad) const;

  KernelParams unpack(const Eigen::VectorXd& theta) const;
  Eigen::VectorXd pack(const KernelParams& params) const;
  Eigen::VectorXd lower_bounds() const;
  Eigen::VectorXd upper_bounds() const;
  // The default hyperparameters: lengthscales `lengthscale`, s = 1, noise 1e-3, no warp.
  KernelParams defaults(double lengthscale) const;

 private:
  double log_prior(const Eigen::VectorXd& theta, Eigen::VectorXd& grad) const;

  std::vector<DimKind> kinds_;
  const Eigen::MatrixXd& points_;  // outlives the objective
  const Eigen::VectorXd& values_;
  bool warping_;
};

// The MAP hyperparameters for standardised values at points (d x n).
KernelParams fit_kernel_params(const std::vector<DimKind>& kinds, const Eigen::MatrixXd& points,
                               const Eigen::VectorXd& values, const FitOptions& options);

}  // namespace greentune::gp
