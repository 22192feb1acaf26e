// Numerics of the TPE sampler: Gaussian tail masses in log space, log-sum-exp and draws
// from a truncated normal, all for kernels that live on the unit interval.
//
// Everything here is deterministic for a given generator state: draws use only
// std::mt19937_64 words turned into numbers by hand (see random_bits.hpp).
#pragma once

#include <bit>
#include <cstdint>
#include <random>
#include <span>

namespace greentune::tpe {

// log Phi(z), the standard normal CDF, accurate far into the lower tail (z < -30 uses
// the asymptotic series instead of an erfc that would underflow).
double log_ndtr(double z);

// log(Phi(b) - Phi(a)) for a <= b, without cancellation in either tail; -inf when
// a == b.
double log_gauss_mass(double a, double b);

// 2^(j/64) for j = 0..63.
extern const double kExp2Table[64];

// exp(x) for x <= 0 within about 2 ulp, from arithmetic and a 64-entry table (no libm
// call, no branch), so that sums of many exponentials stay cheap; x below -708 gives
// exp(-708).
inline double exp_nonpositive(double x) {
  constexpr double kScale = 64 / 0.6931471805599453;  // 64 / ln 2
  // ln(2) / 64 split so that k * kStepHi is exact for |k| < 2^21.
  constexpr double kStepHi = 6.93147180369123816490e-01 / 64;
  constexpr double kStepLo = 1.90821492927058770002e-10 / 64;
  constexpr double kShifter = 0x1.8p52;  // adding it rounds to an integer
  x = x < -708.0 ? -708.0 : x;
  double t = x * kScale + kShifter;
  double k = t - kShifter;
  double r = (x - k * kStepHi) - k * kStepLo;  // |r| <= ln(2) / 128
  // exp(r) by Taylor to degree 5: the remainder is below 4e-17 of the result.
  double p = 1.0 + r * (1.0 + r * (0.5 + r * (1.0 / 6 + r * (1.0 / 24 + r * (1.0 / 120)))));
  int64_t n = std::bit_cast<int64_t>(t) - std::bit_cast<int64_t>(kShifter);  // = k
  int64_t e = n >> 6;  // floor(k / 64); arithmetic shift (C++20)
  return p * kExp2Table[n & 63] * std::bit_cast<double>((e + 1023) << 52);
}

// log(sum(exp(x))) over the entries, guarding against overflow; -inf when empty or when
// every entry is -inf.
double log_sum_exp(std::span<const double> x);

// A standard normal draw (Box-Muller on two 53-bit uniforms).
double standard_normal(std::mt19937_64& gen);

// A draw from N(mu, sigma^2) restricted to [0, 1], by rejection.  REQUIRES: mu in
// [0, 1] and sigma in (0, 1], which keeps the acceptance rate above 1/3; after many
// rejections (probability below 1e-11) it falls back to a uniform draw.
double truncated_normal_unit(std::mt19937_64& gen, double mu, double sigma);

}  // namespace greentune::tpe
