#include "report/importance.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace greentune {
namespace {

constexpr size_t kMaxBins = 50;    // grid points of a density (and the most discrete values)
constexpr size_t kFineBins = 500;  // points are counted in these first: O(n) per parameter
constexpr double kPrior = 1e-3;    // uniform share mixed into every discrete distribution

// A probability mass on `bins` points from unit-cube values.
std::vector<double> discrete_mass(const std::vector<double>& u, size_t bins) {
  std::vector<double> mass(bins, 0.0);
  for (double x : u) {
    const auto b = std::min(bins - 1, static_cast<size_t>(std::max(0.0, x) * static_cast<double>(bins)));
    mass[b] += 1.0;
  }
  const double n = static_cast<double>(u.size());
  for (double& m : mass) m = (1.0 - kPrior) * m / n + kPrior / static_cast<double>(bins);
  return mass;
}

// A Gaussian kernel density of unit-cube values on kMaxBins grid points, as masses.
// The values are counted in kFineBins bins first, so the cost is O(n + kFineBins * kMaxBins).
std::vector<double> continuous_mass(const std::vector<double>& u) {
  const double n = static_cast<double>(u.size());
  const double mean = std::accumulate(u.begin(), u.end(), 0.0) / n;
  double var = 0.0;
  for (double x : u) var += (x - mean) * (x - mean);
  const double sd = std::sqrt(var / std::max(1.0, n - 1.0));
  // Scott's rule, kept between a grid cell and half the cube.
  const double h = std::clamp(1.06 * sd * std::pow(n, -0.2), 1.0 / kMaxBins, 0.5);
  std::vector<double> fine(kFineBins, 0.0);
  for (double x : u) {
    fine[std::min(kFineBins - 1, static_cast<size_t>(std::max(0.0, x) * kFineBins))] += 1.0;
  }
  std::vector<double> mass(kMaxBins, 0.0);
  double total = 0.0;
  for (size_t g = 0; g < kMaxBins; ++g) {
    const double at = (static_cast<double>(g) + 0.5) / kMaxBins;
    double d = 0.0;
    for (size_t f = 0; f < kFineBins; ++f) {
      if (fine[f] == 0.0) continue;
      const double z = (at - (static_cast<double>(f) + 0.5) / kFineBins) / h;
      d += fine[f] * std::exp(-0.5 * z * z);
    }
    mass[g] = d;
    total += d;
  }
  for (double& m : mass) m = total > 0 ? m / total : 1.0 / kMaxBins;
  return mass;
}

double pearson_divergence(const std::vector<double>& top, const std::vector<double>& all) {
  double d = 0.0;
  for (size_t i = 0; i < all.size(); ++i) {
    if (all[i] <= 0.0) continue;
    const double r = top[i] / all[i] - 1.0;
    d += all[i] * r * r;
  }
  return d;
}

}  // namespace

ImportanceResult ped_anova_importance(const SearchSpace& space, Direction direction,
                                      const std::vector<Trial>& trials, double top_fraction) {
  ImportanceResult result;
  std::vector<const Trial*> done;
  for (const Trial& t : trials) {
    if (t.state == TrialState::kComplete && t.value && std::isfinite(*t.value)) done.push_back(&t);
  }
  result.trials = done.size();
  if (space.empty()) {
    result.note = "the study has no parameters";
    return result;
  }
  if (done.size() < kMinImportanceTrials) {
    result.note = "needs at least 10 complete trials";
    return result;
  }
  std::stable_sort(done.begin(), done.end(), [direction](const Trial* a, const Trial* b) {
    return better(direction, *a->value, *b->value);
  });
  const size_t top_n = std::clamp<size_t>(
      static_cast<size_t>(std::ceil(top_fraction * static_cast<double>(done.size()))), 2,
      done.size());
  result.top_trials = top_n;
  double total = 0.0;
  for (size_t i = 0; i < space.size(); ++i) {
    const Param& p = space.params()[i];
    std::vector<double> all;
    std::vector<double> top;
    all.reserve(done.size());
    for (size_t k = 0; k < done.size(); ++k) {
      auto it = done[k]->params.find(p.name);
      if (it == done[k]->params.end() || !space.contains(i, it->second)) continue;
      const double u = space.encode(i, it->second);
      all.push_back(u);
      if (k < top_n) top.push_back(u);
    }
    ParamImportance pi{.name = p.name};
    if (top.size() >= 2) {
      auto card = space.cardinality(i);
      if (card && *card <= kMaxBins) {
        const auto bins = static_cast<size_t>(*card);
        pi.divergence = pearson_divergence(discrete_mass(top, bins), discrete_mass(all, bins));
      } else {
        pi.divergence = pearson_divergence(continuous_mass(top), continuous_mass(all));
      }
    }
    total += pi.divergence;
    result.params.push_back(pi);
  }
  for (auto& pi : result.params) pi.importance = total > 0 ? pi.divergence / total : 0.0;
  std::stable_sort(result.params.begin(), result.params.end(),
                   [](const ParamImportance& a, const ParamImportance& b) {
                     return a.importance > b.importance;
                   });
  return result;
}

}  // namespace greentune
