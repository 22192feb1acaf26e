// The GP sampler's acquisition: log expected improvement (LogEI), and its search.
//
// EI underflows to 0 far from the incumbent, leaving flat regions where neither the
// ranking of candidates nor gradients carry information.  LogEI (Ament et al. 2023,
// "Unexpected improvements to expected improvement") evaluates log EI directly:
// log EI = log h(z) + log sigma with h(z) = phi(z) + z Phi(z), z = (best - mean)/sigma.
// For z > -5, h is computed directly (relative error ~ z^2 eps).  Below, h(z) =
// phi(z) c / (|z| + c) with c the tail 1/(t + 2/(t + 3/(t + ...))), t = |z|, of the
// continued fraction of the Mills ratio, which has no cancellation and stays finite for
// any z (log h ~ -z^2/2 - 2 log|z| as z -> -inf).
//
// Search: the acquisition is scored on candidates (Sobol points, or every untried
// point of a small finite space); the best few, and the incumbent, are refined by
// L-BFGS-B on the relaxed coordinates (box [0,1]) alternated with discrete moves
// (neighbouring values, other choices) until neither improves.
#pragma once

#include <Eigen/Core>
#include <vector>

#include "sampling/gp_domain.hpp"
#include "sampling/gp_model.hpp"

namespace greentune::gp {

// log h(z) and its derivative h'(z)/h(z) = Phi(z)/h(z).
struct LogH {
  double value = 0.0;
  double slope = 0.0;
};
LogH log_h(double z);

// log EI for minimisation at a posterior (mean, var) given the incumbent `best`.
double log_ei(double mean, double var, double best);

// LogEI of a model's latent posterior; variances below kMinVar count as kMinVar.
class LogEi {
 public:
  static constexpr double kMinVar = 1e-12;

  // `model` must outlive the acquisition.
  LogEi(const GpModel& model, double best) : model_(&model), best_(best) {}
  double operator()(const Eigen::VectorXd& x) const;
  // The value and its gradient with respect to x (zero on categorical coordinates).
  double value_grad(const Eigen::VectorXd& x, Eigen::VectorXd& grad) const;
  // Values at the columns of xs.
  Eigen::VectorXd batch(const Eigen::MatrixXd& xs) const;

 private:
  const GpModel* model_;
  double best_;
};

struct SearchOptions {
  int local_starts = 5;       // best candidates refined (plus the incumbent)
  int lbfgs_iterations = 40;  // per refinement round
  int rounds = 3;             // continuous / discrete alternations per start
};

struct ScoredPoint {
  Eigen::VectorXd x;  // canonical
  double value = 0.0;
};

// Candidates (d x m) and the refined points, canonical and ranked best first (ties in
// the order found).  `incumbent` (canonical, may be empty) is refined too.
std::vector<ScoredPoint> rank_points(const LogEi& acq, const Domain& domain,
                                     const Eigen::MatrixXd& candidates,
                                     const Eigen::VectorXd& incumbent,
                                     const SearchOptions& options);

}  // namespace greentune::gp
