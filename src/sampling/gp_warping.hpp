// Output warping for the GP sampler: objective values (to be minimised) are
// standardised, optionally passed through a Yeo-Johnson power transform whose lambda
// maximises the Gaussian likelihood of the result, and standardised again.
//
// Losses are often skewed (a few diverged runs far above the rest); a GP with a
// stationary kernel then spends its fit on the outliers.  The transform is monotone
// increasing for every lambda, so the order of values, the incumbent and the
// improvement the acquisition seeks are all kept.  Yeo-Johnson rather than Box-Cox
// because it accepts values of either sign.
#pragma once

#include <Eigen/Core>

namespace greentune::gp {

// Lambda is searched in this range.
inline constexpr double kYeoJohnsonMin = -2.0;
inline constexpr double kYeoJohnsonMax = 3.0;

// (y - mean) / sd with the population sd; sd 1 when the values are (nearly) equal.
Eigen::VectorXd standardize(const Eigen::VectorXd& y);

// The Yeo-Johnson transform of y for lambda.
double yeo_johnson(double y, double lambda);

// Profile log likelihood of lambda: the Gaussian log likelihood of the transformed
// values at their ML mean and variance, plus the log Jacobian of the transform.
double yeo_johnson_log_likelihood(const Eigen::VectorXd& y, double lambda);

// The lambda in [kYeoJohnsonMin, kYeoJohnsonMax] of highest likelihood (a grid, then
// golden-section search around the best grid point; deterministic).
double fit_yeo_johnson(const Eigen::VectorXd& y);

// The values the GP is fitted to: standardised, then warped and standardised again
// when `warp` is set.  REQUIRES: finite values.
Eigen::VectorXd transform_outputs(const Eigen::VectorXd& y, bool warp);

}  // namespace greentune::gp
