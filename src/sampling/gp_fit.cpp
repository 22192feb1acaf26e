#include "sampling/gp_fit.hpp"

#include <LBFGSB.h>

#include <algorithm>
#include <cmath>
#include <exception>
#include <limits>
#include <numbers>
#include <utility>

#include "sampling/gp_model.hpp"

namespace greentune::gp {
namespace {

constexpr double kUnfactorisable = 1e30;  // objective where the covariance fails
constexpr double kWarpPriorSd = 0.75;
constexpr double kLengthscaleMin = 0.01;
constexpr double kLengthscaleMax = 30.0;

// The layout of theta: where each block starts.
struct Layout {
  Eigen::Index d;
  Eigen::Index signal() const { return d; }
  Eigen::Index noise() const { return d + 1; }
  Eigen::Index warp_a() const { return d + 2; }
  Eigen::Index warp_b() const { return 2 * d + 2; }
};

// Warped points and their derivatives with respect to log a and log b.
struct WarpedPoints {
  Eigen::MatrixXd w, d_log_a, d_log_b;
};

WarpedPoints warp_with_derivatives(const Kernel& kernel, const Eigen::MatrixXd& points) {
  WarpedPoints out{points, Eigen::MatrixXd::Zero(points.rows(), points.cols()),
                   Eigen::MatrixXd::Zero(points.rows(), points.cols())};
  const KernelParams& p = kernel.params();
  if (!p.warped()) return out;
  for (Eigen::Index d = 0; d < points.rows(); ++d) {
    if (kernel.kinds()[static_cast<size_t>(d)] == DimKind::kCategorical) continue;
    for (Eigen::Index j = 0; j < points.cols(); ++j) {
      Warped w = kumaraswamy(points(d, j), p.warp_a[d], p.warp_b[d]);
      out.w(d, j) = w.value;
      out.d_log_a(d, j) = w.d_log_a;
      out.d_log_b(d, j) = w.d_log_b;
    }
  }
  return out;
}

// Minimises from `start` within the bounds and returns the best point evaluated.
// LBFGSpp reports a failed line search by throwing; the best point so far stands.
Eigen::VectorXd minimize(const MapObjective& objective, Eigen::VectorXd start, int iterations,
                         double* best_value) {
  LBFGSpp::LBFGSBParam<double> param;
  param.max_iterations = iterations;
  param.epsilon = 1e-4;
  param.epsilon_rel = 1e-4;
  param.delta = 1e-8;
  LBFGSpp::LBFGSBSolver<double> solver(param);
  double best = std::numeric_limits<double>::infinity();
  Eigen::VectorXd best_theta = start;
  auto tracked = [&](const Eigen::VectorXd& theta, Eigen::VectorXd& grad) {
    double value = objective(theta, grad);
    if (value < best) {
      best = value;
      best_theta = theta;
    }
    return value;
  };
  double fx = 0.0;
  try {
    solver.minimize(tracked, start, fx, objective.lower_bounds(), objective.upper_bounds());
  } catch (const std::exception&) {
    // Keep the best point found before the line search gave up.
  }
  *best_value = best;
  return best_theta;
}

// The best optimum over a few fixed starting lengthscales.
Eigen::VectorXd multi_start(const MapObjective& objective, int iterations) {
  double best = std::numeric_limits<double>::infinity();
  Eigen::VectorXd best_theta;
  for (double lengthscale : {0.5, 0.15}) {
    double value = 0.0;
    Eigen::VectorXd theta =
        minimize(objective, objective.pack(objective.defaults(lengthscale)), iterations, &value);
    if (best_theta.size() == 0 || value < best) {
      best = value;
      best_theta = std::move(theta);
    }
  }
  return best_theta;
}

// At most `count` points spread evenly over the history's order (so over the study's
// phases: space-filling start, then the points the search chose).
void strided_subset(const Eigen::MatrixXd& points, const Eigen::VectorXd& values,
                    Eigen::Index count, Eigen::MatrixXd& sub_points, Eigen::VectorXd& sub_values) {
  Eigen::Index n = points.cols();
  Eigen::Index m = std::min(n, count);
  sub_points.resize(points.rows(), m);
  sub_values.resize(m);
  for (Eigen::Index k = 0; k < m; ++k) {
    Eigen::Index i = k * n / m;
    sub_points.col(k) = points.col(i);
    sub_values[k] = values[i];
  }
}

}  // namespace

MapObjective::MapObjective(std::vector<DimKind> kinds, const Eigen::MatrixXd& points,
                           const Eigen::VectorXd& values, bool input_warping)
    : kinds_(std::move(kinds)), points_(points), values_(values), warping_(input_warping) {}

Eigen::Index MapObjective::size() const {
  auto d = static_cast<Eigen::Index>(kinds_.size());
  return warping_ ? 3 * d + 2 : d + 2;
}

KernelParams MapObjective::unpack(const Eigen::VectorXd& theta) const {
  Layout at{static_cast<Eigen::Index>(kinds_.size())};
  KernelParams p;
  p.inv_sq_lengthscales = theta.head(at.d).array().exp();
  p.signal_var = std::exp(theta[at.signal()]);
  p.noise_var = kMinNoiseVar + std::exp(theta[at.noise()]);
  if (warping_) {
    p.warp_a = theta.segment(at.warp_a(), at.d).array().exp();
    p.warp_b = theta.segment(at.warp_b(), at.d).array().exp();
  }
  return p;
}

Eigen::VectorXd MapObjective::pack(const KernelParams& params) const {
  Layout at{static_cast<Eigen::Index>(kinds_.size())};
  Eigen::VectorXd theta = Eigen::VectorXd::Zero(size());
  theta.head(at.d) = params.inv_sq_lengthscales.array().log();
  theta[at.signal()] = std::log(params.signal_var);
  theta[at.noise()] = std::log(std::max(params.noise_var - kMinNoiseVar, 1e-12));
  if (warping_ && params.warped()) {
    theta.segment(at.warp_a(), at.d) = params.warp_a.array().log();
    theta.segment(at.warp_b(), at.d) = params.warp_b.array().log();
  }
  return theta;
}

Eigen::VectorXd MapObjective::lower_bounds() const {
  Layout at{static_cast<Eigen::Index>(kinds_.size())};
  Eigen::VectorXd lb = Eigen::VectorXd::Constant(size(), -2.0);  // warp shapes >= e^-2
  lb.head(at.d).setConstant(-2.0 * std::log(kLengthscaleMax));
  lb[at.signal()] = std::log(1e-2);
  lb[at.noise()] = std::log(1e-9);
  return lb;
}

Eigen::VectorXd MapObjective::upper_bounds() const {
  Layout at{static_cast<Eigen::Index>(kinds_.size())};
  Eigen::VectorXd ub = Eigen::VectorXd::Constant(size(), 2.0);  // warp shapes <= e^2
  ub.head(at.d).setConstant(-2.0 * std::log(kLengthscaleMin));
  ub[at.signal()] = std::log(1e2);
  ub[at.noise()] = 0.0;
  return ub;
}

KernelParams MapObjective::defaults(double lengthscale) const {
  auto d = static_cast<Eigen::Index>(kinds_.size());
  KernelParams p;
  p.inv_sq_lengthscales = Eigen::VectorXd::Constant(d, 1.0 / (lengthscale * lengthscale));
  p.signal_var = 1.0;
  p.noise_var = 1e-3;
  if (warping_) {
    p.warp_a = Eigen::VectorXd::Ones(d);
    p.warp_b = Eigen::VectorXd::Ones(d);
  }
  return p;
}

double MapObjective::log_prior(const Eigen::VectorXd& theta, Eigen::VectorXd& grad) const {
  Layout at{static_cast<Eigen::Index>(kinds_.size())};
  double lp = 0.0;
  for (Eigen::Index d = 0; d < at.d; ++d) {
    double lambda = std::exp(theta[d]);
    lp -= 0.1 * (lambda + 1.0 / lambda);
    grad[d] -= 0.1 * (lambda - 1.0 / lambda);
  }
  double s = std::exp(theta[at.signal()]);  // Gamma(2, 1): log s - s
  lp += std::log(s) - s;
  grad[at.signal()] += 1.0 - s;
  double excess = std::exp(theta[at.noise()]);  // Gamma(1.1, 30): 0.1 log v - 30 v
  double noise = kMinNoiseVar + excess;
  lp += 0.1 * std::log(noise) - 30.0 * noise;
  grad[at.noise()] += (0.1 / noise - 30.0) * excess;
  if (!warping_) return lp;
  double var = kWarpPriorSd * kWarpPriorSd;
  for (Eigen::Index k = at.warp_a(); k < size(); ++k) {
    lp -= 0.5 * theta[k] * theta[k] / var;
    grad[k] -= theta[k] / var;
  }
  return lp;
}

double MapObjective::operator()(const Eigen::VectorXd& theta, Eigen::VectorXd& grad) const {
  grad.setZero(size());
  Kernel kernel(kinds_, unpack(theta));
  const KernelParams& p = kernel.params();
  WarpedPoints wp = warp_with_derivatives(kernel, points_);
  Eigen::Index n = points_.cols();
  Eigen::ArrayXXd corr, slope;
  kernel.correlations(wp.w, wp.w, corr, &slope);
  Eigen::MatrixXd k = p.signal_var * corr.matrix();
  k.diagonal().array() += p.noise_var;
  std::optional<Factor> factor = factorize(std::move(k));
  if (!factor) return kUnfactorisable;
  Eigen::VectorXd alpha = factor->llt.solve(values_);
  double log_det = 2.0 * factor->llt.matrixLLT().diagonal().array().log().sum();
  double lml = -0.5 * values_.dot(alpha) - 0.5 * log_det -
               0.5 * static_cast<double>(n) * std::log(2.0 * std::numbers::pi);
  // d lml / d theta_k = 1/2 tr(G dK/dtheta_k) with G = alpha alpha^T - K^-1.
  Eigen::MatrixXd g = factor->llt.solve(Eigen::MatrixXd::Identity(n, n));
  g = alpha * alpha.transpose() - g;
  Layout at{static_cast<Eigen::Index>(kinds_.size())};
  grad[at.signal()] = 0.5 * p.signal_var * (g.array() * corr).sum();
  grad[at.noise()] = 0.5 * g.trace() * (p.noise_var - kMinNoiseVar);
  // dK_ij/dtheta = s m52'(r2_ij) dr2_ij/dtheta: weigh each pair once by D = G s m52'.
  Eigen::ArrayXXd dk = 0.5 * p.signal_var * g.array() * slope;
  for (Eigen::Index d = 0; d < at.d; ++d) {
    double lambda = p.inv_sq_lengthscales[d];
    Eigen::ArrayXd w = wp.w.row(d).transpose().array();
    Eigen::ArrayXd wa = wp.d_log_a.row(d).transpose().array();
    Eigen::ArrayXd wb = wp.d_log_b.row(d).transpose().array();
    bool categorical = kinds_[static_cast<size_t>(d)] == DimKind::kCategorical;
    for (Eigen::Index j = 0; j < n; ++j) {
      if (categorical) {
        grad[d] += lambda * (dk.col(j) * (w != w[j]).cast<double>()).sum();
        continue;
      }
      Eigen::ArrayXd diff = w - w[j];
      grad[d] += lambda * (dk.col(j) * diff.square()).sum();
      if (!warping_) continue;
      Eigen::ArrayXd weighted = 2.0 * lambda * dk.col(j) * diff;
      grad[at.warp_a() + d] += (weighted * (wa - wa[j])).sum();
      grad[at.warp_b() + d] += (weighted * (wb - wb[j])).sum();
    }
  }
  double lp = log_prior(theta, grad);
  grad = -grad;
  return -(lml + lp);
}

KernelParams fit_kernel_params(const std::vector<DimKind>& kinds, const Eigen::MatrixXd& points,
                               const Eigen::VectorXd& values, const FitOptions& options) {
  if (points.cols() <= options.subset_above) {
    MapObjective all(kinds, points, values, options.input_warping);
    return all.unpack(multi_start(all, options.max_iterations));
  }
  Eigen::MatrixXd sub_points, polish_points;
  Eigen::VectorXd sub_values, polish_values;
  strided_subset(points, values, options.subset_size, sub_points, sub_values);
  strided_subset(points, values, options.polish_size, polish_points, polish_values);
  MapObjective subset(kinds, sub_points, sub_values, options.input_warping);
  Eigen::VectorXd theta = multi_start(subset, options.max_iterations);
  MapObjective polish(kinds, polish_points, polish_values, options.input_warping);
  double value = 0.0;
  return polish.unpack(minimize(polish, theta, options.polish_iterations, &value));
}

}  // namespace greentune::gp
