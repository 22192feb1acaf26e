#include "sampling/gp_kernel.hpp"

#include <algorithm>
#include <cmath>
#include <utility>

namespace greentune::gp {
namespace {
const double kSqrt5 = std::sqrt(5.0);
}  // namespace

double matern52(double r2) {
  double r = std::sqrt(std::max(r2, 0.0));
  return (1.0 + kSqrt5 * r + 5.0 / 3.0 * r2) * std::exp(-kSqrt5 * r);
}

double matern52_slope(double r2) {
  double r = std::sqrt(std::max(r2, 0.0));
  return -5.0 / 6.0 * (1.0 + kSqrt5 * r) * std::exp(-kSqrt5 * r);
}

Warped kumaraswamy(double x, double a, double b) {
  x = std::clamp(x, kWarpMargin, 1.0 - kWarpMargin);
  double log_x = std::log(x);
  double u = std::exp(a * log_x);     // x^a
  double v = -std::expm1(a * log_x);  // 1 - x^a without cancellation
  double log_v = std::log(v);
  double v_b = std::exp(b * log_v);
  double v_b1 = std::exp((b - 1.0) * log_v);  // v^(b-1)
  Warped w;
  w.value = 1.0 - v_b;
  w.d_x = a * b * std::exp((a - 1.0) * log_x) * v_b1;
  w.d_log_a = a * b * v_b1 * u * log_x;
  w.d_log_b = -b * v_b * log_v;
  return w;
}

Kernel::Kernel(std::vector<DimKind> kinds, KernelParams params)
    : kinds_(std::move(kinds)), params_(std::move(params)) {}

double Kernel::warp(size_t d, double x) const {
  if (!params_.warped() || kinds_[d] == DimKind::kCategorical) return x;
  return kumaraswamy(x, params_.warp_a[static_cast<Eigen::Index>(d)],
                     params_.warp_b[static_cast<Eigen::Index>(d)])
      .value;
}

Eigen::MatrixXd Kernel::warp_points(const Eigen::MatrixXd& points) const {
  if (!params_.warped()) return points;
  Eigen::MatrixXd out(points.rows(), points.cols());
  for (Eigen::Index j = 0; j < points.cols(); ++j) {
    for (Eigen::Index d = 0; d < points.rows(); ++d)
      out(d, j) = warp(static_cast<size_t>(d), points(d, j));
  }
  return out;
}

double Kernel::sq_distance(const double* a, const double* b) const {
  double r2 = 0.0;
  const double* lambda = params_.inv_sq_lengthscales.data();
  for (size_t d = 0; d < kinds_.size(); ++d) {
    if (kinds_[d] == DimKind::kCategorical) {
      if (a[d] != b[d]) r2 += lambda[d];
    } else {
      double diff = a[d] - b[d];
      r2 += lambda[d] * diff * diff;
    }
  }
  return r2;
}

void Kernel::correlations(const Eigen::MatrixXd& a, const Eigen::MatrixXd& b, Eigen::ArrayXXd& corr,
                          Eigen::ArrayXXd* slope) const {
  Eigen::Index n = a.cols();
  Eigen::ArrayXXd rows = a.transpose().array();  // n x d: each coordinate contiguous
  corr.resize(n, b.cols());
  if (slope) slope->resize(n, b.cols());
  Eigen::ArrayXd r2(n), r(n), decay(n);
  for (Eigen::Index j = 0; j < b.cols(); ++j) {
    r2.setZero();
    for (Eigen::Index d = 0; d < a.rows(); ++d) {
      double lambda = params_.inv_sq_lengthscales[d];
      if (kinds_[static_cast<size_t>(d)] == DimKind::kCategorical) {
        r2 += lambda * (rows.col(d) != b(d, j)).cast<double>();
      } else {
        r2 += lambda * (rows.col(d) - b(d, j)).square();
      }
    }
    r = r2.sqrt();
    decay = (-kSqrt5 * r).exp();
    corr.col(j) = (1.0 + kSqrt5 * r + 5.0 / 3.0 * r2) * decay;
    if (slope) slope->col(j) = -5.0 / 6.0 * (1.0 + kSqrt5 * r) * decay;
  }
}

Eigen::MatrixXd Kernel::gram(const Eigen::MatrixXd& warped) const { return cross(warped, warped); }

Eigen::MatrixXd Kernel::cross(const Eigen::MatrixXd& warped, const Eigen::MatrixXd& queries) const {
  Eigen::ArrayXXd corr;
  correlations(warped, queries, corr, nullptr);
  return (params_.signal_var * corr).matrix();
}

}  // namespace greentune::gp
