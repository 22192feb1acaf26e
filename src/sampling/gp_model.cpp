#include "sampling/gp_model.hpp"

#include <cmath>
#include <numbers>
#include <utility>

namespace greentune::gp {
namespace {

constexpr double kFirstJitter = 1e-10;  // relative to the mean diagonal
constexpr double kLastJitter = 1e-1;

bool factor_ok(const Eigen::LLT<Eigen::MatrixXd>& llt) {
  return llt.info() == Eigen::Success && llt.matrixLLT().diagonal().allFinite();
}

// The warped coordinate of a query and its derivative (0 for categorical coordinates).
void warp_query(const Kernel& kernel, const Eigen::VectorXd& x, Eigen::VectorXd& w,
                Eigen::VectorXd& dw) {
  auto dims = static_cast<Eigen::Index>(kernel.dims());
  w = x;
  dw = Eigen::VectorXd::Ones(dims);
  const KernelParams& p = kernel.params();
  for (Eigen::Index d = 0; d < dims; ++d) {
    if (kernel.kinds()[static_cast<size_t>(d)] == DimKind::kCategorical) {
      dw[d] = 0.0;
    } else if (p.warped()) {
      Warped warped = kumaraswamy(x[d], p.warp_a[d], p.warp_b[d]);
      w[d] = warped.value;
      dw[d] = warped.d_x;
    }
  }
}

}  // namespace

std::optional<Factor> factorize(Eigen::MatrixXd k) {
  if (!k.allFinite()) return std::nullopt;
  Factor f;
  f.llt.compute(k);
  if (factor_ok(f.llt)) return f;
  double scale = std::max(k.diagonal().mean(), 1e-300);
  for (double jitter = kFirstJitter; jitter <= kLastJitter * 1.0001; jitter *= 10.0) {
    k.diagonal().array() += jitter * scale - f.jitter;
    f.jitter = jitter * scale;
    f.llt.compute(k);
    if (factor_ok(f.llt)) return f;
  }
  return std::nullopt;
}

GpModel::GpModel(Kernel kernel, Eigen::MatrixXd points, Eigen::VectorXd values, Factor factor)
    : kernel_(std::move(kernel)),
      points_(std::move(points)),
      values_(std::move(values)),
      factor_(std::move(factor)) {
  warped_ = kernel_.warp_points(points_);
  alpha_ = factor_.llt.solve(values_);
}

Result<GpModel> GpModel::condition(Kernel kernel, Eigen::MatrixXd points, Eigen::VectorXd values) {
  Eigen::MatrixXd k = kernel.gram(kernel.warp_points(points));
  k.diagonal().array() += kernel.params().noise_var;
  std::optional<Factor> factor = factorize(std::move(k));
  if (!factor) {
    return make_error(ErrorCode::kInternal,
                      "gp sampler: the covariance matrix could not be factorised");
  }
  return GpModel(std::move(kernel), std::move(points), std::move(values), std::move(*factor));
}

Result<GpModel> GpModel::with_fantasies(const Eigen::MatrixXd& pending) const {
  if (pending.cols() == 0) return *this;
  Eigen::VectorXd mean, var;
  predict_batch(pending, mean, var);
  Eigen::MatrixXd points(points_.rows(), points_.cols() + pending.cols());
  points << points_, pending;
  Eigen::VectorXd values(values_.size() + mean.size());
  values << values_, mean;
  return condition(kernel_, std::move(points), std::move(values));
}

Prediction GpModel::predict(const Eigen::VectorXd& x) const {
  Eigen::VectorXd w = kernel_.warp_points(x);
  Eigen::VectorXd k = kernel_.cross(warped_, w).col(0);
  Eigen::VectorXd v = factor_.llt.solve(k);
  return {k.dot(alpha_), kernel_.params().signal_var - k.dot(v)};
}

PredictionGrad GpModel::predict_with_grad(const Eigen::VectorXd& x) const {
  Eigen::VectorXd w, dw;
  warp_query(kernel_, x, w, dw);
  const KernelParams& p = kernel_.params();
  Eigen::Index n = warped_.cols();
  Eigen::VectorXd k(n), slope(n);
  for (Eigen::Index i = 0; i < n; ++i) {
    double r2 = kernel_.sq_distance(warped_.col(i).data(), w.data());
    k[i] = p.signal_var * matern52(r2);
    slope[i] = p.signal_var * matern52_slope(r2);
  }
  Eigen::VectorXd v = factor_.llt.solve(k);
  PredictionGrad out;
  out.mean = k.dot(alpha_);
  out.var = p.signal_var - k.dot(v);
  // d k_i / d x_d = slope_i * 2 lambda_d (w_d - W_di) * dw_d.
  Eigen::VectorXd a = alpha_.cwiseProduct(slope);
  Eigen::VectorXd b = v.cwiseProduct(slope);
  double sum_a = a.sum(), sum_b = b.sum();
  out.d_mean.setZero(w.size());
  out.d_var.setZero(w.size());
  for (Eigen::Index d = 0; d < w.size(); ++d) {
    if (dw[d] == 0.0) continue;
    double scale = 2.0 * p.inv_sq_lengthscales[d] * dw[d];
    out.d_mean[d] = scale * (w[d] * sum_a - warped_.row(d).dot(a));
    out.d_var[d] = -2.0 * scale * (w[d] * sum_b - warped_.row(d).dot(b));
  }
  return out;
}

void GpModel::predict_batch(const Eigen::MatrixXd& queries, Eigen::VectorXd& mean,
                            Eigen::VectorXd& var) const {
  Eigen::MatrixXd k = kernel_.cross(warped_, kernel_.warp_points(queries));
  mean = k.transpose() * alpha_;
  factor_.llt.matrixL().solveInPlace(k);
  var = (kernel_.params().signal_var - k.colwise().squaredNorm().array()).matrix();
}

double GpModel::log_marginal_likelihood() const {
  double log_det = 2.0 * factor_.llt.matrixLLT().diagonal().array().log().sum();
  auto n = static_cast<double>(values_.size());
  return -0.5 * values_.dot(alpha_) - 0.5 * log_det - 0.5 * n * std::log(2.0 * std::numbers::pi);
}

}  // namespace greentune::gp
