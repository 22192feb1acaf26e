// A GP conditioned on observations: the posterior of the latent function.
//
// Values are expected standardised (mean 0, scale 1) and the kernel's hyperparameters
// fixed (gp_fit.hpp chooses them).  Conditioning factorises K + noise I by Cholesky,
// adding jitter to the diagonal, growing tenfold, until the factorisation succeeds
// (duplicated points with a tiny noise make K singular in floating point).
#pragma once

#include <Eigen/Cholesky>
#include <Eigen/Core>
#include <optional>

#include "greentune/result.hpp"
#include "sampling/gp_kernel.hpp"

namespace greentune::gp {

// A Cholesky factor of a covariance matrix and the jitter it needed.
struct Factor {
  Eigen::LLT<Eigen::MatrixXd> llt;
  double jitter = 0.0;  // added to the diagonal; 0 when none was needed
};

// Factorises k (symmetric; noise already on its diagonal), adding jitter when needed:
// first none, then 1e-10 times the mean diagonal, growing tenfold up to 1e-1 times it.
// nullopt when even the largest jitter fails or k holds non-finite entries.
std::optional<Factor> factorize(Eigen::MatrixXd k);

// Posterior mean and variance of the latent function at a point.
struct Prediction {
  double mean = 0.0;
  double var = 0.0;
};

// The same with the gradients with respect to the point's coordinates (zero for
// categorical coordinates, which only change by discrete moves).
struct PredictionGrad {
  double mean = 0.0;
  double var = 0.0;
  Eigen::VectorXd d_mean;
  Eigen::VectorXd d_var;
};

class GpModel {
 public:
  // Conditions on points (d x n, columns on the unit cube) with values (n).  kInternal
  // when the covariance cannot be factorised (non-finite inputs).
  // REQUIRES: points.rows() == kernel.dims(), points.cols() == values.size() >= 1.
  static Result<GpModel> condition(Kernel kernel, Eigen::MatrixXd points, Eigen::VectorXd values);

  // The kriging believer: the same GP with `pending` (d x p) added as observations of
  // the current posterior mean.  The mean is unchanged; the variance shrinks near them.
  Result<GpModel> with_fantasies(const Eigen::MatrixXd& pending) const;

  Prediction predict(const Eigen::VectorXd& x) const;
  PredictionGrad predict_with_grad(const Eigen::VectorXd& x) const;
  // Means and variances at the columns of `queries` (d x m); O(n^2 m).
  void predict_batch(const Eigen::MatrixXd& queries, Eigen::VectorXd& mean,
                     Eigen::VectorXd& var) const;

  // log p(values | points, hyperparameters), with the jitter included.
  double log_marginal_likelihood() const;
  double jitter() const { return factor_.jitter; }
  const Kernel& kernel() const { return kernel_; }
  const Eigen::MatrixXd& points() const { return points_; }
  const Eigen::VectorXd& values() const { return values_; }

 private:
  GpModel(Kernel kernel, Eigen::MatrixXd points, Eigen::VectorXd values, Factor factor);

  Kernel kernel_;
  Eigen::MatrixXd points_;  // d x n, raw coordinates
  Eigen::MatrixXd warped_;  // d x n, as the kernel sees them
  Eigen::VectorXd values_;
  Factor factor_;
  Eigen::VectorXd alpha_;  // (K + noise I + jitter I)^-1 values
};

}  // namespace greentune::gp
