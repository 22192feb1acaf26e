#include "sampling/gp_acquisition.hpp"

#include <LBFGSB.h>

#include <algorithm>
#include <cmath>
#include <exception>
#include <numbers>
#include <numeric>

namespace greentune::gp {
namespace {

constexpr double kDirectAbove = -5.0;  // z above this: h computed directly
constexpr int kFractionTerms = 40;     // converged to ~1 ulp for |z| >= 5
const double kLogSqrt2Pi = 0.5 * std::log(2.0 * std::numbers::pi);

// The tail c = 1/(t + 2/(t + 3/(t + ...))) of the Mills ratio's continued fraction
// R(t) = 1/(t + c), t > 0.
double mills_tail(double t) {
  double tail = 0.0;
  for (int k = kFractionTerms; k >= 2; --k) tail = k / (t + tail);
  return 1.0 / (t + tail);
}

// Best-improvement discrete moves from `start` until none improves (bounded).
ScoredPoint discrete_moves(const LogEi& acq, const Domain& domain, ScoredPoint start) {
  int max_steps = 4 * static_cast<int>(domain.dims()) + 8;
  for (int step = 0; step < max_steps; ++step) {
    ScoredPoint best = start;
    for (Eigen::Index d = 0; d < domain.dims(); ++d) {
      for (double u : domain.moves(d, start.x[d])) {
        Eigen::VectorXd x = start.x;
        x[d] = u;
        double v = acq(x);
        if (v > best.value) best = {std::move(x), v};
      }
    }
    if (!(best.value > start.value)) return start;
    start = std::move(best);
  }
  return start;
}

// L-BFGS-B on the relaxed coordinates of `start`, the others held; the result snapped.
ScoredPoint continuous_step(const LogEi& acq, const Domain& domain, const ScoredPoint& start,
                            int iterations) {
  std::vector<Eigen::Index> free;
  for (Eigen::Index d = 0; d < domain.dims(); ++d) {
    if (domain.relaxed(d)) free.push_back(d);
  }
  if (free.empty()) return start;
  auto n = static_cast<Eigen::Index>(free.size());
  Eigen::VectorXd z(n), best_x = start.x;
  for (Eigen::Index k = 0; k < n; ++k) z[k] = start.x[free[static_cast<size_t>(k)]];
  double best = -HUGE_VAL;
  auto negated = [&](const Eigen::VectorXd& y, Eigen::VectorXd& grad) {
    Eigen::VectorXd x = start.x, full_grad;
    for (Eigen::Index k = 0; k < n; ++k) x[free[static_cast<size_t>(k)]] = y[k];
    double v = acq.value_grad(x, full_grad);
    grad.resize(n);
    for (Eigen::Index k = 0; k < n; ++k) grad[k] = -full_grad[free[static_cast<size_t>(k)]];
    if (v > best) best = v, best_x = x;
    return -v;
  };
  LBFGSpp::LBFGSBParam<double> param;
  param.max_iterations = iterations;
  param.epsilon = 1e-6;
  param.delta = 1e-9;
  LBFGSpp::LBFGSBSolver<double> solver(param);
  double fx = 0.0;
  try {
    solver.minimize(negated, z, fx, Eigen::VectorXd::Zero(n), Eigen::VectorXd::Ones(n));
  } catch (const std::exception&) {
    // A failed line search: keep the best point evaluated.
  }
  Eigen::VectorXd snapped = domain.canonical(best_x);
  return {snapped, acq(snapped)};
}

ScoredPoint refine(const LogEi& acq, const Domain& domain, const Eigen::VectorXd& x,
                   const SearchOptions& options) {
  ScoredPoint current{x, acq(x)};
  for (int round = 0; round < options.rounds; ++round) {
    bool improved = false;
    ScoredPoint moved = continuous_step(acq, domain, current, options.lbfgs_iterations);
    if (moved.value > current.value) current = std::move(moved), improved = true;
    moved = discrete_moves(acq, domain, current);
    if (moved.value > current.value) current = std::move(moved), improved = true;
    if (!improved) break;
  }
  return current;
}

void sort_best_first(std::vector<ScoredPoint>& points) {
  std::stable_sort(points.begin(), points.end(),
                   [](const ScoredPoint& a, const ScoredPoint& b) { return a.value > b.value; });
}

}  // namespace

LogH log_h(double z) {
  if (z > kDirectAbove) {
    double cdf = 0.5 * std::erfc(-z / std::numbers::sqrt2);
    double pdf = std::exp(-0.5 * z * z - kLogSqrt2Pi);
    double h = pdf + z * cdf;
    return {std::log(h), cdf / h};
  }
  // h(z) = phi(t) (1 - t R(t)) = phi(t) c / (t + c), and Phi(z)/h(z) = R/(1 - tR) = 1/c.
  double t = -z;
  double c = mills_tail(t);
  return {-0.5 * t * t - kLogSqrt2Pi + std::log(c) - std::log(t + c), 1.0 / c};
}

double log_ei(double mean, double var, double best) {
  double sigma = std::sqrt(var);
  return log_h((best - mean) / sigma).value + std::log(sigma);
}

double LogEi::operator()(const Eigen::VectorXd& x) const {
  Prediction p = model_->predict(x);
  return log_ei(p.mean, std::max(p.var, kMinVar), best_);
}

double LogEi::value_grad(const Eigen::VectorXd& x, Eigen::VectorXd& grad) const {
  PredictionGrad p = model_->predict_with_grad(x);
  bool floored = p.var < kMinVar;
  double var = floored ? kMinVar : p.var;
  double sigma = std::sqrt(var);
  double z = (best_ - p.mean) / sigma;
  LogH lh = log_h(z);
  double d_mean = -lh.slope / sigma;
  double d_var = floored ? 0.0 : (1.0 - lh.slope * z) / (2.0 * var);
  grad = d_mean * p.d_mean + d_var * p.d_var;
  return lh.value + std::log(sigma);
}

Eigen::VectorXd LogEi::batch(const Eigen::MatrixXd& xs) const {
  Eigen::VectorXd mean, var;
  model_->predict_batch(xs, mean, var);
  Eigen::VectorXd out(xs.cols());
  for (Eigen::Index j = 0; j < xs.cols(); ++j)
    out[j] = log_ei(mean[j], std::max(var[j], kMinVar), best_);
  return out;
}

std::vector<ScoredPoint> rank_points(const LogEi& acq, const Domain& domain,
                                     const Eigen::MatrixXd& candidates,
                                     const Eigen::VectorXd& incumbent,
                                     const SearchOptions& options) {
  Eigen::MatrixXd snapped(candidates.rows(), candidates.cols());
  for (Eigen::Index j = 0; j < candidates.cols(); ++j)
    snapped.col(j) = domain.canonical(candidates.col(j));
  Eigen::VectorXd scores = acq.batch(snapped);
  std::vector<ScoredPoint> out;
  out.reserve(static_cast<size_t>(snapped.cols() + options.local_starts + 1));
  for (Eigen::Index j = 0; j < snapped.cols(); ++j) out.push_back({snapped.col(j), scores[j]});
  // The best candidates, ties broken by position so that the order is fully defined.
  std::vector<size_t> order(out.size());
  std::iota(order.begin(), order.end(), size_t{0});
  size_t count = std::min(order.size(), static_cast<size_t>(options.local_starts));
  std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(count), order.end(),
                    [&](size_t a, size_t b) {
                      return out[a].value > out[b].value || (out[a].value == out[b].value && a < b);
                    });
  std::vector<Eigen::VectorXd> starts;
  for (size_t k = 0; k < count; ++k) starts.push_back(out[order[k]].x);
  if (incumbent.size() > 0) starts.push_back(incumbent);
  for (const Eigen::VectorXd& s : starts) out.push_back(refine(acq, domain, s, options));
  sort_best_first(out);
  return out;
}

}  // namespace greentune::gp
