// One numeric dimension of a Parzen estimator: weighted Gaussian kernels truncated to
// [0, 1], evaluated as a mixture (independent TPE) or kernel by kernel (multivariate).
//
// Kernels are stored in the order given (ideally by centre) and grouped in blocks of
// consecutive kernels; a block whose largest possible term lies more than 40 nats below
// the prior kernel's term is skipped without touching its kernels.  With kernels sorted by
// centre this leaves only the kernels within about nine bandwidths of the point, which
// keeps scoring cheap when "above" holds a thousand trials.
#pragma once

#include <cstdint>
#include <random>
#include <span>
#include <vector>

namespace greentune::tpe {

class GaussianColumn {
 public:
  // Kernel k is N(mu[k], sigma[k]^2) on [0, 1] with weight exp(log_w[k]).  `order` lists
  // the kernels in storage order (empty: as given; best: by centre); the kernel at
  // index `prior` is the prior.  REQUIRES: mu in [0, 1], sigma in (0, 1], equal sizes.
  GaussianColumn(std::span<const double> mu, std::span<const double> sigma,
                 std::span<const double> log_w, std::span<const uint32_t> order, size_t prior);

  // A draw from kernel k.
  double sample(size_t k, std::mt19937_64& gen) const;

  // log sum_k w_k p_k(u), the mixture's density at u.
  double log_density(double u, std::vector<double>& scratch) const;
  // log sum_k w_k P_k([lo, hi]), the mixture's mass on a bin.  REQUIRES: lo < hi.
  double log_bin_mass(double lo, double hi, std::vector<double>& scratch) const;

  // acc[k] += log p_k(u) (density) for every kernel k, in the order given.
  void add_log_density(double u, std::span<double> acc) const;
  // acc[k] += log P_k([lo, hi]) for every kernel k, in the order given.
  void add_log_bin_mass(double lo, double hi, std::span<double> acc) const;

 private:
  struct Block {
    size_t begin;
    size_t end;
    double lo_mu;  // smallest and largest centre
    double hi_mu;
    double max_peak;  // largest log_w + log_norm: an upper bound on any log term's peak
    double min_inv_sigma;
  };
  // Kernel at storage position i: its log term at u or on [lo, hi].
  double density_term(size_t i, double u) const;
  double mass_term(size_t i, double lo, double hi) const;
  // An upper bound on the log terms of block b on [lo, hi] (log_width: 0 for densities).
  double bound(const Block& b, double lo, double hi, double log_width) const;
  double log_density_two_pass(double u, double floor, std::vector<double>& scratch) const;
  void build_blocks();

  // Per storage position.
  std::vector<double> mu_;
  std::vector<double> sigma_;
  std::vector<double> inv_sigma_;
  std::vector<double> log_mass_;  // log of the kernel's mass on [0, 1]
  std::vector<double> log_norm_;  // -log(sigma sqrt(2 pi)) - log_mass
  std::vector<double> log_w_;
  std::vector<double> peak_;    // log_w + log_norm: the log term at the centre
  std::vector<uint32_t> slot_;  // kernel index -> storage position (empty: identity)
  size_t prior_slot_ = 0;
  std::vector<Block> blocks_;
};

}  // namespace greentune::tpe
