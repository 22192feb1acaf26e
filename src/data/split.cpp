// Seeded splits and subsamples.  The order of rows comes from std::mt19937_64 and a
// Fisher-Yates shuffle written here, so it is the same with every standard library.
#include "data/split.hpp"

#include <algorithm>
#include <cmath>
#include <random>

namespace greentune::data {
namespace {

void shuffle(std::vector<int32_t>& v, std::mt19937_64& rng) {
  for (size_t i = v.size(); i > 1; --i) {
    size_t j = static_cast<size_t>(rng() % i);
    std::swap(v[i - 1], v[j]);
  }
}

// The rows of each class (one group for regression), each group in a seeded order.
std::vector<std::vector<int32_t>> groups_of(const Dataset& d, const std::vector<int32_t>& rows,
                                            uint64_t seed) {
  size_t n_groups = d.task == Task::kClassification ? std::max<size_t>(d.n_classes(), 1) : 1;
  std::vector<std::vector<int32_t>> groups(n_groups);
  for (int32_t r : rows) {
    size_t g = n_groups == 1 ? 0 : static_cast<size_t>(d.y[static_cast<size_t>(r)]);
    groups[std::min(g, n_groups - 1)].push_back(r);
  }
  std::mt19937_64 rng(seed);
  for (auto& g : groups) shuffle(g, rng);
  return groups;
}

std::vector<int32_t> all_rows(const Dataset& d) {
  std::vector<int32_t> rows(d.rows);
  for (size_t i = 0; i < d.rows; ++i) rows[i] = static_cast<int32_t>(i);
  return rows;
}

}  // namespace

std::vector<Fold> make_folds(const Dataset& d, double split, int64_t folds, uint64_t seed) {
  auto groups = groups_of(d, all_rows(d), seed);
  std::vector<Fold> out;
  if (folds >= 2) {
    out.resize(static_cast<size_t>(folds));
    size_t next = 0;  // dealt round-robin, continuing across classes, so fold sizes differ by <= 1
    for (const auto& g : groups) {
      for (int32_t r : g) {
        for (size_t f = 0; f < out.size(); ++f) {
          (f == next ? out[f].valid : out[f].train).push_back(r);
        }
        next = (next + 1) % out.size();
      }
    }
  } else {
    Fold fold;
    for (const auto& g : groups) {
      auto n_valid = static_cast<size_t>(std::lround(split * static_cast<double>(g.size())));
      if (g.size() >= 4) n_valid = std::clamp<size_t>(n_valid, 1, g.size() - 1);
      for (size_t i = 0; i < g.size(); ++i) (i < n_valid ? fold.valid : fold.train).push_back(g[i]);
    }
    out.push_back(std::move(fold));
  }
  for (auto& f : out) {
    std::sort(f.train.begin(), f.train.end());
    std::sort(f.valid.begin(), f.valid.end());
  }
  return out;
}

std::vector<int32_t> subsample(const Dataset& d, const std::vector<int32_t>& rows, double fraction,
                               uint64_t seed) {
  if (fraction >= 1.0) return rows;
  // A seed of its own, so the subsample does not follow the split's order.
  auto groups = groups_of(d, rows, seed ^ 0x9e3779b97f4a7c15ULL);
  std::vector<int32_t> out;
  for (const auto& g : groups) {
    if (g.empty()) continue;
    auto n = static_cast<size_t>(std::ceil(fraction * static_cast<double>(g.size()) - 1e-9));
    n = std::clamp<size_t>(n, 1, g.size());
    out.insert(out.end(), g.begin(), g.begin() + static_cast<std::ptrdiff_t>(n));
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace greentune::data
