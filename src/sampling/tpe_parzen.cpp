#include "sampling/tpe_parzen.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <numeric>
#include <utility>

#include "sampling/random_bits.hpp"
#include "sampling/tpe_math.hpp"

namespace greentune::tpe {
namespace {

constexpr double kPriorMu = 0.5;
constexpr double kPriorSigma = 1.0;
constexpr double kScottMagnitude = 0.2;  // BOHB's constant, kept by Optuna
constexpr double kMinSigmaUnclipped = 1e-12;
constexpr size_t kFlatWeights = 25;

uint32_t choice_index(double u, uint64_t count) {
  auto k = static_cast<uint64_t>(std::floor(u * static_cast<double>(count)));
  return static_cast<uint32_t>(std::min(k, count - 1));
}

// The indices of mu sorted by value, ties in index order.  A least-significant-digit
// radix sort on the upper 32 bits of the values (non-negative doubles order like their
// bit patterns), a byte a pass, skipping bytes that all values share; then runs of
// values that agree in those bits, which are short, are sorted in full.  Several times faster
// than std::sort for the thousand centres of a large "above" set.
void sort_by_centre(const std::vector<double>& mu, std::vector<uint32_t>& order) {
  struct Item {
    uint64_t key;
    uint32_t index;
  };
  size_t m = mu.size();
  std::vector<Item> items(m);
  std::vector<Item> spare(m);
  for (size_t k = 0; k < m; ++k) {
    items[k] = {std::bit_cast<uint64_t>(mu[k] + 0.0), static_cast<uint32_t>(k)};  // -0 -> +0
  }
  for (int shift = 32; shift < 64; shift += 8) {
    std::array<size_t, 257> start{};
    for (const Item& it : items) ++start[((it.key >> shift) & 0xFF) + 1];
    if (std::any_of(start.begin(), start.end(), [&](size_t c) { return c == m; })) continue;
    for (size_t b = 1; b < start.size(); ++b) start[b] += start[b - 1];
    for (const Item& it : items) spare[start[(it.key >> shift) & 0xFF]++] = it;
    items.swap(spare);
  }
  auto less = [](const Item& a, const Item& b) {
    return a.key < b.key || (a.key == b.key && a.index < b.index);
  };
  for (size_t begin = 0; begin < m;) {
    size_t end = begin + 1;
    while (end < m && (items[end].key >> 32) == (items[begin].key >> 32)) ++end;
    if (end - begin > 1) std::sort(items.begin() + begin, items.begin() + end, less);
    begin = end;
  }
  order.resize(m);
  for (size_t i = 0; i < m; ++i) order[i] = items[i].index;
}

// Shifts log weights so that their exponentials sum to 1.
void normalise_logs(std::vector<double>& log_w) {
  double total = log_sum_exp(log_w);
  for (double& v : log_w) v -= total;
}

}  // namespace

std::vector<double> default_weights(size_t n) {
  std::vector<double> w(n, 1.0);
  if (n <= kFlatWeights) return w;
  // numpy.linspace(1/n, 1, n - 25): evenly spaced, both ends included.
  size_t ramp = n - kFlatWeights;
  double first = 1.0 / static_cast<double>(n);
  for (size_t i = 0; i < ramp; ++i) {
    w[i] = ramp == 1
               ? first
               : first + (1.0 - first) * static_cast<double>(i) / static_cast<double>(ramp - 1);
  }
  return w;
}

ParzenEstimator::ParzenEstimator(const History& history, std::span<const uint32_t> rows,
                                 const std::vector<Axis>& axes, const ParzenOptions& options)
    : options_(options),
      observations_(rows.size()),
      dims_(axes.size()),
      axes_(axes),
      numeric_(axes.size()),
      choices_(axes.size()) {
  w_ = default_weights(observations_);
  w_.push_back(options.prior_weight);
  double total = std::accumulate(w_.begin(), w_.end(), 0.0);
  double running = 0.0;
  for (double& w : w_) {
    w /= total;
    log_w_.push_back(std::log(w));
    running += w;
    cum_w_.push_back(running);
  }
  joint_log_w_ = log_w_;
  std::vector<double> mu(rows.size() + 1);
  std::vector<uint32_t> observed(rows.size());
  std::vector<uint32_t> order;
  for (size_t d = 0; d < dims_; ++d) {
    if (axes[d].kind == Axis::Kind::kCategorical) {
      for (size_t i = 0; i < rows.size(); ++i) {
        observed[i] = choice_index(history.row(rows[i])[d], axes[d].count);
      }
      choices_[d] = choices_of(observed, axes[d].count);
      continue;
    }
    for (size_t i = 0; i < rows.size(); ++i) mu[i] = history.row(rows[i])[d];
    mu.back() = kPriorMu;
    std::vector<double> sigma = bandwidths(mu, order);
    std::vector<double> score_log_w = log_w_;
    if (options.bandwidth_weights && !options.multivariate &&
        axes[d].kind == Axis::Kind::kContinuous) {
      for (size_t k = 0; k < sigma.size(); ++k) score_log_w[k] += std::log(sigma[k]);
      normalise_logs(score_log_w);
    }
    numeric_[d].emplace(mu, sigma, score_log_w, order, observations_);
    for (size_t k = 0; k < sigma.size(); ++k) joint_log_w_[k] += score_log_w[k] - log_w_[k];
  }
  normalise_logs(joint_log_w_);
}

std::vector<double> ParzenEstimator::bandwidths(const std::vector<double>& mu,
                                                std::vector<uint32_t>& order) const {
  size_t m = mu.size();  // observations and the prior
  std::vector<double> sigma(m);
  order.clear();
  if (options_.multivariate) {
    double n = static_cast<double>(std::max<size_t>(observations_, 1));
    std::fill(sigma.begin(), sigma.end(),
              kScottMagnitude * std::pow(n, -1.0 / (static_cast<double>(dims_) + 4.0)));
  } else {
    sort_by_centre(mu, order);
    // Centres in order with the ends of the interval around them.
    auto at = [&](size_t i) { return i == 0 ? 0.0 : i == m + 1 ? 1.0 : mu[order[i - 1]]; };
    for (size_t i = 1; i <= m; ++i) {
      sigma[order[i - 1]] = std::max(at(i) - at(i - 1), at(i + 1) - at(i));
    }
    if (!options_.consider_endpoints && m >= 2) {
      sigma[order[0]] = at(2) - at(1);
      sigma[order[m - 1]] = at(m) - at(m - 1);
    }
  }
  double low = options_.consider_magic_clip ? 1.0 / std::min(100.0, 1.0 + static_cast<double>(m))
                                            : kMinSigmaUnclipped;
  for (double& s : sigma) s = std::clamp(s, low, 1.0);
  sigma.back() = kPriorSigma;
  return sigma;
}

ParzenEstimator::Choices ParzenEstimator::choices_of(std::vector<uint32_t> observed,
                                                     uint64_t count) const {
  Choices c;
  c.count = count;
  c.observed = std::move(observed);
  double share = options_.prior_weight / static_cast<double>(observations_ + 1);
  double row_total = static_cast<double>(count) * share + 1.0;
  c.hit_mass = (share + 1.0) / row_total;
  c.miss_mass = share / row_total;
  return c;
}

size_t ParzenEstimator::sample_kernel(std::mt19937_64& gen) const {
  double u = unit_double(gen());
  auto it = std::upper_bound(cum_w_.begin(), cum_w_.end(), u);
  return std::min(static_cast<size_t>(it - cum_w_.begin()), cum_w_.size() - 1);
}

double ParzenEstimator::sample(size_t d, size_t k, std::mt19937_64& gen) const {
  if (numeric_[d]) return numeric_[d]->sample(k, gen);
  const Choices& c = choices_[d];
  // An observation kernel puts hit - miss on its choice and miss on every choice.
  uint64_t index = 0;
  if (k < observations_ && unit_double(gen()) < c.hit_mass - c.miss_mass) {
    index = c.observed[k];
  } else {
    index = uniform_below(gen, c.count);
  }
  return (static_cast<double>(index) + 0.5) / static_cast<double>(c.count);
}

double ParzenEstimator::log_choice_marginal(const Choices& c, double u) const {
  uint32_t choice = choice_index(u, c.count);
  double on_choice = 0.0;  // weight of the observations of this choice
  for (size_t k = 0; k < observations_; ++k) {
    if (c.observed[k] == choice) on_choice += w_[k];
  }
  double prior = w_.back();
  double p = (1.0 - prior) * c.miss_mass + on_choice * (c.hit_mass - c.miss_mass) +
             prior / static_cast<double>(c.count);
  return std::log(p);
}

double ParzenEstimator::log_marginal(const SearchSpace& space, size_t d, double u,
                                     std::vector<double>& scratch) const {
  const Axis& axis = axes_[d];
  if (!numeric_[d]) return log_choice_marginal(choices_[d], u);
  if (axis.kind == Axis::Kind::kContinuous) return numeric_[d]->log_density(u, scratch);
  auto [lo, hi] = bin_of(space, d, axis, u);
  return numeric_[d]->log_bin_mass(lo, hi, scratch);
}

void ParzenEstimator::add_log_choice(const Choices& c, double u, std::span<double> acc) const {
  uint32_t choice = choice_index(u, c.count);
  double log_hit = std::log(c.hit_mass);
  double log_miss = std::log(c.miss_mass);
  for (size_t k = 0; k < observations_; ++k) acc[k] += c.observed[k] == choice ? log_hit : log_miss;
  acc[observations_] -= std::log(static_cast<double>(c.count));
}

double ParzenEstimator::log_joint(const SearchSpace& space, std::span<const double> x,
                                  std::vector<double>& scratch) const {
  scratch.assign(joint_log_w_.begin(), joint_log_w_.end());
  for (size_t d = 0; d < dims_; ++d) {
    const Axis& axis = axes_[d];
    if (!numeric_[d]) {
      add_log_choice(choices_[d], x[d], scratch);
    } else if (axis.kind == Axis::Kind::kContinuous) {
      numeric_[d]->add_log_density(x[d], scratch);
    } else {
      auto [lo, hi] = bin_of(space, d, axis, x[d]);
      numeric_[d]->add_log_bin_mass(lo, hi, scratch);
    }
  }
  return log_sum_exp(scratch);
}

}  // namespace greentune::tpe
