// Tests of the GP sampler and its parts (kernel, posterior, MAP fit, LogEI, warping).
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <functional>
#include <numbers>
#include <random>
#include <set>

#include "greentune/sampler.hpp"
#include "sampling/gp_acquisition.hpp"
#include "sampling/gp_domain.hpp"
#include "sampling/gp_fit.hpp"
#include "sampling/gp_kernel.hpp"
#include "sampling/gp_model.hpp"
#include "sampling/gp_sampler.hpp"
#include "sampling/gp_warping.hpp"
#include "sampling/random_bits.hpp"

namespace greentune {
namespace {

using gp::DimKind;

gp::KernelParams params_with(Eigen::VectorXd lambda, double signal, double noise) {
  gp::KernelParams p;
  p.inv_sq_lengthscales = std::move(lambda);
  p.signal_var = signal;
  p.noise_var = noise;
  return p;
}

double uniform(std::mt19937_64& gen) { return unit_double(gen()); }

// ---- kernel ----------------------------------------------------------------------------

TEST(GpKernel, Matern52MatchesHandComputedValues) {
  // (1 + sqrt(5) r + 5/3 r^2) exp(-sqrt(5) r) at r = 0, 0.5, 1, 2.
  EXPECT_DOUBLE_EQ(gp::matern52(0.0), 1.0);
  EXPECT_NEAR(gp::matern52(0.25), 0.82864914241812531, 1e-15);
  EXPECT_NEAR(gp::matern52(1.0), 0.52399410883182031, 1e-15);
  EXPECT_NEAR(gp::matern52(4.0), 0.13866021913850428, 1e-15);
  for (double r2 : {0.0, 0.3, 2.0}) {
    double h = 1e-6;
    double numeric = (gp::matern52(r2 + h) - gp::matern52(std::max(r2 - h, 0.0))) /
                     (r2 + h - std::max(r2 - h, 0.0));
    EXPECT_NEAR(gp::matern52_slope(r2), numeric, 1e-5) << r2;
  }
}

TEST(GpKernel, ArdAndHammingTerms) {
  Eigen::Vector3d lambda(4.0, 1.0, 0.75);
  gp::Kernel k({DimKind::kContinuous, DimKind::kOrdinal, DimKind::kCategorical},
               params_with(lambda, 2.0, 0.0));
  double a[] = {0.1, 0.5, 0.25};
  double b[] = {0.3, 0.2, 0.25};
  double c[] = {0.3, 0.2, 0.75};
  // r2 = 4 * 0.2^2 + 1 * 0.3^2 = 0.25; the same choice adds nothing, another adds 0.75.
  EXPECT_NEAR(k.sq_distance(a, b), 0.25, 1e-15);
  EXPECT_NEAR(k.covariance(a, b), 2.0 * 0.82864914241812531, 1e-14);
  EXPECT_NEAR(k.sq_distance(a, c), 1.0, 1e-15);
  EXPECT_NEAR(k.covariance(a, c), 2.0 * 0.52399410883182031, 1e-14);
}

TEST(GpKernel, KumaraswamyDerivativesMatchFiniteDifferences) {
  for (double x : {0.05, 0.4, 0.93}) {
    for (auto [a, b] : {std::pair(0.5, 2.0), std::pair(1.0, 1.0), std::pair(3.0, 0.7)}) {
      gp::Warped w = gp::kumaraswamy(x, a, b);
      double h = 1e-6;
      auto at = [&](double xx, double aa, double bb) { return gp::kumaraswamy(xx, aa, bb).value; };
      EXPECT_NEAR(w.d_x, (at(x + h, a, b) - at(x - h, a, b)) / (2 * h), 1e-5);
      EXPECT_NEAR(w.d_log_a, (at(x, a * std::exp(h), b) - at(x, a * std::exp(-h), b)) / (2 * h),
                  1e-6);
      EXPECT_NEAR(w.d_log_b, (at(x, a, b * std::exp(h)) - at(x, a, b * std::exp(-h))) / (2 * h),
                  1e-6);
    }
  }
  EXPECT_NEAR(gp::kumaraswamy(0.3, 1.0, 1.0).value, 0.3, 1e-12);  // a = b = 1: identity
}

// ---- posterior -------------------------------------------------------------------------

TEST(GpModel, PosteriorMatchesClosedFormForTwoPoints) {
  gp::Kernel kernel({DimKind::kContinuous},
                    params_with(Eigen::VectorXd::Constant(1, 4.0), 1.5, 0.1));
  Eigen::MatrixXd x(1, 2);
  x << 0.2, 0.7;
  Eigen::Vector2d y(1.0, -0.5);
  auto model = gp::GpModel::condition(kernel, x, y);
  ASSERT_TRUE(model);
  // K = [[1.6, c], [c, 1.6]] with c = 1.5 m52(4 * 0.25); k* at 0.4.
  double c = 1.5 * gp::matern52(1.0);
  double k1 = 1.5 * gp::matern52(4 * 0.04), k2 = 1.5 * gp::matern52(4 * 0.09);
  double det = 1.6 * 1.6 - c * c;
  double inv11 = 1.6 / det, inv12 = -c / det;
  double mean = k1 * (inv11 * 1.0 + inv12 * -0.5) + k2 * (inv12 * 1.0 + inv11 * -0.5);
  double var = 1.5 - (k1 * k1 * inv11 + 2 * k1 * k2 * inv12 + k2 * k2 * inv11);
  gp::Prediction p = model->predict(Eigen::VectorXd::Constant(1, 0.4));
  EXPECT_NEAR(p.mean, mean, 1e-12);
  EXPECT_NEAR(p.var, var, 1e-12);
  EXPECT_EQ(model->jitter(), 0.0);
  double lml = -0.5 * (1.0 * (inv11 * 1.0 + inv12 * -0.5) - 0.5 * (inv12 * 1.0 + inv11 * -0.5)) -
               0.5 * std::log(det) - std::log(2 * std::numbers::pi);
  EXPECT_NEAR(model->log_marginal_likelihood(), lml, 1e-12);
}

TEST(GpModel, GradientsMatchFiniteDifferences) {
  gp::KernelParams p = params_with(Eigen::Vector3d(3.0, 10.0, 2.0), 1.3, 1e-3);
  p.warp_a = Eigen::Vector3d(0.7, 1.4, 1.0);
  p.warp_b = Eigen::Vector3d(1.5, 0.8, 1.0);
  gp::Kernel kernel({DimKind::kContinuous, DimKind::kOrdinal, DimKind::kCategorical}, p);
  std::mt19937_64 gen(3);
  Eigen::MatrixXd x(3, 12);
  Eigen::VectorXd y(12);
  for (Eigen::Index j = 0; j < 12; ++j) {
    x.col(j) << uniform(gen), uniform(gen), j % 2 == 0 ? 0.25 : 0.75;
    y[j] = std::sin(5 * x(0, j)) + x(1, j);
  }
  auto model = gp::GpModel::condition(kernel, x, y);
  ASSERT_TRUE(model);
  Eigen::Vector3d q(0.31, 0.62, 0.25);
  gp::PredictionGrad g = model->predict_with_grad(q);
  gp::Prediction p0 = model->predict(q);
  EXPECT_NEAR(g.mean, p0.mean, 1e-12);
  EXPECT_NEAR(g.var, p0.var, 1e-12);
  for (int d = 0; d < 2; ++d) {
    double h = 1e-6;
    Eigen::Vector3d up = q, down = q;
    up[d] += h;
    down[d] -= h;
    gp::Prediction pu = model->predict(up), pd = model->predict(down);
    EXPECT_NEAR(g.d_mean[d], (pu.mean - pd.mean) / (2 * h), 1e-5) << d;
    EXPECT_NEAR(g.d_var[d], (pu.var - pd.var) / (2 * h), 1e-5) << d;
  }
  EXPECT_EQ(g.d_mean[2], 0.0);
  // The acquisition's gradient follows.
  gp::LogEi acq(*model, y.minCoeff());
  Eigen::VectorXd grad;
  double v = acq.value_grad(q, grad);
  EXPECT_NEAR(v, acq(q), 1e-12);
  for (int d = 0; d < 2; ++d) {
    double h = 1e-6;
    Eigen::Vector3d up = q, down = q;
    up[d] += h;
    down[d] -= h;
    EXPECT_NEAR(grad[d], (acq(up) - acq(down)) / (2 * h), 1e-4 * (1 + std::abs(grad[d])));
  }
}

TEST(GpModel, CholeskyAddsJitterForDuplicatedPoints) {
  gp::Kernel kernel({DimKind::kContinuous, DimKind::kContinuous},
                    params_with(Eigen::Vector2d(1.0, 1.0), 1.0, 0.0));
  Eigen::MatrixXd x(2, 4);
  x << 0.5, 0.5, 0.5, 0.1,  //
      0.5, 0.5, 0.5, 0.9;
  auto model = gp::GpModel::condition(kernel, x, Eigen::Vector4d(1.0, 1.0, 1.0, -1.0));
  ASSERT_TRUE(model);
  EXPECT_GT(model->jitter(), 0.0);
  EXPECT_LT(model->jitter(), 1e-2);
  gp::Prediction p = model->predict(Eigen::Vector2d(0.5, 0.5));
  EXPECT_NEAR(p.mean, 1.0, 1e-3);
  EXPECT_TRUE(std::isfinite(p.var));
  EXPECT_FALSE(gp::factorize(Eigen::MatrixXd::Constant(2, 2, std::nan(""))));
}

TEST(GpModel, FantasiesKeepTheMeanAndShrinkTheVariance) {
  gp::Kernel kernel({DimKind::kContinuous},
                    params_with(Eigen::VectorXd::Constant(1, 25.0), 1.0, 1e-4));
  Eigen::MatrixXd x(1, 3);
  x << 0.1, 0.5, 0.9;
  auto model = gp::GpModel::condition(kernel, x, Eigen::Vector3d(0.0, 1.0, -1.0));
  ASSERT_TRUE(model);
  Eigen::MatrixXd pending(1, 1);
  pending << 0.3;
  auto believed = model->with_fantasies(pending);
  ASSERT_TRUE(believed);
  for (double q : {0.3, 0.35, 0.7}) {
    Eigen::VectorXd at = Eigen::VectorXd::Constant(1, q);
    EXPECT_NEAR(believed->predict(at).mean, model->predict(at).mean, 1e-6);
    EXPECT_LE(believed->predict(at).var, model->predict(at).var + 1e-12);
  }
  EXPECT_LT(believed->predict(Eigen::VectorXd::Constant(1, 0.3)).var, 1e-3);
}

// ---- MAP fit ---------------------------------------------------------------------------

TEST(GpFit, ObjectiveGradientMatchesFiniteDifferences) {
  std::vector<DimKind> kinds = {DimKind::kContinuous, DimKind::kOrdinal, DimKind::kCategorical};
  std::mt19937_64 gen(5);
  Eigen::MatrixXd x(3, 15);
  Eigen::VectorXd y(15);
  for (Eigen::Index j = 0; j < 15; ++j) {
    x.col(j) << uniform(gen), (static_cast<double>(j % 4) + 0.5) / 4, j % 3 == 0 ? 0.25 : 0.75;
    y[j] = std::cos(4 * x(0, j)) * x(1, j) + (j % 3 == 0 ? 0.3 : 0.0);
  }
  y = gp::standardize(y);
  for (bool warping : {false, true}) {
    gp::MapObjective objective(kinds, x, y, warping);
    Eigen::VectorXd theta = objective.pack(objective.defaults(0.4));
    for (Eigen::Index k = 0; k < theta.size(); ++k) theta[k] += 0.1 * std::sin(3.0 * k);
    Eigen::VectorXd grad, unused;
    objective(theta, grad);
    for (Eigen::Index k = 0; k < theta.size(); ++k) {
      double h = 1e-6;
      Eigen::VectorXd up = theta, down = theta;
      up[k] += h;
      down[k] -= h;
      double numeric = (objective(up, unused) - objective(down, unused)) / (2 * h);
      EXPECT_NEAR(grad[k], numeric, 1e-4 * (1 + std::abs(numeric))) << k << " warp " << warping;
    }
  }
}

TEST(GpFit, RecoversLengthscalesOfAKnownGpDraw) {
  // A draw from a GP with lengthscales 0.2 (x1) and 3 (x2, nearly irrelevant).
  std::vector<DimKind> kinds = {DimKind::kContinuous, DimKind::kContinuous};
  gp::Kernel truth(kinds, params_with(Eigen::Vector2d(25.0, 1.0 / 9.0), 1.0, 0.0));
  Eigen::MatrixXd x = gp::sobol_points(2, 70, 11);
  Eigen::MatrixXd k = truth.gram(x);
  k.diagonal().array() += 1e-8;
  Eigen::LLT<Eigen::MatrixXd> llt(k);
  std::mt19937_64 gen(13);
  Eigen::VectorXd normal(70);
  for (Eigen::Index i = 0; i < 70; ++i) {
    double u1 = 1.0 - uniform(gen), u2 = uniform(gen);
    normal[i] = std::sqrt(-2 * std::log(u1)) * std::cos(2 * std::numbers::pi * u2);
  }
  Eigen::VectorXd y = gp::standardize(llt.matrixL() * normal);
  gp::KernelParams fit = gp::fit_kernel_params(kinds, x, y, gp::FitOptions{});
  double l1 = 1.0 / std::sqrt(fit.inv_sq_lengthscales[0]);
  double l2 = 1.0 / std::sqrt(fit.inv_sq_lengthscales[1]);
  EXPECT_GT(l1, 0.1);
  EXPECT_LT(l1, 0.4);
  EXPECT_GT(l2, 4 * l1);
  EXPECT_LT(fit.noise_var, 0.05);
}

// ---- LogEI -----------------------------------------------------------------------------

long double direct_h(long double z) {
  long double pdf = std::exp(-z * z / 2) / std::sqrt(2 * std::numbers::pi_v<long double>);
  long double cdf = 0.5L * std::erfc(-z / std::numbers::sqrt2_v<long double>);
  return pdf + z * cdf;
}

TEST(GpLogEi, EqualsLogOfEiWhereEiIsWellConditioned) {
  for (double z = -4.95; z <= 6.0; z += 0.05) {
    EXPECT_NEAR(gp::log_h(z).value, static_cast<double>(std::log(direct_h(z))), 1e-12) << z;
  }
  // Against high-precision values on both sides of the switch and far below it.
  EXPECT_NEAR(gp::log_h(2.0).value, 0.69738354578822831, 1e-14);
  EXPECT_NEAR(gp::log_h(-1.0).value, -2.4851210257126413, 1e-14);
  EXPECT_NEAR(gp::log_h(-4.9).value, -16.212816407897736, 1e-12);
  EXPECT_NEAR(gp::log_h(-5.1).value, -17.285185774704834, 1e-12);
  EXPECT_NEAR(gp::log_h(-10.0).value, -55.553122036122356, 1e-11);
  EXPECT_NEAR(gp::log_h(-40.0).value, -808.29856835661996, 1e-10);
  EXPECT_NEAR(gp::log_h(-1000.0).value, -500014.73445209116, 1e-7);
  // EI = sigma h((best - mean) / sigma).
  double mean = 0.3, var = 0.25, best = 0.1;
  double ei = 0.5 * static_cast<double>(direct_h((best - mean) / 0.5));
  EXPECT_NEAR(gp::log_ei(mean, var, best), std::log(ei), 1e-12);
}

TEST(GpLogEi, FiniteAndMonotoneDownToMinus40) {
  double previous = gp::log_h(6.0).value;
  for (double z = 5.99; z >= -40.0; z -= 0.01) {
    gp::LogH lh = gp::log_h(z);
    ASSERT_TRUE(std::isfinite(lh.value)) << z;
    ASSERT_LT(lh.value, previous) << z;
    ASSERT_GT(lh.slope, 0.0) << z;
    double h = 1e-5;
    EXPECT_NEAR(lh.slope, (gp::log_h(z + h).value - gp::log_h(z - h).value) / (2 * h),
                1e-5 * (1 + lh.slope))
        << z;
    previous = lh.value;
  }
  EXPECT_TRUE(std::isfinite(gp::log_h(-1e6).value));
}

// ---- output warping --------------------------------------------------------------------

TEST(GpWarping, YeoJohnsonValuesAndLambdaFit) {
  EXPECT_NEAR(gp::yeo_johnson(1.0, 1.0), 1.0, 1e-15);
  EXPECT_NEAR(gp::yeo_johnson(-2.0, 1.0), -2.0, 1e-15);
  EXPECT_NEAR(gp::yeo_johnson(3.0, 0.0), std::log(4.0), 1e-15);
  EXPECT_NEAR(gp::yeo_johnson(-3.0, 2.0), -std::log(4.0), 1e-15);
  EXPECT_NEAR(gp::yeo_johnson(3.0, 0.5), (2.0 - 1.0) / 0.5, 1e-15);
  // Right-skewed values (a few large losses) want lambda < 1; order is kept.
  Eigen::VectorXd y(12);
  y << 0.1, 0.2, 0.15, 0.3, 0.25, 0.2, 0.5, 0.4, 3.0, 8.0, 0.35, 0.22;
  Eigen::VectorXd z = gp::standardize(y);
  EXPECT_LT(gp::fit_yeo_johnson(z), 0.8);
  Eigen::VectorXd t = gp::transform_outputs(y, true);
  for (Eigen::Index i = 0; i < y.size(); ++i) {
    for (Eigen::Index j = 0; j < y.size(); ++j) EXPECT_EQ(y[i] < y[j], t[i] < t[j]);
  }
  EXPECT_NEAR(t.mean(), 0.0, 1e-12);
  EXPECT_NEAR(gp::standardize(Eigen::Vector3d(2.0, 2.0, 2.0)).norm(), 0.0, 1e-15);
}

}  // namespace
}  // namespace greentune
