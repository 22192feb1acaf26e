#include "sampling/tpe_math.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>

#include "sampling/random_bits.hpp"

namespace greentune::tpe {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr int kMaxRejections = 64;

// log(1 - exp(x)) for x <= 0, accurate on both sides of log(1/2).
double log1mexp(double x) {
  if (x > -std::numbers::ln2) return std::log(-std::expm1(x));
  return std::log1p(-std::exp(x));
}

}  // namespace

// 2^(j/64) rounded to nearest (computed with 80-bit-precision arithmetic).
const double kExp2Table[64] = {
    0x1.0000000000000p+0, 0x1.02c9a3e778061p+0, 0x1.059b0d3158574p+0, 0x1.0874518759bc8p+0,
    0x1.0b5586cf9890fp+0, 0x1.0e3ec32d3d1a2p+0, 0x1.11301d0125b51p+0, 0x1.1429aaea92de0p+0,
    0x1.172b83c7d517bp+0, 0x1.1a35beb6fcb75p+0, 0x1.1d4873168b9aap+0, 0x1.2063b88628cd6p+0,
    0x1.2387a6e756238p+0, 0x1.26b4565e27cddp+0, 0x1.29e9df51fdee1p+0, 0x1.2d285a6e4030bp+0,
    0x1.306fe0a31b715p+0, 0x1.33c08b26416ffp+0, 0x1.371a7373aa9cbp+0, 0x1.3a7db34e59ff7p+0,
    0x1.3dea64c123422p+0, 0x1.4160a21f72e2ap+0, 0x1.44e086061892dp+0, 0x1.486a2b5c13cd0p+0,
    0x1.4bfdad5362a27p+0, 0x1.4f9b2769d2ca7p+0, 0x1.5342b569d4f82p+0, 0x1.56f4736b527dap+0,
    0x1.5ab07dd485429p+0, 0x1.5e76f15ad2148p+0, 0x1.6247eb03a5585p+0, 0x1.6623882552225p+0,
    0x1.6a09e667f3bcdp+0, 0x1.6dfb23c651a2fp+0, 0x1.71f75e8ec5f74p+0, 0x1.75feb564267c9p+0,
    0x1.7a11473eb0187p+0, 0x1.7e2f336cf4e62p+0, 0x1.82589994cce13p+0, 0x1.868d99b4492edp+0,
    0x1.8ace5422aa0dbp+0, 0x1.8f1ae99157736p+0, 0x1.93737b0cdc5e5p+0, 0x1.97d829fde4e50p+0,
    0x1.9c49182a3f090p+0, 0x1.a0c667b5de565p+0, 0x1.a5503b23e255dp+0, 0x1.a9e6b5579fdbfp+0,
    0x1.ae89f995ad3adp+0, 0x1.b33a2b84f15fbp+0, 0x1.b7f76f2fb5e47p+0, 0x1.bcc1e904bc1d2p+0,
    0x1.c199bdd85529cp+0, 0x1.c67f12e57d14bp+0, 0x1.cb720dcef9069p+0, 0x1.d072d4a07897cp+0,
    0x1.d5818dcfba487p+0, 0x1.da9e603db3285p+0, 0x1.dfc97337b9b5fp+0, 0x1.e502ee78b3ff6p+0,
    0x1.ea4afa2a490dap+0, 0x1.efa1bee615a27p+0, 0x1.f50765b6e4540p+0, 0x1.fa7c1819e90d8p+0};

double log_ndtr(double z) {
  if (z > 6.0) return std::log1p(-0.5 * std::erfc(z / std::numbers::sqrt2));
  if (z > -30.0) return std::log(0.5 * std::erfc(-z / std::numbers::sqrt2));
  // Phi(z) = phi(z) / -z * (1 - 1/z^2 + 3/z^4 - 15/z^6 + ...) for z -> -inf; at z = -30
  // the first omitted term is below 1e-13.
  double w = 1.0 / (z * z);
  double series = 1.0 - w * (1.0 - w * (3.0 - w * (15.0 - w * (105.0 - w * 945.0))));
  return -0.5 * z * z - std::log(-z) - 0.5 * std::log(2.0 * std::numbers::pi) + std::log(series);
}

double log_gauss_mass(double a, double b) {
  if (!(a < b)) return -kInf;
  if (b <= 0.0) {  // the lower tail: Phi(b) - Phi(a), both small
    double lb = log_ndtr(b);
    return lb + log1mexp(log_ndtr(a) - lb);
  }
  if (a >= 0.0) return log_gauss_mass(-b, -a);  // the upper tail, by symmetry
  // The interval holds 0: one minus the two tails, neither above 1/2.
  return std::log1p(-0.5 * std::erfc(-a / std::numbers::sqrt2) -
                    0.5 * std::erfc(b / std::numbers::sqrt2));
}

double log_sum_exp(std::span<const double> x) {
  double top = -kInf;
  for (double v : x) top = std::max(top, v);
  if (top == -kInf) return -kInf;
  if (top == kInf) return kInf;
  // Four sums let the additions overlap; terms below top - 708 count as e^-708.
  double sum[4] = {0.0, 0.0, 0.0, 0.0};
  size_t i = 0;
  for (; i + 4 <= x.size(); i += 4) {
    for (size_t j = 0; j < 4; ++j) sum[j] += exp_nonpositive(x[i + j] - top);
  }
  for (; i < x.size(); ++i) sum[0] += exp_nonpositive(x[i] - top);
  return top + std::log((sum[0] + sum[1]) + (sum[2] + sum[3]));
}

double standard_normal(std::mt19937_64& gen) {
  double u1 = 1.0 - unit_double(gen());  // (0, 1]: the log stays finite
  double u2 = unit_double(gen());
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
}

double truncated_normal_unit(std::mt19937_64& gen, double mu, double sigma) {
  for (int i = 0; i < kMaxRejections; ++i) {
    double x = mu + sigma * standard_normal(gen);
    if (x >= 0.0 && x <= 1.0) return x;
  }
  return unit_double(gen());
}

}  // namespace greentune::tpe
