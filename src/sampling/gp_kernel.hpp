// The covariance of the GP sampler: Matern-5/2 with one lengthscale per dimension (ARD)
// times a signal variance, on inputs optionally warped by a Kumaraswamy CDF.
//
// Points live on the unit cube, one coordinate per parameter (SearchSpace::encode), and
// are stored as the columns of a matrix (d x n) so that each point is contiguous.
// Continuous and ordinal (int, stepped float) coordinates enter the distance through
// (w(x) - w(x'))^2 with w the warping (the identity when warping is off); categorical
// coordinates through the Hamming term [x != x'], unwarped.  Every dimension d scales
// its term by lambda_d = 1 / lengthscale_d^2.
#pragma once

#include <Eigen/Core>
#include <vector>

namespace greentune::gp {

enum class DimKind {
  kContinuous,   // a float without a step
  kOrdinal,      // an int or a float with a step: ordered values
  kCategorical,  // choices without order
};

// Kernel hyperparameters in natural units.
struct KernelParams {
  Eigen::VectorXd inv_sq_lengthscales;  // lambda_d > 0, one per dimension
  double signal_var = 1.0;              // k(x, x)
  double noise_var = 1e-2;              // added to the diagonal for observations
  // Kumaraswamy shapes a_d, b_d > 0 (1, 1 is the identity); both empty: no warping.
  Eigen::VectorXd warp_a;
  Eigen::VectorXd warp_b;

  bool warped() const { return warp_a.size() > 0; }
};

// Matern-5/2 correlation as a function of the squared scaled distance r2 >= 0:
// (1 + sqrt(5) r + 5/3 r^2) exp(-sqrt(5) r).
double matern52(double r2);
// Its derivative with respect to r2: -5/6 (1 + sqrt(5) r) exp(-sqrt(5) r), finite at 0.
double matern52_slope(double r2);

// Coordinates are kept this far from 0 and 1 before warping, where the Kumaraswamy
// CDF's derivatives can be infinite.
inline constexpr double kWarpMargin = 1e-6;

// The Kumaraswamy CDF 1 - (1 - x^a)^b at x (clamped to the margin) and its derivatives
// with respect to x, log a and log b.
struct Warped {
  double value = 0.0;
  double d_x = 1.0;
  double d_log_a = 0.0;
  double d_log_b = 0.0;
};
Warped kumaraswamy(double x, double a, double b);

// The kernel's view of the inputs: warps coordinates and measures distances.
class Kernel {
 public:
  // REQUIRES: params sized to kinds (warp vectors empty or of the same size).
  Kernel(std::vector<DimKind> kinds, KernelParams params);

  size_t dims() const { return kinds_.size(); }
  const std::vector<DimKind>& kinds() const { return kinds_; }
  const KernelParams& params() const { return params_; }

  // The coordinate the distance uses: warped for continuous / ordinal dimensions when
  // warping is on, the raw coordinate otherwise.
  double warp(size_t d, double x) const;
  // Warps every column of a d x n matrix of points.
  Eigen::MatrixXd warp_points(const Eigen::MatrixXd& points) const;

  // Squared scaled distance between two warped points (pointers to d coordinates).
  double sq_distance(const double* a, const double* b) const;
  // Matern-5/2 correlations between the columns of a (d x n) and b (d x m), n x m, and
  // when `slope` is set their derivatives with respect to the squared distance.
  // Computed a column at a time, vectorised, without n x m temporaries.
  void correlations(const Eigen::MatrixXd& a, const Eigen::MatrixXd& b, Eigen::ArrayXXd& corr,
                    Eigen::ArrayXXd* slope) const;
  // Signal-scaled covariance between two warped points (no noise).
  double covariance(const double* a, const double* b) const {
    return params_.signal_var * matern52(sq_distance(a, b));
  }
  // Covariance matrix of warped points (n x n), noise not included.
  Eigen::MatrixXd gram(const Eigen::MatrixXd& warped) const;
  // Covariances between warped points (rows) and warped queries (columns): n x m.
  Eigen::MatrixXd cross(const Eigen::MatrixXd& warped, const Eigen::MatrixXd& queries) const;

 private:
  std::vector<DimKind> kinds_;
  KernelParams params_;
};

}  // namespace greentune::gp
