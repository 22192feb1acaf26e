#include "sampling/tpe_kernels.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>

#include "sampling/tpe_math.hpp"

namespace greentune::tpe {
namespace {

constexpr size_t kBlockSize = 16;
// A Gaussian beyond this many bandwidths from [0, 1] has mass below 1e-19 there.
constexpr double kFarTail = 9.0;
// Terms this far (in log) below the prior's are left out: each changes the sum by less
// than 4e-18 of it.
constexpr double kNegligible = 40.0;
constexpr double kInf = std::numeric_limits<double>::infinity();
// exp(-708) is the smallest exp_nonpositive gives: shifts larger than this are not safe.
constexpr double kSafeShift = 600.0;

// log of the mass of N(mu, sigma^2) on [0, 1].
double log_unit_mass(double mu, double sigma) {
  double a = -mu / sigma;
  double b = (1.0 - mu) / sigma;
  if (a < -kFarTail && b > kFarTail) return 0.0;
  return log_gauss_mass(a, b);
}

}  // namespace

GaussianColumn::GaussianColumn(std::span<const double> mu, std::span<const double> sigma,
                               std::span<const double> log_w, std::span<const uint32_t> order,
                               size_t prior) {
  size_t m = mu.size();
  auto kernel_at = [&](size_t i) { return order.empty() ? i : order[i]; };
  mu_.resize(m);
  sigma_.resize(m);
  inv_sigma_.resize(m);
  log_mass_.resize(m);
  log_norm_.resize(m);
  log_w_.resize(m);
  peak_.resize(m);
  if (!order.empty()) slot_.resize(m);
  const double log_sqrt_2pi = 0.5 * std::log(2.0 * std::numbers::pi);
  for (size_t i = 0; i < m; ++i) {
    size_t k = kernel_at(i);
    if (!order.empty()) slot_[k] = static_cast<uint32_t>(i);
    if (k == prior) prior_slot_ = i;
    mu_[i] = mu[k];
    sigma_[i] = sigma[k];
    inv_sigma_[i] = 1.0 / sigma[k];
    log_mass_[i] = log_unit_mass(mu[k], sigma[k]);
    log_norm_[i] = -std::log(sigma[k]) - log_sqrt_2pi - log_mass_[i];
    log_w_[i] = log_w[k];
    peak_[i] = log_w_[i] + log_norm_[i];
  }
  build_blocks();
}

void GaussianColumn::build_blocks() {
  for (size_t begin = 0; begin < mu_.size(); begin += kBlockSize) {
    Block b{begin, std::min(begin + kBlockSize, mu_.size()), kInf, -kInf, -kInf, kInf};
    for (size_t i = b.begin; i < b.end; ++i) {
      b.lo_mu = std::min(b.lo_mu, mu_[i]);
      b.hi_mu = std::max(b.hi_mu, mu_[i]);
      b.max_peak = std::max(b.max_peak, peak_[i]);
      b.min_inv_sigma = std::min(b.min_inv_sigma, inv_sigma_[i]);
    }
    blocks_.push_back(b);
  }
}

double GaussianColumn::sample(size_t k, std::mt19937_64& gen) const {
  size_t i = slot_.empty() ? k : slot_[k];
  return truncated_normal_unit(gen, mu_[i], sigma_[i]);
}

double GaussianColumn::density_term(size_t i, double u) const {
  double z = (u - mu_[i]) * inv_sigma_[i];
  return peak_[i] - 0.5 * z * z;
}

double GaussianColumn::mass_term(size_t i, double lo, double hi) const {
  double a = (lo - mu_[i]) * inv_sigma_[i];
  double b = (hi - mu_[i]) * inv_sigma_[i];
  return log_w_[i] + log_gauss_mass(a, b) - log_mass_[i];
}

// A term is at most its peak density over [lo, hi] times the width.
double GaussianColumn::bound(const Block& b, double lo, double hi, double log_width) const {
  double gap = std::max({0.0, lo - b.hi_mu, b.lo_mu - hi}) * b.min_inv_sigma;
  return b.max_peak + log_width - 0.5 * gap * gap;
}

double GaussianColumn::log_density(double u, std::vector<double>& scratch) const {
  // One pass, no buffer: every term is at most `shift`, the largest bound of a block
  // that matters, and at least one term (the prior's) is within a few nats of it.
  double floor = density_term(prior_slot_, u);
  double shift = floor;
  for (const Block& b : blocks_) {
    double top = bound(b, u, u, 0.0);
    if (top >= floor - kNegligible) shift = std::max(shift, top);
  }
  if (shift - floor > kSafeShift) return log_density_two_pass(u, floor, scratch);
  double sum[4] = {0.0, 0.0, 0.0, 0.0};  // independent sums let iterations overlap
  for (const Block& b : blocks_) {
    if (bound(b, u, u, 0.0) < floor - kNegligible) continue;
    size_t i = b.begin;
    for (; i + 4 <= b.end; i += 4) {
      for (size_t j = 0; j < 4; ++j) sum[j] += exp_nonpositive(density_term(i + j, u) - shift);
    }
    for (; i < b.end; ++i) sum[0] += exp_nonpositive(density_term(i, u) - shift);
  }
  return shift + std::log((sum[0] + sum[1]) + (sum[2] + sum[3]));
}

double GaussianColumn::log_density_two_pass(double u, double floor,
                                            std::vector<double>& scratch) const {
  scratch.clear();
  for (const Block& b : blocks_) {
    if (bound(b, u, u, 0.0) < floor - kNegligible) continue;
    for (size_t i = b.begin; i < b.end; ++i) scratch.push_back(density_term(i, u));
  }
  return log_sum_exp(scratch);
}

double GaussianColumn::log_bin_mass(double lo, double hi, std::vector<double>& scratch) const {
  double floor = mass_term(prior_slot_, lo, hi);
  double log_width = std::log(hi - lo);
  scratch.clear();
  for (const Block& b : blocks_) {
    if (bound(b, lo, hi, log_width) < floor - kNegligible) continue;
    for (size_t i = b.begin; i < b.end; ++i) {
      // The same bound kernel by kernel spares most erfc calls inside a near block.
      Block one{i, i + 1, mu_[i], mu_[i], peak_[i], inv_sigma_[i]};
      if (bound(one, lo, hi, log_width) >= floor - kNegligible) {
        scratch.push_back(mass_term(i, lo, hi));
      }
    }
  }
  return log_sum_exp(scratch);
}

void GaussianColumn::add_log_density(double u, std::span<double> acc) const {
  for (size_t k = 0; k < acc.size(); ++k) {
    size_t i = slot_.empty() ? k : slot_[k];
    double z = (u - mu_[i]) * inv_sigma_[i];
    acc[k] += log_norm_[i] - 0.5 * z * z;
  }
}

void GaussianColumn::add_log_bin_mass(double lo, double hi, std::span<double> acc) const {
  for (size_t k = 0; k < acc.size(); ++k) {
    size_t i = slot_.empty() ? k : slot_[k];
    acc[k] +=
        log_gauss_mass((lo - mu_[i]) * inv_sigma_[i], (hi - mu_[i]) * inv_sigma_[i]) - log_mass_[i];
  }
}

}  // namespace greentune::tpe
