#include "sampling/gp_warping.hpp"

#include <cmath>

namespace greentune::gp {
namespace {

constexpr int kGridPoints = 26;
constexpr int kGoldenSteps = 30;
constexpr double kNearZero = 1e-9;

}  // namespace

Eigen::VectorXd standardize(const Eigen::VectorXd& y) {
  if (y.size() == 0) return y;
  // Scaled first so that squares of values near the double range cannot overflow.
  double scale = y.cwiseAbs().maxCoeff();
  Eigen::ArrayXd x = scale > 0.0 ? (y.array() / scale).eval() : y.array().eval();
  double mean = x.mean();
  double sd = std::sqrt((x - mean).square().mean());
  if (!(sd > 1e-12 * (1.0 + std::abs(mean)))) sd = 1.0;
  return ((x - mean) / sd).matrix();
}

double yeo_johnson(double y, double lambda) {
  if (y >= 0.0) {
    if (std::abs(lambda) < kNearZero) return std::log1p(y);
    return std::expm1(lambda * std::log1p(y)) / lambda;
  }
  if (std::abs(lambda - 2.0) < kNearZero) return -std::log1p(-y);
  return -std::expm1((2.0 - lambda) * std::log1p(-y)) / (2.0 - lambda);
}

double yeo_johnson_log_likelihood(const Eigen::VectorXd& y, double lambda) {
  auto n = static_cast<double>(y.size());
  Eigen::ArrayXd t(y.size());
  double log_jacobian = 0.0;
  for (Eigen::Index i = 0; i < y.size(); ++i) {
    t[i] = yeo_johnson(y[i], lambda);
    log_jacobian += (lambda - 1.0) * std::copysign(std::log1p(std::abs(y[i])), y[i]);
  }
  double var = (t - t.mean()).square().mean();
  if (!(var > 0.0) || !std::isfinite(var)) return -HUGE_VAL;
  return -0.5 * n * std::log(var) + log_jacobian;
}

double fit_yeo_johnson(const Eigen::VectorXd& y) {
  double step = (kYeoJohnsonMax - kYeoJohnsonMin) / (kGridPoints - 1);
  double best = 1.0;
  double best_ll = yeo_johnson_log_likelihood(y, best);
  for (int k = 0; k < kGridPoints; ++k) {
    double lambda = kYeoJohnsonMin + k * step;
    double ll = yeo_johnson_log_likelihood(y, lambda);
    if (ll > best_ll) best = lambda, best_ll = ll;
  }
  // Golden section in the grid cell on either side of the best grid point.
  const double ratio = (std::sqrt(5.0) - 1.0) / 2.0;
  double lo = std::max(kYeoJohnsonMin, best - step);
  double hi = std::min(kYeoJohnsonMax, best + step);
  for (int k = 0; k < kGoldenSteps; ++k) {
    double a = hi - ratio * (hi - lo), b = lo + ratio * (hi - lo);
    if (yeo_johnson_log_likelihood(y, a) > yeo_johnson_log_likelihood(y, b)) {
      hi = b;
    } else {
      lo = a;
    }
  }
  double mid = 0.5 * (lo + hi);
  return yeo_johnson_log_likelihood(y, mid) > best_ll ? mid : best;
}

Eigen::VectorXd transform_outputs(const Eigen::VectorXd& y, bool warp) {
  Eigen::VectorXd z = standardize(y);
  if (!warp || z.size() < 3) return z;
  double lambda = fit_yeo_johnson(z);
  for (Eigen::Index i = 0; i < z.size(); ++i) z[i] = yeo_johnson(z[i], lambda);
  return standardize(z);
}

}  // namespace greentune::gp
